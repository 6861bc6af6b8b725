#include "tests/support/epochs.h"

#include <chrono>

namespace vault::testing {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t EpochEnd(int64_t t) { return (t / kEpochMs + 1) * kEpochMs; }

}  // namespace vault::testing
