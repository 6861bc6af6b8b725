// VaultImpl and the audit log: appending a caller's access records (fail
// closed), recording refusals, logging, and the auditor's reads (status,
// records, segments).
#include <string>
#include <utility>
#include <vector>

#include "vault/audit/note.h"
#include "vault/audit/record.h"
#include "vault/common/encoding.h"
#include "vault/common/file_util.h"
#include "vault/common/time_format.h"
#include "vault/core/vault_impl.h"
#include "vault/core/vault_internal.h"

namespace vault {

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
  PublishRefusal(caller, action, outcome, *seq);
  return Status::OK();
}

AuditDetails VaultImpl::KeyFacts(uint64_t key_epoch, UnixMillis expires_at) {
  return {{"key_epoch", std::to_string(key_epoch)}, {"expires_at", FormatRfc3339(expires_at)}};
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

}  // namespace vault
