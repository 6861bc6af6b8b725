// Fixed-width big-endian integers and hex: the byte layouts of keys and
// on-disk formats (docs/formats/). Big-endian so that RocksDB's bytewise
// order is numeric order.
#ifndef VAULT_COMMON_ENCODING_H_
#define VAULT_COMMON_ENCODING_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace vault {

void PutU32(std::string* dst, uint32_t v);
void PutU64(std::string* dst, uint64_t v);
// Writes the 8 bytes PutU64 appends to `dst`.
void EncodeU64(char* dst, uint64_t v);
uint32_t GetU32(const char* p);
uint64_t GetU64(const char* p);
// Appends a 32-bit length then the bytes.
void PutLengthPrefixed(std::string* dst, std::string_view bytes);
// Reads what PutLengthPrefixed wrote from *in, advancing it. False if short.
bool GetLengthPrefixed(std::string_view* in, std::string_view* out);

std::string ToHex(std::string_view bytes);
// False unless `hex` is lowercase hex of even length.
bool FromHex(std::string_view hex, std::string* out);
// Whether `s` is exactly `digits` lowercase hex digits.
bool IsLowerHex(std::string_view s, size_t digits);
// Whether `s` is an id chosen by a person (a case or an officer id): 1 to 64
// of letters (lowercase only unless `upper_ok`), digits, '.', '_' and '-'.
bool IsValidName(std::string_view s, bool upper_ok);

// Base64, standard alphabet with padding (RFC 4648 section 4). FromBase64 is
// strict: no whitespace, correct padding, no trailing bits set.
std::string ToBase64(std::string_view bytes);
bool FromBase64(std::string_view text, std::string* out);

}  // namespace vault

#endif  // VAULT_COMMON_ENCODING_H_
