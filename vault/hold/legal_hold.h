// LegalHold: safeguarding officers, cases, holds, and two-officer unseal and
// release requests. Design: docs/design.md ("Legal hold", section 23);
// officer's guide: docs/safeguarding.md.
//
// Legal hold knows its case store (officers and cases, vault/hold/
// case_store.h), the holds column of the store and the clock; what belongs
// to the transcript path (a transcript's key, state, records and lock, the
// vault's counters, the audit log's callers) it asks of its HoldHost
// (vault/hold/hold_host.h). Every call is audited before it takes effect,
// refusals included; if the record cannot be written nothing happens.
//
// Files: officers.cc (officers and the checks of officers' statements),
// cases.cc (cases), holds.cc (placing and listing holds), requests.cc
// (filing, reading and approving requests), execution.cc (carrying out an
// approved unseal or release).
//
// Thread safety: every public method may be called from any thread. Lock
// order: the shredder's run mutex (`retention_mu`, taken by calls that
// rewrite wrapped keys: PlaceHold, Approve), then mu_, then a transcript's
// lock (HoldHost::TranscriptMutex); keys_mu_ is taken last, alone.
#ifndef VAULT_HOLD_LEGAL_HOLD_H_
#define VAULT_HOLD_LEGAL_HOLD_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vault/access.h"
#include "vault/clock.h"
#include "vault/common/thread_annotations.h"
#include "vault/crypto/box.h"
#include "vault/crypto/secret.h"
#include "vault/crypto/shamir.h"
#include "vault/hold/case_store.h"
#include "vault/hold/hold_host.h"
#include "vault/safeguarding.h"
#include "vault/status.h"
#include "vault/types.h"

namespace vault {

class Store;

class LegalHold {
 public:
  struct Settings {
    // The vault's identity in officers' statements: its audit log's genesis
    // key, base64.
    std::string vault_id;
    int64_t statement_skew_ms = 0;   // how far a statement's time may be from the clock
    int64_t max_request_age_ms = 0;  // how far ahead a request may expire
    int default_threshold = 2;       // a case's threshold when its opening names none
  };

  // `store`, `clock`, `retention_mu` (the shredder's run mutex) and `host`
  // must outlive it.
  LegalHold(Settings settings, std::unique_ptr<safeguard::CaseStore> cases, Store* store,
            Clock* clock, Mutex* retention_mu, HoldHost* host);
  LegalHold(const LegalHold&) = delete;
  LegalHold& operator=(const LegalHold&) = delete;

  // Officers (officers.cc).
  StatusOr<OfficerList> ListOfficers(const Caller& caller) EXCLUDES(mu_);
  StatusOr<OfficerInfo> EnrolOfficer(const Caller& caller, std::string_view officer_id,
                                     std::string_view key) EXCLUDES(mu_);
  StatusOr<OfficerInfo> RevokeOfficer(const Caller& caller, std::string_view officer_id,
                                      const Revocation& revocation) EXCLUDES(mu_);
  // Cases (cases.cc).
  StatusOr<CaseInfo> OpenCase(const Caller& caller, const CaseOpening& opening) EXCLUDES(mu_);
  StatusOr<std::vector<CaseInfo>> ListCases(const Caller& caller) EXCLUDES(mu_);
  StatusOr<CaseDetail> GetCase(const Caller& caller, std::string_view case_id) EXCLUDES(mu_);
  // Holds (holds.cc).
  StatusOr<HoldInfo> PlaceHold(const Caller& caller, const HoldPlacement& hold)
      EXCLUDES(mu_, *retention_mu_);
  StatusOr<std::vector<HoldInfo>> ListHolds(const Caller& caller, std::string_view transcript_id);
  // Requests (requests.cc, execution.cc).
  StatusOr<RequestInfo> FileRequest(const Caller& caller, const RequestFiling& filing)
      EXCLUDES(mu_);
  StatusOr<RequestInfo> GetRequest(const Caller& caller, std::string_view request_id,
                                   std::string_view officer) EXCLUDES(mu_);
  StatusOr<ApprovalResult> Approve(const Caller& caller, std::string_view request_id,
                                   const Approval& approval) EXCLUDES(mu_, *retention_mu_);
  // Offline shares and recovery (recovery.cc).
  StatusOr<ShareExport> ExportShare(const Caller& caller, const ShareExportRequest& request)
      EXCLUDES(mu_);
  // The visitor-index keys of the open cases that have one: where a
  // lookup finds held transcripts (VisitorIndex::Find). Never waits for
  // mu_ (a release holds it through its compaction).
  std::vector<std::shared_ptr<const CaseIndexKey>> OpenCaseIndexKeys() const EXCLUDES(keys_mu_);
  // Forgets every request past its expires_at, wiping its request key and
  // the shares opened for it; the vault calls it on each retention run.
  // Returns how many it forgot.
  size_t ForgetExpiredRequests() EXCLUDES(mu_);
  // Which open cases need resharing (ShareHealth), for /metrics: as of the
  // last commit of the case store. Never waits for mu_.
  ShareHealth CaseShareHealth() const EXCLUDES(keys_mu_);

