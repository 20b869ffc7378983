"""The audit log: who uploaded, edited, replaced, withdrew or deleted a book, or changed
an account, and when. Rows are only ever added; the admin page lists and filters them."""
from __future__ import annotations

from datetime import datetime

from flask import has_request_context, request
from flask_login import current_user
from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from library.catalog.models import utcnow
from library.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # The name is kept beside the id so the log still says who when an account is gone.
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("user.id", ondelete="SET NULL"), index=True)
    actor_name: Mapped[str] = mapped_column(String(80), default="")
    action: Mapped[str] = mapped_column(String(50), index=True)  # e.g. "book.upload"
    target_type: Mapped[str] = mapped_column(String(30), default="")  # "book", "user", "branch"
    target_id: Mapped[int | None]
    # What the target was called at the time: a deleted book's title stays readable.
    target_label: Mapped[str] = mapped_column(String(500), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    ip: Mapped[str | None] = mapped_column(String(45))


def record(action: str, target_type: str = "", target_id: int | None = None,
           target_label: str = "", actor=None, **details) -> AuditEvent:
    """Add an event to the session (the caller commits it with the change it describes).

    The actor defaults to the signed-in user; the CLI passes none and is logged as "cli".
    """
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        # No actor: the CLI, or someone not signed in (a refused sign-in, an activation).
        actor_name=getattr(actor, "username", None) or ("ẩn danh" if has_request_context() else "cli"),
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=(target_label or "")[:500],
        details=details,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event
