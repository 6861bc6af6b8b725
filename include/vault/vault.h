// Vault: the transcript store. Where crypto, storage and retention meet.
//
// A Vault owns one data directory: a RocksDB store holding only ciphertext and
// wrapped keys, and a keyring file (outside RocksDB) holding the epoch ratchet
// state, wrapped by the root key from a custodian. See docs/design.md.
//
// Every transcript has its own random data key (DEK). Every stored record is
// sealed with it (XChaCha20-Poly1305) with associated data binding the
// transcript id, the record kind and the sequence number. The DEK is stored
// only wrapped under the key of the epoch in which the transcript expires.
//
// Durability: a call that returns OK has been written with fsync (RocksDB WAL,
// sync=true); concurrent callers share fsyncs through RocksDB's write groups.
//
// Thread safety: all methods may be called concurrently. Operations on one
// transcript are serialised internally.
//
// Errors: InvalidArgument for bad input (nothing changes), NotFound for an
// unknown id, FailedPrecondition("transcript_closed") for an append after
// close, AlreadyExists("seq_conflict") for a different message under a used
// seq, Gone for a shredded transcript, Corruption when stored bytes fail
// authentication (wrong plaintext is never returned), IOError when the disk
// fails.
//
// Audit: every transcript open, close and read, every refusal, and every read
// of the audit log appends a record to the vault's audit log (<data_dir>/audit,
// docs/audit-format.md) before the call returns: actor (uid, roles, pid),
// action, transcript id, outcome and request id; never content or visitor
// data. Message appends are not audited (they are the chat server's own
// writes, covered by the transcript's open and close records). If the record
// cannot be made durable the access does not happen: Unavailable
// "audit_unavailable", nothing returned, nothing written. For open and close
// the record is written after every check and before the store write; should
// the store write then fail, a second record notes the failure.
#ifndef VAULT_VAULT_H_
#define VAULT_VAULT_H_

#include <cstdint>
#include <memory>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/access.h"
#include "vault/clock.h"
#include "vault/events.h"
#include "vault/metrics.h"
#include "vault/options.h"
#include "vault/safeguarding.h"
#include "vault/statistics.h"
#include "vault/status.h"
#include "vault/types.h"

namespace vault {

// A root key rotation's outcome (RotateRootKey below).
struct RootKeyRotation {
  std::string old_fingerprint;  // 32 hex digits each: RootKeyFingerprint
  std::string new_fingerprint;
  // With the root key as a systemd credential: the new key went to
  // `deliver`, and the rotation finishes at the first start with it as the
  // credential (docs/operations.md, section 5.2). False for a key file,
  // whose rotation is complete when RotateRootKey returns.
  bool awaiting_credential = false;
};

struct RootKeyRotationOptions {
  // Records the old key as compromised (key states) rather than retired.
  bool compromised = false;
  // With the root key as a systemd credential (Options::root_key_credential),
  // required: receives the new key, in the key file format, once everything
  // is resealed, to hand to the operator (vaultd writes it to standard
  // output for `systemd-creds encrypt`). The text is in guarded memory and
  // gone when it returns. An error leaves the rotation to be rolled back by
  // the next start with the old key.
  std::function<Status(std::string_view key_file_text)> deliver;
};

// Rotates the root key of the stopped vault in options.data_dir: reseals the
// keyring, the audit signing key file and the safeguarding file under a new
// random key and destroys the old key file (docs/design.md, section 10.1).
// FailedPrecondition "data_dir_locked" while a vaultd runs on it,
// "root_rotation_pending" while an earlier rotation is unfinished or not yet
// audited, "root_key_mismatch" if a file does not open with the current key,
// "root_key_read_only" if the key file or its directory cannot be written;
// each before anything is written. A crash at any step leaves a vault that
// starts with the old key or the new one; the next Vault::Open audits the
// outcome (root_key.rotate).
StatusOr<RootKeyRotation> RotateRootKey(const Options& options, const Clock* clock,
                                        const RootKeyRotationOptions& how = {});

class Vault {
 public:
  // Opens (creating on first use) the vault in options.data_dir. `clock` must
  // outlive the Vault. Fails if the keyring's epoch length differs from
  // options.epoch_ms, or the root key does not open the keyring.
  static StatusOr<std::unique_ptr<Vault>> Open(const Options& options, Clock* clock);

  virtual ~Vault() = default;
  Vault(const Vault&) = delete;
  Vault& operator=(const Vault&) = delete;

