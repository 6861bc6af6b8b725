// VaultctlTest: the real vaultctl binary against a real vaultd (DaemonTest),
// with verbs for running it. The test process runs as vaultd's own user
// with no [access] grants, so vaultctl holds every role, dpo included
// (AccessPolicy::OwnerOnly). Used by vaultctl_test.cc and
// vaultctl_rights_test.cc.
#ifndef VAULT_TESTS_E2E_VAULTCTL_FIXTURE_H_
#define VAULT_TESTS_E2E_VAULTCTL_FIXTURE_H_

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon_fixture.h"
#include "tests/support/exposition.h"
#include "tests/support/run_program.h"
#include "vault/client.h"

namespace vault::testing {

class VaultctlTest : public DaemonTest {
 protected:
  explicit VaultctlTest(std::vector<std::string> flags = {}) : DaemonTest(std::move(flags)) {}

  // vaultctl --socket <the daemon's> args...
  ProgramResult Ctl(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), {"--socket", daemon_.socket_path()});
    return RunProgram(VAULTCTL_PATH, args, {"VAULT_SOCKET"}, stdin_text);
  }

  // Runs vaultctl expecting success; its stdout parsed as JSON.
  boost::json::object CtlJson(std::vector<std::string> args, const std::string& stdin_text = "") {
    const ProgramResult r = Ctl(args, stdin_text);
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(r.out, ec);
    EXPECT_FALSE(ec) << r.out;
    return ec || !v.is_object() ? boost::json::object() : v.as_object();
  }

  std::string Create() {
    const boost::json::object created = CtlJson({"create", "--service", "webchat"});
    return created.contains("id") ? std::string(created.at("id").as_string()) : "";
  }

  // Total requests vaultd has answered, from its metrics.
  double RequestsSoFar() {
    auto text = client_->Metrics();
    EXPECT_OK(text);
    auto e = ParseExposition(text.ok() ? *text : "");
    EXPECT_OK(e);
    double total = 0;
    if (e.ok()) {
      for (const MetricSample& s : e->All("vault_http_requests_total")) total += s.value;
    }
    return total;
  }
};

}  // namespace vault::testing

#endif  // VAULT_TESTS_E2E_VAULTCTL_FIXTURE_H_
