#!/usr/bin/env python3
"""Checks that the committed corpus is make_corpus.py's output, byte for byte.

Usage: check_corpus.py COMMITTED_CASES_DIR SCRATCH_DIR
"""
import filecmp, os, subprocess, sys


def tree(d):
    out = set()
    for root, _, files in os.walk(d):
        for f in files:
            out.add(os.path.relpath(os.path.join(root, f), d))
    return out


def main(committed, scratch):
    here = os.path.dirname(os.path.abspath(__file__))
    subprocess.run([sys.executable, os.path.join(here, "make_corpus.py"), scratch], check=True,
                   stdout=subprocess.DEVNULL)
    a, b = tree(committed), tree(scratch)
    differ = sorted(a ^ b) + sorted(f for f in a & b if not filecmp.cmp(
        os.path.join(committed, f), os.path.join(scratch, f), shallow=False))
    for f in differ:
        print("differs from make_corpus.py's output: " + f)
    if differ:
        print("regenerate: tests/audit/make_corpus.py tests/audit/corpus/cases")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
