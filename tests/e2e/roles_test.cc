// Roles and socket safety: every endpoint × every role,
// with clients running under different uids on the real socket. Roles come
// from SO_PEERCRED/SO_PEERGROUPS through the [access] grants; allowed calls
// succeed, every other gets 403 with a JSON error and changes nothing;
// unknown uids get nothing; a uid outside the socket's group cannot connect.
//
// The test runs as root: each client is a forked child that drops to its
// uid, gid and supplementary groups before it connects.
//
// This file: the transcript, retention and audit endpoints for every role,
// and the socket's and data directory's safety. The legal-hold endpoints are
// in legal_hold_roles_test.cc; the clients and fixture in roles_fixture.h.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/e2e/roles_fixture.h"

namespace vault::testing {
namespace {

TEST_F(RolesTest, EveryEndpointForEveryRole) {
  const std::string& socket = daemon_.socket_path();
  struct Expect {
    const Identity* who;
    int health, create_alpha, append, batch, close, get, page, audit;
    const char* denial_code;  // expected error code of the 403s on transcripts
  };
  const Expect matrix[] = {
      {&kWriterAlpha, 200, 201, 201, 201, 200, 200, 200, 403, ""},
      {&kWriterBeta, 200, 403, 403, 403, 403, 403, 403, 403, "service_forbidden"},
      {&kAgent, 200, 403, 403, 403, 403, 200, 200, 403, "forbidden"},
      {&kOfficer, 200, 403, 403, 403, 403, 403, 403, 403, "forbidden"},
      {&kAuditor, 200, 403, 403, 403, 403, 403, 403, 200, "forbidden"},
      {&kAdmin, 200, 403, 403, 403, 403, 403, 403, 403, "forbidden"},
      {&kDpo, 200, 403, 403, 403, 403, 403, 403, 403, "forbidden"},
      {&kUnknown, 403, 403, 403, 403, 403, 403, 403, 403, "unknown_caller"},
  };
  for (const Expect& e : matrix) {
    SCOPED_TRACE(e.who->name);
    const std::string id = NewAlphaTranscript();
    const std::string path = "/v1/transcripts/" + id;
    const std::vector<Call> calls = {
        {"GET", "/v1/health", ""},
        {"GET", "/v1/openapi.json", ""},
        {"POST", "/v1/transcripts", R"({"service":"alpha"})"},
        {"POST", path + "/messages", Message(1)},
        {"POST", path + "/messages/batch", R"({"messages":[)" + Message(2) + "," + Message(3) + "]}"},
        {"POST", path + "/close", ""},
        {"GET", path, ""},
        {"GET", path + "?from_seq=1&limit=1", ""},
        {"GET", "/v1/audit/checkpoint", ""},
    };
    const std::vector<Reply> got = RunAs(*e.who, socket, calls);
    // The API's description is open to every role, as health is.
    const int expected[] = {e.health, e.health, e.create_alpha, e.append, e.batch,
                            e.close,  e.get,    e.page,         e.audit};
    for (size_t i = 0; i < calls.size(); ++i) {
      SCOPED_TRACE(calls[i].method + " " + calls[i].target);
      EXPECT_EQ(got[i].status, expected[i]) << got[i].body;
      if (expected[i] == 403) {
        // Audit routes need the auditor role whatever the service scopes.
        const bool audit_route = calls[i].target.rfind("/v1/audit", 0) == 0;
        const std::string code = audit_route && e.who != &kUnknown ? "forbidden" : e.denial_code;
        EXPECT_EQ(ErrorCodeOf(got[i].body), code) << got[i].body;
        EXPECT_FALSE(Field(Field(got[i].body, "error"), "message").empty()) << got[i].body;
      }
    }
    // Nothing changed unless the call was allowed: read back as the owner.
    Reply after = RunOneAs(kWriterAlpha, socket, {"GET", path, ""});
    ASSERT_EQ(after.status, 200) << after.body;
    const int count = 1 + (e.append == 201 ? 1 : 0) + (e.batch == 201 ? 2 : 0);
    EXPECT_EQ(Field(after.body, "message_count"), std::to_string(count)) << after.body;
    EXPECT_EQ(Field(after.body, "state"), e.close == 200 ? "closed" : "open")
        << after.body;
  }
}

TEST_F(RolesTest, EraseIsForAdminsAndRetentionStatusForAdminsAndAuditors) {
  const std::string& socket = daemon_.socket_path();
  const std::string id = NewAlphaTranscript();
  const std::string path = "/v1/transcripts/" + id;
  for (const Identity* who : {&kWriterAlpha, &kWriterBeta, &kAgent, &kOfficer, &kAuditor,
                              &kUnknown}) {
    SCOPED_TRACE(who->name);
    const std::vector<Reply> got =
        RunAs(*who, socket, {{"POST", path + "/erase", ""}, {"GET", "/v1/retention", ""}});
    EXPECT_EQ(got[0].status, 403) << got[0].body;
    const bool may_see = who == &kAuditor;
    EXPECT_EQ(got[1].status, may_see ? 200 : 403) << got[1].body;
    EXPECT_EQ(RunOneAs(kWriterAlpha, socket, {"GET", path, ""}).status, 200);
  }
  const std::vector<Reply> admin =
      RunAs(kAdmin, socket, {{"GET", "/v1/retention", ""}, {"POST", path + "/erase", ""}});
  EXPECT_EQ(admin[0].status, 200) << admin[0].body;
  EXPECT_EQ(admin[1].status, 200) << admin[1].body;
  Reply after = RunOneAs(kWriterAlpha, socket, {"GET", path, ""});
  EXPECT_EQ(after.status, 410) << after.body;
  EXPECT_EQ(ErrorCodeOf(after.body), "erased");
}

TEST_F(RolesTest, AWriterErasesItsOwnServicesChatAtTheVisitorsRequestAndNoOtherWay) {
  const std::string& socket = daemon_.socket_path();
  const std::string id = NewAlphaTranscript();
  const std::string path = "/v1/transcripts/" + id;
  const std::string asked = R"({"reason":"visitor_request"})";
  struct Refusal {
    const Identity* who;
    std::string body;
    int status;
    const char* code;
  };
  const Refusal refusals[] = {
      {&kWriterAlpha, "", 403, "forbidden"},  // no reason: an admin's call
      {&kWriterAlpha, "{}", 403, "forbidden"},
      {&kWriterAlpha, R"({"reason":"admin"})", 400, "invalid_reason"},
      {&kWriterAlpha, R"({"reason":"visitor_request","x":1})", 400, "unknown_field"},
      {&kWriterBeta, asked, 403, "service_forbidden"},
      {&kAgent, asked, 403, "forbidden"},
      {&kOfficer, asked, 403, "forbidden"},
      {&kAuditor, asked, 403, "forbidden"},
      {&kUnknown, asked, 403, "unknown_caller"},
  };
  for (const Refusal& r : refusals) {
    SCOPED_TRACE(std::string(r.who->name) + " " + r.body);
    const Reply got = RunOneAs(*r.who, socket, {"POST", path + "/erase", r.body});
    EXPECT_EQ(got.status, r.status) << got.body;
    EXPECT_EQ(ErrorCodeOf(got.body), r.code) << got.body;
    const Reply after = RunOneAs(kWriterAlpha, socket, {"GET", path, ""});
    EXPECT_EQ(after.status, 200) << after.body;  // nothing changed
  }
  const Reply erased = RunOneAs(kWriterAlpha, socket, {"POST", path + "/erase", asked});
  ASSERT_EQ(erased.status, 200) << erased.body;
  EXPECT_EQ(Field(erased.body, "state"), "erased");
  const Reply after = RunOneAs(kWriterAlpha, socket, {"GET", path, ""});
  EXPECT_EQ(after.status, 410) << after.body;
  EXPECT_EQ(ErrorCodeOf(after.body), "erased");
  EXPECT_EQ(RunOneAs(kAgent, socket, {"GET", path, ""}).status, 410);
  // A retry is the same success.
  EXPECT_EQ(RunOneAs(kWriterAlpha, socket, {"POST", path + "/erase", asked}).status, 200);
}

TEST_F(RolesTest, WritersWriteTheirOwnServicesAndReadOnlyThoseBack) {
  const std::string& socket = daemon_.socket_path();
  Reply beta = RunOneAs(kWriterBeta, socket, {"POST", "/v1/transcripts", R"({"service":"beta"})"});
  ASSERT_EQ(beta.status, 201) << beta.body;
  const std::string beta_path = "/v1/transcripts/" + Field(beta.body, "id");
  EXPECT_EQ(RunOneAs(kWriterBeta, socket, {"GET", beta_path, ""}).status, 200);
  Reply cross = RunOneAs(kWriterAlpha, socket, {"GET", beta_path, ""});
  EXPECT_EQ(cross.status, 403);
  EXPECT_EQ(ErrorCodeOf(cross.body), "service_forbidden");
  // The agent grant has no service list: agents read every service.
  EXPECT_EQ(RunOneAs(kAgent, socket, {"GET", beta_path, ""}).status, 200);
}

TEST_F(RolesTest, TheSocketIsGroupOnlyAndOutsidersCannotConnect) {
  struct stat st;
  ASSERT_EQ(stat(daemon_.socket_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0660u);
  EXPECT_EQ(st.st_gid, kSocketGroup);
  Reply outsider = RunOneAs(kOutsider, daemon_.socket_path(), {"GET", "/v1/health", ""});
  EXPECT_EQ(outsider.status, -1) << "an outsider got a response: " << outsider.body;
}
TEST(SocketSafetyTest, ASecondVaultdOnTheSameDataDirectoryIsRefused) {
  Daemon first;
  ASSERT_OK(first.Start());
  const std::string other_socket =
      std::filesystem::path(first.socket_path()).parent_path() / "second.sock";
  const RunResult second =
      RunVaultd({"--data-dir", first.data_dir(), "--socket", other_socket});
  EXPECT_EQ(second.exit_status, 1) << second.output;
  EXPECT_NE(second.output.find("another vaultd holds the data directory"), std::string::npos)
      << second.output;
  // The first is untouched and still serves.
  auto client = first.Connect();
  ASSERT_OK(client);
  EXPECT_OK((*client)->Health());
}

TEST(SocketSafetyTest, DirectoriesWritableByOthersAreRefused) {
  const std::string dir = MakeTestDir();
  const std::string data = dir + "/data";
  ASSERT_EQ(mkdir(data.c_str(), 0700), 0);
  char sockets_template[] = "/tmp/tv-roles-XXXXXX";  // short: sun_path is 108 bytes
  ASSERT_NE(mkdtemp(sockets_template), nullptr) << std::strerror(errno);
  const std::string sockets = sockets_template;
  struct RemoveAtEnd {
    std::string path;
    ~RemoveAtEnd() { std::filesystem::remove_all(path); }
  } remove_sockets{sockets};

  ASSERT_EQ(chmod(data.c_str(), 0777), 0);
  RunResult open_data = RunVaultd({"--data-dir", data, "--socket", sockets + "/v.sock"});
  EXPECT_EQ(open_data.exit_status, 1) << open_data.output;
  EXPECT_NE(open_data.output.find("data directory " + data + " is writable by others"),
            std::string::npos)
      << open_data.output;
  ASSERT_EQ(chmod(data.c_str(), 0700), 0);

  ASSERT_EQ(chmod(sockets.c_str(), 0773), 0);
  RunResult open_socket = RunVaultd({"--data-dir", data, "--socket", sockets + "/v.sock"});
  EXPECT_EQ(open_socket.exit_status, 1) << open_socket.output;
  EXPECT_NE(open_socket.output.find("socket directory " + sockets + " is writable by others"),
            std::string::npos)
      << open_socket.output;
  struct stat st;
  EXPECT_NE(lstat((sockets + "/v.sock").c_str(), &st), 0) << "a socket was created";
  // Refused before anything was created: no keys, no store, no audit log.
  EXPECT_FALSE(std::filesystem::exists(data + "/keys"));
  EXPECT_FALSE(std::filesystem::exists(data + "/db"));
}

TEST(SocketSafetyTest, AnUnknownUserInAGrantIsAStartupError) {
  const std::string dir = MakeTestDir();
  RunResult result = RunVaultd({"--data-dir", dir + "/data", "--socket", "/tmp/tv-unused.sock",
                                "--access.agent", "user:no-such-user-here"});
  EXPECT_EQ(result.exit_status, 2) << result.output;
  EXPECT_NE(result.output.find("access.agent"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("no such user 'no-such-user-here'"), std::string::npos)
      << result.output;
}

}  // namespace
}  // namespace vault::testing
