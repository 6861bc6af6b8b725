#include "vault/wire/safeguard_json.h"

#include <boost/json.hpp>
#include <optional>

#include "vault/common/encoding.h"
#include "vault/common/time_format.h"
#include "vault/wire/json_util.h"
#include "vault/wire/response_json.h"

namespace vault::wire {
namespace {

namespace json = boost::json;

constexpr size_t kMaxRequestTranscripts = 100;

StatusOr<std::string> RequiredBase64(const json::object& o, std::string_view key, size_t max) {
  VAULT_ASSIGN_OR_RETURN(std::string text, RequiredString(o, key));
  std::string raw;
  if (text.size() > max * 2 || !FromBase64(text, &raw)) {
    return Status::InvalidArgument("'" + std::string(key) + "' must be base64", "invalid_base64");
  }
  return raw;
}

StatusOr<UnixMillis> RequiredTime(const json::object& o, std::string_view key) {
  VAULT_ASSIGN_OR_RETURN(std::string text, RequiredString(o, key));
  UnixMillis t = 0;
  if (text.size() > 64 || !ParseRfc3339(text, &t)) {
    return Status::InvalidArgument("'" + std::string(key) + "' must be an RFC 3339 date-time",
                                   "invalid_time");
  }
  return t;
}

Status ParseSignedBy(const json::object& o, OfficerSignature* s) {
  VAULT_ASSIGN_OR_RETURN(s->officer, RequiredString(o, "officer"));
  VAULT_ASSIGN_OR_RETURN(s->time, RequiredTime(o, "time"));
  VAULT_ASSIGN_OR_RETURN(s->signature, RequiredBase64(o, "signature", 128));
  return Status::OK();
}

void PutSignedBy(const OfficerSignature& s, json::object* o) {
  (*o)["officer"] = s.officer;
  (*o)["time"] = FormatRfc3339(s.time);
  (*o)["signature"] = ToBase64(s.signature);
}

// The kind whose RequestKindName is `name` ("unseal", "release",
// "reshare"), or nullopt.
std::optional<RequestKind> RequestKindFrom(std::string_view name) {
  for (RequestKind kind : {RequestKind::kUnseal, RequestKind::kRelease, RequestKind::kReshare,
                           RequestKind::kRecover}) {
    if (name == RequestKindName(kind)) return kind;
  }
  return std::nullopt;
}

// A JSON array of `to(item)` for each item.
template <typename T, typename To>
json::array ArrayOf(const std::vector<T>& items, To to) {
  json::array a;
  for (const T& item : items) a.emplace_back(to(item));
  return a;
}

json::array Strings(const std::vector<std::string>& v) {
  return ArrayOf(v, [](const std::string& s) { return JsonView(s); });
}

json::object OfficerObject(const OfficerInfo& o) {
  return json::object{{"id", o.id},
                      {"key", o.key},
                      {"fingerprint", o.fingerprint},
                      {"enrolled_at", FormatRfc3339(o.enrolled_at)},
                      {"enrolled_by", o.enrolled_by},
                      {"revoked_at", TimeOrNull(o.revoked_at)},
                      {"active", o.active()},
                      {"compromised", o.compromised}};
}

constexpr size_t kMaxDealingShares = 255;
constexpr size_t kMaxPathBytes = 4096;

json::object DealingObject(const Dealing& d) {
  json::array shares;
  for (const DealtShare& s : d.shares) {
    shares.emplace_back(json::object{
        {"x", s.x}, {"officer", s.officer}, {"commitment", ToHex(s.commitment)}});
  }
  return json::object{{"case", d.case_id},
                      {"public_key", ToBase64(d.public_key)},
                      {"threshold", d.threshold},
                      {"dealt_at", FormatRfc3339(d.dealt_at)},
                      {"shares", std::move(shares)}};
}

// A dealing object, strictly (unknown fields refused); every failure is
// InvalidArgument "invalid_dealing" or one of the usual field reasons. Its
// values' meaning (ranges, distinct x) is the vault's to check.
StatusOr<Dealing> DealingFromObject(const json::object& o) {
  VAULT_RETURN_IF_ERROR(
      CheckKnownFields(o, "dealing", {"case", "public_key", "threshold", "dealt_at", "shares"}));
  Dealing d;
  VAULT_ASSIGN_OR_RETURN(d.case_id, RequiredString(o, "case"));
  VAULT_ASSIGN_OR_RETURN(d.public_key, RequiredBase64(o, "public_key", 64));
  VAULT_ASSIGN_OR_RETURN(const uint64_t k, RequiredUint(o, "threshold", 255, "invalid_dealing"));
  d.threshold = static_cast<int>(k);
  VAULT_ASSIGN_OR_RETURN(d.dealt_at, RequiredTime(o, "dealt_at"));
  const json::value* shares = o.if_contains("shares");
  if (shares == nullptr || !shares->is_array() || shares->as_array().size() > kMaxDealingShares) {
    return Status::InvalidArgument("a dealing's shares must be an array of at most 255",
                                   "invalid_dealing");
  }
  for (const json::value& v : shares->as_array()) {
    if (!v.is_object()) {
      return Status::InvalidArgument("a dealing's share must be an object", "invalid_dealing");
    }
    const json::object& so = v.as_object();
    VAULT_RETURN_IF_ERROR(CheckKnownFields(so, "share", {"x", "officer", "commitment"}));
    DealtShare share;
    VAULT_ASSIGN_OR_RETURN(const uint64_t x, RequiredUint(so, "x", 255, "invalid_dealing"));
    share.x = static_cast<int>(x);
    VAULT_ASSIGN_OR_RETURN(share.officer, RequiredString(so, "officer"));
    VAULT_ASSIGN_OR_RETURN(std::string hex, RequiredString(so, "commitment"));
    if (hex.size() != 64 || !FromHex(hex, &share.commitment)) {
      return Status::InvalidArgument("a share's commitment must be 64 hex characters",
                                     "invalid_dealing");
    }
    d.shares.push_back(std::move(share));
  }
  return d;
}

StatusOr<std::string> RequiredPath(const json::object& o, std::string_view key) {
  VAULT_ASSIGN_OR_RETURN(std::string path, RequiredString(o, key));
  bool control = false;
  for (unsigned char ch : path) control = control || ch < 0x20 || ch == 0x7f;
  if (path.empty() || path.front() != '/' || path.size() > kMaxPathBytes || control) {
    return Status::InvalidArgument("'" + std::string(key) + "' must be an absolute path",
                                   "invalid_path");
  }
  return path;
}

json::object RecoveryObject(const RecoverySource& r) {
  return json::object{{"backup", r.backup_dir},
                      {"audit", r.audit_dir},
                      {"previous_vault", r.previous_vault},
                      {"dealing", DealingObject(r.dealing)}};
}

StatusOr<RecoverySource> RecoveryFromObject(const json::object& o) {
  VAULT_RETURN_IF_ERROR(
      CheckKnownFields(o, "recovery", {"backup", "audit", "previous_vault", "dealing"}));
  RecoverySource r;
  VAULT_ASSIGN_OR_RETURN(r.backup_dir, RequiredPath(o, "backup"));
  VAULT_ASSIGN_OR_RETURN(r.audit_dir, RequiredPath(o, "audit"));
  VAULT_ASSIGN_OR_RETURN(r.previous_vault, RequiredString(o, "previous_vault"));
  const json::value* d = o.if_contains("dealing");
  if (d == nullptr || !d->is_object()) {
    return Status::InvalidArgument("'dealing' must be an object", "invalid_dealing");
  }
  VAULT_ASSIGN_OR_RETURN(r.dealing, DealingFromObject(d->as_object()));
  return r;
}

// A response's object: the strict parser's errors become the server's.
template <typename T>
StatusOr<T> FromResponse(StatusOr<T> parsed) {
  if (!parsed.ok()) return BadResponse(parsed.status().message());
  return parsed;
}

json::object CaseObject(const CaseInfo& c) {
  json::object o{{"id", c.id},
                 {"state", c.state},
                 {"reason_hash", c.reason_hash},
                 {"opened_by", c.opened_by},
                 {"opened_at", FormatRfc3339(c.opened_at)},
                 {"released_at", TimeOrNull(c.released_at)},
                 {"public_key", c.public_key},
                 {"threshold", c.threshold},
                 {"share_holders", Strings(c.share_holders)},
                 {"holds", c.holds},
                 {"reshared_at", TimeOrNull(c.reshared_at)},
                 {"recovered_at", TimeOrNull(c.recovered_at)}};
  if (!c.reason.empty()) o["reason"] = c.reason;
  if (!c.share_status.empty()) o["share_status"] = c.share_status;
  return o;
}

json::object ShareHealthObject(const ShareHealth& h) {
  return json::object{{"stranded", Strings(h.stranded)},
                      {"at_threshold", Strings(h.at_threshold)},
                      {"reshare_advised", Strings(h.reshare_advised)}};
}

// The optional "threshold" of a request body: 0 when absent or null; a
// non-negative integer otherwise (its range is the vault's to check).
Status OptionalThreshold(const json::object& o, int* out) {
  *out = 0;
  const json::value* v = o.if_contains("threshold");
  if (v == nullptr || v->is_null()) return Status::OK();
  VAULT_ASSIGN_OR_RETURN(uint64_t k, RequiredUint(o, "threshold", 1 << 20, "invalid_threshold"));
  *out = static_cast<int>(k);
  return Status::OK();
}

json::object HoldObject(const HoldInfo& h) {
  return json::object{{"case", h.case_id},
                      {"transcript", h.transcript_id},
                      {"held_by", h.held_by},
                      {"held_at", FormatRfc3339(h.held_at)}};
}

json::object NoticeObject(const CaseRightsNotice& n) {
  return json::object{{"request", n.request},
                      {"kind", n.kind},
                      {"registered_at", FormatRfc3339(n.registered_at)},
                      {"transcript", n.transcript}};
}

json::object RequestObject(const RequestInfo& r) {
  json::object o{{"id", r.id},
                 {"kind", RequestKindName(r.kind)},
                 {"case", r.case_id},
                 {"transcripts", Strings(r.transcripts)},
                 {"threshold", r.threshold},
                 {"reason_hash", r.reason_hash},
                 {"filed_by", r.filed_by},
                 {"filed_at", FormatRfc3339(r.filed_at)},
                 {"expires_at", FormatRfc3339(r.expires_at)},
                 {"request_key", r.request_key},
                 {"text", r.text},
                 {"approved_by", Strings(r.approved_by)},
                 {"state", r.state}};
  if (!r.officer_share.empty()) o["officer_share"] = r.officer_share;
  if (!r.reason.empty()) o["reason"] = r.reason;
  if (r.kind == RequestKind::kRecover) o["recovery"] = RecoveryObject(r.recovery);
  return o;
}

// --- decoding helpers (every failure is the server's: bad_response) ---

// Every element of the array at `key`, each an object read by `from`.
template <typename T>
StatusOr<std::vector<T>> ObjectsAt(const json::object& o, std::string_view key,
                                   StatusOr<T> (*from)(const json::object&)) {
  VAULT_ASSIGN_OR_RETURN(const json::array* a, ResponseArray(o, key));
  std::vector<T> out;
  for (const json::value& element : *a) {
    if (!element.is_object()) return BadResponse("'" + std::string(key) + "' holds a non-object");
    VAULT_ASSIGN_OR_RETURN(T item, from(element.as_object()));
    out.push_back(std::move(item));
  }
  return out;
}

StatusOr<UnixMillis> TimeOrZero(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return UnixMillis{0};
  return ResponseTime(o, key);
}

StatusOr<OfficerInfo> OfficerFrom(const json::object& o) {
  OfficerInfo info;
  VAULT_ASSIGN_OR_RETURN(info.id, ResponseString(o, "id"));
  VAULT_ASSIGN_OR_RETURN(info.key, ResponseString(o, "key"));
  VAULT_ASSIGN_OR_RETURN(info.fingerprint, ResponseString(o, "fingerprint"));
  VAULT_ASSIGN_OR_RETURN(info.enrolled_at, ResponseTime(o, "enrolled_at"));
  VAULT_ASSIGN_OR_RETURN(const uint64_t by, ResponseUint(o, "enrolled_by"));
  info.enrolled_by = static_cast<uint32_t>(by);
  VAULT_ASSIGN_OR_RETURN(info.revoked_at, TimeOrZero(o, "revoked_at"));
  // Absent from answers of vaults before key states.
  if (const json::value* c = o.if_contains("compromised"); c != nullptr && c->is_bool()) {
    info.compromised = c->as_bool();
  }
  return info;
}

StatusOr<CaseInfo> CaseFrom(const json::object& o) {
  CaseInfo c;
  VAULT_ASSIGN_OR_RETURN(c.id, ResponseString(o, "id"));
  VAULT_ASSIGN_OR_RETURN(c.state, ResponseString(o, "state"));
  VAULT_ASSIGN_OR_RETURN(c.reason_hash, ResponseString(o, "reason_hash"));
  VAULT_ASSIGN_OR_RETURN(c.opened_by, ResponseString(o, "opened_by"));
  VAULT_ASSIGN_OR_RETURN(c.opened_at, ResponseTime(o, "opened_at"));
  VAULT_ASSIGN_OR_RETURN(c.released_at, TimeOrZero(o, "released_at"));
  VAULT_ASSIGN_OR_RETURN(c.public_key, ResponseString(o, "public_key"));
  VAULT_ASSIGN_OR_RETURN(const uint64_t threshold, ResponseUint(o, "threshold"));
  c.threshold = static_cast<int>(threshold);
  VAULT_ASSIGN_OR_RETURN(c.share_holders, ResponseStrings(o, "share_holders"));
  VAULT_ASSIGN_OR_RETURN(c.holds, ResponseUint(o, "holds"));
  if (o.contains("reason")) {
    VAULT_ASSIGN_OR_RETURN(c.reason, ResponseString(o, "reason"));
  }
  if (o.contains("reshared_at")) {
    VAULT_ASSIGN_OR_RETURN(c.reshared_at, TimeOrZero(o, "reshared_at"));
  }
  if (o.contains("share_status")) {
    VAULT_ASSIGN_OR_RETURN(c.share_status, ResponseString(o, "share_status"));
  }
  if (o.contains("recovered_at")) {
    VAULT_ASSIGN_OR_RETURN(c.recovered_at, TimeOrZero(o, "recovered_at"));
  }
  return c;
}

StatusOr<HoldInfo> HoldFrom(const json::object& o) {
  HoldInfo h;
  VAULT_ASSIGN_OR_RETURN(h.case_id, ResponseString(o, "case"));
  VAULT_ASSIGN_OR_RETURN(h.transcript_id, ResponseString(o, "transcript"));
  VAULT_ASSIGN_OR_RETURN(h.held_by, ResponseString(o, "held_by"));
  VAULT_ASSIGN_OR_RETURN(h.held_at, ResponseTime(o, "held_at"));
  return h;
}

StatusOr<CaseRightsNotice> NoticeFrom(const json::object& o) {
  CaseRightsNotice n;
  VAULT_ASSIGN_OR_RETURN(n.request, ResponseString(o, "request"));
  VAULT_ASSIGN_OR_RETURN(n.kind, ResponseString(o, "kind"));
  VAULT_ASSIGN_OR_RETURN(n.registered_at, ResponseTime(o, "registered_at"));
  VAULT_ASSIGN_OR_RETURN(n.transcript, ResponseString(o, "transcript"));
  return n;
}

StatusOr<RequestInfo> RequestFrom(const json::object& o) {
  RequestInfo r;
  VAULT_ASSIGN_OR_RETURN(r.id, ResponseString(o, "id"));
  VAULT_ASSIGN_OR_RETURN(std::string kind, ResponseString(o, "kind"));
  const std::optional<RequestKind> known = RequestKindFrom(kind);
  if (!known.has_value()) return BadResponse("unknown request kind");
  r.kind = *known;
  VAULT_ASSIGN_OR_RETURN(r.case_id, ResponseString(o, "case"));
  VAULT_ASSIGN_OR_RETURN(r.transcripts, ResponseStrings(o, "transcripts"));
  if (o.contains("threshold")) {
    VAULT_ASSIGN_OR_RETURN(const uint64_t threshold, ResponseUint(o, "threshold"));
    if (threshold > 255) return BadResponse("threshold out of range");
    r.threshold = static_cast<int>(threshold);
  }
  VAULT_ASSIGN_OR_RETURN(r.reason_hash, ResponseString(o, "reason_hash"));
  VAULT_ASSIGN_OR_RETURN(r.filed_by, ResponseString(o, "filed_by"));
  VAULT_ASSIGN_OR_RETURN(r.filed_at, ResponseTime(o, "filed_at"));
  VAULT_ASSIGN_OR_RETURN(r.expires_at, ResponseTime(o, "expires_at"));
  VAULT_ASSIGN_OR_RETURN(r.request_key, ResponseString(o, "request_key"));
  VAULT_ASSIGN_OR_RETURN(r.text, ResponseString(o, "text"));
  VAULT_ASSIGN_OR_RETURN(r.approved_by, ResponseStrings(o, "approved_by"));
  VAULT_ASSIGN_OR_RETURN(r.state, ResponseString(o, "state"));
  if (o.contains("officer_share")) {
    VAULT_ASSIGN_OR_RETURN(r.officer_share, ResponseString(o, "officer_share"));
  }
  if (o.contains("reason")) {
    VAULT_ASSIGN_OR_RETURN(r.reason, ResponseString(o, "reason"));
  }
  if (r.kind == RequestKind::kRecover) {
    VAULT_ASSIGN_OR_RETURN(const json::object* rec, ResponseObject(o, "recovery"));
    VAULT_ASSIGN_OR_RETURN(r.recovery, FromResponse(RecoveryFromObject(*rec)));
  }
  return r;
}

StatusOr<OfficerList> OfficerListFrom(const json::object& o) {
  OfficerList list;
  VAULT_ASSIGN_OR_RETURN(list.vault_id, ResponseString(o, "vault"));
  VAULT_ASSIGN_OR_RETURN(list.officers, ObjectsAt(o, "officers", OfficerFrom));
  if (o.contains("share_health")) {
    VAULT_ASSIGN_OR_RETURN(const json::object* h, ResponseObject(o, "share_health"));
    VAULT_ASSIGN_OR_RETURN(list.share_health.stranded, ResponseStrings(*h, "stranded"));
    VAULT_ASSIGN_OR_RETURN(list.share_health.at_threshold, ResponseStrings(*h, "at_threshold"));
    VAULT_ASSIGN_OR_RETURN(list.share_health.reshare_advised,
                           ResponseStrings(*h, "reshare_advised"));
  }
  return list;
}

StatusOr<CaseDetail> CaseDetailFrom(const json::object& o) {
  CaseDetail d;
  VAULT_ASSIGN_OR_RETURN(const json::object* c, ResponseObject(o, "case"));
  VAULT_ASSIGN_OR_RETURN(d.info, CaseFrom(*c));
  VAULT_ASSIGN_OR_RETURN(d.holds, ObjectsAt(o, "holds", HoldFrom));
  if (o.contains("rights_requests")) {
    VAULT_ASSIGN_OR_RETURN(d.rights_requests, ObjectsAt(o, "rights_requests", NoticeFrom));
  }
  return d;
}

StatusOr<ApprovalResult> ApprovalResultFrom(const json::object& o) {
  ApprovalResult r;
  VAULT_ASSIGN_OR_RETURN(const json::object* req, ResponseObject(o, "request"));
  VAULT_ASSIGN_OR_RETURN(r.request, RequestFrom(*req));
  const json::value* executed = o.if_contains("executed");
  if (executed == nullptr || !executed->is_bool()) return BadResponse("missing 'executed'");
  r.executed = executed->as_bool();
  if (!r.executed) return r;
  VAULT_ASSIGN_OR_RETURN(r.transcripts, ObjectsAt(o, "transcripts", DecodeTranscriptObject));
  VAULT_ASSIGN_OR_RETURN(r.returned, ResponseUint(o, "returned"));
  VAULT_ASSIGN_OR_RETURN(r.destroyed, ResponseUint(o, "destroyed"));
  if (o.contains("recovered")) {
    VAULT_ASSIGN_OR_RETURN(r.recovered, ResponseUint(o, "recovered"));
  }
  VAULT_ASSIGN_OR_RETURN(const json::object* audit, ResponseObject(o, "audit"));
  VAULT_ASSIGN_OR_RETURN(r.audit_seq, ResponseUint(*audit, "seq"));
  VAULT_ASSIGN_OR_RETURN(r.audit_hash, ResponseString(*audit, "hash"));
  VAULT_ASSIGN_OR_RETURN(r.executed_at, ResponseTime(*audit, "time"));
  return r;
}

// A response body: a JSON object, read by `from`.
template <typename T>
StatusOr<T> DecodeBody(std::string_view body, StatusOr<T> (*from)(const json::object&)) {
  VAULT_ASSIGN_OR_RETURN(json::object o, ParseResponseObject(body));
  return from(o);
}

// A response body: a JSON object whose array at `key` holds objects read by `from`.
template <typename T>
StatusOr<std::vector<T>> DecodeListBody(std::string_view body, std::string_view key,
                                        StatusOr<T> (*from)(const json::object&)) {
  VAULT_ASSIGN_OR_RETURN(json::object o, ParseResponseObject(body));
  return ObjectsAt(o, key, from);
}

}  // namespace

// --- request bodies ---------------------------------------------------------

StatusOr<Enrolment> ParseEnrolment(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object o, ParseRequestObject(body, {"id", "key"}));
  Enrolment e;
  VAULT_ASSIGN_OR_RETURN(e.id, RequiredString(o, "id"));
  VAULT_ASSIGN_OR_RETURN(e.key, RequiredString(o, "key"));
  return e;
}

