"""Corpus cases, continued: payload JSON and members, notes, kept checkpoints."""
from corpus_cases import (A, W68, acc, case, cl, extra, foreign, hooked, at_cp, kept,
                          malleate, flip_sig, noncanon, payload, rep, set_time)

# The JSON dialect of payloads (section 5.2), on access record 33.
case("json_not_json", "bad_payload", "access payload 'hello'", acc(lambda t: "hello"))
case("json_empty", "bad_payload", "access payload empty", acc(lambda t: ""))
case("json_array", "bad_payload", "access payload [1]", acc(lambda t: "[1]"))
case("json_string", "bad_payload", "access payload a JSON string", acc(lambda t: '"x"'))
case("json_number", "bad_payload", "access payload 1", acc(lambda t: "1"))
case("json_null", "bad_payload", "access payload null", acc(lambda t: "null"))
case("json_nan", "bad_payload", "an unknown member NaN", extra("NaN"))
case("json_infinity", "bad_payload", "an unknown member Infinity", extra("Infinity"))
case("json_minus_infinity", "bad_payload", "an unknown member -Infinity", extra("-Infinity"))
case("json_duplicate_member", "bad_payload", "action twice",
     acc(rep('"action":', '"action":"transcript.close","action":')))
case("json_duplicate_nested", "bad_payload", "details.pid twice",
     acc(rep('"details":{', '"details":{"pid":"1",')))
case("json_duplicate_escaped", "bad_payload", "details names pid and \\u0070id",
     acc(rep('"details":{', '"details":{"\\u0070id":"1",')))
case("json_trailing_comma", "bad_payload", "a comma before the final brace",
     acc(lambda t: t[:-1] + ",}"))
case("json_comment", "bad_payload", "a /* comment */", acc(lambda t: "/**/" + t))
case("json_single_quotes", "bad_payload", "a member name in single quotes",
     acc(rep('"action"', "'action'")))
case("json_bom", "bad_payload", "a UTF-8 byte order mark first", acc(lambda t: "\ufeff" + t))
case("json_invalid_utf8", "bad_payload", "byte 0xff in a string",
     lambda c: (c.with_payload(A, c.base_payload(A).encode().replace(b'"ok"', b'"o\xff"')),))
case("json_overlong_utf8", "bad_payload", "an overlong '/' (c0 af) in a string",
     lambda c: (c.with_payload(A, c.base_payload(A).encode().replace(b'"ok"', b'"o\xc0\xaf"')),))
case("json_encoded_surrogate", "bad_payload", "a UTF-8 encoded surrogate (ed a0 80)",
     lambda c: (c.with_payload(A, c.base_payload(A).encode().replace(b'"ok"', b'"o\xed\xa0\x80"')),))
case("json_lone_surrogate_escape", "bad_payload", "\\ud800 alone in a string",
     extra('"\\ud800"'))
case("json_lone_low_surrogate", "bad_payload", "\\udc00 alone in a member name",
     acc(rep('"details":{', '"details":{"\\udc00":"1",')))
case("json_surrogate_pair_escape", "ok", "\\ud83d\\ude00, a valid pair", extra('"\\ud83d\\ude00"'))
case("json_utf8_text", "ok", "raw UTF-8 (e-acute, emoji) in an unknown member",
     extra('"\u00e9\U0001f600"'))
case("json_control_character", "bad_payload", "a raw 0x01 in a string",
     acc(rep('"ok"', '"o\x01"')))
case("json_escapes", "ok", "every escape in an unknown member",
     extra('"\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u0000 \\u00E9"'))
case("json_bad_escape", "bad_payload", "the escape \\x41", extra('"\\x41"'))
case("json_whitespace", "ok", "whitespace around the object and its tokens",
     acc(lambda t: " \t\r\n" + t.replace(",", " ,\n ").replace(":", " : ") + "\n "))
case("json_unknown_members", "ok", "unknown members of every JSON type",
     extra('{"a":[1,-2.5e-10,0.0,1E+400,null,true,false,"s",{}],"b":[]}'))
case("json_depth_16", "ok", "an unknown member nested to depth 16", extra("[" * 15 + "]" * 15))
case("json_depth_17", "bad_payload", "an unknown member nested to depth 17",
     extra("[" * 16 + "]" * 16))
case("json_depth_5000", "bad_payload", "arrays nested 5,000 deep",
     extra("[" * 5000 + "]" * 5000))
