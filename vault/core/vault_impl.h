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
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "vault/audit/audit_log.h"
#include "vault/common/file_util.h"
#include "vault/common/stripe_mutex.h"
#include "vault/core/idempotent_opens.h"
#include "vault/core/records.h"
#include "vault/crypto/custodian.h"
#include "vault/crypto/keyring.h"
#include "vault/crypto/secret.h"
#include "vault/common/thread_annotations.h"
#include "vault/hold/case_store.h"
#include "vault/hold/hold_host.h"
#include "vault/hold/legal_hold.h"
#include "vault/index/epoch_tag_filter.h"
#include "vault/index/visitor_presence.h"
#include "vault/index/visitor_index.h"
#include "vault/retention/shredder.h"
#include "vault/rights/rights_register.h"
#include "vault/storage/disk_space.h"
#include "vault/storage/group_commit.h"
#include "vault/storage/store.h"
#include "vault/vault.h"

namespace vault {

class VaultImpl final : public Vault, private RetentionHost, private HoldHost {
 public:
  static StatusOr<std::unique_ptr<VaultImpl>> Open(const Options& options, Clock* clock);

  StatusOr<CreatedTranscript> CreateTranscript(const Caller& caller,
                                               const NewTranscript& request) override;
  StatusOr<AppendOutcome> AppendMessage(const Caller& caller, std::string_view id,
                                        const Message& message) override;
  bool TryAppendQueued(const Caller& caller, std::string_view id, const Message& message,
                       AppendDone done) override;
  StatusOr<UnixMillis> CloseTranscript(const Caller& caller, std::string_view id) override;
  StatusOr<std::vector<AppendOutcome>> AppendMessages(
      const Caller& caller, std::string_view id, const std::vector<Message>& messages) override;
  StatusOr<Transcript> GetTranscript(const Caller& caller, std::string_view id) override;
  StatusOr<Transcript> GetTranscriptPage(const Caller& caller, std::string_view id,
                                         const MessageRange& range) override;
  Status ReadTranscriptPage(const Caller& caller, std::string_view id, const MessageRange& range,
                            TranscriptSink* sink) override;
  StatusOr<HistoryPage> ListHistory(const Caller& caller, std::string_view id,
                                    const HistoryQuery& query) override;
  StatusOr<SubjectAccessAnswer> SubjectAccess(const Caller& caller,
                                              const SubjectAccessQuery& query) override;
  StatusOr<SubjectErasureAnswer> SubjectErasure(const Caller& caller,
                                                const SubjectAccessQuery& query) override;
  StatusOr<RightsRequest> RegisterRightsRequest(const Caller& caller,
                                                const RightsRegistration& registration) override;
  StatusOr<std::vector<RightsRequest>> ListRightsRequests(const Caller& caller,
                                                          RightsListing which) override;
  StatusOr<RightsRequest> GetRightsRequest(const Caller& caller, std::string_view id) override;
  StatusOr<RightsRequest> UpdateRightsRequest(const Caller& caller, std::string_view id,
                                              const RightsUpdate& update) override;
  StatusOr<SubjectRestrictionAnswer> SubjectRestriction(const Caller& caller,
                                                        const SubjectAccessQuery& query,
                                                        RightsKind kind) override;
  StatusOr<SubjectRectificationAnswer> SubjectRectification(
      const Caller& caller, const SubjectAccessQuery& query,
      const std::vector<VisitorCorrection>& corrections) override;
  StatusOr<StatementAdded> AddStatement(const Caller& caller, std::string_view id,
                                        const StatementFiling& filing) override;
  Status SubmitMonitoring(const Caller& caller, std::string_view id,
                          const MonitoringAnswers& form) override;
  StatusOr<StatisticsReport> GetStatistics(const Caller& caller,
                                           const StatisticsQuery& query) override;
  Status RecordRefusal(const Caller& caller, std::string_view action, std::string_view object_id,
                       std::string_view reason) override;
  StatusOr<EventSubscription> SubscribeEvents(const Caller& caller,
                                              std::optional<EventPosition> last) override;
  StatusOr<AuditStatus> GetAuditStatus(const Caller& caller) override;
  StatusOr<std::vector<AuditRecordView>> ReadAuditRecords(const Caller& caller, uint64_t from,
                                                          size_t limit) override;
  StatusOr<std::string> ReadAuditSegment(const Caller& caller, uint64_t number) override;
  Status EraseTranscript(const Caller& caller, std::string_view id, EraseReason reason) override;
  Status Backup(const Caller& caller, const std::string& dir) override;
  Status RunRetention() override;
  StatusOr<RetentionStatus> GetRetentionStatus(const Caller& caller) override;
  StatusOr<OfficerList> ListOfficers(const Caller& caller) override;
  StatusOr<OfficerInfo> EnrolOfficer(const Caller& caller, std::string_view officer_id,
                                     std::string_view key) override;
  StatusOr<OfficerInfo> RevokeOfficer(const Caller& caller, std::string_view officer_id,
                                      const Revocation& revocation) override;
  StatusOr<CaseInfo> OpenCase(const Caller& caller, const CaseOpening& opening) override;
  StatusOr<std::vector<CaseInfo>> ListCases(const Caller& caller) override;
  StatusOr<CaseDetail> GetCase(const Caller& caller, std::string_view case_id) override;
  StatusOr<HoldInfo> PlaceHold(const Caller& caller, const HoldPlacement& hold) override;
  StatusOr<std::vector<HoldInfo>> ListHolds(const Caller& caller,
                                            std::string_view transcript_id) override;
  StatusOr<RequestInfo> FileRequest(const Caller& caller, const RequestFiling& filing) override;
  StatusOr<RequestInfo> GetRequest(const Caller& caller, std::string_view request_id,
                                   std::string_view officer) override;
  StatusOr<ShareExport> ExportShare(const Caller& caller,
                                    const ShareExportRequest& request) override;
  StatusOr<ApprovalResult> Approve(const Caller& caller, std::string_view request_id,
                                   const Approval& approval) override;
  Status CompactAll() override;
  ~VaultImpl() override;
  VaultMetrics Metrics() override;

