"""A chat server's, an agent's and an admin's use of the client, against a real vaultd."""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import unittest

from vaultd_harness import VaultdTestCase

import transcript_vault as tv
from transcript_vault import (BadRequest, Conflict, Gone, MethodNotAllowed, NewMessage, NotFound,
                              Visitor)

UNKNOWN_ID = "0" * 32


def msgs(first: int, count: int, prefix: str = "m") -> list:
    return [NewMessage(s, "visitor" if s % 2 == 0 else "agent", f"{prefix} {s}",
                       f"2026-11-22T10:{(s // 60) % 60:02d}:{s % 60:02d}Z")
            for s in range(first, first + count)]


class ChatServerTest(VaultdTestCase):
    VAULTD_ARGS = ["--statistics.question", "helped | Did the chat help? | yes | partly | no"]

    def setUp(self) -> None:
        self.vault = self.client()

    def test_health_and_metrics(self) -> None:
        h = self.vault.health()
        self.assertEqual(h.status, "ok")
        self.assertTrue(h.version)
        text = self.vault.metrics()
        self.assertIn("vault_build_info", text)
        self.assertIn("vault_http_connections_open", text)

    def test_full_chat_flow(self) -> None:
        v = self.vault
        visitor = Visitor(name="Sam", ip="198.51.100.4", location="Leeds, UK",
                          user_agent="Mozilla/5.0 (Android 14)", device="mobile",
                          ref="flow-visitor-1", email="flow@example.org", phone="+44 7700 900123")
        created = v.open_transcript("webchat", visitor)
        self.assertRegex(created.id, r"^[0-9a-f]{32}$")
        self.assertTrue(created.expires_at.endswith("Z"))

        r0 = v.append_message(created.id, 0, "visitor", "hello, is anyone there?",
                              "2026-11-22T10:00:00Z")
        self.assertTrue(r0.stored)
        self.assertFalse(r0.duplicate)
        self.assertFalse(r0.retried)
        when = dt.datetime(2026, 11, 22, 10, 0, 41, tzinfo=dt.timezone.utc)
        r1 = v.append_message(created.id, 1, "agent", "Hi, I am here. Take your time.", when)
        self.assertEqual(r1.seq, 1)
        with self.assertRaises(ValueError):  # naive datetimes are refused locally
            v.append_message(created.id, 2, "agent", "x", dt.datetime(2026, 1, 1))
        v.append_message(created.id, 2, "system", "", "2026-11-22T10:01:00+01:00")

        # a replay of the same seq and content is a duplicate, not an error
        again = v.append_message(created.id, 0, "visitor", "hello, is anyone there?",
                                 "2026-11-22T10:00:00Z")
        self.assertTrue(again.duplicate)
        self.assertFalse(again.stored)
        # the same seq with other content is a conflict
        with self.assertRaises(Conflict) as cm:
            v.append_message(created.id, 0, "visitor", "hello?", "2026-11-22T10:00:00Z")
        self.assertEqual(cm.exception.code, "seq_conflict")
        self.assertEqual(cm.exception.status, 409)
        self.assertRegex(cm.exception.request_id or "", r"^[0-9a-f]{16}$")

        t = v.get_transcript(created.id)
        self.assertEqual(t.id, created.id)
        self.assertEqual(t.service, "webchat")
        self.assertEqual(t.state, "open")
        self.assertIsNone(t.closed_at)
        self.assertIsNone(t.next_from_seq)
        self.assertEqual(t.message_count, 3)
        self.assertEqual(t.visitor, visitor.to_json())
        self.assertEqual([(m.seq, m.sender, m.text) for m in t.messages],
                         [(0, "visitor", "hello, is anyone there?"),
                          (1, "agent", "Hi, I am here. Take your time."), (2, "system", "")])
        self.assertEqual(t.messages[1].sent_at, when.isoformat())  # stored as sent
        self.assertEqual(t.messages[2].sent_at, "2026-11-22T10:01:00+01:00")

        closed = v.close_transcript(created.id)
        self.assertEqual((closed.id, closed.state), (created.id, "closed"))
        again_closed = v.close_transcript(created.id)  # idempotent
        self.assertEqual(again_closed.expires_at, closed.expires_at)

        with self.assertRaises(Conflict) as cm:
            v.append_message(created.id, 3, "visitor", "one more thing", "2026-11-22T10:06:00Z")
        self.assertEqual(cm.exception.code, "transcript_closed")
        # a retried old message is still a duplicate after the close
        self.assertTrue(v.append_message(created.id, 1, "agent", "Hi, I am here. Take your time.",
                                         when).duplicate)
        t = v.get_transcript(created.id)
        self.assertEqual(t.state, "closed")
        self.assertIsNotNone(t.closed_at)
        self.assertEqual(t.expires_at, closed.expires_at)

        # the visitor's monitoring form, once
        form = v.submit_monitoring_form(created.id, {"helped": "yes"})
        self.assertEqual((form.id, form.counted), (created.id, True))
        with self.assertRaises(Conflict) as cm:
            v.submit_monitoring_form(created.id, {"helped": "no"})
        self.assertEqual(cm.exception.code, "already_submitted")
        with self.assertRaises(BadRequest) as cm:
            v.submit_monitoring_form(created.id, {"helped": "maybe"})
        self.assertEqual(cm.exception.code, "unknown_answer")

    def test_monitoring_form_of_open_chat_is_refused(self) -> None:
        t = self.vault.open_transcript("webchat")
        with self.assertRaises(Conflict) as cm:
            self.vault.submit_monitoring_form(t.id, {"helped": "yes"})
        self.assertEqual(cm.exception.code, "transcript_open")

    def test_pages_and_iterators_over_250_messages(self) -> None:
        v = self.vault
        tid = v.open_transcript("webchat").id
        stored = 0
        for first, count in ((0, 100), (100, 100), (200, 50)):
            res = v.append_messages(tid, msgs(first, count))
            self.assertEqual((res.duplicates, len(res.results)), (0, count))
            stored += res.stored
        self.assertEqual(stored, 250)

        page = v.get_transcript_page(tid, from_seq=0, limit=100)
        self.assertEqual(page.message_count, 250)
        self.assertEqual([m.seq for m in page.messages], list(range(100)))
        self.assertEqual(page.next_from_seq, 100)
        last = v.get_transcript_page(tid, from_seq=200, limit=100)
        self.assertEqual(len(last.messages), 50)
        self.assertIsNone(last.next_from_seq)

        seqs = [m.seq for m in v.iter_messages(tid, page_size=100)]
        self.assertEqual(seqs, list(range(250)))
        tail = [m for m in v.iter_messages(tid, page_size=64, from_seq=37)]
        self.assertEqual([m.seq for m in tail], list(range(37, 250)))
        self.assertEqual(tail[-1].text, "m 249")
        self.assertEqual(len(v.get_transcript(tid).messages), 250)

        with self.assertRaises(BadRequest) as cm:
            v.get_transcript_page(tid, 0, 10001)
        self.assertEqual(cm.exception.code, "invalid_query")

    def test_batch_is_atomic_and_idempotent(self) -> None:
        v = self.vault
        tid = v.open_transcript("webchat").id
        batch = msgs(0, 10, "b")
        first = v.append_messages(tid, batch)
        self.assertEqual((first.stored, first.duplicates), (10, 0))
        self.assertTrue(all(r.stored for r in first.results))
        self.assertEqual([r.seq for r in first.results], list(range(10)))

        replay = v.append_messages(tid, batch)  # the whole buffer again
        self.assertEqual((replay.stored, replay.duplicates), (0, 10))
        self.assertTrue(all(r.duplicate for r in replay.results))

        # mappings work too, "from" or "sender"
        mixed = v.append_messages(tid, [{"seq": 9, "from": "agent", "text": "b 9",
                                         "sent_at": batch[9].sent_at},
                                        {"seq": 10, "sender": "visitor", "text": "new",
                                         "sent_at": "2026-11-22T11:00:00Z"}])
        self.assertEqual((mixed.stored, mixed.duplicates), (1, 1))

        # atomic: one conflicting seq refuses the whole batch, new ones included
        bad = msgs(11, 5, "c") + [NewMessage(3, "visitor", "not what was said", batch[3].sent_at)]
        with self.assertRaises(Conflict) as cm:
            v.append_messages(tid, bad)
        self.assertEqual(cm.exception.code, "seq_conflict")
        self.assertEqual(v.get_transcript(tid).message_count, 11)

        with self.assertRaises(BadRequest) as cm:
            v.append_messages(tid, msgs(20, 2) + msgs(20, 1))
        self.assertEqual(cm.exception.code, "duplicate_seq")

        v.close_transcript(tid)
        self.assertEqual(v.append_messages(tid, batch).duplicates, 10)  # only duplicates: fine
        with self.assertRaises(Conflict) as cm:
            v.append_messages(tid, msgs(30, 2))
        self.assertEqual(cm.exception.code, "transcript_closed")

    def test_batch_too_large(self) -> None:
        v = self.vault
        tid = v.open_transcript("webchat").id
        too_many = msgs(0, tv.MAX_BATCH_MESSAGES + 1, "x")
        with self.assertRaises(ValueError):
            v.append_messages(tid, too_many)
        with self.assertRaises(ValueError):
            v.append_messages(tid, [])
        # the vault's own answer, through the generic request
        with self.assertRaises(BadRequest) as cm:
            v.request("POST", f"/v1/transcripts/{tid}/messages/batch",
                      json_body={"messages": [m.to_json() for m in too_many]})
        self.assertEqual(cm.exception.code, "batch_too_large")
        self.assertEqual(v.get_transcript(tid).message_count, 0)
        # exactly the maximum is accepted
        res = v.append_messages(tid, too_many[:tv.MAX_BATCH_MESSAGES])
        self.assertEqual(res.stored, tv.MAX_BATCH_MESSAGES)

    def test_typed_errors(self) -> None:
        v = self.vault
        with self.assertRaises(NotFound) as cm:
            v.get_transcript(UNKNOWN_ID)
        self.assertEqual((cm.exception.status, cm.exception.code), (404, "not_found"))
        with self.assertRaises(NotFound) as cm:
            v.append_message(UNKNOWN_ID, 0, "visitor", "x", "2026-11-22T10:00:00Z")
        self.assertEqual(cm.exception.code, "not_found")
        with self.assertRaises(NotFound):
            v.close_transcript("not-an-id")

        # missing service: only reachable with a hand-made body
        with self.assertRaises(BadRequest) as cm:
            v.request("POST", "/v1/transcripts", json_body={"visitor": {"name": "Sam"}})
        self.assertEqual(cm.exception.code, "missing_field")
        with self.assertRaises(BadRequest) as cm:
            v.open_transcript("")
        self.assertEqual(cm.exception.code, "invalid_service")
        with self.assertRaises(BadRequest) as cm:
            v.open_transcript("web chat")
        self.assertEqual(cm.exception.code, "invalid_service")
        with self.assertRaises(BadRequest) as cm:
            v.open_transcript("webchat", {"email": "not an address"})
        self.assertEqual(cm.exception.code, "invalid_email")
        with self.assertRaises(BadRequest) as cm:
            v.open_transcript("webchat", {"colour": "red"})
        self.assertEqual(cm.exception.code, "unknown_field")

        tid = v.open_transcript("webchat").id
        with self.assertRaises(BadRequest) as cm:
            v.append_message(tid, -1, "visitor", "x", "2026-11-22T10:00:00Z")
        self.assertEqual(cm.exception.code, "invalid_seq")
        with self.assertRaises(BadRequest) as cm:
            v.append_message(tid, 0, "bot", "x", "2026-11-22T10:00:00Z")
        self.assertEqual(cm.exception.code, "invalid_from")
        with self.assertRaises(BadRequest) as cm:
            v.append_message(tid, 0, "visitor", "x", "yesterday")
        self.assertEqual(cm.exception.code, "invalid_sent_at")

        with self.assertRaises(MethodNotAllowed) as cm:
            v.request("DELETE", f"/v1/transcripts/{tid}")
        self.assertEqual(cm.exception.code, "method_not_allowed")
        with self.assertRaises(tv.UnsupportedMediaType) as cm:
            v.request("POST", "/v1/transcripts", body=b'{"service":"webchat"}',
                      content_type="text/plain")
        self.assertEqual(cm.exception.code, "unsupported_media_type")
        # every typed error is a VaultError with the vault's code
        with self.assertRaises(tv.VaultError) as cm:
            v.request("GET", "/v1/nowhere")
        self.assertIsInstance(cm.exception, NotFound)
        self.assertEqual(cm.exception.code, "not_found")
        # raise_for_status=False gives the raw answer
        raw = v.request("GET", "/v1/nowhere", raise_for_status=False)
        self.assertEqual(raw.status, 404)
        self.assertEqual(raw.header("Cache-Control"), "no-store")

    def test_erase(self) -> None:
        v = self.vault
        tid = v.open_transcript("webchat", Visitor(ref="erase-me")).id
        v.append_message(tid, 0, "visitor", "please delete this", "2026-11-22T10:00:00Z")
        with self.assertRaises(BadRequest) as cm:
            v.erase_transcript(tid, reason="because")
        self.assertEqual(cm.exception.code, "invalid_reason")
        res = v.erase_transcript(tid, reason="visitor_request")
        self.assertEqual((res.id, res.state), (tid, "erased"))
        self.assertEqual(v.erase_transcript(tid).state, "erased")  # repeat: same answer
        with self.assertRaises(Gone) as cm:
            v.get_transcript(tid)
        self.assertEqual(cm.exception.code, "erased")
        with self.assertRaises(Gone):
            v.append_message(tid, 1, "visitor", "x", "2026-11-22T10:00:00Z")
        with self.assertRaises(NotFound):
            v.erase_transcript(UNKNOWN_ID)

    def test_history_and_iterator(self) -> None:
        v = self.vault
        visitor = Visitor(name="Alex", email="Alex.History@Example.org")
        ids = [v.open_transcript("history", visitor).id for _ in range(3)]
        v.open_transcript("history", Visitor(email="someone.else@example.org"))
        v.open_transcript("other-service", visitor)  # another service: not listed
        v.close_transcript(ids[0])

        page = v.history(ids[2], limit=10)
        self.assertEqual({e.id for e in page.transcripts}, {ids[0], ids[1]})
        self.assertIsNone(page.next)
        for e in page.transcripts:
            self.assertEqual(e.matched, ["email"])
        closed = [e for e in page.transcripts if e.id == ids[0]][0]
        self.assertEqual(closed.state, "closed")
        self.assertEqual(closed.message_count, 0)

        first = v.history(ids[2], limit=1)
        self.assertEqual(len(first.transcripts), 1)
        self.assertIsNotNone(first.next)
        walked = [e.id for e in v.iter_history(ids[2], page_size=1)]
        self.assertEqual(sorted(walked), sorted([ids[0], ids[1]]))
        self.assertEqual(len(walked), 2)
        with self.assertRaises(BadRequest) as cm:
            v.history(ids[2], after="garbage")
        self.assertIn(cm.exception.code, ("invalid_cursor", "invalid_query"))

    def test_statistics_json_and_csv(self) -> None:
        v = self.vault
        report = v.statistics("webchat", "2020")
        self.assertEqual((report.service, report.period, report.kind),
                         ("webchat", "2020", "year"))
        self.assertEqual((report.first_day, report.last_day), ("2020-01-01", "2020-12-31"))
        self.assertEqual(report.threshold, 10)
        helped = report.table("question:helped")
        self.assertEqual(helped.rows, ["yes", "partly", "no", "no_answer"])
        self.assertEqual(report.table("agent_reply").rows, ["replied", "not_replied"])
        csv = v.statistics_csv("webchat", "2020-q1")
        self.assertTrue(csv.startswith("service,period,table,row,column,count\r\n"))
        self.assertIn("webchat,2020-q1,", csv)
        with self.assertRaises(BadRequest) as cm:
            v.statistics("webchat", "2020-11-w5")
        self.assertEqual(cm.exception.code, "invalid_period")
        with self.assertRaises(Conflict) as cm:
            v.statistics("webchat", str(dt.date.today().year + 1))
        self.assertEqual(cm.exception.code, "not_published")

    def test_admin_retention_backup_officers(self) -> None:
        v = self.vault
        r = v.retention_status()
        self.assertEqual(r.overdue, 0)
        self.assertEqual(r.epoch_ms, 3600000)
        self.assertTrue(r.now.endswith("Z"))

        with tempfile.TemporaryDirectory() as d:
            target = os.path.join(d, "backup-1")
            b = v.backup(target)
            self.assertEqual(b.dir, target)
            self.assertTrue(os.path.isfile(os.path.join(target, "BACKUP.json")))
            with self.assertRaises(Conflict) as cm:
                v.backup(target)
            self.assertEqual(cm.exception.code, "backup_exists")
            with self.assertRaises(BadRequest) as cm:
                v.backup("relative/dir")
            self.assertEqual(cm.exception.code, "invalid_path")

        officers = v.list_officers()
        self.assertEqual(officers.officers, [])
        self.assertEqual(officers.vault, v.audit_status().genesis_key)
        self.assertEqual(officers.share_health.get("stranded"), [])


if __name__ == "__main__":
    unittest.main()
