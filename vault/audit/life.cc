#include "vault/audit/life.h"

#include <charconv>
#include <fstream>
#include <iterator>
#include <set>

#include "vault/audit/access_record.h"
#include "vault/audit/json_strict.h"
#include "vault/audit/payload.h"
#include "vault/audit/record.h"
#include "vault/audit/recovery.h"
#include "vault/common/time_format.h"

namespace vault::audit {
namespace {

// An access record, and whether it names transcript `id`.
struct Access : AccessRecord {
  bool Names(std::string_view id) const {
    for (const auto& o : objects) {
      if (o == id) return true;
    }
    // request.file and transcript.unseal list their transcripts here.
    const std::string list = "," + Detail("transcripts") + ",";
    return list.find("," + std::string(id) + ",") != std::string::npos;
  }
};

bool ReadAccess(std::string_view payload, Access* a) { return ReadAccessRecord(payload, a); }

std::optional<uint64_t> Number(const std::string& s) {
  uint64_t n = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return n;
}

std::string Line(const Access& a) {
  std::string out = a.action + " " + a.outcome + " by uid " + a.uid + " (" + a.role + ")";
  if (!a.officer.empty()) out += " officer " + a.officer;
  for (const auto& [k, v] : a.details) {
    if (k == "pid" || k == "gid") continue;
    out += " " + k + "=" + v;
  }
  return out;
}

class Reader {
 public:
  Reader(std::string_view id, uint64_t records) {
    r_.id = std::string(id);
    r_.records = records;
  }

  void Record(uint64_t seq, UnixMillis t, const Access& a) {
    const bool names = a.Names(r_.id);
    const bool ok = a.outcome == "ok";
    if (names) {
      r_.events.push_back({seq, t, Line(a)});
      if (ok) Apply(seq, t, a);
      return;
    }
    if (a.action == "case.release" && ok && cases_.count(a.Detail("case"))) {
      r_.events.push_back({seq, t, Line(a)});
      return;
    }
    if (!r_.key_epoch || r_.held.has_value() != r_.released.has_value() || Gone()) return;
    if (a.action == "retention.shred" && ok && Number(a.Detail("epoch")) == r_.key_epoch) {
      r_.events.push_back({seq, t, Line(a) + " (its key's epoch)"});
    }
    if (a.action == "retention.advance" && ok) {
      const std::optional<uint64_t> to = Number(a.Detail("to_epoch"));
      if (to && *to > *r_.key_epoch) {
        r_.key_destroyed = LifeMark{seq, t, "retention.advance to epoch " + std::to_string(*to) +
                                                ": epoch " + std::to_string(*r_.key_epoch) +
                                                " and every epoch below it destroyed"};
        r_.events.push_back({seq, t, Line(a) + " (its key destroyed)"});
      }
    }
  }

  LifeReport Finish() {
    if (r_.events.empty()) {
      r_.fate = "not in the log";
    } else if (r_.erased) {
      r_.fate = "erased";
    } else if (r_.key_destroyed) {
      r_.fate = "key destroyed";
    } else if (r_.held && !r_.released) {
      r_.fate = "held";
    } else {
      r_.fate = "live";
    }
    return std::move(r_);
  }

 private:
  bool Gone() const { return r_.erased.has_value() || r_.key_destroyed.has_value(); }

  void KeyFacts(const Access& a) {
    if (auto e = Number(a.Detail("key_epoch"))) r_.key_epoch = e;
    if (!a.Detail("expires_at").empty()) r_.expires_at = a.Detail("expires_at");
  }

  void Apply(uint64_t seq, UnixMillis t, const Access& a) {
    const std::string facts = a.Detail("key_epoch").empty()
                                  ? std::string("key epoch not recorded")
                                  : "key epoch " + a.Detail("key_epoch") + ", expires " +
                                        a.Detail("expires_at");
    if (a.action == "transcript.open" && !r_.opened) {
      r_.opened = LifeMark{seq, t, facts};
      KeyFacts(a);
    } else if (a.action == "transcript.close" && !r_.closed) {
      r_.closed = LifeMark{seq, t, (a.Detail("reason") == "idle" ? "idle, " : "") + facts};
      KeyFacts(a);
    } else if (a.action == "transcript.rewrap") {
      KeyFacts(a);
    } else if (a.action == "hold.place") {
      if (!r_.held) r_.held = LifeMark{seq, t, "case " + a.Detail("case")};
      cases_.insert(a.Detail("case"));
    } else if (a.action == "transcript.release") {
      if (a.Detail("fate") == "destroyed") {
        r_.key_destroyed = LifeMark{seq, t, "released after its retention had passed: purged"};
      } else {
        KeyFacts(a);
      }
      r_.released = LifeMark{seq, t, a.Detail("fate")};
    } else if (a.action == "transcript.erase" && a.Detail("already").empty() && !r_.erased) {
      r_.erased = LifeMark{seq, t, "its key and records destroyed"};
    }
  }

