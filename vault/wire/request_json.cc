#include "vault/wire/request_json.h"

#include <boost/json.hpp>

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

}  // namespace

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
  VAULT_ASSIGN_OR_RETURN(json::object object,
                         ParseRequestObject(body, {"seq", "from", "text", "sent_at"}));
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
