"""The cases of the mutation corpus: (name, expected verdict, mutation, make).

make(ctx) returns (files, [kept notes], [pinned key]); ctx is make_corpus.Ctx.
The seed log: records 0..40 in three segments (1: 0-15, 2: 16-31, 3: 32-40);
genesis 0, starts 1 and 21, stops 19 and 39, segment records 16 and 32,
checkpoints 2, 10, 20, 22, 30 and 40 (keys 0 to 5), access records elsewhere.
"""
import base64
import corpus_lib as cl

A = 33  # an access record in segment 3: {"actor":{"uid":1002,"role":"agent"},"action":
#        "transcript.close",...}, so that segments 1 and 2 of most cases are the base log's
S1, S2, S3 = "audit-00000001.log", "audit-00000002.log", "audit-00000003.log"


def base(c):
    return (c.base.files,)


def files(fn):
    """A byte-level change to the built log's files: fn(dict) -> dict."""
    return lambda c: (fn(dict(c.base.files)),)


def acc(fn):
    return lambda c: (c.edit_payload(A, fn),)


def rep(old, new):
    def f(t):
        assert old in t, (old, t)
        return t.replace(old, new, 1)
    return f


def extra(value):
    """An unknown member holding `value` (JSON text) added to record A."""
    return acc(rep('{"actor"', '{"x":' + value + ',"actor"'))


def payload(seq, fn):
    def make(c):
        text = c.base_payload(seq)
        return (c.with_payload(seq, fn(text)),)
    return make


def hooked(hook, kept=()):
    def make(c):
        b = c.build(note_hook=hook)
        return (b.files, [b.notes[k] for k in kept])
    return make


def at_cp(seq, fn):
    """A note hook changing checkpoint seq's fields."""
    def hook(s, f):
        if s == seq:
            return fn(f)
        return None
    return hook


def foreign(line):
    """Checkpoint 10 with another signature line appended after its own."""
    def fn(f):
        f["extra"] = line.replace("{origin}", f["origin"]) + "\n"
    return hooked(at_cp(10, fn))


def kept(notes_fn):
    return lambda c: (c.base.files, notes_fn(c))


def seq_segs(fn):
    """Record-level change before the log is re-chained and re-signed."""
    def make(c):
        segs = c.segs()
        fn(c, segs)
        return (c.build(segs).files,)
    return make


def set_time(seqs, delta):
    def fn(c, segs):
        for seg in segs:
            for r in seg:
                if r.seq in seqs:
                    r.time += delta
    return seq_segs(fn)


def cut(name, n):
    return files(lambda f: dict(f, **{name: f[name][:-n]}))


def add(name, data):
    return files(lambda f: dict(f, **{name: data(f) if callable(data) else data}))


def drop(*names):
    return files(lambda f: {k: v for k, v in f.items() if k not in names})


def rename(old, new):
    return files(lambda f: {(new if k == old else k): v for k, v in f.items()})


def field(seq, name, value):
    def fn(r):
        setattr(r, name, value)
    return lambda c: (cl.patch(c.base.files, seq, fn),)


def records_of(f, name, fn):
    """Rebuilds one segment's bytes from its whole records, byte for byte."""
    data = f[name]
    parts = [data[o:o + n] for o, n in cl.offsets(data)]
    f[name] = b"".join(fn(parts))
    return f


def sig_blob(note):
    return base64.b64decode(note.split("\n")[-2].rsplit(" ", 1)[1])


def resign_blob(note, blob):
    line = note.split("\n")[-2]
    return note.replace(line, line.rsplit(" ", 1)[0] + " " + cl.b64(blob))


def malleate(c):
    note = c.base.notes[10]
    blob = sig_blob(note)
    s = int.from_bytes(blob[36:], "little") + cl.av.L
    return (c.with_payload(10, cl.checkpoint_payload(
        resign_blob(note, blob[:36] + s.to_bytes(32, "little")))),)


def flip_sig(c):
    note = c.base.notes[10]
    blob = bytearray(sig_blob(note))
    blob[40] ^= 1
    return (c.with_payload(10, cl.checkpoint_payload(resign_blob(note, bytes(blob)))),)


