"""Connection reuse, reconnection and the retry rules.

Against a real vaultd (reuse, idle close, exactly-once opens) and, for a
connection dropped in the middle of a request, a scripted fake server.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import tempfile
import threading
import time
import unittest
from typing import List, Optional
from unittest import mock

from vaultd_harness import VaultdTestCase, wait_for_eof

import transcript_vault as tv
from transcript_vault import Client, NewMessage, VaultConnectionError, VaultTimeout


def metric(text: str, name: str) -> float:
    m = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    assert m, f"no metric {name}"
    return float(m.group(1))


def wait_for_open_connections(vault: Client, expected: int, timeout: float = 10.0) -> None:
    """Waits until vaultd's gauge of open connections reads ``expected``:
    vaultd notices a client's close asynchronously. Each look is a request on
    ``vault``'s own connection (which is counted)."""
    deadline = time.monotonic() + timeout
    while True:
        seen = metric(vault.metrics(), "vault_http_connections_open")
        if seen == expected:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"vault_http_connections_open is {seen}, expected {expected}")
        time.sleep(0.02)


def count_opens(vault: Client, transcript_id: Optional[str] = None) -> int:
    n = 0
    for rec in vault.iter_audit_records(page_size=1000):
        if rec.action == "transcript.open" and rec.outcome == "ok":
            if transcript_id is None or transcript_id in rec.objects:
                n += 1
    return n


