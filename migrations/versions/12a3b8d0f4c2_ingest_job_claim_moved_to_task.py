"""ingest_job: the claim and heartbeat moved to the job's task (library.tasks)

Revision ID: 12a3b8d0f4c2
Revises: 12a2c4a9e7b1
Create Date: 2026-12-03 10:50:00

"""
from alembic import op


revision = '12a3b8d0f4c2'
down_revision = '12a2c4a9e7b1'
branch_labels = None
depends_on = None


def upgrade():
    # A job left queued or running by the previous version gets its task, so it is not lost;
    # a `books import` cut short is closed, as the previous version's recovery would have.
    payload = "'{\"job_id\": ' || id || '}'"
    if op.get_bind().dialect.name == "postgresql":
        payload = f"CAST({payload} AS json)"
    op.execute("INSERT INTO task (kind, key, payload, status, priority, run_after, attempts, "
               "rerun, cancel_requested, created_at, updated_at) "
               f"SELECT 'ingest.job', 'ingest:' || id, {payload}, 'queued', 10, "
               "CURRENT_TIMESTAMP, 0, false, false, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP "
               "FROM ingest_job WHERE status IN ('queued', 'running') AND source != 'cli'")
    op.execute("UPDATE ingest_job SET status = 'queued' WHERE status = 'running' AND source != 'cli'")
    op.execute("UPDATE ingest_job_file SET status = 'failed', finished_at = CURRENT_TIMESTAMP, "
               "reason = 'Lệnh nhập đã dừng giữa chừng; hãy chạy lại' "
               "WHERE status IN ('queued', 'running') AND job_id IN (SELECT id FROM ingest_job "
               "WHERE source = 'cli' AND status IN ('queued', 'running'))")
    op.execute("UPDATE ingest_job SET status = 'finished', finished_at = CURRENT_TIMESTAMP "
               "WHERE source = 'cli' AND status IN ('queued', 'running')")
    # ingest_job.claimed_by and heartbeat_at stay in the table, unused: dropping them would
    # copy the table on SQLite, and dropping the old copy deletes the jobs' files by cascade.


def downgrade():
    pass
