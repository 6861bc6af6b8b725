// VaultImpl: opening a vault (checks, keys, store, audit log, legal hold's
// case store), wiring the shredder and legal hold to it, and what the whole
// vault reports (metrics). The transcript path is in transcripts.cc,
// erasure and backup in erase_backup.cc, the audit log's callers and
// readers in audit_calls.cc, legal hold's host in hold_host.cc and the
// shredder's in retention_host.cc.
#include "vault/core/vault_impl.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <system_error>

#include "vault/audit/note.h"
#include "vault/audit/recovery.h"
#include "vault/common/file_util.h"
#include "vault/common/key_state.h"
#include "vault/common/time_format.h"
#include "vault/core/root_rotation.h"
#include "vault/core/vault_internal.h"
#include "vault/crypto/aead.h"

namespace vault {

StatusOr<std::unique_ptr<Vault>> Vault::Open(const Options& options, Clock* clock) {
  VAULT_ASSIGN_OR_RETURN(std::unique_ptr<VaultImpl> v, VaultImpl::Open(options, clock));
  return std::unique_ptr<Vault>(std::move(v));
}

VaultImpl::VaultImpl(Options options, Clock* clock, DirectoryLock lock,
                     std::unique_ptr<RootKeyCustodian> custodian, std::unique_ptr<Keyring> keyring,
                     std::unique_ptr<Store> store, std::unique_ptr<audit::AuditLog> audit,
                     std::unique_ptr<safeguard::CaseStore> cases,
                     std::unique_ptr<VisitorPresence> presence, int64_t open, int64_t closed)
    : options_(std::move(options)), clock_(clock), lock_(std::move(lock)),
      custodian_(std::move(custodian)), keyring_(std::move(keyring)), store_(std::move(store)),
      audit_(std::move(audit)), index_filter_(std::make_unique<EpochTagFilter>()),
      presence_(std::move(presence)),
      index_(keyring_.get(), store_.get(), index_filter_.get(), presence_.get()),
      disk_space_(options_.data_dir, std::chrono::seconds(1)),
      committer_(std::make_unique<GroupCommitter>(store_.get())),
      shredder_(std::make_unique<Shredder>(
          Shredder::Settings{options_.retention_ms, options_.idle_close_ms,
                             options_.retention_tick_ms},
          keyring_.get(), store_.get(), clock_, static_cast<RetentionHost*>(this))),
      open_count_(open), closed_count_(closed),
      hold_(std::make_unique<LegalHold>(
          LegalHold::Settings{audit::PublicKeyBase64(audit_->GenesisKey()),
                              options_.statement_skew_ms, options_.max_request_age_ms,
                              options_.case_threshold},
          std::move(cases), store_.get(), clock_, shredder_->run_mutex(),
          static_cast<HoldHost*>(this))) {
  for (size_t i = 0; i < stripes_.size(); ++i) {
    stripes_[i].SetOnExclusive([this, i] { ForgetOpen(i); });
  }
}

VaultImpl::~VaultImpl() {
  stop_index_filter_.store(true);
  WaitForIndexFilter();
  if (shredder_) shredder_->Stop();
  // Queued appends are written (and answered) before the store closes;
  // then every cached key is wiped, each under its stripe.
  committer_.reset();
  for (StripeMutex& stripe : stripes_) StripeLock forget(&stripe);
  // A stop record and a final checkpoint: the next start is a clean restart.
  if (audit_) {
    const Status closed = audit_->Close();
    (void)closed;  // nothing to report to: the next start records a crash-free restart or not
  }
}

StatusOr<std::unique_ptr<VaultImpl>> VaultImpl::Open(const Options& options, Clock* clock) {
  VAULT_RETURN_IF_ERROR(InitCrypto());
  if (options.data_dir.empty()) return Status::InvalidArgument("data_dir is required");
  if (options.retention_ms <= 0 || options.epoch_ms <= 0) {
    return Status::InvalidArgument("retention and epoch must be positive");
  }
  if (options.epoch_ms > options.retention_ms) {
    return Status::InvalidArgument("the epoch must not be longer than the retention period");
  }
  if (options.retention_ms / options.epoch_ms > 1000000) {
    return Status::InvalidArgument("retention / epoch must be at most 1,000,000 epochs");
  }
  if (options.rights_retention_ms <= 0 || options.rights_retention_ms > kMaxRightsRetentionMs) {
    return Status::InvalidArgument("the rights register's retention must be from 1 ms to 100 years");
  }
  if (options.case_threshold < 2 || options.case_threshold > 255) {
    return Status::InvalidArgument("a case's threshold must be from 2 to 255 officers");
  }
  VAULT_RETURN_IF_ERROR(ValidateStatisticsOptions(options.statistics));
  const std::string keys_dir = options.data_dir + "/keys";
  VAULT_RETURN_IF_ERROR(EnsureDirectory(options.data_dir, 0700));
  VAULT_RETURN_IF_ERROR(CheckNotWritableByOthers(options.data_dir, "data directory"));
  // Before any key or database file is touched: a second vaultd on the same
  // directory could otherwise ratchet the keyring under the first one.
  VAULT_ASSIGN_OR_RETURN(DirectoryLock lock,
                         DirectoryLock::Acquire(options.data_dir + "/vaultd.lock"));
  // The audit log is read and its chain checked (audit::ScanLog hashes every
  // record) while the keys and the store open, on threads of its own: on a
  // vault that has run a while this is the longest step of a start, and the
  // store's WAL recovery after a crash, an upgrade or a bulk load the next
  // (docs/performance.md section 10.15). It only reads, and nothing else
  // writes the directory while the lock is held; the log is still opened
  // last, below, and reads it again if its files changed or this reading
  // failed. It only saves time: if no thread can be started for it, the log
  // is read there as before. A start refused before then waits here for the
  // reading to end.
  const std::string audit_dir = options.data_dir + "/audit";
  std::future<StatusOr<audit::LogScan>> audit_scan;
  try {
    audit_scan = std::async(std::launch::async, [audit_dir]() -> StatusOr<audit::LogScan> {
      try {
        return audit::ScanLog(audit_dir, audit::ListSegments(audit_dir));
      } catch (const std::exception& e) {
        return Status::Internal(std::string("reading the audit log ahead: ") + e.what());
      }
    });
  } catch (const std::system_error&) {
    // No thread for it: AuditLog::Open reads the log itself.
  }
  VAULT_RETURN_IF_ERROR(EnsureDirectory(keys_dir, 0700));
  std::string key_file =
      options.root_key_file.empty() ? keys_dir + "/root.key" : options.root_key_file;
  const bool from_credential = !options.root_key_credential.empty();
  if (from_credential) {
    if (!options.root_key_file.empty()) {
      return Status::InvalidArgument(
          "the root key comes either from a key file or from the systemd credential, not both",
          "root_key_ambiguous");
    }
    // A key file left beside the credential would defeat sealing the key:
    // after a migration it must be destroyed, not kept.
    if (FileExists(key_file)) {
      return Status::FailedPrecondition(
          "the root key is given as the systemd credential root-key, and " + key_file +
              " exists as well. Once the credential holds the same key (docs/operations.md, "
              "\"The root key as a systemd credential\"), destroy the file (shred -u) and start "
              "again",
          "root_key_ambiguous");
    }
    key_file = options.root_key_credential;
  }
  const std::string keyring_file = keys_dir + "/keyring";
  // A brand-new vault has neither keyring nor store. Only then may keys be
  // created: a missing key next to existing data is an operator error to
  // report, never a reason to start a new key chain that reads nothing.
  const bool fresh = !FileExists(keyring_file) && !FileExists(options.data_dir + "/db/CURRENT");
  // Only the default root key location is created on demand; a credential
  // never is (systemd provides it or the unit does not start).
  VAULT_ASSIGN_OR_RETURN(
      std::unique_ptr<KeyFileCustodian> custodian,
      KeyFileCustodian::Open(key_file,
                             fresh && options.root_key_file.empty() && !from_credential));
  // An interrupted root key rotation is completed or rolled back, by the key
  // we were given, before anything sealed under the root key is opened.
  const RootKeyPaths root_paths = ResolveRootKeyPaths(options);
  std::string root_fingerprint;
  RotationRecovery rotation;
  {
    VAULT_ASSIGN_OR_RETURN(SecretBytes root, custodian->LoadRootKey());
    VAULT_ASSIGN_OR_RETURN(rotation, RecoverRootRotation(root_paths, root));
    for (const std::string& leftover : rotation.leftovers) {
      if (options.log) options.log("root_rotation_leftover", {{"error", leftover}});
    }
    VAULT_ASSIGN_OR_RETURN(root_fingerprint, RootKeyFingerprint(root));
  }
  Keyring::Params kp{keyring_file, options.epoch_ms, options.retention_ms};
  VAULT_ASSIGN_OR_RETURN(std::unique_ptr<Keyring> keyring,
                         Keyring::Open(kp, custodian.get(), clock, fresh));
  Store::Settings store_settings;
  store_settings.on_event = options.log;  // the store's health events, reason codes only
  VAULT_ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
                         Store::Open(options.data_dir + "/db", std::move(store_settings)));
  audit::AuditOptions ao;
  ao.dir = audit_dir;
  ao.key_path = keys_dir + "/audit.key";
  ao.segment_bytes = options.audit_segment_bytes;
  ao.checkpoint_interval_ms = options.audit_checkpoint_interval_ms;
  VAULT_ASSIGN_OR_RETURN(const int64_t open, store->ReadCounter(kOpenCounter));
  VAULT_ASSIGN_OR_RETURN(const int64_t closed, store->ReadCounter(kClosedCounter));
  VAULT_ASSIGN_OR_RETURN(const int64_t held, store->ReadCounter(kHeldCounter));
  // Held transcripts can be opened only with their case keys: a missing
  // safeguarding file next to them is an operator error to report, never a
  // reason to start with no cases (which would lose every hold for good).
  if (held > 0 && !FileExists(keys_dir + "/safeguarding")) {
    return Status::FailedPrecondition(
        "the store holds " + std::to_string(held) + " transcript(s) on legal hold but " +
            keys_dir + "/safeguarding is missing; restore it (without it no held transcript "
            "can ever be opened) rather than starting without it", "safeguarding_missing");
  }
  VAULT_ASSIGN_OR_RETURN(std::unique_ptr<safeguard::CaseStore> cases,
                         safeguard::CaseStore::Open(keys_dir + "/safeguarding", custodian.get()));
  VAULT_ASSIGN_OR_RETURN(
      std::unique_ptr<RightsRegister> rights,
      RightsRegister::Open(store.get(), keyring.get(), clock,
                           RightsRegister::Params{options.rights_retention_ms}));
  // Last of the steps that may refuse the start: opening the audit log writes
  // to it (a recovery record, a start record, a checkpoint), and a refused
  // start must leave it untouched.
  VAULT_RETURN_IF_ERROR(EnsureDirectory(ao.dir, 0700));
  VAULT_ASSIGN_OR_RETURN(std::unique_ptr<audit::AuditLog> audit_log,
                         audit::AuditLog::Open(ao, custodian.get(), clock,
                                               audit_scan.valid()
                                                   ? std::optional(audit_scan.get())
                                                   : std::nullopt));
  // Whether a visitor is returning, from memory (vault/index/
  // visitor_presence.h), rebuilt below after the index filter. Sized for
  // one identifier of every transcript held, so that the rebuild grows it
  // under the lock every open waits on at most twice, while a vault whose
  // chats give no identifiers spends little on it.
  VAULT_ASSIGN_OR_RETURN(
      std::unique_ptr<VisitorPresence> presence,
      VisitorPresence::Create(keyring->base_epoch(),
                              static_cast<size_t>(std::max<int64_t>(0, open + closed))));
  std::unique_ptr<VaultImpl> vault(new VaultImpl(options, clock, std::move(lock),
                                                 std::move(custodian), std::move(keyring),
                                                 std::move(store), std::move(audit_log),
                                                 std::move(cases), std::move(presence), open,
                                                 closed));
  vault->held_count_.store(held);
  vault->rights_ = std::move(rights);
  // Idempotency-Key of opens: remembered for a day, never past the earliest
  // expiry of what they opened.
  VAULT_ASSIGN_OR_RETURN(vault->idempotent_opens_,
                         IdempotentOpens::Create(std::min(options.retention_ms,
                                                          IdempotentOpens::kMaxWindowMs)));
  // The keys a new vault starts with (the audit log's key 0 is in its
  // genesis record): key states, docs/design.md section 4.5.
  if (fresh) {
    Caller system = RetentionCaller();
    system.request_id = "create";
    VAULT_RETURN_IF_ERROR(vault->Audit(
        system, "vault.create", "", "ok",
        {{kKeysDetail,
          FormatKeyTransitions(
              {{KeyKind::kRoot, root_fingerprint, KeyState::kPreActive, KeyState::kActive},
               {KeyKind::kEpoch, EpochRangeId(vault->keyring_->base_epoch(), kEveryLaterEpoch),
                KeyState::kPreActive, KeyState::kActive}})}}));
  }
  // A rotation's outcome is audited once, at the first start after it: the
  // marker goes only when the record is durable.
  if (rotation.marker.has_value()) {
    Caller system = RetentionCaller();
    system.request_id = "root-rotation";
    RotationAudit record = RotationAuditRecord(
        *rotation.marker, rotation.direction == RotationRecovery::kForward);
    VAULT_RETURN_IF_ERROR(
        vault->Audit(system, "root_key.rotate", "", record.outcome, std::move(record.details)));
    VAULT_RETURN_IF_ERROR(RemoveRotationMarker(root_paths));
  }
  // Catch up before serving anything: epochs that ended while the vault was
  // down are shredded and purged now.
  VAULT_RETURN_IF_ERROR(vault->RunRetention());
  vault->shredder_->Start();
  // The index filter is built from the store in the background: the vault
  // serves at once, and lookups seek every epoch until it is ready.
  VaultImpl* v = vault.get();
  const uint64_t from = vault->keyring_->base_epoch();
  vault->index_filter_builder_ = std::thread([v, from] {
    // At a lower priority than serving: on a small machine the builds (a
    // few seconds of CPU for a million transcripts) would otherwise take a
    // core from the start itself and from the first requests. Lookups are
    // correct, only slower, until they end. A failure to lower it changes
    // nothing else.
    (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
    const auto start = std::chrono::steady_clock::now();
    const Status built = v->index_filter_->Build(*v->store_, from, v->stop_index_filter_);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    if (!built.ok()) {
      v->Log("index_filter_failed", {{"error", OutcomeOf(built)}});
    } else if (v->index_filter_->ready()) {
      const EpochTagFilter::Size size = v->index_filter_->size();
      v->Log("index_filter_ready", {{"epochs", std::to_string(size.epochs)},
                                    {"entries", std::to_string(size.entries)},
                                    {"bytes", std::to_string(size.bytes)},
                                    {"ms", std::to_string(ms)}});
    }
    v->RebuildPresence();
  });
  return vault;
}

void VaultImpl::WaitForIndexFilter() {
  if (index_filter_builder_.joinable()) index_filter_builder_.join();
}

void VaultImpl::LockAll(const std::vector<StripeMutex*>& mus) {
  for (StripeMutex* mu : mus) mu->Lock();
}

void VaultImpl::UnlockAll(const std::vector<StripeMutex*>& mus) {
  for (auto it = mus.rbegin(); it != mus.rend(); ++it) (*it)->Unlock();
}

Status VaultImpl::CompactAll() { return store_->FlushAndCompact(); }
VaultMetrics VaultImpl::Metrics() {
  const Store::Stats stats = store_->GetStats();
  VaultMetrics m;
  // A negative count could only come from a damaged counter; show 0, not 2^64.
  m.open_transcripts = static_cast<uint64_t>(std::max<int64_t>(0, open_count_.load()));
  m.closed_transcripts = static_cast<uint64_t>(std::max<int64_t>(0, closed_count_.load()));
  m.held_transcripts = static_cast<uint64_t>(std::max<int64_t>(0, held_count_.load()));
  m.sst_bytes = stats.sst_bytes;
  m.wal_bytes = stats.wal_bytes;
  m.store_background_jobs = stats.background_work;
  m.synced_writes = stats.synced_writes;
  m.failed_writes = stats.failed_writes;
  m.wal_syncs = stats.wal_syncs;
  m.queued_appends = committer_->batches();
  m.append_groups = committer_->groups();
  m.append_commits = committer_->commit_latency();
  m.cached_open_transcripts = open_cached_.load(std::memory_order_relaxed);
  m.store_read_only = stats.read_only;
  m.store_background_errors = stats.background_errors;
  m.store_recoveries = stats.recoveries;
  m.storage_free_bytes = disk_space_.AvailableBytes();
  m.storage_reserve_bytes = options_.storage_reserve_bytes;
  m.last_shred_at_ms = shredder_->last_shred_at();
  m.last_retention_run_ms = shredder_->last_run_at();
  m.base_epoch = keyring_->base_epoch();
  m.shredded_total = shredder_->shredded_total();
  m.overdue_transcripts = shredder_->overdue();  // counted by the last retention run
  m.retention_damaged = shredder_->damaged();
  if (rights_ != nullptr) {
    m.rights_requests_open = rights_->OpenCount();
    m.rights_requests_overdue = rights_->OverdueCount(clock_->NowMillis());
  }
  m.compaction_failures = shredder_->compaction_failures();
  {
    const ShareHealth health = hold_->CaseShareHealth();
    m.cases_at_threshold = health.at_threshold.size();
    m.cases_stranded = health.stranded.size();
  }
  return m;
}

}  // namespace vault
