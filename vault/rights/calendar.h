// The one-month clock of a visitor's request (docs/data-protection.md):
// calendar months in UTC, the way the regulator counts them.
//
// Thread safety: pure functions.
#ifndef VAULT_RIGHTS_CALENDAR_H_
#define VAULT_RIGHTS_CALENDAR_H_

#include <cstdint>
#include <string>

#include "vault/clock.h"

namespace vault::rights {

// The first instant a request received at `received` is overdue when the
// time limit is `months` calendar months: the end of the corresponding day
// `months` months later (its last day when that month is shorter), i.e.
// 00:00 UTC of the day after. Received 3 September: due by the end of
// 3 October. Received 31 January: due by the end of 28 (29) February.
// `received` must be >= 0 (1970 or later) and `months` at most 1200.
UnixMillis DueAt(UnixMillis received, uint32_t months);

// "YYYY-MM-DD" of the day that ends at `due_at` (the due date).
std::string DueDate(UnixMillis due_at);

}  // namespace vault::rights

#endif  // VAULT_RIGHTS_CALENDAR_H_
