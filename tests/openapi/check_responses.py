#!/usr/bin/python3
"""Validates recorded vaultd responses against the OpenAPI description.

Usage: check_responses.py --spec SPEC --records DIR [--require-coverage] [--strict-codes]

DIR holds *.jsonl files, one JSON object per line:

  {"method": "GET", "target": "/v1/transcripts/abc?limit=2", "status": 200,
   "content_type": "application/json", "body": "<the body as a string>"}

"body" may be left out for a non-JSON response (only its Content-Type is
checked then), never for a JSON one.

An event of a server-sent event stream is recorded as

  {"method": "GET", "target": "/v1/events", "status": 200,
   "content_type": "text/event-stream", "event": "<its event: line>",
   "event_data": "<its data: line>"}

and its data is validated against the 200 response's `x-event-data` schema;
its "type" member must equal its event name. Method and target may be anything, even
empty (a raw-socket test's malformed request).

For each record: the operation is found by matching the target's path
(without the query) against the spec's path templates (a {parameter} matches
one non-empty path segment; literal segments are preferred over parameters)
and the method. The status must be documented for the operation (or
`default`). A documented JSON body is parsed and validated with
Draft202012Validator, $refs resolved in the whole spec; for any other content
type the record's Content-Type must be the documented one.

  - HEAD: the body must be empty; the status is checked as for GET, and 405
    (vaultd accepts HEAD on no route) is accepted too.
  - A known path with a method it does not have: must be 405 (or an error
    found before routing: 400, 413, 431, 500, 501, 503, 505) with a JSON
    Error body.
  - A target that matches no path of the spec (raw-socket tests record odd
    requests the router never matched): counted and printed; a JSON body is
    checked against the generic Error schema, a 2xx or a non-JSON body fails.
  - An error body's code not listed in the response's x-error-codes is a
    warning, or a failure with --strict-codes.

Prints per-operation counts, the total validated and every failure (method,
target, status, the validation error's path and message, and the first 300
characters of the body). Exits 1 if anything failed (with --require-coverage,
also if an operation has no validated 2xx response, listing them), 2 on bad
usage, and also 1 when DIR holds no record at all and coverage is required.
The environment variable VAULT_OPENAPI_REQUIRE_COVERAGE=1 (set by
scripts/vault-dev test, which runs the whole suite) is --require-coverage.
Deletes nothing.

Needs Debian's python3-jsonschema (4.10); run with /usr/bin/python3.
"""
import argparse
import collections
import glob
import json
import os
import re
import sys

from jsonschema import Draft202012Validator, FormatChecker, RefResolver

METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
ERROR_REF = "#/components/schemas/Error"
# A method the path does not have: 405, or an error found before routing (a
# malformed method token is 400 bad_request; 413, 431, 501, 505 framing; 503
# connection caps; 500 internal).
WRONG_METHOD_STATUSES = {400, 405, 413, 431, 500, 501, 503, 505}
RFC3339 = re.compile(
    r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)"
    r"(\.[0-9]+)?([Zz]|[+-]([01][0-9]|2[0-3]):[0-5][0-9])$")

FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time")
def _is_date_time(value):
    if not isinstance(value, str):
        return True
    return bool(RFC3339.match(value))


def media_base(media):
    return media.split(";")[0].strip().lower()


def normal_media(media):
    return ";".join(part.strip().lower() for part in media.split(";"))


def is_json_media(media):
    base = media_base(media)
    return base == "application/json" or base.endswith("+json")


class Route:
    def __init__(self, template, item):
        self.template = template
        self.item = item
        self.segments = template.strip("/").split("/") if template != "/" else [""]

    def match(self, path):
        """None, or a key ranking the match (literal segments first, left to right)."""
        parts = path.strip("/").split("/") if path != "/" else [""]
        if path.endswith("/") and path != "/":
            return None  # vaultd: a trailing slash is another (unknown) path
        if len(parts) != len(self.segments):
            return None
        rank = []
        for seg, part in zip(self.segments, parts):
            if seg.startswith("{") and seg.endswith("}"):
                if part == "":
                    return None
                rank.append(0)
            elif seg == part:
                rank.append(1)
            else:
                return None
        return tuple(rank)


