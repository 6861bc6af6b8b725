#include "vault/core/vault_impl.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "vault/common/encoding.h"
#include "vault/common/failpoint.h"
#include "vault/common/file_util.h"
#include "vault/common/time_format.h"
#include "vault/common/utf8.h"
#include "vault/audit/note.h"
#include "vault/audit/record.h"
#include "vault/crypto/aead.h"
#include "vault/crypto/random.h"
#include "vault/core/vault_internal.h"

namespace vault {
namespace {

constexpr size_t kMaxServiceBytes = 64;
constexpr size_t kMaxSentAtBytes = 64;

Status ValidateService(const std::string& s) {
  if (s.empty() || s.size() > kMaxServiceBytes) {
    return Status::InvalidArgument("service must be 1 to 64 characters", "invalid_service");
  }
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return Status::InvalidArgument("service may contain only letters, digits, '.', '_' and '-'",
                                     "invalid_service");
    }
  }
  return Status::OK();
}

Status ValidateField(const std::optional<std::string>& v, const char* name, size_t cap) {
  if (!v.has_value()) return Status::OK();
  if (v->size() > cap) {
    return Status::InvalidArgument(std::string("visitor.") + name + " is longer than " +
                                   std::to_string(cap) + " bytes", "field_too_long");
  }
  if (!IsValidUtf8(*v)) {
    return Status::InvalidArgument(std::string("visitor.") + name + " is not valid UTF-8",
                                   "invalid_utf8");
  }
  return Status::OK();
}

Status ValidateMessage(const Message& m, const Options& o) {
  if (m.seq > o.max_seq) {
    return Status::InvalidArgument("seq must be an integer from 0 to " + std::to_string(o.max_seq),
                                   "invalid_seq");
  }
  if (m.from != "visitor" && m.from != "agent" && m.from != "system") {
    return Status::InvalidArgument("from must be \"visitor\", \"agent\" or \"system\"",
                                   "invalid_from");
  }
  if (m.text.size() > o.max_text_bytes) {
    return Status::ResourceExhausted("text is longer than " + std::to_string(o.max_text_bytes) +
                                     " bytes", "text_too_long");
  }
  if (!IsValidUtf8(m.text)) return Status::InvalidArgument("text is not valid UTF-8", "invalid_utf8");
  if (m.sent_at.size() > kMaxSentAtBytes || !ParseRfc3339(m.sent_at, nullptr)) {
    return Status::InvalidArgument("sent_at must be an RFC 3339 date-time", "invalid_sent_at");
  }
  return Status::OK();
}

Status MayNotWrite() {
  return Status::PermissionDenied("this caller may not write transcripts of this service",
                                  "service_forbidden");
}

Status MayNotRead() {
  return Status::PermissionDenied("this caller may not read transcripts of this service",
                                  "service_forbidden");
}

}  // namespace

StatusOr<std::unique_ptr<Vault>> Vault::Open(const Options& options, Clock* clock) {
  VAULT_ASSIGN_OR_RETURN(std::unique_ptr<VaultImpl> v, VaultImpl::Open(options, clock));
  return std::unique_ptr<Vault>(std::move(v));
}

VaultImpl::VaultImpl(Options options, Clock* clock, DirectoryLock lock,
                     std::unique_ptr<RootKeyCustodian> custodian, std::unique_ptr<Keyring> keyring,
                     std::unique_ptr<Store> store, std::unique_ptr<audit::AuditLog> audit,
                     int64_t open, int64_t closed)
    : options_(std::move(options)), clock_(clock), lock_(std::move(lock)),
      custodian_(std::move(custodian)), keyring_(std::move(keyring)), store_(std::move(store)),
      audit_(std::move(audit)),
      shredder_(std::make_unique<Shredder>(
          Shredder::Settings{options_.retention_ms, options_.idle_close_ms,
                             options_.retention_tick_ms},
          keyring_.get(), store_.get(), clock_, static_cast<RetentionHost*>(this))),
      open_count_(open), closed_count_(closed) {}