StatusOr<CaseOpening> ParseCaseOpening(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(
      json::object o,
      ParseRequestObject(body, {"case", "reason", "threshold", "officer", "time", "signature"}));
  CaseOpening c;
  VAULT_ASSIGN_OR_RETURN(c.case_id, RequiredString(o, "case"));
  VAULT_ASSIGN_OR_RETURN(c.reason, RequiredString(o, "reason"));
  VAULT_RETURN_IF_ERROR(OptionalThreshold(o, &c.threshold));
  VAULT_RETURN_IF_ERROR(ParseSignedBy(o, &c.signed_by));
  return c;
}

StatusOr<HoldPlacement> ParseHoldPlacement(std::string_view body, std::string_view case_id) {
  VAULT_ASSIGN_OR_RETURN(json::object o,
                         ParseRequestObject(body, {"transcript", "officer", "time", "signature"}));
  HoldPlacement h;
  h.case_id = std::string(case_id);
  VAULT_ASSIGN_OR_RETURN(h.transcript_id, RequiredString(o, "transcript"));
  VAULT_RETURN_IF_ERROR(ParseSignedBy(o, &h.signed_by));
  return h;
}

StatusOr<RequestFiling> ParseRequestFiling(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object o,
                         ParseRequestObject(body, {"kind", "case", "transcripts", "threshold",
                                                   "reason", "expires_at", "recovery", "officer",
                                                   "time", "signature"}));
  RequestFiling f;
  VAULT_ASSIGN_OR_RETURN(std::string kind, RequiredString(o, "kind"));
  const std::optional<RequestKind> known = RequestKindFrom(kind);
  if (!known.has_value()) {
    return Status::InvalidArgument(
        "kind must be \"unseal\", \"release\", \"reshare\" or \"recover\"", "invalid_kind");
  }
  f.kind = *known;
  const json::value* recovery = o.if_contains("recovery");
  if ((recovery != nullptr) != (f.kind == RequestKind::kRecover)) {
    return Status::InvalidArgument("a recover request, and only one, names its 'recovery'",
                                   "invalid_recovery");
  }
  if (recovery != nullptr) {
    if (!recovery->is_object()) {
      return Status::InvalidArgument("'recovery' must be an object", "invalid_recovery");
    }
    VAULT_ASSIGN_OR_RETURN(f.recovery, RecoveryFromObject(recovery->as_object()));
  }
  VAULT_RETURN_IF_ERROR(OptionalThreshold(o, &f.threshold));
  VAULT_ASSIGN_OR_RETURN(f.case_id, RequiredString(o, "case"));
  const json::value* ids = o.if_contains("transcripts");
  if (ids != nullptr && !ids->is_null()) {
    if (!ids->is_array() || ids->as_array().size() > kMaxRequestTranscripts) {
      return Status::InvalidArgument("transcripts must be an array of at most 100 ids",
                                     "invalid_transcripts");
    }
    for (const json::value& v : ids->as_array()) {
      if (!v.is_string()) {
        return Status::InvalidArgument("transcripts must be strings", "invalid_transcripts");
      }
      f.transcripts.emplace_back(v.as_string());
    }
  }
  VAULT_ASSIGN_OR_RETURN(f.reason, RequiredString(o, "reason"));
  VAULT_ASSIGN_OR_RETURN(f.expires_at, RequiredTime(o, "expires_at"));
  VAULT_RETURN_IF_ERROR(ParseSignedBy(o, &f.signed_by));
  return f;
}

