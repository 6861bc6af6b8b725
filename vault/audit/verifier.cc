#include "vault/audit/verifier.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "vault/audit/payload.h"
#include "vault/audit/recovery.h"
#include "vault/common/encoding.h"
#include "vault/crypto/secret.h"

namespace vault::audit {
namespace {

struct Kept {
  CheckpointNote note;
  std::string text;  // canonical form
  std::string name;  // for messages
};

// A kept note as its signer wrote it: a file saved on another system may end
// its lines in CRLF and may end in no newline or in several; the signature
// covers neither, so both are normalised. Anything else must match exactly.
std::string CanonicalKeptNote(std::string_view in) {
  std::string out;
  out.reserve(in.size() + 1);
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '\r' && i + 1 < in.size() && in[i + 1] == '\n') continue;
    out.push_back(in[i]);
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  out.push_back('\n');
  return out;
}

// The signed text of a note: everything up to and including the newline
// before the first empty line.
std::string NoteTextPart(std::string_view note) {
  const size_t blank = note.find("\n\n");
  return std::string(blank == std::string_view::npos ? note : note.substr(0, blank + 1));
}

// "800 ms", "1.500 s", "125.000 s": exact to the millisecond.
std::string DurationText(int64_t ms) {
  if (ms < 1000 && ms > -1000) return std::to_string(ms) + " ms";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%lld.%03lld s", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000 < 0 ? -(ms % 1000) : ms % 1000));
  return buf;
}

class Verifier {
 public:
  Verifier(const std::string& dir, const VerifyOptions& o) : dir_(dir), opts_(o) {}

  VerifyReport Run() {
    if (!InitCrypto().ok()) return Fail("internal", "libsodium failed to initialise");
    std::vector<Kept> kept;
    for (size_t i = 0; i < opts_.kept_checkpoints.size(); ++i) {
      const std::string name = i < opts_.kept_checkpoint_names.size()
                                   ? opts_.kept_checkpoint_names[i]
                                   : "#" + std::to_string(i + 1);
      const std::string text = CanonicalKeptNote(opts_.kept_checkpoints[i]);
      auto n = ParseNoteText(text);
      if (!n.ok()) {
        return Fail("bad_kept_checkpoint", "kept checkpoint " + name +
                                               " is not a well-formed checkpoint (" +
                                               n.status().message() + ")");
      }
      kept.push_back({*n, text, name});
      want_note_.insert(n->size);
    }
    const std::vector<uint64_t> segs = ListSegments(dir_);
    if (segs.empty()) return Fail("empty", "no audit segment files in " + dir_);
    if (segs.front() == 0) {
      return Fail("segment_name", "audit-00000000.log is not a segment: segments are numbered "
                                  "from 1, and no writer makes this file");
    }
    for (size_t i = 0; i < segs.size(); ++i) {
      if (segs[i] != i + 1) {
        return Fail("segment_missing", "segment " + std::to_string(i + 1) + " is missing");
      }
    }
    keys_.push_back(opts_.pinned_key);
    for (uint64_t n : segs) {
      if (!Segment(n, n == segs.back())) return report_;
      ++report_.segments;
    }
    if (report_.records == 0) return Fail("empty", "the audit log holds no records");
    for (const Kept& k : kept) {
      if (!CheckKept(k)) return report_;
    }
    report_.next_key_index = keys_.size() - 1;
    report_.kept_checkpoints = kept.size();
    report_.ok = true;
    return report_;
  }

 private:
  VerifyReport Fail(const std::string& code, const std::string& msg) {
    report_.ok = false;
    report_.error_code = code;
    report_.error = msg;
    return report_;
  }
  bool FailAt(const std::string& code, const std::string& msg) {
    report_.bad_seq = static_cast<int64_t>(report_.records);
    report_.bad_segment = seg_;
    report_.bad_offset = off_;
    Fail(code, "record " + std::to_string(report_.records) + " (segment " + std::to_string(seg_) +
                   ", offset " + std::to_string(off_) + "): " + msg);
    return false;
  }

