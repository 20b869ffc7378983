"""The domain's typed errors. Services raise them and know nothing of HTTP; the edge
(library.errors) turns each kind into one answer: a page for people, the API's JSON
`{"error": message}` for programs. The message is for the user, in Vietnamese."""


class Refused(ValueError):
    """An operation refused as asked: bad input (400 at the edge)."""


class Forbidden(Refused):
    """The user may not do this (403)."""


class NotFound(Refused):
    """No such thing, or not for this user: the two look the same from outside (404)."""


def http_status(error: Refused) -> int:
    """For the edge only: the HTTP status a refusal is answered with."""
    if isinstance(error, NotFound):
        return 404
    if isinstance(error, Forbidden):
        return 403
    return 400
