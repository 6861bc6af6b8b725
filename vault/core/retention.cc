// Retention (VaultImpl): idle auto-close, the shredder that destroys ended
// epochs' keys after recording the evidence, the purge that follows, and
// the timer thread. Design: docs/design.md section 20; docs/retention.md.
#include <sodium.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "vault/common/encoding.h"
#include "vault/common/failpoint.h"
#include "vault/common/time_format.h"
#include "vault/core/vault_impl.h"
#include "vault/core/vault_internal.h"

namespace vault {

// --- Idle auto-close --------------------------------------------------------

Status VaultImpl::CloseIdle(UnixMillis now) {
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
  uint64_t damaged = 0;
  for (const std::string& raw_id : open_ids) {
    std::lock_guard<std::mutex> lock(StripeFor(raw_id));
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
        ++damaged;
        VAULT_RETURN_IF_ERROR(ReportDamaged(OpenIndexKey(raw_id), id, "idle_close", t.status()));
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
    VAULT_RETURN_IF_ERROR(Audit(system, "transcript.close", id, "ok", {{"reason", "idle"}}));
    if (Status written = store_->Write(&batch); !written.ok()) {
      const Status noted =
          Audit(system, "transcript.close", id, "write_failed", {{"reason", "idle"}});
      (void)noted;  // the write's own error is what the run reports
      return written;
    }
    open_count_.fetch_sub(1, std::memory_order_relaxed);
    closed_count_.fetch_add(1, std::memory_order_relaxed);
  }
  damaged_idle_.store(damaged);
  return Status::OK();
}

namespace {

// Transcripts purged per write batch.
constexpr size_t kPurgeBatch = 256;

}  // namespace

Status VaultImpl::RunRetention() {
  std::lock_guard<std::mutex> lock(retention_mu_);
  const UnixMillis now = clock_->NowMillis();
  // Every step runs whatever the one before it returned, so that a damaged
  // record or a failing idle close never holds back the destruction of keys;
  // the run returns the first error.
  Status first = Status::OK();
  auto note = [&first](const Status& s) {
    if (first.ok() && !s.ok()) first = s;
  };
  // Idle chats first, so they are closed (as of their last activity) before
  // anything is shredded; scanned at most every tenth of the idle time.
  if (options_.idle_close_ms > 0 &&
      (last_idle_scan_at_ == 0 || now - last_idle_scan_at_ >= options_.idle_close_ms / 10)) {
    const Status idle = CloseIdle(now);
    note(idle);
    if (idle.ok()) last_idle_scan_at_ = now;
  }
  note(ShredDueEpochs(now));
  bool purged = false;
  note(PurgeShredded(now, &purged));
  // Rewrite every level so deleted records leave the SST files, and release
  // the WAL files that held them; also retries a compaction that failed
  // before (after an erasure or an earlier purge).
  const bool pending = compact_pending_.exchange(false);
  if (purged || pending) {
    if (Status compacted = store_->FlushAndCompact(); !compacted.ok()) {
      compact_pending_.store(true);
      compaction_failures_.fetch_add(1);
      Log("compaction_failed", {{"after", "retention"}, {"error", OutcomeOf(compacted)}});
      note(compacted);
    }
  }
  // What Metrics() reports as overdue, counted once per run.
  StatusOr<uint64_t> overdue = CountOverdue(now);
  overdue_.store(overdue.ok() ? static_cast<int64_t>(*overdue) : -1);
  if (!first.ok()) return first;
  last_run_at_.store(now);
  return Status::OK();
}

Status VaultImpl::ReportDamaged(std::string_view key, std::string_view id, std::string_view step,
                                const Status& why) {
  if (!damage_reported_.emplace(key).second) return Status::OK();
  const Status audited = Audit(RetentionCaller(), "retention.damaged", id, OutcomeOf(why),
                               {{"step", std::string(step)}});
  if (!audited.ok()) {
    damage_reported_.erase(std::string(key));  // reported at the next run instead
    return audited;
  }
  Log("retention_damaged", {{"step", std::string(step)}, {"error", OutcomeOf(why)}});
  return Status::OK();
}

Status VaultImpl::ShredDueEpochs(UnixMillis now) {
  const uint64_t base = keyring_->base_epoch();
  const uint64_t target = keyring_->EpochOf(now);  // every epoch before it has ended
  if (target <= base) return Status::OK();

  // Evidence first: one audit record per epoch that holds transcripts, with
  // their count and a hash over their ids (the ids themselves stay out of
  // the log). Keys are destroyed only once the evidence is durable; a crash
  // in between repeats the records at the next run.
  struct EpochEvidence {
    uint64_t count = 0;
    crypto_generichash_blake2b_state hash;
  };
  std::map<uint64_t, EpochEvidence> epochs;
  static const unsigned char kPersonal[crypto_generichash_blake2b_PERSONALBYTES] = {
      'T', 'V', '-', 's', 'h', 'r', 'e', 'd', '-', 'i', 'd', 's', '-', 'v', '1', 0};
  // A malformed entry is skipped and reported: it names no transcript whose
  // key could be spared, and the purge drops it once its epoch is gone.
  std::vector<std::string> malformed;
  VAULT_RETURN_IF_ERROR(store_->ScanRange(
      Column::kExpiryIndex, ExpiryKey(base, ""), ExpiryKey(target, ""),
      [&](std::string_view key, std::string_view) {
        if (key.size() != 8 + kIdBytes) {
          malformed.emplace_back(key);
          return true;
        }
        const std::string_view raw_id = key.substr(8);
        auto wrapped = store_->Get(Column::kWrappedKeys, raw_id);
        if (wrapped.ok() && IsTombstone(*wrapped)) return true;  // already purged
        auto [it, fresh] = epochs.try_emplace(EpochOfIndexKey(key));
        if (fresh) {
          crypto_generichash_blake2b_init_salt_personal(&it->second.hash, nullptr, 0, 32, nullptr,
                                                        kPersonal);
        }
        ++it->second.count;
        crypto_generichash_blake2b_update(
            &it->second.hash, reinterpret_cast<const unsigned char*>(raw_id.data()), raw_id.size());
        return true;
      }));
  damaged_index_.store(malformed.size());
  for (const std::string& key : malformed) {
    VAULT_RETURN_IF_ERROR(ReportDamaged(
        key, "", "shred", Status::Corruption("expiry index key has the wrong length")));
  }
  const Caller system = RetentionCaller();
  uint64_t shredded = 0;
  for (auto& [epoch, evidence] : epochs) {
    unsigned char digest[32];
    crypto_generichash_blake2b_final(&evidence.hash, digest, sizeof digest);
    VAULT_RETURN_IF_ERROR(
        Audit(system, "retention.shred", "", "ok",
              {{"epoch", std::to_string(epoch)},
               {"epoch_end", FormatRfc3339(keyring_->EpochEnd(epoch))},
               {"count", std::to_string(evidence.count)},
               {"ids_hash",
                ToHex(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest))}}));
    shredded += evidence.count;
  }
  // The advance is announced before it happens and confirmed after it, so
  // that a crash (or an audit failure) between the keyring rewrite and the
  // confirmation still leaves a record naming every destroyed epoch.
  const std::vector<std::pair<std::string, std::string>> range = {
      {"from_epoch", std::to_string(base)},
      {"to_epoch", std::to_string(target)},
      {"transcripts", std::to_string(shredded)}};
  VAULT_RETURN_IF_ERROR(Audit(system, "retention.advance", "", "started", range));
  if (shredded > 0) Failpoint("retention.after_evidence");
  if (Status advanced = keyring_->AdvanceTo(target); !advanced.ok()) {
    const Status noted = Audit(system, "retention.advance", "", OutcomeOf(advanced), range);
    (void)noted;  // the keyring's own error is what the run reports
    return advanced;
  }
  shredded_total_.fetch_add(shredded);
  last_shred_at_.store(now);
  if (shredded > 0) Failpoint("retention.after_advance");
  return Audit(system, "retention.advance", "", "ok", range);
}

