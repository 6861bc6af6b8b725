// RFC 3339 timestamps: formatting Unix milliseconds and validating input.
#ifndef VAULT_COMMON_TIME_FORMAT_H_
#define VAULT_COMMON_TIME_FORMAT_H_

#include <string>
#include <string_view>

#include "vault/clock.h"

namespace vault {

// "2026-11-22T22:04:26.123Z" (always UTC, always milliseconds).
std::string FormatRfc3339(UnixMillis t);

// Accepts RFC 3339 date-times: "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)",
// 't'/'z' in either case, fraction up to 9 digits. On success stores the
// instant (fraction truncated to milliseconds) if `out` is non-null.
bool ParseRfc3339(std::string_view text, UnixMillis* out);

}  // namespace vault

#endif  // VAULT_COMMON_TIME_FORMAT_H_
