// VaultImpl as the shredder's host (vault/retention/shredder.h): closing idle
// chats on the transcript path, the transcript locks and counters a purge
// needs, and the retention calls of the Vault interface.
#include <algorithm>
#include <set>

#include "vault/common/encoding.h"
#include "vault/core/vault_impl.h"
#include "vault/core/vault_internal.h"

namespace vault {

Status VaultImpl::CloseIdle(UnixMillis now, std::vector<DamagedRecord>* damaged_records) {
  if (options_.idle_close_ms <= 0) return Status::OK();
  std::vector<std::string> open_ids;
  std::string end(kOpenIndexPrefix);
  end.append(kIdBytes, '\xff');
  end.push_back('\xff');
  VAULT_RETURN_IF_ERROR(store_->ScanRange(
      Column::kExpiryIndex, kOpenIndexPrefix, end, [&](std::string_view key, std::string_view) {
        if (key.size() == kOpenIndexPrefix.size() + kIdBytes) {
          open_ids.emplace_back(key.substr(kOpenIndexPrefix.size()));
        }
        return true;
      }));
  const Caller system = RetentionCaller();
  for (const std::string& raw_id : open_ids) {
    StripeLock lock(&StripeFor(raw_id));
    const std::string id = ToHex(raw_id);
    StatusOr<Loaded> t = Load(id);
    if (!t.ok()) {
      // Expired: the purge removes the marker with the records.
      if (t.status().code() == Status::Code::kGone) continue;
      // Nothing left to mark: drop the marker and its count.
      if (t.status().code() == Status::Code::kNotFound) {
        WriteBatch batch;
        batch.Delete(Column::kExpiryIndex, OpenIndexKey(raw_id));
        batch.AddToCounter(kOpenCounter, -1);
        VAULT_RETURN_IF_ERROR(store_->Write(&batch));
        open_count_.fetch_sub(1, std::memory_order_relaxed);
        continue;
      }
      // Its state or wrapped key does not open: it cannot be closed, and
      // need not be, since its key is destroyed on time like any other.
      if (t.status().code() == Status::Code::kCorruption) {
        damaged_records->push_back({OpenIndexKey(raw_id), id, t.status()});
        continue;
      }
      return t.status();
    }
    if (t->state.state != TranscriptState::kOpen) continue;
    if (now - t->state.last_activity < options_.idle_close_ms) continue;
    // Closed as of its last activity: the visitor left then. Recorded like a
    // writer's close: before the write, and again if the write fails.
    WriteBatch batch;
    VAULT_RETURN_IF_ERROR(StageClose(&*t, t->state.last_activity, &batch));
    AuditDetails facts = KeyFacts(t->key_epoch, t->state.expires_at);
    facts.emplace(facts.begin(), "reason", "idle");
    VAULT_RETURN_IF_ERROR(Audit(system, "transcript.close", id, "ok", std::move(facts)));
    if (Status written = store_->Write(&batch); !written.ok()) {
      const Status noted =
          Audit(system, "transcript.close", id, "write_failed", {{"reason", "idle"}});
      (void)noted;  // the write's own error is what the run reports
      return written;
    }
    open_count_.fetch_sub(1, std::memory_order_relaxed);
    closed_count_.fetch_add(1, std::memory_order_relaxed);
    PublishTranscriptEvent(EventType::kIdleClosed, id, t->state.service);
  }
  return Status::OK();
}

Status VaultImpl::AuditSystem(std::string_view action, std::string_view object_id,
                              std::string_view outcome, AuditDetails details) {
  return Audit(RetentionCaller(), action, object_id, outcome, std::move(details));
}

Status VaultImpl::WithTranscriptsLocked(const std::vector<std::string>& raw_ids,
                                        const std::function<Status()>& fn) {
  // Ascending stripe order, as no other path takes more than one.
  std::set<size_t> stripe_ids;
  for (const std::string& raw_id : raw_ids) stripe_ids.insert(StripeIndex(raw_id));
  std::vector<StripeMutex*> held;
  for (size_t i : stripe_ids) held.push_back(&stripes_[i]);
  LockAll(held);
  const Status status = fn();
  UnlockAll(held);
  return status;
}

void VaultImpl::OnPurged(int64_t open, int64_t closed) {
  open_count_.fetch_sub(open, std::memory_order_relaxed);
  closed_count_.fetch_sub(closed, std::memory_order_relaxed);
}

Status VaultImpl::BeforeShred(UnixMillis now) {
  Status kept = KeepRightsInForce(now);
  if (!kept.ok()) Log("rights_renewal_failed", {{"error", OutcomeOf(kept)}});
  return kept;
}

void VaultImpl::OnRetentionRun() {
  // Expired legal-hold requests: their request keys and opened shares are
  // wiped now, not when the next request is filed.
  if (hold_ != nullptr) hold_->ForgetExpiredRequests();
  // And the index filter's bits of epochs whose keys are now destroyed.
  if (index_filter_ != nullptr) index_filter_->DropBefore(keyring_->base_epoch());
  // And the presence table's slots of those epochs.
  presence_->DropBefore(keyring_->base_epoch());
  // Rights-register entries whose key this run destroyed: unreadable now,
  // their ciphertext deleted (a later compaction removes it from the files).
  if (rights_ != nullptr) {
    StatusOr<size_t> purged = rights_->Purge();
    if (!purged.ok()) {
      Log("rights_purge_failed", {{"error", OutcomeOf(purged.status())}});
    } else if (*purged > 0) {
      const Status audited =
          AuditSystem("rights.destroy", "", "ok", {{"entries", std::to_string(*purged)}});
      (void)audited;  // the keys are destroyed whether or not this is recorded
    }
  }
}

Status VaultImpl::RunRetention() { return shredder_->Run(); }

StatusOr<RetentionStatus> VaultImpl::GetRetentionStatus(const Caller& caller) {
  const bool allowed = caller.Has(Role::kAdmin) || caller.Has(Role::kAuditor);
  VAULT_RETURN_IF_ERROR(Audit(caller, "retention.status", "", allowed ? "ok" : "forbidden"));
  if (!allowed) {
    return Status::PermissionDenied("only admins and auditors may see retention status",
                                    "forbidden");
  }
  return shredder_->Snapshot();
}

}  // namespace vault
