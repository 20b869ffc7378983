"""Column types for messages written by background work and shown later in the reader's
language (library.translatable): a `Message` goes in as `{"text": msgid, "values": {...}}`
and comes out a `Message` again; a plain text (an old row, a message without values) stays
a plain text. Shown with `library.i18n.message()`.

A text column that people and SQL read as it is (a job file's `reason`, a task's `error`) keeps
the finished Vietnamese sentence; its `*_message` companion (`MessageColumn`) keeps the
msgid and values, and is empty for a plain text. Both are set with one value:
`row.reason = row.reason_message = result.reason`.
"""
from __future__ import annotations

from sqlalchemy import JSON
from sqlalchemy.types import TypeDecorator

from library.translatable import Message, loaded, stored


class MessageList(TypeDecorator):
    """A JSON list of messages (a book's warnings)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return None if value is None else [stored(item) for item in value]

    def process_result_value(self, value, dialect):
        return None if value is None else [loaded(item) for item in value]


class MessageColumn(TypeDecorator):
    """The msgid and values of the message beside a text column; NULL for a plain text."""

    impl = JSON(none_as_null=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return stored(value) if isinstance(value, Message) else None

    def process_result_value(self, value, dialect):
        return loaded(value)
