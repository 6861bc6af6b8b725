// Legal hold (VaultImpl): officers, cases and holds. Requests, unseal and
// release are in requests.cc.
// Design: docs/design.md, "Legal hold"; officer's guide: docs/safeguarding.md.
#include <algorithm>
#include <cstring>
#include <set>

#include "vault/audit/note.h"
#include "vault/common/encoding.h"
#include "vault/common/time_format.h"
#include "vault/common/utf8.h"
#include "vault/core/safeguard_internal.h"
#include "vault/core/vault_impl.h"
#include "vault/core/vault_internal.h"
#include "vault/crypto/aead.h"
#include "vault/crypto/box.h"
#include "vault/crypto/shamir.h"
#include "vault/officer/statement.h"

namespace vault {
namespace {

using safeguard::StoredCase;
using safeguard::StoredOfficer;
using safeguard::StoredShare;

constexpr int kThreshold = 2;

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
  // The token without its self-signature cannot be rebuilt; show the keys.
  info.key = ToBase64(Raw(o.keys.sign.data(), 32)) + "." + ToBase64(Raw(o.keys.seal.data(), 32));
  return info;
}

}  // namespace

std::string VaultImpl::VaultId() const { return audit::PublicKeyBase64(audit_->GenesisKey()); }

Status VaultImpl::RefuseOfficer(const Caller& caller, std::string_view action,
                                std::string_view object, std::string_view officer,
                                std::string_view case_id, const Status& why) {
  std::vector<std::pair<std::string, std::string>> details;
  // Only validated names go into the record; anything else is caller input.
  if (ValidateOfficerId(officer).ok()) details.emplace_back("officer", std::string(officer));
  if (ValidateCaseId(case_id).ok()) details.emplace_back("case", std::string(case_id));
  VAULT_RETURN_IF_ERROR(Audit(caller, action, object, OutcomeOf(why), std::move(details)));
  return why;
}

StatusOr<const StoredOfficer*> VaultImpl::ActiveOfficer(std::string_view id) const {
  const StoredOfficer* officer = cases_->state().FindOfficer(id);
  if (officer == nullptr) {
    return Status::PermissionDenied("no officer with this id is enrolled", "unknown_officer");
  }
  if (officer->revoked_at != 0) {
    return Status::PermissionDenied("this officer has been revoked", "officer_revoked");
  }
  return officer;
}

StatusOr<const StoredOfficer*> VaultImpl::CheckStatement(const OfficerSignature& s,
                                                         const std::string& text) {
  VAULT_ASSIGN_OR_RETURN(const StoredOfficer* officer, ActiveOfficer(s.officer));
  const UnixMillis now = clock_->NowMillis();
  if (s.time < now - options_.statement_skew_ms || s.time > now + options_.statement_skew_ms) {
    return Status::PermissionDenied(
        "the statement's time is too far from the vault's clock; sign it again", "stale_statement");
  }
  if (!safeguard::VerifySignature(officer->keys.sign, text, s.signature)) {
    return Status::PermissionDenied("the officer's signature does not verify", "bad_signature");
  }
  return officer;
}

// --- Officers ------------------------------------------------------------

StatusOr<OfficerList> VaultImpl::ListOfficers(const Caller& caller) {
  const bool allowed =
      caller.Has(Role::kAdmin) || caller.Has(Role::kOfficer) || caller.Has(Role::kAuditor);
  VAULT_RETURN_IF_ERROR(Audit(caller, "officer.list", "", allowed ? "ok" : "forbidden"));
  if (!allowed) {
    return Status::PermissionDenied("only admins, officers and auditors may list officers",
                                    "forbidden");
  }
  MutexLock l(&safeguard_mu_);
  OfficerList out;
  out.vault_id = VaultId();
  for (const StoredOfficer& o : cases_->state().officers)
    out.officers.push_back(DescribeOfficer(o));
  return out;
}

StatusOr<OfficerInfo> VaultImpl::EnrolOfficer(const Caller& caller, std::string_view officer_id,
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
  MutexLock l(&safeguard_mu_);
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
  VAULT_RETURN_IF_ERROR(
      Audit(caller, kAction, "", "ok",
            {{"officer", officer.id}, {"fingerprint", safeguard::Fingerprint(officer.keys)}}));
  VAULT_RETURN_IF_ERROR(cases_->Commit(std::move(next)));
  return DescribeOfficer(officer);
}

