// VaultImpl: visitors' rights on request (docs/data-protection.md): the
// rights-request register (vault/rights) and the rights it carries out that
// are not erasure or access: restriction, objection and their lifting.
#include <algorithm>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "vault/common/encoding.h"
#include "vault/common/utf8.h"
#include "vault/crypto/aead.h"
#include "vault/index/identifiers.h"
#include "vault/core/vault_impl.h"
#include "vault/core/vault_internal.h"
#include "vault/rights/calendar.h"

namespace vault {
namespace {

// A request may be registered as received up to this long ago (a letter
// that reached the dpo late), never in the future.
constexpr int64_t kMaxReceivedAgeMs = 366 * kMillisPerDay;
// The law allows one extension, by up to two further months.
constexpr uint32_t kMaxExtensionMonths = 2;

// Reason codes: the register holds no free text, so that no identifier can
// reach it.
constexpr std::string_view kExtensionReasons[] = {"complex", "numerous"};
constexpr std::string_view kRefusalReasons[] = {"manifestly_unfounded", "excessive",
                                               "identity_not_verified", "exemption"};
constexpr std::string_view kLiftReasons[] = {"accuracy_verified", "objection_rejected",
                                            "visitor_withdrew", "no_longer_applies"};
constexpr std::string_view kRejectionReasons[] = {"compelling_legitimate_grounds",
                                                 "legal_claims"};

template <size_t N>
bool OneOf(const std::string_view (&codes)[N], std::string_view code) {
  return std::find(std::begin(codes), std::end(codes), code) != std::end(codes);
}

template <size_t N>
std::string ListOf(const std::string_view (&codes)[N]) {
  std::string out;
  for (std::string_view c : codes) out += (out.empty() ? "" : ", ") + std::string(c);
  return out;
}

Status UnknownRequest() {
  return Status::NotFound("no rights request with this id", "unknown_request");
}

Status RequestClosed(const RightsRequest& e) {
  return Status::FailedPrecondition(
      std::string("this request is ") + RightsStateName(e.state) + " already", "request_closed");
}

void AddTouch(RightsRequest* entry, const RightsTouch& touch) {
  for (RightsTouch& t : entry->touched) {
    if (t.id == touch.id) {
      t.outcome = touch.outcome;
      return;
    }
  }
  entry->touched.push_back(touch);
}

}  // namespace

bool VaultImpl::MayHandle(const Caller& caller, const RightsRequest& entry, bool read) {
  if (read && caller.Has(Role::kAuditor)) return true;
  if (!caller.Has(Role::kDpo)) return false;
  if (entry.services.empty()) return caller.dpo_scope.all;
  return std::all_of(entry.services.begin(), entry.services.end(),
                     [&](const std::string& s) { return caller.MayAnswerFor(s); });
}

StatusOr<RightsRequest> VaultImpl::FindEntry(const Caller& caller, std::string_view id, bool read) {
  std::optional<RightsRequest> entry = rights_->Get(id, clock_->NowMillis());
  // Another service's entry is answered like none at all.
  if (!entry || !MayHandle(caller, *entry, read)) return UnknownRequest();
  return *std::move(entry);
}

StatusOr<RightsRequest> VaultImpl::DoRegister(const Caller& caller, RightsKind kind,
                                              UnixMillis received,
                                              std::vector<std::string> services) {
  const UnixMillis now = clock_->NowMillis();
  RightsRequest entry;
  entry.id = RightsRegister::NewId();
  entry.kind = kind;
  entry.services = std::move(services);
  entry.registered_at = now;
  entry.received_at = received == 0 ? now : received;
  entry.due_at = rights::DueAt(entry.received_at, 1);
  VAULT_RETURN_IF_ERROR(Audit(caller, "rights.register", entry.id, "ok",
                              {{"kind", RightsKindName(kind)},
                               {"received_at", std::to_string(entry.received_at)},
                               {"due", rights::DueDate(entry.due_at)}}));
  if (Status put = rights_->Put(entry); !put.ok()) {
    const Status noted = Audit(caller, "rights.register", entry.id, "write_failed");
    (void)noted;
    return put;
  }
  entry.overdue = now >= entry.due_at;
  return entry;
}

StatusOr<RightsRequest> VaultImpl::RegisterRightsRequest(const Caller& caller,
                                                         const RightsRegistration& registration) {
  MutexLock rights(&rights_mu_);
  const auto refuse = [&](const Status& why) -> Status {
    return AuditOutcome(caller, "rights.register", "", why);
  };
  if (!caller.Has(Role::kDpo)) {
    return refuse(Status::PermissionDenied("only the dpo role registers visitors' requests",
                                           "forbidden"));
  }
  const UnixMillis now = clock_->NowMillis();
  if (registration.received_at != 0 &&
      (registration.received_at > now || registration.received_at < now - kMaxReceivedAgeMs)) {
    return refuse(Status::InvalidArgument(
        "received_at must not be in the future nor more than a year ago", "invalid_received_at"));
  }
  StatusOr<ServiceScope> scope = DpoScopeOf(caller, registration.services);
  if (!scope.ok()) return refuse(scope.status());
  if (scope->empty()) {
    return refuse(Status::PermissionDenied("this caller answers requests for no service",
                                           "service_forbidden"));
  }
  std::vector<std::string> services(scope->services.begin(), scope->services.end());
  return DoRegister(caller, registration.kind, registration.received_at, std::move(services));
}

StatusOr<std::vector<RightsRequest>> VaultImpl::ListRightsRequests(const Caller& caller,
                                                                   RightsListing which) {
  const bool allowed = caller.Has(Role::kDpo) || caller.Has(Role::kAuditor);
  VAULT_RETURN_IF_ERROR(Audit(caller, "rights.list", "", allowed ? "ok" : "forbidden"));
  if (!allowed) {
    return Status::PermissionDenied("only the dpo and auditor roles see the rights register",
                                    "forbidden");
  }
  std::vector<RightsRequest> out;
  for (RightsRequest& e : rights_->List(which, clock_->NowMillis())) {
    if (MayHandle(caller, e, /*read=*/true)) out.push_back(std::move(e));
  }
  return out;
}

StatusOr<RightsRequest> VaultImpl::GetRightsRequest(const Caller& caller, std::string_view id) {
  StatusOr<RightsRequest> entry = Status::PermissionDenied(
      "only the dpo and auditor roles see the rights register", "forbidden");
  if (caller.Has(Role::kDpo) || caller.Has(Role::kAuditor)) entry = FindEntry(caller, id, true);
  VAULT_RETURN_IF_ERROR(
      AuditOutcome(caller, "rights.read", entry.ok() ? id : std::string_view(), entry.status()));
  return entry;
}

StatusOr<RightsRequest> VaultImpl::UpdateRightsRequest(const Caller& caller, std::string_view id,
                                                       const RightsUpdate& update) {
  MutexLock rights(&rights_mu_);
  return DoUpdate(caller, id, update);
}

StatusOr<RightsRequest> VaultImpl::DoUpdate(const Caller& caller, std::string_view id,
                                            const RightsUpdate& update) {
  using Action = RightsUpdate::Action;
  const char* action = "rights.complete";
  switch (update.action) {
    case Action::kExtend: action = "rights.extend"; break;
    case Action::kComplete: action = "rights.complete"; break;
    case Action::kRefuse: action = "rights.refuse"; break;
    case Action::kLift: action = "rights.lift"; break;
    case Action::kDecide: action = "rights.decide"; break;
  }
  StatusOr<RightsRequest> found = caller.Has(Role::kDpo)
                                      ? FindEntry(caller, id, /*read=*/false)
                                      : StatusOr<RightsRequest>(Status::PermissionDenied(
                                            "only the dpo role changes rights requests",
                                            "forbidden"));
  const std::string_view object = found.ok() ? id : std::string_view();
  if (!found.ok()) return AuditOutcome(caller, action, object, found.status());
  RightsRequest entry = *std::move(found);
  const auto refuse = [&](const Status& why) -> Status {
    return AuditOutcome(caller, action, object, why);
  };
  const UnixMillis now = clock_->NowMillis();
  const bool open = entry.state == RightsState::kOpen;
  AuditDetails details = {{"kind", RightsKindName(entry.kind)}};

  switch (update.action) {
    case Action::kExtend: {
      if (!open) return refuse(RequestClosed(entry));
      if (entry.extension_months != 0) {
        return refuse(Status::FailedPrecondition("this request has been extended once already",
                                                 "already_extended"));
      }
      if (update.months < 1 || update.months > kMaxExtensionMonths) {
        return refuse(Status::InvalidArgument(
            "an extension is by 1 or 2 further months, at most once", "invalid_months"));
      }
      if (!OneOf(kExtensionReasons, update.reason)) {
        return refuse(Status::InvalidArgument(
            "an extension needs a reason: " + ListOf(kExtensionReasons), "invalid_reason"));
      }
      // The visitor must be told of an extension within the first month
      // (UK GDPR Art. 12(3)): an overdue request is answered, not extended.
      if (now >= entry.due_at) {
        return refuse(Status::FailedPrecondition(
            "an extension is made within one month of receipt; this request is overdue",
            "too_late"));
      }
      entry.extension_months = update.months;
      entry.extension_reason = update.reason;
      entry.extended_at = now;
      entry.due_at = rights::DueAt(entry.received_at, 1 + update.months);
      details.emplace_back("months", std::to_string(update.months));
      details.emplace_back("reason", update.reason);
      details.emplace_back("due", rights::DueDate(entry.due_at));
      break;
    }
    case Action::kComplete: {
      if (!open) return refuse(RequestClosed(entry));
      if (entry.kind == RightsKind::kObjection) {
        return refuse(Status::FailedPrecondition(
            "an objection is completed by its decision (POST .../decide)", "decision_required"));
      }
      entry.state = RightsState::kDone;
      entry.closed_at = now;
      break;
    }
    case Action::kRefuse: {
      if (!open) return refuse(RequestClosed(entry));
      if (!OneOf(kRefusalReasons, update.reason)) {
        return refuse(Status::InvalidArgument(
            "a refusal needs a reason: " + ListOf(kRefusalReasons), "invalid_reason"));
      }
      details.emplace_back("reason", update.reason);
      VAULT_RETURN_IF_ERROR(Audit(caller, action, id, "ok", details));
      // Whatever it restricted is restricted no longer.
      VAULT_RETURN_IF_ERROR(LiftRestrictions(caller, &entry, "request_refused"));
      entry.state = RightsState::kRefused;
      entry.refusal_reason = update.reason;
      entry.closed_at = now;
      VAULT_RETURN_IF_ERROR(rights_->Put(entry));
      entry.overdue = entry.state == RightsState::kOpen && now >= entry.due_at;
      return entry;
    }
    case Action::kLift: {
      if (entry.kind != RightsKind::kRestriction) {
        return refuse(Status::FailedPrecondition(
            "only a restriction is lifted; an objection's ends with its decision", "wrong_kind"));
      }
      if (entry.state == RightsState::kRefused || entry.lifted_at != 0) {
        return refuse(Status::FailedPrecondition("this restriction is not in force",
                                                 "request_closed"));
      }
      if (!OneOf(kLiftReasons, update.reason)) {
        return refuse(Status::InvalidArgument(
            "lifting needs a reason: " + ListOf(kLiftReasons), "invalid_reason"));
      }
      details.emplace_back("reason", update.reason);
      VAULT_RETURN_IF_ERROR(Audit(caller, action, id, "ok", details));
      VAULT_RETURN_IF_ERROR(LiftRestrictions(caller, &entry, update.reason));
      entry.lifted_at = now;
      entry.lift_reason = update.reason;
      if (entry.state == RightsState::kOpen) {
        entry.state = RightsState::kDone;
        entry.closed_at = now;
      }
      VAULT_RETURN_IF_ERROR(rights_->Put(entry));
      entry.overdue = entry.state == RightsState::kOpen && now >= entry.due_at;
      return entry;
    }
    case Action::kDecide: {
      if (entry.kind != RightsKind::kObjection) {
        return refuse(Status::FailedPrecondition("only an objection is decided", "wrong_kind"));
      }
      if (!open) return refuse(RequestClosed(entry));
      const std::string& d = update.decision;
      if (d != "upheld_erase" && d != "upheld_restricted" && d != "rejected") {
        return refuse(Status::InvalidArgument(
            "decision must be upheld_erase, upheld_restricted or rejected", "invalid_decision"));
      }
      if (d == "rejected" ? !OneOf(kRejectionReasons, update.reason) : !update.reason.empty()) {
        return refuse(Status::InvalidArgument(
            d == "rejected" ? "a rejection needs a reason: " + ListOf(kRejectionReasons)
                            : "an upheld objection takes no reason",
            "invalid_reason"));
      }
      details.emplace_back("decision", d);
      if (!update.reason.empty()) details.emplace_back("reason", update.reason);
      VAULT_RETURN_IF_ERROR(Audit(caller, action, id, "ok", details));
      if (d == "upheld_erase") {
        VAULT_RETURN_IF_ERROR(EraseRestricted(caller, &entry));
      } else if (d == "rejected") {
        VAULT_RETURN_IF_ERROR(LiftRestrictions(caller, &entry, "objection_rejected"));
        entry.lifted_at = now;
        entry.lift_reason = "objection_rejected";
      }
      entry.decision = d;
      entry.decision_reason = update.reason;
      entry.state = RightsState::kDone;
      entry.closed_at = now;
      VAULT_RETURN_IF_ERROR(rights_->Put(entry));
      entry.overdue = entry.state == RightsState::kOpen && now >= entry.due_at;
      return entry;
    }
  }
  VAULT_RETURN_IF_ERROR(Audit(caller, action, id, "ok", details));
  VAULT_RETURN_IF_ERROR(rights_->Put(entry));
  entry.overdue = entry.state == RightsState::kOpen && now >= entry.due_at;
  return entry;
}

StatusOr<VaultImpl::SubjectMatches> VaultImpl::BeginRightsAction(const Caller& caller,
                                                                 SubjectAccessQuery query,
                                                                 RightsKind kind,
                                                                 RightsAction* action) {
  if (!caller.Has(Role::kDpo)) {
    return Status::PermissionDenied("only the dpo role answers visitors' requests", "forbidden");
  }
  if (!query.request.empty()) {
    VAULT_ASSIGN_OR_RETURN(action->entry, FindEntry(caller, query.request, /*read=*/false));
    if (action->entry.state != RightsState::kOpen) return RequestClosed(action->entry);
    if (action->entry.kind != kind) {
      return Status::FailedPrecondition(std::string("this request is a request for ") +
                                            RightsKindName(action->entry.kind),
                                        "wrong_kind");
    }
    if (query.services.empty()) query.services = action->entry.services;
  }
  // Everything is checked before anything is registered: a bad query
  // changes nothing.
  VAULT_ASSIGN_OR_RETURN(SubjectMatches matched, MatchSubject(caller, query));
  if (action->entry.id.empty()) {
    VAULT_ASSIGN_OR_RETURN(action->entry, DoRegister(caller, kind, 0, matched.services));
    action->registered = true;
  }
  return matched;
}

Status VaultImpl::FinishRightsAction(const Caller& caller, RightsAction* action,
                                     const std::vector<RightsTouch>& touches,
                                     const Status& result) {
  if (action->entry.id.empty()) return Status::OK();  // nothing was registered
  for (const RightsTouch& t : touches) AddTouch(&action->entry, t);
  if (result.ok() && action->registered && action->entry.kind != RightsKind::kObjection) {
    action->entry.state = RightsState::kDone;
    action->entry.closed_at = clock_->NowMillis();
    VAULT_RETURN_IF_ERROR(Audit(caller, "rights.complete", action->entry.id, "ok",
                                {{"kind", RightsKindName(action->entry.kind)}}));
  }
  return rights_->Put(action->entry);
}

StatusOr<std::string> VaultImpl::SetRestriction(const Caller& caller, const std::string& raw_id,
                                                std::string_view request, bool on,
                                                AuditDetails why) {
  std::string request_raw;
  if (!FromHex(request, &request_raw) || request_raw.size() != kIdBytes) {
    return Status::Internal("malformed request id");
  }
  const std::string id = ToHex(raw_id);
  StripeLock lock(&StripeFor(raw_id));
  bool held = false;
  VAULT_ASSIGN_OR_RETURN(std::optional<Loaded> t, LoadIfLive(raw_id, &held));
  // A held transcript is out of everyday use already: only two officers
  // together can open it, and its state cannot be rewritten without them.
  // The register's entry says what applies once the hold ends
  // (RestrictionsAtRelease).
  if (held) return std::string("withheld");
  if (!t) return std::string("gone");  // erased or expired
  std::vector<std::string>& list = t->state.restrictions;
  const auto it = std::find(list.begin(), list.end(), request_raw);
  if (on) {
    if (it != list.end()) return std::string("restricted");
    if (list.size() >= kMaxRestrictions) {
      return Status::ResourceExhausted("this transcript carries too many restrictions",
                                       "too_many_restrictions");
    }
    list.push_back(request_raw);
  } else {
    if (it == list.end()) return std::string("lifted");  // nothing of this request on it
    list.erase(it);
  }
  WriteBatch batch;
  VAULT_RETURN_IF_ERROR(StageState(&*t, &batch));
  const char* action = on ? "transcript.restrict" : "transcript.unrestrict";
  why.emplace_back("request", std::string(request));
  VAULT_RETURN_IF_ERROR(Audit(caller, action, id, "ok", why));
  if (Status written = store_->Write(&batch); !written.ok()) {
    const Status noted = Audit(caller, action, id, "write_failed", why);
    (void)noted;
    return written;
  }
  return std::string(on ? "restricted" : "lifted");
}

namespace {

bool Restricts(const RightsTouch& t) { return t.outcome == "restricted" || t.outcome == "withheld"; }

}  // namespace

Status VaultImpl::LiftRestrictions(const Caller& caller, RightsRequest* entry,
                                   std::string_view reason) {
  for (RightsTouch& touch : entry->touched) {
    if (!Restricts(touch)) continue;
    std::string raw_id;
    if (!ParseId(touch.id, &raw_id)) continue;
    VAULT_ASSIGN_OR_RETURN(std::string did,
                           SetRestriction(caller, raw_id, entry->id, /*on=*/false,
                                          {{"reason", std::string(reason)}}));
    // Held: lifted in the register now, off the transcript at its release.
    touch.outcome = did == "gone" ? "gone" : "lifted";
  }
  return Status::OK();
}

std::vector<std::string> VaultImpl::RestrictionsAtRelease(std::string_view raw_id) const {
  if (rights_ == nullptr) return {};
  return rights_->RestrictionsOf(ToHex(raw_id));
}

Status VaultImpl::KeepRightsInForce(UnixMillis now) {
  if (rights_ == nullptr) return Status::OK();
  MutexLock rights(&rights_mu_);
  const uint64_t base = keyring_->base_epoch();
  Status first = Status::OK();
  for (RightsRequest& entry : rights_->DueForRenewal(now)) {
    // What became of a restriction's or an objection's transcripts:
    // shredded ones restrict nothing any more; a held one waits for its
    // release; a live one is restricted (a release applied what was
    // "withheld"). Other kinds are in force only while open; what they
    // did to their transcripts stays as recorded.
    const bool restricts =
        entry.kind == RightsKind::kRestriction || entry.kind == RightsKind::kObjection;
    for (RightsTouch& touch : entry.touched) {
      if (!restricts || !Restricts(touch)) continue;
      std::string raw_id;
      if (!ParseId(touch.id, &raw_id)) continue;
      StatusOr<std::string> wrapped = store_->Get(Column::kWrappedKeys, raw_id);
      if (!wrapped.ok() && wrapped.status().code() != Status::Code::kNotFound) {
        first = wrapped.status();
        break;
      }
      if (!wrapped.ok() || IsTombstone(*wrapped)) {
        touch.outcome = "gone";
      } else if (IsHeldMarker(*wrapped)) {
        touch.outcome = "withheld";
      } else {
        StatusOr<uint64_t> epoch = Keyring::WrappedEpoch(*wrapped);
        touch.outcome = epoch.ok() && *epoch >= base ? "restricted" : "gone";
      }
    }
    if (!first.ok()) break;
    // Written again: wrapped under the epoch of now plus the register's
    // retention while it is in force, of its usual keep-until time once not
    // (Gone if that time has passed: it goes at the next purge).
    if (Status put = rights_->Put(entry); !put.ok() && put.code() != Status::Code::kGone) {
      first = put;
      break;
    }
  }
  return first;
}

Status VaultImpl::EraseRestricted(const Caller& caller, RightsRequest* entry) {
  const AuditDetails why = {{"purpose", "objection"}, {"request", entry->id}};
  uint64_t last_erasure = 0;
  Status failed = Status::OK();
  for (RightsTouch& touch : entry->touched) {
    if (!Restricts(touch)) continue;
    std::string raw_id;
    if (!ParseId(touch.id, &raw_id)) continue;
    StripeLock lock(&StripeFor(raw_id));
    bool held = false;
    StatusOr<std::optional<Loaded>> t = LoadIfLive(raw_id, &held);
    if (!t.ok()) {
      failed = t.status();
      break;
    }
    if (held) {
      // Still restricted once released (RestrictionsAtRelease).
      touch.outcome = "withheld";
      continue;
    }
    if (!*t) {
      touch.outcome = "gone";
      continue;
    }
    StatusOr<uint64_t> erasure = CommitErasure(caller, touch.id, **t, why);
    if (!erasure.ok()) {
      failed = erasure.status();
      break;
    }
    last_erasure = *erasure;
    touch.outcome = "erased";
  }
  if (last_erasure != 0) CompactAfterErase(last_erasure);
  return failed;
}

StatusOr<SubjectRestrictionAnswer> VaultImpl::SubjectRestriction(const Caller& caller,
                                                                 const SubjectAccessQuery& query,
                                                                 RightsKind kind) {
  const char* action =
      kind == RightsKind::kObjection ? "subject.objection" : "subject.restriction";
  MutexLock rights(&rights_mu_);
  RightsAction carried;
  SubjectRestrictionAnswer answer;
  Status status = kind == RightsKind::kRestriction || kind == RightsKind::kObjection
                      ? DoSubjectRestriction(caller, query, kind, &carried, &answer)
                      : Status::InvalidArgument("not a restriction or an objection");
  std::vector<RightsTouch> touches;
  for (const std::string& id : answer.restricted) touches.push_back({id, "restricted"});
  for (const std::string& id : answer.withheld) touches.push_back({id, "withheld"});
  const Status recorded = FinishRightsAction(caller, &carried, touches, status);
  if (!status.ok()) return AuditOutcome(caller, action, carried.entry.id, status);
  VAULT_RETURN_IF_ERROR(recorded);
  VAULT_RETURN_IF_ERROR(Audit(caller, action, carried.entry.id, "ok",
                              {{"searched", JoinKinds(answer.searched)},
                               {"restricted", std::to_string(answer.restricted.size())},
                               {"withheld", std::to_string(answer.withheld.size())}},
                              &answer.audit_seq));
  answer.request = carried.entry.id;
  return answer;
}

Status VaultImpl::DoSubjectRestriction(const Caller& caller, const SubjectAccessQuery& query,
                                       RightsKind kind, RightsAction* action,
                                       SubjectRestrictionAnswer* answer) {
  VAULT_ASSIGN_OR_RETURN(SubjectMatches matched,
                         BeginRightsAction(caller, query, kind, action));
  answer->searched = std::move(matched.searched);
  answer->services = std::move(matched.services);
  const AuditDetails why = {
      {"purpose", kind == RightsKind::kObjection ? "objection" : "restriction"}};
  for (const auto& [raw_id, kinds] : matched.found) {
    VAULT_ASSIGN_OR_RETURN(std::string did,
                           SetRestriction(caller, raw_id, action->entry.id, /*on=*/true, why));
    if (did == "restricted") answer->restricted.push_back(ToHex(raw_id));
    if (did == "withheld") answer->withheld.push_back(ToHex(raw_id));
  }
  answer->answered_at = clock_->NowMillis();
  return Status::OK();
}

}  // namespace vault

