// Rule 12 of docs/audit-format.md, section 8.1: the members, types and ranges
// each record type's payload must have. Every payload is a JSON object in the
// dialect of json_strict.h; members a reader does not know are ignored.
//
//   genesis     origin "transcript-vault/" + 16 lowercase hex digits,
//               key canonical base64 of 32 bytes, checkpoint_interval_ms 1..2^50
//   segment     segment 1..99,999,999
//   access      actor {uid 0..2^32-1, role string, officer string?},
//               action string, objects [string...], outcome string,
//               request string?, details {name: string...}?
//   checkpoint  note string (checked as a signed note by rule 15)
//   start       previous_stop "clean" or "crash", version string
//   recovery    cut_bytes 0..16,470, reason string, removed_segment 1..99,999,999?
//   stop        nothing required
//
// Integers are JSON number literals of digits only: no sign, fraction,
// exponent or leading zero.
//
// Thread safety: stateless functions.
#ifndef VAULT_AUDIT_PAYLOAD_H_
#define VAULT_AUDIT_PAYLOAD_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "vault/audit/json_strict.h"
#include "vault/audit/note.h"
#include "vault/audit/record.h"

namespace vault::audit {

constexpr uint64_t kMaxSegmentNumber = 99'999'999;
constexpr uint64_t kMaxCheckpointIntervalMs = uint64_t{1} << 50;

struct Payload {
  JsonValue json;
  std::string origin;      // genesis
  PublicKey key{};         // genesis
  int64_t interval_ms = 0; // genesis
  uint64_t segment = 0;    // segment
  std::string note;        // checkpoint
};

// Checks `payload` as the payload of a record of `type`. On failure returns
// false and sets *why.
bool CheckPayload(RecordType type, std::string_view payload, Payload* out, std::string* why);

// "transcript-vault/" followed by 16 lowercase hex digits.
bool ValidOrigin(std::string_view origin);

}  // namespace vault::audit

#endif  // VAULT_AUDIT_PAYLOAD_H_
