"""Pruning the change log, which would otherwise grow by a row per change forever.

Every host says in the database how far its replica has applied the log (`report`, from the
follower). A change may go once each host still following has applied it and it is older than
the retention (INDEX_LOG_RETENTION_DAYS, 7 days by default): a few days of history stay for
the reconciler and for whoever looks. A host silent for longer than the retention is no longer
waited for, and forgotten; when it comes back, its cursor is below the start of the log (the
newest pruned change, kept as a PRUNED mark), so its replica is built again from the database
rather than missing what was pruned (replica.follow).

`prune` runs in the background (library.maintenance.pruning), never in a request.
"""
from __future__ import annotations

import logging
import time
from datetime import timedelta

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


def prune(keep: timedelta | None = None) -> int:
    """Drop the changes every following host has applied that are older than `keep` (the
    retention); forget hosts silent for longer. Returns how many changes were dropped."""
    keep = max(keep if keep is not None else retention(), SHORTEST_KEEP)
    cutoff = utcnow() - keep
    here = tasks.host_id()
    # the host doing this follows the log, however long since it last said so
    following = or_(IndexReplica.seen_at >= cutoff, IndexReplica.host == here)
    applied_everywhere = db.session.scalar(select(func.min(IndexReplica.position)).where(following))
    if applied_everywhere is None:  # no host has said how far it got: keep everything
        return 0
    last = db.session.scalar(select(func.max(IndexChange.seq)).where(
        IndexChange.seq <= applied_everywhere, IndexChange.created_at < cutoff))
    dropped = 0
    if last is not None:
        dropped = db.session.execute(delete(IndexChange).where(IndexChange.seq < last)
                                     .execution_options(synchronize_session=False)).rowcount
        # the last one stays as the mark of where the log begins (and keeps its number taken)
        db.session.execute(update(IndexChange).where(IndexChange.seq == last)
                           .values(kind=PRUNED).execution_options(synchronize_session=False))
    gone = db.session.execute(delete(IndexReplica).where(~following)
                              .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    if dropped or gone:
        log.info("index change log: %d changes up to %d pruned, %d silent hosts forgotten",
                 dropped, last or 0, gone)
    return dropped
