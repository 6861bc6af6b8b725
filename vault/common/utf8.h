// Strict UTF-8 validation (RFC 3629: no overlongs, no surrogates, <= U+10FFFF).
#ifndef VAULT_COMMON_UTF8_H_
#define VAULT_COMMON_UTF8_H_

#include <string_view>

namespace vault {

bool IsValidUtf8(std::string_view s);

}  // namespace vault

#endif  // VAULT_COMMON_UTF8_H_
