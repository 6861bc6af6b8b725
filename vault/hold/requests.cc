// LegalHold: unseal, release and reshare requests: filing, reading and
// approving them. As many approvals by distinct share holders as the case's
// threshold carry a request out (execution.cc). Design: docs/design.md
// section 23.
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "vault/common/encoding.h"
#include "vault/common/time_format.h"
#include "vault/crypto/box.h"
#include "vault/crypto/compare.h"
#include "vault/crypto/random.h"
#include "vault/crypto/shamir.h"
#include "vault/hold/hold_internal.h"
#include "vault/hold/legal_hold.h"
#include "vault/officer/statement.h"
#include "vault/options.h"
#include "vault/storage/schema.h"
#include "vault/storage/store.h"

namespace vault {
namespace {

using safeguard::StoredCase;
using safeguard::StoredOfficer;
using safeguard::StoredShare;

constexpr size_t kMaxRequestTranscripts = 100;
constexpr size_t kMaxPendingRequests = 256;
constexpr size_t kShareBytes = 32;

Status NoRequest() {
  return Status::NotFound("no pending or used request with this id", "no_request");
}

// Opens a share sealed to the request key and checks it belongs to `case_id`
// at `x` (ShareAd(case) | x | y) and matches its commitment.
// InvalidArgument "invalid_share" otherwise.
StatusOr<shamir::Share> OpenShare(std::string_view sealed, const BoxKeyPair& request_key,
                                  const StoredCase& c, const StoredShare& expected) {
  const Status bad = Status::InvalidArgument(
      "the share does not open, or is not this officer's share of this case", "invalid_share");
  StatusOr<SecretBytes> y =
      OpenBoundKey(request_key, sealed, safeguard::ShareLabel(c.id, expected.x), kShareBytes);
  if (!y.ok()) return bad;
  const std::string commitment = safeguard::ShareCommitment(c.id, expected.x, *y);
  if (!ConstantTimeEquals(commitment, expected.commitment)) return bad;
  shamir::Share share;
  share.x = expected.x;
  share.y = std::move(y).value();
  return share;
}

}  // namespace

StatusOr<RequestInfo> LegalHold::FileRequest(const Caller& caller, const RequestFiling& f) {
  constexpr std::string_view kAction = "request.file";
  const std::string& officer_id = f.signed_by.officer;
  auto refuse = [&](const Status& why) {
    return RefuseOfficer(caller, kAction, "", officer_id, f.case_id, why);
  };
  if (!caller.Has(Role::kOfficer)) return refuse(NotAnOfficer());
  if (Status s = ValidateReason(f.reason); !s.ok()) return refuse(s);
  const UnixMillis now = clock_->NowMillis();
  if (f.expires_at <= now || f.expires_at > now + settings_.max_request_age_ms) {
    return refuse(Status::InvalidArgument("expires_at must be in the future and at most " +
                                              FormatDuration(settings_.max_request_age_ms) +
                                              " ahead",
                                          "invalid_expiry"));
  }
  if (f.kind == RequestKind::kRecover && f.threshold != 0) {
    return refuse(Status::InvalidArgument(
        "a recover request takes its threshold from the dealing it names", "invalid_threshold"));
  }
  if (f.kind == RequestKind::kUnseal &&
      (f.transcripts.empty() || f.transcripts.size() > kMaxRequestTranscripts)) {
    return refuse(Status::InvalidArgument("an unseal request lists 1 to 100 transcripts",
                                          "invalid_transcripts"));
  }
  if (f.kind != RequestKind::kUnseal && !f.transcripts.empty()) {
    return refuse(Status::InvalidArgument(
        std::string("a ") + RequestKindName(f.kind) +
            " request covers the whole case; list no transcripts",
        "invalid_transcripts"));
  }
  if (f.kind != RequestKind::kReshare && f.kind != RequestKind::kRecover && f.threshold != 0) {
    return refuse(Status::InvalidArgument("only a reshare request names a threshold",
                                          "invalid_threshold"));
  }
  if (f.kind == RequestKind::kReshare && f.threshold != 0) {
    if (Status s = ValidateThreshold(f.threshold); !s.ok()) return refuse(s);
  }
  std::set<std::string> seen;
  for (const std::string& id : f.transcripts) {
    std::string raw;
    if (!ParseId(id, &raw) || !seen.insert(id).second) {
      return refuse(Status::InvalidArgument("transcripts must be distinct transcript ids",
                                            "invalid_transcripts"));
    }
  }
  MutexLock l(&mu_);
  StatusOr<const StoredOfficer*> officer =
      CheckStatement(f.signed_by, safeguard::RequestFileStatement(VaultId(), f));
  if (!officer.ok()) return refuse(officer.status());
  int threshold = 0;
  const StoredCase* c = cases_->state().FindCase(f.case_id);
  // A recover request names a case of another vault: the dealing of its
  // offline shares stands in for the case until it is recovered.
  StoredCase recovering;
  if (f.kind == RequestKind::kRecover) {
    if (Status s = ValidateCaseId(f.case_id); !s.ok()) return refuse(s);
    StatusOr<size_t> held = CheckRecovery(f.recovery, f.case_id);
    if (!held.ok()) return refuse(held.status());
    recovering = CaseOfDealing(f.recovery.dealing);
    c = &recovering;
    threshold = f.recovery.dealing.threshold;
  }
  if (c == nullptr) return refuse(NoCase());
  if (c->state != "open") {
    return refuse(Status::FailedPrecondition("this case has been released", "case_released"));
  }
  if (f.kind == RequestKind::kReshare || f.kind == RequestKind::kRecover) {
    // Filed by one of the share holders whose approvals it needs (of the
    // case, or of the dealing a recovery names).
    bool holds = false;
    for (const StoredShare& s : c->shares) holds = holds || s.officer == officer_id;
    if (!holds) {
      return refuse(Status::PermissionDenied(
          std::string("only an officer who holds a share of this case may ask to ") +
              RequestKindName(f.kind) + " it",
          "no_share"));
    }
  }
  if (f.kind == RequestKind::kReshare) {
    threshold = f.threshold != 0 ? f.threshold : c->threshold;
    if (Status s = CheckDealable(threshold); !s.ok()) return refuse(s);
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
  ForgetExpiredLocked(now);
  // One pending request per case: a second would let its officers' shares
  // accumulate in memory across requests.
  for (const auto& [id, pending] : requests_) {
    if (pending.info.case_id == c->id && !pending.used) {
      return refuse(Status::FailedPrecondition(
          "this case has a pending request already; approve it or let it expire first",
          "request_pending"));
    }
  }
  if (requests_.size() >= kMaxPendingRequests) {
    return refuse(
        Status::Unavailable("too many requests are pending; try again later", "too_many_requests"));
  }
  PendingRequest r;
  r.info.id = ToHex(RandomBytes(kIdBytes));
  r.info.kind = f.kind;
  r.info.case_id = c->id;
  r.info.transcripts = f.transcripts;
  r.info.threshold = threshold;
  if (f.kind == RequestKind::kRecover) r.info.recovery = f.recovery;
  r.info.reason_hash = safeguard::ReasonHash(f.reason);
  r.info.reason = f.reason;
  r.info.filed_by = officer_id;
  r.info.filed_at = now;
  r.info.expires_at = f.expires_at;
  VAULT_ASSIGN_OR_RETURN(BoxKeyPair request_key, BoxKeyPair::Generate());
  r.info.request_key = ToBase64(request_key.public_key().bytes());
  r.key = std::make_unique<BoxKeyPair>(std::move(request_key));
  r.info.text = safeguard::RequestText(VaultId(), r.info);
  r.info.state = "pending";
  VAULT_RETURN_IF_ERROR(host_->AuditCaller(caller, kAction, r.info.id, "ok",
                                           {{"officer", officer_id},
                                            {"case", c->id},
                                            {"kind", RequestKindName(f.kind)},
                                            {"transcripts", JoinIds(f.transcripts)},
                                            {"threshold", std::to_string(threshold)},
                                            {"reason_hash", r.info.reason_hash},
                                            {"recovery", f.kind == RequestKind::kRecover
                                                             ? safeguard::RecoverySourceDigest(f.recovery)
                                                             : ""},
                                            {"expires_at", FormatRfc3339(f.expires_at)}}));
  RequestInfo info = r.info;
  requests_.emplace(info.id, std::move(r));
  return info;
}

size_t LegalHold::ForgetExpiredLocked(UnixMillis now) {
  size_t forgotten = 0;
  for (auto it = requests_.begin(); it != requests_.end();) {
    if (it->second.info.expires_at <= now) {
      // The request key pair and the opened shares are SecretBytes: wiped
      // as they are destroyed.
      it = requests_.erase(it);
      ++forgotten;
    } else {
      ++it;
    }
  }
  return forgotten;
}

size_t LegalHold::ForgetExpiredRequests() {
  MutexLock l(&mu_);
  return ForgetExpiredLocked(clock_->NowMillis());
}

StatusOr<RequestInfo> LegalHold::GetRequest(const Caller& caller, std::string_view request_id,
                                            std::string_view officer) {
  constexpr std::string_view kAction = "request.read";
  if (!caller.Has(Role::kOfficer)) {
    return RefuseOfficer(caller, kAction, request_id, officer, "", NotAnOfficer());
  }
  MutexLock l(&mu_);
  auto it = requests_.find(std::string(request_id));
  if (it == requests_.end())
    return RefuseOfficer(caller, kAction, request_id, officer, "", NoRequest());
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
  VAULT_RETURN_IF_ERROR(
      host_->AuditCaller(caller, kAction, request_id, "ok", {{"case", info.case_id}}));
  return info;
}

StatusOr<ApprovalResult> LegalHold::Approve(const Caller& caller, std::string_view request_id,
                                            const Approval& a) {
  constexpr std::string_view kAction = "request.approve";
  std::string case_id;
  auto refuse = [&](const Status& why) {
    return RefuseOfficer(caller, kAction, request_id, a.officer, case_id, why);
  };
  if (!caller.Has(Role::kOfficer)) return refuse(NotAnOfficer());
  // A release rewrites wrapped keys: no shred may run meanwhile.
  MutexLock retention(retention_mu_);
  MutexLock l(&mu_);
  auto it = requests_.find(std::string(request_id));
  if (it == requests_.end()) return refuse(NoRequest());
  PendingRequest& r = it->second;
  case_id = r.info.case_id;
  if (r.used) {
    return refuse(
        Status::FailedPrecondition("this request has been carried out already", "request_used"));
  }
  const UnixMillis now = clock_->NowMillis();
  if (r.info.expires_at <= now) {
    return refuse(
        Status::FailedPrecondition("this request has expired; file a new one", "request_expired"));
  }
  StatusOr<const StoredOfficer*> found = ActiveOfficer(a.officer);
  if (!found.ok()) return refuse(found.status());
  const StoredOfficer* officer = *found;
  if (!safeguard::VerifySignature(officer->keys.sign,
                                  safeguard::ApprovalMessage(r.info.text, a.officer, a.share),
                                  a.signature)) {
    return refuse(Status::PermissionDenied(
        "the approval's signature does not verify over this request and share", "bad_signature"));
  }
  for (const PendingRequest::Accepted& earlier : r.approvals) {
    if (earlier.officer == a.officer) {
      return refuse(Status::FailedPrecondition(
          "this officer has approved this request already; a second officer must approve",
          "already_approved"));
    }
  }
  // The shares approvals must carry: of the case's current dealing, or, to
  // recover a case from another vault, of the dealing the request names.
  StoredCase recovering;
  const StoredCase* c = cases_->state().FindCase(r.info.case_id);
  if (r.info.kind == RequestKind::kRecover) {
    recovering = CaseOfDealing(r.info.recovery.dealing);
    c = &recovering;
  }
  if (c == nullptr || c->state != "open") {
    return refuse(Status::FailedPrecondition("this case has been released", "case_released"));
  }
  const StoredShare* expected = nullptr;
  for (const StoredShare& s : c->shares) {
    if (s.officer == a.officer) expected = &s;
  }
  if (expected == nullptr) {
    return refuse(Status::PermissionDenied(
        "this officer holds no share of this case (enrolled after its shares were dealt)",
        "no_share"));
  }
  StatusOr<shamir::Share> share = OpenShare(a.share, *r.key, *c, *expected);
  if (!share.ok()) return refuse(share.status());
  // A reshare (or a recovery) deals to the officers active now: while too
  // few of them remain for its threshold, no approval of it is taken (the
  // request stays pending, its earlier approvals kept).
  if (r.info.kind == RequestKind::kReshare || r.info.kind == RequestKind::kRecover) {
    if (Status s = CheckDealable(r.info.threshold); !s.ok()) return refuse(s);
  }
  VAULT_RETURN_IF_ERROR(
      host_->AuditCaller(caller, kAction, r.info.id, "ok",
                         {{"officer", a.officer},
                          {"case", c->id},
                          {"approvals", std::to_string(r.approvals.size() + 1)}}));
  r.approvals.push_back({a.officer, std::move(share).value()});
  // An approval counts only while its officer is enrolled and unrevoked:
  // one revoked since approving is dropped and must be replaced.
  std::vector<PendingRequest::Accepted> still_valid;
  for (PendingRequest::Accepted& earlier : r.approvals) {
    if (ActiveOfficer(earlier.officer).ok()) still_valid.push_back(std::move(earlier));
  }
  r.approvals = std::move(still_valid);
  r.info.approved_by.clear();
  for (const PendingRequest::Accepted& kept : r.approvals) {
    r.info.approved_by.push_back(kept.officer);
  }
  ApprovalResult result;
  if (r.approvals.size() < static_cast<size_t>(c->threshold)) {
    result.request = r.info;
    return result;
  }

  // As many distinct share holders as the threshold: carry the request out.
  // It is used from here on, whatever happens next, so no approval of it
  // can ever count again.
  r.used = true;
  r.info.state = "used";
  std::vector<const shamir::Share*> parts;
  for (const PendingRequest::Accepted& accepted : r.approvals) parts.push_back(&accepted.share);
  StatusOr<SecretBytes> combined = shamir::Combine(parts);
  // The request key and the shares are no longer needed: wiped.
  r.key.reset();
  r.approvals.clear();
  VAULT_ASSIGN_OR_RETURN(SecretBytes case_secret, std::move(combined));
  StatusOr<BoxKeyPair> case_key = BoxKeyPair::FromSecret(case_secret);
  if (!case_key.ok() || !ConstantTimeEquals(case_key->public_key().bytes(), c->public_key)) {
    return refuse(
        Status::Corruption("the shares do not combine to this case's key", "shares_mismatch"));
  }
  const StoredCase case_copy = *c;
  result.request = r.info;
  switch (r.info.kind) {
    case RequestKind::kUnseal:
      VAULT_RETURN_IF_ERROR(ExecuteUnseal(caller, r.info, case_secret, case_copy, &result));
      break;
    case RequestKind::kRelease:
      VAULT_RETURN_IF_ERROR(ExecuteRelease(caller, r.info, case_secret, case_copy, &result));
      break;
    case RequestKind::kReshare:
      VAULT_RETURN_IF_ERROR(ExecuteReshare(caller, r.info, case_secret, case_copy, &result));
      break;
    case RequestKind::kRecover:
      // A recovery re-checks the log and the backup, which may have changed
      // since the filing: a failure then is recorded under its code too
      // (the request is used all the same).
      if (Status done = ExecuteRecover(caller, r.info, case_secret, &result); !done.ok()) {
        return RefuseOfficer(caller, "case.recover", r.info.id, "", r.info.case_id, done,
                             {{"approved_by", JoinIds(r.info.approved_by)}});
      }
      break;
  }
  result.executed = true;
  return result;
}

}  // namespace vault