StatusOr<ShareExportRequest> ParseShareExportRequest(std::string_view body,
                                                     std::string_view case_id) {
  VAULT_ASSIGN_OR_RETURN(json::object o, ParseRequestObject(body, {"officer", "time", "signature"}));
  ShareExportRequest r;
  r.case_id = std::string(case_id);
  VAULT_RETURN_IF_ERROR(ParseSignedBy(o, &r.signed_by));
  return r;
}

std::string EncodeShareExportRequest(const ShareExportRequest& r) {
  json::object o;
  PutSignedBy(r.signed_by, &o);
  return json::serialize(o);
}

namespace {

json::object ShareExportObject(const ShareExport& e) {
  return json::object{{"vault", e.vault_id},
                      {"officer", e.officer},
                      {"dealing", DealingObject(e.dealing)},
                      {"sealed_share", ToBase64(e.sealed_share)},
                      {"exported_at", FormatRfc3339(e.exported_at)},
                      {"audit_seq", e.audit_seq}};
}

}  // namespace

std::string EncodeShareExport(const ShareExport& e) {
  return json::serialize(ShareExportObject(e));
}

StatusOr<ShareExport> DecodeShareExport(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object o, ParseResponseObject(body));
  ShareExport e;
  VAULT_ASSIGN_OR_RETURN(e.vault_id, ResponseString(o, "vault"));
  VAULT_ASSIGN_OR_RETURN(e.officer, ResponseString(o, "officer"));
  VAULT_ASSIGN_OR_RETURN(const json::object* d, ResponseObject(o, "dealing"));
  VAULT_ASSIGN_OR_RETURN(e.dealing, FromResponse(DealingFromObject(*d)));
  VAULT_ASSIGN_OR_RETURN(std::string sealed, ResponseString(o, "sealed_share"));
  if (!FromBase64(sealed, &e.sealed_share)) return BadResponse("sealed_share is not base64");
  VAULT_ASSIGN_OR_RETURN(e.exported_at, ResponseTime(o, "exported_at"));
  VAULT_ASSIGN_OR_RETURN(e.audit_seq, ResponseUint(o, "audit_seq"));
  return e;
}