  // For tests and offline tools in this library.
  // Open transcripts whose key and state are kept between appends.
  size_t cached_open_transcripts() const { return open_cached_.load(); }
  // The group committer (its counts; a test's hold before its write).
  GroupCommitter* committer() { return committer_.get(); }
  StripeMutex& stripe_of(std::string_view raw_id) { return StripeFor(raw_id); }
  size_t stripe_index(std::string_view raw_id) const { return StripeIndex(raw_id); }
  Store* store() { return store_.get(); }
  Keyring* keyring() { return keyring_.get(); }
  audit::AuditLog* audit_log() { return audit_.get(); }
  const VisitorIndex& visitor_index() const { return index_; }
  const VisitorPresence& visitor_presence() const { return *presence_; }
  const EpochTagFilter& index_filter() const { return *index_filter_; }
  // Waits until the index filter's start-up build has ended (ready, or
  // failed and logged): for tests and benchmarks that measure after it.
  void WaitForIndexFilter();

 private:
  VaultImpl(Options options, Clock* clock, DirectoryLock lock,
            std::unique_ptr<RootKeyCustodian> custodian, std::unique_ptr<Keyring> keyring,
            std::unique_ptr<Store> store, std::unique_ptr<audit::AuditLog> audit,
            std::unique_ptr<safeguard::CaseStore> cases,
            std::unique_ptr<VisitorPresence> presence, int64_t open, int64_t closed);

  // Appends one access record; Unavailable "audit_unavailable" if it cannot
  // be made durable (the caller must then not perform the access).
  // With `seq`, the record's sequence number is stored there.
  Status Audit(const Caller& caller, std::string_view action, std::string_view object_id,
               std::string_view outcome, AuditDetails details = {}, uint64_t* seq = nullptr);
  // Audits the outcome of an operation that did not audit itself; returns
  // the audit failure if there is one, else `result`'s status.
  Status AuditOutcome(const Caller& caller, std::string_view action, std::string_view object_id,
                      const Status& result);
  Status CheckAuditor(const Caller& caller, std::string_view what);
  // The key facts of an open, close, re-wrap or release record: the epoch
  // whose key now wraps the transcript's DEK and its expiry
  // (docs/audit-format.md, section 5.1).
  static AuditDetails KeyFacts(uint64_t key_epoch, UnixMillis expires_at);

