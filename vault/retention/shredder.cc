// The shredder: idle auto-close (through the host), the evidence and the
// destruction of ended epochs' keys, the purge that follows, and the timer
// thread. Design: docs/design.md ("Retention"); docs/retention.md.
#include "vault/retention/shredder.h"

#include <algorithm>
#include <map>

#include "vault/common/failpoint.h"
#include "vault/common/key_state.h"
#include "vault/common/outcome.h"
#include "vault/common/time_format.h"
#include "vault/crypto/hash.h"
#include "vault/crypto/keyring.h"
#include "vault/storage/schema.h"
#include "vault/storage/store.h"

namespace vault {

namespace {

// Transcripts purged per write batch.
constexpr size_t kPurgeBatch = 256;

// Personalisation of the hash over the ids an epoch's shred destroys
// (docs/formats/audit-log.md, retention.shred).
constexpr std::string_view kShredIdsPersonal("TV-shred-ids-v1\0", 16);

}  // namespace

Shredder::Shredder(Settings settings, Keyring* keyring, Store* store, Clock* clock,
                   RetentionHost* host)
    : settings_(settings), keyring_(keyring), store_(store), clock_(clock), host_(host) {}

Shredder::~Shredder() { Stop(); }

Status Shredder::Run() {
  MutexLock lock(&run_mu_);
  const UnixMillis now = clock_->NowMillis();
  const uint64_t shredded_before = shredded_total_.load();
  // Every step runs whatever the one before it returned, so that a damaged
  // record or a failing idle close never holds back the destruction of keys;
  // the run returns the first error.
  Status first = Status::OK();
  auto note = [&first](const Status& s) {
    if (first.ok() && !s.ok()) first = s;
  };
  // Idle chats first, so they are closed (as of their last activity) before
  // anything is shredded; scanned at most every tenth of the idle time.
  const int64_t idle = settings_.idle_close_ms;
  if (idle > 0 && (last_idle_scan_at_ == 0 || now - last_idle_scan_at_ >= idle / 10)) {
    std::vector<DamagedRecord> damaged;
    Status closed = host_->CloseIdle(now, &damaged);
    for (const DamagedRecord& d : damaged) {
      const Status reported = ReportDamaged(d, "idle_close");
      if (closed.ok()) closed = reported;
    }
    if (closed.ok()) damaged_idle_.store(damaged.size());
    note(closed);
    if (closed.ok()) last_idle_scan_at_ = now;
  }
  note(host_->BeforeShred(now));
  note(ShredDueEpochs(now));
  bool purged = false;
  note(PurgeShredded(now, &purged));
  // Rewrite every level so deleted records leave the SST files, and release
  // the WAL files that held them; also retries a compaction that failed
  // before (after an erasure, a hold, a release or an earlier purge).
  const bool pending = compact_pending_.exchange(false);
  if (purged || pending) {
    if (Status compacted = store_->FlushAndCompact(); !compacted.ok()) {
      compact_pending_.store(true);
      compaction_failures_.fetch_add(1);
      host_->Log("compaction_failed", {{"after", "retention"}, {"error", OutcomeOf(compacted)}});
      note(compacted);
    }
  }
  host_->OnRetentionRun();
  // What metrics report as overdue, counted once per run.
  StatusOr<uint64_t> overdue = CountOverdue(now);
  overdue_.store(overdue.ok() ? static_cast<int64_t>(*overdue) : -1);
  host_->OnRetentionRunEnded(first, shredded_total_.load() - shredded_before);
  if (!first.ok()) return first;
  last_run_at_.store(now);
  return Status::OK();
}

void Shredder::CompactionFailed() {
  compact_pending_.store(true);
  compaction_failures_.fetch_add(1);
}

Status Shredder::ReportDamaged(const DamagedRecord& record, std::string_view step) {
  if (!damage_reported_.emplace(record.key).second) return Status::OK();
  const Status audited = host_->AuditSystem("retention.damaged", record.id, OutcomeOf(record.why),
                                            {{"step", std::string(step)}});
  if (!audited.ok()) {
    damage_reported_.erase(record.key);  // reported at the next run instead
    return audited;
  }
  host_->Log("retention_damaged", {{"step", std::string(step)}, {"error", OutcomeOf(record.why)}});
  return Status::OK();
}

Status Shredder::ShredDueEpochs(UnixMillis now) {
  const uint64_t base = keyring_->base_epoch();
  const uint64_t target = keyring_->EpochOf(now);  // every epoch before it has ended
  if (target <= base) return Status::OK();

  // Evidence first: one audit record per epoch that holds transcripts, with
  // their count and a hash over their ids (the ids themselves stay out of
  // the log). Keys are destroyed only once the evidence is durable; a crash
  // in between repeats the records at the next run.
  struct EpochEvidence {
    uint64_t count = 0;
    Hasher hash = Hasher::Create(kShredIdsPersonal, 32);
  };
  std::map<uint64_t, EpochEvidence> epochs;
  // The transcripts the event feed names one by one (at most as many as
  // its journal keeps); the rest it counts.
  std::vector<std::string> to_name;
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
        EpochEvidence& evidence = epochs[EpochOfIndexKey(key)];
        ++evidence.count;
        evidence.hash.Update(raw_id);
        if (to_name.size() < kMaxNamedExpiries) to_name.emplace_back(raw_id);
        return true;
      }));
  damaged_index_.store(malformed.size());
  for (const std::string& key : malformed) {
    VAULT_RETURN_IF_ERROR(ReportDamaged(
        {key, "", Status::Corruption("expiry index key has the wrong length")}, "shred"));
  }
  uint64_t shredded = 0;
  for (auto& [epoch, evidence] : epochs) {
    VAULT_RETURN_IF_ERROR(
        host_->AuditSystem("retention.shred", "", "ok",
                           {{"epoch", std::to_string(epoch)},
                            {"epoch_end", FormatRfc3339(keyring_->EpochEnd(epoch))},
                            {"count", std::to_string(evidence.count)},
                            {"ids_hash", ToHex(evidence.hash.Final())}}));
    shredded += evidence.count;
  }
  // The advance is announced before it happens and confirmed after it, so
  // that a crash (or an audit failure) between the keyring rewrite and the
  // confirmation still leaves a record naming every destroyed epoch.
  const AuditDetails range = {{"from_epoch", std::to_string(base)},
                              {"to_epoch", std::to_string(target)},
                              {"transcripts", std::to_string(shredded)}};
  // The `started` record is the record of the keys' destruction (key states,
  // docs/design.md section 4.5): written before it, and followed by a record
  // with the error if the rewrite fails and the keys stay.
  AuditDetails started = range;
  started.emplace_back(kKeysDetail,
                       FormatKeyTransitions({{KeyKind::kEpoch, EpochRangeId(base, target - 1),
                                              KeyState::kActive, KeyState::kDestroyed}}));
  VAULT_RETURN_IF_ERROR(host_->AuditSystem("retention.advance", "", "started", std::move(started)));
  // Their services, read while their keys still open.
  const std::vector<std::pair<std::string, std::string>> named =
      shredded > 0 ? host_->ServicesOf(to_name)
                   : std::vector<std::pair<std::string, std::string>>{};
  if (shredded > 0) Failpoint("retention.after_evidence");
  if (Status advanced = keyring_->AdvanceTo(target); !advanced.ok()) {
    const Status noted = host_->AuditSystem("retention.advance", "", OutcomeOf(advanced), range);
    (void)noted;  // the keyring's own error is what the run reports
    return advanced;
  }
  shredded_total_.fetch_add(shredded);
  if (shredded > 0) host_->OnShredded(named, shredded - named.size());
  last_shred_at_.store(now);
  if (shredded > 0) Failpoint("retention.after_advance");
  return host_->AuditSystem("retention.advance", "", "ok", range);
}