std::string EncodeOfflineShareFile(const ShareExport& e, std::string_view signature) {
  json::object o{{"format", kOfflineShareFormat}};
  for (auto& [k, v] : ShareExportObject(e)) {
    if (k != "audit_seq") o[k] = v;
  }
  o["signature"] = ToBase64(signature);
  return json::serialize(o) + "\n";
}

StatusOr<ShareExport> ParseOfflineShareFile(std::string_view text, std::string* signature) {
  const Status bad = Status::InvalidArgument("not an offline share file", "invalid_share_file");
  VAULT_ASSIGN_OR_RETURN(json::object o,
                         ParseRequestObject(text,
                                            {"format", "vault", "officer", "dealing",
                                             "sealed_share", "exported_at", "signature"},
                                            "offline share file"));
  VAULT_ASSIGN_OR_RETURN(std::string format, RequiredString(o, "format"));
  if (format != kOfflineShareFormat) return bad;
  ShareExport e;
  VAULT_ASSIGN_OR_RETURN(e.vault_id, RequiredString(o, "vault"));
  VAULT_ASSIGN_OR_RETURN(e.officer, RequiredString(o, "officer"));
  const json::value* d = o.if_contains("dealing");
  if (d == nullptr || !d->is_object()) return bad;
  VAULT_ASSIGN_OR_RETURN(e.dealing, DealingFromObject(d->as_object()));
  VAULT_ASSIGN_OR_RETURN(e.sealed_share, RequiredBase64(o, "sealed_share", 512));
  VAULT_ASSIGN_OR_RETURN(e.exported_at, RequiredTime(o, "exported_at"));
  VAULT_ASSIGN_OR_RETURN(*signature, RequiredBase64(o, "signature", 128));
  return e;
}