VaultImpl::~VaultImpl() {
  if (shredder_) shredder_->Stop();
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
  const std::string keys_dir = options.data_dir + "/keys";
  VAULT_RETURN_IF_ERROR(EnsureDirectory(options.data_dir, 0700));
  VAULT_RETURN_IF_ERROR(CheckNotWritableByOthers(options.data_dir, "data directory"));
  // Before any key or database file is touched: a second vaultd on the same
  // directory could otherwise ratchet the keyring under the first one.
  VAULT_ASSIGN_OR_RETURN(DirectoryLock lock,
                         DirectoryLock::Acquire(options.data_dir + "/vaultd.lock"));
  VAULT_RETURN_IF_ERROR(EnsureDirectory(keys_dir, 0700));
  const std::string key_file =
      options.root_key_file.empty() ? keys_dir + "/root.key" : options.root_key_file;
  const std::string keyring_file = keys_dir + "/keyring";
  // A brand-new vault has neither keyring nor store. Only then may keys be
  // created: a missing key next to existing data is an operator error to
  // report, never a reason to start a new key chain that reads nothing.
  const bool fresh = !FileExists(keyring_file) && !FileExists(options.data_dir + "/db/CURRENT");
  // Only the default root key location is created on demand.
  VAULT_ASSIGN_OR_RETURN(std::unique_ptr<KeyFileCustodian> custodian,
                         KeyFileCustodian::Open(key_file, fresh && options.root_key_file.empty()));
  Keyring::Params kp{keyring_file, options.epoch_ms, options.retention_ms};
  VAULT_ASSIGN_OR_RETURN(std::unique_ptr<Keyring> keyring,
                         Keyring::Open(kp, custodian.get(), clock, fresh));
  VAULT_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::Open(options.data_dir + "/db"));
  audit::AuditOptions ao;
  ao.dir = options.data_dir + "/audit";
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
  // Last of the steps that may refuse the start: opening the audit log writes
  // to it (a recovery record, a start record, a checkpoint), and a refused
  // start must leave it untouched.
  VAULT_RETURN_IF_ERROR(EnsureDirectory(ao.dir, 0700));
  VAULT_ASSIGN_OR_RETURN(std::unique_ptr<audit::AuditLog> audit_log,
                         audit::AuditLog::Open(ao, custodian.get(), clock));
  std::unique_ptr<VaultImpl> vault(new VaultImpl(options, clock, std::move(lock),
                                                 std::move(custodian), std::move(keyring),
                                                 std::move(store), std::move(audit_log), open,
                                                 closed));
  vault->held_count_.store(held);
  {
    MutexLock l(&vault->safeguard_mu_);  // no other thread yet; said for the analysis
    vault->cases_ = std::move(cases);
  }
  // Catch up before serving anything: epochs that ended while the vault was
  // down are shredded and purged now.
  VAULT_RETURN_IF_ERROR(vault->RunRetention());
  vault->shredder_->Start();
  return vault;
}

void VaultImpl::LockAll(const std::vector<Mutex*>& mus) {
  for (Mutex* mu : mus) mu->Lock();
}

void VaultImpl::UnlockAll(const std::vector<Mutex*>& mus) {
  for (auto it = mus.rbegin(); it != mus.rend(); ++it) (*it)->Unlock();
}

Status VaultImpl::SealInto(const SecretBytes& dek, std::string_view raw_id, RecordKind kind,
                           uint64_t seq, std::string_view plain, std::string* out) {
  out->clear();
  return aead::Seal(dek, plain, RecordAd(raw_id, kind, seq), out);
}

StatusOr<CreatedTranscript> VaultImpl::CreateTranscript(const Caller& caller,
                                                        const NewTranscript& req) {
  bool audited = false;
  std::string id;
  StatusOr<CreatedTranscript> result = DoCreate(caller, req, &audited, &id);
  if (!audited) VAULT_RETURN_IF_ERROR(AuditOutcome(caller, "transcript.open", id, result.status()));
  return result;
}

