"""The data-protection officer's and the auditor's calls, against a real vaultd."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import tempfile
import unittest

from vaultd_harness import VAULTD, VaultdTestCase

from transcript_vault import (BadRequest, Conflict, Gone, Identifiers, NotFound, Visitor)


class DpoTest(VaultdTestCase):
    VAULTD_ARGS = ["--privacy.controller", "Example Helpline; dpo@example.org"]

    def setUp(self) -> None:
        self.vault = self.client()

    def chat(self, visitor: Visitor, texts: list, close: bool = True) -> str:
        tid = self.vault.open_transcript("webchat", visitor).id
        for seq, text in enumerate(texts):
            self.vault.append_message(tid, seq, "visitor" if seq % 2 == 0 else "agent", text,
                                      f"2026-12-03T13:36:{seq:02d}Z")
        if close:
            self.vault.close_transcript(tid)
        return tid

    def test_subject_access(self) -> None:
        v = self.vault
        a = self.chat(Visitor(name="Sam", email="sam.access@example.org"), ["Hello", "Hi Sam"])
        b = self.chat(Visitor(ref="v-access", email="Sam.Access@example.org"), ["Again"])
        self.chat(Visitor(email="someone@example.org"), ["not Sam"])

        answer = v.subject_access(Identifiers(email="SAM.ACCESS@example.org"))
        self.assertEqual(answer.format, "transcript-vault-subject-access-v1")
        self.assertEqual(answer.searched, ["email"])
        self.assertEqual(answer.statement.get("controller"), "Example Helpline; dpo@example.org")
        self.assertRegex(answer.request or "", r"^[0-9a-f]{32}$")
        self.assertEqual({t.id for t in answer.transcripts}, {a, b})
        for d in answer.transcripts:
            self.assertFalse(d.withheld)
            self.assertFalse(d.restricted)
            self.assertIsNotNone(d.transcript)
            self.assertEqual(d.matched, ["email"])
            actions = [x.action for x in d.accesses]
            self.assertIn("transcript.open", actions)
            self.assertIn("transcript.close", actions)
            self.assertEqual(d.accesses[-1].purpose, "subject_access")
        by_id = {d.id: d.transcript for d in answer.transcripts}
        self.assertEqual([m.text for m in by_id[a].messages], ["Hello", "Hi Sam"])  # type: ignore
        self.assertEqual(by_id[b].visitor["ref"], "v-access")  # type: ignore

        entry = v.get_rights_request(answer.request or "")
        self.assertEqual((entry.kind, entry.state), ("access", "done"))
        self.assertEqual({(t.id, t.outcome) for t in entry.touched},
                         {(a, "disclosed"), (b, "disclosed")})

        nothing = v.subject_access({"phone": "+44 7700 900999"})
        self.assertEqual(nothing.transcripts, [])
        with self.assertRaises(BadRequest) as cm:
            v.subject_access({})
        self.assertEqual(cm.exception.code, "no_identifier")
        with self.assertRaises(BadRequest) as cm:
            v.subject_access({"email": "nope"})
        self.assertEqual(cm.exception.code, "invalid_email")
        with self.assertRaises(NotFound) as cm:
            v.subject_access({"email": "x@example.org"}, request="0" * 32)
        self.assertEqual(cm.exception.code, "unknown_request")

    def test_register_restriction_and_lift(self) -> None:
        v = self.vault
        tid = self.chat(Visitor(email="restrict.me@example.org"), ["please stop"])
        received = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=2)
        entry = v.register_rights_request("restriction", received_at=received,
                                          services=["webchat"])
        self.assertEqual((entry.kind, entry.state, entry.services),
                         ("restriction", "open", ["webchat"]))
        self.assertFalse(entry.overdue)
        self.assertIn(entry.id, [e.id for e in v.list_rights_requests()])
        self.assertIn(entry.id, [e.id for e in v.list_rights_requests("all")])
        self.assertNotIn(entry.id, [e.id for e in v.list_rights_requests("overdue")])

        res = v.subject_restriction({"email": "restrict.me@example.org"}, request=entry.id)
        self.assertEqual((res.request, res.restricted, res.withheld), (entry.id, [tid], []))
        with self.assertRaises(Conflict) as cm:
            v.get_transcript(tid)
        self.assertEqual(cm.exception.code, "restricted")

        with self.assertRaises(Conflict) as cm:  # the wrong kind of entry
            v.subject_erasure({"email": "restrict.me@example.org"}, request=entry.id)
        self.assertEqual(cm.exception.code, "wrong_kind")

        lifted = v.lift_rights_request(entry.id, "accuracy_verified")
        self.assertEqual(lifted.state, "done")
        self.assertIsNotNone(lifted.lifted)
        self.assertEqual([(t.id, t.outcome) for t in lifted.touched], [(tid, "lifted")])
        self.assertEqual(v.get_transcript(tid).id, tid)
        with self.assertRaises(Conflict) as cm:
            v.lift_rights_request(entry.id, "accuracy_verified")
        self.assertEqual(cm.exception.code, "request_closed")

    def test_register_extend_complete_refuse(self) -> None:
        v = self.vault
        access = v.register_rights_request("access")
        extended = v.extend_rights_request(access.id, 2, "complex")
        self.assertEqual(extended.extension and extended.extension["months"], 2)
        self.assertGreater(extended.due, access.due)
        with self.assertRaises(Conflict) as cm:
            v.extend_rights_request(access.id, 1, "numerous")
        self.assertEqual(cm.exception.code, "already_extended")
        done = v.complete_rights_request(access.id)
        self.assertEqual(done.state, "done")
        self.assertIsNotNone(done.closed_at)

        erasure = v.register_rights_request("erasure")
        refused = v.refuse_rights_request(erasure.id, "manifestly_unfounded")
        self.assertEqual((refused.state, refused.refusal_reason),
                         ("refused", "manifestly_unfounded"))
        with self.assertRaises(BadRequest) as cm:
            v.register_rights_request("gossip")
        self.assertEqual(cm.exception.code, "invalid_kind")
        with self.assertRaises(NotFound) as cm:
            v.get_rights_request("f" * 32)
        self.assertEqual(cm.exception.code, "unknown_request")

    def test_objection_decided(self) -> None:
        v = self.vault
        tid = self.chat(Visitor(phone="+44 7700 900555"), ["objecting"])
        res = v.subject_objection({"phone": "+447700900555"})
        self.assertEqual(res.restricted, [tid])
        entry = v.get_rights_request(res.request or "")
        self.assertEqual((entry.kind, entry.state), ("objection", "open"))
        with self.assertRaises(Conflict) as cm:
            v.complete_rights_request(entry.id)
        self.assertEqual(cm.exception.code, "decision_required")
        with self.assertRaises(BadRequest) as cm:
            v.decide_rights_request(entry.id, "rejected")
        self.assertEqual(cm.exception.code, "invalid_reason")
        decided = v.decide_rights_request(entry.id, "rejected", "legal_claims")
        self.assertEqual(decided.state, "done")
        self.assertEqual(decided.decision and decided.decision["decision"], "rejected")
        self.assertEqual(v.get_transcript(tid).id, tid)  # lifted again

    def test_rectification_and_statement(self) -> None:
        v = self.vault
        tid = self.chat(Visitor(name="Sam", location="Leeds", email="rect@example.org"),
                        ["I live at 1 Old Road", "noted"])
        res = v.subject_rectification({"email": "rect@example.org"},
                                      {"name": "Sam Taylor", "location": None})
        self.assertEqual((res.fields, res.rectified), (["name", "location"], [tid]))
        visitor = v.get_transcript(tid).visitor
        self.assertEqual(visitor, {"name": "Sam Taylor", "email": "rect@example.org"})

        added = v.add_statement(tid, 0, "The visitor states that this was a former address.")
        self.assertEqual((added.id, added.seq), (tid, 0))
        self.assertRegex(added.request or "", r"^[0-9a-f]{32}$")
        msg = v.get_transcript(tid).messages[0]
        self.assertEqual([s.text for s in msg.statements],
                         ["The visitor states that this was a former address."])
        self.assertEqual(v.get_transcript(tid).messages[1].statements, [])
        with self.assertRaises(NotFound) as cm:
            v.add_statement(tid, 99, "no such message")
        self.assertEqual(cm.exception.code, "no_such_message")
        with self.assertRaises(BadRequest) as cm:
            v.add_statement(tid, 0, "")
        self.assertEqual(cm.exception.code, "invalid_text")

    def test_subject_erasure(self) -> None:
        v = self.vault
        a = self.chat(Visitor(ref="erase-subject"), ["one"])
        b = self.chat(Visitor(ref="erase-subject"), ["two"], close=False)
        res = v.subject_erasure(Identifiers(ref="erase-subject"))
        self.assertEqual(sorted(res.erased), sorted([a, b]))
        self.assertEqual(res.withheld, [])
        for tid in (a, b):
            with self.assertRaises(Gone) as cm:
                v.get_transcript(tid)
            self.assertEqual(cm.exception.code, "erased")
        again = v.subject_erasure(Identifiers(ref="erase-subject"))
        self.assertEqual(again.erased, [])


class AuditorTest(VaultdTestCase):
    def setUp(self) -> None:
        self.vault = self.client()

    def test_audit_records_iteration(self) -> None:
        v = self.vault
        ids = [v.open_transcript("webchat").id for _ in range(3)]
        v.get_transcript(ids[0])
        v.close_transcript(ids[1])

        records = list(v.iter_audit_records(page_size=7))
        seqs = [r.seq for r in records]
        self.assertEqual(seqs, list(range(len(records))))
        self.assertEqual(records[0].type, "genesis")
        for prev, cur in zip(records, records[1:]):
            self.assertEqual(cur.prev, prev.hash)  # the hash chain, as served
        opened = [r.objects[0] for r in records if r.action == "transcript.open"]
        self.assertEqual(opened[-3:], ids)
        self.assertIn(("transcript.read", [ids[0]]),
                      [(r.action, r.objects) for r in records])
        self.assertIn(("transcript.close", [ids[1]]),
                      [(r.action, r.objects) for r in records])
        # the walk's own page reads are there too
        self.assertEqual(records[-1].action, "audit.read")

        page = v.audit_records(start=1, limit=2)
        self.assertEqual([r.seq for r in page.records], [1, 2])
        self.assertEqual(page.next, 3)
        bounded = list(v.iter_audit_records(start=2, page_size=2, stop=5))
        self.assertEqual([r.seq for r in bounded], [2, 3, 4])
        past = v.audit_records(start=10**6)
        self.assertEqual((past.records, past.next), ([], 10**6))
        with self.assertRaises(BadRequest) as cm:
            v.audit_records(limit=5000)
        self.assertEqual(cm.exception.code, "invalid_query")
        with self.assertRaises(ValueError):
            next(v.iter_audit_records(page_size=1))

    def test_status_checkpoint_segments_export(self) -> None:
        v = self.vault
        status = v.audit_status()
        self.assertTrue(status.origin.startswith("transcript-vault/"))
        self.assertGreater(status.size, 0)
        self.assertTrue(status.checkpoint.startswith(status.origin + "\n"))
        checkpoint = v.audit_checkpoint()
        self.assertTrue(checkpoint.startswith(status.origin + "\n"))
        seg = status.segments[0]
        data = v.audit_segment(seg.number)
        self.assertGreaterEqual(len(data), seg.bytes)
        with self.assertRaises(NotFound):
            v.audit_segment(999)

        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "export")
            exported = v.export_audit(out)
            names = sorted(os.listdir(out))
            self.assertIn("checkpoint.note", names)
            self.assertIn("genesis.key", names)
            self.assertIn(f"audit-{exported.segments[0].number:08d}.log", names)
            vault_audit = os.path.join(os.path.dirname(VAULTD), "vault-audit")
            if os.access(vault_audit, os.X_OK):
                run = subprocess.run([vault_audit, "verify", "--dir", out, "--pubkey",
                                      status.genesis_key, "--checkpoint",
                                      os.path.join(out, "checkpoint.note")],
                                     capture_output=True, text=True, timeout=60)
                self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
                self.assertTrue(run.stdout.startswith("OK"), run.stdout)

    def test_retention_and_officers(self) -> None:
        self.assertEqual(self.vault.retention_status().overdue, 0)
        self.assertEqual(self.vault.list_officers().officers, [])


if __name__ == "__main__":
    unittest.main()
