"""Corpus cases, continued: checkpoint notes, times and kept checkpoints."""
from corpus_cases import (W68, case, cl, foreign, hooked, at_cp, kept, malleate, flip_sig,
                          noncanon, seq_segs)

WITNESS = "\u2014 witness.example/w1 "


def fields(seq, **kw):
    def fn(f):
        f.update(kw)
    return hooked(at_cp(seq, fn))


def field_fn(seq, name, fn):
    def g(f):
        f[name] = fn(f[name])
    return hooked(at_cp(seq, g))


def whole(seq, fn):
    """Checkpoint seq's note replaced by fn(text, own signature line)."""
    chain = cl.Chain()

    def g(f):
        text = cl.note_text(f["origin"], f["size"], f["head"], f["time"], f["key"], f["next"])
        return fn(text, cl.sig_line(f["origin"], chain.public(f["signer"]),
                                    chain.sign(f["signer"], text.encode())), f)
    return hooked(at_cp(seq, g))


def signed(chain, key, text):
    origin = text.split("\n")[0]
    return text + "\n" + cl.sig_line(origin, chain.public(key), chain.sign(key, text.encode()))


# Signature lines (section 6.1): foreign lines are skipped but must be well formed.
case("note_cosignature", "ok", "a well-formed witness cosignature after the note's own",
     foreign(WITNESS + W68))
case("note_foreign_5_bytes", "ok", "a foreign signature of 5 bytes", foreign(WITNESS + "AAECAwQ="))
case("note_foreign_4_bytes", "bad_note", "a foreign signature of 4 bytes",
     foreign(WITNESS + "AAECAw=="))
case("note_foreign_bad_base64", "bad_note", "a foreign signature '!!!!'", foreign(WITNESS + "!!!!"))
case("note_foreign_noncanonical", "bad_note", "a foreign signature with nonzero padding bits",
     foreign(WITNESS + noncanon("AAECAwQ=")))
case("note_foreign_unpadded", "bad_note", "a foreign signature without padding",
     foreign(WITNESS + "AAECAwQ"))
case("note_foreign_name_plus", "bad_note", "a key name with '+'",
     foreign("\u2014 wit+ness " + W68))
case("note_foreign_name_non_ascii", "bad_note", "a key name with a non-ASCII letter",
     foreign("\u2014 w\u00edtness " + W68))
case("note_foreign_no_space", "bad_note", "a signature line without a space",
     foreign("\u2014 witness"))
case("note_foreign_two_spaces", "bad_note", "two spaces before the signature",
     foreign("\u2014 witness  " + W68))
case("note_foreign_hyphen", "bad_note", "a hyphen instead of the em dash",
     foreign("- witness " + W68))
case("note_foreign_no_dash", "bad_note", "no dash", foreign("witness " + W68))
case("note_empty_signature_line", "bad_note", "an empty line after the signature",
     foreign(""))
case("note_origin_other_keyhash", "ok", "a line by the origin with another key hash: skipped",
     foreign("\u2014 {origin} " + W68))
case("note_origin_short_blob", "bad_note", "a line by the origin of 60 bytes",
     foreign("\u2014 {origin} " + cl.b64(bytes(60))))


def second_bad(text, own, f):
    blob = cl.av.key_hash(f["origin"], cl.Chain().public(f["signer"])) + bytes(64)
    return text + "\n" + own + "\u2014 %s %s\n" % (f["origin"], cl.b64(blob))


case("note_second_own_line_bad", "bad_signature", "a second line by key 1 whose signature fails",
     whole(10, second_bad))
case("note_only_foreign", "unknown_key", "the note's own line replaced by a witness's",
     whole(10, lambda text, own, f: text + "\n" + WITNESS + W68 + "\n"))
case("note_signature_flipped", "bad_signature", "a bit of checkpoint 10's signature flipped",
     flip_sig)
case("note_signature_malleated", "bad_signature", "S + L in checkpoint 10's signature", malleate)
case("note_signed_by_next_key", "unknown_key", "checkpoint 10 signed by key 2", fields(10, signer=2))
case("note_signed_by_previous_key", "unknown_key", "checkpoint 10 signed by key 0",
     fields(10, signer=0))

# Note text (section 6.1): numbers and base64 exactly as the format says.
case("note_size_leading_zero", "bad_note", "size 010", fields(10, size="010"))
case("note_size_plus", "bad_note", "size +10", fields(10, size="+10"))
case("note_time_2_63", "bad_note", "time 2^63", fields(10, time="9223372036854775808"))
case("note_time_negative", "bad_note", "time -1", fields(10, time="-1"))
case("note_key_index_wrong", "key_index", "checkpoint 10 claims key 2", fields(10, key="2"))
case("note_size_wrong", "size", "checkpoint 10 claims size 9", fields(10, size="9"))
case("note_head_wrong", "head", "checkpoint 10 names another head",
     fields(10, head=cl.b64(bytes(32))))
case("note_time_wrong", "time", "checkpoint 10's time 1 ms off",
     field_fn(10, "time", lambda t: str(int(t) + 1)))
