// What an officer's own tool does with the officer's keys: sign statements,
// and turn a request into an approval (open the officer's case share with
// the officer's X25519 secret, re-seal it to the request key, sign the
// request text with the share). Used by vault-officer and by the tests; the
// vault itself never holds an officer's secret keys.
//
// Thread safety: stateless functions.
#ifndef VAULT_OFFICER_OFFICER_ACTIONS_H_
#define VAULT_OFFICER_OFFICER_ACTIONS_H_

#include <string>
#include <string_view>

#include "vault/officer/officer.h"
#include "vault/safeguarding.h"
#include "vault/status.h"

namespace vault::safeguard {

// Fill signed_by (officer, time, signature) for `vault_id`.
Status SignCaseOpening(const OfficerKeys& keys, std::string_view officer, std::string_view vault_id,
                       UnixMillis now, CaseOpening* opening);
Status SignHold(const OfficerKeys& keys, std::string_view officer, std::string_view vault_id,
                UnixMillis now, HoldPlacement* hold);
Status SignFiling(const OfficerKeys& keys, std::string_view officer, std::string_view vault_id,
                  UnixMillis now, RequestFiling* filing);

Status SignShareExport(const OfficerKeys& keys, std::string_view officer,
                       std::string_view vault_id, UnixMillis now, ShareExportRequest* request);

// Checks that `share` (an export, or an offline share file's content) is
// this officer's share of its dealing: it names `officer`, its sealed share
// opens with the officer's X25519 secret as ShareAd(case) | x | y, and x and
// the commitment are the dealing's entry for the officer. InvalidArgument
// "invalid_share" otherwise.
Status CheckOwnShare(const OfficerKeys& keys, std::string_view officer, const ShareExport& share);

// The officer's signature over OfflineShareText(share), and its check.
StatusOr<std::string> SignOfflineShare(const OfficerKeys& keys, const ShareExport& share);
bool VerifyOfflineShare(const OfficerPublicKeys& keys, const ShareExport& share,
                        std::string_view signature);

// An approval of `request` (as returned by GetRequest with this officer, so
// officer_share is set). Checks that the request text names `vault_id` and
// matches the request's fields, and that the share is this officer's share
// of the request's case. InvalidArgument otherwise.
StatusOr<Approval> MakeApproval(const OfficerKeys& keys, std::string_view officer,
                                std::string_view vault_id, const RequestInfo& request);

}  // namespace vault::safeguard

#endif  // VAULT_OFFICER_OFFICER_ACTIONS_H_
