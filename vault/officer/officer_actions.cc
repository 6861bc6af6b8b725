#include "vault/officer/officer_actions.h"

#include "vault/crypto/box.h"
#include "vault/officer/statement.h"

namespace vault::safeguard {
namespace {

// Names the officer and the time, then signs the action's statement.
template <typename Action>
Status SignAs(const OfficerKeys& keys, std::string_view officer, std::string_view vault_id,
              UnixMillis now, Action* action,
              std::string (*statement)(std::string_view, const Action&)) {
  action->signed_by.officer = std::string(officer);
  action->signed_by.time = now;
  VAULT_ASSIGN_OR_RETURN(action->signed_by.signature,
                         Sign(keys.sign, statement(vault_id, *action)));
  return Status::OK();
}

}  // namespace

Status SignCaseOpening(const OfficerKeys& keys, std::string_view officer, std::string_view vault_id,
                       UnixMillis now, CaseOpening* o) {
  return SignAs(keys, officer, vault_id, now, o, CaseOpenStatement);
}

Status SignHold(const OfficerKeys& keys, std::string_view officer, std::string_view vault_id,
                UnixMillis now, HoldPlacement* h) {
  return SignAs(keys, officer, vault_id, now, h, HoldStatement);
}

Status SignFiling(const OfficerKeys& keys, std::string_view officer, std::string_view vault_id,
                  UnixMillis now, RequestFiling* f) {
  return SignAs(keys, officer, vault_id, now, f, RequestFileStatement);
}

Status SignShareExport(const OfficerKeys& keys, std::string_view officer,
                       std::string_view vault_id, UnixMillis now, ShareExportRequest* r) {
  return SignAs(keys, officer, vault_id, now, r, ShareExportStatement);
}

Status CheckOwnShare(const OfficerKeys& keys, std::string_view officer, const ShareExport& e) {
  const Status bad = Status::InvalidArgument(
      "this is not your share of the case's dealing (wrong officer, wrong identity, or altered)",
      "invalid_share");
  if (e.officer != officer) return bad;
  const DealtShare* entry = nullptr;
  for (const DealtShare& s : e.dealing.shares) {
    if (s.officer == officer) entry = &s;
  }
  if (entry == nullptr || entry->x < 1 || entry->x > 255) return bad;
  const uint8_t x = static_cast<uint8_t>(entry->x);
  StatusOr<SecretBytes> y = OpenBoundKey(keys.seal, e.sealed_share,
                                         ShareLabel(e.dealing.case_id, x), 32);
  if (!y.ok()) return bad;
  if (ShareCommitment(e.dealing.case_id, x, *y) != entry->commitment) return bad;
  return Status::OK();
}

StatusOr<std::string> SignOfflineShare(const OfficerKeys& keys, const ShareExport& share) {
  return Sign(keys.sign, OfflineShareText(share));
}

bool VerifyOfflineShare(const OfficerPublicKeys& keys, const ShareExport& share,
                        std::string_view signature) {
  return VerifySignature(keys.sign, OfflineShareText(share), signature);
}

StatusOr<Approval> MakeApproval(const OfficerKeys& keys, std::string_view officer,
                                std::string_view vault_id, const RequestInfo& request) {
  // Sign only what the fields say: the text must be exactly the one these
  // fields and this vault give.
  if (request.text != RequestText(vault_id, request)) {
    return Status::InvalidArgument("the request text does not match its fields or this vault",
                                   "invalid_request");
  }
  if (!request.reason.empty() && ReasonHash(request.reason) != request.reason_hash) {
    return Status::InvalidArgument("the request's reason does not match its hash",
                                   "invalid_request");
  }
  std::string sealed;
  if (request.officer_share.empty() || !FromBase64(request.officer_share, &sealed)) {
    return Status::InvalidArgument("the vault sent no share for this officer", "no_share");
  }
  const std::string ad = ShareAd(request.case_id);
  const size_t plain_len = ad.size() + 1 + 32;
  if (sealed.size() != plain_len + kSealOverhead) {
    return Status::InvalidArgument("the share is malformed", "invalid_share");
  }
  StatusOr<SecretBytes> opened = keys.seal.Open(sealed);
  if (!opened.ok()) {
    return Status::InvalidArgument("the share is not sealed to this officer", "invalid_share");
  }
  const SecretBytes plain = std::move(opened).value();
  if (!plain.StartsWith(ad)) {
    return Status::InvalidArgument("the share belongs to another case", "invalid_share");
  }
  std::string raw_request_key;
  StatusOr<BoxPublicKey> request_key = Status::InvalidArgument("no request key");
  if (FromBase64(request.request_key, &raw_request_key)) {
    request_key = BoxPublicKey::FromBytes(raw_request_key);
  }
  if (!request_key.ok()) {
    return Status::InvalidArgument("the request key is malformed", "invalid_request");
  }
  Approval a;
  a.officer = std::string(officer);
  VAULT_ASSIGN_OR_RETURN(a.share, SealTo(*request_key, plain));
  VAULT_ASSIGN_OR_RETURN(a.signature,
                         Sign(keys.sign, ApprovalMessage(request.text, officer, a.share)));
  return a;
}

}  // namespace vault::safeguard
