// AuditLog: the append-only, hash-chained, signed record of every access.
//
// Records go to segment files <dir>/audit-<n, 8 digits>.log (format:
// docs/audit-format.md). Append() returns only once the record is on disk
// (write + fdatasync); concurrent appenders share one fdatasync (group
// commit). If the record cannot be made durable, Append() fails and the
// caller must not perform the access (fail-closed); the chain is rolled back
// to the last durable record, so a failure leaves no gap or half record.
//
// A background thread appends a signed checkpoint at least every
// checkpoint_interval_ms, even when nothing else happens. Start-up cuts off a
// torn final record (after a crash) and notes it in a recovery record; it
// refuses to start if the log is shorter than the last checkpoint the signing
// key remembers (truncation), or if log and key disagree.
//
// Thread safety: all methods may be called concurrently.
#ifndef VAULT_AUDIT_AUDIT_LOG_H_
#define VAULT_AUDIT_AUDIT_LOG_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "vault/audit/note.h"
#include "vault/audit/record.h"
#include "vault/audit/recovery.h"
#include "vault/audit/signer.h"
#include "vault/clock.h"
#include "vault/common/thread_annotations.h"
#include "vault/crypto/custodian.h"
#include "vault/status.h"

namespace vault::audit {

struct AuditOptions {
  std::string dir;       // segment files
  std::string key_path;  // the signing chain's key file
  uint64_t segment_bytes = 16 << 20;
  int64_t checkpoint_interval_ms = 60 * 1000;
  bool start_checkpoint_thread = true;
};

// Who did something. Never visitor data.
struct Actor {
  uint32_t uid = 0;
  std::string role;     // "writer", "agent", "officer", "auditor", "admin", "system"
  std::string officer;  // officer id where there is one
};

struct AccessEvent {
  Actor actor;
  std::string action;                // e.g. "transcript.read"
  std::vector<std::string> objects;  // transcript ids, case ids, ...
  std::string outcome;               // "ok" or an error reason
  std::string request_id;
  // Further non-sensitive facts (counts, epochs, hashes). Values are strings
  // or integers rendered by the caller; never content or visitor data.
  std::vector<std::pair<std::string, std::string>> details;
};

// A record as read back, with its hash.
struct StoredRecord {
  Record record;
  Hash hash{};
};

class AuditLog {
 public:
  // `prescanned`, if given, is ScanLog of options.dir made before this call
  // (VaultImpl::Open reads the log while the store opens). It is used only
  // if it succeeded and SegmentFiles finds the segment files as it read
  // them (the same files, sizes, modification and change times); otherwise
  // the log is read again.
  static StatusOr<std::unique_ptr<AuditLog>> Open(
      const AuditOptions& options, const RootKeyCustodian* custodian, const Clock* clock,
      std::optional<StatusOr<LogScan>> prescanned = std::nullopt);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends an access record; OK means it is durable. Returns its seq.
  StatusOr<uint64_t> Append(const AccessEvent& event) EXCLUDES(mu_);
  // Appends a signed checkpoint over everything before it.
  Status Checkpoint() EXCLUDES(cp_mu_, mu_);
  // Clean shutdown: a stop record and a final checkpoint; stops the thread.
  Status Close() EXCLUDES(thread_mu_, cp_mu_, mu_);

  // The latest durable checkpoint as a signed note.
  std::string LatestCheckpoint() const EXCLUDES(mu_);
  PublicKey GenesisKey() const { return genesis_key_; }
  std::string Origin() const EXCLUDES(cp_mu_);
  // Number of durable records (the next seq).
  uint64_t Size() const EXCLUDES(mu_);
  // Durable records [from, from + max), in order.
  StatusOr<std::vector<StoredRecord>> Read(uint64_t from, size_t max) const EXCLUDES(mu_);
  // Segment numbers and their durable sizes in bytes.
  std::vector<std::pair<uint64_t, uint64_t>> Segments() const EXCLUDES(mu_);
  // The number of the first record of each durable segment, in order: where
  // a search by time can start reading (Read(first, 1) is cheap).
  std::vector<uint64_t> SegmentFirstSeqs() const EXCLUDES(mu_);
  std::string SegmentPath(uint64_t n) const;