StatusOr<CreatedTranscript> VaultImpl::DoCreate(const Caller& caller, const NewTranscript& req,
                                                bool* audited, std::string* id) {
  VAULT_RETURN_IF_ERROR(ValidateService(req.service));
  if (!caller.MayWrite(req.service)) return MayNotWrite();
  const Visitor& v = req.visitor;
  const size_t cap = options_.max_field_bytes;
  VAULT_RETURN_IF_ERROR(ValidateField(v.name, "name", cap));
  VAULT_RETURN_IF_ERROR(ValidateField(v.ip, "ip", cap));
  VAULT_RETURN_IF_ERROR(ValidateField(v.location, "location", cap));
  VAULT_RETURN_IF_ERROR(ValidateField(v.user_agent, "user_agent", cap));
  VAULT_RETURN_IF_ERROR(ValidateField(v.device, "device", cap));
  VAULT_RETURN_IF_ERROR(ValidateField(v.ref, "ref", cap));

  const std::string raw_id = RandomBytes(kIdBytes);
  VAULT_ASSIGN_OR_RETURN(SecretBytes dek, SecretBytes::Random(aead::kKeyBytes));

  const UnixMillis now = clock_->NowMillis();
  StateRecord st;
  st.service = req.service;
  st.created_at = now;
  st.last_activity = now;
  st.expires_at = now + options_.retention_ms;  // earliest possible expiry
  const uint64_t epoch = keyring_->EpochOf(st.expires_at);
  VAULT_ASSIGN_OR_RETURN(std::string wrapped, keyring_->WrapKey(epoch, dek, raw_id));

  WriteBatch batch;
  std::string sealed;
  VAULT_RETURN_IF_ERROR(SealInto(dek, raw_id, RecordKind::kVisitor, 0, EncodeVisitor(v), &sealed));
  batch.Put(Column::kTranscripts, TranscriptKey(raw_id, RecordKind::kVisitor), sealed);
  VAULT_RETURN_IF_ERROR(SealInto(dek, raw_id, RecordKind::kState, 0, EncodeState(st), &sealed));
  batch.Put(Column::kTranscripts, TranscriptKey(raw_id, RecordKind::kState), sealed);
  batch.Put(Column::kWrappedKeys, raw_id, wrapped);
  batch.Put(Column::kExpiryIndex, ExpiryKey(epoch, raw_id), "");
  batch.Put(Column::kExpiryIndex, OpenIndexKey(raw_id), "");
  batch.AddToCounter(kOpenCounter, 1);
  *id = ToHex(raw_id);
  // Every check has passed: the record goes first, then the write.
  *audited = true;
  VAULT_RETURN_IF_ERROR(Audit(caller, "transcript.open", *id, "ok"));
  if (Status written = store_->Write(&batch); !written.ok()) {
    const Status noted = Audit(caller, "transcript.open", *id, "write_failed");
    (void)noted;  // the write's own error is what the caller needs
    return written;
  }
  open_count_.fetch_add(1, std::memory_order_relaxed);
  return CreatedTranscript{*id, st.expires_at};
}

StatusOr<VaultImpl::Loaded> VaultImpl::Load(std::string_view external_id) {
  Loaded t;
  if (!ParseId(external_id, &t.raw_id)) return NoSuchTranscript();
  auto wrapped = store_->Get(Column::kWrappedKeys, t.raw_id);
  if (!wrapped.ok()) {
    return wrapped.status().code() == Status::Code::kNotFound ? NoSuchTranscript()
                                                              : wrapped.status();
  }
  if (IsErasedTombstone(*wrapped)) {
    return Status::Gone("this transcript was erased", "erased");
  }
  if (IsHeldMarker(*wrapped)) {
    return Status::FailedPrecondition(
        "this transcript is on legal hold: only two safeguarding officers together can open it",
        "legal_hold");
  }
  if (IsTombstone(*wrapped)) {
    return Status::Gone("this transcript has expired and has been destroyed", "expired");
  }
  VAULT_ASSIGN_OR_RETURN(t.key_epoch, Keyring::WrappedEpoch(*wrapped));
  auto dek = keyring_->UnwrapKey(*wrapped, t.raw_id);
  if (!dek.ok()) {
    if (dek.status().code() == Status::Code::kGone) {
      return Status::Gone("this transcript has expired and has been destroyed", "expired");
    }
    return dek.status();
  }
  t.dek = std::move(dek).value();
  VAULT_ASSIGN_OR_RETURN(std::string sealed,
                         store_->Get(Column::kTranscripts, TranscriptKey(t.raw_id, RecordKind::kState)));
  VAULT_ASSIGN_OR_RETURN(std::string plain,
                         aead::Open(t.dek, sealed, RecordAd(t.raw_id, RecordKind::kState, 0)));
  VAULT_ASSIGN_OR_RETURN(t.state, DecodeState(plain));
  if (clock_->NowMillis() >= t.state.expires_at) {
    return Status::Gone("this transcript has expired", "expired");
  }
  return t;
}