  // CreateTranscript with an Idempotency-Key.
  StatusOr<CreatedTranscript> CreateIdempotently(const Caller& caller, const NewTranscript& req);
  // Whether transcript `id` is erased, expired or unknown.
  bool TranscriptGone(std::string_view id);
  StatusOr<CreatedTranscript> DoCreate(const Caller& caller, const NewTranscript& request,
                                       bool* audited, std::string* id);
  // The copy of Backup(), into `dir` (the incomplete sibling): its db/
  // checkpoint and BACKUP.json.
  Status MakeBackup(const std::string& dir);
  // After erasure number `erasure` is committed: compacts the store, unless
  // a compaction that began after that erasure has already run.
  void CompactAfterErase(uint64_t erasure) EXCLUDES(erase_compact_mu_);
  StatusOr<UnixMillis> DoClose(const Caller& caller, std::string_view id, bool* audited);
  StatusOr<AppendOutcome> DoAppend(const Caller& caller, std::string_view id, const Message& m);
  StatusOr<std::vector<AppendOutcome>> DoAppendBatch(const Caller& caller, std::string_view id,
                                                     const std::vector<Message>& messages);
  // TryAppendQueued's work once it holds stripe `index` (for its append).
  bool QueueAppend(const Caller& caller, const std::string& raw_id, size_t index,
                   const Message& m, AppendDone* done) NO_THREAD_SAFETY_ANALYSIS;
  // Forgets (and wipes) the cached open transcripts of stripe `index`,
  // whose holder has it exclusively.
  void ForgetOpen(size_t index) NO_THREAD_SAFETY_ANALYSIS;
  Status DoGet(const Caller& caller, std::string_view id, const MessageRange& range,
               TranscriptSink* sink);
  // The transcript's visitor and messages (those in `range`; all by
  // default), opened with its DEK.
  StatusOr<Transcript> ReadRecords(std::string_view id, const std::string& raw_id,
                                   const SecretBytes& dek, const StateRecord& state,
                                   const MessageRange& range = {});
  // The same given to `sink` record by record.
  Status ReadRecords(std::string_view id, const std::string& raw_id, const SecretBytes& dek,
                     const StateRecord& state, const MessageRange& range, TranscriptSink* sink);
  StatusOr<StateRecord> ReadState(const std::string& raw_id, const SecretBytes& dek);
  // A transcript's sealed state or visitor record, opened with its DEK and
  // decoded (ReadState and ReadVisitor read it from the store first).
  static StatusOr<StateRecord> OpenState(const std::string& raw_id, const SecretBytes& dek,
                                         std::string_view sealed);
  static StatusOr<Visitor> OpenVisitor(const std::string& raw_id, const SecretBytes& dek,
                                       std::string_view sealed);
  StatusOr<HistoryPage> DoListHistory(const Caller& caller, std::string_view id,
                                      const HistoryQuery& query, size_t* results);
  // A visitor's right carried out (rights.cc): the register entry it
  // carries out (named by the request, or registered by it), and whether
  // it was registered by this call.
  struct RightsAction {
    RightsRequest entry;
    bool registered = false;
  };
  Status DoSubjectAccess(const Caller& caller, const SubjectAccessQuery& query,
                         RightsAction* action, SubjectAccessAnswer* answer) REQUIRES(rights_mu_);
  // The transcripts a subject access request finds (dpo role checked; the
  // identifiers normalised; only the services searched, by their index
  // entries' service tags): raw id -> the identifier kinds that matched.
  struct SubjectMatches {
    ServiceScope scope;
    std::vector<std::string> searched;  // identifier kinds
    std::vector<std::string> services;  // the services named; empty: all granted
    std::map<std::string, std::set<IdentifierKind>> found;
  };
  StatusOr<SubjectMatches> MatchSubject(const Caller& caller, const SubjectAccessQuery& query);
  Status DoSubjectErasure(const Caller& caller, const SubjectAccessQuery& query,
                          RightsAction* action, SubjectErasureAnswer* answer) REQUIRES(rights_mu_);
  Status DoSubjectRestriction(const Caller& caller, const SubjectAccessQuery& query,
                              RightsKind kind, RightsAction* action,
                              SubjectRestrictionAnswer* answer) REQUIRES(rights_mu_);
  // The matches of `query` for a right of `kind`, after the register entry
  // it carries out is checked (query.request: open, of that kind, the
  // caller's; its services searched unless the query names some) or, when
  // it names none, registered (received now) once the query has proved
  // valid.
  StatusOr<SubjectMatches> BeginRightsAction(const Caller& caller, SubjectAccessQuery query,
                                             RightsKind kind, RightsAction* action)
      REQUIRES(rights_mu_);
  // Records what the action touched in its entry, and completes an entry
  // this call registered if `result` is OK (an objection stays open until
  // decided).
  Status FinishRightsAction(const Caller& caller, RightsAction* action,
                            const std::vector<RightsTouch>& touches, const Status& result)
      REQUIRES(rights_mu_);
  // True if the caller may see (`read`: dpo or auditor) or change (dpo)
  // the entry: a dpo answering for all of its services.
  static bool MayHandle(const Caller& caller, const RightsRequest& entry, bool read);
  StatusOr<RightsRequest> FindEntry(const Caller& caller, std::string_view id, bool read);
  StatusOr<RightsRequest> DoRegister(const Caller& caller, RightsKind kind, UnixMillis received,
                                     std::vector<std::string> services) REQUIRES(rights_mu_);
  StatusOr<RightsRequest> DoUpdate(const Caller& caller, std::string_view id,
                                   const RightsUpdate& update) REQUIRES(rights_mu_);
  // Adds (`on`) or removes restriction `request` (an entry's id) on the
  // transcript, audited as transcript.restrict / transcript.unrestrict
  // with `why`. Returns what it did: "restricted", "lifted", "withheld"
  // (held) or "" (erased or expired: nothing to do).
  StatusOr<std::string> SetRestriction(const Caller& caller, const std::string& raw_id,
                                       std::string_view request, bool on, AuditDetails why);
  Status DoSubjectRectification(const Caller& caller, const SubjectAccessQuery& query,
                                const std::vector<VisitorCorrection>& corrections,
                                RightsAction* action, SubjectRectificationAnswer* answer)
      REQUIRES(rights_mu_);
  Status DoAddStatement(const Caller& caller, std::string_view id, const StatementFiling& filing,
                        RightsAction* action, StatementAdded* added) REQUIRES(rights_mu_);
  // The field checks of a new transcript's visitor (CreateTranscript).
  Status ValidateVisitor(const Visitor& v) const;
  // Lifts every restriction the entry placed.
  Status LiftRestrictions(const Caller& caller, RightsRequest* entry, std::string_view reason)
      REQUIRES(rights_mu_);
  // Erases every transcript the entry restricted (an upheld objection).
  Status EraseRestricted(const Caller& caller, RightsRequest* entry) REQUIRES(rights_mu_);
  // The restrictions a transcript carries once released from its hold, as
  // the register says (its state cannot change while it is held).
  std::vector<std::string> RestrictionsAtRelease(std::string_view raw_id) const;
  // Before retention destroys keys: the register's entries still in force
  // are renewed (docs/design.md, "The rights register").
  Status KeepRightsInForce(UnixMillis now) EXCLUDES(rights_mu_);
  // Adds to `wanted` (transcript id -> its accesses) every access record
  // naming one of its ids, from the audit log's records since about `since`.
  Status CollectAccesses(UnixMillis since,
                         std::map<std::string, std::vector<RecordedAccess>>* wanted);
  StatusOr<Visitor> ReadVisitor(const std::string& raw_id, const SecretBytes& dek);
  // Adds to `batch` the move of the transcript's visitor-index entries from
  // epoch `from` to epoch `to` (reads its visitor record).
  Status StageIndexMove(const std::string& raw_id, const SecretBytes& dek,
                        std::string_view service, uint64_t from, uint64_t to, WriteBatch* batch);

