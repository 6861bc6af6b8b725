// Canonical texts that safeguarding officers sign.
//
// Officer statements (case.open, hold.place, request.file) and two-officer
// requests are short line-oriented texts, "name: value\n" in a fixed order,
// built by these functions on both sides (vault-officer signs, vaultd
// verifies) so the bytes cannot differ. Values never contain a newline:
// ids are validated, times are RFC 3339 in UTC with milliseconds, free text
// (reasons) appears only as its BLAKE2b hash. Spec:
// docs/formats/signed-statements.md.
//
// Every text names the vault (its audit genesis key), so a signature for one
// vault means nothing to another; approvals also name a fresh request id and
// a fresh request key, so no approval is valid for any other request.
//
// Thread safety: stateless functions.
#ifndef VAULT_OFFICER_STATEMENT_H_
#define VAULT_OFFICER_STATEMENT_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vault/clock.h"
#include "vault/crypto/secret.h"
#include "vault/safeguarding.h"

namespace vault::safeguard {

// Hex BLAKE2b-256 of a reason, personalised "TV-reason-v1".
std::string ReasonHash(std::string_view reason);

// "transcript-vault officer statement v1\n" then action, vault, officer, the
// action's fields in order, and time.
std::string StatementText(std::string_view action, std::string_view vault_id,
                          std::string_view officer,
                          const std::vector<std::pair<std::string, std::string>>& fields,
                          UnixMillis time);

std::string CaseOpenStatement(std::string_view vault_id, const CaseOpening& opening);
std::string HoldStatement(std::string_view vault_id, const HoldPlacement& hold);
std::string RequestFileStatement(std::string_view vault_id, const RequestFiling& filing);

// A dealing's canonical text and its digest (hex BLAKE2b-256, personalised
// "TV-dealing-v1"): the `dealing` detail of case.open and case.reshare
// records, which a recovery checks an offline share file against.
std::string DealingText(const Dealing& dealing);
std::string DealingDigest(const Dealing& dealing);
// Hex BLAKE2b-256 ("TV-recovery-v1") of a recover request's source: what
// the filing statement signs (its `recovery` field).
std::string RecoverySourceDigest(const RecoverySource& source);
// An officer asks for their offline share of a case.
std::string ShareExportStatement(std::string_view vault_id, const ShareExportRequest& request);
// What the officer signs in their offline share file (vault-officer
// export-share): the vault, the officer, the dealing's digest, the sealed
// share and the time of the export.
std::string OfflineShareText(const ShareExport& share);

// The request text every approval signs (RequestInfo::text): built by the
// vault when the request is filed.
std::string RequestText(std::string_view vault_id, const RequestInfo& request);

// What an approval signs: "transcript-vault approval v1\n", the request
// text, then "officer: <id>\n" and "share: <base64 of the re-sealed share>\n".
std::string ApprovalMessage(std::string_view request_text, std::string_view officer,
                            std::string_view resealed_share);

// The plaintext of a case share (sealed to one officer, or re-sealed to a
// request): "TV-share-v1" NUL, the case id length-prefixed, x (1 byte), y.
std::string ShareAd(std::string_view case_id);
// What a share is sealed to its officer under (SealBoundKey): ShareAd(case) || x.
std::string ShareLabel(std::string_view case_id, uint8_t x);
// BLAKE2b-256 (KeyCommitment, personalised "TV-share-cmt-v1") of
// ShareAd(case) || x || y: 32 raw bytes.
std::string ShareCommitment(std::string_view case_id, uint8_t x, const SecretBytes& y);

}  // namespace vault::safeguard

#endif  // VAULT_OFFICER_STATEMENT_H_
