#!/usr/bin/env python3
"""An independent verifier of a Transcript Vault audit directory.

Usage: appendix_a_verifier.py AUDIT_DIR PINNED_KEY_BASE64 [KEPT_NOTE_FILE...]

Implements docs/formats/audit-log.md and section 8 of docs/audit-format.md,
and nothing else from the project. Python 3.8+, standard library only.
Prints "OK: ..." and exits 0, or "FAILED (code): message" and exits 1, with
the codes of section 8; it stops at the first failure, as vault-audit does.
"""
import base64, hashlib, json, os, re, struct, sys

PERSON = b"TV-audit-rec-v1\x00"
GENESIS, SEGMENT, ACCESS, CHECKPOINT, START, RECOVERY, STOP = range(1, 8)
MAX_PAYLOAD, MAX_RECORD, MAX_DEPTH = 16384, 16470, 16
EM_DASH = "\u2014 "


class Failed(Exception):
    pass


def fail(code, msg):
    raise Failed(code, msg)


# Ed25519 verification (RFC 8032, section 5.1.7) with libsodium's extra
# rules: S < L, public key canonical and not of small order, R not of small
# order, and the encoding of [S]B - [h]A compared with R byte for byte.
P = 2 ** 255 - 19
L = 2 ** 252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


def _add(a, b):
    x1, y1, z1, t1 = a
    x2, y2, z2, t2 = b
    pa, pb = (y1 - x1) * (y2 - x2) % P, (y1 + x1) * (y2 + x2) % P
    c, d = 2 * t1 * t2 * D % P, 2 * z1 * z2 % P
    e, f, g, h = pb - pa, d - c, d + c, pb + pa
    return (e * f % P, g * h % P, f * g % P, e * h % P)


def _mul(s, pt):
    q = (0, 1, 1, 0)
    while s:
        if s & 1:
            q = _add(q, pt)
        pt, s = _add(pt, pt), s >> 1
    return q


def _decode(b):
    y = int.from_bytes(b, "little") & (2 ** 255 - 1)
    if y >= P:
        return None
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        return None
    if (x & 1) != (b[31] >> 7):
        x = (P - x) % P
    return (x, y, 1, x * y % P)


def _encode(pt):
    zi = pow(pt[2], P - 2, P)
    x, y = pt[0] * zi % P, pt[1] * zi % P
    return (y | ((x & 1) << 255)).to_bytes(32, "little")


def _small_order(pt):
    q = _mul(8, pt)
    return q[0] % P == 0 and (q[1] - q[2]) % P == 0


BASE = _decode((4 * pow(5, P - 2, P) % P).to_bytes(32, "little"))


def ed25519_verify(pub, sig, msg):
    s = int.from_bytes(sig[32:], "little")
    a = _decode(pub)
    if s >= L or a is None or _small_order(a):
        return False
    h = int.from_bytes(hashlib.sha512(sig[:32] + pub + msg).digest(), "little") % L
    r = _add(_mul(s, BASE), _mul(h, ((P - a[0]) % P, a[1], a[2], (P - a[3]) % P)))
    return _encode(r) == sig[:32] and not _small_order(r)