StatusOr<Revocation> ParseRevocation(std::string_view body) {
  Revocation r;
  if (body.empty()) return r;
  VAULT_ASSIGN_OR_RETURN(json::object o, ParseRequestObject(body, {"force", "compromised"}));
  for (auto [name, out] : {std::pair<const char*, bool*>{"force", &r.force},
                           std::pair<const char*, bool*>{"compromised", &r.compromised}}) {
    const json::value* v = o.if_contains(name);
    if (v == nullptr || v->is_null()) continue;
    if (!v->is_bool()) {
      return Status::InvalidArgument(std::string(name) + " must be true or false", "invalid_type");
    }
    *out = v->as_bool();
  }
  return r;
}

std::string EncodeRevocation(const Revocation& r) {
  if (!r.force && !r.compromised) return "";
  json::object o;
  if (r.force) o["force"] = true;
  if (r.compromised) o["compromised"] = true;
  return json::serialize(o);
}

StatusOr<Approval> ParseApproval(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object o,
                         ParseRequestObject(body, {"officer", "share", "signature"}));
  Approval a;
  VAULT_ASSIGN_OR_RETURN(a.officer, RequiredString(o, "officer"));
  VAULT_ASSIGN_OR_RETURN(a.share, RequiredBase64(o, "share", 512));
  VAULT_ASSIGN_OR_RETURN(a.signature, RequiredBase64(o, "signature", 128));
  return a;
}

