"""HTTP/1.1 over a Unix socket, on top of :mod:`http.client`.

Private: use :class:`transcript_vault.Client`.
"""

from __future__ import annotations

import http.client
import select
import socket
from dataclasses import dataclass, field
from typing import Dict, Optional, Union

__all__ = ["UnixHTTPConnection", "RawResponse", "socket_is_stale", "Failure"]


class UnixHTTPConnection(http.client.HTTPConnection):
    """An :class:`http.client.HTTPConnection` whose transport is an AF_UNIX
    stream socket. ``bytes_sent`` counts the request bytes the kernel has
    accepted since it was last reset: while it is 0, nothing of the request
    can have reached the server."""

    def __init__(self, socket_path: str, timeout: Optional[float]) -> None:
        # The Host header is required by HTTP/1.1; vaultd accepts any value.
        super().__init__("vault", timeout=timeout)
        self.socket_path = socket_path
        self.bytes_sent = 0
        # Never connect implicitly inside send(): the client connects itself,
        # so that a connect failure is told apart from a send failure.
        self.auto_open = 0

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.settimeout(self.timeout)
            sock.connect(self.socket_path)
        except BaseException:
            sock.close()
            raise
        self.sock = sock

    def send(self, data: Union[bytes, bytearray, memoryview]) -> None:  # type: ignore[override]
        if self.sock is None:
            raise http.client.NotConnected()
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("UnixHTTPConnection sends bytes only")
        view = memoryview(data)
        while view:
            n = self.sock.send(view)
            self.bytes_sent += n
            view = view[n:]


def socket_is_stale(sock: Optional[socket.socket]) -> bool:
    """True if a kept-alive connection must not be reused: the peer has
    closed it (EOF/HUP), it has an error, or it holds bytes nobody asked for.
    Polls with a timeout of 0: never blocks."""
    if sock is None:
        return True
    try:
        fd = sock.fileno()
    except OSError:
        return True
    if fd < 0:
        return True
    if hasattr(select, "poll"):
        poller = select.poll()
        mask = select.POLLIN | select.POLLPRI | select.POLLERR | select.POLLHUP
        mask |= getattr(select, "POLLRDHUP", 0)
        poller.register(fd, mask)
        return bool(poller.poll(0))
    readable, _, errored = select.select([fd], [], [fd], 0)
    return bool(readable or errored)


@dataclass
class RawResponse:
    """A response as received: status, headers (names lower-cased; the first
    of each name) and body bytes."""

    status: int
    headers: Dict[str, str]
    body: bytes
    reason: str = ""

    def header(self, name: str) -> Optional[str]:
        return self.headers.get(name.lower())

    @property
    def request_id(self) -> Optional[str]:
        return self.headers.get("x-request-id")


@dataclass(eq=False)
class Failure(Exception):
    """Internal: one attempt failed without a usable response."""

    message: str
    sent_nothing: bool          # provably no request byte reached the server
    response_started: bool = False  # at least one response byte arrived
    timeout: bool = False
    cause: Optional[BaseException] = field(default=None, repr=False)

    def __str__(self) -> str:
        return self.message
