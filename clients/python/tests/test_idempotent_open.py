"""Opens with an ``Idempotency-Key`` (docs/api.md 2.2.1), against a real vaultd.

The resend of a keyed open after a dropped connection is tested against the
scripted fake server in test_connections.py.
"""

from __future__ import annotations

import re
import uuid
from typing import List

from vaultd_harness import VaultdTestCase

import transcript_vault as tv
from transcript_vault import BadRequest, Client, Conflict, Visitor


def open_transcripts(vault: Client) -> int:
    """vaultd's gauge ``vault_transcripts{state="open"}``."""
    m = re.search(r'^vault_transcripts\{state="open"\} (\S+)$', vault.metrics(), re.M)
    assert m, "no metric vault_transcripts{state=\"open\"}"
    return int(float(m.group(1)))


def open_records(vault: Client, transcript_id: str) -> List[tv.AuditRecord]:
    """The successful ``transcript.open`` audit records of ``transcript_id``."""
    return [rec for rec in vault.iter_audit_records(page_size=1000)
            if rec.action == "transcript.open" and rec.outcome == "ok"
            and transcript_id in rec.objects]


class IdempotentOpenTest(VaultdTestCase):
    def setUp(self) -> None:
        self.vault = self.client()

    def test_same_key_twice_opens_once_and_replays(self) -> None:
        v = self.vault
        key = str(uuid.uuid4())
        before = open_transcripts(v)
        visitor = Visitor(name="Sam", ip="198.51.100.4", ref="idem-visitor-1")
        first = v.open_transcript("webchat", visitor, idempotency_key=key)
        self.assertRegex(first.id, r"^[0-9a-f]{32}$")
        self.assertFalse(first.replayed)
        # the same fields, given as a mapping in another order: the same request
        second = v.open_transcript("webchat", {"ref": "idem-visitor-1", "ip": "198.51.100.4",
                                               "name": "Sam"}, idempotency_key=key)
        self.assertTrue(second.replayed)
        self.assertEqual(second.id, first.id)
        self.assertEqual(second.expires_at, first.expires_at)
        self.assertEqual(second.raw, first.raw)
        self.assertEqual(v.stats.retries, 0)
        # one transcript was opened, not two
        self.assertEqual(open_transcripts(v), before + 1)
        # the audit log has the open and its replay, both of the same transcript
        recs = open_records(v, first.id)
        self.assertEqual(len(recs), 2)
        self.assertNotIn("replayed", recs[0].payload.get("details", {}))
        self.assertEqual(recs[1].payload["details"].get("replayed"), "true")
        # it is an ordinary transcript
        self.assertTrue(v.append_message(first.id, 0, "visitor", "hi",
                                         "2026-11-22T10:00:00Z").stored)
        self.assertEqual(v.get_transcript(first.id).message_count, 1)

    def test_without_a_key_each_open_is_new(self) -> None:
        v = self.vault
        before = open_transcripts(v)
        a = v.open_transcript("webchat", {"ref": "idem-visitor-2"})
        b = v.open_transcript("webchat", {"ref": "idem-visitor-2"})
        self.assertNotEqual(a.id, b.id)
        self.assertFalse(a.replayed)
        self.assertFalse(b.replayed)
        self.assertEqual(open_transcripts(v), before + 2)

    def test_same_key_with_another_body_is_a_conflict(self) -> None:
        v = self.vault
        key = "chat-" + uuid.uuid4().hex
        first = v.open_transcript("webchat", {"ref": "idem-visitor-3"}, idempotency_key=key)
        before = open_transcripts(v)
        for service, visitor in (("webchat", {"ref": "idem-visitor-4"}),
                                 ("webchat", None),
                                 ("phone", {"ref": "idem-visitor-3"})):
            with self.subTest(service=service, visitor=visitor):
                with self.assertRaises(Conflict) as cm:
                    v.open_transcript(service, visitor, idempotency_key=key)
                self.assertEqual(cm.exception.status, 409)
                self.assertEqual(cm.exception.code, "idempotency_key_reused")
        self.assertEqual(open_transcripts(v), before)  # nothing opened
        # the key still answers its own request
        again = v.open_transcript("webchat", {"ref": "idem-visitor-3"}, idempotency_key=key)
        self.assertEqual((again.id, again.replayed), (first.id, True))

    def test_keys_are_per_key(self) -> None:
        v = self.vault
        a = v.open_transcript("webchat", {"ref": "idem-visitor-5"}, idempotency_key="key-a")
        b = v.open_transcript("webchat", {"ref": "idem-visitor-5"}, idempotency_key="key-b")
        self.assertNotEqual(a.id, b.id)
        self.assertFalse(b.replayed)

    def test_longest_and_odd_keys_are_accepted(self) -> None:
        v = self.vault
        for key in ("!" * 1, "~" * 255, "".join(chr(c) for c in range(0x21, 0x7F))):
            with self.subTest(key=key[:10]):
                created = v.open_transcript("webchat", idempotency_key=key)
                self.assertFalse(created.replayed)
                self.assertTrue(v.open_transcript("webchat", idempotency_key=key).replayed)

    def test_invalid_key_raises_value_error_before_sending(self) -> None:
        v = self.vault
        v.health()
        requests = v.stats.requests
        for key in ("", "x" * 256, "two words", "tab\there", "line\nbreak", "caf\u00e9",
                    "del\x7f", "nul\x00", " leading"):
            with self.subTest(key=key):
                with self.assertRaises(ValueError):
                    v.open_transcript("webchat", idempotency_key=key)
        with self.assertRaises(ValueError):
            v.open_transcript("webchat", idempotency_key=123)  # type: ignore[arg-type]
        self.assertEqual(v.stats.requests, requests)  # nothing was sent

    def test_server_refuses_a_bad_key_sent_raw(self) -> None:
        v = self.vault
        before = open_transcripts(v)
        for key in ("", "x" * 256, "two words", "caf\u00e9"):
            with self.subTest(key=key[:10]):
                with self.assertRaises(BadRequest) as cm:
                    v.request("POST", "/v1/transcripts", json_body={"service": "webchat"},
                              headers={"Idempotency-Key": key})
                self.assertEqual(cm.exception.status, 400)
                self.assertEqual(cm.exception.code, "invalid_idempotency_key")
        self.assertEqual(open_transcripts(v), before)
        # the same route with a good key through request(): the header is read
        resp = v.request("POST", "/v1/transcripts", json_body={"service": "webchat"},
                         headers={"Idempotency-Key": "raw-key-1"})
        self.assertEqual(resp.status, 201)
        self.assertIsNone(resp.header("Idempotent-Replayed"))
        again = v.request("POST", "/v1/transcripts", json_body={"service": "webchat"},
                          headers={"Idempotency-Key": "raw-key-1"})
        self.assertEqual(again.header("Idempotent-Replayed"), "true")
        self.assertEqual(again.body, resp.body)

    def test_erasing_the_transcript_forgets_its_key(self) -> None:
        v = self.vault
        key = str(uuid.uuid4())
        first = v.open_transcript("webchat", {"ref": "idem-visitor-6"}, idempotency_key=key)
        v.erase_transcript(first.id, reason="visitor_request")
        second = v.open_transcript("webchat", {"ref": "idem-visitor-6"}, idempotency_key=key)
        self.assertNotEqual(second.id, first.id)
        self.assertFalse(second.replayed)
