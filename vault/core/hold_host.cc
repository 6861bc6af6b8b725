// VaultImpl and legal hold (vault/hold/legal_hold.h): the Vault's legal-hold
// calls, delegated, and VaultImpl as legal hold's HoldHost: the audit log's
// callers, a transcript's lock, key, state and records, the transcript side
// of a hold or a release, and the counters they move.
#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "vault/common/encoding.h"
#include "vault/common/outcome.h"
#include "vault/core/vault_impl.h"
#include "vault/core/vault_internal.h"
#include "vault/audit/key_life.h"
#include "vault/crypto/aead.h"
#include "vault/storage/store.h"

namespace vault {

// --- The Vault interface's legal hold ------------------------------------

StatusOr<OfficerList> VaultImpl::ListOfficers(const Caller& caller) {
  return hold_->ListOfficers(caller);
}
StatusOr<OfficerInfo> VaultImpl::EnrolOfficer(const Caller& caller, std::string_view officer_id,
                                              std::string_view key) {
  return hold_->EnrolOfficer(caller, officer_id, key);
}
StatusOr<OfficerInfo> VaultImpl::RevokeOfficer(const Caller& caller, std::string_view officer_id,
                                               const Revocation& revocation) {
  return hold_->RevokeOfficer(caller, officer_id, revocation);
}
StatusOr<CaseInfo> VaultImpl::OpenCase(const Caller& caller, const CaseOpening& opening) {
  return hold_->OpenCase(caller, opening);
}
StatusOr<std::vector<CaseInfo>> VaultImpl::ListCases(const Caller& caller) {
  return hold_->ListCases(caller);
}
StatusOr<CaseDetail> VaultImpl::GetCase(const Caller& caller, std::string_view case_id) {
  VAULT_ASSIGN_OR_RETURN(CaseDetail detail, hold_->GetCase(caller, case_id));
  // The visitors' requests that met a held transcript of the case and left
  // it alone (docs/data-protection.md): from the rights register, which
  // holds no identifier.
  std::set<std::string> held;
  for (const HoldInfo& h : detail.holds) held.insert(h.transcript_id);
  for (const RightsRequest& e : rights_->List(RightsListing::kAll, clock_->NowMillis())) {
    for (const RightsTouch& t : e.touched) {
      if (t.outcome == "withheld" && held.count(t.id) != 0) {
        detail.rights_requests.push_back({e.id, RightsKindName(e.kind), e.registered_at, t.id});
      }
    }
  }
  std::sort(detail.rights_requests.begin(), detail.rights_requests.end(),
            [](const CaseRightsNotice& a, const CaseRightsNotice& b) {
              return a.registered_at != b.registered_at ? a.registered_at < b.registered_at
                                                        : a.request < b.request;
            });
  return detail;
}
StatusOr<HoldInfo> VaultImpl::PlaceHold(const Caller& caller, const HoldPlacement& hold) {
  return hold_->PlaceHold(caller, hold);
}
StatusOr<std::vector<HoldInfo>> VaultImpl::ListHolds(const Caller& caller,
                                                     std::string_view transcript_id) {
  return hold_->ListHolds(caller, transcript_id);
}
StatusOr<RequestInfo> VaultImpl::FileRequest(const Caller& caller, const RequestFiling& filing) {
  return hold_->FileRequest(caller, filing);
}
StatusOr<RequestInfo> VaultImpl::GetRequest(const Caller& caller, std::string_view request_id,
                                            std::string_view officer) {
  return hold_->GetRequest(caller, request_id, officer);
}
StatusOr<ApprovalResult> VaultImpl::Approve(const Caller& caller, std::string_view request_id,
                                            const Approval& approval) {
  return hold_->Approve(caller, request_id, approval);
}

StatusOr<ShareExport> VaultImpl::ExportShare(const Caller& caller,
                                             const ShareExportRequest& request) {
  return hold_->ExportShare(caller, request);
}

// --- HoldHost ---------------------------------------------------------------

Status VaultImpl::AuditCaller(const Caller& caller, std::string_view action,
                              std::string_view object_id, std::string_view outcome,
                              AuditDetails details, AuditStamp* stamp) {
  uint64_t seq = 0;
  VAULT_RETURN_IF_ERROR(Audit(caller, action, object_id, outcome, std::move(details), &seq));
  if (stamp == nullptr) return Status::OK();
  VAULT_ASSIGN_OR_RETURN(std::vector<audit::StoredRecord> records, audit_->Read(seq, 1));
  if (records.size() != 1) return Status::Internal("the audit record just written is missing");
  stamp->seq = seq;
  stamp->time = records[0].record.time_ms;
  stamp->hash = ToHex(std::string_view(reinterpret_cast<const char*>(records[0].hash.data()),
                                       records[0].hash.size()));
  return Status::OK();
}

StatusOr<HoldCandidate> VaultImpl::LoadForHold(std::string_view id) {
  VAULT_ASSIGN_OR_RETURN(Loaded t, Load(id));
  HoldCandidate c;
  c.raw_id = std::move(t.raw_id);
  c.key_epoch = t.key_epoch;
  c.dek = std::move(t.dek);
  c.closed = t.state.state == TranscriptState::kClosed;
  c.service = std::move(t.state.service);
  return c;
}

Status VaultImpl::StageHold(const HoldCandidate& t, const CaseIndexKey& index_key, UnixMillis now,
                            WriteBatch* batch) {
  // Its index entries leave the epoch, which dies about a retention period
  // from now, for the case's key space, which lasts as long as the hold.
  VAULT_ASSIGN_OR_RETURN(Visitor visitor, ReadVisitor(t.raw_id, t.dek));
  const std::vector<Identifier> ids = IndexedIdentifiers(visitor);
  VAULT_RETURN_IF_ERROR(index_.StageRemove(t.key_epoch, t.raw_id, ids, batch));
  index_.StageAddHeld(index_key, t.raw_id, t.service, ids, batch);
  batch->Put(Column::kWrappedKeys, t.raw_id, HeldMarker(now, t.key_epoch));
  batch->Delete(Column::kExpiryIndex, ExpiryKey(t.key_epoch, t.raw_id));
  batch->AddToCounter(kClosedCounter, -1);
  batch->AddToCounter(kHeldCounter, 1);
  return Status::OK();
}

StatusOr<Transcript> VaultImpl::ReadHeld(std::string_view id, std::string_view raw_id,
                                         const SecretBytes& dek) {
  const std::string raw(raw_id);
  VAULT_ASSIGN_OR_RETURN(StateRecord state, ReadState(raw, dek));
  return ReadRecords(id, raw, dek, state);
}

StatusOr<ReleaseFate> VaultImpl::StageRelease(std::string_view raw_id, const SecretBytes& dek,
                                              const CaseIndexKey* index_key, UnixMillis now,
                                              WriteBatch* batch) {
  const std::string raw(raw_id);
  VAULT_ASSIGN_OR_RETURN(StateRecord state, ReadState(raw, dek));
  batch->AddToCounter(kHeldCounter, -1);
  const uint64_t base = keyring_->base_epoch();
  // Not under an earlier epoch than the one it was wrapped under before the
  // hold (kept in the held marker): that wrap may survive in a backup.
  VAULT_ASSIGN_OR_RETURN(std::string marker, store_->Get(Column::kWrappedKeys, raw));
  const uint64_t epoch =
      std::max(keyring_->EpochOf(state.expires_at), HeldMarkerKeyEpoch(marker));
  // Its visitor-index entries leave the case's key space (the release's
  // range deletion of that space, StageCaseIndexDrop, covers them too). A
  // hold placed before cases had index keys left them under the epoch of its
  // key before the hold (the marker's; none is known for a marker without
  // it): they go as well, if that epoch still lives.
  VAULT_ASSIGN_OR_RETURN(Visitor visitor, ReadVisitor(raw, dek));
  const std::vector<Identifier> ids = IndexedIdentifiers(visitor);
  if (index_key != nullptr) index_.StageRemoveHeld(*index_key, raw, ids, batch);
  const uint64_t indexed = HeldMarkerKeyEpoch(marker);
  if (indexed != 0) VAULT_RETURN_IF_ERROR(index_.StageRemove(indexed, raw, ids, batch));
  if (state.expires_at > now && epoch >= base) {
    // Restrictions follow the register: lifted while it was held, they go;
    // asked for while it was held, they apply now. A transcript recovered
    // from another vault keeps those of the lost vault's register too, which
    // this register never knew (it cannot say they were lifted).
    std::vector<std::string> restrictions = RestrictionsAtRelease(raw);
    if (IsRecoveredHeldMarker(marker)) {
      for (const std::string& r : state.restrictions) {
        if (std::find(restrictions.begin(), restrictions.end(), r) == restrictions.end()) {
          restrictions.push_back(r);
        }
      }
      std::sort(restrictions.begin(), restrictions.end());
    }
    if (restrictions.size() > kMaxRestrictions) restrictions.resize(kMaxRestrictions);
    std::vector<std::string> before = state.restrictions;
    std::sort(before.begin(), before.end());
    if (restrictions != before) {
      for (const std::string& r : before) {
        if (!std::binary_search(restrictions.begin(), restrictions.end(), r)) {
          VAULT_RETURN_IF_ERROR(AuditSystem("transcript.unrestrict", ToHex(raw), "ok",
                                            {{"request", ToHex(r)}, {"at", "release"}}));
        }
      }
      for (const std::string& r : restrictions) {
        if (!std::binary_search(before.begin(), before.end(), r)) {
          VAULT_RETURN_IF_ERROR(AuditSystem("transcript.restrict", ToHex(raw), "ok",
                                            {{"request", ToHex(r)}, {"at", "release"}}));
        }
      }
      state.restrictions = std::move(restrictions);
      std::string sealed;
      VAULT_RETURN_IF_ERROR(
          SealInto(dek, raw, RecordKind::kState, 0, EncodeState(state), &sealed));
      batch->Put(Column::kTranscripts, TranscriptKey(raw, RecordKind::kState), sealed);
    }
    // Back to normal expiry: wrapped again under the epoch it expires in.
    VAULT_ASSIGN_OR_RETURN(std::string wrapped, keyring_->WrapKey(epoch, dek, raw));
    batch->Put(Column::kWrappedKeys, raw, wrapped);
    batch->Put(Column::kExpiryIndex, ExpiryKey(epoch, raw), "");
    VAULT_RETURN_IF_ERROR(index_.StageAdd(epoch, raw, state.service, ids, batch));
    batch->AddToCounter(kClosedCounter, 1);
    AuditDetails facts = KeyFacts(epoch, state.expires_at);
    facts.emplace(facts.begin(), "fate", "returned");
    VAULT_RETURN_IF_ERROR(AuditSystem("transcript.release", ToHex(raw), "ok", std::move(facts)));
    return ReleaseFate::kReturned;
  }
  // Its retention has passed: with the case key gone nothing can open it;
  // purge it now, leaving the usual tombstone for one retention period.
  if (indexed != 0) presence_->MarkRecheck(state.service, ids, indexed);
  const uint64_t tombstone_epoch = std::max(base, keyring_->EpochOf(now + options_.retention_ms));
  std::string end = raw;
  end.push_back('\xff');
  batch->DeleteRange(Column::kMessages, raw, end);
  batch->Delete(Column::kTranscripts, TranscriptKey(raw, RecordKind::kVisitor));
  batch->Delete(Column::kTranscripts, TranscriptKey(raw, RecordKind::kState));
  batch->Put(Column::kWrappedKeys, raw, Tombstone(now));
  batch->Put(Column::kExpiryIndex, ExpiryKey(tombstone_epoch, raw), "");
  VAULT_RETURN_IF_ERROR(AuditSystem("transcript.release", ToHex(raw), "ok", {{"fate", "destroyed"}}));
  return ReleaseFate::kDestroyed;
}

StatusOr<LoggedDealing> VaultImpl::LatestDealing(const std::string& dir,
                                                 std::string_view vault_id,
                                                 std::string_view case_id) {
  VAULT_ASSIGN_OR_RETURN(audit::CaseDealingRecord found,
                         audit::LatestCaseDealing(dir, vault_id, case_id));
  LoggedDealing out;
  out.found = found.found;
  out.digest = std::move(found.digest);
  out.seq = found.seq;
  out.released = found.released;
  return out;
}

Status VaultImpl::StageRecovered(const Store& backup, std::string_view raw_id,
                                 const SecretBytes& dek, const CaseIndexKey& index_key,
                                 WriteBatch* batch) {
  const std::string raw(raw_id);
  StatusOr<std::string> here = store_->Get(Column::kWrappedKeys, raw);
  if (here.ok()) {
    return Status::AlreadyExists("this vault has a transcript with the id of one to recover: " +
                                     ToHex(raw),
                                 "transcript_exists");
  }
  if (here.status().code() != Status::Code::kNotFound) return here.status();
  const Status bad = Status::Corruption(
      "a held transcript of the backup is incomplete or does not open with its key",
      "invalid_backup");
  StatusOr<std::string> marker = backup.Get(Column::kWrappedKeys, raw);
  if (!marker.ok() || !IsHeldMarker(*marker)) return bad;
  const std::string state_key = TranscriptKey(raw, RecordKind::kState);
  const std::string visitor_key = TranscriptKey(raw, RecordKind::kVisitor);
  StatusOr<std::string> sealed_state = backup.Get(Column::kTranscripts, state_key);
  StatusOr<std::string> sealed_visitor = backup.Get(Column::kTranscripts, visitor_key);
  if (!sealed_state.ok() || !sealed_visitor.ok()) return bad;
  // Both open with the DEK the case key gave, so the records are this
  // transcript's, and the index entries below are made from its visitor.
  StatusOr<StateRecord> state = OpenState(raw, dek, *sealed_state);
  StatusOr<Visitor> visitor = OpenVisitor(raw, dek, *sealed_visitor);
  if (!state.ok() || !visitor.ok()) return bad;
  batch->Put(Column::kTranscripts, state_key, *sealed_state);
  batch->Put(Column::kTranscripts, visitor_key, *sealed_visitor);
  // Its messages and statements, sealed as they were (bound to the id).
  VAULT_RETURN_IF_ERROR(backup.Scan(Column::kMessages, raw, [&](std::string_view k, std::string_view v) {
    batch->Put(Column::kMessages, k, v);
    return true;
  }));
  // Held, as it was, since its hold time; but with no key epoch: the lost
  // vault's epoch numbers (its epoch length may differ) mean nothing here,
  // and its epoch keys died with its keys/ (a release wraps it under the
  // epoch of its expiry in this vault).
  UnixMillis held_at = static_cast<UnixMillis>(GetU64(marker->data() + kHeldTag.size()));
  batch->Put(Column::kWrappedKeys, raw, RecoveredHeldMarker(held_at));
  index_.StageAddHeld(index_key, raw, state->service, IndexedIdentifiers(*visitor), batch);
  batch->AddToCounter(kHeldCounter, 1);
  return Status::OK();
}

void VaultImpl::StageCaseIndexDrop(const CaseIndexKey& index_key, WriteBatch* batch) {
  index_.StageDropCase(index_key, batch);
}

void VaultImpl::OnHoldsMoved(int64_t held, int64_t closed) {
  held_count_.fetch_add(held, std::memory_order_relaxed);
  closed_count_.fetch_add(closed, std::memory_order_relaxed);
}

void VaultImpl::CompactionFailed(std::string_view after, const Status& why) {
  shredder_->CompactionFailed();
  Log("compaction_failed", {{"after", std::string(after)}, {"error", OutcomeOf(why)}});
}

}  // namespace vault
