#include "vault/wire/response_json.h"

#include <boost/json.hpp>
#include <algorithm>

#include "vault/common/time_format.h"
#include "vault/common/wipe.h"
#include "vault/wire/json_text.h"
#include "vault/wire/json_util.h"

namespace vault::wire {

namespace json = boost::json;

namespace {

StatusOr<Visitor> DecodeVisitor(const json::value* value) {
  Visitor visitor;
  if (value == nullptr) return visitor;
  if (!value->is_object()) return BadResponse("'visitor' is not an object");
  for (const VisitorField& field : kVisitorFields) {
    auto parsed = OptionalString(value->as_object(), field.key);
    if (!parsed.ok()) return BadResponse("a visitor field is not a string");
    visitor.*field.member = std::move(parsed).value();
  }
  return visitor;
}

StatusOr<Message> DecodeMessageObject(const json::value& value) {
  if (!value.is_object()) return BadResponse("a message is not an object");
  const json::object& object = value.as_object();
  Message message;
  VAULT_ASSIGN_OR_RETURN(message.seq, ResponseUint(object, "seq"));
  VAULT_ASSIGN_OR_RETURN(message.from, ResponseString(object, "from"));
  VAULT_ASSIGN_OR_RETURN(message.text, ResponseString(object, "text"));
  VAULT_ASSIGN_OR_RETURN(message.sent_at, ResponseString(object, "sent_at"));
  if (object.contains("statements")) {
    VAULT_ASSIGN_OR_RETURN(const json::array* statements, ResponseArray(object, "statements"));
    for (const json::value& v : *statements) {
      if (!v.is_object()) return BadResponse("a statement is not an object");
      Statement st;
      VAULT_ASSIGN_OR_RETURN(st.text, ResponseString(v.as_object(), "text"));
      VAULT_ASSIGN_OR_RETURN(st.added_at, ResponseTime(v.as_object(), "added_at"));
      message.statements.push_back(std::move(st));
    }
  }
  return message;
}

}  // namespace

std::string EncodeCreated(const CreatedTranscript& created) {
  json::object object;
  object["id"] = created.id;
  object["expires_at"] = FormatRfc3339(created.expires_at);
  return json::serialize(object);
}

std::string EncodeAppended(uint64_t seq, AppendOutcome outcome) {
  // Written directly, as json::serialize writes the object {"seq": seq}
  // (and "duplicate": true): every append is answered with it, and an
  // object took three allocations. A stored answer up to seq 999,999, with
  // the newline JsonResponse adds, fits the string's own 15 bytes and takes
  // none.
  std::string out = "{\"seq\":";
  out += std::to_string(seq);
  out += outcome == AppendOutcome::kDuplicate ? ",\"duplicate\":true}" : "}";
  return out;
}

std::string EncodeAppendedBatch(const std::vector<Message>& messages,
                                const std::vector<AppendOutcome>& outcomes) {
  json::array results;
  results.reserve(messages.size());
  uint64_t stored = 0;
  for (size_t i = 0; i < messages.size() && i < outcomes.size(); ++i) {
    json::object object;
    object["seq"] = messages[i].seq;
    if (outcomes[i] == AppendOutcome::kDuplicate) {
      object["duplicate"] = true;
    } else {
      ++stored;
    }
    results.push_back(std::move(object));
  }
  json::object object;
  object["stored"] = stored;
  object["duplicates"] = results.size() - stored;
  object["results"] = std::move(results);
  return json::serialize(object);
}

std::string EncodeClosed(std::string_view id, UnixMillis expires_at) {
  json::object object;
  object["id"] = json::string_view(id.data(), id.size());
  object["state"] = "closed";
  object["expires_at"] = FormatRfc3339(expires_at);
  return json::serialize(object);
}

namespace {

// JSON text may take up to six bytes for one of a string's bytes (\u00xx)
// and two quotes, a key and punctuation around it.
size_t MostJsonBytes(std::string_view s) { return 6 * s.size() + 32; }

// The most a first message's size sets aside for the rest of the page;
// past it the text grows by half at a time.
constexpr size_t kMostForeseen = 4 << 20;

}  // namespace

std::string EncodeTranscript(const Transcript& transcript) {
  // Written directly: the same text as serialising EncodeTranscriptObject
  // (the tests compare them), without the value tree (json_text.h).
  TranscriptJson json;
  SendTranscript(transcript, &json);
  return json.Take();
}

TranscriptJson::~TranscriptJson() { WipeString(&out_); }

void TranscriptJson::Room(size_t more) {
  const size_t need = out_.size() + more;
  room_ = out_.capacity();
  if (need <= room_) return;
  std::string bigger;
  bigger.reserve(std::max(need, room_ + room_ / 2));
  bigger.append(out_);
  // The string's own growth would free the text so far as it is.
  WipeString(&out_);
  out_.swap(bigger);  // w_ writes to out_, which is still this object
  room_ = out_.capacity();
}

void TranscriptJson::Begin(const TranscriptInfo& info, const Visitor& visitor, size_t messages) {
  messages_ = messages;
  size_t room = 512 + MostJsonBytes(info.id) + MostJsonBytes(info.service);
  for (const VisitorField& field : kVisitorFields) {
    const std::optional<std::string>& value = visitor.*field.member;
    if (value.has_value()) room += MostJsonBytes(*value);
  }
  Room(room);
  w_.BeginObject();
  w_.StringMember("id", info.id);
  w_.StringMember("service", info.service);
  w_.StringMember("state", TranscriptStateName(info.state));
  w_.StringMember("created_at", FormatRfc3339(info.created_at));
  if (info.state == TranscriptState::kClosed) {
    w_.StringMember("closed_at", FormatRfc3339(info.closed_at));
  }
  w_.StringMember("last_activity", FormatRfc3339(info.last_activity));
  w_.StringMember("expires_at", FormatRfc3339(info.expires_at));
  w_.UintMember("message_count", info.message_count);
  w_.Key("visitor");
  w_.BeginObject();
  for (const VisitorField& field : kVisitorFields) {
    const std::optional<std::string>& value = visitor.*field.member;
    if (!value.has_value()) continue;
    w_.StringMember(field.key, *value);
  }
  w_.EndObject();
  w_.Key("messages");
  w_.BeginArray();
  Fitted();
}

void TranscriptJson::CloseMessage() {
  if (statements_open_) w_.EndArray();
  if (message_open_) w_.EndObject();
  message_open_ = statements_open_ = false;
}

void TranscriptJson::AddMessage(uint64_t seq, std::string_view from, std::string_view text,
                                std::string_view sent_at) {
  size_t room = 128 + MostJsonBytes(from) + MostJsonBytes(text) + MostJsonBytes(sent_at);
  if (given_++ == 0 && messages_ > 1) {
    // Room for the rest of the page as if its messages were the size of
    // this one, so that a page of like messages is written into one
    // string grown once.
    const size_t usual = 96 + from.size() + text.size() + sent_at.size();
    room += std::min(kMostForeseen / usual, messages_ - 1) * usual;
  }
  Room(room);
  CloseMessage();
  w_.BeginObject();
  w_.UintMember("seq", seq);
  w_.StringMember("from", from);
  w_.StringMember("text", text);
  w_.StringMember("sent_at", sent_at);
  message_open_ = true;
  Fitted();
}

void TranscriptJson::AddStatement(std::string_view text, UnixMillis added_at) {
  Room(128 + MostJsonBytes(text));
  if (!statements_open_) {
    w_.Key("statements");
    w_.BeginArray();
    statements_open_ = true;
  }
  w_.BeginObject();
  w_.StringMember("text", text);
  w_.StringMember("added_at", FormatRfc3339(added_at));
  w_.EndObject();
  Fitted();
}

void TranscriptJson::End(std::optional<uint64_t> next_from_seq) {
  // At most 41 bytes, and room for the line break JsonResponse adds.
  Room(96);
  CloseMessage();
  w_.EndArray();
  if (next_from_seq.has_value()) w_.UintMember("next_from_seq", *next_from_seq);
  w_.EndObject();
  Fitted();
}

json::object EncodeTranscriptObject(const Transcript& transcript) {
  const TranscriptInfo& info = transcript.info;
  json::object object;
  object["id"] = info.id;
  object["service"] = info.service;
  object["state"] = TranscriptStateName(info.state);
  object["created_at"] = FormatRfc3339(info.created_at);
  if (info.state == TranscriptState::kClosed) object["closed_at"] = FormatRfc3339(info.closed_at);
  object["last_activity"] = FormatRfc3339(info.last_activity);
  object["expires_at"] = FormatRfc3339(info.expires_at);
  object["message_count"] = info.message_count;
  object["visitor"] = EncodeVisitor(transcript.visitor);
  json::array messages;
  messages.reserve(transcript.messages.size());
  for (const Message& message : transcript.messages) {
    messages.emplace_back(EncodeMessageObject(message));
  }
  object["messages"] = std::move(messages);
  if (transcript.next_from_seq.has_value()) object["next_from_seq"] = *transcript.next_from_seq;
  return object;
}

std::string EncodeHistoryPage(const HistoryPage& page) {
  json::array transcripts;
  transcripts.reserve(page.entries.size());
  for (const HistoryEntry& e : page.entries) {
    json::object object;
    object["id"] = e.id;
    object["state"] = e.state;
    if (e.state == "held") {
      // Nothing from inside a held transcript: only that it exists, and since when it is held.
      object["held_at"] = FormatRfc3339(e.held_at);
    } else if (e.state == "restricted") {
      // Restricted at the visitor's request: that it exists, nothing more.
    } else {
      object["created_at"] = FormatRfc3339(e.created_at);
      if (e.closed_at != 0) object["closed_at"] = FormatRfc3339(e.closed_at);
      object["expires_at"] = FormatRfc3339(e.expires_at);
      object["message_count"] = e.message_count;
    }
    json::array matched;
    for (const std::string& m : e.matched) matched.emplace_back(m);
    object["matched"] = std::move(matched);
    transcripts.emplace_back(std::move(object));
  }
  json::object body;
  body["transcripts"] = std::move(transcripts);
  if (!page.next.empty()) body["next"] = page.next;
  return json::serialize(body);
}

StatusOr<HistoryPage> DecodeHistoryPage(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object object, ParseResponseObject(body));
  const json::value* transcripts = object.if_contains("transcripts");
  if (transcripts == nullptr || !transcripts->is_array()) {
    return BadResponse("\"transcripts\" is not an array");
  }
  HistoryPage page;
  for (const json::value& value : transcripts->as_array()) {
    if (!value.is_object()) return BadResponse("a history entry is not an object");
    const json::object& o = value.as_object();
    HistoryEntry e;
    VAULT_ASSIGN_OR_RETURN(e.id, ResponseString(o, "id"));
    VAULT_ASSIGN_OR_RETURN(e.state, ResponseString(o, "state"));
    if (e.state == "held") {
      VAULT_ASSIGN_OR_RETURN(e.held_at, ResponseTime(o, "held_at"));
    } else {
      VAULT_ASSIGN_OR_RETURN(e.created_at, ResponseTime(o, "created_at"));
      if (o.contains("closed_at")) {
        VAULT_ASSIGN_OR_RETURN(e.closed_at, ResponseTime(o, "closed_at"));
      }
      VAULT_ASSIGN_OR_RETURN(e.expires_at, ResponseTime(o, "expires_at"));
      VAULT_ASSIGN_OR_RETURN(e.message_count, ResponseUint(o, "message_count"));
    }
    VAULT_ASSIGN_OR_RETURN(e.matched, ResponseStrings(o, "matched"));
    page.entries.push_back(std::move(e));
  }
  if (object.contains("next")) {
    VAULT_ASSIGN_OR_RETURN(page.next, ResponseString(object, "next"));
  }
  return page;
}

