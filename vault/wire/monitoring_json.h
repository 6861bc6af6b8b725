// The monitoring form on the wire (docs/api.md, "Statistics").
//
//   POST /v1/transcripts/{id}/monitoring  {"answers": {"QUESTION": "ANSWER", ...}}
//        → 200 {"id", "counted": true}
//
// Thread safety: pure functions.
#ifndef VAULT_WIRE_MONITORING_JSON_H_
#define VAULT_WIRE_MONITORING_JSON_H_

#include <string>
#include <string_view>

#include "vault/statistics.h"
#include "vault/status.h"

namespace vault::wire {

// At most this many answers, each question id at most 32 bytes and each
// answer at most 64, checked before anything else (the vault then checks
// them against the configured questions).
inline constexpr size_t kMaxFormAnswers = 16;

// InvalidArgument "invalid_json", "unknown_field", "missing_field",
// "invalid_type", "too_many_answers", "unknown_question" (a key too long to
// be one), "unknown_answer" (a value too long to be one).
StatusOr<MonitoringAnswers> ParseMonitoringForm(std::string_view body);
std::string EncodeMonitoringForm(const MonitoringAnswers& form);
std::string EncodeMonitoringCounted(std::string_view id);

}  // namespace vault::wire

#endif  // VAULT_WIRE_MONITORING_JSON_H_