namespace vault {
namespace {

// The visitor fields by their wire names.
constexpr std::pair<std::string_view, std::optional<std::string> Visitor::*> kVisitorFields[] = {
    {"name", &Visitor::name},         {"ip", &Visitor::ip},
    {"location", &Visitor::location}, {"user_agent", &Visitor::user_agent},
    {"device", &Visitor::device},     {"ref", &Visitor::ref},
    {"email", &Visitor::email},       {"phone", &Visitor::phone},
};

std::optional<std::string> Visitor::*FieldOf(std::string_view name) {
  for (const auto& [key, member] : kVisitorFields) {
    if (key == name) return member;
  }
  return nullptr;
}

}  // namespace

StatusOr<SubjectRectificationAnswer> VaultImpl::SubjectRectification(
    const Caller& caller, const SubjectAccessQuery& query,
    const std::vector<VisitorCorrection>& corrections) {
  MutexLock rights(&rights_mu_);
  RightsAction action;
  SubjectRectificationAnswer answer;
  const Status status = DoSubjectRectification(caller, query, corrections, &action, &answer);
  std::vector<RightsTouch> touches;
  for (const std::string& id : answer.rectified) touches.push_back({id, "rectified"});
  for (const std::string& id : answer.withheld) touches.push_back({id, "withheld"});
  const Status recorded = FinishRightsAction(caller, &action, touches, status);
  if (!status.ok()) return AuditOutcome(caller, "subject.rectification", action.entry.id, status);
  VAULT_RETURN_IF_ERROR(recorded);
  std::string fields;
  for (const std::string& f : answer.fields) fields += (fields.empty() ? "" : ",") + f;
  VAULT_RETURN_IF_ERROR(Audit(caller, "subject.rectification", action.entry.id, "ok",
                              {{"searched", JoinKinds(answer.searched)},
                               {"fields", fields},
                               {"rectified", std::to_string(answer.rectified.size())},
                               {"withheld", std::to_string(answer.withheld.size())}},
                              &answer.audit_seq));
  answer.request = action.entry.id;
  return answer;
}

Status VaultImpl::DoSubjectRectification(const Caller& caller, const SubjectAccessQuery& query,
                                         const std::vector<VisitorCorrection>& corrections,
                                         RightsAction* action,
                                         SubjectRectificationAnswer* answer) {
  if (!caller.Has(Role::kDpo)) {
    return Status::PermissionDenied("only the dpo role answers visitors' requests", "forbidden");
  }
  // The corrections alone must be valid before anything is searched.
  if (corrections.empty()) {
    return Status::InvalidArgument("give at least one visitor field to correct", "no_change");
  }
  Visitor given;
  std::string fields;
  for (const VisitorCorrection& c : corrections) {
    std::optional<std::string> Visitor::*member = FieldOf(c.field);
    if (member == nullptr) {
      return Status::InvalidArgument("unknown visitor field", "invalid_field");
    }
    if (std::find(answer->fields.begin(), answer->fields.end(), c.field) != answer->fields.end()) {
      return Status::InvalidArgument("a visitor field is given twice", "invalid_field");
    }
    given.*member = c.value;
    answer->fields.push_back(c.field);
    fields += (fields.empty() ? "" : ",") + c.field;
  }
  VAULT_RETURN_IF_ERROR(ValidateVisitor(given));

  VAULT_ASSIGN_OR_RETURN(SubjectMatches matched,
                         BeginRightsAction(caller, query, RightsKind::kRectification, action));
  answer->searched = std::move(matched.searched);
  answer->services = std::move(matched.services);
  const AuditDetails why = {{"fields", fields}, {"request", action->entry.id}};
  Status failed = Status::OK();
  bool changed = false;
  for (const auto& [raw_id, kinds] : matched.found) {
    const std::string id = ToHex(raw_id);
    StripeLock lock(&StripeFor(raw_id));
    bool held = false;
    StatusOr<std::optional<Loaded>> live = LoadIfLive(raw_id, &held);
    if (!live.ok()) {
      failed = live.status();
      break;
    }
    // The held copy is evidence: the officers decide about it.
    if (held) answer->withheld.push_back(id);
    if (!*live || !matched.scope.Covers((*live)->state.service)) continue;
    Loaded* t = &**live;
    StatusOr<Visitor> old = ReadVisitor(raw_id, t->dek);
    if (!old.ok()) {
      failed = old.status();
      break;
    }
    Visitor updated = *old;
    for (const VisitorCorrection& c : corrections) updated.*FieldOf(c.field) = c.value;
    WriteBatch batch;
    std::string sealed;
    failed = SealInto(t->dek, raw_id, RecordKind::kVisitor, 0, EncodeVisitor(updated), &sealed);
    if (!failed.ok()) break;
    batch.Put(Column::kTranscripts, TranscriptKey(raw_id, RecordKind::kVisitor), sealed);
    // The index follows: the old identifiers' entries go, the new ones come
    // (an unchanged one is deleted and put again in the same batch).
    const std::vector<Identifier> old_ids = IndexedIdentifiers(*old);
    const std::vector<Identifier> new_ids = IndexedIdentifiers(updated);
    failed = index_.StageRemove(t->key_epoch, raw_id, old_ids, &batch);
    // Only the identifiers that this transcript no longer has.
    std::vector<Identifier> gone;
    for (const Identifier& i : old_ids) {
      if (std::find(new_ids.begin(), new_ids.end(), i) == new_ids.end()) gone.push_back(i);
    }
    presence_->MarkRecheck(t->state.service, gone, t->key_epoch);
    if (failed.ok()) {
      failed = index_.StageAdd(t->key_epoch, raw_id, t->state.service, new_ids, &batch);
    }
    if (failed.ok()) failed = Audit(caller, "transcript.rectify", id, "ok", why);
    if (!failed.ok()) break;
    if (Status written = store_->Write(&batch); !written.ok()) {
      const Status noted = Audit(caller, "transcript.rectify", id, "write_failed", why);
      (void)noted;
      failed = written;
      break;
    }
    changed = true;
    answer->rectified.push_back(id);
  }
  // The old records leave the live files now, as an erased transcript's do.
  if (changed) CompactAfterErase(erasures_committed_.fetch_add(1, std::memory_order_acq_rel) + 1);
  VAULT_RETURN_IF_ERROR(failed);
  answer->answered_at = clock_->NowMillis();
  return Status::OK();
}

StatusOr<StatementAdded> VaultImpl::AddStatement(const Caller& caller, std::string_view id,
                                                 const StatementFiling& filing) {
  MutexLock rights(&rights_mu_);
  RightsAction action;
  StatementAdded added;
  const Status status = DoAddStatement(caller, id, filing, &action, &added);
  std::vector<RightsTouch> touches;
  if (status.ok()) touches.push_back({added.id, "rectified"});
  const Status recorded = FinishRightsAction(caller, &action, touches, status);
  if (!status.ok()) return AuditOutcome(caller, "transcript.statement", id, status);
  VAULT_RETURN_IF_ERROR(recorded);
  added.request = action.entry.id;
  return added;
}

Status VaultImpl::DoAddStatement(const Caller& caller, std::string_view id,
                                 const StatementFiling& filing, RightsAction* action,
                                 StatementAdded* added) {
  if (!caller.Has(Role::kDpo)) {
    return Status::PermissionDenied("only the dpo role answers visitors' requests", "forbidden");
  }
  if (filing.text.empty() || filing.text.size() > options_.max_text_bytes ||
      !IsValidUtf8(filing.text)) {
    return Status::InvalidArgument("text must be 1 to " + std::to_string(options_.max_text_bytes) +
                                       " bytes of UTF-8",
                                   "invalid_text");
  }
  std::string raw_id;
  if (!ParseId(id, &raw_id)) return NoSuchTranscript();
  if (!filing.request.empty()) {
    VAULT_ASSIGN_OR_RETURN(action->entry, FindEntry(caller, filing.request, /*read=*/false));
    if (action->entry.state != RightsState::kOpen) return RequestClosed(action->entry);
    if (action->entry.kind != RightsKind::kRectification) {
      return Status::FailedPrecondition(std::string("this request is a request for ") +
                                            RightsKindName(action->entry.kind),
                                        "wrong_kind");
    }
  }
  StripeLock lock(&StripeFor(raw_id));
  StatusOr<std::string> stored = store_->Get(Column::kWrappedKeys, raw_id);
  if (!stored.ok()) {
    if (stored.status().code() == Status::Code::kNotFound) return NoSuchTranscript();
    return stored.status();
  }
  const std::string& wrapped = *stored;
  if (IsHeldMarker(wrapped)) {
    return Status::FailedPrecondition(
        "this transcript is under legal hold; the safeguarding officers decide about it",
        "legal_hold");
  }
  VAULT_ASSIGN_OR_RETURN(Loaded t, LoadWrapped(raw_id, wrapped));
  if (!caller.MayAnswerFor(t.state.service)) {
    return Status::PermissionDenied(
        "this caller does not answer requests for this transcript's service", "service_forbidden");
  }
  StatusOr<std::string> message = store_->Get(Column::kMessages, MessageKey(raw_id, filing.seq));
  if (!message.ok()) {
    if (message.status().code() != Status::Code::kNotFound) return message.status();
    return Status::NotFound("this transcript has no message with this seq", "no_such_message");
  }
  size_t n = 0;
  VAULT_RETURN_IF_ERROR(store_->Scan(Column::kMessages, MessageKey(raw_id, filing.seq),
                                     [&](std::string_view k, std::string_view) {
                                       n += k.size() == kIdBytes + 9 ? 1 : 0;
                                       return true;
                                     }));
  if (n >= kMaxStatementsPerMessage) {
    return Status::ResourceExhausted("a message carries at most 16 statements",
                                     "too_many_statements");
  }
  if (action->entry.id.empty()) {
    VAULT_ASSIGN_OR_RETURN(action->entry,
                           DoRegister(caller, RightsKind::kRectification, 0, {t.state.service}));
    action->registered = true;
  }
  const Statement statement{filing.text, clock_->NowMillis()};
  std::string sealed;
  VAULT_RETURN_IF_ERROR(aead::Seal(t.dek, EncodeStatement(statement),
                                   StatementAd(raw_id, filing.seq, static_cast<uint8_t>(n)),
                                   &sealed));
  WriteBatch batch;
  batch.Put(Column::kMessages, StatementKey(raw_id, filing.seq, static_cast<uint8_t>(n)), sealed);
  const AuditDetails why = {{"seq", std::to_string(filing.seq)}, {"request", action->entry.id}};
  VAULT_RETURN_IF_ERROR(Audit(caller, "transcript.statement", id, "ok", why));
  if (Status written = store_->Write(&batch); !written.ok()) {
    const Status noted = Audit(caller, "transcript.statement", id, "write_failed", why);
    (void)noted;
    return written;
  }
  added->id = std::string(id);
  added->seq = filing.seq;
  added->added_at = statement.added_at;
  return Status::OK();
}

}  // namespace vault
