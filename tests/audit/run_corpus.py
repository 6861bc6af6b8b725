#!/usr/bin/env python3
"""Runs vault-audit and the Appendix A verifier on every case of a corpus.

Usage: run_corpus.py CORPUS_DIR VAULT_AUDIT APPENDIX_A_PY

Each case (a line of CORPUS_DIR/cases.tsv) is verified by both; each verdict
("ok" or the failure code) must equal the expected one. Prints one line per
disagreement and a summary; exits 1 on any disagreement.
"""
import glob, json, os, re, subprocess, sys, tempfile


def vault_audit(tool, audit, pub, kept):
    args = [tool, "verify", "--dir", audit, "--pubkey", pub, "--json"]
    for k in kept:
        args += ["--checkpoint", k]
    p = subprocess.run(args, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        return "exit %d: %s" % (p.returncode, p.stderr.strip())
    r = json.loads(p.stdout)
    return "ok" if r["ok"] else r["error_code"]


def appendix_a(script, audit, pub, kept):
    p = subprocess.run([sys.executable, script, audit, pub] + kept,
                       capture_output=True, text=True)
    if p.returncode == 0 and p.stdout.startswith("OK: "):
        return "ok"
    m = re.match(r"FAILED \(([a-z_]+)\): ", p.stdout)
    if p.returncode == 1 and m:
        return m.group(1)
    return "crash: " + (p.stderr.strip().splitlines() or ["?"])[-1]


def main(corpus, tool, script):
    # git keeps no empty directory: a case whose audit directory is empty
    # (every segment deleted) has none in a checkout, and gets an empty one,
    # removed afterwards.
    with tempfile.TemporaryDirectory(prefix="audit-corpus-") as scratch:
        empty = os.path.join(scratch, "audit")
        os.mkdir(empty)
        return run_cases(corpus, tool, script, empty)


def run_cases(corpus, tool, script, empty):
    cases = [l.rstrip("\n").split("\t") for l in open(os.path.join(corpus, "cases.tsv"))
             if l.strip() and not l.startswith("#")]
    bad, agree_expected_c, agree_expected_py, agree_each = 0, 0, 0, 0
    for name, expected, what in cases:
        d = os.path.join(corpus, name)
        audit = os.path.join(d, "audit")
        if not os.path.isdir(audit):
            audit = empty
        pub = open(os.path.join(d, "pubkey")).read().strip()
        kept = sorted(glob.glob(os.path.join(d, "kept", "*.note")))
        c, py = vault_audit(tool, audit, pub, kept), appendix_a(script, audit, pub, kept)
        agree_expected_c += c == expected
        agree_expected_py += py == expected
        agree_each += c == py
        if not c == py == expected:
            bad += 1
            print("DISAGREE %s (%s): expected %s, vault-audit %s, appendix A %s"
                  % (name, what, expected, c, py))
    n = len(cases)
    print("%d cases: vault-audit matches the expected verdict on %d, Appendix A on %d; "
          "they agree with each other on %d" % (n, agree_expected_c, agree_expected_py, agree_each))
    return 1 if bad or n < 100 else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
