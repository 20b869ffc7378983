"""Vietnamese first, English second: Flask-Babel with gettext catalogs.

The source text is Vietnamese, wrapped in `_()`; `translations/en/LC_MESSAGES/messages.po`
holds its English (see README, "Translations"). A missing entry falls back to the
Vietnamese text, which is always right for the primary audience.

Messages keep `str.format` placeholders, `_("Đã gia hạn đến {due}.", due=...)`, so a
translator sees names rather than `%s`: the wrappers translate first, then format.
`pgettext` separates one Vietnamese word that needs two English ones ("Tệp": "File" on a
book, "Files" for a tab), `ngettext` counts ("1 item", "2 items"), and `lazy_gettext`
serves forms and module-level constants, translated when shown.

The language: the `lang` cookie (the header's chooser), then for the JSON API and
KOReader's sync the request's `Accept-Language`, else Vietnamese. Outside a request, in a
command of `flask --app wsgi ...`, the environment's (library/cli_language.py).
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager, nullcontext
from datetime import date, datetime, time
from pathlib import Path

import click
import flask_babel
import flask_wtf
import pytz
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations
from flask import (Blueprint, Flask, current_app, has_app_context, has_request_context, redirect,
                   request, url_for)
from flask_babel import Babel, LazyString

from library import cli_language
from library.config import REPO_ROOT, time_zone
from library.redirects import safe_next
from library.translatable import N_, Message, is_count, loaded, vietnamese_number

LANGUAGES = ("vi", "en")
TRANSLATIONS_DIR = REPO_ROOT / "translations"
# Paths whose callers are programs, not pages: they say their language in the request.
_API_PREFIXES = ("/api/", "/kosync/", "/opds")
bp = Blueprint("i18n", __name__)
babel = Babel()


def select_locale() -> str:
    """The `lang` cookie, then Accept-Language for programs, else Vietnamese; in a command
    line's own thread, the language its environment names."""
    if not has_request_context():
        # Background threads (the worker's, the web's) have no Click context: Vietnamese.
        return cli_language.language() if click.get_current_context(silent=True) else "vi"
    chosen = request.cookies.get("lang")
    if chosen in LANGUAGES:
        return chosen
    if request.path.startswith(_API_PREFIXES) or request.path in ("/api", "/kosync"):
        return request.accept_languages.best_match(LANGUAGES, default="vi") or "vi"
    return "vi"


def current_language() -> str:
    if not _babel_here():  # the CLI before create_app, a child process, a bare test app
        return "vi"
    return str(flask_babel.get_locale() or "vi")


@contextmanager
def in_language(language: str | None):
    """Texts made inside speak `language` (a file made for someone, a CLI's LANG), whatever
    the request's own language; Vietnamese when unknown. Without Flask-Babel (a bare
    process) texts stay Vietnamese, the source."""
    code = language if language in LANGUAGES else "vi"
    with (flask_babel.force_locale(code) if _babel_here() else nullcontext()):
        yield code


def _babel_here() -> bool:
    return has_app_context() and "babel" in current_app.extensions


def _catalog():
    return flask_babel.get_translations() if _babel_here() else NullTranslations()


def _format(text: str, values: dict) -> str:
    return text.format(**values) if values else text


def gettext(text, **values) -> str:
    """Translate `text`, then fill in `{name}` placeholders from `values`."""
    if not isinstance(text, str):  # a lazy string, a form label: already translated
        return _format(str(text), values)
    return _format(_catalog().gettext(text), values)


def message(stored, language: str | None = None) -> str:
    """A message written by background work (library.translatable), shown in the reader's
    language: `_()` on its msgid, then its values, those that are our own words translated
    too. `stored` is what a column or a child gave back: a Message, its JSON form, or a plain
    text (an old row: translated when it is a known msgid, else shown as it is).
    `language` ("vi", "en") for callers without a request, such as the command line."""
    if stored is None or stored == "":
        return ""
    if language is None:
        catalog, language = _catalog(), current_language()
    else:
        catalog = _catalog_of(language)
    return _render(loaded(stored), catalog, language)


def _render(value, catalog, language: str) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_render(loaded(v), catalog, language) for v in value)
    if isinstance(value, Message):
        values = {k: _render(loaded(v), catalog, language) if isinstance(v, (Message, dict, list))
                  else (f"{v:,}" if language == "en" else vietnamese_number(v)) if is_count(v) else v
                  for k, v in value.values.items()}
        try:
            translated = catalog.gettext(value.msgid)
            return translated.format(**values) if values else translated
        except (KeyError, IndexError, ValueError):  # a translation that lost a placeholder
            return str(value)
    return catalog.gettext(value) if isinstance(value, str) else str(value)


def _catalog_of(language: str):
    """The catalog of one language, outside any request (the command line, a report)."""
    return cli_language.catalog_of(language)


def pgettext(context: str, text: str, **values) -> str:
    """`gettext` for a text whose English depends on where it stands (`msgctxt`)."""
    return _format(_catalog().pgettext(context, text), values)


def ngettext(singular: str, plural: str, num: int, **values) -> str:
    """A counted text; `{num}` is the count. Vietnamese has one form, English two."""
    return _format(_catalog().ngettext(singular, plural, num), {"num": num, **values})


def npgettext(context: str, singular: str, plural: str, num: int, **values) -> str:
    return _format(_catalog().npgettext(context, singular, plural, num), {"num": num, **values})


def lazy_gettext(text: str, **values) -> LazyString:
    """Translated when shown: for forms and module-level constants."""
    return LazyString(gettext, text, **values)


def lazy_pgettext(context: str, text: str, **values) -> LazyString:
    return LazyString(pgettext, context, text, **values)