def path_of(target):
    """The path of a request target (origin or absolute form), without the query."""
    t = target
    low = t.lower()
    for scheme in ("http://", "https://"):
        if low.startswith(scheme):
            rest = t[len(scheme):]
            cut = min([i for i in (rest.find("/"), rest.find("?")) if i >= 0], default=-1)
            if cut < 0:
                t = "/"
            elif rest[cut] == "?":
                t = "/" + rest[cut:]
            else:
                t = rest[cut:]
            break
    return t.split("?", 1)[0]


class Checker:
    def __init__(self, spec, strict_codes):
        self.spec = spec
        self.strict_codes = strict_codes
        self.resolver = RefResolver(base_uri="", referrer=spec)
        self.routes = [Route(p, item) for p, item in spec.get("paths", {}).items()]
        self.validators = {}
        self.failures = []
        self.warnings = []
        self.counts = collections.Counter()       # op key -> validated records
        self.counts_2xx = collections.Counter()   # op key -> validated 2xx
        self.unmatched = 0
        self.wrong_method = 0
        self.validated = 0
        self.records = 0
        self.ops = {}
        for route in self.routes:
            for m in METHODS:
                if m in route.item:
                    self.ops[self.op_key(m, route.template)] = route.item[m]

    @staticmethod
    def op_key(method, template):
        return "%s %s" % (method.upper(), template)

    def validator(self, schema):
        key = json.dumps(schema, sort_keys=True)
        v = self.validators.get(key)
        if v is None:
            v = Draft202012Validator(schema, resolver=self.resolver, format_checker=FORMATS)
            self.validators[key] = v
        return v

    def deref(self, node):
        for _ in range(16):
            if not (isinstance(node, dict) and "$ref" in node):
                return node
            node = self.resolver.resolve(node["$ref"])[1]
        return node

    def fail(self, rec, where, message):
        body = rec.get("body") if isinstance(rec, dict) else None
        body = body if isinstance(body, str) else json.dumps(body)
        self.failures.append("%s %s -> %s [%s]\n      %s\n      body: %s" % (
            rec.get("method", "?") if isinstance(rec, dict) else "?",
            rec.get("target", "?") if isinstance(rec, dict) else "?",
            rec.get("status", "?") if isinstance(rec, dict) else "?",
            where, message, (body or "")[:300]))

    def validate_json(self, rec, schema, label):
        """True if the record's body is JSON valid under `schema`."""
        try:
            value = json.loads(rec["body"])
        except ValueError as e:
            self.fail(rec, label, "the body is not JSON: %s" % e)
            return False, None
        errors = sorted(self.validator(schema).iter_errors(value), key=lambda e: list(e.absolute_path))
        if errors:
            for e in errors[:10]:
                where = "/" + "/".join(str(p) for p in e.absolute_path)
                self.fail(rec, label, "at %s: %s (schema %s)" % (
                    where, e.message, "/".join(str(p) for p in e.absolute_schema_path)))
            return False, value
        return True, value

    def check_codes(self, rec, response, value):
        codes = response.get("x-error-codes")
        if not isinstance(codes, list) or not isinstance(value, dict):
            return True
        code = value.get("error", {}).get("code") if isinstance(value.get("error"), dict) else None
        if code in codes:
            return True
        message = "error code %r is not among this response's x-error-codes %s" % (code, codes)
        if self.strict_codes:
            self.fail(rec, "x-error-codes", message)
            return False
        self.warnings.append("%s %s -> %s: %s" % (rec["method"], rec["target"], rec["status"], message))
        return True

    def check_error_only(self, rec, label):
        body = rec.get("body", "")
        if rec["method"].upper() == "HEAD":
            if body:
                self.fail(rec, label, "a HEAD response must have an empty body")
                return False
            return True
        if not is_json_media(rec["content_type"] or ""):
            self.fail(rec, label, "a non-JSON body (%r) where only a JSON Error may come" % rec["content_type"])
            return False
        ok, _ = self.validate_json(rec, {"$ref": ERROR_REF}, label)
        return ok

    def check_event(self, rec):
        """One event of a stream: its data under the response's x-event-data."""
        label = "event of %s" % rec.get("target")
        if not isinstance(rec.get("event"), str) or not isinstance(rec.get("event_data"), str):
            self.fail(rec, label, "fields 'event' and 'event_data' must be strings")
            return
        op = self.ops.get(self.op_key("get", path_of(rec.get("target", ""))))
        response = self.deref((op or {}).get("responses", {}).get("200", {}))
        schema = response.get("x-event-data")
        if schema is None:
            self.fail(rec, label, "the operation documents no x-event-data")
            return
        ok, value = self.validate_json({**rec, "body": rec["event_data"]}, schema,
                                       label + " " + rec["event"])
        if not ok:
            return
        if value.get("type") != rec["event"]:
            self.fail(rec, label, "data type %r under event %r" % (value.get("type"), rec["event"]))
            return
        self.validated += 1
        self.counts["(event %s)" % rec["event"]] += 1

    def check(self, rec):
        self.records += 1
        if isinstance(rec, dict) and "event_data" in rec:
            self.check_event(rec)
            return
        for key, kind in (("method", str), ("target", str), ("status", int), ("content_type", (str, type(None)))):
            if key not in rec or not isinstance(rec[key], kind) or isinstance(rec[key], bool):
                self.fail(rec, "record", "field %r is missing or not a %s" % (key, kind))
                return
        if "body" in rec and not isinstance(rec["body"], str):
            self.fail(rec, "record", "field 'body' is not a string")
            return
        if "body" not in rec and is_json_media(rec["content_type"] or "") and rec["method"].upper() != "HEAD":
            self.fail(rec, "record", "a JSON response recorded without its body")
            return
        method = rec["method"].upper()
        status = rec["status"]
        path = path_of(rec["target"])
        best = None
        for route in self.routes:
            rank = route.match(path)
            if rank is not None and (best is None or rank > best[0]):
                best = (rank, route)
        if best is None:
            self.unmatched += 1
            if status < 400:
                self.fail(rec, "no route", "a %d for a target that matches no path of the spec" % status)
                return
            if self.check_error_only(rec, "no route: generic Error"):
                self.validated += 1
                self.counts["(no path of the spec)"] += 1
            return
        route = best[1]
        lower = method.lower()
        head = method == "HEAD"
        op = route.item.get("get" if head and "head" not in route.item else lower)
        if op is None:
            self.wrong_method += 1
            label = "%s %s: method not in the spec" % (method, route.template)
            if status not in WRONG_METHOD_STATUSES:
                self.fail(rec, label, "expected 405 method_not_allowed (or a protocol error), got %d" % status)
                return
            if self.check_error_only(rec, label):
                self.validated += 1
                self.counts["(405 for a method the path does not have)"] += 1
            return
        key = self.op_key("get" if head and "head" not in route.item else lower, route.template)
        label = "%s %s" % (key, status)
        responses = op.get("responses", {})
        response = responses.get(str(status))
        if response is None and head and status == 405:
            if self.check_error_only(rec, label + " (HEAD refused)"):
                self.validated += 1
                self.counts[key + " (HEAD)"] += 1
            return
        if response is None:
            response = responses.get("default")
        if response is None:
            self.fail(rec, label, "status %d is not documented for %s (documented: %s)"
                      % (status, key, ", ".join(sorted(responses))))
            return
        response = self.deref(response)
        content = response.get("content") or {}
        body = rec.get("body", "")  # the recorder leaves out non-JSON bodies
        if head:
            if body:
                self.fail(rec, label, "a HEAD response must have an empty body")
                return
        elif not content:
            if body:
                self.fail(rec, label, "no body is documented, but the response has one")
                return
        else:
            ctype = rec["content_type"] or ""
            media = None
            for m in content:
                if normal_media(m) == normal_media(ctype):
                    media = m
            if media is None:
                for m in content:
                    if media_base(m) == media_base(ctype) and is_json_media(m):
                        media = m
            if media is None:
                self.fail(rec, label, "Content-Type %r is not documented (documented: %s)"
                          % (ctype, ", ".join(content)))
                return
            schema = content[media].get("schema")
            if is_json_media(media) and schema is not None:
                ok, value = self.validate_json(rec, schema, label + " " + media)
                if not ok:
                    return
                if status >= 400 and not self.check_codes(rec, response, value):
                    return
        self.validated += 1
        self.counts[key] += 1
        if 200 <= status < 300:
            self.counts_2xx[key] += 1