  // Every operation names its caller (see vault/access.h). The vault enforces
  // service scopes: PermissionDenied "service_forbidden" when the caller may
  // not write (create, append, close) or read a transcript of that service.
  // The role check per operation is the same: a caller without the writer
  // role may write nothing, without writer or agent may read nothing.
  virtual StatusOr<CreatedTranscript> CreateTranscript(const Caller& caller,
                                                       const NewTranscript& request) = 0;
  virtual StatusOr<AppendOutcome> AppendMessage(const Caller& caller, std::string_view id,
                                                const Message& message) = 0;
  // Appends `messages` (1 to kMaxBatchMessages, distinct seqs, any order)
  // to transcript `id` as one unit: with one durable write, every message
  // is stored or found already stored with the same content (a retry:
  // kDuplicate), or the whole batch is refused and nothing is stored (a
  // seq_conflict on any message, a closed transcript while any message is
  // new, an invalid message, a refusal). Outcomes are in the order given.
  // Refusals are audited as for AppendMessage; stored messages are not.
  virtual StatusOr<std::vector<AppendOutcome>> AppendMessages(
      const Caller& caller, std::string_view id, const std::vector<Message>& messages) = 0;
  // The fast path of AppendMessage, for a caller that must not wait for the
  // disk (the server's connection threads): if the append is a chat's next
  // message and needs nothing but sealing and one durable write, it is
  // queued for a group commit and true is returned; `done` is then called
  // exactly once, on another thread, with kStored once the message is
  // durable, or with the error that stopped it. It returns false, having
  // changed nothing and never calling `done`, for anything else (a retry or
  // conflict, a refusal, an error to report, a re-wrap to audit, a
  // transcript busy at that instant): the caller then calls AppendMessage,
  // which gives the full answer. Never waits for a lock another thread
  // holds, nor for a sync (it may read the store: an open transcript's key
  // and state, when they are not already in memory). `done` runs on the
  // vault's commit thread: it must hand its answer on and return, never
  // call the Vault (a call that takes the transcript would wait for that
  // very thread) nor block.
  using AppendDone = std::function<void(StatusOr<AppendOutcome>)>;
  virtual bool TryAppendQueued(const Caller& caller, std::string_view id, const Message& message,
                               AppendDone done) {
    (void)caller;
    (void)id;
    (void)message;
    (void)done;
    return false;
  }
  // Idempotent: closing a closed transcript returns its existing expiry.
  virtual StatusOr<UnixMillis> CloseTranscript(const Caller& caller, std::string_view id) = 0;
  virtual StatusOr<Transcript> GetTranscript(const Caller& caller, std::string_view id) = 0;
  // The transcript with only the messages in `range` (info.message_count
  // still counts them all), and next_from_seq when more follow. Audited and
  // refused as GetTranscript, which is GetTranscriptPage with all messages.
  virtual StatusOr<Transcript> GetTranscriptPage(const Caller& caller, std::string_view id,
                                                 const MessageRange& range) = 0;
  // The same page given to `sink` as it is read, audited and refused the
  // same way. The record of the read is durable before this returns OK; on
  // an error the sink may have been given part of the page, which the
  // caller must discard. The default reads the page with GetTranscriptPage.
  virtual Status ReadTranscriptPage(const Caller& caller, std::string_view id,
                                    const MessageRange& range, TranscriptSink* sink) {
    StatusOr<Transcript> page = GetTranscriptPage(caller, id, range);
    if (!page.ok()) return page.status();
    SendTranscript(*page, sink);
    return Status::OK();
  }
  // The same visitor's other transcripts in transcript `id`'s service (by
  // ref, email or phone; never by IP address alone): agents of that service
  // only. Audited as "transcript.history" with the number of results.
  virtual StatusOr<HistoryPage> ListHistory(const Caller& caller, std::string_view id,
                                            const HistoryQuery& query) = 0;

  // A subject access request (dpo role; docs/subject-access.md): every
  // transcript of the services the dpo answers for whose visitor matches
  // any identifier given, with the accesses to it from the audit log; held
  // ones withheld. Each disclosed transcript is audited as read (purpose
  // subject_access), then the request as "subject.access" with counts.
  // InvalidArgument no_identifier / invalid_ref / invalid_email /
  // invalid_phone / invalid_ip / invalid_service; PermissionDenied
  // forbidden / service_forbidden; ResourceExhausted too_many_matches.
  virtual StatusOr<SubjectAccessAnswer> SubjectAccess(const Caller& caller,
                                                      const SubjectAccessQuery& query) = 0;
  // Erases every transcript that a subject access request with `query`
  // would disclose (dpo role), at once, as EraseTranscript does; held ones
  // are listed as withheld and kept. Idempotent: a repeat finds nothing
  // more to erase.
  virtual StatusOr<SubjectErasureAnswer> SubjectErasure(const Caller& caller,
                                                        const SubjectAccessQuery& query) = 0;

