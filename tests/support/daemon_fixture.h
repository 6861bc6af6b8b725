// DaemonTest: a fixture base for black-box tests that hold one real vaultd
// (daemon.h) and a vault::Client connected to its socket.
//
// SetUp() starts the daemon and connects client_, failing (fatally) if
// either does not work. A fixture that needs more set-up overrides SetUp()
// and calls ASSERT_NO_FATAL_FAILURE(DaemonTest::SetUp()) first, or, to
// prepare the data directory before the daemon starts, last.
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

class DaemonTest : public ::testing::Test {
 protected:
  // `extra_flags`: vaultd's flags besides --data-dir and --socket.
  explicit DaemonTest(std::vector<std::string> extra_flags = {})
      : daemon_(std::move(extra_flags)) {}

  void SetUp() override {
    ASSERT_OK(daemon_.Start());
    ASSERT_NO_FATAL_FAILURE(Reconnect());
  }

  // Replaces client_ with a new client connected to the daemon's socket.
  void Reconnect() {
    auto client = daemon_.Connect();
    ASSERT_OK(client);
    client_ = std::move(client).value();
  }

  Daemon daemon_;
  std::unique_ptr<Client> client_;
};

}  // namespace vault::testing

#endif  // VAULT_TESTS_SUPPORT_DAEMON_FIXTURE_H_