std::string EncodeEnrolment(const Enrolment& e) {
  return json::serialize(json::object{{"id", e.id}, {"key", e.key}});
}

std::string EncodeCaseOpening(const CaseOpening& c) {
  json::object o{{"case", c.case_id}, {"reason", c.reason}};
  if (c.threshold != 0) o["threshold"] = c.threshold;
  PutSignedBy(c.signed_by, &o);
  return json::serialize(o);
}

std::string EncodeHoldPlacement(const HoldPlacement& h) {
  json::object o{{"transcript", h.transcript_id}};
  PutSignedBy(h.signed_by, &o);
  return json::serialize(o);
}

std::string EncodeRequestFiling(const RequestFiling& f) {
  json::object o{{"kind", RequestKindName(f.kind)},
                 {"case", f.case_id},
                 {"transcripts", Strings(f.transcripts)},
                 {"reason", f.reason},
                 {"expires_at", FormatRfc3339(f.expires_at)}};
  if (f.threshold != 0) o["threshold"] = f.threshold;
  if (f.kind == RequestKind::kRecover) o["recovery"] = RecoveryObject(f.recovery);
  PutSignedBy(f.signed_by, &o);
  return json::serialize(o);
}

std::string EncodeApproval(const Approval& a) {
  return json::serialize(json::object{
      {"officer", a.officer}, {"share", ToBase64(a.share)}, {"signature", ToBase64(a.signature)}});
}