std::string EncodeHealth() {
  json::object object;
  object["status"] = "ok";
  object["version"] = VAULT_VERSION;
  return json::serialize(object);
}

StatusOr<CreatedTranscript> DecodeCreated(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object object, ParseResponseObject(body));
  CreatedTranscript created;
  VAULT_ASSIGN_OR_RETURN(created.id, ResponseString(object, "id"));
  VAULT_ASSIGN_OR_RETURN(created.expires_at, ResponseTime(object, "expires_at"));
  return created;
}

StatusOr<AppendOutcome> DecodeAppended(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object object, ParseResponseObject(body));
  VAULT_RETURN_IF_ERROR(ResponseUint(object, "seq").status());
  const json::value* duplicate = object.if_contains("duplicate");
  if (duplicate != nullptr && !duplicate->is_bool()) return BadResponse("'duplicate' not a bool");
  const bool is_duplicate = duplicate != nullptr && duplicate->as_bool();
  return is_duplicate ? AppendOutcome::kDuplicate : AppendOutcome::kStored;
}

StatusOr<UnixMillis> DecodeClosed(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object object, ParseResponseObject(body));
  return ResponseTime(object, "expires_at");
}

StatusOr<Transcript> DecodeTranscript(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object object, ParseResponseObject(body));
  return DecodeTranscriptObject(object);
}

