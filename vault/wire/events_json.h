// The event feed on the wire (GET /v1/events, docs/api.md section 2.15):
// server-sent events whose id is "<origin>-<seq>" (EventPosition) and whose
// data is one JSON object per event.
//
//   id: 1796482800000-42
//   event: transcript.expired
//   data: {"id":"1796482800000-42","type":"transcript.expired",
//          "at":"2026-12-05T14:00:00.000Z","transcript":"<32 hex>","service":"webchat"}
//
// Thread safety: pure functions.
#ifndef VAULT_WIRE_EVENTS_JSON_H_
#define VAULT_WIRE_EVENTS_JSON_H_

#include <optional>
#include <string>
#include <string_view>

#include "vault/events.h"

namespace vault {

// The longest Last-Event-ID accepted: two numbers of up to 20 digits.
inline constexpr size_t kMaxEventIdBytes = 41;

// "<origin>-<seq>", each 1 to 20 decimal digits without a sign, fitting
// 64 bits (origin as a positive int64); nullopt for anything else.
std::optional<EventPosition> ParseEventId(std::string_view text);

// One event as an SSE message (id, event and data lines, then a blank line).
std::string EncodeEventMessage(UnixMillis origin, const VaultEvent& event);
// The reset message that opens a stream whose reader cannot resume exactly:
// `reason` is "restart" or "overflow"; its id is where reading goes on.
std::string EncodeResetMessage(UnixMillis origin, uint64_t seq, std::string_view reason,
                               UnixMillis at);

}  // namespace vault

#endif  // VAULT_WIRE_EVENTS_JSON_H_