def load_records(directory, checker):
    files = sorted(glob.glob(os.path.join(directory, "*.jsonl")))
    for name in files:
        with open(name, encoding="utf-8", errors="surrogateescape") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    rec = json.loads(line)
                except ValueError as e:
                    checker.records += 1
                    checker.failures.append("%s:%d: not a JSON record: %s" % (name, n, e))
                    continue
                if not isinstance(rec, dict):
                    checker.records += 1
                    checker.failures.append("%s:%d: a record is not a JSON object" % (name, n))
                    continue
                checker.check(rec)
    return files


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", required=True)
    parser.add_argument("--records", required=True)
    parser.add_argument("--require-coverage", action="store_true",
                        help="fail if an operation has no validated 2xx response")
    parser.add_argument("--strict-codes", action="store_true",
                        help="fail (not only warn) on an error code not in the response's x-error-codes")
    args = parser.parse_args(argv[1:])
    # The project's test command (scripts/vault-dev test) runs the whole
    # suite and sets this; a run of a few tests (ctest -R ...) covers only
    # their routes.
    if os.environ.get("VAULT_OPENAPI_REQUIRE_COVERAGE") == "1":
        args.require_coverage = True
    try:
        with open(args.spec, encoding="utf-8") as f:
            spec = json.load(f)
    except (OSError, ValueError) as e:
        print("FAILED: cannot read the spec %s: %s" % (args.spec, e))
        return 2
    if not os.path.isdir(args.records):
        print("FAILED: %s is not a directory" % args.records)
        return 2
    checker = Checker(spec, args.strict_codes)
    files = load_records(args.records, checker)

    print("Responses by operation (validated):")
    for key in sorted(checker.counts):
        print("  %-60s %6d  (2xx: %d)" % (key, checker.counts[key], checker.counts_2xx.get(key, 0)))
    print("Records: %d in %d file(s); validated: %d; failed: %d" % (
        checker.records, len(files), checker.validated, len(checker.failures)))
    print("Targets matching no path of the spec: %d (checked against the Error schema)" % checker.unmatched)
    print("Methods a known path does not have: %d (checked as 405 Error)" % checker.wrong_method)
    if checker.warnings:
        print("Warnings (%d):" % len(checker.warnings))
        for w in checker.warnings:
            print("  " + w)
    uncovered = []
    if args.require_coverage:
        uncovered = sorted(k for k in checker.ops if checker.counts_2xx.get(k, 0) == 0)
        if uncovered:
            print("Operations without a validated 2xx response (%d):" % len(uncovered))
            for k in uncovered:
                print("  %s (%s)" % (k, checker.ops[k].get("operationId", "?")))
    if checker.failures:
        print("FAILURES (%d):" % len(checker.failures))
        for f in checker.failures:
            print("  " + f)
    if checker.failures or uncovered:
        print("FAILED")
        return 1
    if checker.records == 0:
        if args.require_coverage:
            print("FAILED: no records in %s" % args.records)
            return 1
        print("No records in %s: none of the tests that ran talked to a vaultd" % args.records)
        return 0
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
