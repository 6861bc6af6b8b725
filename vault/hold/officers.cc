// LegalHold: officers (enrol, revoke, list) and the checks every officer's
// statement passes. Design: docs/design.md, "Legal hold".
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "vault/common/encoding.h"
#include "vault/common/key_state.h"
#include "vault/common/outcome.h"
#include "vault/hold/hold_internal.h"
#include "vault/hold/legal_hold.h"
#include "vault/officer/statement.h"

namespace vault {
namespace {

using safeguard::StoredOfficer;

std::string Raw(const uint8_t* p, size_t n) {
  return std::string(reinterpret_cast<const char*>(p), n);
}

OfficerInfo DescribeOfficer(const StoredOfficer& o) {
  OfficerInfo info;
  info.id = o.id;
  info.fingerprint = safeguard::Fingerprint(o.keys);
  info.enrolled_at = o.enrolled_at;
  info.enrolled_by = o.enrolled_by;
  info.revoked_at = o.revoked_at;
  info.compromised = o.compromised;
  // The token without its self-signature cannot be rebuilt; show the keys.
  info.key = ToBase64(Raw(o.keys.sign.data(), 32)) + "." + ToBase64(Raw(o.keys.seal.data(), 32));
  return info;
}

}  // namespace

LegalHold::LegalHold(Settings settings, std::unique_ptr<safeguard::CaseStore> cases, Store* store,
                     Clock* clock, Mutex* retention_mu, HoldHost* host)
    : settings_(std::move(settings)), store_(store), clock_(clock), retention_mu_(retention_mu),
      host_(host), cases_(std::move(cases)) {
  MutexLock l(&mu_);
  PublishIndexKeys();
}

Status LegalHold::RefuseOfficer(const Caller& caller, std::string_view action,
                                std::string_view object, std::string_view officer,
                                std::string_view case_id, const Status& why,
                                AuditDetails extra) {
  AuditDetails details = std::move(extra);
  // Only validated names go into the record; anything else is caller input.
  if (ValidateOfficerId(officer).ok()) details.emplace_back("officer", std::string(officer));
  if (ValidateCaseId(case_id).ok()) details.emplace_back("case", std::string(case_id));
  VAULT_RETURN_IF_ERROR(host_->AuditCaller(caller, action, object, OutcomeOf(why), std::move(details)));
  return why;
}

StatusOr<const StoredOfficer*> LegalHold::ActiveOfficer(std::string_view id) const {
  const StoredOfficer* officer = cases_->state().FindOfficer(id);
  if (officer == nullptr) {
    return Status::PermissionDenied("no officer with this id is enrolled", "unknown_officer");
  }
  if (officer->revoked_at != 0) {
    return Status::PermissionDenied("this officer has been revoked", "officer_revoked");
  }
  return officer;
}

StatusOr<const StoredOfficer*> LegalHold::CheckStatement(const OfficerSignature& s,
                                                         const std::string& text) {
  VAULT_ASSIGN_OR_RETURN(const StoredOfficer* officer, ActiveOfficer(s.officer));
  const UnixMillis now = clock_->NowMillis();
  const int64_t skew = settings_.statement_skew_ms;
  if (s.time < now - skew || s.time > now + skew) {
    return Status::PermissionDenied(
        "the statement's time is too far from the vault's clock; sign it again", "stale_statement");
  }
  if (!safeguard::VerifySignature(officer->keys.sign, text, s.signature)) {
    return Status::PermissionDenied("the officer's signature does not verify", "bad_signature");
  }
  return officer;
}

StatusOr<OfficerList> LegalHold::ListOfficers(const Caller& caller) {
  const bool allowed =
      caller.Has(Role::kAdmin) || caller.Has(Role::kOfficer) || caller.Has(Role::kAuditor);
  VAULT_RETURN_IF_ERROR(host_->AuditCaller(caller, "officer.list", "", allowed ? "ok" : "forbidden"));
  if (!allowed) {
    return Status::PermissionDenied("only admins, officers and auditors may list officers",
                                    "forbidden");
  }
  MutexLock l(&mu_);
  OfficerList out;
  out.vault_id = VaultId();
  for (const StoredOfficer& o : cases_->state().officers)
    out.officers.push_back(DescribeOfficer(o));
  out.share_health = HealthLocked();
  return out;
}

ShareHealth LegalHold::HealthLocked() const {
  ShareHealth health;
  const safeguard::SafeguardState& state = cases_->state();
  for (const safeguard::StoredCase& c : state.cases) {
    const std::string status = ShareStatus(state, c);
    if (status == "stranded") health.stranded.push_back(c.id);
    if (status == "at_threshold") health.at_threshold.push_back(c.id);
    if (status == "reshare_advised") health.reshare_advised.push_back(c.id);
  }
  for (auto* ids : {&health.stranded, &health.at_threshold, &health.reshare_advised}) {
    std::sort(ids->begin(), ids->end());
  }
  return health;
}

ShareHealth LegalHold::CaseShareHealth() const {
  MutexLock l(&keys_mu_);
  return health_;
}

StatusOr<OfficerInfo> LegalHold::EnrolOfficer(const Caller& caller, std::string_view officer_id,
                                              std::string_view key) {
  constexpr std::string_view kAction = "officer.enrol";
  if (!caller.Has(Role::kAdmin)) {
    return RefuseOfficer(caller, kAction, "", officer_id, "",
                         Status::PermissionDenied("only admins may enrol officers", "forbidden"));
  }
  if (Status s = ValidateOfficerId(officer_id); !s.ok())
    return RefuseOfficer(caller, kAction, "", "", "", s);
  StatusOr<safeguard::OfficerPublicKeys> keys = safeguard::ParseEnrolmentToken(key);
  if (!keys.ok()) return RefuseOfficer(caller, kAction, "", officer_id, "", keys.status());
  MutexLock l(&mu_);
  safeguard::SafeguardState next = cases_->state();
  if (next.FindOfficer(officer_id) != nullptr) {
    return RefuseOfficer(
        caller, kAction, "", officer_id, "",
        Status::AlreadyExists("an officer with this id is enrolled already", "officer_exists"));
  }
  for (const StoredOfficer& o : next.officers) {
    if (o.keys.sign == keys->sign || o.keys.seal == keys->seal) {
      return RefuseOfficer(
          caller, kAction, "", officer_id, "",
          Status::AlreadyExists("these keys are enrolled already, as " + o.id, "officer_exists"));
    }
  }
  StoredOfficer officer;
  officer.id = std::string(officer_id);
  officer.keys = *keys;
  officer.enrolled_at = clock_->NowMillis();
  officer.enrolled_by = caller.uid;
  next.officers.push_back(officer);
  VAULT_RETURN_IF_ERROR(host_->AuditCaller(
      caller, kAction, "", "ok",
      {{"officer", officer.id},
       {"fingerprint", safeguard::Fingerprint(officer.keys)},
       {kKeysDetail, FormatKeyTransitions({{KeyKind::kOfficer, officer.id, KeyState::kPreActive,
                                            KeyState::kActive}})}}));
  VAULT_RETURN_IF_ERROR(CommitCases(std::move(next)));
  return DescribeOfficer(officer);
}

StatusOr<OfficerInfo> LegalHold::RevokeOfficer(const Caller& caller, std::string_view officer_id,
                                               const Revocation& revocation) {
  constexpr std::string_view kAction = "officer.revoke";
  if (!caller.Has(Role::kAdmin)) {
    return RefuseOfficer(caller, kAction, "", officer_id, "",
                         Status::PermissionDenied("only admins may revoke officers", "forbidden"));
  }
  MutexLock l(&mu_);
  safeguard::SafeguardState next = cases_->state();
  StoredOfficer* officer = next.FindOfficer(officer_id);
  if (officer == nullptr) {
    return RefuseOfficer(caller, kAction, "", officer_id, "",
                         Status::NotFound("no officer with this id", "unknown_officer"));
  }
  if (officer->revoked_at != 0 && (officer->compromised || !revocation.compromised)) {
    // Idempotent, and audited like every call.
    VAULT_RETURN_IF_ERROR(host_->AuditCaller(caller, kAction, "", "ok",
                                             {{"officer", officer->id}, {"already", "revoked"}}));
    return DescribeOfficer(*officer);
  }
  // Active, or revoked and now known to be compromised.
  const KeyState from = officer->revoked_at != 0 ? KeyState::kDeactivated : KeyState::kActive;
  if (officer->revoked_at == 0) officer->revoked_at = clock_->NowMillis();
  officer->compromised = revocation.compromised;
  const OfficerInfo info = DescribeOfficer(*officer);
  // The open cases this revocation strands: stranded after it, not before.
  std::vector<std::string> stranded;
  for (const safeguard::StoredCase& c : next.cases) {
    if (ShareStatus(next, c) == "stranded" && ShareStatus(cases_->state(), c) != "stranded") {
      stranded.push_back(c.id);
    }
  }
  AuditDetails details{{"officer", info.id}};
  if (revocation.compromised) details.emplace_back("reason", "compromised");
  if (!stranded.empty()) {
    if (!revocation.force) {
      return RefuseOfficer(
          caller, kAction, "", officer_id, "",
          Status::FailedPrecondition(
              "revoking " + info.id + " would leave fewer share holders than the threshold of " +
                  JoinIds(stranded) +
                  ", and no request of those cases could ever be approved again: reshare them "
                  "first (vault-officer reshare CASE), or revoke with force",
              "would_strand_cases"),
          {{"cases", JoinIds(stranded)}});
    }
    details.emplace_back("stranded", JoinIds(stranded));
  }
  details.emplace_back(
      kKeysDetail,
      FormatKeyTransitions({{KeyKind::kOfficer, info.id, from,
                             revocation.compromised ? KeyState::kCompromised
                                                    : KeyState::kDeactivated}}));
  VAULT_RETURN_IF_ERROR(host_->AuditCaller(caller, kAction, "", "ok", std::move(details)));
  VAULT_RETURN_IF_ERROR(CommitCases(std::move(next)));
  return info;
}

}  // namespace vault
