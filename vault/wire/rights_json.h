// The rights-request register, and the restriction, rectification and
// supplementary statements of a visitor's transcripts, on the wire
// (docs/api.md, sections 2.5.4 to 2.5.7).
//
//   POST /v1/rights-requests          {"kind", "received_at"?, "services"?}
//   GET  /v1/rights-requests?state=open|overdue|all
//                                     {"requests": [entry, ...]}
//   GET  /v1/rights-requests/{id}     entry
//   POST /v1/rights-requests/{id}/extend    {"months", "reason"}
//   POST /v1/rights-requests/{id}/complete  {} or no body
//   POST /v1/rights-requests/{id}/refuse    {"reason"}
//   POST /v1/rights-requests/{id}/lift      {"reason"}
//   POST /v1/rights-requests/{id}/decide    {"decision", "reason"?}
//   POST /v1/subject-restriction, /v1/subject-objection: a subject access
//        request's body; 200 {"answered_at", "audit_seq", "request",
//        "searched", "services", "restricted": [id], "withheld": [id]}
//
// entry: {"id", "kind", "state", "services", "registered_at",
//         "received_at", "due" (YYYY-MM-DD), "due_at", "overdue",
//         "extension"?: {"months", "reason", "at"}, "closed_at"?,
//         "refusal_reason"?, "decision"?: {"decision", "reason"?},
//         "lifted"?: {"at", "reason"},
//         "touched": [{"id", "outcome"}, ...]}
//
// Thread safety: pure functions.
#ifndef VAULT_WIRE_RIGHTS_JSON_H_
#define VAULT_WIRE_RIGHTS_JSON_H_

#include <string>
#include <string_view>
#include <vector>

#include "vault/status.h"
#include "vault/types.h"
#include "vault/wire/subject_access_json.h"

namespace vault::wire {

// InvalidArgument "invalid_json", "unknown_field", "invalid_type",
// "missing_field", "invalid_kind", "invalid_received_at" (not RFC 3339).
StatusOr<RightsRegistration> ParseRightsRegistration(std::string_view body);
// The body of POST /v1/rights-requests/{id}/{action} for `action`; an
// empty body is {}. The values are checked by the vault.
StatusOr<RightsUpdate> ParseRightsUpdate(RightsUpdate::Action action, std::string_view body);
// "open" (also absent), "overdue", "all"; InvalidArgument "invalid_query".
StatusOr<RightsListing> ParseRightsListing(std::string_view state);

std::string EncodeRightsRequest(const RightsRequest& entry);
std::string EncodeRightsRequests(const std::vector<RightsRequest>& entries);
std::string EncodeSubjectRestrictionAnswer(const SubjectRestrictionAnswer& answer);
//   POST /v1/subject-rectification → 200 {"answered_at", "audit_seq",
//        "request", "searched", "services", "fields", "rectified", "withheld"}
std::string EncodeSubjectRectificationAnswer(const SubjectRectificationAnswer& answer);
//   POST /v1/transcripts/{id}/statements {"seq", "text", "request"?}
//        → 201 {"id", "seq", "added_at", "request"}
// `max_seq` bounds seq ("invalid_seq"); the text is checked by the vault.
StatusOr<StatementFiling> ParseStatementFiling(std::string_view body, uint64_t max_seq);
std::string EncodeStatementAdded(const StatementAdded& added);

// For clients (vault::Client, vaultctl): the bodies they send, which the
// Parse functions above read back unchanged, and the answers they read.
// Every Decode function: Internal "bad_response" for a body of another
// shape.
StatusOr<RightsRequest> DecodeRightsRequest(std::string_view body);
// {"requests": [entry, ...]}
StatusOr<std::vector<RightsRequest>> DecodeRightsRequests(std::string_view body);
// {"kind", "received_at"? (when not 0), "services"? (when not empty)}
std::string EncodeRightsRegistration(const RightsRegistration& registration);
// The last segment of POST /v1/rights-requests/{id}/{action}: "extend",
// "complete", "refuse", "lift" or "decide".
const char* RightsActionName(RightsUpdate::Action action);
// The action's body: {"months", "reason"} for extend, {} for complete,
// {"reason"} for refuse and lift, {"decision", "reason"?} for decide.
std::string EncodeRightsUpdate(const RightsUpdate& update);
StatusOr<SubjectRestrictionAnswer> DecodeSubjectRestrictionAnswer(std::string_view body);
// A subject access request's body (EncodeSubjectAccessRequest) and
// "visitor": {field: value, or null for a field removed}, in the order given.
std::string EncodeSubjectRectificationRequest(const RectificationRequest& request);
StatusOr<SubjectRectificationAnswer> DecodeSubjectRectificationAnswer(std::string_view body);
// The answer of POST /v1/subject-erasure (EncodeSubjectErasureAnswer).
StatusOr<SubjectErasureAnswer> DecodeSubjectErasureAnswer(std::string_view body);
// {"seq", "text", "request"? (when not empty)}
std::string EncodeStatementFiling(const StatementFiling& filing);
StatusOr<StatementAdded> DecodeStatementAdded(std::string_view body);

}  // namespace vault::wire

#endif  // VAULT_WIRE_RIGHTS_JSON_H_
