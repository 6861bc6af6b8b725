// Legal hold: officers, cases, holds and two-officer requests (VaultImpl).
// Design: docs/design.md, "Legal hold"; officer's guide: docs/safeguarding.md.
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <set>

#include "vault/common/encoding.h"
#include "vault/common/time_format.h"
#include "vault/common/utf8.h"
#include "vault/audit/note.h"
#include "vault/core/vault_impl.h"
#include "vault/core/vault_internal.h"
#include "vault/crypto/aead.h"
#include "vault/crypto/shamir.h"
#include "vault/safeguard/statement.h"

namespace vault {
namespace {

using safeguard::StoredCase;
using safeguard::StoredOfficer;
using safeguard::StoredShare;

constexpr size_t kMaxReasonBytes = 2000;
constexpr size_t kMaxRequestTranscripts = 100;
constexpr size_t kMaxPendingRequests = 256;
constexpr int kThreshold = 2;
constexpr std::string_view kHeldDekTag("TV-hold-v1\0", 11);

bool IsIdChar(char c, bool upper_ok) {
  return (c >= 'a' && c <= 'z') || (upper_ok && c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '.' || c == '_' || c == '-';
}

Status ValidateName(std::string_view v, bool upper_ok, const char* what, const char* code) {
  bool ok = !v.empty() && v.size() <= 64;
  for (char c : v) ok = ok && IsIdChar(c, upper_ok);
  if (!ok) {
    return Status::InvalidArgument(std::string(what) + " must be 1 to 64 characters of " +
                                       (upper_ok ? "letters" : "lowercase letters") +
                                       ", digits, '.', '_' and '-'",
                                   code);
  }
  return Status::OK();
}

Status ValidateOfficerId(std::string_view v) {
  return ValidateName(v, false, "an officer id", "invalid_officer_id");
}
Status ValidateCaseId(std::string_view v) {
  return ValidateName(v, true, "a case id", "invalid_case_id");
}
Status ValidateReason(std::string_view r) {
  if (r.empty() || r.size() > kMaxReasonBytes || !IsValidUtf8(r)) {
    return Status::InvalidArgument("the reason must be 1 to 2000 bytes of UTF-8", "invalid_reason");
  }
  return Status::OK();
}

Status NotAnOfficer() {
  return Status::PermissionDenied("this call needs the officer role", "forbidden");
}
Status NoCase() { return Status::NotFound("no case with this id", "no_case"); }
Status NoRequest() { return Status::NotFound("no pending or used request with this id", "no_request"); }

std::string HoldKey(std::string_view raw_id, std::string_view case_id) {
  std::string k("t");
  k.append(raw_id);
  k.append(case_id);
  return k;
}
std::string CaseHoldPrefix(std::string_view case_id) {
  std::string k("c");
  k.append(case_id);
  k.push_back('\0');
  return k;
}

// Hold entry value: held_at (8 BE) | held_by (length-prefixed) | sealed DEK.
std::string EncodeHold(UnixMillis at, std::string_view by, std::string_view sealed) {
  std::string v;
  PutU64(&v, static_cast<uint64_t>(at));
  PutLengthPrefixed(&v, by);
  v.append(sealed);
  return v;
}
bool DecodeHold(std::string_view v, UnixMillis* at, std::string* by, std::string_view* sealed) {
  if (v.size() < 8) return false;
  *at = static_cast<UnixMillis>(GetU64(v.data()));
  v.remove_prefix(8);
  std::string_view b;
  if (!GetLengthPrefixed(&v, &b)) return false;
  *by = std::string(b);
  *sealed = v;
  return true;
}

std::string Raw(const uint8_t* p, size_t n) { return std::string(reinterpret_cast<const char*>(p), n); }

std::string JoinIds(const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) {
    if (!out.empty()) out.push_back(',');
    out += id;
  }
  return out;
}

// Opens a share sealed to (pk, sk) and checks it belongs to `case_id` at `x`
// and matches its commitment. InvalidArgument "invalid_share" otherwise.
StatusOr<shamir::Share> OpenShare(std::string_view sealed, const uint8_t* pk, const SecretBytes& sk,
                                  const StoredCase& c, const StoredShare& expected) {
  const Status bad = Status::InvalidArgument(
      "the share does not open, or is not this officer's share of this case", "invalid_share");
  const std::string ad = safeguard::ShareAd(c.id);
  const size_t plain_len = ad.size() + 1 + 32;
  if (sealed.size() != plain_len + crypto_box_SEALBYTES) return bad;
  VAULT_ASSIGN_OR_RETURN(SecretBytes plain, SecretBytes::Zeroed(plain_len));
  if (crypto_box_seal_open(plain.insecure_mutable_data(),
                           reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(), pk,
                           sk.insecure_data()) != 0) {
    return bad;
  }
  const uint8_t* p = plain.insecure_data();
  if (std::string_view(reinterpret_cast<const char*>(p), ad.size()) != ad) return bad;
  shamir::Share share;
  share.x = p[ad.size()];
  if (share.x != expected.x) return bad;
  const std::string commitment = safeguard::ShareCommitment(c.id, share.x, p + ad.size() + 1, 32);
  if (sodium_memcmp(commitment.data(), expected.commitment.data(), 32) != 0 ||
      expected.commitment.size() != 32) {
    return bad;
  }
  VAULT_ASSIGN_OR_RETURN(share.y, SecretBytes::CopyFrom(p + ad.size() + 1, 32));
  return share;
}

OfficerInfo DescribeOfficer(const StoredOfficer& o) {
  OfficerInfo info;
  info.id = o.id;
  info.fingerprint = safeguard::Fingerprint(o.keys);
  info.enrolled_at = o.enrolled_at;
  info.enrolled_by = o.enrolled_by;
  info.revoked_at = o.revoked_at;
  // The token without its self-signature cannot be rebuilt; show the keys.
  info.key = ToBase64(Raw(o.keys.sign.data(), 32)) + "." +
             ToBase64(Raw(o.keys.seal.data(), 32));
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

StatusOr<const StoredOfficer*> VaultImpl::CheckStatement(const OfficerSignature& s,
                                                        const std::string& text) {
  const StoredOfficer* officer = cases_->state().FindOfficer(s.officer);
  if (officer == nullptr) {
    return Status::PermissionDenied("no officer with this id is enrolled", "unknown_officer");
  }
  if (officer->revoked_at != 0) {
    return Status::PermissionDenied("this officer has been revoked", "officer_revoked");
  }
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
  std::lock_guard<std::mutex> l(safeguard_mu_);
  OfficerList out;
  out.vault_id = VaultId();
  for (const StoredOfficer& o : cases_->state().officers) out.officers.push_back(DescribeOfficer(o));
  return out;
}

StatusOr<OfficerInfo> VaultImpl::EnrolOfficer(const Caller& caller, std::string_view officer_id,
                                              std::string_view key) {
  constexpr std::string_view kAction = "officer.enrol";
  if (!caller.Has(Role::kAdmin)) {
    return RefuseOfficer(caller, kAction, "", officer_id, "",
                         Status::PermissionDenied("only admins may enrol officers", "forbidden"));
  }
  if (Status s = ValidateOfficerId(officer_id); !s.ok()) return RefuseOfficer(caller, kAction, "", "", "", s);
  StatusOr<safeguard::OfficerPublicKeys> keys = safeguard::ParseEnrolmentToken(key);
  if (!keys.ok()) return RefuseOfficer(caller, kAction, "", officer_id, "", keys.status());
  std::lock_guard<std::mutex> l(safeguard_mu_);
  safeguard::SafeguardState next = cases_->state();
  if (next.FindOfficer(officer_id) != nullptr) {
    return RefuseOfficer(caller, kAction, "", officer_id, "",
                         Status::AlreadyExists("an officer with this id is enrolled already",
                                               "officer_exists"));
  }
  for (const StoredOfficer& o : next.officers) {
    if (o.keys.sign == keys->sign || o.keys.seal == keys->seal) {
      return RefuseOfficer(caller, kAction, "", officer_id, "",
                           Status::AlreadyExists("these keys are enrolled already, as " + o.id,
                                                 "officer_exists"));
    }
  }
  StoredOfficer officer;
  officer.id = std::string(officer_id);
  officer.keys = *keys;
  officer.enrolled_at = clock_->NowMillis();
  officer.enrolled_by = caller.uid;
  next.officers.push_back(officer);
  VAULT_RETURN_IF_ERROR(Audit(caller, kAction, "", "ok",
                              {{"officer", officer.id},
                               {"fingerprint", safeguard::Fingerprint(officer.keys)}}));
  VAULT_RETURN_IF_ERROR(cases_->Commit(std::move(next)));
  return DescribeOfficer(officer);
}

StatusOr<OfficerInfo> VaultImpl::RevokeOfficer(const Caller& caller, std::string_view officer_id) {
  constexpr std::string_view kAction = "officer.revoke";
  if (!caller.Has(Role::kAdmin)) {
    return RefuseOfficer(caller, kAction, "", officer_id, "",
                         Status::PermissionDenied("only admins may revoke officers", "forbidden"));
  }
  std::lock_guard<std::mutex> l(safeguard_mu_);
  safeguard::SafeguardState next = cases_->state();
  StoredOfficer* officer = next.FindOfficer(officer_id);
  if (officer == nullptr) {
    return RefuseOfficer(caller, kAction, "", officer_id, "",
                         Status::NotFound("no officer with this id", "unknown_officer"));
  }
  if (officer->revoked_at != 0) {  // idempotent, and audited like every call
    VAULT_RETURN_IF_ERROR(Audit(caller, kAction, "", "ok",
                                {{"officer", officer->id}, {"already", "revoked"}}));
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
  std::lock_guard<std::mutex> l(safeguard_mu_);
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
  c.public_key.assign(crypto_box_PUBLICKEYBYTES, '\0');
  {
    VAULT_ASSIGN_OR_RETURN(SecretBytes secret, SecretBytes::Zeroed(crypto_box_SECRETKEYBYTES));
    crypto_box_keypair(reinterpret_cast<unsigned char*>(c.public_key.data()),
                       secret.insecure_mutable_data());
    VAULT_ASSIGN_OR_RETURN(std::vector<shamir::Share> shares,
                           shamir::Split(secret, kThreshold, static_cast<int>(holders.size())));
    const std::string ad = safeguard::ShareAd(c.id);
    for (size_t i = 0; i < holders.size(); ++i) {
      const shamir::Share& share = shares[i];
      VAULT_ASSIGN_OR_RETURN(SecretBytes plain, SecretBytes::Zeroed(ad.size() + 1 + share.y.size()));
      std::memcpy(plain.insecure_mutable_data(), ad.data(), ad.size());
      plain.insecure_mutable_data()[ad.size()] = share.x;
      std::memcpy(plain.insecure_mutable_data() + ad.size() + 1, share.y.insecure_data(),
                  share.y.size());
      StoredShare stored;
      stored.officer = holders[i]->id;
      stored.x = share.x;
      stored.sealed.assign(plain.size() + crypto_box_SEALBYTES, '\0');
      crypto_box_seal(reinterpret_cast<unsigned char*>(stored.sealed.data()),
                      plain.insecure_data(), plain.size(), holders[i]->keys.seal.data());
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
  VAULT_RETURN_IF_ERROR(store_->Scan(Column::kHolds, prefix, [&](std::string_view k, std::string_view) {
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
  if (!caller.Has(Role::kOfficer)) return RefuseOfficer(caller, "case.list", "", "", "", NotAnOfficer());
  VAULT_RETURN_IF_ERROR(Audit(caller, "case.list", "", "ok"));
  std::lock_guard<std::mutex> l(safeguard_mu_);
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
  if (!caller.Has(Role::kOfficer)) return RefuseOfficer(caller, kAction, "", "", case_id, NotAnOfficer());
  std::lock_guard<std::mutex> l(safeguard_mu_);
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
    std::lock_guard<std::mutex> retention(retention_mu_);
    std::lock_guard<std::mutex> l(safeguard_mu_);
    StatusOr<const StoredOfficer*> officer =
        CheckStatement(hold.signed_by, safeguard::HoldStatement(VaultId(), hold));
    if (!officer.ok()) return refuse(officer.status());
    const StoredCase* c = cases_->state().FindCase(hold.case_id);
    if (c == nullptr) return refuse(NoCase());
    if (c->state != "open") {
      return refuse(Status::FailedPrecondition("this case has been released", "case_released"));
    }
    std::lock_guard<std::mutex> stripe(StripeFor(raw_id));
    // At most one case holds a transcript: its DEK is then sealed to that
    // case only, and a second case could not get it without an unseal.
    std::string holder;
    const std::string tprefix = "t" + raw_id;
    VAULT_RETURN_IF_ERROR(store_->Scan(Column::kHolds, tprefix, [&](std::string_view k, std::string_view) {
      holder = std::string(k.substr(tprefix.size()));
      return false;
    }));
    if (!holder.empty()) {
      if (holder != c->id) {
        return refuse(Status::FailedPrecondition(
            "this transcript is already on hold under another case", "already_held"));
      }
      VAULT_ASSIGN_OR_RETURN(std::string value, store_->Get(Column::kHolds, HoldKey(raw_id, c->id)));
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
    std::string sealed(plain.size() + crypto_box_SEALBYTES, '\0');
    crypto_box_seal(reinterpret_cast<unsigned char*>(sealed.data()), plain.insecure_data(),
                    plain.size(), reinterpret_cast<const unsigned char*>(c->public_key.data()));
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
  VAULT_RETURN_IF_ERROR(store_->Scan(Column::kHolds, prefix, [&](std::string_view k, std::string_view v) {
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

// --- Requests -------------------------------------------------------------

StatusOr<RequestInfo> VaultImpl::FileRequest(const Caller& caller, const RequestFiling& f) {
  constexpr std::string_view kAction = "request.file";
  const std::string& officer_id = f.signed_by.officer;
  auto refuse = [&](const Status& why) {
    return RefuseOfficer(caller, kAction, "", officer_id, f.case_id, why);
  };
  if (!caller.Has(Role::kOfficer)) return refuse(NotAnOfficer());
  if (Status s = ValidateReason(f.reason); !s.ok()) return refuse(s);
  const UnixMillis now = clock_->NowMillis();
  if (f.expires_at <= now || f.expires_at > now + options_.max_request_age_ms) {
    return refuse(Status::InvalidArgument(
        "expires_at must be in the future and at most " + FormatDuration(options_.max_request_age_ms) +
            " ahead", "invalid_expiry"));
  }
  if (f.kind == RequestKind::kUnseal &&
      (f.transcripts.empty() || f.transcripts.size() > kMaxRequestTranscripts)) {
    return refuse(Status::InvalidArgument("an unseal request lists 1 to 100 transcripts",
                                          "invalid_transcripts"));
  }
  if (f.kind == RequestKind::kRelease && !f.transcripts.empty()) {
    return refuse(Status::InvalidArgument("a release request covers the whole case; list no "
                                          "transcripts", "invalid_transcripts"));
  }
  std::set<std::string> seen;
  for (const std::string& id : f.transcripts) {
    std::string raw;
    if (!ParseId(id, &raw) || !seen.insert(id).second) {
      return refuse(Status::InvalidArgument("transcripts must be distinct transcript ids",
                                            "invalid_transcripts"));
    }
  }
  std::lock_guard<std::mutex> l(safeguard_mu_);
  StatusOr<const StoredOfficer*> officer =
      CheckStatement(f.signed_by, safeguard::RequestFileStatement(VaultId(), f));
  if (!officer.ok()) return refuse(officer.status());
  const StoredCase* c = cases_->state().FindCase(f.case_id);
  if (c == nullptr) return refuse(NoCase());
  if (c->state != "open") {
    return refuse(Status::FailedPrecondition("this case has been released", "case_released"));
  }
  for (const std::string& id : f.transcripts) {
    std::string raw;
    ParseId(id, &raw);
    auto entry = store_->Get(Column::kHolds, HoldKey(raw, c->id));
    if (!entry.ok()) {
      if (entry.status().code() != Status::Code::kNotFound) return entry.status();
      return refuse(Status::InvalidArgument("transcript " + id + " is not on hold under this case",
                                            "not_in_case"));
    }
  }
  // Forget requests that can no longer be approved.
  for (auto it = requests_.begin(); it != requests_.end();) {
    if (it->second.info.expires_at <= now) {
      it = requests_.erase(it);
    } else {
      ++it;
    }
  }
  if (requests_.size() >= kMaxPendingRequests) {
    return refuse(Status::Unavailable("too many requests are pending; try again later",
                                      "too_many_requests"));
  }
  PendingRequest r;
  std::string raw_id(kIdBytes, '\0');
  randombytes_buf(raw_id.data(), raw_id.size());
  r.info.id = ToHex(raw_id);
  r.info.kind = f.kind;
  r.info.case_id = c->id;
  r.info.transcripts = f.transcripts;
  r.info.reason_hash = safeguard::ReasonHash(f.reason);
  r.info.reason = f.reason;
  r.info.filed_by = officer_id;
  r.info.filed_at = now;
  r.info.expires_at = f.expires_at;
  std::string pk(crypto_box_PUBLICKEYBYTES, '\0');
  VAULT_ASSIGN_OR_RETURN(r.secret, SecretBytes::Zeroed(crypto_box_SECRETKEYBYTES));
  crypto_box_keypair(reinterpret_cast<unsigned char*>(pk.data()), r.secret.insecure_mutable_data());
  r.info.request_key = ToBase64(pk);
  r.info.text = safeguard::RequestText(VaultId(), r.info);
  r.info.state = "pending";
  VAULT_RETURN_IF_ERROR(Audit(caller, kAction, r.info.id, "ok",
                              {{"officer", officer_id},
                               {"case", c->id},
                               {"kind", RequestKindName(f.kind)},
                               {"transcripts", JoinIds(f.transcripts)},
                               {"reason_hash", r.info.reason_hash},
                               {"expires_at", FormatRfc3339(f.expires_at)}}));
  RequestInfo info = r.info;
  requests_.emplace(info.id, std::move(r));
  return info;
}

StatusOr<RequestInfo> VaultImpl::GetRequest(const Caller& caller, std::string_view request_id,
                                            std::string_view officer) {
  constexpr std::string_view kAction = "request.read";
  if (!caller.Has(Role::kOfficer)) {
    return RefuseOfficer(caller, kAction, request_id, officer, "", NotAnOfficer());
  }
  std::lock_guard<std::mutex> l(safeguard_mu_);
  auto it = requests_.find(std::string(request_id));
  if (it == requests_.end()) return RefuseOfficer(caller, kAction, request_id, officer, "", NoRequest());
  RequestInfo info = it->second.info;
  if (!it->second.used && info.expires_at <= clock_->NowMillis()) info.state = "expired";
  if (!officer.empty()) {
    const StoredCase* c = cases_->state().FindCase(info.case_id);
    if (c != nullptr) {
      for (const StoredShare& s : c->shares) {
        if (s.officer == officer) info.officer_share = ToBase64(s.sealed);
      }
    }
  }
  VAULT_RETURN_IF_ERROR(Audit(caller, kAction, request_id, "ok", {{"case", info.case_id}}));
  return info;
}

StatusOr<ApprovalResult> VaultImpl::Approve(const Caller& caller, std::string_view request_id,
                                            const Approval& a) {
  constexpr std::string_view kAction = "request.approve";
  std::string case_id;
  auto refuse = [&](const Status& why) {
    return RefuseOfficer(caller, kAction, request_id, a.officer, case_id, why);
  };
  if (!caller.Has(Role::kOfficer)) return refuse(NotAnOfficer());
  // A release rewrites wrapped keys: no shred may run meanwhile.
  std::lock_guard<std::mutex> retention(retention_mu_);
  std::lock_guard<std::mutex> l(safeguard_mu_);
  auto it = requests_.find(std::string(request_id));
  if (it == requests_.end()) return refuse(NoRequest());
  PendingRequest& r = it->second;
  case_id = r.info.case_id;
  if (r.used) {
    return refuse(Status::FailedPrecondition("this request has been carried out already",
                                             "request_used"));
  }
  const UnixMillis now = clock_->NowMillis();
  if (r.info.expires_at <= now) {
    return refuse(Status::FailedPrecondition("this request has expired; file a new one",
                                             "request_expired"));
  }
  const StoredOfficer* officer = cases_->state().FindOfficer(a.officer);
  if (officer == nullptr) {
    return refuse(Status::PermissionDenied("no officer with this id is enrolled", "unknown_officer"));
  }
  if (officer->revoked_at != 0) {
    return refuse(Status::PermissionDenied("this officer has been revoked", "officer_revoked"));
  }
  if (!safeguard::VerifySignature(officer->keys.sign,
                                  safeguard::ApprovalMessage(r.info.text, a.officer, a.share),
                                  a.signature)) {
    return refuse(Status::PermissionDenied(
        "the approval's signature does not verify over this request and share", "bad_signature"));
  }
  for (const Approval& earlier : r.approvals) {
    if (earlier.officer == a.officer) {
      return refuse(Status::FailedPrecondition(
          "this officer has approved this request already; a second officer must approve",
          "already_approved"));
    }
  }
  const StoredCase* c = cases_->state().FindCase(r.info.case_id);
  if (c == nullptr || c->state != "open") {
    return refuse(Status::FailedPrecondition("this case has been released", "case_released"));
  }
  const StoredShare* expected = nullptr;
  for (const StoredShare& s : c->shares) {
    if (s.officer == a.officer) expected = &s;
  }
  if (expected == nullptr) {
    return refuse(Status::PermissionDenied(
        "this officer holds no share of this case (enrolled after it was opened)", "no_share"));
  }
  std::string request_pk;
  FromBase64(r.info.request_key, &request_pk);
  StatusOr<shamir::Share> share =
      OpenShare(a.share, reinterpret_cast<const uint8_t*>(request_pk.data()), r.secret, *c, *expected);
  if (!share.ok()) return refuse(share.status());
  VAULT_RETURN_IF_ERROR(Audit(caller, kAction, r.info.id, "ok",
                              {{"officer", a.officer}, {"case", c->id},
                               {"approvals", std::to_string(r.approvals.size() + 1)}}));
  r.approvals.push_back(a);
  // An approval counts only while its officer is enrolled and unrevoked:
  // one revoked since approving is dropped and must be replaced.
  std::vector<Approval> standing;
  for (Approval& earlier : r.approvals) {
    const StoredOfficer* o = cases_->state().FindOfficer(earlier.officer);
    if (o != nullptr && o->revoked_at == 0) standing.push_back(std::move(earlier));
  }
  r.approvals = std::move(standing);
  r.info.approved_by.clear();
  for (const Approval& kept : r.approvals) r.info.approved_by.push_back(kept.officer);
  ApprovalResult result;
  if (r.approvals.size() < static_cast<size_t>(c->threshold)) {
    result.request = r.info;
    return result;
  }

  // Two distinct officers: carry the request out. It is used from here on,
  // whatever happens next, so no approval of it can ever count again.
  r.used = true;
  r.info.state = "used";
  std::vector<shamir::Share> shares;
  for (const Approval& approval : r.approvals) {
    const StoredShare* s = nullptr;
    for (const StoredShare& candidate : c->shares) {
      if (candidate.officer == approval.officer) s = &candidate;
    }
    VAULT_ASSIGN_OR_RETURN(shamir::Share opened,
                           OpenShare(approval.share,
                                     reinterpret_cast<const uint8_t*>(request_pk.data()), r.secret,
                                     *c, *s));
    shares.push_back(std::move(opened));
  }
  r.secret = SecretBytes();  // the request key is no longer needed: wiped
  std::vector<const shamir::Share*> parts;
  for (const shamir::Share& s : shares) parts.push_back(&s);
  VAULT_ASSIGN_OR_RETURN(SecretBytes case_secret, shamir::Combine(parts));
  uint8_t derived[crypto_box_PUBLICKEYBYTES];
  crypto_scalarmult_base(derived, case_secret.insecure_data());
  if (c->public_key.size() != sizeof derived ||
      sodium_memcmp(derived, c->public_key.data(), sizeof derived) != 0) {
    return refuse(Status::Corruption("the shares do not combine to this case's key",
                                     "shares_mismatch"));
  }
  const StoredCase case_copy = *c;
  result.request = r.info;
  if (r.info.kind == RequestKind::kUnseal) {
    VAULT_RETURN_IF_ERROR(ExecuteUnseal(caller, r.info, case_secret, case_copy, &result));
  } else {
    VAULT_RETURN_IF_ERROR(ExecuteRelease(caller, r.info, case_secret, case_copy, &result));
  }
  result.executed = true;
  return result;
}

Status VaultImpl::AuditExecution(const Caller& caller, std::string_view action,
                                 const RequestInfo& request,
                                 std::vector<std::pair<std::string, std::string>> details,
                                 ApprovalResult* result) {
  details.insert(details.begin(), {{"case", request.case_id},
                                   {"approved_by", JoinIds(request.approved_by)}});
  uint64_t seq = 0;
  VAULT_RETURN_IF_ERROR(Audit(caller, action, request.id, "ok", std::move(details), &seq));
  VAULT_ASSIGN_OR_RETURN(std::vector<audit::StoredRecord> records, audit_->Read(seq, 1));
  if (records.size() != 1) return Status::Internal("the audit record just written is missing");
  result->audit_seq = seq;
  result->executed_at = records[0].record.time_ms;
  result->audit_hash = ToHex(std::string_view(
      reinterpret_cast<const char*>(records[0].hash.data()), records[0].hash.size()));
  return Status::OK();
}

StatusOr<SecretBytes> VaultImpl::OpenHeldKey(const std::string& raw_id, const StoredCase& c,
                                             const SecretBytes& case_secret) {
  VAULT_ASSIGN_OR_RETURN(std::string value, store_->Get(Column::kHolds, HoldKey(raw_id, c.id)));
  UnixMillis at = 0;
  std::string by;
  std::string_view sealed;
  const size_t plain_len = kHeldDekTag.size() + kIdBytes + aead::kKeyBytes;
  if (!DecodeHold(value, &at, &by, &sealed) || sealed.size() != plain_len + crypto_box_SEALBYTES) {
    return Status::Corruption("a hold entry is malformed");
  }
  VAULT_ASSIGN_OR_RETURN(SecretBytes plain, SecretBytes::Zeroed(plain_len));
  if (crypto_box_seal_open(plain.insecure_mutable_data(),
                           reinterpret_cast<const unsigned char*>(sealed.data()), sealed.size(),
                           reinterpret_cast<const unsigned char*>(c.public_key.data()),
                           case_secret.insecure_data()) != 0) {
    return Status::Corruption("a held key does not open with its case key");
  }
  const uint8_t* p = plain.insecure_data();
  if (std::memcmp(p, kHeldDekTag.data(), kHeldDekTag.size()) != 0 ||
      std::memcmp(p + kHeldDekTag.size(), raw_id.data(), kIdBytes) != 0) {
    return Status::Corruption("a held key is bound to another transcript");
  }
  return SecretBytes::CopyFrom(p + kHeldDekTag.size() + kIdBytes, aead::kKeyBytes);
}

Status VaultImpl::ExecuteUnseal(const Caller& caller, const RequestInfo& request,
                                const SecretBytes& case_secret, const StoredCase& c,
                                ApprovalResult* result) {
  // Recorded before anything is opened: if the record cannot be written,
  // nothing is.
  VAULT_RETURN_IF_ERROR(AuditExecution(caller, "transcript.unseal", request,
                                       {{"transcripts", JoinIds(request.transcripts)}}, result));
  for (const std::string& id : request.transcripts) {
    std::string raw_id;
    ParseId(id, &raw_id);
    std::lock_guard<std::mutex> stripe(StripeFor(raw_id));
    VAULT_ASSIGN_OR_RETURN(SecretBytes dek, OpenHeldKey(raw_id, c, case_secret));
    VAULT_ASSIGN_OR_RETURN(StateRecord state, ReadState(raw_id, dek));
    VAULT_ASSIGN_OR_RETURN(Transcript t, ReadRecords(id, raw_id, dek, state));
    result->transcripts.push_back(std::move(t));
  }
  return Status::OK();
}

Status VaultImpl::ExecuteRelease(const Caller& caller, const RequestInfo& request,
                                 const SecretBytes& case_secret, const StoredCase& c,
                                 ApprovalResult* result) {
  VAULT_ASSIGN_OR_RETURN(std::vector<HoldInfo> holds, HoldsOfCase(c.id));
  const UnixMillis now = clock_->NowMillis();
  const uint64_t base = keyring_->base_epoch();
  const uint64_t tombstone_epoch = std::max(base, keyring_->EpochOf(now + options_.retention_ms));
  // Decide every transcript's fate first, then write it all in one batch.
  WriteBatch batch;
  std::vector<std::string> ids;
  for (const HoldInfo& h : holds) {
    std::string raw_id;
    ParseId(h.transcript_id, &raw_id);
    VAULT_ASSIGN_OR_RETURN(SecretBytes dek, OpenHeldKey(raw_id, c, case_secret));
    VAULT_ASSIGN_OR_RETURN(StateRecord state, ReadState(raw_id, dek));
    batch.Delete(Column::kHolds, HoldKey(raw_id, c.id));
    batch.Delete(Column::kHolds, CaseHoldPrefix(c.id) + raw_id);
    batch.AddToCounter(kHeldCounter, -1);
    const uint64_t epoch = keyring_->EpochOf(state.expires_at);
    if (state.expires_at > now && epoch >= base) {
      // Back to normal expiry: wrapped again under the epoch it expires in.
      VAULT_ASSIGN_OR_RETURN(std::string wrapped, keyring_->WrapKey(epoch, dek, raw_id));
      batch.Put(Column::kWrappedKeys, raw_id, wrapped);
      batch.Put(Column::kExpiryIndex, ExpiryKey(epoch, raw_id), "");
      batch.AddToCounter(kClosedCounter, 1);
      ++result->returned;
    } else {
      // Its retention has passed: with the case key gone nothing can open
      // it; purge it now, leaving the usual tombstone.
      std::string end = raw_id;
      end.push_back('\xff');
      batch.DeleteRange(Column::kMessages, raw_id, end);
      batch.Delete(Column::kTranscripts, TranscriptKey(raw_id, RecordKind::kVisitor));
      batch.Delete(Column::kTranscripts, TranscriptKey(raw_id, RecordKind::kState));
      batch.Put(Column::kWrappedKeys, raw_id, Tombstone(now));
      batch.Put(Column::kExpiryIndex, ExpiryKey(tombstone_epoch, raw_id), "");
      ++result->destroyed;
    }
    ids.push_back(h.transcript_id);
  }
  VAULT_RETURN_IF_ERROR(AuditExecution(caller, "case.release", request,
                                       {{"returned", std::to_string(result->returned)},
                                        {"destroyed", std::to_string(result->destroyed)}},
                                       result));
  // Holds first, then the key: a crash in between leaves a case key with no
  // holds (released again by a new request), never holds without a key.
  VAULT_RETURN_IF_ERROR(store_->Write(&batch));
  held_count_.fetch_sub(static_cast<int64_t>(ids.size()), std::memory_order_relaxed);
  closed_count_.fetch_add(static_cast<int64_t>(result->returned), std::memory_order_relaxed);
  safeguard::SafeguardState next = cases_->state();
  StoredCase* stored = next.FindCase(c.id);
  stored->state = "released";
  stored->released_at = now;
  stored->public_key.clear();
  stored->shares.clear();
  VAULT_RETURN_IF_ERROR(cases_->Commit(std::move(next)));
  return store_->FlushAndCompact();
}

}  // namespace vault
