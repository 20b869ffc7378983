"""/kosync: the progress sync server KOReader's built-in plugin talks to (Cloud sync →
custom sync server → https://<this site>/kosync), answering as koreader-sync-server does.

Credentials are the plugin's: x-auth-user is the username, x-auth-key the MD5 hex of what
was typed as the password, which here is one of the user's API tokens. Sign-up is closed
(accounts come from the library), answered as the reference server does when it is.
"""
from __future__ import annotations

import math

from flask import Blueprint, jsonify, request

from library.auth import csrf
from library.auth.permissions import public
from library.extensions import db
from library.reader import kosync

bp = Blueprint("kosync", __name__, url_prefix="/kosync")
MEDIA_TYPE = "application/json"

# The reference server's errors (config/errors.lua): code, HTTP status, message.
UNAUTHORIZED = (2001, 401, "Unauthorized")
INVALID_FIELDS = (2003, 403, "Invalid request")
DOCUMENT_MISSING = (2004, 403, "Field 'document' not provided.")
REGISTRATION_DISABLED = (2005, 402, "User registration is disabled.")


def _answer(body: dict, status: int = 200):
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _error(error: tuple[int, int, str]):
    code, status, message = error
    return _answer({"code": code, "message": message}, status)


def _user():
    return kosync.user_for_key(request.headers.get("x-auth-user"), request.headers.get("x-auth-key"))


def _route(rule: str, **options):
    """A protocol endpoint: no session, no CSRF token (KOReader has neither)."""
    def register(view):
        view = csrf.exempt(public(view))
        bp.add_url_rule(rule, view_func=view, **options)
        return view
    return register


@_route("/users/create", methods=["POST"])
def create_user():
    return _error(REGISTRATION_DISABLED)


@_route("/users/auth", methods=["GET"])
def auth_user():
    if _user() is None:
        return _error(UNAUTHORIZED)
    return _answer({"authorized": "OK"})


@_route("/syncs/progress", methods=["PUT"])
def update_progress():
    user = _user()
    if user is None:
        return _error(UNAUTHORIZED)
    body = request.get_json(silent=True, force=True)
    body = body if isinstance(body, dict) else {}
    document = body.get("document")
    if not kosync.valid_document(document):
        return _error(DOCUMENT_MISSING)
    progress, device = body.get("progress"), body.get("device")
    percentage = _number(body.get("percentage"))
    device_id = body.get("device_id") or ""
    if percentage is None or not _text(progress) or not _text(device) or not isinstance(device_id, str):
        return _error(INVALID_FIELDS)
    timestamp = kosync.record(user, kosync.Report(document, progress, percentage, device, device_id))
    db.session.commit()
    return _answer({"document": document, "timestamp": timestamp})


@_route("/syncs/progress/<path:document>", methods=["GET"])
def get_progress(document: str):
    user = _user()
    if user is None:
        return _error(UNAUTHORIZED)
    if not kosync.valid_document(document):
        return _error(DOCUMENT_MISSING)
    body = kosync.latest(user, document)
    db.session.commit()  # digests computed on the way are kept
    return _answer(body)


@_route("/healthcheck", methods=["GET"])
def healthcheck():
    return _answer({"state": "OK"})


def _text(value) -> bool:
    return isinstance(value, str) and 0 < len(value)


def _number(value) -> float | None:
    """KOReader sends a number; the reference server's tonumber() takes a numeric string."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return min(max(number, 0.0), 1.0) if math.isfinite(number) else None
