// Shredder: retention as its own job. Closes idle chats, destroys the key of
// every epoch that has ended (after recording the evidence), purges the
// ciphertext those keys opened, and runs itself on a timer thread.
// Design: docs/design.md ("Retention"); user's view: docs/retention.md.
//
// The shredder knows the keyring, the store and the clock; what belongs to
// the transcript path (closing one chat, the per-transcript locks, the
// vault's counters, the audit log's caller) it asks of its RetentionHost.
//
// Thread safety: Run(), Snapshot() and the accessors may be called from any
// thread; one run at a time (run_mu_). Legal hold takes RunLock() to keep a
// run out while it rewrites wrapped keys. Lock order: run_mu_, then the
// vault's legal-hold mutex, then its transcript stripes.
//
// Failure: a step that fails does not stop the later ones (nothing a step
// finds may hold back the destruction of keys); Run() returns the first
// error, and the next run retries. Keys are destroyed only after their
// evidence is durable in the audit log.
#ifndef VAULT_RETENTION_SHREDDER_H_
#define VAULT_RETENTION_SHREDDER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "vault/clock.h"
#include "vault/common/thread_annotations.h"
#include "vault/options.h"
#include "vault/status.h"
#include "vault/types.h"

namespace vault {

class Keyring;
class Store;

// The most expired transcripts one run names to the event feed one by one
// (its journal keeps no more); any beyond are counted only.
inline constexpr size_t kMaxNamedExpiries = 16384;

using AuditDetails = std::vector<std::pair<std::string, std::string>>;

// A record retention could not process: its store key, the transcript it
// belongs to (hex; empty if unknown) and why.
struct DamagedRecord {
  std::string key;
  std::string id;
  Status why;
};

// What the shredder asks of the vault it serves (VaultImpl).
class RetentionHost {
 public:
  virtual ~RetentionHost() = default;
  // Appends an audit record as the vault's own "system" caller. Fails if it
  // cannot be made durable; the step then does not happen.
  virtual Status AuditSystem(std::string_view action, std::string_view object_id,
                             std::string_view outcome, AuditDetails details = {}) = 0;
  virtual void Log(std::string_view event, const Options::LogFields& fields) const = 0;
  // Closes every open chat idle since `now - idle_close`, as of its last
  // activity; records it could not read go to *damaged.
  virtual Status CloseIdle(UnixMillis now, std::vector<DamagedRecord>* damaged) = 0;
  // Runs `fn` holding the per-transcript locks of every id in `raw_ids`.
  virtual Status WithTranscriptsLocked(const std::vector<std::string>& raw_ids,
                                       const std::function<Status()>& fn) = 0;
  // A purge batch is durable: `open` open and `closed` closed transcripts
  // are gone from the store's counters.
  virtual void OnPurged(int64_t open, int64_t closed) = 0;
  // Called once per run before any epoch key is destroyed: what must live
  // on past its usual time (rights-register entries still in force) is
  // wrapped further ahead now. A failure is the run's, which goes on.
  virtual Status BeforeShred(UnixMillis now) = 0;
  // Called once per run, whatever its steps returned: the vault forgets
  // what must not outlive its time (expired legal-hold requests, with their
  // request keys and opened shares).
  virtual void OnRetentionRun() = 0;
  // The event feed (vault/events.h). Before an epoch's key is destroyed:
  // the (hex id, service) of those of `raw_ids` whose state still opens.
  virtual std::vector<std::pair<std::string, std::string>> ServicesOf(
      const std::vector<std::string>& raw_ids) = 0;
  // After the keys are destroyed: these transcripts expired, and `unnamed`
  // more that the feed does not list one by one.
  virtual void OnShredded(const std::vector<std::pair<std::string, std::string>>& named,
                          uint64_t unnamed) = 0;
  // Last in every run: its outcome (the first error) and how many
  // transcripts it shredded.
  virtual void OnRetentionRunEnded(const Status& outcome, uint64_t shredded) = 0;
};

class Shredder {
 public:
  struct Settings {
    int64_t retention_ms = 0;
    int64_t idle_close_ms = 0;       // <= 0: no idle close
    int64_t retention_tick_ms = 0;   // <= 0: no timer thread
  };

  // `keyring`, `store`, `clock` and `host` must outlive the shredder.
  Shredder(Settings settings, Keyring* keyring, Store* store, Clock* clock, RetentionHost* host);
  ~Shredder();  // stops the thread
  Shredder(const Shredder&) = delete;
  Shredder& operator=(const Shredder&) = delete;

  // One run: idle close (at most every tenth of the idle time), shred, purge,
  // compaction if anything was purged or a compaction is pending, overdue count.
  Status Run() EXCLUDES(run_mu_);
  // Starts the timer thread (waking at each epoch boundary or tick).
  void Start() EXCLUDES(thread_mu_);
  // Stops and joins it; idempotent.
  void Stop() EXCLUDES(thread_mu_);

  // A consistent status: not between a key's destruction and its count.
  StatusOr<RetentionStatus> Snapshot() EXCLUDES(run_mu_);

  // Held by legal hold while it rewrites wrapped keys: no run meanwhile.
  Mutex* run_mutex() RETURN_CAPABILITY(run_mu_) { return &run_mu_; }

  // A compaction failed elsewhere (an erasure, a hold or a release):
  // counted, retried next run.
  void CompactionFailed();

  UnixMillis last_shred_at() const { return last_shred_at_.load(); }
  UnixMillis last_run_at() const { return last_run_at_.load(); }
  uint64_t shredded_total() const { return shredded_total_.load(); }
  int64_t overdue() const { return overdue_.load(); }  // -1: not counted
  uint64_t damaged() const { return damaged_idle_.load() + damaged_index_.load(); }
  uint64_t compaction_failures() const { return compaction_failures_.load(); }

 private:
  Status ShredDueEpochs(UnixMillis now) REQUIRES(run_mu_);
  Status PurgeShredded(UnixMillis now, bool* purged) REQUIRES(run_mu_);
  StatusOr<uint64_t> CountOverdue(UnixMillis now) const;
  // Audited as `retention.damaged` and logged, once per start.
  Status ReportDamaged(const DamagedRecord& record, std::string_view step) REQUIRES(run_mu_);
  void Loop() EXCLUDES(thread_mu_);

  const Settings settings_;
  Keyring* const keyring_;
  Store* const store_;
  Clock* const clock_;
  RetentionHost* const host_;

  Mutex run_mu_;  // one run at a time
  UnixMillis last_idle_scan_at_ GUARDED_BY(run_mu_) = 0;
  std::set<std::string> damage_reported_ GUARDED_BY(run_mu_);  // store keys
  std::atomic<UnixMillis> last_shred_at_{0};
  std::atomic<UnixMillis> last_run_at_{0};
  std::atomic<uint64_t> shredded_total_{0};
  // Damaged records found by the last idle scan and the last evidence scan.
  std::atomic<uint64_t> damaged_idle_{0};
  std::atomic<uint64_t> damaged_index_{0};
  // The overdue count of the last run (-1: not counted), for metrics, which
  // must not scan.
  std::atomic<int64_t> overdue_{0};
  // A compaction failed (after an erasure, a hold, a release or a purge):
  // the next run compacts.
  std::atomic<bool> compact_pending_{false};
  std::atomic<uint64_t> compaction_failures_{0};

  Mutex thread_mu_;
  CondVar thread_cv_;
  bool stop_ GUARDED_BY(thread_mu_) = false;
  std::thread thread_;  // touched only by Start() and Stop()
};

}  // namespace vault

#endif  // VAULT_RETENTION_SHREDDER_H_