Status VaultImpl::StageState(Loaded* t, WriteBatch* batch) {
  std::string sealed;
  VAULT_RETURN_IF_ERROR(
      SealInto(t->dek, t->raw_id, RecordKind::kState, 0, EncodeState(t->state), &sealed));
  batch->Put(Column::kTranscripts, TranscriptKey(t->raw_id, RecordKind::kState), sealed);
  const uint64_t epoch = keyring_->EpochOf(t->state.expires_at);
  if (epoch != t->key_epoch) {
    VAULT_ASSIGN_OR_RETURN(std::string wrapped, keyring_->WrapKey(epoch, t->dek, t->raw_id));
    batch->Put(Column::kWrappedKeys, t->raw_id, wrapped);
    batch->Delete(Column::kExpiryIndex, ExpiryKey(t->key_epoch, t->raw_id));
    batch->Put(Column::kExpiryIndex, ExpiryKey(epoch, t->raw_id), "");
    t->key_epoch = epoch;
  }
  return Status::OK();
}

StatusOr<AppendOutcome> VaultImpl::AppendMessage(const Caller& caller, std::string_view id,
                                                 const Message& m) {
  // Appends themselves are not audited (docs/design.md); refusals are.
  StatusOr<AppendOutcome> result = DoAppend(caller, id, m);
  if (!result.ok() && result.status().code() == Status::Code::kPermissionDenied) {
    VAULT_RETURN_IF_ERROR(AuditOutcome(caller, "transcript.append", id, result.status()));
  }
  return result;
}

StatusOr<AppendOutcome> VaultImpl::DoAppend(const Caller& caller, std::string_view id,
                                            const Message& m) {
  if (!caller.Has(Role::kWriter)) return MayNotWrite();
  VAULT_RETURN_IF_ERROR(ValidateMessage(m, options_));
  std::string raw_id;
  if (!ParseId(id, &raw_id)) return NoSuchTranscript();
  MutexLock lock(&StripeFor(raw_id));
  VAULT_ASSIGN_OR_RETURN(Loaded t, Load(id));
  if (!caller.MayWrite(t.state.service)) return MayNotWrite();
  const std::string key = MessageKey(t.raw_id, m.seq);
  auto existing = store_->Get(Column::kMessages, key);
  if (existing.ok()) {
    VAULT_ASSIGN_OR_RETURN(std::string plain,
                           aead::Open(t.dek, *existing, RecordAd(t.raw_id, RecordKind::kMessage, m.seq)));
    VAULT_ASSIGN_OR_RETURN(Message stored, DecodeMessage(plain, m.seq));
    if (stored == m) return AppendOutcome::kDuplicate;
    return Status::AlreadyExists("a different message is already stored with this seq",
                                 "seq_conflict");
  }
  if (existing.status().code() != Status::Code::kNotFound) return existing.status();
  if (t.state.state != TranscriptState::kOpen) {
    return Status::FailedPrecondition("the transcript is closed", "transcript_closed");
  }
  const UnixMillis now = clock_->NowMillis();
  t.state.last_activity = now;
  t.state.message_count += 1;
  t.state.expires_at = now + options_.retention_ms;  // open: earliest possible expiry
  WriteBatch batch;
  std::string sealed;
  VAULT_RETURN_IF_ERROR(
      SealInto(t.dek, t.raw_id, RecordKind::kMessage, m.seq, EncodeMessage(m), &sealed));
  batch.Put(Column::kMessages, key, sealed);
  VAULT_RETURN_IF_ERROR(StageState(&t, &batch));
  VAULT_RETURN_IF_ERROR(store_->Write(&batch));
  return AppendOutcome::kStored;
}

StatusOr<UnixMillis> VaultImpl::CloseTranscript(const Caller& caller, std::string_view id) {
  bool audited = false;
  StatusOr<UnixMillis> result = DoClose(caller, id, &audited);
  if (!audited) VAULT_RETURN_IF_ERROR(AuditOutcome(caller, "transcript.close", id, result.status()));
  return result;
}

