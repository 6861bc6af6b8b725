// Request bodies of the v1 API: parsing and shape validation on the server,
// encoding in the client.
//
//   POST /v1/transcripts               {"service": s, "visitor": {...}}
//   POST /v1/transcripts/{id}/messages {"seq": n, "from": s, "text": s, "sent_at": s}
//   POST /v1/transcripts/{id}/close    empty body or {}
//   POST /v1/transcripts/{id}/erase    empty body or {}
//
// The parsers check the JSON shape only: which keys, which types, seq range.
// Value rules (service charset, `from` values, RFC 3339, lengths) belong to
// the Vault, which returns InvalidArgument for them. Errors are
// InvalidArgument with reason invalid_json, too_deep, invalid_type,
// unknown_field, missing_field or invalid_seq.
//
// A visitor field given as JSON null is treated as absent.
// Thread safety: pure functions.
#ifndef VAULT_WIRE_REQUEST_JSON_H_
#define VAULT_WIRE_REQUEST_JSON_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vault/status.h"
#include "vault/types.h"

namespace vault::wire {

// The Idempotency-Key of an open (docs/api.md, section 2.2.1): 1 to
// kMaxIdempotencyKeyBytes visible ASCII characters. The server refuses any
// other with 400 invalid_idempotency_key; the client refuses to send it.
inline constexpr size_t kMaxIdempotencyKeyBytes = 255;
bool IsIdempotencyKey(std::string_view key);

StatusOr<NewTranscript> ParseNewTranscript(std::string_view body);
// A message's body. It is parsed into a buffer on the stack, wiped after
// the parse (heap blocks for what outgrows it, which vaultd's operator
// delete zeroes as it frees them, as it does the returned message's text).
StatusOr<Message> ParseMessage(std::string_view body, uint64_t max_seq);
// {"messages": [message, ...]}: 1 to `max_messages` messages, each as
// ParseMessage's body, with distinct seqs. Codes: missing_field,
// invalid_type, unknown_field, invalid_seq as for one message; empty_batch,
// batch_too_large, duplicate_seq.
// Parsed and wiped as ParseMessage's body.
StatusOr<std::vector<Message>> ParseMessageBatch(std::string_view body, uint64_t max_seq,
                                                 size_t max_messages);
Status ParseCloseBody(std::string_view body);
// An empty body or {} (an admin's erasure), or {"reason": "visitor_request"}.
StatusOr<EraseReason> ParseEraseBody(std::string_view body);

std::string EncodeNewTranscript(const NewTranscript& request);
std::string EncodeMessage(const Message& message);

}  // namespace vault::wire

#endif  // VAULT_WIRE_REQUEST_JSON_H_