StatusOr<Transcript> DecodeTranscriptObject(const json::object& object) {
  Transcript transcript;
  TranscriptInfo& info = transcript.info;
  VAULT_ASSIGN_OR_RETURN(info.id, ResponseString(object, "id"));
  VAULT_ASSIGN_OR_RETURN(info.service, ResponseString(object, "service"));
  VAULT_ASSIGN_OR_RETURN(std::string state, ResponseString(object, "state"));
  if (state == TranscriptStateName(TranscriptState::kClosed)) {
    info.state = TranscriptState::kClosed;
  } else if (state == TranscriptStateName(TranscriptState::kOpen)) {
    info.state = TranscriptState::kOpen;
  } else {
    return BadResponse("unknown 'state'");
  }
  VAULT_ASSIGN_OR_RETURN(info.created_at, ResponseTime(object, "created_at"));
  if (info.state == TranscriptState::kClosed) {
    VAULT_ASSIGN_OR_RETURN(info.closed_at, ResponseTime(object, "closed_at"));
  }
  VAULT_ASSIGN_OR_RETURN(info.last_activity, ResponseTime(object, "last_activity"));
  VAULT_ASSIGN_OR_RETURN(info.expires_at, ResponseTime(object, "expires_at"));
  VAULT_ASSIGN_OR_RETURN(info.message_count, ResponseUint(object, "message_count"));
  VAULT_ASSIGN_OR_RETURN(transcript.visitor, DecodeVisitor(object.if_contains("visitor")));
  const json::value* messages = object.if_contains("messages");
  if (messages == nullptr || !messages->is_array()) return BadResponse("'messages' not an array");
  transcript.messages.reserve(messages->as_array().size());
  for (const json::value& value : messages->as_array()) {
    VAULT_ASSIGN_OR_RETURN(Message message, DecodeMessageObject(value));
    transcript.messages.push_back(std::move(message));
  }
  return transcript;
}

