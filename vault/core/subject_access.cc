// VaultImpl: subject access requests (docs/design.md, "Subject access";
// the operator's page: docs/subject-access.md).
#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "vault/audit/json_strict.h"
#include "vault/audit/record.h"
#include "vault/common/encoding.h"
#include "vault/core/vault_impl.h"
#include "vault/core/vault_internal.h"
#include "vault/index/identifiers.h"

namespace vault {
namespace {

// One answer holds at most this many transcripts; a visitor with more is
// answered service by service.
constexpr size_t kMaxSubjectTranscripts = 1000;
// Index matches: up to four identifiers per transcript.
constexpr size_t kMaxSubjectMatches = 4 * kMaxSubjectTranscripts;
constexpr size_t kMaxSubjectServices = 64;
// Audit records are looked for from this long before the earliest disclosed
// transcript was opened: the clock may have been corrected since.
constexpr int64_t kAuditSearchSlackMs = kMillisPerDay;
constexpr size_t kAuditPage = 1000;

// The identifiers given, normalised, in the order ref, email, phone, ip.
StatusOr<std::vector<Identifier>> QueryIdentifiers(const SubjectAccessQuery& query) {
  const std::pair<IdentifierKind, const std::optional<std::string>*> given[] = {
      {IdentifierKind::kRef, &query.ref},
      {IdentifierKind::kEmail, &query.email},
      {IdentifierKind::kPhone, &query.phone},
      {IdentifierKind::kIp, &query.ip},
  };
  std::vector<Identifier> ids;
  for (const auto& [kind, value] : given) {
    if (!value->has_value()) continue;
    VAULT_ASSIGN_OR_RETURN(Identifier id, NormaliseIdentifier(kind, **value));
    ids.push_back(std::move(id));
  }
  if (ids.empty()) {
    return Status::InvalidArgument("give at least one of ref, email, phone and ip",
                                   "no_identifier");
  }
  return ids;
}

}  // namespace

StatusOr<ServiceScope> DpoScopeOf(const Caller& caller, const std::vector<std::string>& services) {
  if (services.empty()) return caller.dpo_scope;
  if (services.size() > kMaxSubjectServices) {
    return Status::InvalidArgument("at most 64 services may be named", "invalid_service");
  }
  ServiceScope scope;
  for (const std::string& service : services) {
    VAULT_RETURN_IF_ERROR(ValidateService(service));
    if (!caller.MayAnswerFor(service)) {
      return Status::PermissionDenied(
          "this caller does not answer requests for the service '" + service + "'",
          "service_forbidden");
    }
    scope.services.insert(service);
  }
  return scope;
}

namespace {

// "30 days", "36 hours", "90 minutes": how long closed chats are kept.
std::string RetentionText(int64_t retention_ms) {
  const auto in = [&](int64_t unit, const char* name) {
    const int64_t n = retention_ms / unit;
    return std::to_string(n) + " " + name + (n == 1 ? "" : "s");
  };
  std::string span;
  if (retention_ms % kMillisPerDay == 0) {
    span = in(kMillisPerDay, "day");
  } else if (retention_ms % (3600 * kMillisPerSecond) == 0) {
    span = in(3600 * kMillisPerSecond, "hour");
  } else if (retention_ms % (60 * kMillisPerSecond) == 0) {
    span = in(60 * kMillisPerSecond, "minute");
  } else {
    span = in(kMillisPerSecond, "second");
  }
  return "A chat transcript is kept for " + span +
         " after the chat ends and is then destroyed by destroying its key. A transcript "
         "under legal hold is kept until the hold is released.";
}

}  // namespace

std::string JoinKinds(const std::vector<std::string>& kinds) {
  std::string out;
  for (const std::string& kind : kinds) out += (out.empty() ? "" : ",") + kind;
  return out;
}

namespace {

UnixMillis SortTime(const SubjectAccessItem& item) {
  return item.withheld ? item.held_at : item.transcript.info.created_at;
}

// An access record's actor, action, outcome and purpose, if it names one of
// the transcripts in `wanted`.
void CollectFrom(const audit::StoredRecord& stored,
                 std::map<std::string, std::vector<RecordedAccess>>* wanted) {
  if (stored.record.type != audit::RecordType::kAccess) return;
  audit::JsonValue payload;
  std::string why;
  if (!audit::ParseStrictJson(stored.record.payload, &payload, &why) || !payload.is_object()) {
    return;  // the verifier's business, not this answer's
  }
  const audit::JsonValue* objects = payload.Find("objects");
  if (objects == nullptr || objects->kind != audit::JsonValue::Kind::kArray) return;
  for (const audit::JsonValue& object : objects->items) {
    auto it = wanted->find(object.text);
    if (!object.is_string() || it == wanted->end()) continue;
    RecordedAccess access;
    access.seq = stored.record.seq;
    access.time = stored.record.time_ms;
    if (const audit::JsonValue* actor = payload.Find("actor"); actor != nullptr) {
      uint64_t uid = 0;
      if (const audit::JsonValue* u = actor->Find("uid");
          u != nullptr && audit::JsonUnsigned(*u, 0, UINT32_MAX, &uid)) {
        access.uid = static_cast<uint32_t>(uid);
      }
      if (const audit::JsonValue* role = actor->Find("role"); role != nullptr) {
        access.role = role->text;
      }
    }
    if (const audit::JsonValue* action = payload.Find("action"); action != nullptr) {
      access.action = action->text;
    }
    if (const audit::JsonValue* outcome = payload.Find("outcome"); outcome != nullptr) {
      access.outcome = outcome->text;
    }
    if (const audit::JsonValue* details = payload.Find("details"); details != nullptr) {
      if (const audit::JsonValue* purpose = details->Find("purpose"); purpose != nullptr) {
        access.purpose = purpose->text;
      } else if (const audit::JsonValue* replayed = details->Find("replayed");
                 replayed != nullptr && replayed->text == "true") {
        // An open repeated with its Idempotency-Key: the same chat's id given
        // out again, nothing stored (docs/api.md, section 2.2.1).
        access.purpose = "repeated_open";
      }
    }
    it->second.push_back(std::move(access));
  }
}

}  // namespace

StatusOr<SubjectAccessAnswer> VaultImpl::SubjectAccess(const Caller& caller,
                                                       const SubjectAccessQuery& query) {
  MutexLock rights(&rights_mu_);
  RightsAction action;
  SubjectAccessAnswer answer;
  const Status status = DoSubjectAccess(caller, query, &action, &answer);
  std::vector<RightsTouch> touches;
  size_t withheld = 0;
  for (const SubjectAccessItem& item : answer.items) {
    touches.push_back({item.id, item.withheld ? "withheld" : "disclosed"});
    withheld += item.withheld ? 1 : 0;
  }
  const Status recorded = FinishRightsAction(caller, &action, touches, status);
  if (!status.ok()) return AuditOutcome(caller, "subject.access", action.entry.id, status);
  VAULT_RETURN_IF_ERROR(recorded);
  // The request itself, after the reads it made: kinds of identifier and
  // counts, never an identifier.
  VAULT_RETURN_IF_ERROR(Audit(caller, "subject.access", action.entry.id, "ok",
                              {{"searched", JoinKinds(answer.searched)},
                               {"disclosed", std::to_string(answer.items.size() - withheld)},
                               {"withheld", std::to_string(withheld)}},
                              &answer.audit_seq));
  answer.request = action.entry.id;
  return answer;
}

StatusOr<VaultImpl::SubjectMatches> VaultImpl::MatchSubject(const Caller& caller,
                                                            const SubjectAccessQuery& query) {
  if (!caller.Has(Role::kDpo)) {
    return Status::PermissionDenied("only the dpo role answers visitors' requests", "forbidden");
  }
  SubjectMatches out;
  VAULT_ASSIGN_OR_RETURN(std::vector<Identifier> ids, QueryIdentifiers(query));
  VAULT_ASSIGN_OR_RETURN(out.scope, DpoScopeOf(caller, query.services));
  if (out.scope.empty()) {
    return Status::PermissionDenied("this caller answers requests for no service",
                                    "service_forbidden");
  }
  for (const Identifier& id : ids) out.searched.emplace_back(IdentifierKindName(id.kind));
  out.services.assign(out.scope.services.begin(), out.scope.services.end());

  VAULT_ASSIGN_OR_RETURN(std::vector<VisitorIndex::Match> matches,
                         index_.Find(ids, kMaxSubjectMatches, hold_->OpenCaseIndexKeys()));
  // The matches in the services searched, by their entries' service tags,
  // so that nothing of another service is opened.
  for (const VisitorIndex::Match& m : matches) {
    bool in_scope = out.scope.all;
    for (auto s = out.scope.services.begin(); !in_scope && s != out.scope.services.end(); ++s) {
      VAULT_ASSIGN_OR_RETURN(in_scope, index_.InService(m, *s));
    }
    if (in_scope) out.found[m.raw_id].insert(m.kind);
  }
  if (out.found.size() > kMaxSubjectTranscripts) {
    return Status::ResourceExhausted(
        "more than 1000 transcripts match; answer the request service by service",
        "too_many_matches");
  }
  return out;
}

Status VaultImpl::DoSubjectAccess(const Caller& caller, const SubjectAccessQuery& query,
                                  RightsAction* action, SubjectAccessAnswer* answer) {
  VAULT_ASSIGN_OR_RETURN(SubjectMatches matched,
                         BeginRightsAction(caller, query, RightsKind::kAccess, action));
  answer->searched = std::move(matched.searched);
  answer->services = std::move(matched.services);
  const ServiceScope& scope = matched.scope;
  const auto& found = matched.found;

  std::map<std::string, std::vector<RecordedAccess>> accesses;
  UnixMillis earliest = clock_->NowMillis();
  for (const auto& [raw_id, kinds] : found) {
    SubjectAccessItem item;
    item.id = ToHex(raw_id);
    for (IdentifierKind k : kinds) item.matched.emplace_back(IdentifierKindName(k));
    {
      StripeLock lock(&StripeFor(raw_id));
      StatusOr<std::string> wrapped = store_->Get(Column::kWrappedKeys, raw_id);
      if (!wrapped.ok()) {
        if (wrapped.status().code() == Status::Code::kNotFound) continue;
        return wrapped.status();
      }
      if (IsHeldMarker(*wrapped)) {
        // Listed, never opened: disclosing held material is for the
        // safeguarding officers to decide. No case, no content.
        item.withheld = true;
        item.held_at = static_cast<UnixMillis>(GetU64(wrapped->data() + kHeldTag.size()));
        answer->items.push_back(std::move(item));
        continue;
      }
      StatusOr<Loaded> t = Load(item.id);
      if (!t.ok()) {
        // Erased, expired or destroyed since it was indexed: nothing held.
        if (t.status().code() == Status::Code::kGone) continue;
        return t.status();
      }
      if (!scope.Covers(t->state.service)) continue;  // the service tag said so already
      // A restricted transcript is disclosed to its visitor all the same.
      item.restricted = t->state.restricted();
      VAULT_ASSIGN_OR_RETURN(item.transcript, ReadRecords(item.id, t->raw_id, t->dek, t->state));
    }
    // Disclosed: audited as a read for this request (fail closed: without
    // the record, no answer leaves).
    VAULT_RETURN_IF_ERROR(
        Audit(caller, "transcript.read", item.id, "ok",
              {{"purpose", "subject_access"}, {"request", action->entry.id}}));
    earliest = std::min(earliest, item.transcript.info.created_at);
    accesses[item.id];
    answer->items.push_back(std::move(item));
  }

  if (!accesses.empty()) {
    VAULT_RETURN_IF_ERROR(CollectAccesses(earliest - kAuditSearchSlackMs, &accesses));
  }
  for (SubjectAccessItem& item : answer->items) {
    if (!item.withheld) item.accesses = std::move(accesses[item.id]);
  }
  std::sort(answer->items.begin(), answer->items.end(),
            [](const SubjectAccessItem& a, const SubjectAccessItem& b) {
              if (SortTime(a) != SortTime(b)) return SortTime(a) > SortTime(b);
              return a.id < b.id;
            });
  answer->statement = options_.privacy;
  if (answer->statement.retention.empty()) {
    answer->statement.retention = RetentionText(options_.retention_ms);
  }
  answer->answered_at = clock_->NowMillis();
  return Status::OK();
}

StatusOr<SubjectErasureAnswer> VaultImpl::SubjectErasure(const Caller& caller,
                                                         const SubjectAccessQuery& query) {
  MutexLock rights(&rights_mu_);
  RightsAction action;
  SubjectErasureAnswer answer;
  const Status status = DoSubjectErasure(caller, query, &action, &answer);
  std::vector<RightsTouch> touches;
  for (const std::string& id : answer.erased) touches.push_back({id, "erased"});
  for (const std::string& id : answer.withheld) touches.push_back({id, "withheld"});
  const Status recorded = FinishRightsAction(caller, &action, touches, status);
  if (!status.ok()) return AuditOutcome(caller, "subject.erasure", action.entry.id, status);
  VAULT_RETURN_IF_ERROR(recorded);
  // The request itself, after the erasures it made: kinds of identifier and
  // counts, never an identifier.
  VAULT_RETURN_IF_ERROR(Audit(caller, "subject.erasure", action.entry.id, "ok",
                              {{"searched", JoinKinds(answer.searched)},
                               {"erased", std::to_string(answer.erased.size())},
                               {"withheld", std::to_string(answer.withheld.size())}},
                              &answer.audit_seq));
  answer.request = action.entry.id;
  return answer;
}

Status VaultImpl::DoSubjectErasure(const Caller& caller, const SubjectAccessQuery& query,
                                   RightsAction* action, SubjectErasureAnswer* answer) {
  VAULT_ASSIGN_OR_RETURN(SubjectMatches matched,
                         BeginRightsAction(caller, query, RightsKind::kErasure, action));
  answer->searched = std::move(matched.searched);
  answer->services = std::move(matched.services);
  const AuditDetails why = {{"purpose", "subject_erasure"}, {"request", action->entry.id}};
  uint64_t last_erasure = 0;
  Status failed = Status::OK();
  // In id order (the map's); each under its own lock, each its own
  // committed batch, then one compaction for them all.
  for (const auto& [raw_id, kinds] : matched.found) {
    const std::string id = ToHex(raw_id);
    StripeLock lock(&StripeFor(raw_id));
    bool held = false;
    StatusOr<std::optional<Loaded>> t = LoadIfLive(raw_id, &held);
    if (!t.ok()) {
      failed = t.status();
      break;
    }
    // Kept: the hold takes precedence over erasure while it lasts, and the
    // safeguarding officers decide about held material.
    if (held) answer->withheld.push_back(id);
    // Nothing left (erased or expired already), or another service's (the
    // service tag said so already).
    if (!*t || !matched.scope.Covers((*t)->state.service)) continue;
    StatusOr<uint64_t> erasure = CommitErasure(caller, id, **t, why);
    if (!erasure.ok()) {
      failed = erasure.status();
      break;
    }
    last_erasure = *erasure;
    answer->erased.push_back(id);
  }
  // Those committed are erased even if a later one failed: compact for them.
  if (last_erasure != 0) CompactAfterErase(last_erasure);
  VAULT_RETURN_IF_ERROR(failed);
  answer->answered_at = clock_->NowMillis();
  return Status::OK();
}

StatusOr<std::optional<VaultImpl::Loaded>> VaultImpl::LoadIfLive(const std::string& raw_id,
                                                                   bool* held) {
  *held = false;
  StatusOr<std::string> wrapped = store_->Get(Column::kWrappedKeys, raw_id);
  if (!wrapped.ok()) {
    if (wrapped.status().code() == Status::Code::kNotFound) return std::optional<Loaded>();
    return wrapped.status();
  }
  if (IsHeldMarker(*wrapped)) {
    *held = true;
    return std::optional<Loaded>();
  }
  StatusOr<Loaded> t = LoadWrapped(raw_id, *wrapped);
  if (!t.ok()) {
    if (t.status().code() == Status::Code::kGone) return std::optional<Loaded>();
    return t.status();
  }
  return std::optional<Loaded>(std::move(t).value());
}

Status VaultImpl::CollectAccesses(UnixMillis since,
                                  std::map<std::string, std::vector<RecordedAccess>>* wanted) {
  // Start in the last segment that begins before `since` (one record read
  // per probe), then read every record to the end of the log.
  const std::vector<uint64_t> firsts = audit_->SegmentFirstSeqs();
  size_t lo = 0;
  size_t hi = firsts.size();
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    VAULT_ASSIGN_OR_RETURN(std::vector<audit::StoredRecord> probe, audit_->Read(firsts[mid], 1));
    if (!probe.empty() && probe.front().record.time_ms < since) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  uint64_t from = lo == 0 ? 0 : firsts[lo - 1];
  const uint64_t end = audit_->Size();
  while (from < end) {
    VAULT_ASSIGN_OR_RETURN(std::vector<audit::StoredRecord> page,
                           audit_->Read(from, kAuditPage));
    if (page.empty()) break;
    for (const audit::StoredRecord& record : page) CollectFrom(record, wanted);
    from = page.back().record.seq + 1;
  }
  return Status::OK();
}

}  // namespace vault