StatusOr<UnixMillis> VaultImpl::DoClose(const Caller& caller, std::string_view id, bool* audited) {
  if (!caller.Has(Role::kWriter)) return MayNotWrite();
  std::string raw_id;
  if (!ParseId(id, &raw_id)) return NoSuchTranscript();
  MutexLock lock(&StripeFor(raw_id));
  VAULT_ASSIGN_OR_RETURN(Loaded t, Load(id));
  if (!caller.MayWrite(t.state.service)) return MayNotWrite();
  if (t.state.state == TranscriptState::kClosed) return t.state.expires_at;
  const UnixMillis now = clock_->NowMillis();
  WriteBatch batch;
  VAULT_RETURN_IF_ERROR(StageClose(&t, now, &batch));
  *audited = true;
  VAULT_RETURN_IF_ERROR(Audit(caller, "transcript.close", id, "ok"));
  if (Status written = store_->Write(&batch); !written.ok()) {
    const Status noted = Audit(caller, "transcript.close", id, "write_failed");
    (void)noted;
    return written;
  }
  open_count_.fetch_sub(1, std::memory_order_relaxed);
  closed_count_.fetch_add(1, std::memory_order_relaxed);
  return t.state.expires_at;
}

Status VaultImpl::StageClose(Loaded* t, UnixMillis closed_at, WriteBatch* batch) {
  t->state.state = TranscriptState::kClosed;
  t->state.closed_at = closed_at;
  t->state.last_activity = std::max(t->state.last_activity, closed_at);
  t->state.expires_at = closed_at + options_.retention_ms;
  VAULT_RETURN_IF_ERROR(StageState(t, batch));
  batch->Delete(Column::kExpiryIndex, OpenIndexKey(t->raw_id));
  batch->AddToCounter(kOpenCounter, -1);
  batch->AddToCounter(kClosedCounter, 1);
  return Status::OK();
}

Status VaultImpl::EraseTranscript(const Caller& caller, std::string_view id) {
  if (!caller.Has(Role::kAdmin)) {
    const Status refused =
        Status::PermissionDenied("only admins may erase transcripts", "forbidden");
    VAULT_RETURN_IF_ERROR(Audit(caller, "transcript.erase", id, "forbidden"));
    return refused;
  }
  std::string raw_id;
  if (!ParseId(id, &raw_id)) return AuditOutcome(caller, "transcript.erase", id, NoSuchTranscript());
  {
    MutexLock lock(&StripeFor(raw_id));
    StatusOr<Loaded> t = Load(id);
    // Erasing an erased transcript is the same success, so a client whose
    // answer was lost can safely ask again.
    if (!t.ok() && t.status().code() == Status::Code::kGone && t.status().reason() == "erased") {
      return Audit(caller, "transcript.erase", id, "ok", {{"already", "erased"}});
    }
    if (!t.ok()) return AuditOutcome(caller, "transcript.erase", id, t.status());
    const UnixMillis now = clock_->NowMillis();
    WriteBatch batch;
    std::string end = raw_id;
    end.push_back('\xff');
    batch.DeleteRange(Column::kMessages, raw_id, end);
    batch.Delete(Column::kTranscripts, TranscriptKey(raw_id, RecordKind::kVisitor));
    batch.Delete(Column::kTranscripts, TranscriptKey(raw_id, RecordKind::kState));
    batch.Put(Column::kWrappedKeys, raw_id, Tombstone(now, /*erased=*/true));
    batch.Delete(Column::kExpiryIndex, ExpiryKey(t->key_epoch, raw_id));
    batch.Delete(Column::kExpiryIndex, OpenIndexKey(raw_id));
    const bool was_open = t->state.state == TranscriptState::kOpen;
    batch.AddToCounter(was_open ? kOpenCounter : kClosedCounter, -1);
    // The tombstone answers 410 "erased" for one retention period.
    batch.Put(Column::kExpiryIndex,
              ExpiryKey(std::max(keyring_->base_epoch(),
                                 keyring_->EpochOf(now + options_.retention_ms)),
                        raw_id),
              "");
    VAULT_RETURN_IF_ERROR(Audit(caller, "transcript.erase", id, "ok"));
    if (Status written = store_->Write(&batch); !written.ok()) {
      const Status noted = Audit(caller, "transcript.erase", id, "write_failed");
      (void)noted;
      return written;
    }
    (was_open ? open_count_ : closed_count_).fetch_sub(1, std::memory_order_relaxed);
  }
  // Rewrite the files so the records and the wrapped key leave the live
  // data directory now (docs/design.md, "Erasure", says when it is final).
  // The erasure is committed already: a failed compaction is the next
  // retention run's to retry, not the caller's error.
  if (Status compacted = store_->FlushAndCompact(); !compacted.ok()) {
    shredder_->CompactionFailed();
    Log("compaction_failed", {{"after", "erase"}, {"error", OutcomeOf(compacted)}});
  }
  return Status::OK();
}

