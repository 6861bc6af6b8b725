#include "vault/wire/json_util.h"

#include <boost/json.hpp>

#include "vault/common/time_format.h"

namespace vault::wire {

namespace json = boost::json;

namespace {

std::string Quoted(std::string_view key) { return "'" + std::string(key) + "'"; }

}  // namespace

json::object EncodeVisitor(const Visitor& visitor) {
  json::object object;
  for (const VisitorField& field : kVisitorFields) {
    const std::optional<std::string>& value = visitor.*field.member;
    if (value.has_value()) object[JsonView(field.key)] = JsonView(*value);
  }
  return object;
}

json::object EncodeMessageObject(const Message& message) {
  json::object object;
  object["seq"] = message.seq;
  object["from"] = message.from;
  object["text"] = message.text;
  object["sent_at"] = message.sent_at;
  if (!message.statements.empty()) {
    // Supplementary statements, next to the message they supplement.
    json::array statements;
    for (const Statement& st : message.statements) {
      statements.emplace_back(json::object{{"text", st.text},
                                           {"added_at", FormatRfc3339(st.added_at)}});
    }
    object["statements"] = std::move(statements);
  }
  return object;
}

json::array StringArray(const std::vector<std::string>& items) {
  json::array out;
  out.reserve(items.size());
  for (const std::string& item : items) out.emplace_back(item);
  return out;
}

json::value TimeOrNull(UnixMillis t) {
  if (t == 0) return nullptr;
  return json::value(FormatRfc3339(t));
}

StatusOr<json::value> ParseJson(std::string_view body, json::storage_ptr storage) {
  if (body.empty()) return Status::InvalidArgument("request body is empty", "invalid_json");
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  options.allow_comments = false;
  options.allow_trailing_commas = false;
  options.allow_invalid_utf8 = false;
  boost::system::error_code ec;
  // Built in place, not assigned: a json::value assigned from one of
  // another storage would copy it into its own.
  json::value value = [&]() -> json::value {
    if (storage == json::storage_ptr()) {
      return json::parse(JsonView(body), ec, json::storage_ptr(), options);
    }
    // The parser's stack of values, where a string is put together from
    // its pieces, from `storage` as well, not the heap. (An escaped string
    // is decoded through a buffer in the parser's own stack frame; callers
    // that wipe, the server's routes, scrub the stack: ScrubStack.)
    json::parser parser(storage, options);
    parser.reset(storage);
    parser.write(JsonView(body), ec);
    if (ec) return nullptr;
    return parser.release();
  }();
  if (ec == json::error::too_deep) {
    return Status::InvalidArgument(
        "JSON nesting is deeper than " + std::to_string(kMaxJsonDepth) + " levels", "too_deep");
  }
  if (ec) {
    // ec.message() is a fixed description ("syntax error"), not request content.
    return Status::InvalidArgument("request body is not valid JSON (" + ec.message() + ")",
                                   "invalid_json");
  }
  return value;
}

StatusOr<json::object> ParseJsonObject(std::string_view body, std::string_view what,
                                       json::storage_ptr storage) {
  VAULT_ASSIGN_OR_RETURN(json::value value, ParseJson(body, std::move(storage)));
  if (!value.is_object()) {
    return Status::InvalidArgument(std::string(what) + " must be a JSON object", "invalid_type");
  }
  return std::move(value.as_object());
}

Status CheckKnownFields(const json::object& object, std::string_view what,
                        std::initializer_list<std::string_view> allowed) {
  for (const auto& entry : object) {
    bool known = false;
    for (std::string_view name : allowed) {
      if (std::string_view(entry.key().data(), entry.key().size()) == name) known = true;
    }
    if (known) continue;
    // The unknown key itself is request content: name the allowed ones instead.
    std::string message = std::string(what) + " has an unknown field";
    if (allowed.size() == 0)
      return Status::InvalidArgument(message + "; it takes none", "unknown_field");
    message += "; allowed:";
    const char* sep = " ";
    for (std::string_view name : allowed) {
      message += sep;
      message += name;
      sep = ", ";
    }
    return Status::InvalidArgument(std::move(message), "unknown_field");
  }
  return Status::OK();
}

StatusOr<json::object> ParseRequestObject(std::string_view body,
                                          std::initializer_list<std::string_view> allowed,
                                          std::string_view what, json::storage_ptr storage) {
  VAULT_ASSIGN_OR_RETURN(json::object object,
                         ParseJsonObject(body, "request body", std::move(storage)));
  VAULT_RETURN_IF_ERROR(CheckKnownFields(object, what, allowed));
  return object;
}

StatusOr<std::string> RequiredString(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(JsonView(key));
  if (value == nullptr) {
    return Status::InvalidArgument("missing required field " + Quoted(key), "missing_field");
  }
  if (!value->is_string()) {
    return Status::InvalidArgument("field " + Quoted(key) + " must be a string", "invalid_type");
  }
  return std::string(value->as_string());
}

StatusOr<std::optional<std::string>> OptionalString(const json::object& object,
                                                    std::string_view key) {
  const json::value* value = object.if_contains(JsonView(key));
  if (value == nullptr || value->is_null()) return std::optional<std::string>();
  if (!value->is_string()) {
    return Status::InvalidArgument("field " + Quoted(key) + " must be a string", "invalid_type");
  }
  return std::optional<std::string>(std::string(value->as_string()));
}

StatusOr<std::vector<std::string>> OptionalServices(const json::object& object) {
  std::vector<std::string> out;
  const json::value* services = object.if_contains("services");
  if (services == nullptr || services->is_null()) return out;
  const auto bad = [] {
    return Status::InvalidArgument("field \"services\" must be an array of service names",
                                   "invalid_type");
  };
  if (!services->is_array()) return bad();
  for (const json::value& service : services->as_array()) {
    if (!service.is_string()) return bad();
    out.emplace_back(service.as_string());
  }
  return out;
}

StatusOr<uint64_t> RequiredUint(const json::object& object, std::string_view key, uint64_t max,
                                std::string_view bad_reason) {
  const json::value* value = object.if_contains(JsonView(key));
  if (value == nullptr) {
    return Status::InvalidArgument("missing required field " + Quoted(key), "missing_field");
  }
  std::optional<uint64_t> n;
  if (value->is_uint64()) n = value->as_uint64();
  if (value->is_int64() && value->as_int64() >= 0) n = static_cast<uint64_t>(value->as_int64());
  if (!n.has_value() || *n > max) {
    return Status::InvalidArgument(
        "field " + Quoted(key) + " must be an integer from 0 to " + std::to_string(max),
        std::string(bad_reason));
  }
  return *n;
}

Status BadResponse(std::string_view what) {
  return Status::Internal("vaultd sent a malformed response: " + std::string(what), "bad_response");
}

StatusOr<std::string> ResponseString(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(JsonView(key));
  if (value == nullptr || !value->is_string()) return BadResponse(Quoted(key) + " is not a string");
  return std::string(value->as_string());
}

StatusOr<uint64_t> ResponseUint(const json::object& object, std::string_view key) {
  const json::value* value = object.if_contains(JsonView(key));
  if (value != nullptr && value->is_uint64()) return value->as_uint64();
  if (value != nullptr && value->is_int64() && value->as_int64() >= 0) {
    return static_cast<uint64_t>(value->as_int64());
  }
  return BadResponse(Quoted(key) + " is not a non-negative integer");
}

StatusOr<int64_t> ResponseTime(const json::object& object, std::string_view key) {
  VAULT_ASSIGN_OR_RETURN(std::string text, ResponseString(object, key));
  UnixMillis t = 0;
  if (!ParseRfc3339(text, &t)) return BadResponse(Quoted(key) + " is not an RFC 3339 time");
  return t;
}

StatusOr<const boost::json::object*> ResponseObject(const boost::json::object& object,
                                                    std::string_view key) {
  const boost::json::value* value =
      object.if_contains(boost::json::string_view(key.data(), key.size()));
  if (value == nullptr || !value->is_object()) {
    return BadResponse("\"" + std::string(key) + "\" is not an object");
  }
  return &value->as_object();
}

StatusOr<const boost::json::array*> ResponseArray(const boost::json::object& object,
                                                  std::string_view key) {
  const boost::json::value* value =
      object.if_contains(boost::json::string_view(key.data(), key.size()));
  if (value == nullptr || !value->is_array()) {
    return BadResponse("\"" + std::string(key) + "\" is not an array");
  }
  return &value->as_array();
}

StatusOr<std::vector<std::string>> ResponseStrings(const boost::json::object& object,
                                                   std::string_view key) {
  VAULT_ASSIGN_OR_RETURN(const boost::json::array* array, ResponseArray(object, key));
  std::vector<std::string> out;
  for (const boost::json::value& item : *array) {
    if (!item.is_string()) return BadResponse("\"" + std::string(key) + "\" holds a non-string");
    out.emplace_back(item.as_string());
  }
  return out;
}

StatusOr<boost::json::object> ParseResponseObject(std::string_view body) {
  boost::system::error_code ec;
  boost::json::value value = boost::json::parse(JsonView(body), ec);
  if (ec || !value.is_object()) return BadResponse("body is not a JSON object");
  return std::move(value.as_object());
}

}  // namespace vault::wire