Status Shredder::PurgeShredded(UnixMillis now, bool* purged) {
  const uint64_t base = keyring_->base_epoch();
  // Tombstones expire one retention period after the purge.
  const uint64_t tombstone_epoch =
      std::max(base, keyring_->EpochOf(now + settings_.retention_ms));
  const std::string tombstone = Tombstone(now);
  // Visitor-index entries of destroyed epochs link nothing any more (their
  // tag keys are gone); they are dropped in one range deletion.
  bool stale_tags = false;
  VAULT_RETURN_IF_ERROR(store_->ScanRange(Column::kVisitorIndex, VisitorIndexPrefix(0, ""),
                                          VisitorIndexPrefix(base, ""),
                                          [&](std::string_view, std::string_view) {
                                            stale_tags = true;
                                            return false;
                                          }));
  if (stale_tags) {
    WriteBatch batch;
    batch.DeleteRange(Column::kVisitorIndex, VisitorIndexPrefix(0, ""), VisitorIndexPrefix(base, ""));
    VAULT_RETURN_IF_ERROR(store_->Write(&batch));
    *purged = true;
  }
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
    std::vector<std::string> raw_ids;
    for (const std::string& key : keys) {
      if (key.size() == 8 + kIdBytes) raw_ids.push_back(key.substr(8));
    }
    // Under these transcripts' locks, so an append racing the expiry either
    // re-wraps the key forward before we look, or finds the tombstone after.
    VAULT_RETURN_IF_ERROR(host_->WithTranscriptsLocked(raw_ids, [&]() -> Status {
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
      host_->OnPurged(purged_open, purged_closed);
      return Status::OK();
    }));
    Failpoint("retention.mid_purge");
    *purged = true;
  }
}