std::string EncodeAuditStatus(const AuditStatus& status) {
  json::object object;
  object["origin"] = status.origin;
  object["genesis_key"] = status.genesis_key;
  object["size"] = status.size;
  object["checkpoint"] = status.checkpoint;
  json::array segments;
  for (const AuditSegment& segment : status.segments) {
    segments.push_back(json::object{{"number", segment.number}, {"bytes", segment.bytes}});
  }
  object["segments"] = std::move(segments);
  return json::serialize(object);
}

std::string EncodeAuditRecords(const std::vector<AuditRecordView>& records, uint64_t next) {
  json::array array;
  for (const AuditRecordView& r : records) {
    json::object object;
    object["seq"] = r.seq;
    object["type"] = r.type;
    object["time"] = FormatRfc3339(r.time);
    object["prev"] = r.prev;
    object["hash"] = r.hash;
    boost::system::error_code ec;
    json::value payload = json::parse(r.payload, ec);
    // The log's payloads are JSON objects written by the vault; anything else
    // is passed on as a string for the auditor to see.
    object["payload"] = ec ? json::value(r.payload) : std::move(payload);
    array.push_back(std::move(object));
  }
  return json::serialize(json::object{{"records", std::move(array)}, {"next", next}});
}

StatusOr<AuditStatus> DecodeAuditStatus(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object object, ParseResponseObject(body));
  AuditStatus status;
  VAULT_ASSIGN_OR_RETURN(status.origin, ResponseString(object, "origin"));
  VAULT_ASSIGN_OR_RETURN(status.genesis_key, ResponseString(object, "genesis_key"));
  VAULT_ASSIGN_OR_RETURN(status.size, ResponseUint(object, "size"));
  VAULT_ASSIGN_OR_RETURN(status.checkpoint, ResponseString(object, "checkpoint"));
  const json::value* segments = object.if_contains("segments");
  if (segments == nullptr || !segments->is_array()) return BadResponse("'segments' not an array");
  for (const json::value& value : segments->as_array()) {
    if (!value.is_object()) return BadResponse("a segment is not an object");
    AuditSegment segment;
    VAULT_ASSIGN_OR_RETURN(segment.number, ResponseUint(value.as_object(), "number"));
    VAULT_ASSIGN_OR_RETURN(segment.bytes, ResponseUint(value.as_object(), "bytes"));
    status.segments.push_back(segment);
  }
  return status;
}

