#include "vault/audit/verifier.h"

#include <dirent.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>

#include "vault/common/encoding.h"
#include "vault/crypto/secret.h"

namespace vault::audit {
namespace {

namespace json = boost::json;

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
      want_hash_.insert(n->size);
    }
    const std::vector<uint64_t> segs = ListSegments();
    if (segs.empty()) return Fail("empty", "no audit segment files in " + dir_);
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

  std::vector<uint64_t> ListSegments() {
    std::vector<uint64_t> out;
    if (DIR* d = ::opendir(dir_.c_str())) {
      while (dirent* e = ::readdir(d)) {
        unsigned long long n = 0;
        char tail = 0;
        if (std::strlen(e->d_name) == 18 &&
            std::sscanf(e->d_name, "audit-%8llu.lo%c", &n, &tail) == 2 && tail == 'g' && n > 0) {
          out.push_back(n);
        }
      }
      ::closedir(d);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  std::string Path(uint64_t n) {
    char name[32];
    std::snprintf(name, sizeof name, "/audit-%08llu.log", static_cast<unsigned long long>(n));
    return dir_ + name;
  }

  bool Segment(uint64_t n, bool newest) {
    seg_ = n;
    std::ifstream in(Path(n), std::ios::binary | std::ios::ate);
    std::string bytes(static_cast<size_t>(std::max<std::streamoff>(in.tellg(), 0)), '\0');
    in.seekg(0);
    in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    std::string_view rest = bytes;
    off_ = 0;
    bool first = true;
    while (!rest.empty()) {
      if (rest.size() < 4) return FailAt("torn", "the segment ends inside a record header");
      const uint32_t len = GetU32(rest.data());
      if (len < kBodyHeaderBytes || len > kBodyHeaderBytes + kMaxPayloadBytes) {
        return FailAt("bad_length", "record length " + std::to_string(len) + " is out of range");
      }
      if (rest.size() < 4 + size_t{len} + kHashBytes) {
        return FailAt("torn", "the segment ends inside a record");
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
    json::value pj;
    if (type != RecordType::kAccess) {
      boost::system::error_code ec;
      pj = json::parse(payload, ec);
      if (ec || !pj.is_object()) return FailAt("bad_payload", "payload is not a JSON object");
    }
    try {
      switch (type) {
        case RecordType::kGenesis: {
          PublicKey k;
          if (!ParsePublicKey(std::string_view(pj.at("key").as_string()), &k) ||
              k != opts_.pinned_key) {
            return FailAt("unknown_key", "the log was not started with the pinned public key");
          }
          report_.origin = std::string(std::string_view(pj.at("origin").as_string()));
          interval_ms_ = pj.at("checkpoint_interval_ms").to_number<int64_t>();
          if (report_.origin.empty() || interval_ms_ <= 0 || interval_ms_ > kMaxIntervalMs) {
            return FailAt("bad_payload", "genesis origin or checkpoint interval is out of range");
          }
          report_.first_time = t;
          break;
        }
        case RecordType::kSegment:
          if (pj.at("segment").to_number<uint64_t>() != segment) {
            return FailAt("structure", "segment record names segment " +
                                           std::to_string(pj.at("segment").to_number<uint64_t>()) +
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
          if (!Checkpoint(std::string(std::string_view(pj.at("note").as_string())), seq, t)) {
            return false;
          }
          break;
        default:
          break;
      }
    } catch (const std::exception&) {
      return FailAt("bad_payload", "a required payload field is missing or has the wrong type");
    }
    if (want_hash_.count(seq + 1)) hashes_[seq + 1] = h;
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
    if (report_.checkpoints > 0 && !restarted_since_checkpoint_ &&
        t - report_.last_checkpoint_time > max_gap) {
      return FailAt("gap", "no checkpoint sealed the " +
                               DurationText(t - report_.last_checkpoint_time) +
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
    if (k.note.size > report_.records || k.note.key_index >= keys_.size()) {
      Fail("truncated", "the log holds " + std::to_string(report_.records) + " records but " +
                            which + " covers " + std::to_string(k.note.size) +
                            ": the log was truncated");
      return false;
    }
    auto v = VerifyNote(k.text, keys_[k.note.key_index]);
    if (!v.ok() && v.status().reason() == "unknown_key") {
      // This log's key k.note.key_index is not the one that signed it.
      Fail("fork", which + " is not signed by key " + std::to_string(k.note.key_index) +
                       " of this log: the log holds another key chain");
      return false;
    }
    if (!v.ok()) {
      // Signed by this log's key, but not these bytes (or not parseable): the
      // kept file is damaged, which says nothing about the log.
      Fail("bad_kept_checkpoint", which + " is a malformed checkpoint or was altered after it "
                                          "was signed: " + v.status().message());
      return false;
    }
    auto it = hashes_.find(k.note.size);
    const Hash head = k.note.size == 0 ? Hash{} : it->second;
    if (head != k.note.head) {
      Fail("fork", which + " has a different head: the log was rewritten after it was signed");
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
  static constexpr int64_t kMaxIntervalMs = int64_t{1} << 50;  // no overflow in 2 * interval
  int64_t interval_ms_ = 60000;
  bool restarted_since_checkpoint_ = false;
  std::set<uint64_t> want_hash_;
  std::map<uint64_t, Hash> hashes_;  // size -> hash of record size-1
};

}  // namespace

VerifyReport VerifyDirectory(const std::string& dir, const VerifyOptions& options) {
  return Verifier(dir, options).Run();
}

}  // namespace vault::audit
