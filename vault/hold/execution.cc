// LegalHold: carrying out an approved request. An unseal opens the listed
// held transcripts; a release returns every transcript of the case to
// normal expiry (or purges it, if its retention has passed) and destroys the
// case key; a reshare deals the case key afresh to the officers active now.
// Each is recorded before it happens. Design: docs/design.md section 23.
#include <string>
#include <utility>
#include <vector>

#include "vault/common/encoding.h"
#include "vault/crypto/aead.h"
#include "vault/crypto/box.h"
#include "vault/hold/hold_internal.h"
#include "vault/hold/legal_hold.h"
#include "vault/officer/statement.h"
#include "vault/storage/schema.h"
#include "vault/storage/store.h"

namespace vault {

using safeguard::StoredCase;

Status LegalHold::AuditExecution(const Caller& caller, std::string_view action,
                                 const RequestInfo& request, AuditDetails details,
                                 ApprovalResult* result) {
  details.insert(details.begin(),
                 {{"case", request.case_id}, {"approved_by", JoinIds(request.approved_by)}});
  AuditStamp stamp;
  VAULT_RETURN_IF_ERROR(
      host_->AuditCaller(caller, action, request.id, "ok", std::move(details), &stamp));
  result->audit_seq = stamp.seq;
  result->executed_at = stamp.time;
  result->audit_hash = std::move(stamp.hash);
  return Status::OK();
}

StatusOr<SecretBytes> LegalHold::OpenHeldKey(const std::string& raw_id, const StoredCase& c,
                                             const SecretBytes& case_secret) {
  VAULT_ASSIGN_OR_RETURN(std::string value, store_->Get(Column::kHolds, HoldKey(raw_id, c.id)));
  UnixMillis at = 0;
  std::string by;
  std::string_view sealed;
  const std::string label = HeldDekLabel(raw_id);
  if (!DecodeHold(value, &at, &by, &sealed) ||
      sealed.size() != label.size() + aead::kKeyBytes + kSealOverhead) {
    return Status::Corruption("a hold entry is malformed");
  }
  StatusOr<BoxKeyPair> case_key = BoxKeyPair::FromSecret(case_secret);
  if (!case_key.ok()) return case_key.status();
  StatusOr<SecretBytes> dek = OpenBoundKey(*case_key, sealed, label, aead::kKeyBytes);
  if (!dek.ok() && dek.status().reason() == "sealed_label") {
    return Status::Corruption("a held key is bound to another transcript");
  }
  if (!dek.ok()) return Status::Corruption("a held key does not open with its case key");
  return dek;
}

Status LegalHold::ExecuteUnseal(const Caller& caller, const RequestInfo& request,
                                const SecretBytes& case_secret, const StoredCase& c,
                                ApprovalResult* result) {
  // Recorded before anything is opened: if the record cannot be written,
  // nothing is.
  VAULT_RETURN_IF_ERROR(AuditExecution(caller, "transcript.unseal", request,
                                       {{"transcripts", JoinIds(request.transcripts)}}, result));
  for (const std::string& id : request.transcripts) {
    std::string raw_id;
    ParseId(id, &raw_id);
    StripeLock stripe(host_->TranscriptMutex(raw_id));
    VAULT_ASSIGN_OR_RETURN(SecretBytes dek, OpenHeldKey(raw_id, c, case_secret));
    VAULT_ASSIGN_OR_RETURN(Transcript t, host_->ReadHeld(id, raw_id, dek));
    result->transcripts.push_back(std::move(t));
  }
  return Status::OK();
}

Status LegalHold::ExecuteRelease(const Caller& caller, const RequestInfo& request,
                                 const SecretBytes& case_secret, const StoredCase& c,
                                 ApprovalResult* result) {
  VAULT_ASSIGN_OR_RETURN(std::vector<HoldInfo> holds, HoldsOfCase(c.id));
  const UnixMillis now = clock_->NowMillis();
  // Decide every transcript's fate first, then write it all in one batch.
  WriteBatch batch;
  std::vector<std::string> ids;
  for (const HoldInfo& h : holds) {
    std::string raw_id;
    ParseId(h.transcript_id, &raw_id);
    VAULT_ASSIGN_OR_RETURN(SecretBytes dek, OpenHeldKey(raw_id, c, case_secret));
    batch.Delete(Column::kHolds, HoldKey(raw_id, c.id));
    batch.Delete(Column::kHolds, CaseHoldPrefix(c.id) + raw_id);
    // Back to normal expiry, wrapped again under the epoch it expires in; or,
    // its retention passed, purged now (with the case key gone nothing could
    // open it).
    VAULT_ASSIGN_OR_RETURN(ReleaseFate fate,
                           host_->StageRelease(raw_id, dek, c.index_key.get(), now, &batch));
    if (fate == ReleaseFate::kReturned) {
      ++result->returned;
    } else {
      ++result->destroyed;
    }
    ids.push_back(h.transcript_id);
  }
  // And whatever else is left in the case's index key space: once its key
  // is deleted nothing could name it any more.
  if (c.index_key != nullptr) host_->StageCaseIndexDrop(*c.index_key, &batch);
  VAULT_RETURN_IF_ERROR(AuditExecution(
      caller, "case.release", request,
      {{"returned", std::to_string(result->returned)},
       {"destroyed", std::to_string(result->destroyed)},
       {kKeysDetail,
        FormatKeyTransitions(
            {{KeyKind::kCase, c.id, KeyState::kActive, KeyState::kDestroyed},
             {KeyKind::kCaseShares, ShareDealingId(c.id, DealtAt(c)), KeyState::kActive,
              KeyState::kDestroyed}})}},
      result));
  // Holds and index entries first, then the keys: a crash in between leaves
  // a case key and index key with no holds and no index entries (released
  // again by a new request), never holds or entries without their key.
  VAULT_RETURN_IF_ERROR(store_->Write(&batch));
  host_->OnHoldsMoved(-static_cast<int64_t>(ids.size()), static_cast<int64_t>(result->returned));
  safeguard::SafeguardState next = cases_->state();
  StoredCase* stored = next.FindCase(c.id);
  stored->state = "released";
  stored->released_at = now;
  stored->public_key.clear();
  stored->shares.clear();
  stored->index_key = nullptr;
  VAULT_RETURN_IF_ERROR(CommitCases(std::move(next)));
  // The release is committed: a failed compaction is retried by the next
  // retention run, not reported to the caller.
  if (Status compacted = store_->FlushAndCompact(); !compacted.ok()) {
    host_->CompactionFailed("release", compacted);
  }
  return Status::OK();
}

Status LegalHold::CheckDealable(int threshold) const {
  const size_t active = ActiveOfficers(cases_->state()).size();
  if (active < static_cast<size_t>(threshold)) {
    return Status::FailedPrecondition(
        "a threshold of " + std::to_string(threshold) + " needs at least " +
            std::to_string(threshold) + " enrolled, active officers; " + std::to_string(active) +
            " are",
        "too_few_officers");
  }
  if (active > 255) {
    return Status::FailedPrecondition("more than 255 officers", "too_many_officers");
  }
  return Status::OK();
}

Status LegalHold::ExecuteReshare(const Caller& caller, const RequestInfo& request,
                                 const SecretBytes& case_secret, const StoredCase& c,
                                 ApprovalResult* result) {
  safeguard::SafeguardState next = cases_->state();
  const std::vector<const safeguard::StoredOfficer*> holders = ActiveOfficers(next);
  VAULT_ASSIGN_OR_RETURN(std::vector<safeguard::StoredShare> shares,
                         DealShares(c.id, case_secret, request.threshold, holders));
  std::vector<std::string> ids;
  for (const safeguard::StoredShare& s : shares) ids.push_back(s.officer);
  const UnixMillis now = clock_->NowMillis();
  StoredCase dealt = c;
  dealt.shares = shares;
  dealt.threshold = request.threshold;
  dealt.reshared_at = now;
  // Recorded before the new shares replace the old: if the record cannot be
  // written, the old shares stay. A crash after it leaves the old file (the
  // record then names a dealing that never took effect, which the case's
  // reshared_at shows).
  VAULT_RETURN_IF_ERROR(AuditExecution(
      caller, "case.reshare", request,
      {{"threshold", std::to_string(request.threshold)},
       {"share_holders", JoinIds(ids)},
       {"previous_threshold", std::to_string(c.threshold)},
       {"dealing", safeguard::DealingDigest(DealingOf(dealt))},
       {kKeysDetail, FormatKeyTransitions({{KeyKind::kCaseShares, ShareDealingId(c.id, DealtAt(c)),
                                            KeyState::kActive, KeyState::kDestroyed},
                                           {KeyKind::kCaseShares, ShareDealingId(c.id, now),
                                            KeyState::kPreActive, KeyState::kActive}})}},
      result));
  StoredCase* stored = next.FindCase(c.id);
  stored->shares = std::move(shares);
  stored->threshold = request.threshold;
  stored->reshared_at = now;
  if (Status committed = CommitCases(std::move(next)); !committed.ok()) {
    // The record above names a dealing that did not take effect.
    const Status noted = host_->AuditCaller(caller, "case.reshare", request.id, "write_failed",
                                            {{"case", c.id}});
    (void)noted;
    return committed;
  }
  return Status::OK();
}

}  // namespace vault