case("json_trailing_data", "bad_payload", "x after the object", acc(lambda t: t + "x"))
case("json_two_objects", "bad_payload", "{} after the object", acc(lambda t: t + "{}"))
case("json_leading_zero", "bad_payload", "a number 01", extra("01"))
case("json_bare_minus", "bad_payload", "a number -", extra("-"))
case("json_fraction_dot", "bad_payload", "a number 1.", extra("1."))

# The members of an access payload (rule 12).
case("access_missing_actor", "bad_payload", "no actor",
     acc(rep('"actor":{"uid":1002,"role":"agent"},', "")))
case("access_actor_array", "bad_payload", "actor an array",
     acc(rep('{"uid":1002,"role":"agent"}', "[]")))
case("access_uid_string", "bad_payload", "uid \"1002\"", acc(rep('"uid":1002', '"uid":"1002"')))
case("access_uid_negative", "bad_payload", "uid -1", acc(rep('"uid":1002', '"uid":-1')))
case("access_uid_minus_zero", "bad_payload", "uid -0", acc(rep('"uid":1002', '"uid":-0')))
case("access_uid_fraction", "bad_payload", "uid 1002.0", acc(rep('"uid":1002', '"uid":1002.0')))
case("access_uid_exponent", "bad_payload", "uid 1.002e3", acc(rep('"uid":1002', '"uid":1.002e3')))
case("access_uid_too_big", "bad_payload", "uid 2^32", acc(rep('"uid":1002', '"uid":4294967296')))
case("access_uid_huge", "bad_payload", "uid 10^30",
     acc(rep('"uid":1002', '"uid":1000000000000000000000000000000')))
case("access_uid_max", "ok", "uid 2^32 - 1", acc(rep('"uid":1002', '"uid":4294967295')))
case("access_uid_zero", "ok", "uid 0", acc(rep('"uid":1002', '"uid":0')))
case("access_missing_role", "bad_payload", "no actor.role", acc(rep(',"role":"agent"', "")))
case("access_officer_null", "bad_payload", "actor.officer null",
     acc(rep('"role":"agent"', '"role":"agent","officer":null')))
case("access_officer_string", "ok", "actor.officer a string",
     acc(rep('"role":"agent"', '"role":"agent","officer":"alice"')))
case("access_missing_action", "bad_payload", "no action",
     acc(rep('"action":"transcript.close",', "")))
case("access_action_number", "bad_payload", "action 7",
     acc(rep('"action":"transcript.close"', '"action":7')))
case("access_objects_string", "bad_payload", "objects a string",
     acc(lambda t: t.replace('"objects":[', '"objects":"x","o":[', 1)))
case("access_objects_number_item", "bad_payload", "objects holds a number",
     acc(rep('"objects":[', '"objects":[1,')))
case("access_missing_outcome", "bad_payload", "no outcome", acc(rep('"outcome":"ok",', "")))
case("access_request_number", "bad_payload", "request a number",
     acc(lambda t: t.replace('"request":"', '"request":1,"r":"', 1)))
case("access_no_request_no_details", "ok", "only the required members",
     acc(lambda t: t[:t.index(',"request"')] + "}"))
case("access_details_number", "bad_payload", "details.pid a number",
     acc(lambda t: t.replace('"pid":"4022"', '"pid":4001', 1)))
case("access_details_array", "bad_payload", "details an array",
     acc(lambda t: t[:t.index('"details"')] + '"details":[]}'))

# Genesis, segment, start, stop and recovery payloads.
gen = lambda fn: payload(0, fn)  # noqa: E731
case("genesis_interval_fraction", "bad_payload", "checkpoint_interval_ms 60000.0",
     gen(rep(":60000", ":60000.0")))
case("genesis_interval_exponent", "bad_payload", "checkpoint_interval_ms 6e4",
     gen(rep(":60000", ":6e4")))
case("genesis_interval_zero", "bad_payload", "checkpoint_interval_ms 0", gen(rep(":60000", ":0")))
case("genesis_interval_string", "bad_payload", "checkpoint_interval_ms \"60000\"",
     gen(rep(":60000", ':"60000"')))
case("genesis_interval_max", "ok", "checkpoint_interval_ms 2^50",
     gen(rep(":60000", ":1125899906842624")))
