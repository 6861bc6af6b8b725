// LegalHold: cases (open, list, read). A case's key pair is made here and
// split k-of-n among the officers enrolled when it opens (k: the opening's
// threshold, else the configured one); its secret is stored nowhere. A
// reshare deals it again (execution.cc). Design: docs/design.md, "Legal
// hold".
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "vault/common/encoding.h"
#include "vault/crypto/box.h"
#include "vault/crypto/shamir.h"
#include "vault/hold/hold_internal.h"
#include "vault/hold/legal_hold.h"
#include "vault/officer/statement.h"
#include "vault/storage/schema.h"
#include "vault/storage/store.h"

namespace vault {
namespace {

using safeguard::StoredCase;
using safeguard::StoredOfficer;
using safeguard::StoredShare;

CaseInfo DescribeCase(const safeguard::SafeguardState& state, const StoredCase& c,
                      bool with_reason) {
  CaseInfo info;
  info.id = c.id;
  info.state = c.state;
  if (with_reason) info.reason = c.reason;
  info.reason_hash = safeguard::ReasonHash(c.reason);
  info.opened_by = c.opened_by;
  info.opened_at = c.opened_at;
  info.released_at = c.released_at;
  info.public_key = c.public_key.empty() ? "" : ToBase64(c.public_key);
  info.threshold = c.threshold;
  for (const StoredShare& s : c.shares) info.share_holders.push_back(s.officer);
  info.reshared_at = c.reshared_at;
  info.recovered_at = c.recovered_at;
  info.share_status = ShareStatus(state, c);
  return info;
}

}  // namespace

StatusOr<CaseInfo> LegalHold::OpenCase(const Caller& caller, const CaseOpening& opening) {
  constexpr std::string_view kAction = "case.open";
  const std::string& officer_id = opening.signed_by.officer;
  auto refuse = [&](const Status& why) {
    return RefuseOfficer(caller, kAction, "", officer_id, opening.case_id, why);
  };
  if (!caller.Has(Role::kOfficer)) return refuse(NotAnOfficer());
  if (Status s = ValidateCaseId(opening.case_id); !s.ok()) return refuse(s);
  if (Status s = ValidateReason(opening.reason); !s.ok()) return refuse(s);
  const int threshold = opening.threshold != 0 ? opening.threshold : settings_.default_threshold;
  if (Status s = ValidateThreshold(threshold); !s.ok()) return refuse(s);
  MutexLock l(&mu_);
  StatusOr<const StoredOfficer*> officer =
      CheckStatement(opening.signed_by, safeguard::CaseOpenStatement(VaultId(), opening));
  if (!officer.ok()) return refuse(officer.status());
  safeguard::SafeguardState next = cases_->state();
  if (next.FindCase(opening.case_id) != nullptr) {
    return refuse(Status::AlreadyExists("a case with this id exists already", "case_exists"));
  }
  if (Status s = CheckDealable(threshold); !s.ok()) return refuse(s);
  const std::vector<const StoredOfficer*> holders = ActiveOfficers(next);
  // The case key pair. The secret exists only here, in guarded memory, until
  // the shares are made; then it is wiped with `case_key`.
  StoredCase c;
  c.id = opening.case_id;
  c.reason = opening.reason;
  c.opened_by = officer_id;
  c.opened_at = clock_->NowMillis();
  c.threshold = threshold;
  {
    VAULT_ASSIGN_OR_RETURN(BoxKeyPair case_key, BoxKeyPair::Generate());
    c.public_key = case_key.public_key().bytes();
    VAULT_ASSIGN_OR_RETURN(c.shares, DealShares(c.id, case_key.secret(), threshold, holders));
  }
  // Its held transcripts' visitor-index entries are tagged under this key,
  // which is deleted with the case's public key and shares at release.
  {
    VAULT_ASSIGN_OR_RETURN(CaseIndexKey index_key, CaseIndexKey::Generate());
    c.index_key = std::make_shared<const CaseIndexKey>(std::move(index_key));
  }
  next.cases.push_back(c);
  VAULT_RETURN_IF_ERROR(host_->AuditCaller(caller, kAction, "", "ok",
                                           {{"officer", officer_id},
                                            {"case", c.id},
                                            {"reason_hash", safeguard::ReasonHash(c.reason)},
                                            {"share_holders", std::to_string(c.shares.size())},
                                            {"threshold", std::to_string(c.threshold)},
                                            {"dealing", safeguard::DealingDigest(DealingOf(c))},
                                            {kKeysDetail, FormatKeyTransitions(CaseKeysOpened(c))}}));
  VAULT_RETURN_IF_ERROR(CommitCases(std::move(next)));
  return DescribeCase(cases_->state(), c, true);
}

StatusOr<std::vector<StoredShare>> DealShares(const std::string& case_id,
                                              const SecretBytes& case_secret, int threshold,
                                              const std::vector<const StoredOfficer*>& holders) {
  // A fresh random polynomial each time: shares of one dealing say nothing
  // about those of another, and fewer than `threshold` of them say nothing
  // about the secret.
  VAULT_ASSIGN_OR_RETURN(std::vector<shamir::Share> shares,
                         shamir::Split(case_secret, threshold, static_cast<int>(holders.size())));
  std::vector<StoredShare> out;
  for (size_t i = 0; i < holders.size(); ++i) {
    const shamir::Share& share = shares[i];
    StoredShare stored;
    stored.officer = holders[i]->id;
    stored.x = share.x;
    VAULT_ASSIGN_OR_RETURN(BoxPublicKey officer_key,
                           BoxPublicKey::FromBytes(std::string_view(
                               reinterpret_cast<const char*>(holders[i]->keys.seal.data()),
                               holders[i]->keys.seal.size())));
    // Sealed as ShareAd(case) | x | y, committed to as the same bytes.
    VAULT_ASSIGN_OR_RETURN(stored.sealed,
                           SealBoundKey(officer_key, safeguard::ShareLabel(case_id, share.x), share.y));
    stored.commitment = safeguard::ShareCommitment(case_id, share.x, share.y);
    out.push_back(std::move(stored));
  }
  return out;
}

StatusOr<std::vector<HoldInfo>> LegalHold::HoldsOfCase(std::string_view case_id) {
  std::vector<std::string> raw_ids;
  const std::string prefix = CaseHoldPrefix(case_id);
  VAULT_RETURN_IF_ERROR(
      store_->Scan(Column::kHolds, prefix, [&](std::string_view k, std::string_view) {
        if (k.size() == prefix.size() + kIdBytes) raw_ids.emplace_back(k.substr(prefix.size()));
        return true;
      }));
  std::vector<HoldInfo> out;
  for (const std::string& raw : raw_ids) {
    VAULT_ASSIGN_OR_RETURN(std::string value, store_->Get(Column::kHolds, HoldKey(raw, case_id)));
    HoldInfo h;
    std::string_view sealed;
    if (!DecodeHold(value, &h.held_at, &h.held_by, &sealed)) {
      return Status::Corruption("a hold entry is malformed");
    }
    h.case_id = std::string(case_id);
    h.transcript_id = ToHex(raw);
    out.push_back(std::move(h));
  }
  return out;
}

Status LegalHold::CommitCases(safeguard::SafeguardState next) {
  VAULT_RETURN_IF_ERROR(cases_->Commit(std::move(next)));
  PublishIndexKeys();
  return Status::OK();
}

void LegalHold::PublishIndexKeys() {
  std::vector<std::shared_ptr<const CaseIndexKey>> keys;
  for (const StoredCase& c : cases_->state().cases) {
    if (c.state == "open" && c.index_key != nullptr) keys.push_back(c.index_key);
  }
  ShareHealth health = HealthLocked();
  MutexLock l(&keys_mu_);
  index_keys_ = std::move(keys);
  health_ = std::move(health);
}

std::vector<std::shared_ptr<const CaseIndexKey>> LegalHold::OpenCaseIndexKeys() const {
  MutexLock l(&keys_mu_);
  return index_keys_;
}

StatusOr<std::vector<CaseInfo>> LegalHold::ListCases(const Caller& caller) {
  if (!caller.Has(Role::kOfficer))
    return RefuseOfficer(caller, "case.list", "", "", "", NotAnOfficer());
  VAULT_RETURN_IF_ERROR(host_->AuditCaller(caller, "case.list", "", "ok"));
  MutexLock l(&mu_);
  std::vector<CaseInfo> out;
  for (const StoredCase& c : cases_->state().cases) {
    CaseInfo info = DescribeCase(cases_->state(), c, false);
    VAULT_ASSIGN_OR_RETURN(std::vector<HoldInfo> holds, HoldsOfCase(c.id));
    info.holds = holds.size();
    out.push_back(std::move(info));
  }
  return out;
}

StatusOr<CaseDetail> LegalHold::GetCase(const Caller& caller, std::string_view case_id) {
  constexpr std::string_view kAction = "case.read";
  if (!caller.Has(Role::kOfficer))
    return RefuseOfficer(caller, kAction, "", "", case_id, NotAnOfficer());
  MutexLock l(&mu_);
  const StoredCase* c = cases_->state().FindCase(case_id);
  if (c == nullptr) return RefuseOfficer(caller, kAction, "", "", case_id, NoCase());
  VAULT_RETURN_IF_ERROR(host_->AuditCaller(caller, kAction, "", "ok", {{"case", c->id}}));
  CaseDetail detail;
  detail.info = DescribeCase(cases_->state(), *c, true);
  VAULT_ASSIGN_OR_RETURN(detail.holds, HoldsOfCase(c->id));
  detail.info.holds = detail.holds.size();
  return detail;
}

}  // namespace vault
