// JSON helpers of the wire format: the one place request bodies are parsed,
// with the caps that apply before any field is looked at, and small typed
// accessors that turn a wrong shape into a Status.
//
// Caps: nesting depth at most kMaxJsonDepth; strict UTF-8 (invalid sequences
// are rejected); no comments or trailing commas. The body size cap is applied
// earlier, by the HTTP parser.
//
// Error messages name fields of the schema, never values or keys from the
// request, so they are safe to log and to send back.
// Thread safety: pure functions.
#ifndef VAULT_WIRE_JSON_UTIL_H_
#define VAULT_WIRE_JSON_UTIL_H_

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/status.h"
#include "vault/types.h"

namespace vault::wire {

constexpr int kMaxJsonDepth = 16;

// The visitor fields, in wire order, with their member in Visitor.
struct VisitorField {
  std::string_view key;
  std::optional<std::string> Visitor::*member;
};
inline constexpr VisitorField kVisitorFields[] = {
    {"name", &Visitor::name},         {"ip", &Visitor::ip},
    {"location", &Visitor::location}, {"user_agent", &Visitor::user_agent},
    {"device", &Visitor::device},     {"ref", &Visitor::ref},
    {"email", &Visitor::email},       {"phone", &Visitor::phone},
};

// {"name": ..., ...} with the present fields only.
boost::json::object EncodeVisitor(const Visitor& visitor);

// {"seq", "from", "text", "sent_at"}: a message, as in the body of an append
// request and in the "messages" of a transcript.
boost::json::object EncodeMessageObject(const Message& message);

// `s` as Boost.JSON's string_view (for keys and parsing), without a copy.
inline boost::json::string_view JsonView(std::string_view s) {
  return boost::json::string_view(s.data(), s.size());
}

// ["a", "b", ...]: each of `items` as a JSON string.
boost::json::array StringArray(const std::vector<std::string>& items);

// An RFC 3339 time, or null when `t` is 0 ("never").
boost::json::value TimeOrNull(UnixMillis t);

// Parses `body`, into memory from `storage` (the default: the heap).
// InvalidArgument "invalid_json" for malformed JSON or invalid UTF-8,
// "too_deep" for nesting over kMaxJsonDepth.
StatusOr<boost::json::value> ParseJson(std::string_view body,
                                       boost::json::storage_ptr storage = {});

// Like ParseJson, and the value must be an object ("invalid_type" otherwise).
// `what` names it in messages ("request body").
StatusOr<boost::json::object> ParseJsonObject(std::string_view body, std::string_view what,
                                              boost::json::storage_ptr storage = {});

// InvalidArgument "unknown_field" if `object` has a key not in `allowed`.
Status CheckKnownFields(const boost::json::object& object, std::string_view what,
                        std::initializer_list<std::string_view> allowed);

// A request body: ParseJsonObject(body, "request body"), then
// CheckKnownFields(object, what, allowed).
StatusOr<boost::json::object> ParseRequestObject(std::string_view body,
                                                 std::initializer_list<std::string_view> allowed,
                                                 std::string_view what = "request body",
                                                 boost::json::storage_ptr storage = {});

// The string at `key`. Missing: "missing_field"; not a string: "invalid_type".
StatusOr<std::string> RequiredString(const boost::json::object& object, std::string_view key);

// The string at `key`, or nullopt when absent or null; "invalid_type" for any
// other type.
StatusOr<std::optional<std::string>> OptionalString(const boost::json::object& object,
                                                    std::string_view key);

// The array of service names at "services" (names checked by the vault);
// empty when absent or null. "invalid_type" for anything but strings.
StatusOr<std::vector<std::string>> OptionalServices(const boost::json::object& object);

// A non-negative JSON integer (not a float, not a string) at most `max`.
// Missing: "missing_field"; anything else: `bad_reason`.
StatusOr<uint64_t> RequiredUint(const boost::json::object& object, std::string_view key,
                                uint64_t max, std::string_view bad_reason);

// The same lookups for decoding responses, where any failure is the server's
// fault: every error is Internal "bad_response".
StatusOr<std::string> ResponseString(const boost::json::object& object, std::string_view key);
StatusOr<uint64_t> ResponseUint(const boost::json::object& object, std::string_view key);
// An RFC 3339 string at `key`, as Unix milliseconds.
StatusOr<int64_t> ResponseTime(const boost::json::object& object, std::string_view key);
// The object, the array, or the array of strings at `key`.
StatusOr<const boost::json::object*> ResponseObject(const boost::json::object& object,
                                                    std::string_view key);
StatusOr<const boost::json::array*> ResponseArray(const boost::json::object& object,
                                                  std::string_view key);
StatusOr<std::vector<std::string>> ResponseStrings(const boost::json::object& object,
                                                   std::string_view key);
Status BadResponse(std::string_view what);
// A response body that must be a JSON object (no depth cap beyond the
// parser's default: the server is trusted to be sane, not to be small).
StatusOr<boost::json::object> ParseResponseObject(std::string_view body);

}  // namespace vault::wire

#endif  // VAULT_WIRE_JSON_UTIL_H_
