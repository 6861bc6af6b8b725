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
#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vault/clock.h"
#include "vault/status.h"
#include "vault/types.h"
#include "vault/wire/json_text.h"

namespace vault::wire {

std::string EncodeCreated(const CreatedTranscript& created);
std::string EncodeAppended(uint64_t seq, AppendOutcome outcome);
// {"stored": N, "duplicates": M, "results": [EncodeAppended's object for
// each message, in the order given]}.
std::string EncodeAppendedBatch(const std::vector<Message>& messages,
                                const std::vector<AppendOutcome>& outcomes);
std::string EncodeClosed(std::string_view id, UnixMillis expires_at);
std::string EncodeTranscript(const Transcript& transcript);
// The same text written as a read gives the transcript, record by record
// (Vault::ReadTranscriptPage), so that no message is held decoded. The
// text holds plaintext: the buffer it leaves when it grows is wiped first,
// and what is not taken is wiped when the writer goes.
class TranscriptJson final : public TranscriptSink {
 public:
  TranscriptJson() : w_(&out_) {}
  ~TranscriptJson() override;
  TranscriptJson(const TranscriptJson&) = delete;
  TranscriptJson& operator=(const TranscriptJson&) = delete;

  void Begin(const TranscriptInfo& info, const Visitor& visitor, size_t messages) override;
  void AddMessage(uint64_t seq, std::string_view from, std::string_view text,
                  std::string_view sent_at) override;
  void AddStatement(std::string_view text, UnixMillis added_at) override;
  void End(std::optional<uint64_t> next_from_seq) override;
  // The text, after End; the writer is empty after.
  std::string Take() { return std::move(out_); }

 private:
  // Makes room for `more` bytes beyond the text's end.
  void Room(size_t more);
  // Asserts that a record's text fitted the room made for it: the string
  // did not grow (and free its text unwiped) on its own.
  void Fitted() const { assert(out_.capacity() == room_); }
  void CloseMessage();

  std::string out_;
  size_t room_ = 0;  // out_'s capacity after the last Room
  JsonText w_;
  bool message_open_ = false;
  bool statements_open_ = false;
  size_t messages_ = 0;  // the most Begin was told to expect
  size_t given_ = 0;
};
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
