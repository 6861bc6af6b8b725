// VaultImpl: the Vault over a Store, a Keyring and a Clock.
//
// Data directory layout (docs/design.md):
//   <data_dir>/vaultd.lock    flock'ed by the open vault (one per directory)
//   <data_dir>/db/            RocksDB: ciphertext and wrapped keys only
//   <data_dir>/keys/keyring   the epoch ratchet state, sealed by the root key
//   <data_dir>/keys/root.key  the default key-file custodian's root key
//   <data_dir>/keys/audit.key the audit log's forward-secure signing state
//   <data_dir>/audit/         the audit log's segment files
// Backups take db/ and never keys/.
#ifndef VAULT_CORE_VAULT_IMPL_H_
#define VAULT_CORE_VAULT_IMPL_H_

#include <array>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "vault/audit/audit_log.h"
#include "vault/common/file_util.h"
#include "vault/core/records.h"
#include "vault/crypto/custodian.h"
#include "vault/crypto/keyring.h"
#include "vault/crypto/secret.h"
#include "vault/storage/store.h"
#include "vault/vault.h"

namespace vault {

class VaultImpl final : public Vault {
 public:
  static StatusOr<std::unique_ptr<VaultImpl>> Open(const Options& options, Clock* clock);

  StatusOr<CreatedTranscript> CreateTranscript(const Caller& caller,
                                               const NewTranscript& request) override;
  StatusOr<AppendOutcome> AppendMessage(const Caller& caller, std::string_view id,
                                        const Message& message) override;
  StatusOr<UnixMillis> CloseTranscript(const Caller& caller, std::string_view id) override;
  StatusOr<Transcript> GetTranscript(const Caller& caller, std::string_view id) override;
  Status RecordRefusal(const Caller& caller, std::string_view action, std::string_view object_id,
                       std::string_view reason) override;
  StatusOr<AuditStatus> GetAuditStatus(const Caller& caller) override;
  StatusOr<std::vector<AuditRecordView>> ReadAuditRecords(const Caller& caller, uint64_t from,
                                                          size_t limit) override;
  StatusOr<std::string> ReadAuditSegment(const Caller& caller, uint64_t number) override;
  Status EraseTranscript(const Caller& caller, std::string_view id) override;
  Status Backup(const Caller& caller, const std::string& dir) override;
  Status RunRetention() override;
  StatusOr<RetentionStatus> GetRetentionStatus(const Caller& caller) override;
  Status CompactAll() override;
  ~VaultImpl() override;
  VaultMetrics Metrics() override;

  // For tests and offline tools in this library.
  Store* store() { return store_.get(); }
  Keyring* keyring() { return keyring_.get(); }
  audit::AuditLog* audit_log() { return audit_.get(); }

 private:
  VaultImpl(Options options, Clock* clock, DirectoryLock lock,
            std::unique_ptr<RootKeyCustodian> custodian, std::unique_ptr<Keyring> keyring,
            std::unique_ptr<Store> store, std::unique_ptr<audit::AuditLog> audit, int64_t open,
            int64_t closed);

  // Appends one access record; Unavailable "audit_unavailable" if it cannot
  // be made durable (the caller must then not perform the access).
  Status Audit(const Caller& caller, std::string_view action, std::string_view object_id,
               std::string_view outcome,
               std::vector<std::pair<std::string, std::string>> details = {});
  // Audits the outcome of an operation that did not audit itself; returns
  // the audit failure if there is one, else `result`'s status.
  Status AuditOutcome(const Caller& caller, std::string_view action, std::string_view object_id,
                      const Status& result);
  Status CheckAuditor(const Caller& caller, std::string_view what);

  StatusOr<CreatedTranscript> DoCreate(const Caller& caller, const NewTranscript& request,
                                       bool* audited, std::string* id);
  StatusOr<UnixMillis> DoClose(const Caller& caller, std::string_view id, bool* audited);
  StatusOr<AppendOutcome> DoAppend(const Caller& caller, std::string_view id, const Message& m);
  StatusOr<Transcript> DoGet(const Caller& caller, std::string_view id);

  // Retention steps (retention_mu_ held).
  Status CloseIdle(UnixMillis now);
  Status ShredDueEpochs(UnixMillis now);
  Status PurgeShredded(UnixMillis now, bool* purged);
  StatusOr<uint64_t> CountOverdue(UnixMillis now) const;
  void RetentionLoop();
  void StartRetentionThread();

  // A transcript's key material and state, loaded under its stripe lock.
  struct Loaded {
    std::string raw_id;
    uint64_t key_epoch = 0;
    SecretBytes dek;
    StateRecord state;
  };
  StatusOr<Loaded> Load(std::string_view external_id);
  Status SealInto(const SecretBytes& dek, std::string_view raw_id, RecordKind kind, uint64_t seq,
                  std::string_view plain, std::string* out);
  // Adds to `batch` the state record and, if the expiry moved to another
  // epoch, the DEK re-wrapped under it with the expiry index moved along.
  Status StageState(Loaded* t, WriteBatch* batch);
  std::mutex& StripeFor(std::string_view raw_id);
  // Marks `t` closed as of `closed_at` and stages the state, the forward
  // re-wrap and the removal of its open marker.
  Status StageClose(Loaded* t, UnixMillis closed_at, WriteBatch* batch);


  const Options options_;  // constant after construction
  Clock* const clock_;
  const DirectoryLock lock_;  // held while the vault is open: one vaultd per data directory
  const std::unique_ptr<RootKeyCustodian> custodian_;
  const std::unique_ptr<Keyring> keyring_;
  const std::unique_ptr<Store> store_;
  const std::unique_ptr<audit::AuditLog> audit_;
  // Serialises read-modify-write of one transcript (striped by id).
  std::array<std::mutex, 256> stripes_;

  std::mutex retention_mu_;  // one retention run at a time
  std::atomic<UnixMillis> last_shred_at_{0};
  std::atomic<UnixMillis> last_run_at_{0};
  UnixMillis last_idle_scan_at_ = 0;  // guarded by retention_mu_
  std::atomic<uint64_t> shredded_total_{0};
  std::mutex thread_mu_;
  std::condition_variable thread_cv_;
  bool stop_ = false;  // guarded by thread_mu_
  std::thread retention_thread_;
  // Mirrors of the store's transcript counters, read once at Open and moved
  // after each write that moves them durably.
  std::atomic<int64_t> open_count_;
  std::atomic<int64_t> closed_count_;
};

}  // namespace vault

#endif  // VAULT_CORE_VAULT_IMPL_H_