  // HoldHost (hold_host.cc): what legal hold asks of the vault.
  Status AuditCaller(const Caller& caller, std::string_view action, std::string_view object_id,
                     std::string_view outcome, AuditDetails details,
                     AuditStamp* stamp) override;
  StripeMutex* TranscriptMutex(std::string_view raw_id) override { return &StripeFor(raw_id); }
  StatusOr<HoldCandidate> LoadForHold(std::string_view id) override;
  Status StageHold(const HoldCandidate& t, const CaseIndexKey& index_key, UnixMillis now,
                   WriteBatch* batch) override;
  StatusOr<Transcript> ReadHeld(std::string_view id, std::string_view raw_id,
                                const SecretBytes& dek) override;
  StatusOr<ReleaseFate> StageRelease(std::string_view raw_id, const SecretBytes& dek,
                                     const CaseIndexKey* index_key, UnixMillis now,
                                     WriteBatch* batch) override;
  void StageCaseIndexDrop(const CaseIndexKey& index_key, WriteBatch* batch) override;
  StatusOr<LoggedDealing> LatestDealing(const std::string& dir, std::string_view vault_id,
                                        std::string_view case_id) override;
  Status StageRecovered(const Store& backup, std::string_view raw_id, const SecretBytes& dek,
                        const CaseIndexKey& index_key, WriteBatch* batch) override;
  void OnHoldsMoved(int64_t held, int64_t closed) override;
  void OnHeld(std::string_view id, std::string_view service) override;
  void CompactionFailed(std::string_view after, const Status& why) override;

