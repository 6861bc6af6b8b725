// The JSON of the legal-hold API (docs/api.md section 3): request bodies
// parsed by the server and built by clients, responses encoded by the
// server and decoded by clients. Binary values (signatures, shares, keys)
// are base64; times are RFC 3339 UTC with milliseconds.
//
//   POST /v1/officers             {"id", "key"}
//   POST /v1/cases                {"case", "reason", "officer", "time", "signature"}
//   POST /v1/cases/{case}/holds   {"transcript", "officer", "time", "signature"}
//   POST /v1/requests             {"kind", "case", "transcripts", "reason",
//                                  "expires_at", "officer", "time", "signature"}
//   POST /v1/requests/{id}/approvals {"officer", "share", "signature"}
//   POST /v1/cases/{case}/share-export {"officer", "time", "signature"}
//   a recover request adds "recovery": {"backup", "audit", "previous_vault",
//     "dealing": {"case", "public_key", "threshold", "dealt_at",
//                 "shares": [{"x", "officer", "commitment"}]}}
//
// Parsers return InvalidArgument with the usual reasons ("missing_field",
// "invalid_type", "unknown_field", "invalid_base64", "invalid_time");
// decoders return Internal "bad_response". Thread safety: pure functions.
#ifndef VAULT_WIRE_SAFEGUARD_JSON_H_
#define VAULT_WIRE_SAFEGUARD_JSON_H_

#include <string>
#include <string_view>
#include <vector>

#include "vault/status.h"
#include "vault/types.h"

namespace vault::wire {

struct Enrolment {
  std::string id;
  std::string key;
};

// Request bodies. Path parameters (case id, request id) are passed in.
StatusOr<Enrolment> ParseEnrolment(std::string_view body);
StatusOr<CaseOpening> ParseCaseOpening(std::string_view body);
StatusOr<HoldPlacement> ParseHoldPlacement(std::string_view body, std::string_view case_id);
StatusOr<RequestFiling> ParseRequestFiling(std::string_view body);
StatusOr<Approval> ParseApproval(std::string_view body);
StatusOr<ShareExportRequest> ParseShareExportRequest(std::string_view body,
                                                     std::string_view case_id);
std::string EncodeShareExportRequest(const ShareExportRequest& r);
std::string EncodeShareExport(const ShareExport& e);
StatusOr<ShareExport> DecodeShareExport(std::string_view body);

// An officer's offline share file (vault-officer export-share; docs/
// formats/offline-share.md): the export without its audit_seq, and the
// officer's signature over safeguard::OfflineShareText. Parsing checks the
// form only (InvalidArgument "invalid_share_file" and the usual field
// reasons); the signature is the officer's tool's to check.
inline constexpr std::string_view kOfflineShareFormat = "transcript-vault-offline-share-v1";
std::string EncodeOfflineShareFile(const ShareExport& e, std::string_view signature);
StatusOr<ShareExport> ParseOfflineShareFile(std::string_view text, std::string* signature);

// POST /v1/officers/{id}/revoke: an empty body, or {"force": bool,
// "compromised": bool}, each optional.
StatusOr<Revocation> ParseRevocation(std::string_view body);

std::string EncodeEnrolment(const Enrolment& e);
std::string EncodeCaseOpening(const CaseOpening& o);
std::string EncodeHoldPlacement(const HoldPlacement& h);
std::string EncodeRequestFiling(const RequestFiling& f);
std::string EncodeApproval(const Approval& a);
std::string EncodeRevocation(const Revocation& r);  // "" when neither is set

// Responses.
std::string EncodeOfficer(const OfficerInfo& o);
std::string EncodeOfficerList(const OfficerList& list);
std::string EncodeCase(const CaseInfo& c);
std::string EncodeCaseList(const std::vector<CaseInfo>& cases);
std::string EncodeCaseDetail(const CaseDetail& d);
std::string EncodeHold(const HoldInfo& h);
std::string EncodeHoldList(const std::vector<HoldInfo>& holds);
std::string EncodeRequest(const RequestInfo& r);
std::string EncodeApprovalResult(const ApprovalResult& r);

StatusOr<OfficerInfo> DecodeOfficer(std::string_view body);
StatusOr<OfficerList> DecodeOfficerList(std::string_view body);
StatusOr<CaseInfo> DecodeCase(std::string_view body);
StatusOr<std::vector<CaseInfo>> DecodeCaseList(std::string_view body);
StatusOr<CaseDetail> DecodeCaseDetail(std::string_view body);
StatusOr<HoldInfo> DecodeHold(std::string_view body);
StatusOr<std::vector<HoldInfo>> DecodeHoldList(std::string_view body);
StatusOr<RequestInfo> DecodeRequest(std::string_view body);
StatusOr<ApprovalResult> DecodeApprovalResult(std::string_view body);

}  // namespace vault::wire

#endif  // VAULT_WIRE_SAFEGUARD_JSON_H_
