// The subject access request and its answer on the wire
// (POST /v1/subject-access; docs/api.md, section 2.5.2; the answer's format
// "transcript-vault-subject-access-v1" is also what `vaultctl
// subject-access` writes as subject-access.json: docs/formats/subject-access.md).
//
//   request  {"identifiers": {"ref"?, "email"?, "phone"?, "ip"?},
//             "services"?: [name, ...]}
//   200      {"format", "answered_at", "audit_seq", "searched": [kind, ...],
//             "services": [name, ...] (empty: every service granted),
//             "statement": {"controller", "purposes", "legal_basis",
//                           "recipients", "retention"},
//             "transcripts": [
//               {"id", "matched", "withheld": false, "transcript": {...},
//                "accesses": [{"seq", "time", "uid", "role", "action",
//                              "outcome", "purpose"?}, ...]},
//               {"id", "matched", "withheld": true, "held_at"}, ...]}
//
// Thread safety: pure functions.
#ifndef VAULT_WIRE_SUBJECT_ACCESS_JSON_H_
#define VAULT_WIRE_SUBJECT_ACCESS_JSON_H_

#include <string>
#include <string_view>
#include <vector>

#include "vault/status.h"
#include "vault/types.h"

namespace vault::wire {

inline constexpr std::string_view kSubjectAccessFormat = "transcript-vault-subject-access-v1";

// InvalidArgument "invalid_json", "unknown_field", "invalid_type",
// "missing_field" (no "identifiers") for a body of another shape. The
// identifiers' values are checked by the vault.
StatusOr<SubjectAccessQuery> ParseSubjectAccessRequest(std::string_view body);
std::string EncodeSubjectAccessRequest(const SubjectAccessQuery& query);

// POST /v1/subject-rectification: a subject access request's fields and
// "visitor": {field: string or null, ...} (docs/api.md section 2.5.6).
// InvalidArgument "invalid_field" for an unknown field, "missing_field"
// without "visitor".
struct RectificationRequest {
  SubjectAccessQuery query;
  std::vector<VisitorCorrection> corrections;
};
StatusOr<RectificationRequest> ParseSubjectRectificationRequest(std::string_view body);

std::string EncodeSubjectAccessAnswer(const SubjectAccessAnswer& answer);

// POST /v1/subject-erasure answers (docs/api.md, section 2.5.3):
//   200 {"answered_at", "audit_seq", "searched": [kind, ...],
//        "services": [name, ...], "erased": [id, ...], "withheld": [id, ...]}
std::string EncodeSubjectErasureAnswer(const SubjectErasureAnswer& answer);
// Internal "bad_response" for a body of another shape or format.
StatusOr<SubjectAccessAnswer> DecodeSubjectAccessAnswer(std::string_view body);

}  // namespace vault::wire

#endif  // VAULT_WIRE_SUBJECT_ACCESS_JSON_H_
