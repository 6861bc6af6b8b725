// VaultImpl: visitors' rights on request (docs/data-protection.md): the
// rights-request register (vault/rights) and the rights it carries out that
// are not erasure or access: restriction, objection and their lifting.
#include <algorithm>
#include <string>
#include <vector>

#include "vault/common/encoding.h"
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
  MutexLock lock(&StripeFor(raw_id));
  StatusOr<std::string> wrapped = store_->Get(Column::kWrappedKeys, raw_id);
  if (!wrapped.ok()) {
    if (wrapped.status().code() == Status::Code::kNotFound) return std::string();
    return wrapped.status();
  }
  // A held transcript is out of everyday use already: only two officers
  // together can open it. The hold takes precedence.
  if (IsHeldMarker(*wrapped)) return std::string("withheld");
  StatusOr<Loaded> t = LoadWrapped(raw_id, *wrapped);
  if (!t.ok()) {
    if (t.status().code() == Status::Code::kGone) return std::string();  // erased or expired
    return t.status();
  }
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
    if (it == list.end()) return std::string();
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

Status VaultImpl::LiftRestrictions(const Caller& caller, RightsRequest* entry,
                                   std::string_view reason) {
  for (RightsTouch& touch : entry->touched) {
    if (touch.outcome != "restricted") continue;
    std::string raw_id;
    if (!ParseId(touch.id, &raw_id)) continue;
    VAULT_ASSIGN_OR_RETURN(std::string did,
                           SetRestriction(caller, raw_id, entry->id, /*on=*/false,
                                          {{"reason", std::string(reason)}}));
    touch.outcome = did == "lifted" ? "lifted" : "gone";
  }
  return Status::OK();
}

Status VaultImpl::EraseRestricted(const Caller& caller, RightsRequest* entry) {
  const AuditDetails why = {{"purpose", "objection"}, {"request", entry->id}};
  uint64_t last_erasure = 0;
  Status failed = Status::OK();
  for (RightsTouch& touch : entry->touched) {
    if (touch.outcome != "restricted") continue;
    std::string raw_id;
    if (!ParseId(touch.id, &raw_id)) continue;
    MutexLock lock(&StripeFor(raw_id));
    StatusOr<std::string> wrapped = store_->Get(Column::kWrappedKeys, raw_id);
    if (!wrapped.ok() && wrapped.status().code() != Status::Code::kNotFound) {
      failed = wrapped.status();
      break;
    }
    if (wrapped.ok() && IsHeldMarker(*wrapped)) {
      touch.outcome = "withheld";
      continue;
    }
    StatusOr<Loaded> t = wrapped.ok() ? LoadWrapped(raw_id, *wrapped)
                                      : StatusOr<Loaded>(Status::Gone("gone"));
    if (!t.ok()) {
      if (t.status().code() != Status::Code::kGone) {
        failed = t.status();
        break;
      }
      touch.outcome = "gone";
      continue;
    }
    StatusOr<uint64_t> erasure = CommitErasure(caller, touch.id, *t, why);
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
