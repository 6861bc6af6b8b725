#include "vault/clock.h"

#include <time.h>

namespace vault {

UnixMillis SystemClock::NowMillis() const {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<UnixMillis>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

SystemClock* SystemClock::Default() {
  static SystemClock* clock = new SystemClock();
  return clock;
}

}  // namespace vault