// --- responses ----------------------------------------------------------

std::string EncodeOfficer(const OfficerInfo& o) { return json::serialize(OfficerObject(o)); }

std::string EncodeOfficerList(const OfficerList& list) {
  return json::serialize(json::object{{"vault", list.vault_id},
                                      {"officers", ArrayOf(list.officers, OfficerObject)},
                                      {"share_health", ShareHealthObject(list.share_health)}});
}

std::string EncodeCase(const CaseInfo& c) { return json::serialize(CaseObject(c)); }

std::string EncodeCaseList(const std::vector<CaseInfo>& cases) {
  return json::serialize(json::object{{"cases", ArrayOf(cases, CaseObject)}});
}

std::string EncodeCaseDetail(const CaseDetail& d) {
  return json::serialize(json::object{{"case", CaseObject(d.info)},
                                      {"holds", ArrayOf(d.holds, HoldObject)},
                                      {"rights_requests", ArrayOf(d.rights_requests, NoticeObject)}});
}

std::string EncodeHold(const HoldInfo& h) { return json::serialize(HoldObject(h)); }

std::string EncodeHoldList(const std::vector<HoldInfo>& holds) {
  return json::serialize(json::object{{"holds", ArrayOf(holds, HoldObject)}});
}

std::string EncodeRequest(const RequestInfo& r) { return json::serialize(RequestObject(r)); }