  bool Segment(uint64_t n, bool newest) {
    seg_ = n;
    std::ifstream in(SegmentFilePath(dir_, n), std::ios::binary | std::ios::ate);
    std::string bytes(static_cast<size_t>(std::max<std::streamoff>(in.tellg(), 0)), '\0');
    in.seekg(0);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::string_view rest = bytes;
    off_ = 0;
    bool first = true;
    while (!rest.empty()) {
      // A record cut short is a torn tail only at the very end of the newest
      // segment; in an older one it is damage (section 8.4).
      if (rest.size() < 4) return Cut(newest, "the segment ends inside a record header");
      const uint32_t len = GetU32(rest.data());
      if (len < kBodyHeaderBytes || len > kBodyHeaderBytes + kMaxPayloadBytes) {
        return FailAt("bad_length", "record length " + std::to_string(len) + " is out of range");
      }
      if (rest.size() < 4 + size_t{len} + kHashBytes) {
        return Cut(newest, "the segment ends inside a record");
      }
      const std::string_view body = rest.substr(4, len);
      const Hash h = HashBody(body);
      if (std::memcmp(h.data(), rest.data() + 4 + len, kHashBytes) != 0) {
        return FailAt("hash_mismatch", "the record's hash does not match its contents");
      }
      if (!Record1(body, h, n, first)) return false;
      first = false;
      const size_t used = 4 + len + kHashBytes;
      rest.remove_prefix(used);
      off_ += used;
    }
    if (first && newest) {
      // A rotation (or the first start) created the file and the crash came
      // before its first record was durable: a torn write, like a partial
      // record. The daemon removes the file at its next start.
      return FailAt("torn", "the newest segment " + std::to_string(n) +
                                " is empty (a crash during rotation, or a copy taken then)");
    }
    if (first) return FailAt("empty_segment", "segment " + std::to_string(n) + " is empty");
    return true;
  }

  bool Cut(bool newest, const std::string& what) {
    if (newest) return FailAt("torn", what);
    return FailAt("segment_cut", what + ", and it is not the newest segment");
  }

  bool Record1(std::string_view body, const Hash& h, uint64_t segment, bool first_in_segment) {
    const uint64_t expect_seq = report_.records;
    if (static_cast<uint8_t>(body[0]) != kRecordVersion) return FailAt("bad_version", "unknown version");
    const uint8_t type_byte = static_cast<uint8_t>(body[1]);
    if (type_byte < 1 || type_byte > 7) return FailAt("bad_type", "unknown record type");
    const auto type = static_cast<RecordType>(type_byte);
    const uint64_t seq = GetU64(body.data() + 2);
    const auto t = static_cast<UnixMillis>(GetU64(body.data() + 10));
    if (seq != expect_seq) {
      return FailAt("seq", "sequence number " + std::to_string(seq) + " where " +
                               std::to_string(expect_seq) + " was expected (records deleted, "
                               "inserted, reordered or duplicated)");
    }
    if (std::memcmp(body.data() + 18, prev_.data(), kHashBytes) != 0) {
      return FailAt("chain_broken", "the record does not link to its predecessor");
    }
    if (expect_seq > 0 && t < report_.last_time) return FailAt("time_order", "time goes backwards");
    const std::string_view payload = body.substr(kBodyHeaderBytes);
    // Structure: genesis first, a segment record first in every later
    // segment, and neither anywhere else.
    const bool want_genesis = expect_seq == 0;
    const bool want_segment = !want_genesis && first_in_segment;
    if ((type == RecordType::kGenesis) != want_genesis) {
      return FailAt("structure", want_genesis ? "the log does not begin with a genesis record"
                                              : "a genesis record in the middle of the log");
    }
    if ((type == RecordType::kSegment) != want_segment) {
      return FailAt("structure", want_segment ? "segment does not begin with a segment record "
                                                "(segments removed, swapped or replayed)"
                                              : "a segment record in the middle of a segment");
    }
    Payload p;
    std::string why;
    if (!CheckPayload(type, payload, &p, &why)) return FailAt("bad_payload", why);
    switch (type) {
      case RecordType::kGenesis:
        if (p.key != opts_.pinned_key) {
          return FailAt("unknown_key", "the log was not started with the pinned public key");
        }
        report_.origin = p.origin;
        interval_ms_ = p.interval_ms;
        report_.first_time = t;
        break;
      case RecordType::kSegment:
        if (p.segment != segment) {
          return FailAt("structure", "segment record names segment " + std::to_string(p.segment) +
                                         " in file " + std::to_string(segment));
        }
        break;
      case RecordType::kStart:
        ++report_.restarts;
        restarted_since_checkpoint_ = true;
        break;
      case RecordType::kRecovery:
        ++report_.recoveries;
        break;
      case RecordType::kCheckpoint:
        if (!Checkpoint(p.note, seq, t)) return false;
        if (want_note_.count(seq)) notes_[seq] = NoteTextPart(p.note);
        break;
      default:
        break;
    }
    prev_ = h;
    report_.last_time = t;
    report_.records = seq + 1;
    return true;
  }

