// DaemonClientTest: a gtest fixture with a started vaultd (daemon.h) and a
// Client connected to it, for e2e tests that talk to one daemon.
#ifndef VAULT_TESTS_SUPPORT_DAEMON_FIXTURE_H_
#define VAULT_TESTS_SUPPORT_DAEMON_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "vault/client.h"

namespace vault::testing {

class DaemonClientTest : public ::testing::Test {
 protected:
  // `extra_flags` go to vaultd (Daemon's constructor).
  explicit DaemonClientTest(std::vector<std::string> extra_flags = {})
      : daemon_(std::move(extra_flags)) {}

  // Starts the daemon and connects client_. A subclass that extends SetUp
  // calls this first and returns if HasFatalFailure().
  void SetUp() override {
    ASSERT_OK(daemon_.Start());
    auto client = daemon_.Connect();
    ASSERT_OK(client);
    client_ = std::move(client).value();
  }

  Daemon daemon_;
  std::unique_ptr<Client> client_;
};

}  // namespace vault::testing

#endif  // VAULT_TESTS_SUPPORT_DAEMON_FIXTURE_H_