  // RetentionHost (retention_host.cc): what the shredder asks of the vault.
  Status AuditSystem(std::string_view action, std::string_view object_id,
                     std::string_view outcome, AuditDetails details) override;
  Status CloseIdle(UnixMillis now, std::vector<DamagedRecord>* damaged) override;
  Status WithTranscriptsLocked(const std::vector<std::string>& raw_ids,
                               const std::function<Status()>& fn) override;
  void OnPurged(int64_t open, int64_t closed) override;
  Status BeforeShred(UnixMillis now) override;
  void OnRetentionRun() override;
  std::vector<std::pair<std::string, std::string>> ServicesOf(
      const std::vector<std::string>& raw_ids) override;
  void OnShredded(const std::vector<std::pair<std::string, std::string>>& named,
                  uint64_t unnamed) override;
  void OnRetentionRunEnded(const Status& outcome, uint64_t shredded) override;
  void Log(std::string_view event, const Options::LogFields& fields) const override;

  // A transcript's key material and state, loaded under its stripe lock.
  struct Loaded {
    std::string raw_id;
    uint64_t key_epoch = 0;
    SecretBytes dek;
    StateRecord state;
  };
  // Writes the erasure of loaded transcript `t` (its stripe held), audited
  // as transcript.erase "ok" with `why` first; returns the erasure's
  // number for CompactAfterErase.
  StatusOr<uint64_t> CommitErasure(const Caller& caller, std::string_view id, const Loaded& t,
                                   const AuditDetails& why);
  StatusOr<Loaded> Load(std::string_view external_id);
  // Whether message m.seq of `t` is stored: OK with the same content (a
  // retry), AlreadyExists "seq_conflict" with another, NotFound if absent.
  Status CheckStored(const Loaded& t, const Message& m);
  // After the messages staged in `batch`: stages `t`'s state (re-wrapping
  // its key forward, audited, at an epoch boundary) and writes the batch
  // durably. The stripe is held.
  Status FinishAppend(const Caller& caller, std::string_view id, Loaded* t, WriteBatch* batch);
  // A matched transcript, its stripe held by the caller: its key material;
  // nullopt and *held when it is under legal hold; nullopt when there is
  // nothing (never was, erased, expired).
  StatusOr<std::optional<Loaded>> LoadIfLive(const std::string& raw_id, bool* held);
  // The same from its wrapped-keys value, already read under its lock.
  StatusOr<Loaded> LoadWrapped(std::string raw_id, const std::string& wrapped,
                              bool even_if_expired = false);
  Status SealInto(const SecretBytes& dek, std::string_view raw_id, RecordKind kind, uint64_t seq,
                  std::string_view plain, std::string* out);
  // Adds to `batch` the state record and, if the expiry moved to another
  // epoch, the DEK re-wrapped under it with the expiry index moved along.
  Status StageState(Loaded* t, WriteBatch* batch);
  StripeMutex& StripeFor(std::string_view raw_id) { return stripes_[StripeIndex(raw_id)]; }
  size_t StripeIndex(std::string_view raw_id) const {
    return static_cast<unsigned char>(raw_id[0]) % stripes_.size();
  }
  // Locks (in the order given) and unlocks several stripes; the analysis
  // cannot follow a list of locks.
  static void LockAll(const std::vector<StripeMutex*>& mus) NO_THREAD_SAFETY_ANALYSIS;
  static void UnlockAll(const std::vector<StripeMutex*>& mus) NO_THREAD_SAFETY_ANALYSIS;
  // Statistics (statistics.cc). At open: whether the visitor had another
  // transcript of the service (by ref, email or phone; no lock held), from
  // the visitor's IndexedIdentifiers.
  StatusOr<bool> IsReturning(const std::vector<Identifier>& indexed, std::string_view service);
  // Notes every transcript whose key is wrapped under an epoch in
  // presence_ (its service, identifiers and epoch, read from its sealed
  // records), then lets presence_ answer; on index_filter_builder_.
  void RebuildPresence();
  // For RebuildPresence: held transcripts (by pre-hold epoch, 0 if not
  // recorded) whose index entries are still under an epoch's key make the
  // table answer "unknown" until that epoch is destroyed.
  Status NoteHeldEntriesLeftInEpochs(const std::map<uint64_t, std::set<std::string>>& held);
  // At close, before its state is sealed: adds the chat's counts to
  // today's (in the offset) cells of its service and marks it counted,
  // unless it was opened before statistics, statistics are off, or it is
  // restricted.
  void StageStatistics(StateRecord* st, UnixMillis closed_at, WriteBatch* batch);
  Status DoSubmitMonitoring(const Caller& caller, std::string_view id,
                            const MonitoringAnswers& form, bool* audited);
  StatusOr<StatisticsReport> DoGetStatistics(const Caller& caller, const StatisticsQuery& query);
  // Marks `t` closed as of `closed_at` and stages the state, the forward
  // re-wrap and the removal of its open marker.
  Status StageClose(Loaded* t, UnixMillis closed_at, WriteBatch* batch);
  // InsufficientStorage "insufficient_storage" if the data directory's file
  // system has less than `reserve` bytes free (0: never); `what` names what
  // is refused.
  Status CheckFreeSpace(uint64_t reserve, std::string_view what);


