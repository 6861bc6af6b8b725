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
#include <map>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "vault/audit/audit_log.h"
#include "vault/common/file_util.h"
#include "vault/core/records.h"
#include "vault/crypto/custodian.h"
#include "vault/crypto/keyring.h"
#include "vault/crypto/secret.h"
#include "vault/crypto/shamir.h"
#include "vault/hold/case_store.h"
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
  StatusOr<OfficerList> ListOfficers(const Caller& caller) override;
  StatusOr<OfficerInfo> EnrolOfficer(const Caller& caller, std::string_view officer_id,
                                     std::string_view key) override;
  StatusOr<OfficerInfo> RevokeOfficer(const Caller& caller, std::string_view officer_id) override;
  StatusOr<CaseInfo> OpenCase(const Caller& caller, const CaseOpening& opening) override;
  StatusOr<std::vector<CaseInfo>> ListCases(const Caller& caller) override;
  StatusOr<CaseDetail> GetCase(const Caller& caller, std::string_view case_id) override;
  StatusOr<HoldInfo> PlaceHold(const Caller& caller, const HoldPlacement& hold) override;
  StatusOr<std::vector<HoldInfo>> ListHolds(const Caller& caller,
                                            std::string_view transcript_id) override;
  StatusOr<RequestInfo> FileRequest(const Caller& caller, const RequestFiling& filing) override;
  StatusOr<RequestInfo> GetRequest(const Caller& caller, std::string_view request_id,
                                   std::string_view officer) override;
  StatusOr<ApprovalResult> Approve(const Caller& caller, std::string_view request_id,
                                   const Approval& approval) override;
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
  // With `seq`, the record's sequence number is stored there.
  Status Audit(const Caller& caller, std::string_view action, std::string_view object_id,
               std::string_view outcome,
               std::vector<std::pair<std::string, std::string>> details = {},
               uint64_t* seq = nullptr);
  // Audits the outcome of an operation that did not audit itself; returns
  // the audit failure if there is one, else `result`'s status.
  Status AuditOutcome(const Caller& caller, std::string_view action, std::string_view object_id,
                      const Status& result);
  Status CheckAuditor(const Caller& caller, std::string_view what);
  // Passes an event to Options::log, if set (see options.h for the rules).
  void Log(std::string_view event, const Options::LogFields& fields) const;

  StatusOr<CreatedTranscript> DoCreate(const Caller& caller, const NewTranscript& request,
                                       bool* audited, std::string* id);
  // The copy of Backup(): `dir`, its db/ checkpoint and BACKUP.json.
  Status MakeBackup(const std::string& dir);
  StatusOr<UnixMillis> DoClose(const Caller& caller, std::string_view id, bool* audited);
  StatusOr<AppendOutcome> DoAppend(const Caller& caller, std::string_view id, const Message& m);
  StatusOr<Transcript> DoGet(const Caller& caller, std::string_view id);
  // The transcript's visitor and messages, opened with its DEK.
  StatusOr<Transcript> ReadRecords(std::string_view id, const std::string& raw_id,
                                   const SecretBytes& dek, const StateRecord& state);
  StatusOr<StateRecord> ReadState(const std::string& raw_id, const SecretBytes& dek);

  // Legal hold helpers (safeguarding.cc); safeguard_mu_ held.
  struct PendingRequest {
    RequestInfo info;
    SecretBytes secret;  // the request key's X25519 secret; wiped when used
    // Each accepted approval's officer and share, opened and checked against
    // its commitment once, when the approval arrived.
    struct Accepted {
      std::string officer;
      shamir::Share share;
    };
    std::vector<Accepted> approvals;
    bool used = false;
  };
  std::string VaultId() const;
  // The enrolled, unrevoked officer `id`; PermissionDenied "unknown_officer"
  // or "officer_revoked" otherwise.
  StatusOr<const safeguard::StoredOfficer*> ActiveOfficer(std::string_view id) const;
  StatusOr<const safeguard::StoredOfficer*> CheckStatement(const OfficerSignature& signed_by,
                                                          const std::string& text);
  Status RefuseOfficer(const Caller& caller, std::string_view action, std::string_view object,
                       std::string_view officer, std::string_view case_id, const Status& why);
  Status ExecuteUnseal(const Caller& caller, const RequestInfo& request,
                       const SecretBytes& case_secret, const safeguard::StoredCase& c,
                       ApprovalResult* result);
  Status ExecuteRelease(const Caller& caller, const RequestInfo& request,
                        const SecretBytes& case_secret, const safeguard::StoredCase& c,
                        ApprovalResult* result);
  // Appends the audit record of an executed request and puts its seq and
  // hash in *result.
  Status AuditExecution(const Caller& caller, std::string_view action, const RequestInfo& request,
                        std::vector<std::pair<std::string, std::string>> details,
                        ApprovalResult* result);
  StatusOr<SecretBytes> OpenHeldKey(const std::string& raw_id, const safeguard::StoredCase& c,
                                    const SecretBytes& case_secret);
  StatusOr<std::vector<HoldInfo>> HoldsOfCase(std::string_view case_id);
  CaseInfo DescribeCase(const safeguard::StoredCase& c, bool with_reason);

  // Retention steps (retention_mu_ held). Each runs whatever the one
  // before it returned: nothing a step finds may hold back the shred.
  Status CloseIdle(UnixMillis now);
  Status ShredDueEpochs(UnixMillis now);
  Status PurgeShredded(UnixMillis now, bool* purged);
  StatusOr<uint64_t> CountOverdue(UnixMillis now) const;
  // A record retention cannot process (`key`: its store key; `id`: the
  // transcript it belongs to, if known): audited as `retention.damaged` and
  // logged, once per start. Fails only if the audit record cannot be written.
  Status ReportDamaged(std::string_view key, std::string_view id, std::string_view step,
                       const Status& why);
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
  // Damaged records found by the last idle scan and the last evidence scan.
  std::atomic<uint64_t> damaged_idle_{0};
  std::atomic<uint64_t> damaged_index_{0};
  std::set<std::string> damage_reported_;  // store keys; guarded by retention_mu_
  // The overdue count of the last retention run (-1: not counted), for
  // Metrics(), which must not scan.
  std::atomic<int64_t> overdue_{0};
  // A compaction failed (after an erasure or a purge): the next retention
  // run compacts.
  std::atomic<bool> compact_pending_{false};
  std::atomic<uint64_t> compaction_failures_{0};
  std::mutex thread_mu_;
  std::condition_variable thread_cv_;
  bool stop_ = false;  // guarded by thread_mu_
  std::thread retention_thread_;
  // Mirrors of the store's transcript counters, read once at Open and moved
  // after each write that moves them durably.
  std::atomic<int64_t> open_count_;
  std::atomic<int64_t> closed_count_;
  std::atomic<int64_t> held_count_{0};

  // Legal hold. Lock order: retention_mu_, then safeguard_mu_, then stripes.
  std::mutex safeguard_mu_;
  std::unique_ptr<safeguard::CaseStore> cases_;        // guarded by safeguard_mu_
  std::map<std::string, PendingRequest> requests_;     // guarded by safeguard_mu_
};

}  // namespace vault

#endif  // VAULT_CORE_VAULT_IMPL_H_