  bool Checkpoint(const std::string& note_text, uint64_t seq, UnixMillis t) {
    const uint64_t index = keys_.size() - 1;
    auto note = VerifyNote(note_text, keys_.back());
    if (!note.ok()) {
      const std::string why = note.status().reason() == "unknown_key"
                                  ? "is not signed by key " + std::to_string(index) +
                                        " of the chain (an unknown or later key)"
                                  : note.status().message();
      return FailAt(note.status().reason(), "checkpoint " + why);
    }
    if (note->origin != report_.origin) return FailAt("origin", "checkpoint names another log");
    if (note->key_index != index) {
      return FailAt("key_index", "checkpoint claims key " + std::to_string(note->key_index) +
                                     " but key " + std::to_string(index) + " signed it");
    }
    if (note->size != seq) {
      return FailAt("size", "checkpoint size " + std::to_string(note->size) +
                                " does not match its position " + std::to_string(seq));
    }
    if (note->head != prev_) return FailAt("head", "checkpoint head is not the chain head");
    if (note->time_ms != t) return FailAt("time", "checkpoint time differs from its record time");
    if (report_.checkpoints > 0 && t <= report_.last_checkpoint_time) {
      return FailAt("time_order", "checkpoint time does not increase");
    }
    const int64_t max_gap = opts_.max_gap_ms > 0 ? opts_.max_gap_ms : 2 * interval_ms_;
    // t > the previous checkpoint's time here, so the difference is exact
    // in 64 unsigned bits whatever the two times are.
    const uint64_t since =
        static_cast<uint64_t>(t) - static_cast<uint64_t>(report_.last_checkpoint_time);
    if (report_.checkpoints > 0 && !restarted_since_checkpoint_ &&
        since > static_cast<uint64_t>(max_gap)) {
      return FailAt("gap", "no checkpoint sealed the " +
                               DurationText(static_cast<int64_t>(std::min<uint64_t>(since, INT64_MAX))) +
                               " before this one (allowed: " + DurationText(max_gap) +
                               ") and the daemon did not restart in between");
    }
    keys_.push_back(note->next_key);
    ++report_.checkpoints;
    report_.sealed = seq;
    report_.last_checkpoint_time = t;
    restarted_since_checkpoint_ = false;
    return true;
  }

  bool CheckKept(const Kept& k) {
    const std::string which =
        "the kept checkpoint " + k.name + " (size " + std::to_string(k.note.size) + ")";
    if (k.note.origin != report_.origin) {
      Fail("origin", which + " belongs to another log (" + k.note.origin + ")");
      return false;
    }
    // A kept checkpoint covers the records it seals and its own checkpoint
    // record: records 0 .. K.size.
    if (k.note.size >= report_.records) {
      Fail("truncated", "the log holds " + std::to_string(report_.records) + " records but " +
                            which + " covers " + std::to_string(k.note.size + 1) +
                            " (records 0.." + std::to_string(k.note.size) +
                            "): the log was truncated");
      return false;
    }
    auto it = notes_.find(k.note.size);
    if (it == notes_.end() || it->second != NoteTextPart(k.text)) {
      Fail("fork", which + " is not the checkpoint record " + std::to_string(k.note.size) +
                       " of this log: the log was rewritten after it was signed");
      return false;
    }
    auto v = VerifyNote(k.text, keys_[k.note.key_index]);
    if (!v.ok()) {
      // The log holds this very note, signed: the kept copy was altered.
      Fail("bad_kept_checkpoint", which + " is a malformed checkpoint or was altered after it "
                                          "was signed: " + v.status().message());
      return false;
    }
    return true;
  }

  const std::string dir_;
  const VerifyOptions& opts_;
  VerifyReport report_;
  std::vector<PublicKey> keys_;  // keys_[i] = public key i
  Hash prev_{};
  uint64_t seg_ = 0;
  uint64_t off_ = 0;
  int64_t interval_ms_ = 60000;
  bool restarted_since_checkpoint_ = false;
  std::set<uint64_t> want_note_;             // sizes of the kept checkpoints
  std::map<uint64_t, std::string> notes_;  // their seq -> the log's note text
};

}  // namespace

VerifyReport VerifyDirectory(const std::string& dir, const VerifyOptions& options) {
  return Verifier(dir, options).Run();
}

}  // namespace vault::audit