StatusOr<OfficerInfo> VaultImpl::RevokeOfficer(const Caller& caller, std::string_view officer_id) {
  constexpr std::string_view kAction = "officer.revoke";
  if (!caller.Has(Role::kAdmin)) {
    return RefuseOfficer(caller, kAction, "", officer_id, "",
                         Status::PermissionDenied("only admins may revoke officers", "forbidden"));
  }
  MutexLock l(&safeguard_mu_);
  safeguard::SafeguardState next = cases_->state();
  StoredOfficer* officer = next.FindOfficer(officer_id);
  if (officer == nullptr) {
    return RefuseOfficer(caller, kAction, "", officer_id, "",
                         Status::NotFound("no officer with this id", "unknown_officer"));
  }
  if (officer->revoked_at != 0) {  // idempotent, and audited like every call
    VAULT_RETURN_IF_ERROR(
        Audit(caller, kAction, "", "ok", {{"officer", officer->id}, {"already", "revoked"}}));
    return DescribeOfficer(*officer);
  }
  officer->revoked_at = clock_->NowMillis();
  const OfficerInfo info = DescribeOfficer(*officer);
  VAULT_RETURN_IF_ERROR(Audit(caller, kAction, "", "ok", {{"officer", info.id}}));
  VAULT_RETURN_IF_ERROR(cases_->Commit(std::move(next)));
  return info;
}

// --- Cases ----------------------------------------------------------------

CaseInfo VaultImpl::DescribeCase(const StoredCase& c, bool with_reason) {
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
  return info;
}

StatusOr<CaseInfo> VaultImpl::OpenCase(const Caller& caller, const CaseOpening& opening) {
  constexpr std::string_view kAction = "case.open";
  const std::string& officer_id = opening.signed_by.officer;
  auto refuse = [&](const Status& why) {
    return RefuseOfficer(caller, kAction, "", officer_id, opening.case_id, why);
  };
  if (!caller.Has(Role::kOfficer)) return refuse(NotAnOfficer());
  if (Status s = ValidateCaseId(opening.case_id); !s.ok()) return refuse(s);
  if (Status s = ValidateReason(opening.reason); !s.ok()) return refuse(s);
  MutexLock l(&safeguard_mu_);
  StatusOr<const StoredOfficer*> officer =
      CheckStatement(opening.signed_by, safeguard::CaseOpenStatement(VaultId(), opening));
  if (!officer.ok()) return refuse(officer.status());
  safeguard::SafeguardState next = cases_->state();
  if (next.FindCase(opening.case_id) != nullptr) {
    return refuse(Status::AlreadyExists("a case with this id exists already", "case_exists"));
  }
  std::vector<const StoredOfficer*> holders;
  for (const StoredOfficer& o : next.officers) {
    if (o.revoked_at == 0) holders.push_back(&o);
  }
  if (holders.size() < static_cast<size_t>(kThreshold)) {
    return refuse(Status::FailedPrecondition(
        "a case needs at least two enrolled officers to share its key", "too_few_officers"));
  }
  if (holders.size() > 255) {
    return refuse(Status::FailedPrecondition("more than 255 officers", "too_many_officers"));
  }
  // The case key pair. The secret exists only here, in guarded memory, until
  // the shares are made; then it is wiped with `secret`.
  StoredCase c;
  c.id = opening.case_id;
  c.reason = opening.reason;
  c.opened_by = officer_id;
  c.opened_at = clock_->NowMillis();
  c.threshold = kThreshold;
  {
    VAULT_ASSIGN_OR_RETURN(BoxKeyPair case_key, BoxKeyPair::Generate());
    c.public_key = case_key.public_key().bytes();
    VAULT_ASSIGN_OR_RETURN(
        std::vector<shamir::Share> shares,
        shamir::Split(case_key.secret(), kThreshold, static_cast<int>(holders.size())));
    const std::string ad = safeguard::ShareAd(c.id);
    for (size_t i = 0; i < holders.size(); ++i) {
      const shamir::Share& share = shares[i];
      VAULT_ASSIGN_OR_RETURN(SecretBytes plain,
                             SecretBytes::Zeroed(ad.size() + 1 + share.y.size()));
      std::memcpy(plain.insecure_mutable_data(), ad.data(), ad.size());
      plain.insecure_mutable_data()[ad.size()] = share.x;
      std::memcpy(plain.insecure_mutable_data() + ad.size() + 1, share.y.insecure_data(),
                  share.y.size());
      StoredShare stored;
      stored.officer = holders[i]->id;
      stored.x = share.x;
      VAULT_ASSIGN_OR_RETURN(BoxPublicKey officer_key,
                             BoxPublicKey::FromBytes(std::string_view(
                                 reinterpret_cast<const char*>(holders[i]->keys.seal.data()),
                                 holders[i]->keys.seal.size())));
      VAULT_ASSIGN_OR_RETURN(stored.sealed, SealTo(officer_key, plain));
      stored.commitment =
          safeguard::ShareCommitment(c.id, share.x, share.y.insecure_data(), share.y.size());
      c.shares.push_back(std::move(stored));
    }
  }
  next.cases.push_back(c);
  VAULT_RETURN_IF_ERROR(Audit(caller, kAction, "", "ok",
                              {{"officer", officer_id},
                               {"case", c.id},
                               {"reason_hash", safeguard::ReasonHash(c.reason)},
                               {"share_holders", std::to_string(c.shares.size())}}));
  VAULT_RETURN_IF_ERROR(cases_->Commit(std::move(next)));
  return DescribeCase(c, true);
}

