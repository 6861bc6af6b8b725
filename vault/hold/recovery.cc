// LegalHold: officers' offline shares, and recovering a case into this vault
// from the backup of a vault that lost its keys/ (a recover request). Design:
// docs/design.md section 23.8.
//
// A recovery trusts nothing the filer says about the case except what can be
// checked: the lost vault's audit log, verified against that vault's id,
// must name the dealing of the offline shares as the case's latest (and no
// release after it); the shares must match that dealing's commitments and
// combine to its public key; and the combined key must open every hold entry
// of the case in the backup before anything is copied.
#include <sys/stat.h>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "vault/common/encoding.h"
#include "vault/common/failpoint.h"
#include "vault/crypto/aead.h"
#include "vault/crypto/box.h"
#include "vault/hold/hold_internal.h"
#include "vault/hold/legal_hold.h"
#include "vault/officer/statement.h"
#include "vault/storage/schema.h"
#include "vault/storage/store.h"

namespace vault {
namespace {

using safeguard::StoredCase;
using safeguard::StoredOfficer;
using safeguard::StoredShare;

constexpr size_t kMaxPathBytes = 4096;

Status InvalidDealing(const std::string& why) {
  return Status::InvalidArgument("the dealing " + why, "invalid_dealing");
}

Status ValidateDealing(const Dealing& d) {
  VAULT_RETURN_IF_ERROR(ValidateCaseId(d.case_id));
  if (d.public_key.size() != 32) return InvalidDealing("needs a 32-byte public key");
  VAULT_RETURN_IF_ERROR(ValidateThreshold(d.threshold));
  if (d.shares.size() < static_cast<size_t>(d.threshold) || d.shares.size() > 255) {
    return InvalidDealing("must list from its threshold to 255 shares");
  }
  int last_x = 0;
  std::set<std::string> holders;
  for (const DealtShare& s : d.shares) {
    if (s.x <= last_x || s.x > 255) return InvalidDealing("must list its shares by increasing x, 1 to 255");
    last_x = s.x;
    VAULT_RETURN_IF_ERROR(ValidateOfficerId(s.officer));
    if (!holders.insert(s.officer).second) return InvalidDealing("names an officer twice");
    if (s.commitment.size() != 32) return InvalidDealing("needs 32-byte commitments");
  }
  return Status::OK();
}

// Absolute, at most 4096 bytes, no control character (a path is a line of
// the request text approvers sign).
bool ValidPath(const std::string& p) {
  if (p.empty() || p.front() != '/' || p.size() > kMaxPathBytes) return false;
  for (unsigned char ch : p) {
    if (ch < 0x20 || ch == 0x7f) return false;
  }
  return true;
}

// A file the vault may open: regular, not a FIFO or a device that would
// block a read under legal hold's lock.
bool IsRegularFile(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

}  // namespace

StatusOr<ShareExport> LegalHold::ExportShare(const Caller& caller, const ShareExportRequest& r) {
  constexpr std::string_view kAction = "case.share_export";
  const std::string& officer_id = r.signed_by.officer;
  auto refuse = [&](const Status& why) {
    return RefuseOfficer(caller, kAction, "", officer_id, r.case_id, why);
  };
  if (!caller.Has(Role::kOfficer)) return refuse(NotAnOfficer());
  if (Status s = ValidateCaseId(r.case_id); !s.ok()) return refuse(s);
  MutexLock l(&mu_);
  StatusOr<const StoredOfficer*> officer =
      CheckStatement(r.signed_by, safeguard::ShareExportStatement(VaultId(), r));
  if (!officer.ok()) return refuse(officer.status());
  const StoredCase* c = cases_->state().FindCase(r.case_id);
  if (c == nullptr) return refuse(NoCase());
  if (c->state != "open") {
    return refuse(Status::FailedPrecondition("this case has been released", "case_released"));
  }
  const StoredShare* mine = nullptr;
  for (const StoredShare& s : c->shares) {
    if (s.officer == officer_id) mine = &s;
  }
  if (mine == nullptr) {
    return refuse(Status::PermissionDenied(
        "this officer holds no share of this case's current dealing", "no_share"));
  }
  ShareExport e;
  e.vault_id = VaultId();
  e.officer = officer_id;
  e.dealing = DealingOf(*c);
  e.sealed_share = mine->sealed;
  AuditStamp stamp;
  VAULT_RETURN_IF_ERROR(host_->AuditCaller(
      caller, kAction, "", "ok",
      {{"officer", officer_id}, {"case", c->id}, {"dealing", safeguard::DealingDigest(e.dealing)}},
      &stamp));
  e.exported_at = stamp.time;
  e.audit_seq = stamp.seq;
  return e;
}

StatusOr<size_t> LegalHold::CheckRecovery(const RecoverySource& source, std::string_view case_id) {
  const Dealing& d = source.dealing;
  if (d.case_id != case_id) {
    return Status::InvalidArgument("the dealing is of another case", "invalid_dealing");
  }
  VAULT_RETURN_IF_ERROR(ValidateDealing(d));
  if (!ValidPath(source.backup_dir) || !ValidPath(source.audit_dir)) {
    return Status::InvalidArgument("the backup and the audit log must be absolute paths",
                                   "invalid_path");
  }
  if (source.previous_vault == VaultId()) {
    return Status::InvalidArgument("the lost vault must be another vault than this one",
                                   "invalid_vault_id");
  }
  // This vault can take the case: it is new here, or a recovery of it was
  // interrupted (the case was written, its transcripts not yet) and this
  // one finishes it.
  if (const StoredCase* here = cases_->state().FindCase(case_id); here != nullptr) {
    if (here->state != "open" || here->recovered_at == 0 || here->public_key != d.public_key) {
      return Status::AlreadyExists("a case with this id exists in this vault already",
                                   "case_exists");
    }
  }
  VAULT_RETURN_IF_ERROR(CheckDealable(d.threshold));
  // The lost vault's own log says which dealing is the case's latest.
  VAULT_ASSIGN_OR_RETURN(LoggedDealing logged,
                         host_->LatestDealing(source.audit_dir, source.previous_vault, case_id));
  if (!logged.found) {
    return Status::FailedPrecondition("the lost vault's audit log never opened this case",
                                      "unknown_case");
  }
  if (logged.released) {
    return Status::FailedPrecondition(
        "the lost vault's audit log records this case's release; nothing of it may be recovered",
        "case_released");
  }
  if (logged.digest.empty()) {
    return Status::FailedPrecondition(
        "the audit log's latest dealing of this case (record " + std::to_string(logged.seq) +
            ") was written before dealings were recorded; it cannot be checked",
        "dealing_unrecorded");
  }
  if (logged.digest != safeguard::DealingDigest(d)) {
    return Status::FailedPrecondition(
        "these shares are not of the case's latest dealing (audit record " +
            std::to_string(logged.seq) + "); use the shares exported since then",
        "not_latest_dealing");
  }
  // The messages say which check failed, never what the file system holds.
  const Status not_a_backup = Status::InvalidArgument(
      "the backup directory holds no store the vault can open (DIR/db/)", "invalid_backup");
  if (!IsRegularFile(source.backup_dir + "/db/CURRENT")) return not_a_backup;
  StatusOr<std::unique_ptr<Store>> backup = Store::OpenReadOnly(source.backup_dir + "/db");
  if (!backup.ok()) return not_a_backup;
  size_t held = 0;
  const std::string prefix = CaseHoldPrefix(case_id);
  VAULT_RETURN_IF_ERROR((*backup)->Scan(Column::kHolds, prefix,
                                        [&](std::string_view k, std::string_view) {
                                          if (k.size() == prefix.size() + kIdBytes) ++held;
                                          return true;
                                        }));
  if (held == 0) {
    return Status::FailedPrecondition("the backup holds no held transcript of this case",
                                      "nothing_to_recover");
  }
  return held;
}

Status LegalHold::ExecuteRecover(const Caller& caller, const RequestInfo& request,
                                 const SecretBytes& case_secret, ApprovalResult* result) {
  const RecoverySource& source = request.recovery;
  // Checked again: the log and the backup are files, and may have changed
  // since the request was filed.
  VAULT_RETURN_IF_ERROR(CheckRecovery(source, request.case_id).status());
  VAULT_ASSIGN_OR_RETURN(std::unique_ptr<Store> backup,
                         Store::OpenReadOnly(source.backup_dir + "/db"));
  VAULT_ASSIGN_OR_RETURN(BoxKeyPair case_key, BoxKeyPair::FromSecret(case_secret));
  const UnixMillis now = clock_->NowMillis();

  // The case, as this vault will hold it: the same key pair, a fresh dealing
  // to the officers enrolled here, a new visitor-index key.
  safeguard::SafeguardState next = cases_->state();
  const StoredCase* here = next.FindCase(request.case_id);
  const bool resumed = here != nullptr;
  StoredCase c;
  if (resumed) {
    c = *here;
  } else {
    c.id = request.case_id;
    c.reason = request.reason;
    c.opened_by = request.filed_by;
    c.opened_at = now;
    c.recovered_at = now;
    c.public_key = source.dealing.public_key;
    c.threshold = source.dealing.threshold;
    VAULT_ASSIGN_OR_RETURN(c.shares,
                           DealShares(c.id, case_secret, c.threshold, ActiveOfficers(next)));
    VAULT_ASSIGN_OR_RETURN(CaseIndexKey index_key, CaseIndexKey::Generate());
    c.index_key = std::make_shared<const CaseIndexKey>(std::move(index_key));
  }

  // Every held transcript of the case in the backup: its DEK must open with
  // the recovered key before anything is written.
  std::vector<std::string> raw_ids;
  const std::string prefix = CaseHoldPrefix(c.id);
  VAULT_RETURN_IF_ERROR(backup->Scan(Column::kHolds, prefix, [&](std::string_view k, std::string_view) {
    if (k.size() == prefix.size() + kIdBytes) raw_ids.emplace_back(k.substr(prefix.size()));
    return true;
  }));
  // Checked first, all of them, so that nothing is written for a backup
  // whose transcripts do not all open: the DEK from the hold entry, then the
  // records with it (StageRecovered, into a batch that is thrown away).
  struct ToCopy {
    std::string raw;
    std::string hold_entry;
    SecretBytes dek;
  };
  std::vector<ToCopy> to_copy;
  uint64_t present = 0;
  for (const std::string& raw : raw_ids) {
    if (store_->Get(Column::kHolds, HoldKey(raw, c.id)).ok()) {
      ++present;  // copied by the interrupted recovery this one finishes
      continue;
    }
    VAULT_ASSIGN_OR_RETURN(std::string value, backup->Get(Column::kHolds, HoldKey(raw, c.id)));
    UnixMillis at = 0;
    std::string by;
    std::string_view sealed;
    if (!DecodeHold(value, &at, &by, &sealed)) {
      return Status::Corruption("a hold entry of the backup is malformed", "invalid_backup");
    }
    StatusOr<SecretBytes> dek = OpenBoundKey(case_key, sealed, HeldDekLabel(raw), aead::kKeyBytes);
    if (!dek.ok()) {
      return Status::Corruption(
          "a held key of the backup does not open with the recovered case key", "invalid_backup");
    }
    WriteBatch probe;
    VAULT_RETURN_IF_ERROR(host_->StageRecovered(*backup, raw, *dek, *c.index_key, &probe));
    to_copy.push_back({raw, std::move(value), std::move(dek).value()});
  }
  const uint64_t recovered = to_copy.size();
  result->recovered = recovered;

  std::vector<std::string> holders;
  for (const StoredShare& s : c.shares) holders.push_back(s.officer);
  AuditDetails details{{"previous_vault", source.previous_vault},
                       {"from_dealing", safeguard::DealingDigest(source.dealing)},
                       {"recovered", std::to_string(recovered)},
                       {"already_recovered", std::to_string(present)},
                       {"threshold", std::to_string(c.threshold)},
                       {"share_holders", JoinIds(holders)},
                       {"dealing", safeguard::DealingDigest(DealingOf(c))}};
  // The case key becomes active here, with this vault's first dealing of
  // it; a recovery that finishes an interrupted one changes no key.
  if (!resumed) details.emplace_back(kKeysDetail, FormatKeyTransitions(CaseKeysOpened(c)));
  VAULT_RETURN_IF_ERROR(AuditExecution(caller, "case.recover", request, std::move(details), result));
  // The case first, then its transcripts: a crash in between leaves the case
  // with fewer holds than the backup, which the same recovery, filed again,
  // completes; never a hold entry whose case, or an index entry whose key,
  // this vault does not have.
  if (!resumed) {
    next.cases.push_back(c);
    VAULT_RETURN_IF_ERROR(CommitCases(std::move(next)));
  }
  Failpoint("recovery.case_committed");
  // A few transcripts per batch, so that a large case is not held in memory
  // whole; a crash between batches leaves what the next recovery of the
  // case completes, as above.
  constexpr size_t kTranscriptsPerBatch = 32;
  for (size_t from = 0; from < to_copy.size(); from += kTranscriptsPerBatch) {
    const size_t to = std::min(to_copy.size(), from + kTranscriptsPerBatch);
    WriteBatch batch;
    for (size_t i = from; i < to; ++i) {
      const ToCopy& t = to_copy[i];
      VAULT_RETURN_IF_ERROR(host_->StageRecovered(*backup, t.raw, t.dek, *c.index_key, &batch));
      // The hold entries unchanged: the DEK stays sealed to the same case key.
      batch.Put(Column::kHolds, HoldKey(t.raw, c.id), t.hold_entry);
      batch.Put(Column::kHolds, CaseHoldPrefix(c.id) + t.raw, "");
    }
    VAULT_RETURN_IF_ERROR(store_->Write(&batch));
    host_->OnHoldsMoved(static_cast<int64_t>(to - from), 0);
  }
  return Status::OK();
}

}  // namespace vault
