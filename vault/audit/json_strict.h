// The JSON dialect of audit payloads (docs/audit-format.md, section 5.2), parsed
// exactly: RFC 8259 JSON text in strict UTF-8 (RFC 3629), with these rules on
// top, so that every reader of a log reaches the same verdict:
//
//   - no NaN, Infinity, comments, trailing commas or other extensions;
//   - no member name twice in one object (compared after unescaping);
//   - no unpaired surrogate escape (\ud800 alone);
//   - at most kMaxJsonDepth nested arrays and objects, the outermost counting 1;
//   - whitespace (space, tab, LF, CR) is allowed around any token.
//
// Numbers are kept as the literal text they were written in, so that rules on
// integers ("0 or a digit 1-9 followed by digits") are rules on the bytes.
//
// Thread safety: stateless functions.
#ifndef VAULT_AUDIT_JSON_STRICT_H_
#define VAULT_AUDIT_JSON_STRICT_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace vault::audit {

constexpr int kMaxJsonDepth = 16;

struct JsonMember;

struct JsonValue {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  Kind kind = Kind::kNull;
  // kNumber: the literal as written; kString: the decoded UTF-8 text;
  // kBool: "true" or "false".
  std::string text;
  std::vector<JsonValue> items;                            // kArray
  // kObject, in order. (Not std::pair: a pair of an incomplete type is
  // rejected by clang with libstdc++ 12.)
  std::vector<JsonMember> members;

  bool is_object() const { return kind == Kind::kObject; }
  bool is_string() const { return kind == Kind::kString; }
  // The member `name` of an object, or nullptr.
  const JsonValue* Find(std::string_view name) const;
};

struct JsonMember {
  std::string first;  // the name
  JsonValue second;   // the value
};

// Parses `in` under the dialect above. On failure returns false and sets *why.
bool ParseStrictJson(std::string_view in, JsonValue* out, std::string* why);

// A JSON integer in [min, max]: a number literal that is "0" or a digit 1-9
// followed by digits (no sign, fraction or exponent). max < 2^64.
bool JsonUnsigned(const JsonValue& v, uint64_t min, uint64_t max, uint64_t* out);

}  // namespace vault::audit

#endif  // VAULT_AUDIT_JSON_STRICT_H_