 private:
  struct Chunk {
    uint64_t segment;
    uint64_t first_seq;
    std::string bytes;
  };
  struct WriteResult {
    uint64_t segment = 0;
    uint64_t size = 0;
    int fd = -1;
  };
  explicit AuditLog(AuditOptions options, const Clock* clock);
  // Open: recovers the log, then writes the first checkpoint.
  Status Recover(const RootKeyCustodian* custodian, std::optional<StatusOr<LogScan>> prescanned)
      EXCLUDES(cp_mu_, mu_);
  Status RecoverLog(const RootKeyCustodian* custodian,
                    std::optional<StatusOr<LogScan>> prescanned) EXCLUDES(cp_mu_, mu_);
  // Enqueues a record (not a checkpoint) and waits until it is durable.
  StatusOr<uint64_t> AppendLocked(RecordType type, const std::string& payload) REQUIRES(mu_);
  // Enqueues a checkpoint signed by the chain and waits until it is durable.
  StatusOr<uint64_t> AppendCheckpointLocked(CheckpointNote* note) REQUIRES(cp_mu_, mu_);
  // Starts a new segment (with its segment record) if the current one is full.
  Status RollSegmentIfFull() REQUIRES(mu_);
  // The record that comes next in the chain, carrying `payload`.
  Record NextRecord(RecordType type, const std::string& payload) REQUIRES(mu_);
  // Adds `r` (from NextRecord) to the pending bytes; returns its seq.
  StatusOr<uint64_t> Enqueue(const Record& r) REQUIRES(mu_);
  // Waits until record `seq` is durable, writing pending records as the
  // leader when no one else is (mu_ is released while writing).
  StatusOr<uint64_t> WaitDurable(uint64_t seq) REQUIRES(mu_);
  // Writes `chunks` with one fdatasync. On entry *out holds the durable
  // segment, its size and its fd, taken under mu_ by the leader; on return,
  // where the write ended.
  Status WriteChunks(const std::vector<Chunk>& chunks, WriteResult* out) const;
  void RollBack() REQUIRES(mu_);
  // Wakes every waiter of both batches (a failed write, a failed log).
  void WakeAll() REQUIRES(mu_) {
    batch_cv_[0].SignalAll();
    batch_cv_[1].SignalAll();
  }
  void CheckpointLoop() EXCLUDES(thread_mu_);
  Status CheckpointWith(RecordType type, const std::string& payload) EXCLUDES(cp_mu_, mu_);

  const AuditOptions options_;
  const Clock* const clock_;
  PublicKey genesis_key_{};  // constant after Open

  // Serialises checkpoints and the signing chain. Taken before mu_.
  mutable Mutex cp_mu_ ACQUIRED_BEFORE(mu_);
  std::unique_ptr<SigningChain> signer_ GUARDED_BY(cp_mu_);

  mutable Mutex mu_;
  // Group commit. Records enqueued while a batch is written go into the
  // next one (next_batch_), and their writers wait on that batch's
  // condition variable (by its parity: at most two batches have waiters,
  // the one being written and the pending one). A finished write wakes its
  // own batch and one waiter of the pending batch to write it (unless a
  // newcomer has taken the lead first, whose write then wakes them all):
  // the others are not woken for a write that does not contain their
  // records. A failed write, or a log that has failed, wakes both batches.
  CondVar batch_cv_[2];
  uint64_t next_batch_ GUARDED_BY(mu_) = 0;
  // Chain head as enqueued.
  uint64_t next_seq_ GUARDED_BY(mu_) = 0;
  Hash head_ GUARDED_BY(mu_) = {};
  UnixMillis last_time_ GUARDED_BY(mu_) = 0;
  uint64_t segment_ GUARDED_BY(mu_) = 0;       // segment the next record goes to
  uint64_t segment_size_ GUARDED_BY(mu_) = 0;  // its size including pending bytes
  std::vector<Chunk> pending_ GUARDED_BY(mu_);
  bool writing_ GUARDED_BY(mu_) = false;
  bool failed_ GUARDED_BY(mu_) = false;  // sticky: the log cannot be trusted until restart
  std::string last_error_ GUARDED_BY(mu_);
  uint64_t gen_ GUARDED_BY(mu_) = 0;
  std::map<uint64_t, uint64_t> rollback_point_ GUARDED_BY(mu_);  // gen -> first seq that failed
  // Durable state.
  uint64_t durable_seq_ GUARDED_BY(mu_) = 0;  // records [0, durable_seq_) are on disk
  Hash durable_head_ GUARDED_BY(mu_) = {};
  UnixMillis durable_time_ GUARDED_BY(mu_) = 0;
  uint64_t durable_segment_ GUARDED_BY(mu_) = 0;
  uint64_t durable_segment_size_ GUARDED_BY(mu_) = 0;
  std::map<uint64_t, uint64_t> segment_first_seq_ GUARDED_BY(mu_);  // durable segments
  std::string latest_checkpoint_ GUARDED_BY(mu_);
  // The checkpoint being written (set with cp_mu_ held too).
  std::string signing_note_ GUARDED_BY(mu_);
  // durable_segment_'s file, opened for append; written to by the leader only.
  int fd_ GUARDED_BY(mu_) = -1;

  Mutex thread_mu_;
  CondVar thread_cv_;
  bool stop_ GUARDED_BY(thread_mu_) = false;
  std::thread thread_;
};

}  // namespace vault::audit

#endif  // VAULT_AUDIT_AUDIT_LOG_H_