case("note_origin_other", "origin", "checkpoint 10 names another origin",
     fields(10, origin="transcript-vault/0000000000000000"))
case("note_head_noncanonical", "bad_note", "head with nonzero padding bits",
     field_fn(10, "head", noncanon))
case("note_next_noncanonical", "bad_note", "next with nonzero padding bits",
     field_fn(10, "next", noncanon))
case("note_next_wrong", "unknown_key", "checkpoint 2 names another next key",
     fields(2, next=cl.b64(cl.Chain(b"other").public(1))))
case("note_crlf", "bad_note", "checkpoint 10 with CRLF line ends",
     whole(10, lambda text, own, f: (text + "\n" + own).replace("\n", "\r\n")))
case("note_seven_lines", "bad_note", "a seventh text line, signed",
     whole(10, lambda text, own, f: signed(cl.Chain(), f["signer"], text + "extra\n")))
case("note_no_final_newline", "bad_note", "no newline after the signature",
     whole(10, lambda text, own, f: text + "\n" + own[:-1]))
case("note_no_blank_line", "bad_note", "no empty line before the signature",
     whole(10, lambda text, own, f: text + own))

# Checkpoint times (rules 21 and 22).


def same_time(c, segs):
    t = c.at(segs, 2).time
    for seq in range(3, 11):
        c.at(segs, seq).time = t


def shift(delta):
    def fn(c, segs):
        for seg in segs:
            for r in seg:
                if r.seq >= 11:
                    r.time += delta
    return seq_segs(fn)


case("checkpoint_time_repeated", "time_order", "checkpoint 10 at checkpoint 2's time",
     seq_segs(same_time))
case("gap_exactly_max", "ok", "checkpoints 10 and 20 exactly 2 minutes apart", shift(112000))
case("gap_one_ms_over", "gap", "checkpoints 10 and 20 2 minutes and 1 ms apart", shift(112001))

# Kept checkpoints (section 8.3).
K10 = lambda c: c.base.notes[10]  # noqa: E731
case("kept_crlf", "ok", "kept 10 saved with CRLF", kept(lambda c: [K10(c).replace("\n", "\r\n")]))
case("kept_no_final_newline", "ok", "kept 10 without its final newline",
     kept(lambda c: [K10(c)[:-1]]))
case("kept_three_newlines", "ok", "kept 10 with two extra newlines",
     kept(lambda c: [K10(c) + "\n\n"]))
case("kept_cosigned", "ok", "kept 10 with a witness cosignature",
     kept(lambda c: [K10(c) + WITNESS + W68 + "\n"]))
case("kept_garbage", "bad_kept_checkpoint", "a kept file 'hello'", kept(lambda c: ["hello\n"]))
case("kept_empty", "bad_kept_checkpoint", "an empty kept file", kept(lambda c: [""]))
case("kept_bad_foreign_line", "bad_kept_checkpoint", "kept 10 with a malformed foreign line",
     kept(lambda c: [K10(c) + "\u2014 wit+ness " + W68 + "\n"]))
case("kept_signature_flipped", "bad_kept_checkpoint", "kept 10 with its signature altered",
     kept(lambda c: [K10(c).replace(K10(c).split(" ")[-1][:4],
                                    "AAAA" if K10(c).split(" ")[-1][:4] != "AAAA" else "BBBB")]))
case("kept_other_signer", "bad_kept_checkpoint", "kept 10's text signed by key 2 instead of 1",
     kept(lambda c: [signed(cl.Chain(), 2, K10(c).split("\n\n")[0] + "\n")]))
case("kept_other_origin", "origin", "a kept note of another log",
     kept(lambda c: [signed(cl.Chain(b"other"), 0, cl.note_text(
         "transcript-vault/0123456789abcdef", 2, cl.b64(bytes(32)), 1, 0,
         cl.b64(cl.Chain(b"other").public(1))))]))
case("kept_text_altered", "fork", "kept 10 with its time changed, signature kept",
     kept(lambda c: [K10(c).replace("\ntime ", "\ntime 1", 1)]))
case("kept_beyond_log", "truncated", "a kept note of size 50, signed by key 1",
     kept(lambda c: [signed(c.chain, 1, cl.note_text(c.origin, 50, cl.b64(bytes(32)), 1, 1,
                                                     cl.b64(c.chain.public(2))))]))
case("kept_not_a_checkpoint", "fork", "a kept note of size 5 (record 5 is an access)",
     kept(lambda c: [signed(c.chain, 1, cl.note_text(c.origin, 5, cl.b64(c.base.hashes[4]),
                                                     c.at(c.seed, 5).time, 1,
                                                     cl.b64(c.chain.public(2))))]))


def rewritten(first_seq):
    def make(c):
        segs = c.segs()
        r = c.at(segs, first_seq)
        r.payload = r.payload.replace(b'"ok"', b'"no"')
        return (c.build(segs).files, [c.base.notes[10]])
    return make


case("kept_log_rewritten_before", "fork", "record 5 rewritten and re-signed; kept 10",
     rewritten(5))
case("kept_log_rewritten_after", "ok", "record 13 rewritten and re-signed; kept 10 still holds",
     rewritten(13))
