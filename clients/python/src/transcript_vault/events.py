"""The event feed, ``GET /v1/events``: server-sent events (SSE).

:class:`EventStream` holds its own connection to ``vaultd`` (never the
kept-alive request connection of a :class:`~transcript_vault.Client`), reads
the ``text/event-stream`` body with :class:`SSEParser` and yields
:class:`Event` objects. Make one with :meth:`Client.events`.

What the feed carries (see README.md, "Events"):

* writers: ``transcript.idle_closed``, ``transcript.expired``,
  ``transcript.erased``, ``transcript.held`` of their services' transcripts;
* auditors and admins: ``retention.run`` and ``access.refused``;
* everyone: ``reset`` when events were missed (vaultd restarted, or the reader
  fell too far behind): reconcile (check the open transcripts) and carry on.
"""

from __future__ import annotations

import codecs
import http.client
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Union

from ._transport import UnixHTTPConnection
from .errors import (VaultConnectionError, VaultError, VaultProtocolError, VaultTimeout,
                     error_from_response)

__all__ = ["Event", "EventStream", "SSEMessage", "SSEParser", "EVENTS_PATH"]

EVENTS_PATH = "/v1/events"
#: The reconnection delay when the server has sent no ``retry:`` (ms).
DEFAULT_RETRY_MS = 3000


# ----------------------------------------------------------------------
# the SSE parser (the WHATWG "event stream interpretation")


@dataclass(frozen=True)
class SSEMessage:
    """One dispatched SSE message, as the stream spelt it.

    A message with an ``id:`` field but no ``data:`` (vaultd sends one with a
    heartbeat when the feed's position moved past events this reader does
    not get) is dispatched as an *id-only* message: ``id_only`` true, ``id``
    the new last event id (``""`` if the field was blank), ``event`` and
    ``data`` empty. It updates the last event id but is not an event."""

    #: the last event id buffer when the message was dispatched ("" if none)
    id: str
    #: the ``event:`` field ("message" if none was given; "" if id-only)
    event: str
    #: the ``data:`` lines joined with "\\n" ("" if id-only)
    data: str
    #: no data, only a new last event id: nothing to hand out as an event
    id_only: bool = False


class SSEParser:
    """An incremental ``text/event-stream`` parser.

    Feed it bytes as they arrive, split anywhere (even inside a UTF-8
    sequence or between the CR and LF of a CRLF); it returns the messages
    each chunk completes. Lines end with CRLF, LF or CR; a leading BOM is
    skipped; ``:`` lines are comments (counted in :attr:`comments`);
    ``retry:`` with only digits sets :attr:`retry_ms`; an ``id:`` holding
    NUL is ignored; a blank line dispatches: a message if there was data,
    else an id-only message (``id_only``) if there was an ``id:`` field, else
    nothing. Messages are returned in the order of the stream.
    """

    def __init__(self) -> None:
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buf = ""
        self._started = False       # the BOM check is done
        self._skip_lf = False       # the previous line ended with a CR
        self._data: List[str] = []
        self._event = ""
        self._id_seen = False       # this message had an (accepted) id: field
        self.last_event_id = ""
        self.retry_ms: Optional[int] = None
        self.comments = 0
        self.last_comment: Optional[str] = None

    def feed(self, chunk: bytes) -> List[SSEMessage]:
        text = self._decoder.decode(chunk)
        if not self._started:
            if not text:
                return []
            self._started = True
            if text.startswith("\ufeff"):
                text = text[1:]
        self._buf += text
        out: List[SSEMessage] = []
        buf = self._buf
        pos = 0
        n = len(buf)
        while pos < n:
            if self._skip_lf:
                self._skip_lf = False
                if buf[pos] == "\n":
                    pos += 1
                    continue
            cr = buf.find("\r", pos)
            lf = buf.find("\n", pos)
            if cr < 0 and lf < 0:
                break
            end = lf if cr < 0 else cr if lf < 0 else min(cr, lf)
            line = buf[pos:end]
            if buf[end] == "\r":
                self._skip_lf = True
            pos = end + 1
            msg = self._line(line)
            if msg is not None:
                out.append(msg)
        self._buf = buf[pos:]
        return out

    def _line(self, line: str) -> Optional[SSEMessage]:
        if line == "":
            return self._dispatch()
        if line.startswith(":"):
            self.comments += 1
            self.last_comment = line[1:].lstrip(" ")
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self.last_event_id = value
                self._id_seen = True
        elif name == "retry":
            if value.isascii() and value.isdigit():
                self.retry_ms = int(value)
        return None  # other fields are ignored

    def _dispatch(self) -> Optional[SSEMessage]:
        data, event, id_seen = self._data, self._event, self._id_seen
        self._data, self._event, self._id_seen = [], "", False
        if not data:
            if id_seen:  # the last event id moved; no event
                return SSEMessage(self.last_event_id, "", "", id_only=True)
            return None
        return SSEMessage(self.last_event_id, event or "message", "\n".join(data))