  const Options options_;  // constant after construction
  Clock* const clock_;
  const DirectoryLock lock_;  // held while the vault is open: one vaultd per data directory
  const std::unique_ptr<RootKeyCustodian> custodian_;
  const std::unique_ptr<Keyring> keyring_;
  const std::unique_ptr<Store> store_;
  const std::unique_ptr<audit::AuditLog> audit_;
  // Which epochs may hold a visitor's tags, in memory
  // (vault/index/epoch_tag_filter.h): built from the store by
  // index_filter_builder_ after start, kept up to date by index_.
  const std::unique_ptr<EpochTagFilter> index_filter_;
  // Whether a service holds a live transcript of a visitor, in memory
  // (vault/index/visitor_presence.h): rebuilt by index_filter_builder_
  // after the filter, kept up to date by index_ and the removals.
  const std::unique_ptr<VisitorPresence> presence_;
  // The visitor index (vault/index/visitor_index.h) over keyring_ and store_.
  const VisitorIndex index_;
  std::atomic<bool> stop_index_filter_{false};
  std::thread index_filter_builder_;
  // Free space of the data directory's file system, measured at most once a
  // second (Options::storage_reserve_bytes).
  DiskSpace disk_space_;
  // Serialises read-modify-write of one transcript (striped by id).
  std::array<StripeMutex, 256> stripes_;
  // The appends' fast path (TryAppendQueued; docs/design.md section 7.3):
  // an open transcript's key and state as its last queued append left
  // them, kept between its appends, at most kOpenPerStripe per stripe.
  // open_cache_[i] is guarded by stripes_[i]: every exclusive holder of
  // the stripe forgets it (ForgetOpen), as does shutdown, so a key is
  // wiped at close, idle-close, hold, erasure and any other change.
  struct OpenEntry {
    Loaded t;
    // Set by the group commit when one of this transcript's queued writes
    // failed: `t.state` is then ahead of the store, and the writes queued
    // on top of it are not written (GroupCommitter's `abandoned`).
    std::atomic<bool> failed{false};
  };
  static constexpr size_t kOpenPerStripe = 4;
  std::array<std::vector<std::shared_ptr<OpenEntry>>, 256> open_cache_;
  std::atomic<size_t> open_cached_{0};
  // Makes queued appends durable, a group per sync; stopped first.
  std::unique_ptr<GroupCommitter> committer_;
  // The event feed's journal (vault/events.h, events.cc): in memory only.
  // Its origin is the wall-clock time of this start, whatever clock_ says,
  // so that no two starts share one.
  // Whether the last retention run failed (the feed names the recovery).
  std::atomic<bool> retention_run_failed_{false};
  const std::shared_ptr<EventJournal> events_ =
      std::make_shared<EventJournal>(SystemClock::Default()->NowMillis());
  // Publishes a transcript event of `id` (hex) in `service` now.
  void PublishTranscriptEvent(EventType type, std::string_view id, std::string_view service);
  // Publishes an access.refused event for an audited refusal (events.cc).
  // Without the record's object (a transcript, request or register id): an
  // admin, who cannot read the audit log, would learn which transcript or
  // legal-hold request a refused call concerned; auditors find it in the
  // record.
  void PublishRefusal(const Caller& caller, std::string_view action, std::string_view outcome,
                      uint64_t record);
  // The Idempotency-Key of opens (idempotent_opens.h): in memory only.
  std::unique_ptr<IdempotentOpens> idempotent_opens_;
  // One backup at a time (erase_backup.cc).
  Mutex backup_mu_;
  // Erasures committed, and how many of them the last compaction after an
  // erasure covered (CompactAfterErase).
  std::atomic<uint64_t> erasures_committed_{0};
  Mutex erase_compact_mu_;
  uint64_t erasures_compacted_ GUARDED_BY(erase_compact_mu_) = 0;
  // Retention: the shredder and its thread (vault/retention/shredder.h).
  std::unique_ptr<Shredder> shredder_;
  // Mirrors of the store's transcript counters, read once at Open and moved
  // after each write that moves them durably.
  std::atomic<int64_t> open_count_;
  std::atomic<int64_t> closed_count_;
  std::atomic<int64_t> held_count_{0};

  // Legal hold (vault/hold/legal_hold.h): officers, cases, holds, requests.
  // Lock order: the shredder's run mutex, then legal hold's mutex, then
  // stripes.
  std::unique_ptr<LegalHold> hold_;

  // The rights-request register (vault/rights), and the lock that
  // serialises changes to its entries and the rights they carry out (taken
  // before legal hold's mutex and the stripes, never under them).
  std::unique_ptr<RightsRegister> rights_;
  Mutex rights_mu_;
};

}  // namespace vault

#endif  // VAULT_CORE_VAULT_IMPL_H_
