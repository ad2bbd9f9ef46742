"""One exception tree for the host.

Every refusal a client can see carries a wire ``code`` (docs/protocol.md "Errors") and a
message written for the person who sent the action. Lower layers' errors are
translated into these at the boundary.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, ParamSpec, TypeVar

from storage import StorageError


class VttError(Exception):
    """Base class of every error the host raises on purpose."""


class ActionError(VttError):
    """An action or decision that is refused; nothing was changed."""

    code = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class Forbidden(ActionError):
    """The caller's role or ownership does not allow this action."""

    code = "forbidden"


class Invalid(ActionError):
    """The action is malformed or would leave the campaign invalid."""

    code = "invalid"


class NotFound(ActionError):
    """The action names an entity that does not exist (or the caller cannot see)."""

    code = "not_found"


class Stale(ActionError):
    """A GM decision based on a version whose relevant paths changed since."""

    code = "stale"

    def __init__(self, message: str, *, version: int, changed_paths: Sequence[str]) -> None:
        super().__init__(message)
        self.version = version
        self.changed_paths = list(changed_paths)


class PersistenceFailed(ActionError):
    """The change could not be made durable, so it was rolled back and not applied."""

    code = "unavailable"


class PatchError(Invalid):
    """A JSON Patch operation that cannot be applied to the document."""

    def __init__(self, message: str, *, index: int | None = None) -> None:
        super().__init__(message if index is None else f"op {index}: {message}")
        self.index = index


class StorageFailed(VttError):
    """The disk or a file refused what was asked (a storage error, translated where the
    host meets persistence, so that callers catch one tree: VttError)."""

    def __init__(self, cause: StorageError) -> None:
        super().__init__(str(cause))
        self.cause = cause


P = ParamSpec("P")
R = TypeVar("R")


def storage_errors_translated(
    method: Callable[P, Coroutine[Any, Any, R]],
) -> Callable[P, Coroutine[Any, Any, R]]:
    """Raise StorageFailed (a VttError) for any StorageError the wrapped call raises."""

    @functools.wraps(method)
    async def translated(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return await method(*args, **kwargs)
        except StorageError as error:
            raise StorageFailed(error) from error

    return translated
