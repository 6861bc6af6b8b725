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

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "vault/audit/note.h"
#include "vault/audit/record.h"
#include "vault/audit/signer.h"
#include "vault/clock.h"
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
  static StatusOr<std::unique_ptr<AuditLog>> Open(const AuditOptions& options,
                                                  const RootKeyCustodian* custodian,
                                                  const Clock* clock);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends an access record; OK means it is durable. Returns its seq.
  StatusOr<uint64_t> Append(const AccessEvent& event);
  // Appends a signed checkpoint over everything before it.
  Status Checkpoint();
  // Clean shutdown: a stop record and a final checkpoint; stops the thread.
  Status Close();

  // The latest durable checkpoint as a signed note.
  std::string LatestCheckpoint() const;
  PublicKey GenesisKey() const { return genesis_key_; }
  std::string Origin() const;
  // Number of durable records (the next seq).
  uint64_t Size() const;
  // Durable records [from, from + max), in order.
  StatusOr<std::vector<StoredRecord>> Read(uint64_t from, size_t max) const;
  // Segment numbers and their durable sizes in bytes.
  std::vector<std::pair<uint64_t, uint64_t>> Segments() const;
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
  Status Recover(const RootKeyCustodian* custodian);
  StatusOr<uint64_t> AppendLocked(std::unique_lock<std::mutex>* lock, RecordType type,
                                  const std::string& payload, CheckpointNote* note);
  Status WriteChunks(const std::vector<Chunk>& chunks, WriteResult* out);
  void RollBack();
  void CheckpointLoop();
  Status CheckpointWith(RecordType type, const std::string& payload);

  const AuditOptions options_;
  const Clock* const clock_;
  PublicKey genesis_key_{};  // constant after Open

  std::mutex cp_mu_;  // serialises checkpoints and the signing chain
  std::unique_ptr<SigningChain> signer_;  // guarded by cp_mu_

  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Chain head as enqueued (guarded by mu_).
  uint64_t next_seq_ = 0;
  Hash head_{};
  UnixMillis last_time_ = 0;
  uint64_t segment_ = 0;        // segment the next record goes to
  uint64_t segment_size_ = 0;   // its size including pending bytes
  std::vector<Chunk> pending_;
  bool writing_ = false;
  bool failed_ = false;  // sticky: the log cannot be trusted until restart
  std::string last_error_;
  uint64_t gen_ = 0;
  std::map<uint64_t, uint64_t> rollback_point_;  // gen -> first seq that failed
  // Durable state (guarded by mu_).
  uint64_t durable_seq_ = 0;  // records [0, durable_seq_) are on disk
  Hash durable_head_{};
  UnixMillis durable_time_ = 0;
  uint64_t durable_segment_ = 0;
  uint64_t durable_segment_size_ = 0;
  std::map<uint64_t, uint64_t> segment_first_seq_;  // durable segments
  std::string latest_checkpoint_;
  std::string signing_note_;  // the checkpoint being written (cp_mu_ and mu_)
  int fd_ = -1;  // durable_segment_'s file, opened for append; used by the leader only

  std::mutex thread_mu_;
  std::condition_variable thread_cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace vault::audit

#endif  // VAULT_AUDIT_AUDIT_LOG_H_
