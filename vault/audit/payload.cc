#include "vault/audit/payload.h"

namespace vault::audit {
namespace {

using Kind = JsonValue::Kind;

class Checker {
 public:
  Checker(const JsonValue& o, std::string* why) : o_(o), why_(why) {}

  const JsonValue* Need(std::string_view name, Kind kind) {
    const JsonValue* v = o_.Find(name);
    if (v == nullptr) return Fail(name, "is missing");
    if (v->kind != kind) return Fail(name, "has the wrong type");
    return v;
  }
  // Present with `kind`, or absent (then nullptr and no failure).
  const JsonValue* Optional(std::string_view name, Kind kind) {
    const JsonValue* v = o_.Find(name);
    if (v != nullptr && v->kind != kind) return Fail(name, "has the wrong type");
    return v;
  }
  bool Unsigned(std::string_view name, uint64_t min, uint64_t max, uint64_t* out,
                bool optional = false) {
    const JsonValue* v = o_.Find(name);
    if (v == nullptr) {
      if (!optional) Fail(name, "is missing");
      return optional;
    }
    if (!JsonUnsigned(*v, min, max, out)) {
      Fail(name, "is not an integer from " + std::to_string(min) + " to " + std::to_string(max));
      return false;
    }
    return true;
  }
  bool failed() const { return failed_; }

 private:
  std::nullptr_t Fail(std::string_view name, const std::string& what) {
    if (!failed_) *why_ = "member " + std::string(name) + " " + what;
    failed_ = true;
    return nullptr;
  }
  const JsonValue& o_;
  std::string* why_;
  bool failed_ = false;
};

bool AllStrings(const std::vector<JsonValue>& items) {
  for (const auto& v : items) {
    if (!v.is_string()) return false;
  }
  return true;
}

bool Access(const JsonValue& o, std::string* why) {
  Checker c(o, why);
  if (const JsonValue* actor = c.Need("actor", Kind::kObject)) {
    Checker a(*actor, why);
    uint64_t uid;
    a.Unsigned("uid", 0, 0xffffffffu, &uid);
    a.Need("role", Kind::kString);
    a.Optional("officer", Kind::kString);
    if (a.failed()) {
      *why = "actor: " + *why;
      return false;
    }
  }
  c.Need("action", Kind::kString);
  const JsonValue* objects = c.Need("objects", Kind::kArray);
  c.Need("outcome", Kind::kString);
  c.Optional("request", Kind::kString);
  const JsonValue* details = c.Optional("details", Kind::kObject);
  if (c.failed()) return false;
  if (!AllStrings(objects->items)) {
    *why = "member objects holds something other than a string";
    return false;
  }
  if (details != nullptr) {
    for (const auto& m : details->members) {
      if (!m.second.is_string()) {
        *why = "member details." + m.first + " is not a string";
        return false;
      }
    }
  }
  return true;
}

}  // namespace

bool ValidOrigin(std::string_view origin) {
  constexpr std::string_view kPrefix = "transcript-vault/";
  if (origin.size() != kPrefix.size() + 16 || origin.substr(0, kPrefix.size()) != kPrefix) {
    return false;
  }
  for (char c : origin.substr(kPrefix.size())) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool CheckPayload(RecordType type, std::string_view payload, Payload* out, std::string* why) {
  std::string err;
  if (!ParseStrictJson(payload, &out->json, &err)) {
    *why = "payload is not JSON (" + err + ")";
    return false;
  }
  if (!out->json.is_object()) {
    *why = "payload is not a JSON object";
    return false;
  }
  const JsonValue& o = out->json;
  Checker c(o, why);
  switch (type) {
    case RecordType::kGenesis: {
      const JsonValue* origin = c.Need("origin", Kind::kString);
      const JsonValue* key = c.Need("key", Kind::kString);
      uint64_t interval = 0;
      c.Unsigned("checkpoint_interval_ms", 1, kMaxCheckpointIntervalMs, &interval);
      if (c.failed()) return false;
      if (!ValidOrigin(origin->text)) {
        *why = "member origin is not transcript-vault/ and 16 hex digits";
        return false;
      }
      if (!ParsePublicKey(key->text, &out->key)) {
        *why = "member key is not the canonical base64 of 32 bytes";
        return false;
      }
      out->origin = origin->text;
      out->interval_ms = static_cast<int64_t>(interval);
      return true;
    }
    case RecordType::kSegment:
      return c.Unsigned("segment", 1, kMaxSegmentNumber, &out->segment);
    case RecordType::kAccess:
      return Access(o, why);
    case RecordType::kCheckpoint: {
      const JsonValue* note = c.Need("note", Kind::kString);
      if (note == nullptr) return false;
      out->note = note->text;
      return true;
    }
    case RecordType::kStart: {
      const JsonValue* stop = c.Need("previous_stop", Kind::kString);
      c.Need("version", Kind::kString);
      if (c.failed()) return false;
      if (stop->text != "clean" && stop->text != "crash") {
        *why = "member previous_stop is neither clean nor crash";
        return false;
      }
      return true;
    }
    case RecordType::kRecovery: {
      uint64_t n;
      c.Unsigned("cut_bytes", 0, kMaxRecordBytes, &n);
      c.Need("reason", Kind::kString);
      c.Unsigned("removed_segment", 1, kMaxSegmentNumber, &n, /*optional=*/true);
      return !c.failed();
    }
    case RecordType::kStop:
      return true;
  }
  *why = "unknown record type";
  return false;
}

}  // namespace vault::audit