Status VaultImpl::PurgeShredded(UnixMillis now, bool* purged) {
  const uint64_t base = keyring_->base_epoch();
  // Tombstones expire one retention period after the purge.
  const uint64_t tombstone_epoch = std::max(base, keyring_->EpochOf(now + options_.retention_ms));
  const std::string tombstone = Tombstone(now);
  for (;;) {
    // Index entries of destroyed epochs, a batch at a time.
    std::vector<std::string> keys;
    VAULT_RETURN_IF_ERROR(store_->ScanRange(Column::kExpiryIndex, ExpiryKey(0, ""),
                                            ExpiryKey(base, ""),
                                            [&](std::string_view key, std::string_view) {
                                              keys.emplace_back(key);
                                              return keys.size() < kPurgeBatch;
                                            }));
    if (keys.empty()) return Status::OK();
    // Hold the stripes of these transcripts (ascending, as no other path
    // takes more than one) so an append racing the expiry either re-wraps
    // the key forward before we look, or finds the tombstone after.
    std::set<size_t> stripe_ids;
    for (const std::string& key : keys) {
      if (key.size() == 8 + kIdBytes)
        stripe_ids.insert(static_cast<unsigned char>(key[8]) % stripes_.size());
    }
    std::vector<std::unique_lock<std::mutex>> held;
    for (size_t i : stripe_ids) held.emplace_back(stripes_[i]);
    WriteBatch batch;
    int64_t purged_open = 0;
    int64_t purged_closed = 0;
    for (const std::string& key : keys) {
      batch.Delete(Column::kExpiryIndex, key);
      if (key.size() != 8 + kIdBytes) continue;  // malformed: drop the entry only
      const std::string raw_id = key.substr(8);
      auto wrapped = store_->Get(Column::kWrappedKeys, raw_id);
      if (!wrapped.ok()) {
        if (wrapped.status().code() != Status::Code::kNotFound) return wrapped.status();
        continue;  // nothing left of it
      }
      if (IsTombstone(*wrapped)) {
        batch.Delete(Column::kWrappedKeys, raw_id);  // the tombstone's time is up
        continue;
      }
      // The index is a hint: purge only what its own wrapped key says is
      // undecryptable now.
      auto epoch = Keyring::WrappedEpoch(*wrapped);
      if (!epoch.ok() || *epoch >= base) continue;
      std::string end = raw_id;
      end.push_back('\xff');
      batch.DeleteRange(Column::kMessages, raw_id, end);
      batch.Delete(Column::kTranscripts, TranscriptKey(raw_id, RecordKind::kVisitor));
      batch.Delete(Column::kTranscripts, TranscriptKey(raw_id, RecordKind::kState));
      batch.Put(Column::kWrappedKeys, raw_id, tombstone);
      batch.Put(Column::kExpiryIndex, ExpiryKey(tombstone_epoch, raw_id), "");
      // The state record can no longer be read: the open marker says which
      // count the transcript was in.
      const bool was_open = store_->Get(Column::kExpiryIndex, OpenIndexKey(raw_id)).ok();
      if (was_open) batch.Delete(Column::kExpiryIndex, OpenIndexKey(raw_id));
      batch.AddToCounter(was_open ? kOpenCounter : kClosedCounter, -1);
      (was_open ? purged_open : purged_closed) += 1;
    }
    VAULT_RETURN_IF_ERROR(store_->Write(&batch));
    open_count_.fetch_sub(purged_open, std::memory_order_relaxed);
    closed_count_.fetch_sub(purged_closed, std::memory_order_relaxed);
    Failpoint("retention.mid_purge");
    *purged = true;
  }
}