def lazy_ngettext(singular: str, plural: str, num: int, **values) -> LazyString:
    return LazyString(ngettext, singular, plural, num, **values)


class _FormTranslations:
    """WTForms' own messages ("Not a valid integer value.") are English in WTForms; our
    `translations/vi/LC_MESSAGES/wtforms.po` gives them in Vietnamese. The forms' own
    messages are lazy strings of our catalog, translated when shown."""

    def gettext(self, string: str) -> str:
        return _wtforms_catalog().gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return _wtforms_catalog().ngettext(singular, plural, n)


def _wtforms_catalog():
    if not _babel_here() or current_language() == "en":
        return NullTranslations()
    domain = current_app.extensions.setdefault(
        "library_wtforms_domain",
        flask_babel.Domain(current_app.config["BABEL_TRANSLATION_DIRECTORIES"], domain="wtforms"))
    return domain.get_translations()


class FlaskForm(flask_wtf.FlaskForm):
    """Flask-WTF's form, with WTForms' own messages in the reader's language."""

    class Meta:
        def get_translations(self, form):
            return _FormTranslations()


# Times: stored in UTC (naive), shown in LIBRARY_TIMEZONE, written the locale's way.
_DATE = {"vi": "dd/MM/yyyy", "en": "d MMM yyyy"}
_TIME = {"vi": "HH:mm", "en": "h:mm a"}


def format_date(value: date | datetime | None) -> str:
    """dd/mm/yyyy in Vietnamese, "3 Dec 2026" in English; a datetime in the library's zone."""
    if value is None:
        return ""
    if not _babel_here():
        return value.strftime("%d/%m/%Y")
    return flask_babel.format_date(value, _DATE.get(current_language(), _DATE["vi"]))


def format_time(value: datetime | time | None, seconds: bool = False) -> str:
    if value is None:
        return ""
    if not _babel_here():
        return value.strftime("%H:%M:%S" if seconds else "%H:%M")
    pattern = _TIME.get(current_language(), _TIME["vi"])
    if seconds:
        pattern = pattern.replace("mm", "mm:ss")
    return flask_babel.format_time(value, pattern)


def format_datetime(value: datetime | None, seconds: bool = False) -> str:
    """A stored (UTC) moment as people read it here: "03/12/2026 20:14"."""
    if value is None:
        return ""
    return f"{format_date(value)} {format_time(value, seconds)}"


def to_local(value: datetime) -> datetime:
    """A stored (naive UTC) moment in the library's zone, for exports."""
    return flask_babel.to_user_timezone(value)


def timezone_name() -> str:
    """LIBRARY_TIMEZONE: the app's setting, or outside an app (a child process) the environment's."""
    if has_app_context() and "BABEL_DEFAULT_TIMEZONE" in current_app.config:
        return current_app.config["BABEL_DEFAULT_TIMEZONE"]
    return time_zone(os.environ.get("LIBRARY_TIMEZONE"))


def today() -> date:
    """Today in the library's zone: a list due "3/12" is late from midnight in Hà Nội, not in UTC."""
    if not has_app_context():
        return date.today()
    return datetime.now(pytz.timezone(timezone_name())).date()


@bp.post("/ngon-ngu/<code>")
def choose(code: str):
    response = redirect(safe_next(request.form.get("next")) or url_for("catalog.home"))
    if code in LANGUAGES:
        response.set_cookie("lang", code, max_age=365 * 86400, samesite="Lax", httponly=True)
    return response


def compiled_catalogs(source: Path = TRANSLATIONS_DIR, fallback: Path | None = None) -> Path:
    """The folder of compiled catalogs: each `.po` compiled to its `.mo` when missing or older.

    `bin/setup` compiles with `pybabel compile`; this covers a fresh clone, a `git pull` that
    changed a `.po`, or a test run, so no one ever sees a stale translation. Where the
    repository is read-only the catalogs are compiled into `fallback` (the instance folder).
    """
    stale = [po for po in sorted(source.glob("*/LC_MESSAGES/*.po"))
             if not _fresh(po.with_suffix(".mo"), po)]
    if not stale:
        return source
    try:
        for po in stale:
            _compile(po, po.with_suffix(".mo"))
        return source
    except OSError:
        if fallback is None:
            raise
    for po in sorted(source.glob("*/LC_MESSAGES/*.po")):
        target = fallback / po.relative_to(source).with_suffix(".mo")
        if not _fresh(target, po):
            target.parent.mkdir(parents=True, exist_ok=True)
            _compile(po, target)
    return fallback


def _fresh(mo: Path, po: Path) -> bool:
    return mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime


def _compile(po: Path, mo: Path) -> None:
    """Written beside under a temporary name and renamed: processes starting together are safe."""
    with po.open("rb") as fh:
        catalog = read_po(fh, abort_invalid=True)
    fd, temporary = tempfile.mkstemp(dir=mo.parent, prefix=".mo-")
    try:
        with os.fdopen(fd, "wb") as out:
            write_mo(out, catalog, use_fuzzy=False)
        os.replace(temporary, mo)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def init_app(app: Flask) -> None:
    folder = compiled_catalogs(fallback=Path(app.instance_path) / "translations")
    app.config.setdefault("BABEL_DEFAULT_LOCALE", "vi")
    app.config["BABEL_DEFAULT_TIMEZONE"] = time_zone(app.config.get("BABEL_DEFAULT_TIMEZONE"))
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(folder)
    babel.init_app(app, locale_selector=select_locale)
    app.register_blueprint(bp)
    app.jinja_env.globals.update(
        _=gettext, N_=N_, message=message, pgettext=pgettext, ngettext=ngettext,
        current_language=current_language,
        timezone_name=timezone_name,
    )
    app.jinja_env.filters.update(date=format_date, datetime=format_datetime, time=format_time)
