#!/usr/bin/env python3
"""Checks that Appendix A of docs/audit-format.md is appendix_a_verifier.py.

Usage: check_appendix_a.py DOC PY. The one ```python block after the heading
"## Appendix A" must equal the file byte for byte, so the tested verifier and
the one printed in the auditor's spec cannot drift apart.
"""
import sys


def main(doc, py):
    text = open(doc, encoding="utf-8").read()
    appendix = text[text.index("\n## Appendix A"):]
    start = appendix.index("\n```python\n") + len("\n```python\n")
    block = appendix[start:appendix.index("\n```\n", start) + 1]
    code = open(py, encoding="utf-8").read()
    if block != code:
        print("Appendix A of %s differs from %s; copy the file into the block" % (doc, py))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
