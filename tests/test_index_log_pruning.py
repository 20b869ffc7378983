"""The index change log is pruned: what a following host still needs stays, and a host away
longer than the retention builds its replica again from the database when it comes back."""
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from library import indexing, tasks
from library.catalog.models import Book, BookStatus, utcnow
from library.extensions import db
from library.indexing import changes, pruning, replica
from library.indexing.changes import IndexChange, IndexReplica
from library.ingest import import_file
from library.search import get_index
from tests.books import FILLER, pdf_book
from tests.conftest import another_app

MONTH = timedelta(days=30)


@pytest.fixture
def books(app, tmp_path):
    with app.app_context():
        return [import_file(pdf_book(tmp_path / f"{n}.pdf", [FILLER, f"Đề mục số {n}."],
                                     title=f"Tài liệu {n}")).book_id for n in range(3)]


@pytest.fixture
def host_b(app, books, tmp_path):
    """A second host on the same database: its own index folder, its replica built now."""
    other = another_app(app, INDEX_DIR=str(tmp_path / "index-b"), HOST_ID="host-b")
    with other.app_context():
        replica.follow(blocking=True)
        assert get_index().indexed_book_ids() == set(books)
    return other


def _log() -> list[tuple[int, str]]:
    changes_kept = db.session.scalars(select(IndexChange).order_by(IndexChange.seq))
    return [(c.seq, c.kind) for c in changes_kept]


def _positions() -> dict[str, int]:
    return dict(db.session.execute(select(IndexReplica.host, IndexReplica.position)).all())


def _age_log(by: timedelta = MONTH) -> None:
    db.session.execute(update(IndexChange).values(created_at=utcnow() - by))
    db.session.commit()


def _retitle(book_id: int, title: str) -> int:
    """Edit a book as a librarian would (this host applies it at once); the change's number."""
    db.session.get(Book, book_id).title = title
    db.session.commit()
    indexing.index_book(book_id)
    return changes.latest()


def _titles_found(words: str) -> set[int]:
    return {book.book_id for book in get_index().search(words).books}


def test_changes_a_lagging_host_has_not_applied_are_kept_until_it_has(app, books, host_b):
    with app.app_context():
        here, before = tasks.host_id(), changes.latest()
        edited = _retitle(books[0], "Nghị quyết hội nghị lần thứ năm")
        _age_log()
        assert _positions() == {here: edited, "host-b": before}

        pruning.prune()
        log = _log()
        assert (edited, changes.UPDATE) in log, "host b has not applied it yet"
        assert [kind for _, kind in log].count(changes.PRUNED) == 1
        assert log[0] == (before, changes.PRUNED), "what both hosts applied is gone"

    with host_b.app_context():
        replica.follow(blocking=True)
        assert _titles_found("hội nghị lần thứ năm") == {books[0]}
        assert _positions()["host-b"] == edited

    with app.app_context():
        pruning.prune()
        assert _log() == [(edited, changes.PRUNED)], "the newest pruned change marks the start"
        assert changes.latest() == edited, "numbers are never drawn again"
        later = _retitle(books[1], "Sổ tay đảng viên")

    with host_b.app_context():
        rebuilt = []
        real_build = replica._build
        replica._build = lambda *args: rebuilt.append(args) or real_build(*args)
        try:
            assert replica.follow(blocking=True) == 1
        finally:
            replica._build = real_build
        assert not rebuilt, "a host level with the log goes on following it"
        assert _titles_found("sổ tay đảng viên") == {books[1]}
        assert _positions()["host-b"] == later


def test_a_host_away_longer_than_the_retention_builds_its_replica_again(app, books, host_b):
    with app.app_context():
        _retitle(books[0], "Nghị quyết hội nghị lần thứ năm")
        db.session.get(Book, books[1]).status = BookStatus.WITHDRAWN
        db.session.commit()
        indexing.index_book(books[1])
        _age_log()
        db.session.execute(update(IndexReplica).where(IndexReplica.host == "host-b")
                           .values(seen_at=utcnow() - MONTH))
        db.session.commit()

        assert pruning.prune().dropped > 0
        top = changes.latest()
        assert _log() == [(top, changes.PRUNED)], "host b is not waited for"
        assert "host-b" not in _positions(), "and is forgotten"

    with host_b.app_context():
        # back: its replica still says "Tài liệu 0" and holds the withdrawn book
        assert _titles_found("hội nghị lần thứ năm") == set()
        replica.follow(blocking=True)
        assert _titles_found("hội nghị lần thứ năm") == {books[0]}
        assert get_index().indexed_book_ids() == {books[0], books[2]}
        assert _positions()["host-b"] == top
        assert replica.Cursor.load(replica._folder()).seq == top


