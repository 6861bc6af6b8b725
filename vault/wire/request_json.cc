#include "vault/wire/request_json.h"

#include <string.h>  // explicit_bzero

#include <algorithm>
#include <boost/json.hpp>
#include <cstddef>
#include <set>
#include <utility>

#include "vault/common/wipe.h"
#include "vault/wire/json_util.h"

namespace vault::wire {

namespace json = boost::json;

namespace {

Status ParseVisitor(const json::value& value, Visitor* visitor) {
  if (value.is_null()) return Status::OK();
  if (!value.is_object()) {
    return Status::InvalidArgument("field 'visitor' must be an object", "invalid_type");
  }
  const json::object& object = value.as_object();
  VAULT_RETURN_IF_ERROR(CheckKnownFields(
      object, "visitor",
      {"name", "ip", "location", "user_agent", "device", "ref", "email", "phone"}));
  for (const VisitorField& field : kVisitorFields) {
    auto parsed = OptionalString(object, field.key);
    if (!parsed.ok()) {
      return Status::InvalidArgument(
          "field 'visitor." + std::string(field.key) + "' must be a string",
          parsed.status().reason());
    }
    visitor->*field.member = std::move(parsed).value();
  }
  return Status::OK();
}

// Whether `json` has the number -0 (not -0.5, -0e1, -01) outside its strings.
bool HasNegativeZero(std::string_view json) {
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '-' && i + 1 < json.size() && json[i + 1] == '0') {
      const char next = i + 2 < json.size() ? json[i + 2] : ' ';
      if (next != '.' && next != 'e' && next != 'E' && !(next >= '0' && next <= '9')) return true;
    }
  }
  return false;
}

// Memory for parsing a request body that holds messages' text: the parsed
// keys and strings go first into a buffer on the stack, so that an
// append's body (one message of 1 KiB parses into about 1.3 KiB) takes no
// allocation, and the buffer is wiped when the arena goes (the stack is not
// freed memory, which vaultd's operator delete zeroes: tools/
// wiping_new.cc); a larger body takes the rest from the heap. The parsed
// value must be destroyed before the arena.
class ParseArena {
 public:
  ParseArena() = default;
  ParseArena(const ParseArena&) = delete;
  ParseArena& operator=(const ParseArena&) = delete;
  ~ParseArena() {
    resource_.release();
    explicit_bzero(buffer_, sizeof buffer_);
  }

  json::storage_ptr storage() { return json::storage_ptr(&resource_); }

 private:
  alignas(16) unsigned char buffer_[4096];
  json::monotonic_resource resource_{buffer_, sizeof buffer_};
};

}  // namespace

