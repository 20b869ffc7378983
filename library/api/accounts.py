"""POST /api/activate: a member's first password set with a one-time activation code,
for apps (the page is members.activate). No sign-in: the code itself is the credential."""
from flask import request

from library.api import bp
from library.auth import csrf
from library.auth.accounts import AccountError, Throttled
from library.auth.passwords import MAX_LENGTH
from library.auth.permissions import json_error, public
from library.extensions import db
from library.i18n import gettext as _
from library.members import activation


def _client_ip() -> str:
    return request.remote_addr or "unknown"


@bp.post("/api/activate")
@public
@csrf.exempt  # no session is used or made: the code itself is the credential
def activate():
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not all(
            isinstance(body.get(key), str) and body.get(key) for key in ("username", "code", "password")):
        return json_error(400, _("Cần JSON {\"username\", \"code\", \"password\"} (chuỗi, không rỗng)."))
    if len(body["password"]) > MAX_LENGTH or len(body["username"]) > 200 or len(body["code"]) > 200:
        return json_error(400, _("Giá trị quá dài."))
    try:
        activation.activate(body["username"], body["code"], body["password"], _client_ip())
    except Throttled as exc:
        db.session.commit()
        response = json_error(429, exc.message())
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except AccountError as exc:
        db.session.commit()
        return json_error(400, str(exc))
    db.session.commit()
    return "", 204
