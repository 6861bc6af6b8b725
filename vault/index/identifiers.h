// Visitor identifiers: which fields of a visitor find their transcripts, and
// their normalised forms (docs/formats/visitor-index.md).
//
// Indexed: `ref` (the chat platform's visitor reference, exact), `email`
// (trimmed, lower-cased), `phone` (its digits, with a leading `+` if it had
// one) and `ip` (the canonical text form of an IPv4 or IPv6 address; an
// IPv4-mapped IPv6 address is its IPv4 address). A tag is computed over
// IdentifierTagInput(): the kind's byte, then the normalised value.
//
// Thread safety: stateless functions.
#ifndef VAULT_INDEX_IDENTIFIERS_H_
#define VAULT_INDEX_IDENTIFIERS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vault/status.h"
#include "vault/types.h"

namespace vault {

enum class IdentifierKind : uint8_t { kRef = 1, kEmail = 2, kPhone = 3, kIp = 4 };

// "ref", "email", "phone", "ip".
const char* IdentifierKindName(IdentifierKind kind);

struct Identifier {
  IdentifierKind kind;
  std::string value;  // normalised
  bool operator==(const Identifier&) const = default;
};

// Each InvalidArgument with the reason invalid_ref, invalid_email,
// invalid_phone or invalid_ip, and a message that does not repeat the value.
StatusOr<std::string> NormaliseRef(std::string_view ref);
StatusOr<std::string> NormaliseEmail(std::string_view email);
StatusOr<std::string> NormalisePhone(std::string_view phone);
StatusOr<std::string> NormaliseIp(std::string_view ip);
StatusOr<Identifier> NormaliseIdentifier(IdentifierKind kind, std::string_view value);

// Checks the identifier fields a new transcript gives: `email` and `phone`,
// when present, must normalise. (`ip` and `ref` are free text as they have
// always been; they are indexed when they normalise.)
Status ValidateVisitorIdentifiers(const Visitor& visitor);

// The identifiers of `visitor` that are indexed, in kind order, without
// duplicates. A field that does not normalise is not indexed.
std::vector<Identifier> IndexedIdentifiers(const Visitor& visitor);

// kind byte | value: what a tag is computed over.
std::string IdentifierTagInput(const Identifier& id);
// Appends the same bytes to `out`.
void AppendIdentifierTagInput(const Identifier& id, std::string* out);

}  // namespace vault

#endif  // VAULT_INDEX_IDENTIFIERS_H_
