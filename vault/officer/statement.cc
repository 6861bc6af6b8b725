#include "vault/officer/statement.h"

#include "vault/common/encoding.h"
#include "vault/common/time_format.h"
#include "vault/crypto/hash.h"
#include "vault/officer/officer.h"

namespace vault::safeguard {

std::string ReasonHash(std::string_view reason) {
  return ToHex(Blake2b("TV-reason-v1", reason, 32));
}

std::string StatementText(std::string_view action, std::string_view vault_id,
                          std::string_view officer,
                          const std::vector<std::pair<std::string, std::string>>& fields,
                          UnixMillis time) {
  std::string text = "transcript-vault officer statement v1\n";
  text += "action: " + std::string(action) + "\n";
  text += "vault: " + std::string(vault_id) + "\n";
  text += "officer: " + std::string(officer) + "\n";
  for (const auto& [name, value] : fields) text += name + ": " + value + "\n";
  text += "time: " + FormatRfc3339(time) + "\n";
  return text;
}

namespace {

std::string Join(const std::vector<std::string>& ids) {
  std::string out;
  for (const std::string& id : ids) {
    if (!out.empty()) out.push_back(',');
    out += id;
  }
  return out;
}

}  // namespace

std::string CaseOpenStatement(std::string_view vault_id, const CaseOpening& o) {
  std::vector<std::pair<std::string, std::string>> fields{{"case", o.case_id},
                                                          {"reason-hash", ReasonHash(o.reason)}};
  // Only an opening that chooses its threshold names it, so an opening
  // that does not signs the same text as before thresholds were chosen.
  if (o.threshold != 0) fields.emplace_back("threshold", std::to_string(o.threshold));
  return StatementText("case.open", vault_id, o.signed_by.officer, fields, o.signed_by.time);
}

std::string HoldStatement(std::string_view vault_id, const HoldPlacement& h) {
  return StatementText("hold.place", vault_id, h.signed_by.officer,
                       {{"case", h.case_id}, {"transcript", h.transcript_id}}, h.signed_by.time);
}

std::string DealingText(const Dealing& d) {
  std::string text = "transcript-vault dealing v1\n";
  text += "case: " + d.case_id + "\n";
  text += "public-key: " + ToBase64(d.public_key) + "\n";
  text += "threshold: " + std::to_string(d.threshold) + "\n";
  text += "dealt-at: " + FormatRfc3339(d.dealt_at) + "\n";
  for (const DealtShare& s : d.shares) {
    text += "share: " + std::to_string(s.x) + " " + s.officer + " " + ToHex(s.commitment) + "\n";
  }
  return text;
}

std::string DealingDigest(const Dealing& dealing) {
  return ToHex(Blake2b("TV-dealing-v1", DealingText(dealing), 32));
}

std::string RecoverySourceDigest(const RecoverySource& r) {
  std::string text = "transcript-vault recovery source v1\n";
  text += "backup: " + r.backup_dir + "\n";
  text += "audit: " + r.audit_dir + "\n";
  text += "previous-vault: " + r.previous_vault + "\n";
  text += "dealing: " + DealingDigest(r.dealing) + "\n";
  return ToHex(Blake2b("TV-recovery-v1", text, 32));
}

std::string ShareExportStatement(std::string_view vault_id, const ShareExportRequest& r) {
  return StatementText("case.share_export", vault_id, r.signed_by.officer, {{"case", r.case_id}},
                       r.signed_by.time);
}

std::string OfflineShareText(const ShareExport& e) {
  std::string text = "transcript-vault offline share v1\n";
  text += "vault: " + e.vault_id + "\n";
  text += "officer: " + e.officer + "\n";
  text += "dealing: " + DealingDigest(e.dealing) + "\n";
  text += "sealed-share: " + ToBase64(e.sealed_share) + "\n";
  text += "exported-at: " + FormatRfc3339(e.exported_at) + "\n";
  return text;
}

std::string RequestFileStatement(std::string_view vault_id, const RequestFiling& f) {
  std::vector<std::pair<std::string, std::string>> fields{
      {"kind", RequestKindName(f.kind)},
      {"case", f.case_id},
      {"transcripts", Join(f.transcripts)},
      {"reason-hash", ReasonHash(f.reason)},
      {"expires-at", FormatRfc3339(f.expires_at)}};
  // A reshare's threshold (0: keep the case's); unseal and release have none.
  if (f.kind == RequestKind::kReshare) {
    fields.emplace_back("threshold", std::to_string(f.threshold));
  }
  if (f.kind == RequestKind::kRecover) {
    fields.emplace_back("recovery", RecoverySourceDigest(f.recovery));
  }
  return StatementText("request.file", vault_id, f.signed_by.officer, fields, f.signed_by.time);
}

std::string RequestText(std::string_view vault_id, const RequestInfo& r) {
  std::string text = "transcript-vault request v1\n";
  text += "vault: " + std::string(vault_id) + "\n";
  text += "request: " + r.id + "\n";
  text += "kind: " + std::string(RequestKindName(r.kind)) + "\n";
  text += "case: " + r.case_id + "\n";
  text += "transcripts: " + Join(r.transcripts) + "\n";
  if (r.kind == RequestKind::kReshare) text += "threshold: " + std::to_string(r.threshold) + "\n";
  if (r.kind == RequestKind::kRecover) {
    // What the approvers agree to: which backup and log, which lost vault,
    // and the dealing (its digest covers the case key and every share).
    text += "threshold: " + std::to_string(r.threshold) + "\n";
    text += "backup: " + r.recovery.backup_dir + "\n";
    text += "audit: " + r.recovery.audit_dir + "\n";
    text += "previous-vault: " + r.recovery.previous_vault + "\n";
    text += "public-key: " + ToBase64(r.recovery.dealing.public_key) + "\n";
    text += "dealing: " + DealingDigest(r.recovery.dealing) + "\n";
  }
  text += "reason-hash: " + r.reason_hash + "\n";
  text += "filed-by: " + r.filed_by + "\n";
  text += "filed-at: " + FormatRfc3339(r.filed_at) + "\n";
  text += "expires-at: " + FormatRfc3339(r.expires_at) + "\n";
  text += "request-key: " + r.request_key + "\n";
  return text;
}

std::string ApprovalMessage(std::string_view request_text, std::string_view officer,
                            std::string_view resealed_share) {
  std::string m = "transcript-vault approval v1\n";
  m += request_text;
  m += "officer: " + std::string(officer) + "\n";
  m += "share: " + ToBase64(resealed_share) + "\n";
  return m;
}

std::string ShareAd(std::string_view case_id) {
  std::string ad("TV-share-v1", sizeof("TV-share-v1"));
  PutLengthPrefixed(&ad, case_id);
  return ad;
}

std::string ShareLabel(std::string_view case_id, uint8_t x) {
  std::string label = ShareAd(case_id);
  label.push_back(static_cast<char>(x));
  return label;
}

std::string ShareCommitment(std::string_view case_id, uint8_t x, const SecretBytes& y) {
  return KeyCommitment("TV-share-cmt-v1", ShareLabel(case_id, x), y, 32);
}

}  // namespace vault::safeguard
