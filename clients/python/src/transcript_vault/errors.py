"""Exceptions raised by the Transcript Vault client.

Two families, with a common base :class:`VaultClientError`:

* :class:`VaultError` and its subclasses: ``vaultd`` answered with an error
  status. ``.status`` is the HTTP status, ``.code`` the vault's machine-readable
  error code (``"not_found"``, ``"seq_conflict"``, ...; docs/api.md section 4),
  ``.message`` the text for people. Match on the class or on ``.code``; never
  on ``.message``, which may change between versions.
* :class:`VaultConnectionError` (and :class:`VaultTimeout`): no complete answer
  was received. ``.request_may_have_been_applied`` says whether any byte of
  the request can have reached ``vaultd``.
"""

from __future__ import annotations

import json
from typing import Dict, Optional, Type

__all__ = [
    "VaultClientError",
    "VaultError",
    "BadRequest",
    "Forbidden",
    "NotFound",
    "MethodNotAllowed",
    "Conflict",
    "Gone",
    "PayloadTooLarge",
    "UnsupportedMediaType",
    "HeadersTooLarge",
    "ServerError",
    "Unavailable",
    "InsufficientStorage",
    "VaultConnectionError",
    "VaultTimeout",
    "VaultProtocolError",
    "error_from_response",
]


class VaultClientError(Exception):
    """Base class of every exception this library raises on purpose."""


class VaultError(VaultClientError):
    """``vaultd`` answered with an error status (4xx or 5xx).

    Attributes:
        status: the HTTP status code.
        code: the vault's error code from ``{"error":{"code":...}}``. If the
            body was not a vault error object (which ``vaultd`` never sends),
            ``"bad_response"``.
        message: the error message for people (may change between versions).
        request_id: the ``X-Request-Id`` of the response (links to the access
            log and the audit record), or ``None``.
    """

    def __init__(self, status: int, code: str, message: str,
                 request_id: Optional[str] = None) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(status={self.status!r}, code={self.code!r}, "
                f"message={self.message!r})")


class BadRequest(VaultError):
    """400 (and 422): the request itself is wrong (bad JSON, bad value, ...)."""


class Forbidden(VaultError):
    """403: ``unknown_caller``, ``forbidden``, ``service_forbidden``, ..."""


class NotFound(VaultError):
    """404: ``not_found``, ``unknown_request``, ``no_such_message``, ..."""


class MethodNotAllowed(VaultError):
    """405 ``method_not_allowed``."""


class Conflict(VaultError):
    """409: ``seq_conflict``, ``transcript_closed``, ``legal_hold``, ..."""


class Gone(VaultError):
    """410: ``expired`` or ``erased``."""


class PayloadTooLarge(VaultError):
    """413: ``too_large``, ``text_too_long``, ``too_many_matches``, ..."""


class UnsupportedMediaType(VaultError):
    """415 ``unsupported_media_type``."""


class HeadersTooLarge(VaultError):
    """431 ``headers_too_large``."""


class ServerError(VaultError):
    """500 and other 5xx not covered below (``corruption``, ``internal``, ...)."""


class Unavailable(ServerError):
    """503: ``audit_unavailable``, ``store_io_error``, ``too_many_connections``, ...

    Also the base of :class:`InsufficientStorage` (507). Nothing was done;
    docs/api.md section 4.1 says which are worth retrying later.
    """


class InsufficientStorage(Unavailable):
    """507 ``insufficient_storage``: the vault's disk is nearly full."""


class VaultConnectionError(VaultClientError):
    """No complete response was received from ``vaultd``.

    Attributes:
        request_may_have_been_applied: ``False`` only when the client can prove
            that no byte of the request reached ``vaultd`` (the connection
            could not be made, or the kernel accepted nothing of the request).
            ``True`` when the request was (at least partly) sent and the
            answer was lost: ``vaultd`` may have carried it out. Repeat such a
            request only as docs/api.md section 4.1 allows.
        method, path: the request concerned.
    """

    def __init__(self, message: str, *, request_may_have_been_applied: bool,
                 method: str = "", path: str = "") -> None:
        super().__init__(message)
        self.request_may_have_been_applied = request_may_have_been_applied
        self.method = method
        self.path = path


class VaultTimeout(VaultConnectionError):
    """A connect, write or read took longer than the client's ``timeout``."""


class VaultProtocolError(VaultClientError):
    """``vaultd`` answered something this client cannot understand
    (for example a success body that is not the documented JSON)."""


_BY_STATUS: Dict[int, Type[VaultError]] = {
    400: BadRequest,
    403: Forbidden,
    404: NotFound,
    405: MethodNotAllowed,
    409: Conflict,
    410: Gone,
    413: PayloadTooLarge,
    415: UnsupportedMediaType,
    422: BadRequest,
    431: HeadersTooLarge,
    500: ServerError,
    503: Unavailable,
    507: InsufficientStorage,
}


def _class_for(status: int) -> Type[VaultError]:
    cls = _BY_STATUS.get(status)
    if cls is not None:
        return cls
    if 400 <= status < 500:
        return BadRequest if status == 400 else VaultError
    if status >= 500:
        return ServerError
    return VaultError


def error_from_response(status: int, body: bytes,
                        request_id: Optional[str] = None) -> VaultError:
    """Builds the typed exception for an error response."""
    code = "bad_response"
    message = f"HTTP {status} without a vault error body"
    try:
        parsed = json.loads(body.decode("utf-8"))
        error = parsed.get("error") if isinstance(parsed, dict) else None
        if isinstance(error, dict) and isinstance(error.get("code"), str):
            code = error["code"]
            message = str(error.get("message", ""))
    except (UnicodeDecodeError, ValueError):
        pass
    return _class_for(status)(status, code, message, request_id)
