// LegalHold: placing and listing holds. A held transcript's DEK is sealed to
// its case's public key and its ordinary wrapped key is replaced by the held
// marker: from then on the vault alone cannot open it.
// Design: docs/design.md, "Legal hold".
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "vault/crypto/box.h"
#include "vault/hold/hold_internal.h"
#include "vault/hold/legal_hold.h"
#include "vault/officer/statement.h"
#include "vault/storage/schema.h"
#include "vault/storage/store.h"

namespace vault {

using safeguard::StoredCase;
using safeguard::StoredOfficer;

StatusOr<HoldInfo> LegalHold::PlaceHold(const Caller& caller, const HoldPlacement& hold) {
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
    MutexLock retention(retention_mu_);
    MutexLock l(&mu_);
    StatusOr<const StoredOfficer*> officer =
        CheckStatement(hold.signed_by, safeguard::HoldStatement(VaultId(), hold));
    if (!officer.ok()) return refuse(officer.status());
    const StoredCase* c = cases_->state().FindCase(hold.case_id);
    if (c == nullptr) return refuse(NoCase());
    if (c->state != "open") {
      return refuse(Status::FailedPrecondition("this case has been released", "case_released"));
    }
    StripeLock stripe(host_->TranscriptMutex(raw_id));
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
      VAULT_RETURN_IF_ERROR(host_->AuditCaller(caller, kAction, hold.transcript_id,
                                               "already_held",
                                               {{"officer", officer_id}, {"case", c->id}}));
      return info;  // the same hold again: nothing to do
    }
    // A case from a file written before cases had visitor-index keys gets
    // one now, committed before any entry is tagged under it, so no entry
    // can outlive the key that removes it at release.
    if (c->index_key == nullptr) {
      VAULT_ASSIGN_OR_RETURN(CaseIndexKey made, CaseIndexKey::Generate());
      safeguard::SafeguardState next = cases_->state();
      next.FindCase(c->id)->index_key = std::make_shared<const CaseIndexKey>(std::move(made));
      VAULT_RETURN_IF_ERROR(CommitCases(std::move(next)));
      c = cases_->state().FindCase(hold.case_id);
    }
    const std::shared_ptr<const CaseIndexKey> index_key = c->index_key;
    StatusOr<HoldCandidate> t = host_->LoadForHold(hold.transcript_id);
    if (!t.ok()) return refuse(t.status());
    if (!t->closed) {
      return refuse(Status::FailedPrecondition(
          "the chat is still open; a transcript can be held once it is closed", "transcript_open"));
    }
    const UnixMillis now = clock_->NowMillis();
    // The DEK, bound to the transcript id, sealed to the case public key.
    VAULT_ASSIGN_OR_RETURN(BoxPublicKey case_key, BoxPublicKey::FromBytes(c->public_key));
    VAULT_ASSIGN_OR_RETURN(std::string sealed,
                           SealBoundKey(case_key, HeldDekLabel(raw_id), t->dek));
    WriteBatch batch;
    batch.Put(Column::kHolds, HoldKey(raw_id, c->id), EncodeHold(now, officer_id, sealed));
    batch.Put(Column::kHolds, CaseHoldPrefix(c->id) + raw_id, "");
    // The ordinary wrapped key goes: from now on the vault alone cannot open
    // it. Its index entries go to the case's key space, found for as long
    // as the case holds it.
    VAULT_RETURN_IF_ERROR(host_->StageHold(*t, *index_key, now, &batch));
    VAULT_RETURN_IF_ERROR(host_->AuditCaller(caller, kAction, hold.transcript_id, "ok",
                                             {{"officer", officer_id}, {"case", c->id}}));
    if (Status written = store_->Write(&batch); !written.ok()) {
      const Status noted = host_->AuditCaller(caller, kAction, hold.transcript_id, "write_failed",
                                              {{"officer", officer_id}, {"case", c->id}});
      (void)noted;
      return written;
    }
    host_->OnHoldsMoved(/*held=*/1, /*closed=*/-1);
    host_->OnHeld(hold.transcript_id, t->service);
    info.case_id = c->id;
    info.transcript_id = hold.transcript_id;
    info.held_by = officer_id;
    info.held_at = now;
  }
  // Rewrite the files so the ordinary wrapped key leaves the live directory.
  // The hold is committed already: a failed compaction is the next
  // retention run's to retry, not the caller's error.
  if (Status compacted = store_->FlushAndCompact(); !compacted.ok()) {
    host_->CompactionFailed("hold", compacted);
  }
  return info;
}

StatusOr<std::vector<HoldInfo>> LegalHold::ListHolds(const Caller& caller,
                                                     std::string_view transcript_id) {
  constexpr std::string_view kAction = "hold.list";
  if (!caller.Has(Role::kOfficer)) {
    return RefuseOfficer(caller, kAction, transcript_id, "", "", NotAnOfficer());
  }
  std::string raw_id;
  if (!ParseId(transcript_id, &raw_id)) {
    return RefuseOfficer(caller, kAction, "", "", "", NoSuchTranscript());
  }
  VAULT_RETURN_IF_ERROR(host_->AuditCaller(caller, kAction, transcript_id, "ok"));
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