StatusOr<std::vector<HoldInfo>> VaultImpl::HoldsOfCase(std::string_view case_id) {
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

StatusOr<std::vector<CaseInfo>> VaultImpl::ListCases(const Caller& caller) {
  if (!caller.Has(Role::kOfficer))
    return RefuseOfficer(caller, "case.list", "", "", "", NotAnOfficer());
  VAULT_RETURN_IF_ERROR(Audit(caller, "case.list", "", "ok"));
  MutexLock l(&safeguard_mu_);
  std::vector<CaseInfo> out;
  for (const StoredCase& c : cases_->state().cases) {
    CaseInfo info = DescribeCase(c, false);
    VAULT_ASSIGN_OR_RETURN(std::vector<HoldInfo> holds, HoldsOfCase(c.id));
    info.holds = holds.size();
    out.push_back(std::move(info));
  }
  return out;
}

StatusOr<CaseDetail> VaultImpl::GetCase(const Caller& caller, std::string_view case_id) {
  constexpr std::string_view kAction = "case.read";
  if (!caller.Has(Role::kOfficer))
    return RefuseOfficer(caller, kAction, "", "", case_id, NotAnOfficer());
  MutexLock l(&safeguard_mu_);
  const StoredCase* c = cases_->state().FindCase(case_id);
  if (c == nullptr) return RefuseOfficer(caller, kAction, "", "", case_id, NoCase());
  VAULT_RETURN_IF_ERROR(Audit(caller, kAction, "", "ok", {{"case", c->id}}));
  CaseDetail detail;
  detail.info = DescribeCase(*c, true);
  VAULT_ASSIGN_OR_RETURN(detail.holds, HoldsOfCase(c->id));
  detail.info.holds = detail.holds.size();
  return detail;
}

// --- Holds ----------------------------------------------------------------

StatusOr<HoldInfo> VaultImpl::PlaceHold(const Caller& caller, const HoldPlacement& hold) {
  constexpr std::string_view kAction = "hold.place";
  const std::string& officer_id = hold.signed_by.officer;
  auto refuse = [&](const Status& why) {
    return RefuseOfficer(caller, kAction, hold.transcript_id, officer_id, hold.case_id, why);
  };
  if (!caller.Has(Role::kOfficer)) return refuse(NotAnOfficer());
  std::string raw_id;
  if (!ParseId(hold.transcript_id, &raw_id)) return refuse(NoSuchTranscript());
  HoldInfo info;
  {
    // No shred may run between reading the key and replacing it.
    MutexLock retention(shredder_->run_mutex());
    MutexLock l(&safeguard_mu_);
    StatusOr<const StoredOfficer*> officer =
        CheckStatement(hold.signed_by, safeguard::HoldStatement(VaultId(), hold));
    if (!officer.ok()) return refuse(officer.status());
    const StoredCase* c = cases_->state().FindCase(hold.case_id);
    if (c == nullptr) return refuse(NoCase());
    if (c->state != "open") {
      return refuse(Status::FailedPrecondition("this case has been released", "case_released"));
    }
    MutexLock stripe(&StripeFor(raw_id));
    // At most one case holds a transcript: its DEK is then sealed to that
    // case only, and a second case could not get it without an unseal.
    std::string holder;
    const std::string tprefix = "t" + raw_id;
    VAULT_RETURN_IF_ERROR(
        store_->Scan(Column::kHolds, tprefix, [&](std::string_view k, std::string_view) {
          holder = std::string(k.substr(tprefix.size()));
          return false;
        }));
    if (!holder.empty()) {
      if (holder != c->id) {
        return refuse(Status::FailedPrecondition(
            "this transcript is already on hold under another case", "already_held"));
      }
      VAULT_ASSIGN_OR_RETURN(std::string value,
                             store_->Get(Column::kHolds, HoldKey(raw_id, c->id)));
      std::string_view sealed;
      if (!DecodeHold(value, &info.held_at, &info.held_by, &sealed)) {
        return Status::Corruption("a hold entry is malformed");
      }
      info.case_id = c->id;
      info.transcript_id = hold.transcript_id;
      VAULT_RETURN_IF_ERROR(Audit(caller, kAction, hold.transcript_id, "already_held",
                                  {{"officer", officer_id}, {"case", c->id}}));
      return info;  // the same hold again: nothing to do
    }
    StatusOr<Loaded> t = Load(hold.transcript_id);
    if (!t.ok()) return refuse(t.status());
    if (t->state.state != TranscriptState::kClosed) {
      return refuse(Status::FailedPrecondition(
          "the chat is still open; a transcript can be held once it is closed", "transcript_open"));
    }
    const UnixMillis now = clock_->NowMillis();
    // The DEK, bound to the transcript id, sealed to the case public key.
    VAULT_ASSIGN_OR_RETURN(SecretBytes plain,
                           SecretBytes::Zeroed(kHeldDekTag.size() + kIdBytes + t->dek.size()));
    std::memcpy(plain.insecure_mutable_data(), kHeldDekTag.data(), kHeldDekTag.size());
    std::memcpy(plain.insecure_mutable_data() + kHeldDekTag.size(), raw_id.data(), kIdBytes);
    std::memcpy(plain.insecure_mutable_data() + kHeldDekTag.size() + kIdBytes,
                t->dek.insecure_data(), t->dek.size());
    VAULT_ASSIGN_OR_RETURN(BoxPublicKey case_key, BoxPublicKey::FromBytes(c->public_key));
    VAULT_ASSIGN_OR_RETURN(std::string sealed, SealTo(case_key, plain));
    WriteBatch batch;
    batch.Put(Column::kHolds, HoldKey(raw_id, c->id), EncodeHold(now, officer_id, sealed));
    batch.Put(Column::kHolds, CaseHoldPrefix(c->id) + raw_id, "");
    // The ordinary wrapped key goes: from now on the vault alone cannot open it.
    batch.Put(Column::kWrappedKeys, raw_id, HeldMarker(now));
    batch.Delete(Column::kExpiryIndex, ExpiryKey(t->key_epoch, raw_id));
    batch.AddToCounter(kClosedCounter, -1);
    batch.AddToCounter(kHeldCounter, 1);
    VAULT_RETURN_IF_ERROR(Audit(caller, kAction, hold.transcript_id, "ok",
                                {{"officer", officer_id}, {"case", c->id}}));
    if (Status written = store_->Write(&batch); !written.ok()) {
      const Status noted = Audit(caller, kAction, hold.transcript_id, "write_failed",
                                 {{"officer", officer_id}, {"case", c->id}});
      (void)noted;
      return written;
    }
    closed_count_.fetch_sub(1, std::memory_order_relaxed);
    held_count_.fetch_add(1, std::memory_order_relaxed);
    info.case_id = c->id;
    info.transcript_id = hold.transcript_id;
    info.held_by = officer_id;
    info.held_at = now;
  }
  // Rewrite the files so the ordinary wrapped key leaves the live directory.
  VAULT_RETURN_IF_ERROR(store_->FlushAndCompact());
  return info;
}

StatusOr<std::vector<HoldInfo>> VaultImpl::ListHolds(const Caller& caller,
                                                     std::string_view transcript_id) {
  constexpr std::string_view kAction = "hold.list";
  if (!caller.Has(Role::kOfficer)) {
    return RefuseOfficer(caller, kAction, transcript_id, "", "", NotAnOfficer());
  }
  std::string raw_id;
  if (!ParseId(transcript_id, &raw_id)) {
    return RefuseOfficer(caller, kAction, "", "", "", NoSuchTranscript());
  }
  VAULT_RETURN_IF_ERROR(Audit(caller, kAction, transcript_id, "ok"));
  std::vector<HoldInfo> out;
  const std::string prefix = "t" + raw_id;
  Status inner;
  VAULT_RETURN_IF_ERROR(
      store_->Scan(Column::kHolds, prefix, [&](std::string_view k, std::string_view v) {
        HoldInfo h;
        std::string_view sealed;
        if (!DecodeHold(v, &h.held_at, &h.held_by, &sealed)) {
          inner = Status::Corruption("a hold entry is malformed");
          return false;
        }
        h.case_id = std::string(k.substr(prefix.size()));
        h.transcript_id = std::string(transcript_id);
        out.push_back(std::move(h));
        return true;
      }));
  VAULT_RETURN_IF_ERROR(inner);
  return out;
}

}  // namespace vault