StatusOr<uint64_t> VaultImpl::CountOverdue(UnixMillis now) const {
  // A key is overdue when its epoch ended more than one tick (plus a second
  // of slack) ago and the keyring can still derive it.
  const int64_t grace = std::max<int64_t>(options_.retention_tick_ms, 0) + 1000;
  const uint64_t base = keyring_->base_epoch();
  const uint64_t due = keyring_->EpochOf(now - grace);
  if (due <= base) return uint64_t{0};
  uint64_t overdue = 0;
  VAULT_RETURN_IF_ERROR(
      store_->ScanRange(Column::kExpiryIndex, ExpiryKey(base, ""), ExpiryKey(due, ""),
                        [&](std::string_view key, std::string_view) {
                          if (key.size() != 8 + kIdBytes)
                            return true;  // damaged, reported by the shred
                          auto wrapped = store_->Get(Column::kWrappedKeys, key.substr(8));
                          if (wrapped.ok() && !IsTombstone(*wrapped)) ++overdue;
                          return true;
                        }));
  return overdue;
}

StatusOr<RetentionStatus> VaultImpl::GetRetentionStatus(const Caller& caller) {
  const bool allowed = caller.Has(Role::kAdmin) || caller.Has(Role::kAuditor);
  VAULT_RETURN_IF_ERROR(Audit(caller, "retention.status", "", allowed ? "ok" : "forbidden"));
  if (!allowed) {
    return Status::PermissionDenied("only admins and auditors may see retention status",
                                    "forbidden");
  }
  // A consistent snapshot: not between a key's destruction and its count.
  std::lock_guard<std::mutex> lock(retention_mu_);
  RetentionStatus out;
  out.now = clock_->NowMillis();
  out.epoch_ms = keyring_->epoch_ms();
  out.base_epoch = keyring_->base_epoch();
  out.last_shred_at = last_shred_at_.load();
  out.last_run_at = last_run_at_.load();
  out.shredded_total = shredded_total_.load();
  VAULT_ASSIGN_OR_RETURN(out.overdue, CountOverdue(out.now));
  out.damaged = damaged_idle_.load() + damaged_index_.load();
  return out;
}

void VaultImpl::StartRetentionThread() {
  retention_thread_ = std::thread([this] { RetentionLoop(); });
}

void VaultImpl::RetentionLoop() {
  std::unique_lock<std::mutex> l(thread_mu_);
  while (!stop_) {
    // Wake at the next epoch boundary or after one tick, whichever is first.
    const UnixMillis now = clock_->NowMillis();
    const int64_t to_boundary = keyring_->EpochEnd(keyring_->EpochOf(now)) - now;
    const int64_t wait = std::clamp<int64_t>(std::min(to_boundary, options_.retention_tick_ms), 1,
                                             options_.retention_tick_ms);
    thread_cv_.wait_for(l, std::chrono::milliseconds(wait), [this] { return stop_; });
    if (stop_) break;
    l.unlock();
    const Status status = RunRetention();
    if (!status.ok()) {
      // Also visible as overdue > 0 once a key outlives its epoch; the next
      // run retries. The reason code names no transcript.
      Log("retention_failed", {{"error", OutcomeOf(status)}});
    }
    l.lock();
  }
}

}  // namespace vault