class ConnectionReuseTest(VaultdTestCase):
    """vaultd with its default 30 s idle timeout."""

    def test_one_connection_is_reused(self) -> None:
        vault = self.client()
        vault.health()
        sock = vault.connection_socket
        self.assertIsNotNone(sock)
        self.assertEqual(vault.keep_alive_timeout, 30)
        tid = vault.open_transcript("webchat").id
        for seq in range(20):
            vault.append_message(tid, seq, "visitor", f"m{seq}", "2026-11-22T10:00:00Z")
        vault.get_transcript(tid)
        vault.close_transcript(tid)
        self.assertIs(vault.connection_socket, sock)
        self.assertEqual(vault.stats.connects, 1)
        self.assertEqual(vault.stats.retries, 0)
        # the server agrees: this client holds the only open connection
        wait_for_open_connections(vault, 1)
        self.assertIs(vault.connection_socket, sock)
        vault.close()
        self.assertIsNone(vault.connection_socket)
        other = self.client()
        wait_for_open_connections(other, 1)  # the closed one is gone
        self.assertEqual(other.stats.connects, 1)

    def test_shared_between_threads(self) -> None:
        vault = self.client()
        tid = vault.open_transcript("webchat").id
        errors: List[BaseException] = []

        def writer(base: int) -> None:
            try:
                for i in range(25):
                    r = vault.append_message(tid, base + i, "agent", f"t{base + i}",
                                             "2026-11-22T10:00:00Z")
                    assert r.stored
            except BaseException as e:  # reported below
                errors.append(e)

        threads = [threading.Thread(target=writer, args=(k * 100,)) for k in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(vault.get_transcript(tid).message_count, 100)
        self.assertEqual(vault.stats.connects, 1)

    def test_reconnects_after_connection_close_response(self) -> None:
        """413 too_large closes the connection (Connection: close); the body is
        refused from its header, so the send itself may fail: the answer is
        still read, and the next call opens a new connection."""
        vault = self.client()
        tid = vault.open_transcript("webchat").id
        big = [NewMessage(s, "visitor", "x" * 60000, "2026-11-22T10:00:00Z") for s in range(20)]
        with self.assertRaises(tv.PayloadTooLarge) as cm:
            vault.append_messages(tid, big)
        self.assertEqual(cm.exception.code, "too_large")
        self.assertIsNone(vault.connection_socket)  # dropped as the server asked
        self.assertEqual(vault.append_messages(tid, big[:2]).stored, 2)
        self.assertEqual(vault.stats.connects, 2)


class IdleCloseTest(VaultdTestCase):
    """vaultd closing idle connections after 1 s, without notice."""

    VAULTD_ARGS = ["--idle-timeout", "1s"]

    def idle_closed(self, vault: Client) -> None:
        sock = vault.connection_socket
        assert sock is not None
        wait_for_eof(sock)  # vaultd has really closed it

    def test_stale_connection_is_detected_before_sending(self) -> None:
        vault = self.client(honour_keep_alive=False)  # only the poll check
        self.assertEqual(vault.health().status, "ok")
        self.assertEqual(vault.keep_alive_timeout, 1)
        self.idle_closed(vault)
        self.assertEqual(vault.health().status, "ok")
        self.assertEqual(vault.stats.stale_reconnects, 1)
        self.assertEqual(vault.stats.connects, 2)
        self.assertEqual(vault.stats.retries, 0)  # nothing was sent on the dead one

    def test_keep_alive_timeout_reconnects_proactively(self) -> None:
        vault = self.client()
        vault.health()
        self.idle_closed(vault)  # idle for >= 1 s, more than N - margin
        vault.health()
        self.assertEqual(vault.stats.idle_reconnects, 1)
        self.assertEqual(vault.stats.stale_reconnects, 0)
        self.assertEqual(vault.stats.connects, 2)

    def test_open_after_idle_close_happens_exactly_once(self) -> None:
        auditor = self.client()
        before = count_opens(auditor)
        vault = self.client(honour_keep_alive=False)
        vault.health()
        self.idle_closed(vault)
        created = vault.open_transcript("webchat")
        self.assertEqual(vault.stats.retries, 0)
        self.assertEqual(vault.stats.stale_reconnects, 1)
        self.assertEqual(count_opens(auditor, created.id), 1)
        self.assertEqual(count_opens(auditor), before + 1)

    def test_send_on_dead_socket_is_resent_only_because_nothing_went_out(self) -> None:
        """Without the pre-send poll, the write into the closed socket fails
        with EPIPE before the kernel accepted a byte: provably nothing was
        sent, so even an open is sent again, once, and happens once."""
        auditor = self.client()
        before = count_opens(auditor)
        vault = self.client(honour_keep_alive=False)
        vault.health()
        self.idle_closed(vault)
        with mock.patch("transcript_vault.client.socket_is_stale", return_value=False):
            created = vault.open_transcript("webchat")
        self.assertEqual(vault.stats.retries, 1)
        self.assertEqual(vault.stats.stale_reconnects, 0)
        self.assertEqual(count_opens(auditor, created.id), 1)
        self.assertEqual(count_opens(auditor), before + 1)

    def test_reads_and_appends_survive_idle_closes(self) -> None:
        vault = self.client(honour_keep_alive=False)
        tid = vault.open_transcript("webchat").id
        self.idle_closed(vault)
        self.assertTrue(vault.append_message(tid, 0, "visitor", "hi",
                                             "2026-11-22T10:00:00Z").stored)
        self.idle_closed(vault)
        self.assertEqual(vault.get_transcript(tid).message_count, 1)
        self.assertEqual(vault.stats.stale_reconnects, 2)
        self.assertEqual(vault.stats.retries, 0)


class FakeServer:
    """A Unix-socket server that reads each request and answers or drops it,
    as scripted: "ok" answers 200 with a health body, "counted" 200 with a
    monitoring form's body, "created" 201 with an
    open's body (and ``Idempotent-Replayed: true`` if the request had an
    ``Idempotency-Key``), "drop" closes without answering, "hang" reads and
    never answers."""

    CREATED_ID = "c0ffee00" * 4

    def __init__(self, script: List[str]) -> None:
        self.dir = tempfile.mkdtemp(prefix="tvfake-")
        self.path = os.path.join(self.dir, "fake.sock")
        self.script = list(script)
        self.requests: List[bytes] = []
        self.connections = 0
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(self.path)
        self._listener.listen(8)
        self._stop = threading.Event()
        self._hung: List[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _read_request(self, conn: socket.socket, buf: bytes) -> "tuple[Optional[bytes], bytes]":
        while b"\r\n\r\n" not in buf:
            chunk = conn.recv(65536)
            if not chunk:
                return None, buf
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        length = int(m.group(1)) if m else 0
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                return None, b""
            rest += chunk
        return head + b"\r\n\r\n" + rest[:length], rest[length:]

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            buf = b""
            with conn:
                while True:
                    req, buf = self._read_request(conn, buf)
                    if req is None:
                        break
                    self.requests.append(req)
                    action = self.script.pop(0) if self.script else "drop"
                    if action == "ok":
                        body = b'{"status":"ok","version":"fake"}\n'
                        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                     b"Keep-Alive: timeout=30\r\nContent-Length: "
                                     + str(len(body)).encode() + b"\r\n\r\n" + body)
                        continue
                    if action == "created":
                        body = (b'{"id":"' + self.CREATED_ID.encode()
                                + b'","expires_at":"2027-01-04T11:20:02.113Z"}\n')
                        replayed = (b"Idempotent-Replayed: true\r\n"
                                    if re.search(rb"(?im)^idempotency-key:", req) else b"")
                        conn.sendall(b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
                                     + replayed + b"Keep-Alive: timeout=30\r\nContent-Length: "
                                     + str(len(body)).encode() + b"\r\n\r\n" + body)
                        continue
                    if action == "counted":
                        body = b'{"id":"' + self.CREATED_ID.encode() + b'","counted":true}\n'
                        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                     b"Keep-Alive: timeout=30\r\nContent-Length: "
                                     + str(len(body)).encode() + b"\r\n\r\n" + body)
                        continue
                    if action == "hang":
                        self._hung.append(conn.dup())
                    break  # "drop" (and "hang": our copy stays open)

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        for s in self._hung:
            s.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class DroppedRequestTest(unittest.TestCase):
    def fake(self, script: List[str]) -> FakeServer:
        server = FakeServer(script)
        self.addCleanup(server.close)
        return server

    def client(self, path: str, timeout: float = 10) -> Client:
        c = Client(path, timeout=timeout)
        self.addCleanup(c.close)
        return c

    def test_open_is_not_resent_when_the_connection_drops(self) -> None:
        server = self.fake(["drop"])
        vault = self.client(server.path)
        with self.assertRaises(VaultConnectionError) as cm:
            vault.open_transcript("webchat", {"name": "Sam"})
        e = cm.exception
        self.assertTrue(e.request_may_have_been_applied)
        self.assertNotIsInstance(e, VaultTimeout)
        self.assertEqual((e.method, e.path), ("POST", "/v1/transcripts"))
        self.assertEqual(len(server.requests), 1)  # sent once, never again
        self.assertIn(b'"service":"webchat"', server.requests[0])
        self.assertEqual(vault.stats.retries, 0)

    def test_open_on_reused_connection_is_not_resent(self) -> None:
        server = self.fake(["ok", "drop"])
        vault = self.client(server.path)
        vault.health()
        with self.assertRaises(VaultConnectionError) as cm:
            vault.open_transcript("webchat")
        self.assertTrue(cm.exception.request_may_have_been_applied)
        self.assertEqual(len(server.requests), 2)
        self.assertEqual(server.connections, 1)

    def test_open_without_key_sends_no_idempotency_key(self) -> None:
        server = self.fake(["ok", "drop", "created"])
        vault = self.client(server.path)
        vault.health()
        with self.assertRaises(VaultConnectionError) as cm:
            vault.open_transcript("webchat", {"name": "Sam"})
        self.assertTrue(cm.exception.request_may_have_been_applied)
        self.assertEqual(len(server.requests), 2)  # not resent
        self.assertNotIn(b"idempotency-key", server.requests[1].lower())
        self.assertEqual(vault.stats.retries, 0)

    def test_keyed_open_on_reused_connection_is_resent_once(self) -> None:
        """With an Idempotency-Key, an open whose connection dropped before
        any byte of the answer is sent again, once, on a new connection, with
        the same key and body (the server would answer the first open's
        transcript again)."""
        server = self.fake(["ok", "drop", "created"])
        vault = self.client(server.path)
        vault.health()
        created = vault.open_transcript("webchat", {"name": "Sam"},
                                        idempotency_key="chat-8841-6f1c2a80")
        self.assertEqual(created.id, FakeServer.CREATED_ID)
        self.assertTrue(created.replayed)
        self.assertEqual(vault.stats.retries, 1)
        self.assertEqual(server.connections, 2)
        self.assertEqual(len(server.requests), 3)
        first, second = server.requests[1], server.requests[2]
        self.assertEqual(first, second)  # the same request, byte for byte
        self.assertTrue(first.startswith(b"POST /v1/transcripts HTTP/1.1\r\n"))
        self.assertRegex(first, rb"(?m)^Idempotency-Key: chat-8841-6f1c2a80\r$")
        self.assertEqual(len(re.findall(rb"(?im)^idempotency-key:", first)), 1)
        self.assertIn(b'"service":"webchat"', first)

    def test_keyed_open_dropped_twice_raises(self) -> None:
        server = self.fake(["ok", "drop", "drop"])
        vault = self.client(server.path)
        vault.health()
        with self.assertRaises(VaultConnectionError) as cm:
            vault.open_transcript("webchat", idempotency_key="k-1")
        self.assertTrue(cm.exception.request_may_have_been_applied)
        self.assertEqual(len(server.requests), 3)  # resent once, not twice
        self.assertEqual(server.requests[1], server.requests[2])
        self.assertEqual(vault.stats.retries, 1)

    def test_keyed_open_on_fresh_connection_is_not_resent(self) -> None:
        """The same rule as reads: a new connection that drops is not
        retried (the server itself may have failed on the request)."""
        server = self.fake(["drop", "created"])
        vault = self.client(server.path)
        with self.assertRaises(VaultConnectionError) as cm:
            vault.open_transcript("webchat", idempotency_key="k-2")
        self.assertTrue(cm.exception.request_may_have_been_applied)
        self.assertEqual(len(server.requests), 1)

    def test_unkeyed_open_answered_is_not_replayed(self) -> None:
        server = self.fake(["created"])
        vault = self.client(server.path)
        created = vault.open_transcript("webchat")
        self.assertEqual(created.id, FakeServer.CREATED_ID)
        self.assertFalse(created.replayed)

    def test_get_on_reused_connection_is_resent_once(self) -> None:
        server = self.fake(["ok", "drop", "ok"])
        vault = self.client(server.path)
        vault.health()
        self.assertEqual(vault.health().version, "fake")
        self.assertEqual(len(server.requests), 3)
        self.assertEqual(server.connections, 2)
        self.assertEqual(vault.stats.retries, 1)

    def test_monitoring_form_on_reused_connection_is_resent_once(self) -> None:
        """A form is never counted twice (a repeat answers 409
        already_submitted), so it is resent like a read: once, when a reused
        connection dropped before any byte of the answer."""
        server = self.fake(["ok", "drop", "counted"])
        vault = self.client(server.path)
        vault.health()
        form = vault.submit_monitoring_form(FakeServer.CREATED_ID, {"helped": "yes"})
        self.assertTrue(form.counted)
        self.assertEqual(vault.stats.retries, 1)
        self.assertEqual(server.connections, 2)
        self.assertEqual(server.requests[1], server.requests[2])

    def test_monitoring_form_on_fresh_connection_is_not_resent(self) -> None:
        server = self.fake(["drop", "counted"])
        vault = self.client(server.path)
        with self.assertRaises(VaultConnectionError) as cm:
            vault.submit_monitoring_form(FakeServer.CREATED_ID, {"helped": "yes"})
        self.assertTrue(cm.exception.request_may_have_been_applied)
        self.assertEqual(len(server.requests), 1)

    def test_get_on_fresh_connection_is_not_resent(self) -> None:
        server = self.fake(["drop", "ok"])
        vault = self.client(server.path)
        with self.assertRaises(VaultConnectionError):
            vault.health()
        self.assertEqual(len(server.requests), 1)

    def test_append_is_resent_once_with_the_same_seq(self) -> None:
        server = self.fake(["drop", "drop"])
        vault = self.client(server.path)
        with self.assertRaises(VaultConnectionError) as cm:
            vault.append_message("a" * 32, 7, "visitor", "hi", "2026-11-22T10:00:00Z")
        self.assertTrue(cm.exception.request_may_have_been_applied)
        self.assertEqual(len(server.requests), 2)
        bodies = [r.split(b"\r\n\r\n", 1)[1] for r in server.requests]
        self.assertEqual(bodies[0], bodies[1])
        self.assertIn(b'"seq":7', bodies[0])

    def test_timeout_is_not_retried(self) -> None:
        server = self.fake(["hang"])
        vault = self.client(server.path, timeout=0.3)
        with self.assertRaises(VaultTimeout) as cm:
            vault.health()
        self.assertTrue(cm.exception.request_may_have_been_applied)
        self.assertEqual(len(server.requests), 1)

    def test_connect_failure_sent_nothing(self) -> None:
        d = tempfile.mkdtemp(prefix="tvnone-")
        self.addCleanup(shutil.rmtree, d, True)
        vault = self.client(os.path.join(d, "missing.sock"))
        with self.assertRaises(VaultConnectionError) as cm:
            vault.open_transcript("webchat")
        self.assertFalse(cm.exception.request_may_have_been_applied)

    def test_default_socket_from_environment(self) -> None:
        with mock.patch.dict(os.environ, {"VAULT_SOCKET": "/tmp/somewhere.sock"}):
            self.assertEqual(Client().socket_path, "/tmp/somewhere.sock")
        env = {k: v for k, v in os.environ.items() if k != "VAULT_SOCKET"}
        with mock.patch.dict(os.environ, env, clear=True):
            self.assertEqual(Client().socket_path, "/run/transcript-vault/vaultd.sock")


if __name__ == "__main__":
    unittest.main()
