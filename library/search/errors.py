"""What the search engine raises: typed errors the views turn into a message."""
from library.translatable import N_


class SearchError(Exception):
    """Base of the engine's errors; `message` is plain Vietnamese for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class QueryError(SearchError, ValueError):
    """Nothing in the query can be searched (empty, only punctuation, only exclusions)."""


class SearchUnavailable(SearchError):
    """The index is missing, corrupt or locked too long: "tạm thời không tìm kiếm được"."""

    reason = "unreadable"  # for /healthz and the reconciler; the user sees `message`

    def __init__(self, message: str = N_("Tạm thời không tìm kiếm được. Vui lòng thử lại sau.")):
        super().__init__(message)


class IndexMissing(SearchUnavailable):
    """No index where one should be (deleted, or never built while books exist)."""

    reason = "missing"


class IndexOutdated(SearchUnavailable):
    """Only an index of an older format is there: it is not misread, it is rebuilt."""

    reason = "outdated"


class IndexBusy(SearchUnavailable):
    """Another process held the write lock for longer than the writer would wait."""

    reason = "busy"

    def __init__(self):
        super().__init__(N_("Chỉ mục tìm kiếm đang được cập nhật. Vui lòng thử lại sau."))


class IndexDamaged(SearchUnavailable):
    """A read of the committed index failed inside Whoosh (a damaged segment: zlib, struct or
    pickle errors and the like); searches stop until the reconciler rebuilds it."""

    reason = "damaged"

    def __init__(self):
        super().__init__(N_("Tạm thời không tìm kiếm được: chỉ mục tìm kiếm bị hỏng, "
                         "đang chờ được dựng lại. Vui lòng thử lại sau."))
