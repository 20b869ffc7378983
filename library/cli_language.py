"""The command line's language: chosen from the environment the Unix way, Vietnamese by default.

`flask --app wsgi ...` speaks the language its user's environment names, in gettext's order:
`LANGUAGE` (a list, `en:vi`), `LC_ALL`, `LC_MESSAGES`, `LANG`; the first value that names
Vietnamese (`vi`, `vi_VN.UTF-8`) or English (`en_GB`) wins. `C`, `POSIX` and `C.UTF-8` (a
server's usual locale) name no language and are passed over; with none, Vietnamese, the
organisation's language. No request is involved: the compiled catalog of `translations/` is
loaded here directly, so `--help` works before an app exists, and code run by a command
that says `_()` through `library.i18n` is given the same language (its `select_locale`).

Texts keep the web's conventions: Vietnamese source marked `_()`/`ngettext()`/`N_()`, placeholders
`{name}`, English in `translations/en/LC_MESSAGES/messages.po`. What programs parse (the
`imported:` / `duplicate:` / `failed:` keywords, a token alone on its line) stays out of the
translated text.
"""
from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

import click
from babel.support import NullTranslations, Translations
from flask.cli import AppGroup

from library.translatable import N_  # noqa: F401  (help texts: marked where written, translated when shown)

LANGUAGES = ("vi", "en")
DEFAULT = "vi"
_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def language(environ: Mapping[str, str] | None = None) -> str:
    """"vi" or "en", from the environment in gettext's order; Vietnamese when none names either."""
    environ = os.environ if environ is None else environ
    for variable in _VARIABLES:
        for value in (environ.get(variable) or "").split(":"):
            code = value.strip().split(".")[0].split("@")[0].split("_")[0].split("-")[0].lower()
            if code in LANGUAGES:
                return code
    return DEFAULT


def _catalog():
    return catalog_of(language())


def catalog_of(code: str):
    """The catalog of one language outside any request (the command line, a stored message
    shown in a given language): the source text itself for Vietnamese or an unknown code."""
    if code == DEFAULT or code not in LANGUAGES:
        return NullTranslations()
    return _load(str(_folder()), code)


@functools.lru_cache(maxsize=8)
def _load(folder: str, code: str):
    return Translations.load(folder, [code], domain="messages")


@functools.lru_cache(maxsize=1)
def _folder() -> Path:
    """The compiled catalogs, compiled now when missing or older than their `.po` (a fresh
    clone); where the repository is read-only, into a folder of this user's."""
    from library.i18n import compiled_catalogs

    return compiled_catalogs(fallback=Path(tempfile.gettempdir()) / f"library-translations-{os.getuid()}")


def _format(text: str, values: dict) -> str:
    return text.format(**values) if values else text


def gettext(text: str, **values) -> str:
    """Translate `text` into the command line's language, then fill in its `{name}` placeholders."""
    return _format(_catalog().gettext(text), values)


_ = gettext


def pgettext(context: str, text: str, **values) -> str:
    """`gettext` for a short text whose English depends on where it stands (`msgctxt`)."""
    return _format(_catalog().pgettext(context, text), values)


def ngettext(singular: str, plural: str, num: int, **values) -> str:
    """A counted text; `{num}` is the count. Vietnamese has one form, English two."""
    return _format(_catalog().ngettext(singular, plural, num), {"num": num, **values})


def said(message: str | None, **values) -> str:
    """A message other code wrote down (an import's reason or warning, an error's text), as the
    command line shows it: a text marked `N_()` in its Vietnamese, or a stored message with its
    values apart (library.translatable.Message), is given in the command line's language; one
    already in words (formatted where it was made) is shown as it is."""
    if not message:
        return ""
    if values:
        return gettext(str(message), **values)
    from library.i18n import message as shown  # Flask-Babel's module: only when needed

    return shown(message, language())


class _TranslatedHelp:
    """Click keeps `help` as given and shows it late (`--help`, the list of commands); read
    through this property it is translated when shown, in the language of that moment."""

    @property
    def help(self):
        return said(self._help_source) if self._help_source else self._help_source

    @help.setter
    def help(self, value):
        self._help_source = value


class Command(_TranslatedHelp, click.Command):
    """A command whose help (`help=N_(...)`) is shown in the command line's language."""


class Option(_TranslatedHelp, click.Option):
    """An option whose help (`help=N_(...)`) is shown in the command line's language."""


class Group(_TranslatedHelp, AppGroup):
    """Flask's command group (each command in an app context), every help translated."""

    command_class = Command


def command(name: str | None = None, **attrs):
    """`click.command` with its help translated when shown."""
    return click.command(name, cls=Command, **attrs)


def option(*decls: str, **attrs):
    """`click.option` with its help translated when shown."""
    return click.option(*decls, cls=Option, **attrs)
