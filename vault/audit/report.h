// The verification report as vault-audit prints it: text for people and one
// JSON object for programs, stating the same facts (docs/audit-format.md,
// section 9.2). Ranges are of record numbers, inclusive ("records 0..8" are
// the 9 records [0, 9)); times are RFC 3339 with milliseconds, each the time
// of the record it describes, never the time of the verification.
//
// Thread safety: stateless functions.
#ifndef VAULT_AUDIT_REPORT_H_
#define VAULT_AUDIT_REPORT_H_

#include <string>

#include "vault/audit/verifier.h"

namespace vault::audit {

// Records after the last checkpoint (all of them if there is none).
uint64_t UnsealedRecords(const VerifyReport& r);
// Several lines, each ending in a newline.
std::string ReportText(const VerifyReport& r);
// One line of compact JSON, without a newline.
std::string ReportJson(const VerifyReport& r);

}  // namespace vault::audit

#endif  // VAULT_AUDIT_REPORT_H_
