// A real vaultd and a vault::Client connected to its socket (DaemonTest,
// tests/support/daemon_fixture.h), with verbs for the calls the client tests
// repeat. The test process runs as vaultd's own user with no [access]
// grants, so it holds every role.
#ifndef VAULT_TESTS_CLIENT_CLIENT_FIXTURE_H_
#define VAULT_TESTS_CLIENT_CLIENT_FIXTURE_H_

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/daemon_fixture.h"
#include "tests/support/exposition.h"
#include "vault/client.h"

namespace vault::testing {

class ClientTest : public DaemonTest {
 protected:
  explicit ClientTest(std::vector<std::string> flags = {}) : DaemonTest(std::move(flags)) {}

  Client& client() { return *client_; }

  // A new transcript of service "svc" holding `messages` messages
  // ("message 0", ...), closed if `close`.
  std::string NewTranscript(int messages = 0, bool close = false) {
    vault::NewTranscript request;
    request.service = "svc";
    auto created = client_->CreateTranscript(request);
    EXPECT_OK(created);
    if (!created.ok()) return "";
    for (int i = 0; i < messages; ++i) {
      EXPECT_OK(client_->AppendMessage(created->id, MakeMessage(i, "message " + std::to_string(i))));
    }
    if (close) EXPECT_OK(client_->CloseTranscript(created->id));
    return created->id;
  }

  // The daemon's metrics, read on a connection of their own (opened and
  // closed here, so it never idles and never counts as a timed-out one).
  Exposition Metrics() {
    auto probe = Client::Connect(daemon_.socket_path());
    EXPECT_OK(probe);
    if (!probe.ok()) return {};
    auto text = (*probe)->Metrics();
    EXPECT_OK(text);
    if (!text.ok()) return {};
    auto parsed = ParseExposition(*text);
    EXPECT_OK(parsed);
    return parsed.ok() ? *parsed : Exposition{};
  }
  double IdleTimeouts() {
    return Metrics().ValueOr0("vault_http_connections_timed_out_total", {{"phase", "idle"}});
  }
  // Waits (bounded) until the daemon has closed `count` idle connections in
  // all, as its own counter says: the condition, polled, not a fixed sleep.
  ::testing::AssertionResult WaitForIdleTimeouts(double count) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    double seen = 0;
    while (std::chrono::steady_clock::now() < deadline) {
      seen = IdleTimeouts();
      if (seen >= count) return ::testing::AssertionSuccess();
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return ::testing::AssertionFailure() << "idle timeouts: " << seen << ", waited for " << count;
  }

  // Access records of the audit log with this action, as (outcome, objects).
  struct Access {
    std::string outcome;
    std::vector<std::string> objects;
  };
  std::vector<Access> AccessRecords(std::string_view action) {
    std::vector<Access> out;
    for (const boost::json::object& r : AuditRecords(*client_)) {
      if (r.at("type") != "access" || !r.at("payload").is_object()) continue;
      const boost::json::object& p = r.at("payload").as_object();
      if (p.at("action") != boost::json::string_view(action.data(), action.size())) continue;
      Access access{std::string(p.at("outcome").as_string()), {}};
      for (const auto& o : p.at("objects").as_array()) access.objects.emplace_back(o.as_string());
      out.push_back(std::move(access));
    }
    return out;
  }
};

}  // namespace vault::testing

#endif  // VAULT_TESTS_CLIENT_CLIENT_FIXTURE_H_
