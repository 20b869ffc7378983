"""Texts written in one place and shown in another, in the reader's language.

`N_("...")` marks a Vietnamese text for the translation catalog where it is written,
without importing Flask, so modules that run in child processes (extraction, recognition)
can mark their messages too. The text is translated where it is shown, by `_()` or, for a
stored message, `library.i18n.message()`.

A message with values, `N_("Quá thời gian xử lý ({seconds} giây)", seconds=60)`, is a
`Message`: it reads as its finished Vietnamese sentence (logs, comparisons, the database's
text columns), and keeps its msgid and values apart so it can be shown in English too.
Stored, it is `{"text": msgid, "values": {...}}` (`stored`, back with `loaded`): readable
for an operator, JSON for the child processes' answers and the JSON columns. A value that
is itself one of our words (a role, a status) is a message too, translated when shown; a
list value is shown joined with commas; an int is a quantity, grouped the language's way
(100.000, 100,000), so an id or a row number is given as text; anything else (a title) is
shown as it is.
"""
from __future__ import annotations


def N_(text: str, **values) -> str:
    return Message(text, **values) if values else text


class Message(str):
    """A msgid and its values; as a `str`, the Vietnamese sentence they make."""

    msgid: str
    values: dict

    def __new__(cls, msgid: str, **values) -> Message:
        shown = msgid.format(**{k: _shown(v) for k, v in values.items()}) if values else msgid
        self = super().__new__(cls, shown)
        self.msgid, self.values = msgid, values
        return self

    def __getnewargs_ex__(self):  # pickled (a process pool) with its values, not as a plain str
        return (self.msgid,), self.values

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, {self.values!r})"


def _shown(value) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(_shown(v) for v in value)
    return vietnamese_number(value) if is_count(value) else str(value)


def is_count(value) -> bool:
    """An int value is a quantity, written with the language's grouping; give ids as text."""
    return isinstance(value, int) and not isinstance(value, bool)


def vietnamese_number(n: int) -> str:
    return f"{n:,}".replace(",", ".")  # 100.000, as Vietnamese writes it


def stored(message):
    """What a JSON column or a child's answer keeps: a plain text as it is, a Message as
    `{"text": msgid, "values": {...}}` (its word values stored the same way), a list of
    messages (shown joined with commas) as a list of those."""
    if isinstance(message, Message):
        return {"text": message.msgid, "values": {k: stored(v) for k, v in message.values.items()}}
    if isinstance(message, (list, tuple)):
        return [stored(item) for item in message]
    return message


def loaded(value):
    """The other way: `{"text", "values"}` back to a Message; a plain text (an old row, a
    message without values) as it is."""
    if isinstance(value, dict) and isinstance(value.get("text"), str):
        return Message(value["text"], **{k: loaded(v) for k, v in (value.get("values") or {}).items()})
    if isinstance(value, list):
        return [loaded(item) for item in value]
    return value
