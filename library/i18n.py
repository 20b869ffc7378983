"""Vietnamese first, English second: templates write Vietnamese and `_()` translates.

The core catalogue is `library/i18n_en.py`; each area of the site adds its own
strings with `add_translations` (from its `i18n_en.py`). A missing entry falls back
to the Vietnamese text, which is always correct for the primary audience.
"""
from flask import Blueprint, Flask, g, redirect, request, url_for

from library.i18n_en import ENGLISH as _CORE
from library.redirects import safe_next

LANGUAGES = ("vi", "en")
bp = Blueprint("i18n", __name__)
ENGLISH: dict[str, str] = dict(_CORE)


def add_translations(english: dict[str, str]) -> None:
    """Add an area's Vietnamese → English strings to the catalogue."""
    ENGLISH.update(english)


def current_language() -> str:
    if "lang" not in g:
        chosen = request.cookies.get("lang")
        g.lang = chosen if chosen in LANGUAGES else "vi"
    return g.lang


def gettext(text: str, **values) -> str:
    if current_language() == "en":
        text = ENGLISH.get(text, text)
    return text.format(**values) if values else text


@bp.post("/ngon-ngu/<code>")
def choose(code: str):
    response = redirect(safe_next(request.form.get("next")) or url_for("catalog.home"))
    if code in LANGUAGES:
        response.set_cookie("lang", code, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
    app.jinja_env.globals.update(_=gettext, current_language=current_language)
