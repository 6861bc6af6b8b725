// VaultImpl: erasing a transcript (an admin's call) and taking a backup.
#include <fcntl.h>
#include <stdio.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>

#include "vault/common/failpoint.h"
#include "vault/common/file_util.h"
#include "vault/common/time_format.h"
#include "vault/core/vault_impl.h"
#include "vault/core/vault_internal.h"

namespace vault {

namespace {

// Where a backup into `dir` is made before it is complete: the hidden
// sibling "<parent>/.<name>.incomplete".
std::string IncompleteBackupPath(const std::string& dir) {
  const size_t slash = dir.rfind('/');
  return dir.substr(0, slash + 1) + "." + dir.substr(slash + 1) + ".incomplete";
}

}  // namespace

Status VaultImpl::EraseTranscript(const Caller& caller, std::string_view id,
                                  EraseReason reason) {
  const bool visitor_request = reason == EraseReason::kVisitorRequest;
  AuditDetails why;
  if (visitor_request) why.emplace_back("reason", "visitor_request");
  auto audit = [&](std::string_view outcome, AuditDetails more = {}) {
    AuditDetails details = why;
    for (auto& d : more) details.push_back(std::move(d));
    return Audit(caller, "transcript.erase", id, outcome, std::move(details));
  };
  auto refuse = [&](Status status) {
    VAULT_RETURN_IF_ERROR(audit(OutcomeOf(status)));
    return status;
  };
  // An admin erases any transcript; a writer only one of its own services,
  // and only because the visitor asked (docs/design.md section 21).
  const bool admin = caller.Has(Role::kAdmin);
  if (!admin && !(visitor_request && caller.Has(Role::kWriter))) {
    return refuse(Status::PermissionDenied(
        caller.Has(Role::kWriter)
            ? "a writer may erase a transcript only at the visitor's request (reason visitor_request)"
            : "only admins, or writers at the visitor's request, may erase transcripts",
        "forbidden"));
  }
  std::string raw_id;
  if (!ParseId(id, &raw_id)) return refuse(NoSuchTranscript());
  uint64_t erasure = 0;
  {
    StripeLock lock(&StripeFor(raw_id));
    StatusOr<Loaded> t = Load(id);
    // Erasing an erased transcript is the same success, so a client whose
    // answer was lost can safely ask again. (Its service is gone with its
    // records: a writer's repeat cannot be checked against it, and learns
    // only that an id it holds is erased.)
    if (!t.ok() && t.status().code() == Status::Code::kGone && t.status().reason() == "erased") {
      return audit("ok", {{"already", "erased"}});
    }
    if (!t.ok()) return refuse(t.status());
    if (!admin && !caller.MayWrite(t->state.service)) {
      return refuse(Status::PermissionDenied(
          "this caller may not erase transcripts of this service", "service_forbidden"));
    }
    VAULT_ASSIGN_OR_RETURN(erasure, CommitErasure(caller, id, *t, why));
  }
  CompactAfterErase(erasure);
  return Status::OK();
}

StatusOr<uint64_t> VaultImpl::CommitErasure(const Caller& caller, std::string_view id,
                                            const Loaded& t, const AuditDetails& why) {
  const std::string& raw_id = t.raw_id;
  const UnixMillis now = clock_->NowMillis();
  WriteBatch batch;
  // The visitor-index entries go too: nothing may link an identifier to an
  // erased transcript.
  VAULT_ASSIGN_OR_RETURN(Visitor visitor, ReadVisitor(raw_id, t.dek));
  const std::vector<Identifier> ids = IndexedIdentifiers(visitor);
  VAULT_RETURN_IF_ERROR(index_.StageRemove(t.key_epoch, raw_id, ids, &batch));
  // Whether its visitor still has another transcript here is no longer
  // known from memory alone: the next open of that visitor searches.
  presence_->MarkRecheck(t.state.service, ids, t.key_epoch);
  std::string end = raw_id;
  end.push_back('\xff');
  batch.DeleteRange(Column::kMessages, raw_id, end);
  batch.Delete(Column::kTranscripts, TranscriptKey(raw_id, RecordKind::kVisitor));
  batch.Delete(Column::kTranscripts, TranscriptKey(raw_id, RecordKind::kState));
  batch.Put(Column::kWrappedKeys, raw_id, Tombstone(now, /*erased=*/true));
  batch.Delete(Column::kExpiryIndex, ExpiryKey(t.key_epoch, raw_id));
  batch.Delete(Column::kExpiryIndex, OpenIndexKey(raw_id));
  const bool was_open = t.state.state == TranscriptState::kOpen;
  batch.AddToCounter(was_open ? kOpenCounter : kClosedCounter, -1);
  // The tombstone answers 410 "erased" for one retention period.
  batch.Put(Column::kExpiryIndex,
            ExpiryKey(std::max(keyring_->base_epoch(), keyring_->EpochOf(now + options_.retention_ms)),
                      raw_id),
            "");
  VAULT_RETURN_IF_ERROR(Audit(caller, "transcript.erase", id, "ok", why));
  if (Status written = store_->Write(&batch); !written.ok()) {
    const Status noted = Audit(caller, "transcript.erase", id, "write_failed", why);
    (void)noted;
    return written;
  }
  (was_open ? open_count_ : closed_count_).fetch_sub(1, std::memory_order_relaxed);
  // An Idempotency-Key no longer answers with the erased transcript.
  idempotent_opens_->Forget(id);
  PublishTranscriptEvent(EventType::kErased, id, t.state.service);
  return erasures_committed_.fetch_add(1, std::memory_order_acq_rel) + 1;
}

void VaultImpl::CompactAfterErase(uint64_t erasure) {
  // Rewrite the files so the records and the wrapped key leave the live
  // data directory now (docs/design.md, "Erasure", says when it is final).
  // One compaction serves every erasure committed before it began, so
  // erasures that arrive together (a visitor's request replayed, several
  // chats at once) share one instead of queueing one each.
  MutexLock serial(&erase_compact_mu_);
  if (erasures_compacted_ >= erasure) return;  // one that began after ours ran
  const uint64_t covered = erasures_committed_.load(std::memory_order_acquire);
  // The erasure is committed already: a failed compaction is the next
  // retention run's to retry, not the caller's error.
  if (Status compacted = store_->FlushAndCompact(); !compacted.ok()) {
    shredder_->CompactionFailed();
    Log("compaction_failed", {{"after", "erase"}, {"error", OutcomeOf(compacted)}});
    return;
  }
  erasures_compacted_ = covered;
}

Status VaultImpl::Backup(const Caller& caller, const std::string& dir) {
  if (!caller.Has(Role::kAdmin)) {
    VAULT_RETURN_IF_ERROR(Audit(caller, "vault.backup", "", "forbidden"));
    return Status::PermissionDenied("only admins may take backups", "forbidden");
  }
  // One backup at a time: a backup removes what a killed one into the same
  // path left behind, and must never remove one still being made.
  MutexLock serial(&backup_mu_);
  Status check = Status::OK();
  if (dir.empty() || dir.front() != '/' || dir.size() > 4096 || dir.find('\0') != std::string::npos) {
    check = Status::InvalidArgument("the backup directory must be an absolute path", "invalid_path");
  } else if (FileExists(dir)) {
    check = Status::AlreadyExists("the backup directory already exists", "backup_exists");
  } else if (!FileExists(DirName(dir))) {
    check = Status::InvalidArgument("the parent of the backup directory does not exist",
                                    "invalid_path");
  }
  // The copy is made in a hidden sibling and renamed to `dir` once complete:
  // `dir` never exists half-made, and a backup killed half-way leaves only
  // the sibling, which the next backup into the same path removes.
  const std::string partial = check.ok() ? IncompleteBackupPath(dir) : std::string();
  std::error_code probe;
  const bool stale = check.ok() && std::filesystem::symlink_status(partial, probe).type() !=
                                       std::filesystem::file_type::not_found;
  AuditDetails details;
  if (stale) details.emplace_back("incomplete", "removed");
  // The intent before the copy, the result after it.
  VAULT_RETURN_IF_ERROR(Audit(caller, "vault.backup", "", check.ok() ? "started" : check.reason(),
                              std::move(details)));
  VAULT_RETURN_IF_ERROR(check);
  Status made = Status::OK();
  if (stale) {
    std::error_code removed;
    std::filesystem::remove_all(partial, removed);
    if (removed) {
      made = Status::IOError("cannot remove an incomplete backup: " + removed.message(),
                             "io_error");
    } else {
      Log("backup_incomplete_removed", {});
    }
  }
  bool renamed = false;
  if (made.ok()) made = MakeBackup(partial);
  if (made.ok()) {
    // RENAME_NOREPLACE: a directory created at `dir` meanwhile is not
    // replaced.
    if (::renameat2(AT_FDCWD, partial.c_str(), AT_FDCWD, dir.c_str(), RENAME_NOREPLACE) != 0) {
      made = errno == EEXIST
                 ? Status::AlreadyExists("the backup directory already exists", "backup_exists")
                 : Status::IOError("cannot rename the backup into place: " +
                                       std::string(std::strerror(errno)),
                                   "io_error");
    } else {
      renamed = true;
      made = FsyncDirectory(DirName(dir));
    }
  }
  if (made.ok()) {
    made = Audit(caller, "vault.backup", "", "ok");
  } else {
    const Status noted = Audit(caller, "vault.backup", "", OutcomeOf(made));
    (void)noted;  // the copy's own error is what the caller needs
  }
  if (!made.ok()) {
    // No half-made (or unrecorded) backup is left behind. `dir` did not
    // exist before this call; the sibling is this call's own.
    std::error_code ignored;
    std::filesystem::remove_all(partial, ignored);
    if (renamed) std::filesystem::remove_all(dir, ignored);
  }
  return made;
}

Status VaultImpl::MakeBackup(const std::string& dir) {
  VAULT_RETURN_IF_ERROR(EnsureDirectory(dir, 0700));
  VAULT_RETURN_IF_ERROR(store_->CreateCheckpoint(dir + "/db"));
  Failpoint("backup.after_checkpoint");
  const std::string info = "{\"format\":\"transcript-vault-backup-v1\",\"created_at\":\"" +
                           FormatRfc3339(clock_->NowMillis()) + "\",\"epoch_ms\":" +
                           std::to_string(options_.epoch_ms) + ",\"base_epoch\":" +
                           std::to_string(keyring_->base_epoch()) + "}\n";
  VAULT_RETURN_IF_ERROR(WriteFileAtomically(dir + "/BACKUP.json", info, 0600));
  VAULT_RETURN_IF_ERROR(FsyncDirectory(dir));
  Failpoint("backup.before_rename");
  return Status::OK();
}

}  // namespace vault