  // --- Visitors' rights: the register and the rights it carries out
  // (docs/data-protection.md). The dpo role; listing and reading entries
  // also the auditor role. A dpo sees and changes only entries whose
  // services it answers for. Every change is audited ("rights.register",
  // "rights.extend", "rights.complete", "rights.refuse", "rights.lift",
  // "rights.decide") with kinds, dates and reason codes only.
  //
  // Registers a request received at `registration.received_at` (0: now; not
  // in the future, not more than a year ago), due one calendar month later.
  virtual StatusOr<RightsRequest> RegisterRightsRequest(const Caller& caller,
                                                        const RightsRegistration& registration) = 0;
  virtual StatusOr<std::vector<RightsRequest>> ListRightsRequests(const Caller& caller,
                                                                  RightsListing which) = 0;
  // NotFound "unknown_request" for an id that names no entry (never was, or
  // destroyed), or one in services the caller does not answer for.
  virtual StatusOr<RightsRequest> GetRightsRequest(const Caller& caller, std::string_view id) = 0;
  // Extends (once, by 1 or 2 months, reason "complex" or "numerous"),
  // completes, refuses (with a reason; lifts the restrictions it placed),
  // lifts a restriction's restrictions, or decides an objection (upheld:
  // erase or keep restricted; rejected: lift, with a reason).
  // FailedPrecondition "request_closed" for a change to a closed request
  // (but lifting a completed restriction), "already_extended",
  // "decision_required" to complete an objection, "wrong_kind" for an
  // action the request's kind does not have; InvalidArgument
  // "invalid_months" / "invalid_reason" / "invalid_decision".
  virtual StatusOr<RightsRequest> UpdateRightsRequest(const Caller& caller, std::string_view id,
                                                      const RightsUpdate& update) = 0;
  // Restricts (kind kRestriction) or, for an objection (kObjection),
  // restricts until decided, every transcript a subject access request with
  // the same identifiers would disclose: agents' reads then answer
  // FailedPrecondition "restricted", histories list it without anything
  // from inside it. Held ones are listed as withheld (the hold restricts
  // them already). Retention is never extended.
  virtual StatusOr<SubjectRestrictionAnswer> SubjectRestriction(const Caller& caller,
                                                                const SubjectAccessQuery& query,
                                                                RightsKind kind) = 0;

  // Corrects or completes visitor fields of every transcript a subject
  // access request with `query` would disclose (dpo role): each visitor
  // record is re-sealed with the new values, the old record overwritten
  // and the store compacted, and the visitor index follows. Held ones are
  // listed as withheld and left alone. InvalidArgument "no_change",
  // "invalid_field" and the field checks of CreateTranscript.
  virtual StatusOr<SubjectRectificationAnswer> SubjectRectification(
      const Caller& caller, const SubjectAccessQuery& query,
      const std::vector<VisitorCorrection>& corrections) = 0;
  // Attaches a supplementary statement to message `filing.seq` of
  // transcript `id` (dpo role, of the transcript's service). NotFound
  // not_found / "no_such_message"; FailedPrecondition "legal_hold"; Gone;
  // InvalidArgument "invalid_text"; ResourceExhausted "too_many_statements"
  // (16 per message).
  virtual StatusOr<StatementAdded> AddStatement(const Caller& caller, std::string_view id,
                                                const StatementFiling& filing) = 0;

  // --- Statistics (docs/statistics.md; docs/design.md "Statistics") ---
  //
  // Counts a visitor's answers to the monitoring form for transcript `id`
  // (a writer of its service), once, within
  // StatisticsOptions::monitoring_window_ms after the chat closed. The
  // answers go to the day's counts only; the transcript keeps just a flag
  // that its form was counted, shredded with it. Audited
  // ("transcript.monitoring") without the answers. InvalidArgument
  // no_answers / unknown_question / unknown_answer / duplicate_question /
  // too_many_answers; FailedPrecondition transcript_open / too_late /
  // already_submitted / restricted / legal_hold / not_counted (a chat
  // opened before statistics, or with them off); Gone; NotFound.
  virtual Status SubmitMonitoring(const Caller& caller, std::string_view id,
                                  const MonitoringAnswers& form) = 0;
  // A service's statistics for a completed period (analyst of the service,
  // admin, auditor), small counts suppressed. Audited ("statistics.read").
  // InvalidArgument invalid_service / invalid_period; FailedPrecondition
  // not_published (the period has not ended, or the publication delay has
  // not passed); PermissionDenied forbidden / service_forbidden.
  virtual StatusOr<StatisticsReport> GetStatistics(const Caller& caller,
                                                   const StatisticsQuery& query) = 0;