# ----------------------------------------------------------------------
# events


@dataclass(frozen=True)
class Event:
    """One event of the feed.

    ``id`` is what to send back as ``Last-Event-ID`` (``<origin>-<seq>``),
    ``type`` the event's type (``transcript.erased``, ..., ``reset``) and
    ``data`` the decoded JSON object (``id``, ``type``, ``at`` and the
    type's own fields)."""

    id: str
    type: str
    data: Dict[str, Any] = field(repr=False)

    @property
    def at(self) -> Optional[str]:
        """When it happened (RFC 3339, UTC)."""
        v = self.data.get("at")
        return v if isinstance(v, str) else None

    @property
    def transcript(self) -> Optional[str]:
        """The transcript's id (transcript events; an ``access.refused`` on one)."""
        v = self.data.get("transcript")
        return v if isinstance(v, str) else None

    @property
    def service(self) -> Optional[str]:
        """The transcript's service (transcript events)."""
        v = self.data.get("service")
        return v if isinstance(v, str) else None

    @property
    def is_reset(self) -> bool:
        """Events were missed: reconcile (see :attr:`reason`)."""
        return self.type == "reset"

    @property
    def reason(self) -> Optional[str]:
        """A reset's reason: ``"restart"`` or ``"overflow"``."""
        v = self.data.get("reason")
        return v if isinstance(v, str) else None

    @classmethod
    def from_message(cls, msg: SSEMessage) -> "Event":
        try:
            data = json.loads(msg.data)
        except ValueError as e:
            raise VaultProtocolError(f"event {msg.id!r}: its data is not JSON") from e
        if not isinstance(data, dict):
            raise VaultProtocolError(f"event {msg.id!r}: its data is not a JSON object")
        return cls(msg.id or str(data.get("id", "")), msg.event, data)


# ----------------------------------------------------------------------
# the stream


def _retryable(e: BaseException) -> bool:
    """Whether a failed (re)connect is worth another attempt."""
    if isinstance(e, VaultConnectionError):
        return True
    return isinstance(e, VaultError) and e.status in (429, 503)