def b64(text, size=None):
    """Canonical padded base64 (section 2): decoding and encoding again gives text."""
    if not re.fullmatch(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?", text):
        raise ValueError("not base64")
    raw = base64.b64decode(text)
    if base64.b64encode(raw).decode() != text or (size is not None and len(raw) != size):
        raise ValueError("not canonical base64 of the right length")
    return raw


# Payload JSON (section 5.2): strict UTF-8 and RFC 8259, no NaN or Infinity,
# no duplicate member names, no unpaired surrogate escapes, depth <= 16.
class Num(str):
    """A JSON number, kept as the literal text it was written in."""


def _pairs(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise ValueError("duplicate member name")
        obj[k] = v
    return obj


def _constant(name):
    raise ValueError("not JSON: " + name)


def _walk(v, depth):
    if isinstance(v, (dict, list)):
        if depth + 1 > MAX_DEPTH:
            raise ValueError("nested too deeply")
        for k in v if isinstance(v, dict) else []:
            _walk(k, depth)
        for x in v.values() if isinstance(v, dict) else v:
            _walk(x, depth + 1)
    elif type(v) is str and any(0xD800 <= ord(c) <= 0xDFFF for c in v):
        raise ValueError("unpaired surrogate")


def parse_json(raw):
    v = json.loads(raw.decode("utf-8"), parse_int=Num, parse_float=Num,
                   parse_constant=_constant, object_pairs_hook=_pairs)
    _walk(v, 0)
    return v


def integer(v, lo, hi):
    if type(v) is not Num or not re.fullmatch(r"0|[1-9][0-9]*", v) or not lo <= int(v) <= hi:
        raise ValueError("not an integer from %d to %d" % (lo, hi))
    return int(v)


def need(o, name, kind):
    if name not in o or type(o[name]) is not kind:
        raise ValueError("member %s missing or of the wrong type" % name)
    return o[name]


def optional(o, name, kind):
    if name in o and type(o[name]) is not kind:
        raise ValueError("member %s of the wrong type" % name)


def check_payload(typ, raw):
    """Rule 12: the members, types and ranges each record type requires."""
    o = parse_json(raw)
    if type(o) is not dict:
        raise ValueError("payload is not a JSON object")
    if typ == GENESIS:
        origin, key = need(o, "origin", str), need(o, "key", str)
        interval = integer(o.get("checkpoint_interval_ms"), 1, 2 ** 50)
        if not re.fullmatch(r"transcript-vault/[0-9a-f]{16}", origin):
            raise ValueError("bad origin")
        o["key"] = b64(key, 32)
        o["checkpoint_interval_ms"] = interval
    elif typ == SEGMENT:
        o["segment"] = integer(o.get("segment"), 1, 99999999)
    elif typ == ACCESS:
        actor = need(o, "actor", dict)
        integer(actor.get("uid"), 0, 2 ** 32 - 1)
        need(actor, "role", str)
        optional(actor, "officer", str)
        need(o, "action", str)
        objects = need(o, "objects", list)
        need(o, "outcome", str)
        optional(o, "request", str)
        optional(o, "details", dict)
        if any(type(x) is not str for x in objects + list(o.get("details", {}).values())):
            raise ValueError("objects and details hold strings only")
    elif typ == CHECKPOINT:
        need(o, "note", str)
    elif typ == START:
        if need(o, "previous_stop", str) not in ("clean", "crash"):
            raise ValueError("bad previous_stop")
        need(o, "version", str)
    elif typ == RECOVERY:
        integer(o.get("cut_bytes"), 0, MAX_RECORD)
        need(o, "reason", str)
        if "removed_segment" in o:
            integer(o["removed_segment"], 1, 99999999)
    return o


def key_hash(name, pub):
    return hashlib.sha256(name.encode("utf-8", "surrogateescape") + b"\n\x01" + pub).digest()[:4]


def num(text):
    if not re.fullmatch(r"0|[1-9][0-9]{0,18}", text) or int(text) >= 2 ** 63:
        raise ValueError("bad number")
    return int(text)


def parse_note(note):
    """A signed note (section 6.1); raises ValueError if it is malformed."""
    text, sep, sigs = note.partition("\n\n")
    if not sep or not sigs.endswith("\n"):
        raise ValueError("no signature block")
    lines = text.split("\n")
    if len(lines) != 6 or not lines[0]:
        raise ValueError("expected 6 text lines")
    if not (lines[3].startswith("time ") and lines[4].startswith("key ")
            and lines[5].startswith("next ")):
        raise ValueError("bad extension lines")
    n = dict(origin=lines[0], size=num(lines[1]), head=b64(lines[2], 32),
             time=num(lines[3][5:]), key=num(lines[4][4:]), next=b64(lines[5][5:], 32),
             text=(text + "\n").encode("utf-8", "surrogateescape"), sigs=[])
    for line in sigs[:-1].split("\n"):
        name, sp, blob = line[2:].partition(" ")
        if not line.startswith(EM_DASH) or not sp:
            raise ValueError("bad signature line")
        if not re.fullmatch(r"[!-*,-~]+", name):
            raise ValueError("bad key name")
        blob = b64(blob)
        if len(blob) < 5 or (name == n["origin"] and len(blob) != 68):
            raise ValueError("bad signature encoding")
        n["sigs"].append((name, blob))
    return n


def verify_note(n, pub):
    """The note's lines by pub: None if they verify, else the failure code."""
    found = False
    for name, blob in n["sigs"]:
        if name == n["origin"] and blob[:4] == key_hash(name, pub):
            found = True
            if not ed25519_verify(pub, blob[4:], n["text"]):
                return "bad_signature"
    return None if found else "unknown_key"


def segments(d):
    nums = sorted(int(f[6:14]) for f in os.listdir(d) if re.fullmatch(r"audit-[0-9]{8}\.log", f))
    if not nums:
        fail("empty", "no audit segment files")
    if nums[0] == 0:
        fail("segment_name", "audit-00000000.log is not a segment")
    if nums != list(range(1, len(nums) + 1)):
        fail("segment_missing", "segments are not numbered 1, 2, ... without a gap")
    return nums


def main(d, pinned_b64, kept_files):
    keys = [b64(pinned_b64, 32)]
    kept = []
    for f in kept_files:  # 8.3: canonicalised, parsed before the log is read
        raw = open(f, "rb").read().decode("utf-8", "surrogateescape")
        canon = raw.replace("\r\n", "\n").rstrip("\n") + "\n"
        try:
            kept.append((f, parse_note(canon), canon))
        except ValueError as e:
            fail("bad_kept_checkpoint", "kept checkpoint %s is malformed: %s" % (f, e))
    nums = segments(d)
    prev, seq, last_t, origin, interval = bytes(32), 0, None, None, None
    last_cp_t, restarted, sealed, notes = None, False, 0, {}
    for n in nums:
        data = open(os.path.join(d, "audit-%08d.log" % n), "rb").read()
        off, first, newest = 0, True, n == nums[-1]
        while off < len(data):
            where = "record %d (segment %d, offset %d)" % (seq, n, off)
            cut = "torn" if newest else "segment_cut"  # 8.4
            if len(data) - off < 4:
                fail(cut, where + ": the segment ends inside a record header")
            (length,) = struct.unpack(">I", data[off:off + 4])
            if not 50 <= length <= 50 + MAX_PAYLOAD:
                fail("bad_length", where + ": record length out of range")
            if len(data) - off < 4 + length + 32:
                fail(cut, where + ": the segment ends inside a record")
            body = data[off + 4:off + 4 + length]
            h = data[off + 4 + length:off + 4 + length + 32]
            if hashlib.blake2b(body, digest_size=32, person=PERSON).digest() != h:
                fail("hash_mismatch", where + ": hash mismatch")
            ver, typ, rseq, t = struct.unpack(">BBQq", body[:18])
            if ver != 1:
                fail("bad_version", where + ": unknown version")
            if not 1 <= typ <= 7:
                fail("bad_type", where + ": unknown record type")
            if rseq != seq:
                fail("seq", where + ": sequence number %d" % rseq)
            if body[18:50] != prev:
                fail("chain_broken", where + ": does not link to its predecessor")
            if seq > 0 and t < last_t:
                fail("time_order", where + ": time goes backwards")
            if (typ == GENESIS) != (seq == 0):
                fail("structure", where + ": genesis must be record 0 and only record 0")
            if (typ == SEGMENT) != (seq > 0 and first):
                fail("structure", where + ": segment record misplaced")
            try:
                p = check_payload(typ, body[50:])
            except (ValueError, RecursionError) as e:
                fail("bad_payload", where + ": " + str(e))
            if typ == GENESIS:
                if p["key"] != keys[0]:
                    fail("unknown_key", "the log was not started with the pinned key")
                origin, interval = p["origin"], p["checkpoint_interval_ms"]
            elif typ == SEGMENT and p["segment"] != n:
                fail("structure", where + ": segment record names another file")
            elif typ == START:
                restarted = True
            elif typ == CHECKPOINT:
                try:
                    note = parse_note(p["note"])
                except ValueError as e:
                    fail("bad_note", where + ": " + str(e))
                bad = verify_note(note, keys[-1])
                if bad:
                    fail(bad, where + ": checkpoint not signed by key %d" % (len(keys) - 1))
                for code, got, want in (("origin", note["origin"], origin),
                                        ("key_index", note["key"], len(keys) - 1),
                                        ("size", note["size"], seq), ("head", note["head"], prev),
                                        ("time", note["time"], t)):
                    if got != want:
                        fail(code, where + ": checkpoint %s does not match the log" % code)
                if last_cp_t is not None:
                    if t <= last_cp_t:
                        fail("time_order", where + ": checkpoint time does not increase")
                    if not restarted and t - last_cp_t > 2 * interval:
                        fail("gap", where + ": gap between checkpoints")
                keys.append(note["next"])
                notes[seq] = note["text"]
                last_cp_t, restarted, sealed = t, False, seq
            prev, last_t, seq, first = h, t, seq + 1, False
            off += 4 + length + 32
        if first:
            fail("torn" if newest else "empty_segment", "segment %d is empty" % n)
    for f, k, canon in kept:
        if k["origin"] != origin:
            fail("origin", "kept checkpoint %s belongs to another log" % f)
        if k["size"] >= seq:  # it covers records 0 .. size, its own record included
            fail("truncated", "kept checkpoint %s: the log was truncated" % f)
        if notes.get(k["size"]) != k["text"]:
            fail("fork", "kept checkpoint %s: the log was rewritten" % f)
        if verify_note(k, keys[k["key"]]):
            fail("bad_kept_checkpoint", "kept checkpoint %s was altered" % f)
    print("OK: %s, %d records, %d sealed by the last checkpoint, next key index %d"
          % (origin, seq, sealed, len(keys) - 1))


if __name__ == "__main__":
    try:
        main(sys.argv[1], sys.argv[2], sys.argv[3:])
    except Failed as e:
        print("FAILED (%s): %s" % e.args)
        sys.exit(1)
