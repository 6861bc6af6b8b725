// Wall-clock time and key epochs for the e2e tests of retention, which start
// vaultd with "--epoch 1s" and wait for real time to pass: a transcript's key
// is destroyed once the epoch holding its expiry has ended.
#ifndef VAULT_TESTS_SUPPORT_EPOCHS_H_
#define VAULT_TESTS_SUPPORT_EPOCHS_H_

#include <cstdint>

namespace vault::testing {

// The epoch length these tests give vaultd ("--epoch 1s"), in milliseconds.
constexpr int64_t kEpochMs = 1000;

// The system clock now, in Unix milliseconds.
int64_t NowMs();

// The end of the epoch holding Unix time `t` (ms): its first millisecond
// after that epoch.
int64_t EpochEnd(int64_t t);

}  // namespace vault::testing

#endif  // VAULT_TESTS_SUPPORT_EPOCHS_H_
