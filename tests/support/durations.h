// Durations in milliseconds, the unit of the vault's clocks and options, for
// tests that move a manual clock by days or set a retention in hours.
#ifndef VAULT_TESTS_SUPPORT_DURATIONS_H_
#define VAULT_TESTS_SUPPORT_DURATIONS_H_

#include <cstdint>

namespace vault::testing {

inline constexpr int64_t kMinute = 60 * 1000;
inline constexpr int64_t kHour = 60 * kMinute;
inline constexpr int64_t kDay = 24 * kHour;

}  // namespace vault::testing

#endif  // VAULT_TESTS_SUPPORT_DURATIONS_H_