Status VaultImpl::Backup(const Caller& caller, const std::string& dir) {
  if (!caller.Has(Role::kAdmin)) {
    VAULT_RETURN_IF_ERROR(Audit(caller, "vault.backup", "", "forbidden"));
    return Status::PermissionDenied("only admins may take backups", "forbidden");
  }
  Status check = Status::OK();
  if (dir.empty() || dir.front() != '/' || dir.size() > 4096 || dir.find('\0') != std::string::npos) {
    check = Status::InvalidArgument("the backup directory must be an absolute path", "invalid_path");
  } else if (FileExists(dir)) {
    check = Status::AlreadyExists("the backup directory already exists", "backup_exists");
  } else if (!FileExists(DirName(dir))) {
    check = Status::InvalidArgument("the parent of the backup directory does not exist",
                                    "invalid_path");
  }
  // The intent before the copy, the result after it.
  VAULT_RETURN_IF_ERROR(
      Audit(caller, "vault.backup", "", check.ok() ? "started" : check.reason()));
  VAULT_RETURN_IF_ERROR(check);
  Status made = MakeBackup(dir);
  if (made.ok()) {
    made = Audit(caller, "vault.backup", "", "ok");
  } else {
    const Status noted = Audit(caller, "vault.backup", "", OutcomeOf(made));
    (void)noted;  // the copy's own error is what the caller needs
  }
  if (!made.ok()) {
    // No half-made (or unrecorded) backup is left behind. The directory did
    // not exist before this call.
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
  return made;
}

Status VaultImpl::MakeBackup(const std::string& dir) {
  VAULT_RETURN_IF_ERROR(EnsureDirectory(dir, 0700));
  VAULT_RETURN_IF_ERROR(store_->CreateCheckpoint(dir + "/db"));
  const std::string info = "{\"format\":\"transcript-vault-backup-v1\",\"created_at\":\"" +
                           FormatRfc3339(clock_->NowMillis()) + "\",\"epoch_ms\":" +
                           std::to_string(options_.epoch_ms) + ",\"base_epoch\":" +
                           std::to_string(keyring_->base_epoch()) + "}\n";
  VAULT_RETURN_IF_ERROR(WriteFileAtomically(dir + "/BACKUP.json", info, 0600));
  return FsyncDirectory(dir);
}

StatusOr<Transcript> VaultImpl::GetTranscript(const Caller& caller, std::string_view id) {
  StatusOr<Transcript> result = DoGet(caller, id);
  // Reads change nothing: the record can follow the read, and an audit
  // failure discards what was read.
  VAULT_RETURN_IF_ERROR(AuditOutcome(caller, "transcript.read", id, result.status()));
  return result;
}

StatusOr<Transcript> VaultImpl::DoGet(const Caller& caller, std::string_view id) {
  if (!caller.Has(Role::kWriter) && !caller.Has(Role::kAgent)) return MayNotRead();
  std::string raw_id;
  if (!ParseId(id, &raw_id)) return NoSuchTranscript();
  // Reads take the stripe too, so a transcript is never seen half-updated.
  MutexLock lock(&StripeFor(raw_id));
  VAULT_ASSIGN_OR_RETURN(Loaded t, Load(id));
  if (!caller.MayRead(t.state.service)) return MayNotRead();
  return ReadRecords(id, t.raw_id, t.dek, t.state);
}

StatusOr<StateRecord> VaultImpl::ReadState(const std::string& raw_id, const SecretBytes& dek) {
  VAULT_ASSIGN_OR_RETURN(std::string sealed,
                         store_->Get(Column::kTranscripts, TranscriptKey(raw_id, RecordKind::kState)));
  VAULT_ASSIGN_OR_RETURN(std::string plain,
                         aead::Open(dek, sealed, RecordAd(raw_id, RecordKind::kState, 0)));
  return DecodeState(plain);
}

StatusOr<Transcript> VaultImpl::ReadRecords(std::string_view id, const std::string& raw_id,
                                            const SecretBytes& dek, const StateRecord& state) {
  Transcript out;
  out.info.id = std::string(id);
  out.info.service = state.service;
  out.info.state = state.state;
  out.info.created_at = state.created_at;
  out.info.closed_at = state.closed_at;
  out.info.last_activity = state.last_activity;
  out.info.expires_at = state.expires_at;
  out.info.message_count = state.message_count;

  VAULT_ASSIGN_OR_RETURN(std::string sealed, store_->Get(Column::kTranscripts,
                                                         TranscriptKey(raw_id, RecordKind::kVisitor)));
  VAULT_ASSIGN_OR_RETURN(std::string plain,
                         aead::Open(dek, sealed, RecordAd(raw_id, RecordKind::kVisitor, 0)));
  VAULT_ASSIGN_OR_RETURN(out.visitor, DecodeVisitor(plain));

  Status inner;
  Status scan = store_->Scan(Column::kMessages, raw_id, [&](std::string_view k,
                                                              std::string_view v) {
    if (k.size() != kIdBytes + 8) {
      inner = Status::Corruption("message key has the wrong length");
      return false;
    }
    const uint64_t seq = GetU64(k.data() + kIdBytes);
    auto p = aead::Open(dek, v, RecordAd(raw_id, RecordKind::kMessage, seq));
    if (!p.ok()) { inner = p.status(); return false; }
    auto msg = DecodeMessage(*p, seq);
    if (!msg.ok()) { inner = msg.status(); return false; }
    out.messages.push_back(std::move(msg).value());
    return true;
  });
  VAULT_RETURN_IF_ERROR(scan);
  VAULT_RETURN_IF_ERROR(inner);
  if (out.messages.size() != state.message_count) {
    return Status::Corruption("the number of stored messages does not match the transcript state");
  }
  return out;
}

Status VaultImpl::CompactAll() { return store_->FlushAndCompact(); }

Status VaultImpl::Audit(const Caller& caller, std::string_view action, std::string_view object_id,
                        std::string_view outcome,
                        std::vector<std::pair<std::string, std::string>> details,
                        uint64_t* seq_out) {
  audit::AccessEvent event;
  event.actor.uid = caller.uid;
  event.actor.role = caller.system ? "system"
                     : caller.roles.empty() ? "none"
                                            : caller.roles.ToString();
  event.action = std::string(action);
  // Only well-formed ids are recorded: anything else is caller input.
  std::string raw;
  if (ParseId(object_id, &raw)) event.objects.push_back(std::string(object_id));
  event.outcome = std::string(outcome);
  event.request_id = caller.request_id;
  event.details = std::move(details);
  event.details.emplace_back("pid", std::to_string(caller.pid));
  event.details.emplace_back("gid", std::to_string(caller.gid));
  StatusOr<uint64_t> seq = audit_->Append(event);
  if (!seq.ok()) {
    return Status::Unavailable(
        "the audit log cannot record this access, so it was not performed: " +
            seq.status().message(),
        "audit_unavailable");
  }
  if (seq_out != nullptr) *seq_out = *seq;
  return Status::OK();
}

Status VaultImpl::AuditOutcome(const Caller& caller, std::string_view action,
                               std::string_view object_id, const Status& result) {
  VAULT_RETURN_IF_ERROR(
      Audit(caller, action, object_id, result.ok() ? "ok" : OutcomeOf(result)));
  return result;
}

Status VaultImpl::RecordRefusal(const Caller& caller, std::string_view action,
                                std::string_view object_id, std::string_view reason) {
  return Audit(caller, action, object_id, reason);
}

void VaultImpl::Log(std::string_view event, const Options::LogFields& fields) const {
  if (options_.log) options_.log(event, fields);
}

Status VaultImpl::CheckAuditor(const Caller& caller, std::string_view what) {
  const bool allowed = caller.Has(Role::kAuditor);
  VAULT_RETURN_IF_ERROR(Audit(caller, "audit.read", "", allowed ? "ok" : "forbidden",
                              {{"what", std::string(what)}}));
  if (!allowed) {
    return Status::PermissionDenied("only auditors may read the audit log", "forbidden");
  }
  return Status::OK();
}

StatusOr<AuditStatus> VaultImpl::GetAuditStatus(const Caller& caller) {
  VAULT_RETURN_IF_ERROR(CheckAuditor(caller, "status"));
  AuditStatus out;
  out.origin = audit_->Origin();
  const audit::PublicKey key = audit_->GenesisKey();
  out.genesis_key = audit::Base64(key.data(), key.size());
  out.checkpoint = audit_->LatestCheckpoint();
  out.size = audit_->Size();
  for (const auto& [number, bytes] : audit_->Segments()) out.segments.push_back({number, bytes});
  return out;
}

StatusOr<std::vector<AuditRecordView>> VaultImpl::ReadAuditRecords(const Caller& caller,
                                                                   uint64_t from, size_t limit) {
  if (limit == 0 || limit > 1000) {
    return Status::InvalidArgument("limit must be from 1 to 1000", "invalid_limit");
  }
  VAULT_RETURN_IF_ERROR(CheckAuditor(caller, "records"));
  VAULT_ASSIGN_OR_RETURN(std::vector<audit::StoredRecord> records, audit_->Read(from, limit));
  std::vector<AuditRecordView> out;
  out.reserve(records.size());
  for (const audit::StoredRecord& r : records) {
    AuditRecordView view;
    view.seq = r.record.seq;
    view.type = audit::RecordTypeName(r.record.type);
    view.time = r.record.time_ms;
    view.prev = ToHex(std::string_view(reinterpret_cast<const char*>(r.record.prev.data()),
                                       r.record.prev.size()));
    view.hash = ToHex(std::string_view(reinterpret_cast<const char*>(r.hash.data()), r.hash.size()));
    view.payload = r.record.payload;
    out.push_back(std::move(view));
  }
  return out;
}

StatusOr<std::string> VaultImpl::ReadAuditSegment(const Caller& caller, uint64_t number) {
  VAULT_RETURN_IF_ERROR(CheckAuditor(caller, "segment"));
  // The record above may have rotated to a new segment: list after it.
  for (const auto& [n, bytes] : audit_->Segments()) {
    if (n != number) continue;
    VAULT_ASSIGN_OR_RETURN(std::string content,
                           ReadSmallFile(audit_->SegmentPath(n), options_.audit_segment_bytes * 2));
    if (content.size() < bytes) return Status::Corruption("audit segment is shorter than recorded");
    content.resize(bytes);  // only what is durable
    return content;
  }
  return Status::NotFound("no audit segment with this number", "not_found");
}

VaultMetrics VaultImpl::Metrics() {
  const Store::Stats stats = store_->GetStats();
  VaultMetrics m;
  // A negative count could only come from a damaged counter; show 0, not 2^64.
  m.open_transcripts = static_cast<uint64_t>(std::max<int64_t>(0, open_count_.load()));
  m.closed_transcripts = static_cast<uint64_t>(std::max<int64_t>(0, closed_count_.load()));
  m.held_transcripts = static_cast<uint64_t>(std::max<int64_t>(0, held_count_.load()));
  m.sst_bytes = stats.sst_bytes;
  m.wal_bytes = stats.wal_bytes;
  m.synced_writes = stats.synced_writes;
  m.failed_writes = stats.failed_writes;
  m.wal_syncs = stats.wal_syncs;
  m.last_shred_at_ms = shredder_->last_shred_at();
  m.last_retention_run_ms = shredder_->last_run_at();
  m.base_epoch = keyring_->base_epoch();
  m.shredded_total = shredder_->shredded_total();
  m.overdue_transcripts = shredder_->overdue();  // counted by the last retention run
  m.retention_damaged = shredder_->damaged();
  m.compaction_failures = shredder_->compaction_failures();
  return m;
}

}  // namespace vault
