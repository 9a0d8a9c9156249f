"""The few ways searchapp refuses work, mapped once per surface (web: error page; CLI: message)."""

from __future__ import annotations


class SearchappError(Exception):
    """Base: a problem the user can act on, with a message that says how."""

    status = 500


class BadRequest(SearchappError):
    """A URL parameter or CLI option with a value searchapp cannot use."""

    status = 400

    def __init__(self, param: str, message: str) -> None:
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


class NotFound(SearchappError):
    status = 404


class IndexMissing(SearchappError):
    """No index where one was expected."""

    status = 503

    def __init__(self, path: object) -> None:
        super().__init__(f"no index at {path}: run `searchapp reindex PATH --index {path}` first")


class IndexBusy(SearchappError):
    """Another reindex holds the lock."""

    status = 409

    def __init__(self, pid: int | None) -> None:
        who = f"PID {pid}" if pid else "another process"
        super().__init__(f"index is being updated by {who}; wait for it to finish or stop it")
        self.pid = pid


class SchemaMismatch(SearchappError):
    status = 503

    def __init__(self, found: object, expected: object) -> None:
        super().__init__(
            f"index schema version {found} differs from this searchapp's {expected}: "
            "run `searchapp reindex --full PATH` to rebuild it"
        )


class IndexDamaged(SearchappError):
    """The index files are unreadable (truncated or deleted segment, disk error)."""

    status = 503

    def __init__(self, path: object, detail: str) -> None:
        super().__init__(
            f"the index at {path} is damaged ({detail}): rebuild it with "
            f"`searchapp reindex --full PATH --index {path}`"
        )
        self.detail = detail


class DiskFull(SearchappError):
    """The disk filled up while a reindex wrote the next generation."""

    status = 507

    def __init__(self, path: object) -> None:
        super().__init__(
            f"disk full: no space left on the device of {path}; the half-written index was deleted and "
            "nothing half-written is served. Free some space and run the reindex again"
        )