def test_changes_stay_for_the_retention_and_until_a_host_has_said_how_far_it_got(app, books):
    with app.app_context():
        kept = _log()
        db.session.execute(update(IndexReplica).values(position=0))
        db.session.commit()
        _age_log()
        assert pruning.prune().dropped == 0 and _log() == kept, "no host has applied them yet"

        db.session.execute(update(IndexReplica).values(position=changes.latest()))
        db.session.commit()
        _age_log(timedelta(days=2))
        assert pruning.prune().dropped == 0 and _log() == kept, "younger than the 7 days kept"
        assert pruning.prune(timedelta(days=1)).dropped == len(kept) - 1
        assert _log() == [(kept[-1][0], changes.PRUNED)]

        db.session.execute(IndexReplica.__table__.delete())
        db.session.commit()
        _retitle(books[0], "Bản mới")
        db.session.execute(IndexReplica.__table__.delete())
        db.session.commit()
        _age_log()
        assert pruning.prune() == pruning.Pruned(reported=False), "nobody has said how far it got: nothing goes"


def test_the_background_runner_prunes_the_log(app, books):
    with app.app_context():
        assert "index-log-pruning" in tasks.runner.LOOPS
        _age_log()
        top = changes.latest()
    tasks.run_until_idle(app)
    with app.app_context():
        assert _log() == [(top, changes.PRUNED)]


def test_the_retention_is_configured_in_days_and_a_bad_value_is_refused(app, monkeypatch):
    assert app.config["INDEX_LOG_RETENTION_DAYS"] == 7
    monkeypatch.setenv("LIBRARY_INDEX_LOG_RETENTION_DAYS", "2.5")
    assert float(another_app(app).config["INDEX_LOG_RETENTION_DAYS"]) == 2.5
    monkeypatch.setenv("LIBRARY_INDEX_LOG_RETENTION_DAYS", "một tuần")
    with pytest.raises(ValueError, match="LIBRARY_INDEX_LOG_RETENTION_DAYS"):
        another_app(app)


def test_index_prune_by_hand_says_what_went_and_which_host_holds_the_rest(app, books, host_b, runner):
    with app.app_context():
        before = changes.latest()
        _retitle(books[0], "Nghị quyết hội nghị lần thứ năm")
        _age_log()
        kept = _log()

    said = runner.invoke(args=["index", "prune"])
    assert said.exit_code == 0, said.output
    with app.app_context():
        dropped = len(kept) - len(_log())
        assert dropped > 0 and _log()[0] == (before, changes.PRUNED)
    assert f"Đã xoá {dropped} thay đổi khỏi nhật ký của chỉ mục." in said.output
    assert (f"Máy chủ host-b mới áp dụng đến thay đổi số {before} (báo lúc "
            in said.output and "1 thay đổi đủ cũ để xoá được giữ lại cho nó." in said.output)

    with host_b.app_context():
        replica.follow(blocking=True)
    said = runner.invoke(args=["index", "prune"], env={"LANG": "en_US.UTF-8"})
    assert said.exit_code == 0, said.output
    assert "Removed 1 change from the index's change log." in said.output
    assert "host-b" not in said.output
    assert "Changes newer than 7 days are kept (LIBRARY_INDEX_LOG_RETENTION_DAYS)." in said.output


def test_after_a_restore_a_gone_host_holds_the_log_back_a_grace_period_and_a_live_one_stays_waited_for(
        app, books, host_b, runner, tmp_path, monkeypatch):
    """The backup holds the replica rows of its day: this host, host b (which shares the
    database and goes on running), and a host that has since been taken down."""
    with app.app_context():
        here = tasks.host_id()
        db.session.add(IndexReplica(host="gone-host", position=1, seen_at=utcnow()))
        db.session.commit()
    assert runner.invoke(args=["backup", str(tmp_path / "backup")]).exit_code == 0
    with app.app_context():
        _retitle(books[0], "Nghị quyết hội nghị lần thứ năm")  # after the backup: lost by the restore
    restored = runner.invoke(args=["restore", str(tmp_path / "backup"), "--force", "--no-index"])
    assert restored.exit_code == 0, restored.output

    with app.app_context():
        top = changes.latest()
        assert set(_positions()) == {here, "host-b", "gone-host"}
        _age_log()
        assert pruning.prune().behind[0].host == "gone-host", "waited for a while after the restore"
    with host_b.app_context():
        host_b.extensions["index_replica_reported"].clear()  # ten minutes on, for its follower
        replica.follow(blocking=True)

    later = utcnow() + pruning.RESTORE_GRACE + timedelta(minutes=1)
    monkeypatch.setattr(pruning, "utcnow", lambda: later)
    with app.app_context():
        outcome = pruning.prune()
        assert outcome.forgotten == ["gone-host"], "no longer holds the log back"
        assert _positions() == {here: top, "host-b": top}, "host b is still waited for"
        assert _log() == [(top, changes.PRUNED)]