 private:
  struct PendingRequest {
    RequestInfo info;
    // The request key pair (X25519); its secret is wiped when used.
    std::unique_ptr<BoxKeyPair> key;
    // Each accepted approval's officer and share, opened and checked against
    // its commitment once, when the approval arrived.
    struct Accepted {
      std::string officer;
      shamir::Share share;
    };
    std::vector<Accepted> approvals;
    bool used = false;
  };

  const std::string& VaultId() const { return settings_.vault_id; }
  // The enrolled, unrevoked officer `id`; PermissionDenied "unknown_officer"
  // or "officer_revoked" otherwise.
  StatusOr<const safeguard::StoredOfficer*> ActiveOfficer(std::string_view id) const
      REQUIRES(mu_);
  StatusOr<const safeguard::StoredOfficer*> CheckStatement(const OfficerSignature& signed_by,
                                                          const std::string& text) REQUIRES(mu_);
  // Audits a refusal (only validated officer and case ids in its details,
  // after `extra`, which holds only names the vault validated) and returns
  // `why`, or the audit failure.
  Status RefuseOfficer(const Caller& caller, std::string_view action, std::string_view object,
                       std::string_view officer, std::string_view case_id, const Status& why,
                       AuditDetails extra = {});
  Status ExecuteUnseal(const Caller& caller, const RequestInfo& request,
                       const SecretBytes& case_secret, const safeguard::StoredCase& c,
                       ApprovalResult* result) REQUIRES(mu_);
  Status ExecuteRelease(const Caller& caller, const RequestInfo& request,
                        const SecretBytes& case_secret, const safeguard::StoredCase& c,
                        ApprovalResult* result) REQUIRES(mu_);
  Status ExecuteReshare(const Caller& caller, const RequestInfo& request,
                        const SecretBytes& case_secret, const safeguard::StoredCase& c,
                        ApprovalResult* result) REQUIRES(mu_);
  Status ExecuteRecover(const Caller& caller, const RequestInfo& request,
                        const SecretBytes& case_secret, ApprovalResult* result) REQUIRES(mu_);
  // The checks of a recover request, at filing and again when it is carried
  // out: its source, the lost vault's log naming its dealing as the case's
  // latest, the backup holding held transcripts of the case, and this vault
  // able to take the case. On success, how many held transcripts of the
  // case the backup holds.
  StatusOr<size_t> CheckRecovery(const RecoverySource& source, std::string_view case_id)
      REQUIRES(mu_);
  ShareHealth HealthLocked() const REQUIRES(mu_);
  // OK if the officers active now can hold a `threshold`-of-n dealing
  // (FailedPrecondition "too_few_officers" / "too_many_officers").
  Status CheckDealable(int threshold) const REQUIRES(mu_);
  // Appends the audit record of an executed request and puts its seq, time
  // and hash in *result.
  Status AuditExecution(const Caller& caller, std::string_view action, const RequestInfo& request,
                        AuditDetails details, ApprovalResult* result);
  StatusOr<SecretBytes> OpenHeldKey(const std::string& raw_id, const safeguard::StoredCase& c,
                                    const SecretBytes& case_secret);
  StatusOr<std::vector<HoldInfo>> HoldsOfCase(std::string_view case_id);
  size_t ForgetExpiredLocked(UnixMillis now) REQUIRES(mu_);
  // Commits `next` to the case store, then publishes its open cases' index
  // keys for OpenCaseIndexKeys and its share health for CaseShareHealth.
  Status CommitCases(safeguard::SafeguardState next) REQUIRES(mu_) EXCLUDES(keys_mu_);
  void PublishIndexKeys() REQUIRES(mu_) EXCLUDES(keys_mu_);

  const Settings settings_;
  Store* const store_;
  Clock* const clock_;
  Mutex* const retention_mu_;
  HoldHost* const host_;

  Mutex mu_;
  std::unique_ptr<safeguard::CaseStore> cases_ GUARDED_BY(mu_);
  std::map<std::string, PendingRequest> requests_ GUARDED_BY(mu_);
  // A copy of the open cases' index keys and of their share health, taken
  // after each commit; its own mutex, taken after mu_ (never before it).
  mutable Mutex keys_mu_;
  std::vector<std::shared_ptr<const CaseIndexKey>> index_keys_ GUARDED_BY(keys_mu_);
  ShareHealth health_ GUARDED_BY(keys_mu_);
};

}  // namespace vault

#endif  // VAULT_HOLD_LEGAL_HOLD_H_