case("genesis_interval_over_max", "bad_payload", "checkpoint_interval_ms 2^50 + 1",
     gen(rep(":60000", ":1125899906842625")))
case("genesis_origin_upper_hex", "bad_payload", "origin with upper-case hex",
     gen(lambda t: t[:t.index("transcript-vault/") + 17] + "ABCDEF0123456789" +
         t[t.index("transcript-vault/") + 33:]))
case("genesis_origin_short", "bad_payload", "origin with 15 hex digits",
     gen(lambda t: t[:t.index("transcript-vault/") + 32] + t[t.index("transcript-vault/") + 33:]))
case("genesis_missing_origin", "bad_payload", "no origin",
     gen(lambda t: '{' + t[t.index('"key"'):]))
case("genesis_key_noncanonical", "bad_payload", "key with nonzero padding bits",
     gen(lambda t: t.replace(t.split('"key":"')[1].split('"')[0],
                             noncanon(t.split('"key":"')[1].split('"')[0]))))
case("genesis_key_unpadded", "bad_payload", "key without its '=' padding",
     gen(lambda t: t.replace('=",', '",', 1)))
case("genesis_key_escaped_newline", "bad_payload", "key with \\n inside",
     gen(lambda t: t.replace('"key":"', '"key":"\\n', 1)))
case("genesis_key_other", "unknown_key", "a well-formed key that is not the pinned one",
     gen(lambda t: t.replace(t.split('"key":"')[1].split('"')[0], cl.b64(bytes(range(32))))))
case("genesis_duplicate_member", "bad_payload", "checkpoint_interval_ms twice",
     gen(lambda t: t[:-1] + ',"checkpoint_interval_ms":60000}'))
case("segment_number_string", "bad_payload", "segment \"2\"", payload(16, lambda t: '{"segment":"2"}'))
case("segment_number_fraction", "bad_payload", "segment 2.0", payload(16, lambda t: '{"segment":2.0}'))
case("segment_number_zero", "bad_payload", "segment 0", payload(16, lambda t: '{"segment":0}'))
case("segment_number_unknown_member", "ok", "segment record with an unknown member",
     payload(16, lambda t: '{"segment":2,"x":[]}'))
case("start_previous_stop_other", "bad_payload", "previous_stop \"unknown\"",
     payload(21, rep('"clean"', '"unknown"')))
case("start_missing_version", "bad_payload", "no version",
     payload(21, lambda t: '{"previous_stop":"clean"}'))
case("stop_array", "bad_payload", "stop payload []", payload(19, lambda t: "[]"))
case("stop_members", "ok", "stop payload with unknown members", payload(19, lambda t: '{"a":1}'))
def insert_recovery(text):
    """A recovery record with payload `text` before start 21, re-signed."""
    def make(c):
        segs = c.segs()
        start = c.at(segs, 21)
        seg = next(s for s in segs if start in s)
        seg.insert(seg.index(start), cl.Record(6, 0, start.time, bytes(32), text.encode()))
        return (c.build(segs).files,)
    return make


case("recovery_valid", "ok", "a recovery record before start 21",
     insert_recovery('{"cut_bytes":16470,"reason":"x","removed_segment":99999999}'))
case("recovery_cut_negative", "bad_payload", "cut_bytes -1",
     insert_recovery('{"cut_bytes":-1,"reason":"x"}'))
case("recovery_cut_too_big", "bad_payload", "cut_bytes 16,471",
     insert_recovery('{"cut_bytes":16471,"reason":"x"}'))
case("recovery_removed_zero", "bad_payload", "removed_segment 0",
     insert_recovery('{"cut_bytes":0,"reason":"x","removed_segment":0}'))
case("recovery_missing_reason", "bad_payload", "no reason",
     insert_recovery('{"cut_bytes":0}'))


def as_recovery(c):
    segs = c.segs()
    c.at(segs, 21).typ = 6
    c.at(segs, 21).payload = b'{"cut_bytes":0,"reason":"empty final segment"}'
    return (c.build(segs).files,)


case("recovery_record", "gap", "start 21 typed recovery: the 10-minute gap is not excused",
     as_recovery)
case("checkpoint_note_missing", "bad_payload", "checkpoint 10's payload {}",
     payload(10, lambda t: "{}"))
case("checkpoint_note_number", "bad_payload", "checkpoint 10's note 1",
     payload(10, lambda t: '{"note":1}'))

import corpus_cases_notes  # noqa: E402,F401