def noncanon(b64text):
    """The same bytes with nonzero padding bits: not canonical base64."""
    last = b64text.rstrip("=")[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return b64text.rstrip("=")[:-1] + alphabet[alphabet.index(last) + 1] + \
        "=" * (len(b64text) - len(b64text.rstrip("=")))


def flip(data, i):
    return data[:i] + bytes([data[i] ^ 0x20]) + data[i + 1:]


W68 = cl.b64(bytes(range(68)))
CASES = []


def case(name, expected, what, make):
    CASES.append((name, expected, what, make))


# The real log as the real code wrote and signed it, with its own key 0.
case("real_intact", "ok", "the seed log as written", lambda c: (c.real_files(), [], c.real_pub()))
case("real_kept", "ok", "the seed log with its two kept checkpoints",
     lambda c: (c.real_files(), [c.real_kept(1), c.real_kept(2)], c.real_pub()))
case("real_flipped_byte", "hash_mismatch", "one payload byte of record 5 flipped",
     lambda c: ({**c.real_files(), S1: flip(c.real_files()[S1], 900)}, [], c.real_pub()))
case("real_torn", "torn", "the last 10 bytes of the newest segment cut",
     lambda c: ({**c.real_files(), S3: c.real_files()[S3][:-10]}, [], c.real_pub()))
case("real_truncated_before_kept", "truncated",
     "records 30.. removed; kept checkpoint 30 (its own record included)",
     lambda c: ({S1: c.real_files()[S1], S2: c.real_files()[S2][:cl.offsets(
         c.real_files()[S2])[14][0]]}, [c.real_kept(2)], c.real_pub()))
case("real_other_pinned_key", "unknown_key", "the generator's key 0 pinned for the real log",
     lambda c: (c.real_files(), [], c.pub))



def vaultd_log(c):
    """The audit log of tests/fixtures/datadir-v1.tar.gz, written by vaultd."""
    import json, os, tarfile
    path = os.path.join(c.seed_dir, "..", "..", "..", "fixtures", "datadir-v1.tar.gz")
    with tarfile.open(path) as t:
        files = {os.path.basename(m.name): t.extractfile(m).read() for m in t.getmembers()
                 if m.isfile() and m.name.startswith("data/audit/audit-")}
    genesis = files["audit-00000001.log"]
    body = genesis[4:4 + int.from_bytes(genesis[:4], "big")]
    return files, [], json.loads(body[50:])["key"]


case("vaultd_fixture_log", "ok", "the audit log vaultd 0.1 wrote in tests/fixtures/datadir-v1",
     vaultd_log)
case("vaultd_fixture_log_cut", "torn", "the same, its last 5 bytes cut",
     lambda c: ({k: v[:-5] for k, v in vaultd_log(c)[0].items()}, [], vaultd_log(c)[2]))

# The re-signed base log, and the directory.
case("intact", "ok", "the base log, re-signed by the generator", base)
case("intact_kept_both", "ok", "with kept checkpoints 10 and 30",
     lambda c: (c.base.files, [c.base.notes[10], c.base.notes[30]]))
case("stray_segment_zero", "segment_name", "audit-00000000.log, a copy of segment 1",
     add("audit-00000000.log", lambda f: f[S1]))
case("stray_segment_zero_empty", "segment_name", "an empty audit-00000000.log",
     add("audit-00000000.log", b""))
case("extra_name_plus_sign", "ok", "audit-+0000001.log beside the log: not a segment name",
     add("audit-+0000001.log", lambda f: f[S1]))
case("extra_name_space", "ok", "audit- 0000001.log: not a segment name",
     add("audit- 0000001.log", lambda f: f[S1]))
case("extra_name_nine_digits", "ok", "audit-000000004.log: not a segment name",
     add("audit-000000004.log", lambda f: f[S2]))
case("extra_name_upper_case", "ok", "AUDIT-00000004.LOG: not a segment name",
     add("AUDIT-00000004.LOG", lambda f: f[S2]))
case("extra_name_suffix", "ok", "audit-00000004.log.bak: not a segment name",
     add("audit-00000004.log.bak", lambda f: f[S2]))
case("extra_name_hex_digit", "ok", "audit-0000000a.log: not a segment name",
     add("audit-0000000a.log", lambda f: f[S2]))
case("renamed_plus_sign", "segment_missing", "segment 2 renamed audit-+0000002.log",
     rename(S2, "audit-+0000002.log"))
case("renamed_nine_digits", "segment_missing", "segment 2 renamed audit-000000002.log",
     rename(S2, "audit-000000002.log"))
case("missing_middle_segment", "segment_missing", "segment 2 deleted", drop(S2))
case("missing_first_segment", "segment_missing", "segment 1 deleted", drop(S1))
case("no_segment_files", "empty", "every segment deleted", drop(S1, S2, S3))
case("only_other_files", "empty", "no segment, one audit-1.log",
     files(lambda f: {"audit-1.log": f[S1]}))
case("segment_replayed", "seq", "segment 2 copied as segment 4",
     add("audit-00000004.log", lambda f: f[S2]))
case("segments_swapped", "seq", "segments 2 and 3 swapped",
     files(lambda f: dict(f, **{S2: f[S3], S3: f[S2]})))

# Torn tails and damage at the tail (section 8.4).
case("torn_record_body", "torn", "the newest segment ends 3 bytes short of a record", cut(S3, 3))
case("torn_header_2_bytes", "torn", "2 bytes after the last record", add(S3, lambda f: f[S3] + b"\0\0"))
case("torn_partial_record", "torn", "a copy of the last record, less its last 30 bytes, appended",
     add(S3, lambda f: f[S3] + f[S3][cl.offsets(f[S3])[-1][0]:-30]))
case("torn_only_length", "torn", "4 bytes of a valid length appended",
     add(S3, lambda f: f[S3] + f[S3][:4]))
case("torn_empty_newest_segment", "torn", "an empty segment 4", add("audit-00000004.log", b""))
case("empty_older_segment", "empty_segment", "segment 2 emptied", add(S2, b""))
case("older_segment_cut", "segment_cut", "segment 1 ends 10 bytes short", cut(S1, 10))
case("older_segment_extra_bytes", "segment_cut", "2 bytes appended to segment 2",
     add(S2, lambda f: f[S2] + b"\0\x01"))
case("tail_hash_mismatch", "hash_mismatch", "a byte of the last record flipped",
     add(S3, lambda f: f[S3][:-40] + bytes([f[S3][-40] ^ 1]) + f[S3][-39:]))
case("tail_zero_filled", "bad_length", "200 zero bytes after the last record",
     add(S3, lambda f: f[S3] + bytes(200)))
case("tail_length_ff", "bad_length", "8 bytes 0xff after the last record",
     add(S3, lambda f: f[S3] + b"\xff" * 8))
case("truncated_at_record", "ok", "the last record removed (invisible without a kept note)",
     add(S3, lambda f: f[S3][:cl.offsets(f[S3])[-1][0]]))
case("truncated_segment_3", "ok", "the newest segment removed", drop(S3))
case("truncated_kept_30", "truncated", "segment 3 and records 30, 31 removed; kept 30",
     lambda c: ({S1: c.base.files[S1], S2: c.base.files[S2][:cl.offsets(c.base.files[S2])[14][0]]},
                [c.base.notes[30]]))
case("truncated_keeps_kept_record", "ok", "record 31 and segment 3 removed; kept 30",
     lambda c: ({S1: c.base.files[S1], S2: c.base.files[S2][:cl.offsets(c.base.files[S2])[15][0]]},
                [c.base.notes[30]]))

# Framing and the chain.
case("length_49", "bad_length", "len of record 5 set to 49",
     files(lambda f: dict(f, **{S1: f[S1][:cl.offsets(f[S1])[5][0]] + b"\0\0\0\x31" +
                                f[S1][cl.offsets(f[S1])[5][0] + 4:]})))
case("length_16435", "bad_length", "len of record 5 set to 16,435",
     files(lambda f: dict(f, **{S1: f[S1][:cl.offsets(f[S1])[5][0]] + b"\0\0\x40\x33" +
                                f[S1][cl.offsets(f[S1])[5][0] + 4:]})))
case("version_2", "bad_version", "record 5 version 2, re-hashed", field(5, "version", 2))
case("type_0", "bad_type", "record 5 type 0, re-hashed", field(5, "typ", 0))
case("type_8", "bad_type", "record 5 type 8, re-hashed", field(5, "typ", 8))
case("hash_flipped", "hash_mismatch", "a bit of record 5's hash flipped",
     files(lambda f: dict(f, **{S1: (lambda o, n: f[S1][:o + n - 1] + bytes([f[S1][o + n - 1] ^ 1]) +
                                     f[S1][o + n:])(*cl.offsets(f[S1])[5])})))
case("seq_changed", "seq", "record 5 seq 6, re-hashed", field(5, "seq", 6))
case("record_deleted", "seq", "record 5 removed byte for byte",
     files(lambda f: records_of(f, S1, lambda p: p[:5] + p[6:])))
case("record_duplicated", "seq", "record 5 written twice",
     files(lambda f: records_of(f, S1, lambda p: p[:6] + p[5:])))
case("records_swapped", "seq", "records 5 and 6 swapped",
     files(lambda f: records_of(f, S1, lambda p: p[:5] + [p[6], p[5]] + p[7:])))
case("prev_changed", "chain_broken", "record 5 prev zeroed, re-hashed", field(5, "prev", bytes(32)))
case("time_backwards", "time_order", "record 5 one second before record 4, re-signed",
     set_time({5}, -2000))
case("genesis_not_first", "structure", "record 0 typed access, re-hashed", field(0, "typ", 3))
case("second_genesis", "structure", "record 5 typed genesis, re-hashed", field(5, "typ", 1))
case("segment_record_mid_segment", "structure", "record 5 typed segment, re-hashed",
     field(5, "typ", 2))
case("segment_record_missing", "structure", "record 16 typed access, re-signed",
     seq_segs(lambda c, s: (setattr(c.at(s, 16), "typ", 3),
                            setattr(c.at(s, 16), "payload", c.at(s, 4).payload))))
case("segment_record_wrong_number", "structure", "record 16 names segment 3, re-signed",
     payload(16, lambda t: '{"segment":3}'))


import corpus_cases_more  # noqa: E402,F401
