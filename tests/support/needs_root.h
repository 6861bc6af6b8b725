// For the few tests that need what only root may do: `chattr +i` (the
// kernel's CAP_LINUX_IMMUTABLE) to make a file refuse writes, the only
// faithful way to fail a write of a real file. Run as another user (a
// developer with sudo running scripts/vault-dev test), such a test is
// reported as skipped, saying what it needs, rather than failing on a
// chattr that was refused. As root, as CI runs, it runs in full and its
// own assertions stand, so a chattr that fails there still fails the test.
#ifndef VAULT_TESTS_SUPPORT_NEEDS_ROOT_H_
#define VAULT_TESTS_SUPPORT_NEEDS_ROOT_H_

#include <gtest/gtest.h>
#include <unistd.h>

#define VAULT_SKIP_UNLESS_ROOT_FOR_CHATTR()                                             \
  do {                                                                                  \
    if (::geteuid() != 0) {                                                             \
      GTEST_SKIP() << "not run: needs root, for chattr +i (CAP_LINUX_IMMUTABLE); run "  \
                      "the suite as root, as CI does, to include it";                   \
    }                                                                                   \
  } while (0)

#endif  // VAULT_TESTS_SUPPORT_NEEDS_ROOT_H_