class EventStream:
    """The event feed on a connection of its own; an iterator of
    :class:`Event`, and a context manager that closes it.

    The connection is made, and the response's status checked, when the
    stream is created: an error before the stream (``invalid_event_id``,
    ``unknown_event_id``, ``forbidden``, ``too_many_event_streams`` (429))
    raises the client's typed :class:`~transcript_vault.errors.VaultError`
    there, with ``.code``.

    Args:
        socket_path: vaultd's socket.
        last_event_id: resume after this event (the ``id`` of the last event
            you processed); ``None``: from now on.
        timeout: seconds allowed to connect and for the response header.
        read_timeout: seconds without any byte (event or heartbeat) after
            which the connection counts as dead; ``None`` waits for ever.
            Choose more than vaultd's ``--event-heartbeat`` (15 s by
            default), e.g. 45.
        reconnect: ``False`` (the default): when the connection ends the
            iteration ends, and a read timeout or a broken connection raises
            :class:`~transcript_vault.errors.VaultTimeout` /
            :class:`~transcript_vault.errors.VaultConnectionError`.
            ``True``: the stream reconnects by itself, sending
            ``Last-Event-ID`` set to :attr:`last_event_id`, after
            ``reconnect_delay`` seconds (default: the server's ``retry:``,
            3 s), for as long as it takes (or ``max_reconnect_attempts``
            failed attempts in a row). Connection failures, 503 and 429
            answers are tried again; other error answers are raised.
    """

    def __init__(self, socket_path: str, *, last_event_id: Optional[str] = None,
                 timeout: Optional[float] = 60.0, read_timeout: Optional[float] = None,
                 reconnect: bool = False, reconnect_delay: Optional[float] = None,
                 max_reconnect_attempts: Optional[int] = None,
                 read_size: int = 65536) -> None:
        if last_event_id is not None and not isinstance(last_event_id, str):
            raise TypeError("last_event_id must be a string")
        if last_event_id is not None and any(c in last_event_id for c in "\r\n\0"):
            raise ValueError("last_event_id must not contain CR, LF or NUL")
        self.socket_path = socket_path
        self.timeout = timeout
        self.read_timeout = read_timeout
        self.reconnect = reconnect
        self.reconnect_delay = reconnect_delay
        self.max_reconnect_attempts = max_reconnect_attempts
        self.read_size = read_size
        #: the id of the last event yielded (or the one given), or of a later
        #: id-only message (vaultd's position moved past events this reader
        #: does not get) once every event ahead of it was yielded: the
        #: Last-Event-ID to resume with. A blank ``id:`` does not clear it.
        self.last_event_id: Optional[str] = last_event_id or None
        #: the server's ``retry:`` in ms (3000 until it says otherwise)
        self.retry_ms = DEFAULT_RETRY_MS
        #: heartbeat comments received, over all connections
        self.heartbeats = 0
        #: connections made after the first one
        self.reconnects = 0
        #: the ``X-Request-Id`` of the current connection's response
        self.request_id: Optional[str] = None
        self._closed = False
        self._lock = threading.Lock()
        self._sock: Optional[socket.socket] = None
        self._resp: Optional[http.client.HTTPResponse] = None
        self._parser = SSEParser()
        # events to hand out, and (as str) the ids of id-only messages
        # between them, in the order of the stream
        self._pending: List[Union[Event, str]] = []
        self._open()

    # -- lifecycle

    def close(self) -> None:
        """Closes the connection; iteration ends. Safe from another thread
        (a blocked read then returns)."""
        self._closed = True
        self._drop(shutdown=True)

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "EventStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __iter__(self) -> Iterator[Event]:
        return self

    def __repr__(self) -> str:
        return (f"EventStream(socket_path={self.socket_path!r}, "
                f"last_event_id={self.last_event_id!r})")

    def _drop(self, shutdown: bool = False) -> None:
        with self._lock:
            sock, self._sock = self._sock, None
            resp, self._resp = self._resp, None
        if sock is not None and shutdown:
            try:  # wakes a read blocked in another thread
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thing in (resp, sock):
            if thing is not None:
                try:
                    thing.close()
                except OSError:
                    pass

    def _open(self) -> None:
        """Connects and reads the response header; raises typed errors."""
        conn = UnixHTTPConnection(self.socket_path, self.timeout)
        try:
            conn.connect()
        except socket.timeout as e:
            raise VaultTimeout(f"connecting to {self.socket_path} timed out",
                               request_may_have_been_applied=False, method="GET",
                               path=EVENTS_PATH) from e
        except OSError as e:
            raise VaultConnectionError(f"cannot connect to {self.socket_path}: {e}",
                                       request_may_have_been_applied=False, method="GET",
                                       path=EVENTS_PATH) from e
        sock = conn.sock
        assert sock is not None
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
        if self.last_event_id:
            headers["Last-Event-ID"] = self.last_event_id
        try:
            conn.request("GET", EVENTS_PATH, headers=headers)
            resp = conn.getresponse()
            request_id = resp.getheader("X-Request-Id")
            if resp.status != 200:
                body = resp.read()
                raise error_from_response(resp.status, body, request_id)
            ctype = (resp.getheader("Content-Type") or "").split(";")[0].strip().lower()
            if ctype != "text/event-stream":
                raise VaultProtocolError(f"GET {EVENTS_PATH} answered {ctype or 'no'} "
                                         "Content-Type, not text/event-stream")
        except socket.timeout as e:
            sock.close()
            raise VaultTimeout(f"GET {EVENTS_PATH}: no response header within {self.timeout} s",
                               request_may_have_been_applied=True, method="GET",
                               path=EVENTS_PATH) from e
        except (OSError, http.client.HTTPException) as e:
            sock.close()
            raise VaultConnectionError(f"GET {EVENTS_PATH}: the connection failed: {e!r}",
                                       request_may_have_been_applied=True, method="GET",
                                       path=EVENTS_PATH) from e
        except BaseException:
            sock.close()
            raise
        # http.client hands a Connection: close socket over to the response
        # (conn.sock is None now): the stream keeps its own reference.
        sock.settimeout(self.read_timeout)
        self._parser = SSEParser()  # a new body: nothing half-read carries over
        with self._lock:
            if self._closed:
                resp.close()
                sock.close()
                return
            self._sock, self._resp = sock, resp
        self.request_id = request_id

    # -- reading

    def __next__(self) -> Event:
        while True:
            if self._pending:
                item = self._pending.pop(0)
                if isinstance(item, str):  # an id-only message
                    self._advance(item)
                    continue
                self.last_event_id = item.id or self.last_event_id
                # id-only messages right behind it: the position is theirs now
                while self._pending and isinstance(self._pending[0], str):
                    self._advance(self._pending[0])
                    del self._pending[0]
                return item
            if self._closed:
                raise StopIteration
            resp = self._resp
            failure: Optional[VaultConnectionError] = None
            chunk = b""
            if resp is not None:
                try:
                    chunk = resp.read1(self.read_size)
                except socket.timeout as e:
                    failure = VaultTimeout(
                        f"GET {EVENTS_PATH}: nothing received for {self.read_timeout} s "
                        "(no event, no heartbeat)", request_may_have_been_applied=True,
                        method="GET", path=EVENTS_PATH)
                    failure.__cause__ = e
                except (OSError, ValueError, AttributeError, http.client.HTTPException) as e:
                    # ValueError/AttributeError: closed under us by close()
                    failure = VaultConnectionError(
                        f"GET {EVENTS_PATH}: the connection broke: {e!r}",
                        request_may_have_been_applied=True, method="GET", path=EVENTS_PATH)
                    failure.__cause__ = e
            if self._closed:
                raise StopIteration
            if chunk:
                before = self._parser.comments
                for msg in self._parser.feed(chunk):
                    self._pending.append(msg.id if msg.id_only else Event.from_message(msg))
                self.heartbeats += self._parser.comments - before
                if self._parser.retry_ms is not None:
                    self.retry_ms = self._parser.retry_ms
                continue
            # the connection ended (EOF) or failed
            self._drop()
            if not self.reconnect:
                if failure is not None:
                    raise failure
                self._closed = True
                raise StopIteration
            self._reconnect()

    def _advance(self, event_id: str) -> None:
        """An id-only message reached: resume from its id. A blank one (the
        SSE spec would clear the last event id) keeps the one we have, as a
        data message without an id does."""
        if event_id:
            self.last_event_id = event_id

    def _reconnect(self) -> None:
        failures = 0
        while not self._closed:
            delay = self.reconnect_delay if self.reconnect_delay is not None \
                else self.retry_ms / 1000.0
            if delay > 0:
                time.sleep(delay)
            if self._closed:
                return
            try:
                self._open()
                self.reconnects += 1
                return
            except VaultClientErrorTypes as e:
                if not _retryable(e):
                    raise
                failures += 1
                if self.max_reconnect_attempts is not None and \
                        failures >= self.max_reconnect_attempts:
                    raise


VaultClientErrorTypes = (VaultConnectionError, VaultError)