  LifeReport r_;
  std::set<std::string> cases_;
};

std::string Mark(const char* what, const std::optional<LifeMark>& m) {
  if (!m) return "";
  return std::string("  ") + what + ": record " + std::to_string(m->seq) + " at " +
         FormatRfc3339(m->time) + " (" + m->note + ")\n";
}

}  // namespace

StatusOr<LifeReport> TranscriptLife(const std::string& dir, std::string_view id,
                                    uint64_t records) {
  bool hex = id.size() == 32;
  for (char c : id) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  if (!hex) return Status::InvalidArgument("a transcript id is 32 lowercase hex digits");
  Reader reader(id, records);
  VAULT_RETURN_IF_ERROR(ForEachRecord(dir, records, [&](const Record& r) {
    Access a;
    if (r.type == RecordType::kAccess && ReadAccess(r.payload, &a)) {
      reader.Record(r.seq, r.time_ms, a);
    }
  }));
  return reader.Finish();
}

std::string LifeText(const LifeReport& r) {
  std::string out = "transcript " + r.id + ", from records 0.." +
                    std::to_string(r.records == 0 ? 0 : r.records - 1) + " of a verified log\n";
  if (r.events.empty()) return out + "  no record names it\n";
  out += "  fate: " + r.fate + "\n";
  out += Mark("opened", r.opened);
  out += Mark("closed", r.closed);
  out += Mark("held", r.held);
  out += Mark("released", r.released);
  out += Mark("erased", r.erased);
  out += Mark("key destroyed", r.key_destroyed);
  if (r.fate == "held") {
    out += "  key: sealed for the case, outside epoch expiry" +
           (r.key_epoch ? " (epoch " + std::to_string(*r.key_epoch) + " before the hold)"
                        : std::string()) +
           "; not destroyed by record " + std::to_string(r.records - 1) + "\n";
  } else if (r.fate == "live") {
    out += "  key: " +
           (r.key_epoch ? "epoch " + std::to_string(*r.key_epoch) + ", not destroyed by record " +
                              std::to_string(r.records - 1)
                        : std::string("epoch not recorded")) +
           (r.expires_at.empty() ? "" : ", expires " + r.expires_at) + "\n";
  }
  out += "  records:\n";
  for (const LifeEvent& e : r.events) {
    out += "    " + std::to_string(e.seq) + " " + FormatRfc3339(e.time) + " " + e.text + "\n";
  }
  return out;
}

bool ReadAccessRecord(std::string_view payload, AccessRecord* a) {
  Payload p;
  std::string why;
  if (!CheckPayload(RecordType::kAccess, payload, &p, &why)) return false;
  const JsonValue& actor = *p.json.Find("actor");
  a->uid = actor.Find("uid")->text;
  a->role = actor.Find("role")->text;
  if (const JsonValue* o = actor.Find("officer")) a->officer = o->text;
  a->action = p.json.Find("action")->text;
  a->outcome = p.json.Find("outcome")->text;
  for (const JsonValue& o : p.json.Find("objects")->items) a->objects.push_back(o.text);
  if (const JsonValue* d = p.json.Find("details")) {
    for (const auto& [k, v] : d->members) a->details.emplace_back(k, v.text);
  }
  return true;
}

Status ForEachRecord(const std::string& dir, uint64_t records,
                     const std::function<void(const Record&)>& fn) {
  uint64_t seq = 0;
  for (uint64_t n : ListSegments(dir)) {
    std::ifstream in(SegmentFilePath(dir, n), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string_view rest = bytes;
    while (!rest.empty() && seq < records) {
      Record r;
      Hash h;
      size_t used = 0;
      std::string why;
      if (DecodeRecord(rest, &r, &h, &used, &why) != ParseResult::kOk) {
        return Status::Corruption("audit segment " + std::to_string(n) + " is damaged: " + why);
      }
      rest.remove_prefix(used);
      seq = r.seq + 1;
      fn(r);
    }
  }
  return Status::OK();
}

}  // namespace vault::audit