  // Records a request refused before it reached the vault (the route's role
  // check), so refusals are audited too. Returns the audit failure, if any.
  virtual Status RecordRefusal(const Caller& caller, std::string_view action,
                               std::string_view object_id, std::string_view reason) = 0;

  // The event feed (GET /v1/events, vault/events.h): a writer sees its own
  // services' transcript events, an auditor or admin the vault's own
  // (retention runs, refusals); anyone else is PermissionDenied "forbidden".
  // `last` is where the reader stopped (its Last-Event-ID), nullopt for
  // "from now on". InvalidArgument "unknown_event_id" for a position this
  // start of vaultd never reached (or one from a later start); one from an
  // earlier start, or before events dropped since, subscribes with a reset.
  // Audited as events.subscribe.
  virtual StatusOr<EventSubscription> SubscribeEvents(const Caller& caller,
                                                      std::optional<EventPosition> last) = 0;

  // The audit log, for the auditor role (PermissionDenied otherwise). Each
  // call is itself audited ("audit.read") before it returns.
  virtual StatusOr<AuditStatus> GetAuditStatus(const Caller& caller) = 0;
  // Records [from, from + limit), limit at most 1000.
  virtual StatusOr<std::vector<AuditRecordView>> ReadAuditRecords(const Caller& caller,
                                                                  uint64_t from,
                                                                  size_t limit) = 0;
  // The durable bytes of one segment file, exactly as on disk.
  virtual StatusOr<std::string> ReadAuditSegment(const Caller& caller, uint64_t number) = 0;

  // Erases one transcript at once: its records and wrapped key are deleted
  // and the store compacted; reads answer Gone "erased". An admin may erase
  // any transcript; with reason kVisitorRequest, so may a writer of the
  // transcript's service. A held transcript is refused (legal_hold).
  virtual Status EraseTranscript(const Caller& caller, std::string_view id,
                                 EraseReason reason) = 0;

  // A consistent copy of the transcript store for backups (admin role), in
  // `dir`, which must be an absolute path that does not exist yet: <dir>/db
  // (a RocksDB checkpoint) and <dir>/BACKUP.json. Never the keyring or the
  // root key: a backup holds ciphertext and wrapped keys only, so whatever
  // retention destroys is gone from every backup too. See docs/operations.md.
  virtual Status Backup(const Caller& caller, const std::string& dir) = 0;

  // Retention (see docs/design.md, "Retention"): destroys the key of every
  // epoch that has ended (one keyring rewrite, however many transcripts),
  // after an audit record per non-empty epoch (epoch, count, hash of the
  // ids); then purges the records of transcripts whose key is gone, leaving a
  // tombstone so reads answer Gone for one more retention period, and
  // compacts so no SST or WAL file keeps them. Idempotent; resumes an
  // interrupted run. A damaged record (an open transcript that does not open,
  // a malformed index entry) is skipped, counted and audited, never an error:
  // it must not hold back the destruction of any key. Each step runs even if
  // the one before it failed; the first error is returned. Open() runs it
  // before returning, and a background thread every
  // Options::retention_tick_ms.
  virtual Status RunRetention() = 0;
  // For admins and auditors.
  virtual StatusOr<RetentionStatus> GetRetentionStatus(const Caller& caller) = 0;

