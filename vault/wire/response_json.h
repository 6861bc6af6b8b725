// Response bodies of the v1 API: encoding on the server, decoding in the
// client. Times are RFC 3339 UTC with milliseconds (FormatRfc3339).
//
//   201 {"id", "expires_at"}                          created transcript
//   201 {"seq"} / 200 {"seq", "duplicate": true}      appended message
//   200 {"id", "state": "closed", "expires_at"}       closed transcript
//   200 {"id", "service", "state", "created_at", "closed_at" (closed only),
//        "last_activity", "expires_at", "message_count",
//        "visitor": {present fields only},
//        "messages": [{"seq", "from", "text", "sent_at"}, ...]}
//   200 {"status": "ok", "version"}                   health
//   200 {"now", "epoch_ms", "base_epoch", "last_shred_at", "last_run_at",
//        "shredded_total", "overdue"}               retention status (times
//                                                    RFC 3339, or null if never)
//   200 {"origin", "genesis_key", "size", "checkpoint",
//        "segments": [{"number", "bytes"}, ...]}      audit status
//   200 {"records": [{"seq", "type", "time", "prev", "hash",
//        "payload": {...}}, ...], "next"}             audit records
//
// Decoders return Internal "bad_response" when the body does not have this
// shape. Thread safety: pure functions.
#ifndef VAULT_WIRE_RESPONSE_JSON_H_
#define VAULT_WIRE_RESPONSE_JSON_H_

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vault/clock.h"
#include "vault/status.h"
#include "vault/types.h"

namespace vault::wire {

std::string EncodeCreated(const CreatedTranscript& created);
std::string EncodeAppended(uint64_t seq, AppendOutcome outcome);
// {"stored": N, "duplicates": M, "results": [EncodeAppended's object for
// each message, in the order given]}.
std::string EncodeAppendedBatch(const std::vector<Message>& messages,
                                const std::vector<AppendOutcome>& outcomes);
std::string EncodeClosed(std::string_view id, UnixMillis expires_at);
std::string EncodeTranscript(const Transcript& transcript);
// {"transcripts": [{id, state, created_at?, closed_at?, expires_at?, held_at?,
// message_count?, matched}], "next"?}: GET /v1/transcripts/{id}/history.
std::string EncodeHistoryPage(const HistoryPage& page);
// The same as an object, to embed in another body.
boost::json::object EncodeTranscriptObject(const Transcript& transcript);
std::string EncodeHealth();
std::string EncodeAuditStatus(const AuditStatus& status);
std::string EncodeRetentionStatus(const RetentionStatus& status);
std::string EncodeAuditRecords(const std::vector<AuditRecordView>& records, uint64_t next);

StatusOr<CreatedTranscript> DecodeCreated(std::string_view body);
StatusOr<AppendOutcome> DecodeAppended(std::string_view body);
StatusOr<UnixMillis> DecodeClosed(std::string_view body);
StatusOr<Transcript> DecodeTranscript(std::string_view body);
StatusOr<HistoryPage> DecodeHistoryPage(std::string_view body);
// The same from an already parsed object (a transcript inside another body).
StatusOr<Transcript> DecodeTranscriptObject(const boost::json::object& object);
StatusOr<AuditStatus> DecodeAuditStatus(std::string_view body);
StatusOr<RetentionStatus> DecodeRetentionStatus(std::string_view body);

}  // namespace vault::wire

#endif  // VAULT_WIRE_RESPONSE_JSON_H_
