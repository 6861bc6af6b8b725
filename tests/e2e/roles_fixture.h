// The roles e2e tests' shared parts: identities (uids, gids, groups) under
// which forked clients call a real vaultd, and the RolesTest fixture that
// starts it with grants for each role. Used by roles_test.cc,
// legal_hold_roles_test.cc and rights_test.cc; the file comment of
// roles_test.cc says what is tested and how.
#ifndef VAULT_TESTS_E2E_ROLES_FIXTURE_H_
#define VAULT_TESTS_E2E_ROLES_FIXTURE_H_

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"

namespace vault::testing {

inline constexpr uint32_t kSocketGroup = 50100;
inline constexpr uint32_t kAgentGroup = 50102;

struct Identity {
  const char* name;
  uint32_t uid;
  uint32_t gid;
  std::vector<gid_t> groups;
};

inline const Identity kWriterAlpha{"writer(alpha)", 50001, 50001, {kSocketGroup}};
inline const Identity kWriterBeta{"writer(beta)", 50007, 50007, {kSocketGroup}};
inline const Identity kAgent{"agent", 50002, 50002, {kSocketGroup, kAgentGroup}};
inline const Identity kOfficer{"officer", 50003, 50003, {kSocketGroup}};
inline const Identity kAuditor{"auditor", 50004, 50004, {kSocketGroup}};
inline const Identity kAdmin{"admin", 50005, 50005, {kSocketGroup}};
inline const Identity kUnknown{"unknown", 50006, 50006, {kSocketGroup}};
inline const Identity kOutsider{"outsider", 50008, 50008, {}};  // not in the socket group
inline const Identity kDpo{"dpo", 50009, 50009, {kSocketGroup}};  // every service

struct Call {
  std::string method;
  std::string target;
  std::string body;
  std::string content_type = "application/json";  // sent with a non-empty body
};

struct Reply {
  int status = 0;  // -1: could not connect; -2: no response
  std::string body;
};

// Runs `calls` in order, one connection each, in a child process running as
// `who`. The child reports each reply as "status\n<length>\n<body>".
std::vector<Reply> RunAs(const Identity& who, const std::string& socket,
                         const std::vector<Call>& calls);
Reply RunOneAs(const Identity& who, const std::string& socket, const Call& call);
// A top-level field of a JSON object body: a string's value, anything else
// serialised; "" if absent or not JSON.
std::string Field(const std::string& body, const char* key);
// The body of message `seq` of a transcript.
std::string Message(int seq);

// Writes all of `data` to `fd` (a pipe between a forked client and the
// test), retrying on EINTR; false on any other failure.
bool WriteAll(int fd, const std::string& data);

class RolesTest : public ::testing::Test {
 protected:
  RolesTest() : RolesTest(std::vector<std::string>{}) {}
  // With `extra_flags` after the roles' (e.g. a short --retention).
  explicit RolesTest(std::vector<std::string> extra_flags)
      : daemon_(Flags(std::move(extra_flags))) {}

  void SetUp() override {
    ASSERT_OK(daemon_.Start());
    // The test's socket directory is 0700 root; let the clients traverse it.
    const std::string dir = std::filesystem::path(daemon_.socket_path()).parent_path();
    ASSERT_EQ(chmod(dir.c_str(), 0711), 0);
  }

  // A fresh alpha transcript with one message, made by the alpha writer.
  std::string NewAlphaTranscript() {
    const std::string& socket = daemon_.socket_path();
    Reply created =
        RunOneAs(kWriterAlpha, socket, {"POST", "/v1/transcripts", R"({"service":"alpha"})"});
    EXPECT_EQ(created.status, 201) << created.body;
    const std::string id = Field(created.body, "id");
    Reply appended =
        RunOneAs(kWriterAlpha, socket, {"POST", "/v1/transcripts/" + id + "/messages", Message(0)});
    EXPECT_EQ(appended.status, 201) << appended.body;
    return id;
  }

  static std::vector<std::string> Flags(std::vector<std::string> extra) {
    std::vector<std::string> flags = {"--access.writer",  "user:50001 services=alpha",
                                      "--access.writer",  "user:50007 services=beta",
                                      "--access.agent",   "group:50102",
                                      "--access.officer", "user:50003",
                                      "--access.auditor", "user:50004",
                                      "--access.admin",   "user:50005",
                                      "--access.dpo",     "user:50009",
                                      "--socket-group",   std::to_string(kSocketGroup)};
    flags.insert(flags.end(), extra.begin(), extra.end());
    return flags;
  }

  Daemon daemon_;
};

}  // namespace vault::testing

#endif  // VAULT_TESTS_E2E_ROLES_FIXTURE_H_