  // --- Legal hold (docs/design.md "Legal hold", docs/safeguarding.md) ---
  //
  // Officers are enrolled and revoked by admins. Every other call needs the
  // officer role and, where it acts, a valid signature by an enrolled,
  // unrevoked officer over the call's canonical statement (statement.h) made
  // within Options::statement_skew_ms of the vault's clock. Every call and
  // every refusal is audited with the officer's id.
  //
  // The vault id every statement names, and the enrolled officers (admin,
  // officer or auditor role).
  virtual StatusOr<OfficerList> ListOfficers(const Caller& caller) = 0;
  // `key` is an enrolment token from vault-officer init. AlreadyExists if the
  // id or the keys are enrolled already.
  virtual StatusOr<OfficerInfo> EnrolOfficer(const Caller& caller, std::string_view officer_id,
                                             std::string_view key) = 0;
  // Approvals by a revoked officer are refused from now on. Shares it holds
  // stay sealed to it and count for nothing. A revocation that would leave
  // an open case with fewer active share holders than its threshold (a
  // stranded case: never openable or releasable again) is refused with
  // FailedPrecondition "would_strand_cases" naming the cases, unless
  // `revocation.force`; a forced one is audited with the cases it stranded.
  // `revocation.compromised` records the enrolment's keys as compromised
  // (key states, docs/design.md section 4.5) rather than deactivated.
  virtual StatusOr<OfficerInfo> RevokeOfficer(const Caller& caller, std::string_view officer_id,
                                              const Revocation& revocation) = 0;
  // Creates the case key pair, splits its secret k-of-n over the active
  // officers (k: CaseOpening::threshold, else Options::case_threshold;
  // InvalidArgument "invalid_threshold" outside 2..255, FailedPrecondition
  // "too_few_officers" if fewer than k are active), seals each share to its
  // officer, stores the shares and the public key in the safeguarding file
  // and wipes the secret.
  virtual StatusOr<CaseInfo> OpenCase(const Caller& caller, const CaseOpening& opening) = 0;
  virtual StatusOr<std::vector<CaseInfo>> ListCases(const Caller& caller) = 0;
  virtual StatusOr<CaseDetail> GetCase(const Caller& caller, std::string_view case_id) = 0;
  // Seals the transcript's DEK to the case key and removes its ordinary
  // wrapped key: from now on only two officers together can open it, and it
  // outlives its retention. The transcript must be closed (FailedPrecondition
  // "transcript_open") and not held already ("already_held"); Gone if it has
  // been shredded or erased.
  virtual StatusOr<HoldInfo> PlaceHold(const Caller& caller, const HoldPlacement& hold) = 0;
  virtual StatusOr<std::vector<HoldInfo>> ListHolds(const Caller& caller,
                                                    std::string_view transcript_id) = 0;
  // Files an unseal, release or reshare request, signed by its filer. A
  // reshare is filed by a share holder of the case (PermissionDenied
  // "no_share" otherwise), lists no transcripts, and names the new
  // threshold or 0 to keep the case's. Pending
  // requests live in memory only (with the request key): a restart of the
  // vault voids them.
  virtual StatusOr<RequestInfo> FileRequest(const Caller& caller, const RequestFiling& filing) = 0;
  // A request; with `officer`, also that officer's case share, sealed to the
  // officer, in RequestInfo::officer_share.
  virtual StatusOr<RequestInfo> GetRequest(const Caller& caller, std::string_view request_id,
                                           std::string_view officer) = 0;
  // Adds one officer's approval. The approval that reaches the case's
  // threshold (distinct, active share holders) carries the request out: the
  // shares are combined in guarded memory and checked against the case
  // public key; an unseal opens only the listed transcripts and returns
  // them, a release destroys the case key and puts each held transcript
  // back under normal expiry, or destroys it if its retention has passed,
  // and a reshare deals the same case key afresh (a new random polynomial)
  // to the officers active now, replacing every old share. The request is
  // then used and the key wiped.
  virtual StatusOr<ApprovalResult> Approve(const Caller& caller, std::string_view request_id,
                                           const Approval& approval) = 0;
  // An officer's share of a case's current dealing, still sealed to the
  // officer, with the dealing (its public key, threshold, time and every
  // share's commitment), for the officer to keep offline: with k such
  // shares a case is recovered into a new vault from a backup after this
  // one loses keys/ (a recover request). Signed by the officer
  // (ShareExportStatement); audited as case.share_export. PermissionDenied
  // "no_share" for an officer holding no share of the case.
  virtual StatusOr<ShareExport> ExportShare(const Caller& caller,
                                            const ShareExportRequest& request) = 0;

  // Flushes memtables and compacts every column family down to the bottommost
  // level. Used by purge and by tests that inspect the files on disk.
  virtual Status CompactAll() = 0;

  // Counts, sizes and latencies for monitoring; never content or ids. Cheap:
  // no scan of the store (transcript counts are kept as durable counters
  // updated in the same atomic write as the change they count; the overdue
  // count is the one the last RunRetention took).
  virtual VaultMetrics Metrics() = 0;

 protected:
  Vault() = default;
};

}  // namespace vault

#endif  // VAULT_VAULT_H_