bool IsIdempotencyKey(std::string_view key) {
  return !key.empty() && key.size() <= kMaxIdempotencyKeyBytes &&
         std::all_of(key.begin(), key.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

StatusOr<NewTranscript> ParseNewTranscript(std::string_view body) {
  VAULT_ASSIGN_OR_RETURN(json::object object, ParseRequestObject(body, {"service", "visitor"}));
  NewTranscript request;
  VAULT_ASSIGN_OR_RETURN(request.service, RequiredString(object, "service"));
  if (const json::value* visitor = object.if_contains("visitor")) {
    VAULT_RETURN_IF_ERROR(ParseVisitor(*visitor, &request.visitor));
  }
  return request;
}

StatusOr<Message> ParseMessage(std::string_view body, uint64_t max_seq) {
  ParseArena arena;
  VAULT_ASSIGN_OR_RETURN(json::object object,
                         ParseRequestObject(body, {"seq", "from", "text", "sent_at"},
                                            "request body", arena.storage()));
  Message message;
  VAULT_ASSIGN_OR_RETURN(message.seq, RequiredUint(object, "seq", max_seq, "invalid_seq"));
  VAULT_ASSIGN_OR_RETURN(message.from, RequiredString(object, "from"));
  VAULT_ASSIGN_OR_RETURN(message.text, RequiredString(object, "text"));
  VAULT_ASSIGN_OR_RETURN(message.sent_at, RequiredString(object, "sent_at"));
  // JSON reads -0 as the integer 0, but it is a negative number. Every other
  // field is a string by now, so a -0 outside the strings is seq's.
  if (message.seq == 0 && HasNegativeZero(body)) {
    return Status::InvalidArgument(
        "field \"seq\" must be an integer from 0 to " + std::to_string(max_seq), "invalid_seq");
  }
  return message;
}

StatusOr<std::vector<Message>> ParseMessageBatch(std::string_view body, uint64_t max_seq,
                                                 size_t max_messages) {
  ParseArena arena;
  VAULT_ASSIGN_OR_RETURN(
      json::object object,
      ParseRequestObject(body, {"messages"}, "batch request body", arena.storage()));
  const json::value* list = object.if_contains("messages");
  if (list == nullptr) {
    return Status::InvalidArgument("missing required field \"messages\"", "missing_field");
  }
  if (!list->is_array()) {
    return Status::InvalidArgument("field \"messages\" must be an array", "invalid_type");
  }
  const json::array& array = list->as_array();
  if (array.empty()) {
    return Status::InvalidArgument("\"messages\" must hold at least one message", "empty_batch");
  }
  if (array.size() > max_messages) {
    return Status::InvalidArgument("a batch holds at most " + std::to_string(max_messages) +
                                       " messages; this one has " + std::to_string(array.size()),
                                   "batch_too_large");
  }
  std::vector<Message> messages;
  messages.reserve(array.size());
  std::set<uint64_t> seqs;
  for (size_t i = 0; i < array.size(); ++i) {
    const std::string where = "messages[" + std::to_string(i) + "]";
    // Each message's error names it, and keeps its code.
    const auto at = [&where](const Status& status) {
      return Status::InvalidArgument(where + ": " + status.message(), status.reason());
    };
    if (!array[i].is_object()) {
      return Status::InvalidArgument(where + " must be an object", "invalid_type");
    }
    const json::object& item = array[i].as_object();
    if (Status known = CheckKnownFields(item, where, {"seq", "from", "text", "sent_at"});
        !known.ok()) {
      return known;
    }
    Message message;
    StatusOr<uint64_t> seq = RequiredUint(item, "seq", max_seq, "invalid_seq");
    if (!seq.ok()) return at(seq.status());
    message.seq = *seq;
    for (auto [key, field] : {std::pair{"from", &message.from}, std::pair{"text", &message.text},
                              std::pair{"sent_at", &message.sent_at}}) {
      StatusOr<std::string> value = RequiredString(item, key);
      if (!value.ok()) return at(value.status());
      *field = std::move(value).value();
    }
    if (!seqs.insert(message.seq).second) {
      return Status::InvalidArgument(
          where + ": seq " + std::to_string(message.seq) + " is already in this batch",
          "duplicate_seq");
    }
    messages.push_back(std::move(message));
  }
  // As for one message: the only numbers are seqs, so a -0 is a seq's.
  if (HasNegativeZero(body)) {
    return Status::InvalidArgument(
        "every \"seq\" must be an integer from 0 to " + std::to_string(max_seq), "invalid_seq");
  }
  return messages;
}

namespace {

// An empty body or {}; errors name the route's body as `what`.
Status ParseEmptyBody(std::string_view body, std::string_view what) {
  if (body.empty()) return Status::OK();
  return ParseRequestObject(body, {}, what).status();
}

}  // namespace

Status ParseCloseBody(std::string_view body) { return ParseEmptyBody(body, "close request body"); }

StatusOr<EraseReason> ParseEraseBody(std::string_view body) {
  if (body.empty()) return EraseReason::kNone;
  VAULT_ASSIGN_OR_RETURN(json::object object,
                         ParseRequestObject(body, {"reason"}, "erase request body"));
  const json::value* reason = object.if_contains("reason");
  if (reason == nullptr) return EraseReason::kNone;
  if (!reason->is_string()) {
    return Status::InvalidArgument("field 'reason' must be a string", "invalid_type");
  }
  if (reason->as_string() == "visitor_request") return EraseReason::kVisitorRequest;
  return Status::InvalidArgument("field 'reason' must be \"visitor_request\" or absent",
                                 "invalid_reason");
}

std::string EncodeNewTranscript(const NewTranscript& request) {
  json::object object;
  object["service"] = request.service;
  object["visitor"] = EncodeVisitor(request.visitor);
  return json::serialize(object);
}

std::string EncodeMessage(const Message& message) {
  return json::serialize(EncodeMessageObject(message));
}

}  // namespace vault::wire