StatusOr<uint64_t> Shredder::CountOverdue(UnixMillis now) const {
  // A key is overdue when its epoch ended more than one tick (plus a second
  // of slack) ago and the keyring can still derive it.
  const int64_t grace = std::max<int64_t>(settings_.retention_tick_ms, 0) + 1000;
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

StatusOr<RetentionStatus> Shredder::Snapshot() {
  MutexLock lock(&run_mu_);
  RetentionStatus out;
  out.now = clock_->NowMillis();
  out.epoch_ms = keyring_->epoch_ms();
  out.base_epoch = keyring_->base_epoch();
  out.last_shred_at = last_shred_at_.load();
  out.last_run_at = last_run_at_.load();
  out.shredded_total = shredded_total_.load();
  VAULT_ASSIGN_OR_RETURN(out.overdue, CountOverdue(out.now));
  out.damaged = damaged();
  return out;
}

void Shredder::Start() {
  if (settings_.retention_tick_ms <= 0 || thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void Shredder::Stop() {
  {
    MutexLock l(&thread_mu_);
    stop_ = true;
  }
  thread_cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
}

void Shredder::Loop() {
  thread_mu_.Lock();
  while (!stop_) {
    // Wake at the next epoch boundary or after one tick, whichever is first.
    const UnixMillis now = clock_->NowMillis();
    const int64_t tick = settings_.retention_tick_ms;
    const int64_t to_boundary = keyring_->EpochEnd(keyring_->EpochOf(now)) - now;
    const int64_t wait = std::clamp<int64_t>(std::min(to_boundary, tick), 1, tick);
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait);
    while (!stop_ && std::chrono::steady_clock::now() < until) {
      thread_cv_.WaitFor(&thread_mu_, until - std::chrono::steady_clock::now());
    }
    if (stop_) break;
    thread_mu_.Unlock();
    const Status status = Run();
    if (!status.ok()) {
      // Also visible as overdue > 0 once a key outlives its epoch; the next
      // run retries. The reason code names no transcript.
      host_->Log("retention_failed", {{"error", OutcomeOf(status)}});
    }
    thread_mu_.Lock();
  }
  thread_mu_.Unlock();
}

}  // namespace vault