std::string EncodeRetentionStatus(const RetentionStatus& status) {
  json::object object;
  object["now"] = FormatRfc3339(status.now);
  object["epoch_ms"] = status.epoch_ms;
  object["base_epoch"] = status.base_epoch;
  object["last_shred_at"] = TimeOrNull(status.last_shred_at);
  object["last_run_at"] = TimeOrNull(status.last_run_at);
  object["shredded_total"] = status.shredded_total;
  object["overdue"] = status.overdue;
  object["damaged"] = status.damaged;
  return json::serialize(object);
}

StatusOr<RetentionStatus> DecodeRetentionStatus(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object object, ParseResponseObject(body));
  RetentionStatus status;
  VAULT_ASSIGN_OR_RETURN(status.now, ResponseTime(object, "now"));
  VAULT_ASSIGN_OR_RETURN(uint64_t epoch_ms, ResponseUint(object, "epoch_ms"));
  status.epoch_ms = static_cast<int64_t>(epoch_ms);
  VAULT_ASSIGN_OR_RETURN(status.base_epoch, ResponseUint(object, "base_epoch"));
  for (auto [key, field] : {std::pair{"last_shred_at", &RetentionStatus::last_shred_at},
                            std::pair{"last_run_at", &RetentionStatus::last_run_at}}) {
    const json::value* value = object.if_contains(key);
    if (value == nullptr) return BadResponse(std::string("missing '") + key + "'");
    if (!value->is_null()) {
      VAULT_ASSIGN_OR_RETURN(status.*field, ResponseTime(object, key));
    }
  }
  VAULT_ASSIGN_OR_RETURN(status.shredded_total, ResponseUint(object, "shredded_total"));
  VAULT_ASSIGN_OR_RETURN(status.overdue, ResponseUint(object, "overdue"));
  // Absent from an older vaultd: 0.
  if (object.contains("damaged")) {
    VAULT_ASSIGN_OR_RETURN(status.damaged, ResponseUint(object, "damaged"));
  }
  return status;
}

}  // namespace vault::wire
