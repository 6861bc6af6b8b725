"""The Transcript Vault client: :class:`Client`.

Connection handling (see README.md, "Connections, retries and threads"):

* One :class:`Client` keeps **one** keep-alive HTTP/1.1 connection to
  ``vaultd``'s Unix socket and reuses it for every call.
* Before reusing it, the client (1) drops it if it has been idle longer than
  the server's ``Keep-Alive: timeout=N`` minus a margin, and (2) polls the
  socket with a zero timeout: a connection that has become readable (EOF from
  an idle close by ``vaultd``, or stray bytes) or has an error is dropped.
  Either way a fresh connection is made **before** any byte of the request is
  written, so no request, idempotent or not, is lost to an idle close.
* Send: the client counts the bytes the kernel accepted. If sending fails with
  0 bytes accepted, nothing can have reached ``vaultd`` and the request is
  sent once more on a new connection, whatever it is.
* Once bytes have been sent and no complete answer came back:

  - reads (GET), closes, erases (idempotent, docs/api.md 4.1), monitoring
    forms (never counted twice: a resend after the first was counted answers
    409 ``already_submitted``) and opens
    with an ``Idempotency-Key`` (docs/api.md 2.2.1) are sent once more on a
    fresh connection if the failure happened on a reused connection before
    any byte of the answer arrived;
  - appends and batch appends (idempotent per ``seq``) are sent once more
    after any connection failure; a ``duplicate`` answer counts as success;
  - everything else (an open without an idempotency key, backup, the visitors' rights and the register, statements) is **never**
    sent again: the client raises
    :class:`~transcript_vault.errors.VaultConnectionError` with
    ``request_may_have_been_applied=True``. The visitors' rights calls that
    name an existing register entry (``request=``) count as idempotent.

* Timeouts are never retried (the server may still be working on it).
* Thread safety: a lock serialises the calls of one Client, so a Client may be
  shared between threads, but its calls then run one at a time over its one
  connection. For parallel calls use one Client per thread.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import http.client
import json
import os
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import (Any, Dict, Iterator, List, Mapping, Optional, Sequence, Union)

from ._transport import Failure, RawResponse, UnixHTTPConnection, socket_is_stale
from .errors import (VaultConnectionError, VaultProtocolError, VaultTimeout,
                     error_from_response)
from .events import EventStream
from .models import (AppendResult, AuditRecord, AuditRecordsPage, AuditStatus, BackupResult,
                     BatchResult, CloseResult, CreatedTranscript, EraseResult, Health,
                     HistoryEntry, HistoryPage, Identifiers, Message, MonitoringResult,
                     NewMessage, OfficerList, RetentionStatus, RightsRequest, StatementAdded,
                     StatisticsReport, SubjectAccessAnswer, SubjectErasureAnswer,
                     SubjectRectificationAnswer, SubjectRestrictionAnswer, Transcript, Visitor)

__all__ = ["Client", "ClientStats", "DEFAULT_SOCKET", "MAX_BATCH_MESSAGES",
           "MAX_IDEMPOTENCY_KEY_LENGTH", "RawResponse"]

DEFAULT_SOCKET = "/run/transcript-vault/vaultd.sock"
#: Most messages in one batch append (docs/api.md 2.3.1).
MAX_BATCH_MESSAGES = 1000
#: Longest ``Idempotency-Key`` vaultd accepts (docs/api.md 2.2.1).
MAX_IDEMPOTENCY_KEY_LENGTH = 255

# Retry policies of a request (see the module docstring).
NEVER = "never"            # not idempotent: never sent twice once a byte went out
IDEMPOTENT = "idempotent"  # again once, if it failed on a reused connection before any answer byte
BY_SEQ = "by_seq"          # appends: again once after any connection failure

_JSONType = Union[Dict[str, Any], List[Any]]
VisitorLike = Union[Visitor, Mapping[str, Optional[str]]]
IdentifiersLike = Union[Identifiers, Mapping[str, str]]
MessageLike = Union[NewMessage, Mapping[str, Any]]
TimeLike = Union[str, _dt.datetime]


@dataclass
class ClientStats:
    """Counters of what a Client did with its connections (for monitoring
    and tests)."""

    #: connections opened
    connects: int = 0
    #: requests sent (attempts, retries included)
    requests: int = 0
    #: connections dropped before reuse because they had been idle longer
    #: than the server's Keep-Alive timeout minus the margin
    idle_reconnects: int = 0
    #: connections dropped before reuse because a poll found them closed by
    #: the server (or in error)
    stale_reconnects: int = 0
    #: requests sent a second time (after a failure the policy allowed)
    retries: int = 0


def _quote(segment: str) -> str:
    if not isinstance(segment, str) or not segment:
        raise ValueError("an id or name in the path must be a non-empty string")
    return urllib.parse.quote(segment, safe="")


def _time(value: TimeLike) -> str:
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            raise ValueError("a datetime sent to the vault needs a time zone")
        return value.isoformat()
    return value


def _message_json(m: MessageLike) -> Dict[str, Any]:
    if isinstance(m, NewMessage):
        return m.to_json()
    out = dict(m)
    if "sender" in out and "from" not in out:
        out["from"] = out.pop("sender")
    if isinstance(out.get("sent_at"), _dt.datetime):
        out["sent_at"] = _time(out["sent_at"])
    return out


def _check_idempotency_key(key: object) -> str:
    """The key as sent, or ValueError: 1 to 255 visible ASCII characters
    (``!`` to ``~``), as vaultd requires (docs/api.md 2.2.1)."""
    if not isinstance(key, str):
        raise ValueError("idempotency_key must be a string")
    if not 1 <= len(key) <= MAX_IDEMPOTENCY_KEY_LENGTH:
        raise ValueError(f"idempotency_key must be 1 to {MAX_IDEMPOTENCY_KEY_LENGTH} "
                         f"characters, got {len(key)}")
    if any(not 0x21 <= ord(c) <= 0x7E for c in key):
        raise ValueError("idempotency_key must be visible ASCII characters ('!' to '~'), "
                         "without spaces")
    return key


def _visitor_json(v: Optional[VisitorLike]) -> Optional[Dict[str, Any]]:
    if v is None:
        return None
    if isinstance(v, Visitor):
        return v.to_json()
    return dict(v)


def _identifiers_json(i: IdentifiersLike) -> Dict[str, Any]:
    return i.to_json() if isinstance(i, Identifiers) else dict(i)


class Client:
    """A client of ``vaultd``'s HTTP API over its Unix socket.

    Args:
        socket_path: the socket; default ``$VAULT_SOCKET``, else
            ``/run/transcript-vault/vaultd.sock``.
        timeout: seconds allowed for each connect, and for each send and
            receive on the socket (``None``: wait for ever).
        keepalive_margin: the connection is replaced before reuse once it has
            been idle for ``N - keepalive_margin`` seconds (at least ``N / 2``),
            ``N`` the last ``Keep-Alive: timeout=N`` the server sent.
        honour_keep_alive: ``False`` disables that proactive replacement;
            the zero-timeout poll for a closed connection still runs.

    Use as a context manager, or call :meth:`close`.
    """

    def __init__(self, socket_path: Optional[str] = None, *, timeout: Optional[float] = 60.0,
                 keepalive_margin: float = 1.0, honour_keep_alive: bool = True) -> None:
        if socket_path is None:
            socket_path = os.environ.get("VAULT_SOCKET") or DEFAULT_SOCKET
        self.socket_path = os.fspath(socket_path)
        self.timeout = timeout
        self.keepalive_margin = keepalive_margin
        self.honour_keep_alive = honour_keep_alive
        self.stats = ClientStats()
        self._lock = threading.Lock()
        self._conn: Optional[UnixHTTPConnection] = None
        self._last_used = 0.0
        self._keepalive_timeout: Optional[int] = None

    # ------------------------------------------------------------------
    # lifecycle

    def close(self) -> None:
        """Closes the connection (a later call opens a new one)."""
        with self._lock:
            self._discard()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client(socket_path={self.socket_path!r})"

    @property
    def connection_socket(self) -> Optional[socket.socket]:
        """The socket of the kept connection, or ``None`` (for diagnostics)."""
        conn = self._conn
        return conn.sock if conn is not None else None

    @property
    def keep_alive_timeout(self) -> Optional[int]:
        """The last ``Keep-Alive: timeout=N`` the server sent, or ``None``."""
        return self._keepalive_timeout

    # ------------------------------------------------------------------
    # transport

    def _discard(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except OSError:
                pass

    def _idle_limit(self) -> Optional[float]:
        n = self._keepalive_timeout
        if n is None or not self.honour_keep_alive:
            return None
        return max(n - self.keepalive_margin, n / 2.0)

    def _acquire(self, method: str, path: str, maybe_applied: bool) -> "tuple[UnixHTTPConnection, bool]":
        """The connection to send on, and whether it is a reused one."""
        if self._conn is not None:
            limit = self._idle_limit()
            if limit is not None and time.monotonic() - self._last_used >= limit:
                self.stats.idle_reconnects += 1
                self._discard()
            elif socket_is_stale(self._conn.sock):
                self.stats.stale_reconnects += 1
                self._discard()
            else:
                return self._conn, True
        conn = UnixHTTPConnection(self.socket_path, self.timeout)
        try:
            conn.connect()
        except socket.timeout as e:
            raise VaultTimeout(f"connecting to {self.socket_path} timed out",
                               request_may_have_been_applied=maybe_applied,
                               method=method, path=path) from e
        except OSError as e:
            raise VaultConnectionError(f"cannot connect to {self.socket_path}: {e}",
                                       request_may_have_been_applied=maybe_applied,
                                       method=method, path=path) from e
        self.stats.connects += 1
        self._conn = conn
        return conn, False

    def _read_response(self, conn: UnixHTTPConnection) -> RawResponse:
        try:
            resp = conn.getresponse()
            body = resp.read()
        except socket.timeout as e:
            raise Failure("timed out reading the response", sent_nothing=False,
                          response_started=True, timeout=True, cause=e) from e
        except (OSError, http.client.HTTPException) as e:
            raise Failure(f"the connection broke while reading the response: {e!r}",
                          sent_nothing=False, response_started=True, cause=e) from e
        headers: Dict[str, str] = {}
        for name, value in resp.getheaders():
            headers.setdefault(name.lower(), value)
        if resp.will_close:
            self._discard()
        ka = headers.get("keep-alive")
        if ka:
            for part in ka.split(","):
                key, _, val = part.strip().partition("=")
                if key.strip().lower() == "timeout" and val.strip().isdigit():
                    self._keepalive_timeout = int(val.strip())
        return RawResponse(resp.status, headers, body, resp.reason)

    def _roundtrip(self, conn: UnixHTTPConnection, method: str, target: str,
                   body: Optional[bytes], headers: Mapping[str, str]) -> RawResponse:
        conn.bytes_sent = 0
        try:
            conn.request(method, target, body=body, headers=dict(headers))
        except socket.timeout as e:
            raise Failure("timed out sending the request", sent_nothing=conn.bytes_sent == 0,
                          timeout=True, cause=e) from e
        except OSError as e:
            # vaultd may have refused the request from its header alone and
            # closed (413 too_large): its answer is then waiting to be read.
            if conn.sock is not None and socket_is_stale(conn.sock):
                try:
                    first = conn.sock.recv(1, socket.MSG_PEEK)
                except OSError:
                    first = b""
                if first:
                    return self._read_response(conn)
            raise Failure(f"sending the request failed: {e!r}",
                          sent_nothing=conn.bytes_sent == 0, cause=e) from e
        sock = conn.sock
        assert sock is not None
        # Wait for the first byte of the answer without consuming it, so that
        # "closed before answering" is told apart from a broken answer.
        try:
            first = sock.recv(1, socket.MSG_PEEK)
        except socket.timeout as e:
            raise Failure("timed out waiting for the response", sent_nothing=False,
                          timeout=True, cause=e) from e
        except OSError as e:
            raise Failure(f"the connection broke before any response: {e!r}",
                          sent_nothing=False, cause=e) from e
        if not first:
            raise Failure("vaultd closed the connection without answering", sent_nothing=False)
        return self._read_response(conn)

    def _exchange(self, method: str, target: str, body: Optional[bytes],
                  headers: Mapping[str, str], policy: str) -> "tuple[RawResponse, bool]":
        """Sends one request under ``policy``; returns the response and
        whether it took a second attempt."""
        path = target.split("?", 1)[0]
        with self._lock:
            maybe_applied = False
            attempt = 0
            while True:
                attempt += 1
                conn, reused = self._acquire(method, path, maybe_applied)
                self.stats.requests += 1
                try:
                    resp = self._roundtrip(conn, method, target, body, headers)
                except Failure as f:
                    self._discard()
                    if not f.sent_nothing:
                        maybe_applied = True
                    if attempt == 1 and not f.timeout and (
                            f.sent_nothing
                            or policy == BY_SEQ
                            or (policy == IDEMPOTENT and reused and not f.response_started)):
                        self.stats.retries += 1
                        continue
                    cls = VaultTimeout if f.timeout else VaultConnectionError
                    raise cls(f"{method} {path}: {f.message}",
                              request_may_have_been_applied=maybe_applied,
                              method=method, path=path) from f.cause
                except BaseException:
                    # Anything else (a bad header value, KeyboardInterrupt in
                    # the middle of an exchange): the connection's state is
                    # unknown, so it is never reused.
                    self._discard()
                    raise
                self._last_used = time.monotonic()
                return resp, attempt > 1

    # ------------------------------------------------------------------
    # generic request

    def request(self, method: str, path: str, *, query: Optional[Mapping[str, Any]] = None,
                json_body: Optional[_JSONType] = None, body: Optional[bytes] = None,
                content_type: Optional[str] = None, retry: Optional[str] = None,
                headers: Optional[Mapping[str, str]] = None,
                raise_for_status: bool = True) -> RawResponse:
        """Sends any request and returns the raw response.

        ``retry`` is the retry policy: ``"never"`` (default for anything but
        GET), ``"idempotent"`` (default for GET) or ``"by_seq"``. Error
        statuses raise the typed :class:`~transcript_vault.errors.VaultError`
        unless ``raise_for_status`` is false. For calls this class has no
        method for (the signed legal-hold calls, made by ``vault-officer``).
        ``headers`` are extra request headers, sent as given (not checked:
        the server judges them), and never change ``retry``.
        """
        resp, _ = self._call(method, path, query=query, json_body=json_body, body=body,
                             content_type=content_type,
                             policy=retry or (IDEMPOTENT if method == "GET" else NEVER),
                             headers=headers, raise_for_status=raise_for_status)
        return resp

    def _call(self, method: str, path: str, *, query: Optional[Mapping[str, Any]] = None,
              json_body: Optional[_JSONType] = None, body: Optional[bytes] = None,
              content_type: Optional[str] = None, policy: str = NEVER,
              headers: Optional[Mapping[str, str]] = None,
              raise_for_status: bool = True) -> "tuple[RawResponse, bool]":
        if policy not in (NEVER, IDEMPOTENT, BY_SEQ):
            raise ValueError(f"unknown retry policy {policy!r}")
        target = path
        if query:
            q = {k: v for k, v in query.items() if v is not None}
            if q:
                target += "?" + urllib.parse.urlencode(q)
        send_headers: Dict[str, str] = {}
        if json_body is not None:
            if body is not None:
                raise ValueError("give json_body or body, not both")
            body = json.dumps(json_body, ensure_ascii=False,
                              separators=(",", ":")).encode("utf-8")
            content_type = content_type or "application/json"
        if body is not None and content_type:
            send_headers["Content-Type"] = content_type
        if headers:
            send_headers.update(headers)
        resp, retried = self._exchange(method, target, body, send_headers, policy)
        if raise_for_status and resp.status >= 400:
            raise error_from_response(resp.status, resp.body, resp.request_id)
        return resp, retried

    def _json(self, method: str, path: str, policy: str, **kw: Any) -> Dict[str, Any]:
        resp, _ = self._call(method, path, policy=policy, **kw)
        return self._decode(resp)

    @staticmethod
    def _decode(resp: RawResponse) -> Dict[str, Any]:
        try:
            value = json.loads(resp.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            raise VaultProtocolError(f"the response is not JSON (HTTP {resp.status})") from e
        if not isinstance(value, dict):
            raise VaultProtocolError("the response is not a JSON object")
        return value

    # ------------------------------------------------------------------
    # any role

    def health(self) -> Health:
        """``GET /v1/health``: liveness and version."""
        return Health.from_json(self._json("GET", "/v1/health", IDEMPOTENT))

    def metrics(self) -> str:
        """``GET /metrics``: Prometheus text format 0.0.4."""
        resp, _ = self._call("GET", "/metrics", policy=IDEMPOTENT)
        return resp.body.decode("utf-8")

    # ------------------------------------------------------------------
    # writer: the chat server

    def open_transcript(self, service: str, visitor: Optional[VisitorLike] = None, *,
                        idempotency_key: Optional[str] = None) -> CreatedTranscript:
        """``POST /v1/transcripts`` (2.2).

        Without ``idempotency_key`` it is **not idempotent** and never resent
        once a byte may have reached the vault: on a lost answer this raises
        VaultConnectionError(request_may_have_been_applied=True).

        With ``idempotency_key`` (1 to 255 visible ASCII characters, ``!`` to
        ``~``, e.g. a UUID made when the chat starts; anything else raises
        ValueError without sending) the header ``Idempotency-Key`` is sent
        (2.2.1) and the open is resent once as reads are: on a fresh
        connection, when a reused one failed before any byte of the answer.
        The same key with the same service and visitor answers the first
        open's transcript again, with ``replayed=True``; the same key with
        another body raises Conflict ``idempotency_key_reused``, and while
        the first open with it has not answered, Conflict
        ``idempotency_key_in_use``. vaultd forgets keys when it restarts and
        when the transcript is erased."""
        headers: Dict[str, str] = {}
        policy = NEVER
        if idempotency_key is not None:
            headers["Idempotency-Key"] = _check_idempotency_key(idempotency_key)
            policy = IDEMPOTENT
        body: Dict[str, Any] = {"service": service}
        v = _visitor_json(visitor)
        if v is not None:
            body["visitor"] = v
        resp, _ = self._call("POST", "/v1/transcripts", policy=policy, json_body=body,
                             headers=headers)
        created = CreatedTranscript.from_json(self._decode(resp))
        replayed = (resp.header("Idempotent-Replayed") or "").strip().lower() == "true"
        return dataclasses.replace(created, replayed=replayed)

    def append_message(self, transcript_id: str, seq: int, sender: str, text: str,
                       sent_at: TimeLike) -> AppendResult:
        """``POST /v1/transcripts/{id}/messages`` (2.3). ``sender`` is
        ``visitor``, ``agent`` or ``system``; ``sent_at`` RFC 3339 (or an aware
        datetime). Idempotent by ``seq``: after a connection failure the same
        message is sent once more, and ``duplicate=True`` (200) is success.
        ``result.retried`` says a second attempt was made."""
        body = NewMessage(seq, sender, text, _time(sent_at)).to_json()
        resp, retried = self._call("POST", f"/v1/transcripts/{_quote(transcript_id)}/messages",
                                   json_body=body, policy=BY_SEQ)
        r = AppendResult.from_json(self._decode(resp))
        return AppendResult(r.seq, r.duplicate, r.raw, retried)

    def append_messages(self, transcript_id: str, messages: Sequence[MessageLike]) -> BatchResult:
        """``POST /v1/transcripts/{id}/messages/batch`` (2.3.1): 1 to 1,000
        messages stored as one unit. More than :data:`MAX_BATCH_MESSAGES` (or
        none) raises ValueError without sending; split a larger buffer
        yourself (each batch is atomic, the split is not). Idempotent per
        ``seq``: resent once after a connection failure."""
        items = [_message_json(m) for m in messages]
        if not items:
            raise ValueError("append_messages needs at least one message")
        if len(items) > MAX_BATCH_MESSAGES:
            raise ValueError(f"a batch holds at most {MAX_BATCH_MESSAGES} messages, "
                             f"got {len(items)}")
        return BatchResult.from_json(self._json(
            "POST", f"/v1/transcripts/{_quote(transcript_id)}/messages/batch", BY_SEQ,
            json_body={"messages": items}))

    def close_transcript(self, transcript_id: str) -> CloseResult:
        """``POST /v1/transcripts/{id}/close`` (2.4). Idempotent."""
        return CloseResult.from_json(self._json(
            "POST", f"/v1/transcripts/{_quote(transcript_id)}/close", IDEMPOTENT))

    def submit_monitoring_form(self, transcript_id: str,
                               answers: Mapping[str, str]) -> MonitoringResult:
        """``POST /v1/transcripts/{id}/monitoring`` (2.13), after the close.
        Resent once like a read when a reused connection failed before any
        byte of the answer: a form is never counted twice, and a resend after
        the first was counted answers 409 already_submitted."""
        return MonitoringResult.from_json(self._json(
            "POST", f"/v1/transcripts/{_quote(transcript_id)}/monitoring", IDEMPOTENT,
            json_body={"answers": dict(answers)}))

    def erase_transcript(self, transcript_id: str, reason: Optional[str] = None) -> EraseResult:
        """``POST /v1/transcripts/{id}/erase`` (2.9). An admin gives no
        reason; a writer ``reason="visitor_request"``. Idempotent (a repeat
        answers 200 ``erased``)."""
        body = {"reason": reason} if reason is not None else None
        return EraseResult.from_json(self._json(
            "POST", f"/v1/transcripts/{_quote(transcript_id)}/erase", IDEMPOTENT,
            json_body=body))

    # ------------------------------------------------------------------
    # the event feed: writer (its services' transcripts), auditor, admin

    def events(self, last_event_id: Optional[str] = None, *,
               read_timeout: Optional[float] = None, reconnect: bool = False,
               reconnect_delay: Optional[float] = None,
               max_reconnect_attempts: Optional[int] = None) -> EventStream:
        """``GET /v1/events``: the event feed, as an iterator of
        :class:`~transcript_vault.events.Event` on a connection of its own
        (never this client's kept-alive one; the client's lock is not held,
        so the client stays free for other calls meanwhile).

        Connects at once: errors before the stream raise here, typed as
        every other call's (``BadRequest`` with ``.code`` ``invalid_event_id``
        or ``unknown_event_id``, ``Forbidden``, a ``VaultError`` with status
        429 ``too_many_event_streams``). Use as a context manager, or call
        ``close()``. ``last_event_id``: resume after that event.
        ``read_timeout``: seconds without a byte (event or heartbeat) that
        count as a dead connection. ``reconnect=True``: reconnect by itself
        with ``Last-Event-ID`` (see :class:`~transcript_vault.events.EventStream`).
        """
        return EventStream(self.socket_path, last_event_id=last_event_id, timeout=self.timeout,
                           read_timeout=read_timeout, reconnect=reconnect,
                           reconnect_delay=reconnect_delay,
                           max_reconnect_attempts=max_reconnect_attempts)

    # ------------------------------------------------------------------
    # reading: writer or agent

    def get_transcript(self, transcript_id: str) -> Transcript:
        """``GET /v1/transcripts/{id}`` (2.5): the whole transcript. For long
        ones prefer :meth:`iter_messages`."""
        return Transcript.from_json(self._json(
            "GET", f"/v1/transcripts/{_quote(transcript_id)}", IDEMPOTENT))

    def get_transcript_page(self, transcript_id: str, from_seq: int = 0,
                            limit: int = 1000) -> Transcript:
        """``GET /v1/transcripts/{id}?from_seq=&limit=`` (2.5): the messages
        with ``seq >= from_seq``, at most ``limit`` (1 to 10,000);
        ``next_from_seq`` is set when more follow."""
        return Transcript.from_json(self._json(
            "GET", f"/v1/transcripts/{_quote(transcript_id)}", IDEMPOTENT,
            query={"from_seq": from_seq, "limit": limit}))

    def iter_messages(self, transcript_id: str, page_size: int = 1000,
                      from_seq: int = 0) -> Iterator[Message]:
        """Every message from ``from_seq`` on, page by page, in ``seq`` order.
        Each page is one read (and one audit record)."""
        next_seq: Optional[int] = from_seq
        while next_seq is not None:
            page = self.get_transcript_page(transcript_id, next_seq, page_size)
            yield from page.messages
            next_seq = page.next_from_seq

    def history(self, transcript_id: str, limit: Optional[int] = None,
                after: Optional[str] = None) -> HistoryPage:
        """``GET /v1/transcripts/{id}/history`` (2.5.1, agent): one page of the
        same visitor's other transcripts, newest first; ``limit`` 1 to 100."""
        return HistoryPage.from_json(self._json(
            "GET", f"/v1/transcripts/{_quote(transcript_id)}/history", IDEMPOTENT,
            query={"limit": limit, "after": after}))

    def iter_history(self, transcript_id: str, page_size: int = 20) -> Iterator[HistoryEntry]:
        """The whole history, following ``next``."""
        after: Optional[str] = None
        while True:
            page = self.history(transcript_id, page_size, after)
            yield from page.transcripts
            if not page.next:
                return
            after = page.next

    # ------------------------------------------------------------------
    # dpo: visitors' rights

    def _rights_body(self, identifiers: IdentifiersLike, services: Optional[Sequence[str]],
                     request: Optional[str]) -> Dict[str, Any]:
        body: Dict[str, Any] = {"identifiers": _identifiers_json(identifiers)}
        if services is not None:
            body["services"] = list(services)
        if request is not None:
            body["request"] = request
        return body

    def subject_access(self, identifiers: IdentifiersLike, services: Optional[Sequence[str]] = None,
                       request: Optional[str] = None) -> SubjectAccessAnswer:
        """``POST /v1/subject-access`` (2.5.2). Without ``request`` the vault
        registers an entry of its own, so the call is then never resent."""
        return SubjectAccessAnswer.from_json(self._json(
            "POST", "/v1/subject-access", IDEMPOTENT if request else NEVER,
            json_body=self._rights_body(identifiers, services, request)))

    def subject_erasure(self, identifiers: IdentifiersLike, services: Optional[Sequence[str]] = None,
                        request: Optional[str] = None) -> SubjectErasureAnswer:
        """``POST /v1/subject-erasure`` (2.5.3): erase every transcript of the
        visitor but held ones."""
        return SubjectErasureAnswer.from_json(self._json(
            "POST", "/v1/subject-erasure", IDEMPOTENT if request else NEVER,
            json_body=self._rights_body(identifiers, services, request)))

    def subject_restriction(self, identifiers: IdentifiersLike,
                            services: Optional[Sequence[str]] = None,
                            request: Optional[str] = None) -> SubjectRestrictionAnswer:
        """``POST /v1/subject-restriction`` (2.5.5)."""
        return SubjectRestrictionAnswer.from_json(self._json(
            "POST", "/v1/subject-restriction", IDEMPOTENT if request else NEVER,
            json_body=self._rights_body(identifiers, services, request)))

    def subject_objection(self, identifiers: IdentifiersLike,
                          services: Optional[Sequence[str]] = None,
                          request: Optional[str] = None) -> SubjectRestrictionAnswer:
        """``POST /v1/subject-objection`` (2.5.5): restricts until decided."""
        return SubjectRestrictionAnswer.from_json(self._json(
            "POST", "/v1/subject-objection", IDEMPOTENT if request else NEVER,
            json_body=self._rights_body(identifiers, services, request)))

    def subject_rectification(self, identifiers: IdentifiersLike,
                              visitor: Mapping[str, Optional[str]],
                              services: Optional[Sequence[str]] = None,
                              request: Optional[str] = None) -> SubjectRectificationAnswer:
        """``POST /v1/subject-rectification`` (2.5.6). ``visitor`` maps field
        names to a new value, or ``None`` to remove the field."""
        body = self._rights_body(identifiers, services, request)
        body["visitor"] = dict(visitor)
        return SubjectRectificationAnswer.from_json(self._json(
            "POST", "/v1/subject-rectification", IDEMPOTENT if request else NEVER,
            json_body=body))

    def add_statement(self, transcript_id: str, seq: int, text: str,
                      request: Optional[str] = None) -> StatementAdded:
        """``POST /v1/transcripts/{id}/statements`` (2.5.7). Never resent: a
        repeat would attach a second statement."""
        body: Dict[str, Any] = {"seq": seq, "text": text}
        if request is not None:
            body["request"] = request
        return StatementAdded.from_json(self._json(
            "POST", f"/v1/transcripts/{_quote(transcript_id)}/statements", NEVER,
            json_body=body))

    # the register (2.5.4)

    def register_rights_request(self, kind: str, received_at: Optional[TimeLike] = None,
                                services: Optional[Sequence[str]] = None) -> RightsRequest:
        """``POST /v1/rights-requests`` (2.5.4.1): ``kind`` is ``access``,
        ``rectification``, ``erasure``, ``restriction`` or ``objection``.
        Never resent (a repeat registers a second entry)."""
        body: Dict[str, Any] = {"kind": kind}
        if received_at is not None:
            body["received_at"] = _time(received_at)
        if services is not None:
            body["services"] = list(services)
        return RightsRequest.from_json(self._json("POST", "/v1/rights-requests", NEVER,
                                                  json_body=body))

    def list_rights_requests(self, state: str = "open") -> List[RightsRequest]:
        """``GET /v1/rights-requests?state=open|overdue|all`` (2.5.4.2)."""
        j = self._json("GET", "/v1/rights-requests", IDEMPOTENT, query={"state": state})
        return [RightsRequest.from_json(e) for e in j.get("requests", []) if isinstance(e, dict)]

    def get_rights_request(self, request_id: str) -> RightsRequest:
        """``GET /v1/rights-requests/{id}`` (2.5.4.3)."""
        return RightsRequest.from_json(self._json(
            "GET", f"/v1/rights-requests/{_quote(request_id)}", IDEMPOTENT))

    def _change(self, request_id: str, action: str, body: Optional[Dict[str, Any]]) -> RightsRequest:
        # Never resent: a repeat of a change that happened answers 409.
        return RightsRequest.from_json(self._json(
            "POST", f"/v1/rights-requests/{_quote(request_id)}/{action}", NEVER, json_body=body))

    def extend_rights_request(self, request_id: str, months: int, reason: str) -> RightsRequest:
        """``.../extend``: ``months`` 1 or 2, ``reason`` ``complex`` or ``numerous``."""
        return self._change(request_id, "extend", {"months": months, "reason": reason})

    def complete_rights_request(self, request_id: str) -> RightsRequest:
        """``.../complete``."""
        return self._change(request_id, "complete", None)

    def refuse_rights_request(self, request_id: str, reason: str) -> RightsRequest:
        """``.../refuse``: ``manifestly_unfounded``, ``excessive``,
        ``identity_not_verified`` or ``exemption``."""
        return self._change(request_id, "refuse", {"reason": reason})

    def lift_rights_request(self, request_id: str, reason: str) -> RightsRequest:
        """``.../lift`` (restrictions): ``accuracy_verified``,
        ``objection_rejected``, ``visitor_withdrew`` or ``no_longer_applies``."""
        return self._change(request_id, "lift", {"reason": reason})

    def decide_rights_request(self, request_id: str, decision: str,
                              reason: Optional[str] = None) -> RightsRequest:
        """``.../decide`` (objections): ``upheld_erase``, ``upheld_restricted``,
        or ``rejected`` with ``reason`` ``compelling_legitimate_grounds`` or
        ``legal_claims``."""
        body: Dict[str, Any] = {"decision": decision}
        if reason is not None:
            body["reason"] = reason
        return self._change(request_id, "decide", body)

    # ------------------------------------------------------------------
    # statistics (analyst, admin, auditor)

    def statistics(self, service: str, period: str) -> StatisticsReport:
        """``GET /v1/statistics?service=&period=`` (2.14). ``period``:
        ``2026-11-w2``, ``2026-11``, ``2026-q4`` or ``2026``."""
        return StatisticsReport.from_json(self._json(
            "GET", "/v1/statistics", IDEMPOTENT, query={"service": service, "period": period}))

    def statistics_csv(self, service: str, period: str) -> str:
        """The same report as the server's CSV, exactly as received."""
        resp, _ = self._call("GET", "/v1/statistics", policy=IDEMPOTENT,
                             query={"service": service, "period": period, "format": "csv"})
        return resp.body.decode("utf-8")

    # ------------------------------------------------------------------
    # auditor

    def audit_status(self) -> AuditStatus:
        """``GET /v1/audit`` (2.7.1)."""
        return AuditStatus.from_json(self._json("GET", "/v1/audit", IDEMPOTENT))

    def audit_checkpoint(self) -> str:
        """``GET /v1/audit/checkpoint`` (2.7.2): the signed note, as text."""
        resp, _ = self._call("GET", "/v1/audit/checkpoint", policy=IDEMPOTENT)
        return resp.body.decode("utf-8")

    def audit_records(self, start: int = 0, limit: int = 100) -> AuditRecordsPage:
        """``GET /v1/audit/records?from=&limit=`` (2.7.3); ``limit`` 1 to 1,000."""
        return AuditRecordsPage.from_json(self._json(
            "GET", "/v1/audit/records", IDEMPOTENT, query={"from": start, "limit": limit}))

    def iter_audit_records(self, start: int = 0, page_size: int = 1000,
                           stop: Optional[int] = None) -> Iterator[AuditRecord]:
        """Audit records from ``start``, page by page. Ends before ``stop``
        if given, else at the end of the log: at the first page shorter than
        ``page_size``. Every page read adds its own ``audit.read`` record, so
        ``page_size`` must be at least 2 for the walk to reach the end."""
        if page_size < 2 or page_size > 1000:
            raise ValueError("page_size must be 2 to 1000")
        pos = start
        while stop is None or pos < stop:
            limit = page_size if stop is None else min(page_size, stop - pos)
            page = self.audit_records(pos, limit)
            for rec in page.records:
                if stop is not None and rec.seq >= stop:
                    return
                yield rec
            if len(page.records) < limit or page.next <= pos:
                return
            pos = page.next

    def audit_segment(self, number: int) -> bytes:
        """``GET /v1/audit/segments/{n}`` (2.7.4): the segment file's durable bytes."""
        resp, _ = self._call("GET", f"/v1/audit/segments/{int(number)}", policy=IDEMPOTENT)
        return resp.body

    def export_audit(self, directory: Union[str, "os.PathLike[str]"]) -> AuditStatus:
        """Writes what ``vault-audit verify --dir`` reads (2.8): every segment
        as ``audit-NNNNNNNN.log``, the status's checkpoint as
        ``checkpoint.note`` and its genesis key as ``genesis.key``, each
        atomically with mode 0600, into ``directory`` (created 0700)."""
        d = os.fspath(directory)
        os.makedirs(d, mode=0o700, exist_ok=True)
        status = self.audit_status()

        def write(name: str, data: bytes) -> None:
            tmp = os.path.join(d, f".{name}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            try:
                os.write(fd, data)
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, os.path.join(d, name))

        for seg in status.segments:
            write(f"audit-{seg.number:08d}.log", self.audit_segment(seg.number))
        write("checkpoint.note", status.checkpoint.encode("utf-8"))
        write("genesis.key", (status.genesis_key + "\n").encode("utf-8"))
        return status

    # ------------------------------------------------------------------
    # admin / auditor

    def retention_status(self) -> RetentionStatus:
        """``GET /v1/retention`` (2.10)."""
        return RetentionStatus.from_json(self._json("GET", "/v1/retention", IDEMPOTENT))

    def backup(self, directory: str) -> BackupResult:
        """``POST /v1/backup`` (2.11): a new directory on the vault's host.
        Never resent by itself; after a lost answer, a repeat answers
        409 backup_exists if the first completed."""
        return BackupResult.from_json(self._json("POST", "/v1/backup", NEVER,
                                                 json_body={"dir": os.fspath(directory)}))

    def list_officers(self) -> OfficerList:
        """``GET /v1/officers`` (3.1): the vault id and the officers."""
        return OfficerList.from_json(self._json("GET", "/v1/officers", IDEMPOTENT))

