"""Pruning the change log, which would otherwise grow by a row per change forever.

Every host says in the database how far its replica has applied the log (`report`, from the
follower). A change may go once each host still following has applied it and it is older than
the retention (INDEX_LOG_RETENTION_DAYS, 7 days by default): a few days of history stay for
the reconciler and for whoever looks. A host silent for longer than the retention is no longer
waited for, and forgotten; when it comes back, its cursor is below the start of the log (the
newest pruned change, kept as a PRUNED mark), so its replica is built again from the database
rather than missing what was pruned (replica.follow).

`prune` runs in the background (library.maintenance.pruning), never in a request, and by hand
(`flask --app wsgi index prune`). After a restore, the replica rows that came with the backup
are given one grace period to be said again (`after_restore`): the hosts still sharing this
database say theirs within REPORT_EVERY; the rows of hosts that are gone then stop holding
the log back, instead of for a whole retention.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from library import tasks
from library.catalog.models import utcnow
from library.extensions import db
from library.indexing.changes import PRUNED, IndexChange, IndexReplica

log = logging.getLogger(__name__)
DEFAULT_RETENTION_DAYS = 7.0
# An unchanged position is said again this often: that the host is still there. Far below
# any sensible retention, far above the follower's one-second beat.
REPORT_EVERY = 600.0
# However short the retention, a change stays this long: a host waits up to
# replica.GAP_PATIENCE (600 s) for a change number drawn by a transaction still open.
SHORTEST_KEEP = timedelta(minutes=30)
# After a restore, how long a replica row from the backup is still waited for: twice the
# longest a following host goes without saying its position.
RESTORE_GRACE = timedelta(seconds=2 * REPORT_EVERY)


@dataclass
class Behind:
    """A following host whose replica has not applied changes old enough to be pruned."""
    host: str
    position: int
    seen_at: datetime
    held: int  # changes old enough to go, kept because it has not applied them


@dataclass
class Pruned:
    dropped: int = 0                # changes removed from the log
    reported: bool = True           # some host has said how far it got
    forgotten: list[str] = field(default_factory=list)  # hosts silent longer than the retention
    behind: list[Behind] = field(default_factory=list)  # what holds the rest back


def retention() -> timedelta:
    return timedelta(days=float(current_app.config["INDEX_LOG_RETENTION_DAYS"]))


def report(position: int) -> None:
    """This host's replica has applied every change up to `position`. Written when it moved,
    else every REPORT_EVERY seconds; commits."""
    app = current_app._get_current_object()
    host = tasks.host_id(app)
    said = app.extensions.setdefault("index_replica_reported", {})
    last = said.get(host)
    if last is not None and last[0] == position and time.monotonic() - last[1] < REPORT_EVERY:
        return
    now = utcnow()
    moved = update(IndexReplica).where(IndexReplica.host == host) \
        .values(position=position, seen_at=now).execution_options(synchronize_session=False)
    if not db.session.execute(moved).rowcount:
        db.session.add(IndexReplica(host=host, position=position, seen_at=now))
        try:
            db.session.commit()
        except IntegrityError:  # another process of this host was first: say it over it
            db.session.rollback()
            db.session.execute(moved)
    db.session.commit()
    said[host] = (position, time.monotonic())


def prune(keep: timedelta | None = None) -> Pruned:
    """Drop the changes every following host has applied that are older than `keep` (the
    retention); forget hosts silent for longer. Says what was dropped and who holds back the
    changes old enough to go."""
    keep = max(keep if keep is not None else retention(), SHORTEST_KEEP)
    cutoff = utcnow() - keep
    here = tasks.host_id()
    # the host doing this follows the log, however long since it last said so
    following = or_(IndexReplica.seen_at >= cutoff, IndexReplica.host == here)
    applied_everywhere = db.session.scalar(select(func.min(IndexReplica.position)).where(following))
    if applied_everywhere is None:  # no host has said how far it got: keep everything
        return Pruned(reported=False)
    old_enough = db.session.scalar(select(func.max(IndexChange.seq)).where(
        IndexChange.created_at < cutoff, IndexChange.kind != PRUNED))
    outcome = Pruned(behind=_behind(following, old_enough) if old_enough else [])
    last = db.session.scalar(select(func.max(IndexChange.seq)).where(
        IndexChange.seq <= applied_everywhere, IndexChange.created_at < cutoff))
    if last is not None:
        outcome.dropped = db.session.execute(delete(IndexChange).where(IndexChange.seq < last)
                                             .execution_options(synchronize_session=False)).rowcount
        # the last one stays as the mark of where the log begins (and keeps its number taken)
        db.session.execute(update(IndexChange).where(IndexChange.seq == last)
                           .values(kind=PRUNED).execution_options(synchronize_session=False))
    outcome.forgotten = sorted(db.session.scalars(
        delete(IndexReplica).where(~following).returning(IndexReplica.host)
        .execution_options(synchronize_session=False)))
    db.session.commit()
    if outcome.dropped or outcome.forgotten:
        log.info("index change log: %d changes up to %d pruned, %d silent hosts forgotten",
                 outcome.dropped, last or 0, len(outcome.forgotten))
    return outcome


def _behind(following, old_enough: int) -> list[Behind]:
    """Following hosts that have not applied every change up to `old_enough`."""
    rows = db.session.execute(select(IndexReplica.host, IndexReplica.position, IndexReplica.seen_at)
                              .where(following, IndexReplica.position < old_enough)
                              .order_by(IndexReplica.position, IndexReplica.host)).all()
    return [Behind(host, position, seen_at, db.session.scalar(
        select(func.count()).select_from(IndexChange).where(
            IndexChange.seq > position, IndexChange.seq <= old_enough, IndexChange.kind != PRUNED)))
        for host, position, seen_at in rows]


def after_restore() -> int:
    """The replica rows came with the backup: their hosts said those positions before it was
    taken. Each is waited for RESTORE_GRACE more, no longer: a host that still shares this
    database says its position again within REPORT_EVERY (and is then waited for as before),
    while a host that is gone, or belonged to the instance the backup was taken from, stops
    holding the log back. This host is always waited for. Returns how many rows were aged."""
    keep = max(retention(), SHORTEST_KEEP)
    seen = utcnow() - keep + RESTORE_GRACE
    aged = db.session.execute(update(IndexReplica).where(
        IndexReplica.seen_at > seen, IndexReplica.host != tasks.host_id())
        .values(seen_at=seen).execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return aged
