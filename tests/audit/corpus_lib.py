"""Building blocks of the mutation corpus (tests/audit/corpus/README.md).

A Log is a list of segments, each a list of Records, read from the seed log
that the real AuditLog wrote. build() re-chains it and re-signs every
checkpoint with the generator's own deterministic key chain, so that a case
differs from a valid log only by its mutation.
"""
import base64, hashlib, json, os, struct

import appendix_a_verifier as av

TYPES = dict(genesis=1, segment=2, access=3, checkpoint=4, start=5, recovery=6, stop=7)


class Record:
    def __init__(self, typ, seq, time, prev, payload):
        self.typ, self.seq, self.time, self.prev, self.payload = typ, seq, time, prev, payload
        self.version = 1

    def copy(self):
        r = Record(self.typ, self.seq, self.time, self.prev, self.payload)
        r.version = self.version
        return r

    def body(self):
        return struct.pack(">BBQq", self.version, self.typ, self.seq % 2 ** 64, self.time) + \
            self.prev + self.payload

    def encode(self):
        body = self.body()
        return struct.pack(">I", len(body)) + body + \
            hashlib.blake2b(body, digest_size=32, person=av.PERSON).digest()


def read_log(d):
    segs = []
    n = 1
    while os.path.exists(os.path.join(d, "audit-%08d.log" % n)):
        data, off, seg = open(os.path.join(d, "audit-%08d.log" % n), "rb").read(), 0, []
        while off < len(data):
            (length,) = struct.unpack(">I", data[off:off + 4])
            body = data[off + 4:off + 4 + length]
            ver, typ, seq, t = struct.unpack(">BBQq", body[:18])
            seg.append(Record(typ, seq, t, body[18:50], body[50:]))
            off += 4 + length + 32
        segs.append(seg)
        n += 1
    return segs


def b64(raw):
    return base64.b64encode(raw).decode()


class Chain:
    """The generator's signing keys: key i from a fixed seed, like a writer's."""

    def __init__(self, label=b"corpus"):
        self.label = label

    def secret(self, i):
        h = hashlib.sha512(hashlib.sha512(self.label + b" key %d" % i).digest()[:32]).digest()
        a = int.from_bytes(h[:32], "little")
        a &= (1 << 254) - 8
        a |= 1 << 254
        return a, h[32:]

    def public(self, i):
        return av._encode(av._mul(self.secret(i)[0], av.BASE))

    def sign(self, i, msg):
        a, prefix = self.secret(i)
        pub = self.public(i)
        r = int.from_bytes(hashlib.sha512(prefix + msg).digest(), "little") % av.L
        rb = av._encode(av._mul(r, av.BASE))
        h = int.from_bytes(hashlib.sha512(rb + pub + msg).digest(), "little") % av.L
        return rb + ((r + h * a) % av.L).to_bytes(32, "little")


def note_text(origin, size, head, time, key, nxt):
    return "%s\n%s\n%s\ntime %s\nkey %s\nnext %s\n" % (origin, size, head, time, key, nxt)


def sig_line(origin, pub, sig):
    return "\u2014 %s %s\n" % (origin, b64(av.key_hash(origin, pub) + sig))


def checkpoint_payload(note):
    return json.dumps({"note": note}, ensure_ascii=False, separators=(",", ":")).encode()


class Built:
    """The files of a built log, and the notes of its checkpoints by seq."""

    def __init__(self):
        self.files, self.notes, self.hashes = {}, {}, {}


def build(segs, chain, origin, note_hook=None, interval=None):
    """Re-chains segs and re-signs each checkpoint i with chain key i.

    note_hook(seq, fields) may change the note's fields (a dict of the six
    text values, the signing key index 'signer' and 'extra' signature lines)
    before it is signed; it may return a string to use as the whole note.
    """
    out, prev, seq, key = Built(), bytes(32), 0, 0
    for s, seg in enumerate(segs):
        data = b""
        for r0 in seg:
            r = r0.copy()
            if not getattr(r0, "keep_seq", False):
                r.seq = seq
            if not getattr(r0, "keep_prev", False):
                r.prev = prev
            if r.typ == 1 and not getattr(r0, "keep_payload", False):
                g = json.loads(r.payload)
                g["key"] = b64(chain.public(0))
                if interval is not None:
                    g["checkpoint_interval_ms"] = interval
                r.payload = json.dumps(g, separators=(",", ":")).encode()
            if r.typ == 4 and not getattr(r0, "keep_payload", False):
                f = dict(origin=origin, size=str(r.seq), head=b64(r.prev), time=str(r.time),
                         key=str(key), next=b64(chain.public(key + 1)), signer=key, extra="")
                whole = note_hook(r.seq, f) if note_hook else None
                if whole is None:
                    text = note_text(f["origin"], f["size"], f["head"], f["time"], f["key"],
                                     f["next"])
                    signer = f["signer"]
                    whole = text + "\n" + sig_line(f["origin"], chain.public(signer),
                                                   chain.sign(signer, text.encode())) + f["extra"]
                out.notes[r.seq] = whole
                r.payload = checkpoint_payload(whole)
                key += 1
            enc = r.encode()
            prev = enc[-32:]
            out.hashes[seq] = prev
            data += enc
            seq += 1
        out.files["audit-%08d.log" % (s + 1)] = data
    return out


def offsets(data):
    """(offset, total length) of each whole record in a segment's bytes."""
    out, off = [], 0
    while off + 4 <= len(data):
        (length,) = struct.unpack(">I", data[off:off + 4])
        out.append((off, 4 + length + 32))
        off += 4 + length + 32
    return out


def patch(files, seq, fn):
    """Decodes record seq of built files, applies fn, re-hashes it in place."""
    files = dict(files)
    for name in sorted(files):
        data = files[name]
        for off, size in offsets(data):
            body = data[off + 4:off + size - 32]
            ver, typ, rseq, t = struct.unpack(">BBQq", body[:18])
            if rseq != seq:
                continue
            r = Record(typ, rseq, t, body[18:50], body[50:])
            r.version = ver
            fn(r)
            files[name] = data[:off] + r.encode() + data[off + size:]
            return files
    raise KeyError(seq)


def write_case(root, name, files, pubkey, kept=()):
    d = os.path.join(root, name)
    os.makedirs(os.path.join(d, "audit"))
    for fname, data in sorted(files.items()):
        with open(os.path.join(d, "audit", fname), "wb") as f:
            f.write(data)
    with open(os.path.join(d, "pubkey"), "w") as f:
        f.write(pubkey + "\n")
    for i, note in enumerate(kept):
        os.makedirs(os.path.join(d, "kept"), exist_ok=True)
        with open(os.path.join(d, "kept", "%d.note" % (i + 1)), "wb") as f:
            f.write(note if isinstance(note, bytes) else note.encode())
