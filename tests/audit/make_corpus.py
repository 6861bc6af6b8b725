#!/usr/bin/env python3
"""Writes the audit-log mutation corpus: make_corpus.py OUT_DIR.

Every case is a copy of the seed log (tests/audit/corpus/seed/, written by the
real AuditLog) with one named mutation, and its expected verdict: "ok" or the
failure code of docs/audit-format.md, section 8. Deterministic: the committed
tests/audit/corpus/cases/ and cases.tsv are this program's output, and a test
checks that they still are. See tests/audit/corpus/README.md.
"""
import json, os, shutil, sys

sys.dont_write_bytecode = True

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import corpus_lib as cl  # noqa: E402
from corpus_cases import CASES  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


class Ctx:
    """What a case needs: the seed, the generator's chain and helpers."""

    def __init__(self, seed_dir):
        self.seed_dir = seed_dir
        self.seed = cl.read_log(os.path.join(seed_dir, "audit"))
        self.origin = json.loads(self.seed[0][0].payload)["origin"]
        self.chain = cl.Chain()
        self.pub = cl.b64(self.chain.public(0))
        self.base = self.build()

    def segs(self):
        return [[r.copy() for r in seg] for seg in self.seed]

    def build(self, segs=None, **kw):
        return cl.build(segs if segs is not None else self.segs(), self.chain, self.origin, **kw)

    def at(self, segs, seq):
        for seg in segs:
            for r in seg:
                if r.seq == seq:
                    return r
        raise KeyError(seq)

    def with_payload(self, seq, payload):
        segs = self.segs()
        r = self.at(segs, seq)
        r.payload = payload if isinstance(payload, bytes) else payload.encode()
        r.keep_payload = True
        return self.build(segs).files

    def edit_payload(self, seq, fn):
        """fn(text) -> new payload text, for the record's original payload."""
        segs = self.segs()
        return self.with_payload(seq, fn(self.at(segs, seq).payload.decode()))

    def base_payload(self, seq):
        """Record seq's payload in the base log, as text."""
        got = []
        cl.patch(self.base.files, seq, lambda r: got.append(r.payload))
        return got[0].decode()

    def real_files(self):
        d = os.path.join(self.seed_dir, "audit")
        return {f: open(os.path.join(d, f), "rb").read() for f in sorted(os.listdir(d))}

    def real_pub(self):
        return open(os.path.join(self.seed_dir, "pubkey")).read().strip()

    def real_kept(self, n):
        return open(os.path.join(self.seed_dir, "kept-%d.note" % n), "rb").read()


def main(out):
    ctx = Ctx(os.path.join(HERE, "corpus", "seed"))
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    rows, names = [], set()
    for name, expected, what, make in CASES:
        assert name not in names, name
        names.add(name)
        got = make(ctx)
        files, kept, pub = got[0], got[1] if len(got) > 1 else (), got[2] if len(got) > 2 else ctx.pub
        cl.write_case(out, name, files, pub, kept)
        rows.append("%s\t%s\t%s\n" % (name, expected, what))
    with open(os.path.join(out, "cases.tsv"), "w") as f:
        f.write("# name\texpected verdict\tmutation\n")
        f.writelines(rows)
    print("%d cases written to %s" % (len(rows), out))


if __name__ == "__main__":
    main(sys.argv[1])