std::string EncodeApprovalResult(const ApprovalResult& r) {
  json::object o{{"request", RequestObject(r.request)}, {"executed", r.executed}};
  if (r.executed) {
    o["transcripts"] = ArrayOf(r.transcripts, EncodeTranscriptObject);
    o["returned"] = r.returned;
    o["destroyed"] = r.destroyed;
    if (r.request.kind == RequestKind::kRecover) o["recovered"] = r.recovered;
    o["audit"] = json::object{
        {"seq", r.audit_seq}, {"hash", r.audit_hash}, {"time", FormatRfc3339(r.executed_at)}};
  }
  return json::serialize(o);
}

StatusOr<OfficerInfo> DecodeOfficer(std::string_view body) {
  return DecodeBody(body, OfficerFrom);
}

StatusOr<OfficerList> DecodeOfficerList(std::string_view body) {
  return DecodeBody(body, OfficerListFrom);
}

StatusOr<CaseInfo> DecodeCase(std::string_view body) { return DecodeBody(body, CaseFrom); }

StatusOr<std::vector<CaseInfo>> DecodeCaseList(std::string_view body) {
  return DecodeListBody(body, "cases", CaseFrom);
}

StatusOr<CaseDetail> DecodeCaseDetail(std::string_view body) {
  return DecodeBody(body, CaseDetailFrom);
}

StatusOr<HoldInfo> DecodeHold(std::string_view body) { return DecodeBody(body, HoldFrom); }

StatusOr<std::vector<HoldInfo>> DecodeHoldList(std::string_view body) {
  return DecodeListBody(body, "holds", HoldFrom);
}

StatusOr<RequestInfo> DecodeRequest(std::string_view body) { return DecodeBody(body, RequestFrom); }

StatusOr<ApprovalResult> DecodeApprovalResult(std::string_view body) {
  return DecodeBody(body, ApprovalResultFrom);
}

}  // namespace vault::wire
