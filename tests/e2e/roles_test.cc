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
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "tests/e2e/legal_hold_fixture.h"
#include "tests/e2e/roles_fixture.h"
#include "tests/support/raw_http.h"
#include "tests/support/response_recorder.h"

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
// --- The event feed ---------------------------------------------------------
//
// RunAs reads whole responses; a feed's runs until it is closed. FeedAs runs
// a child as `who` that opens GET /v1/events, reads its header (and an
// error's body), tells the parent it is open, then reads the stream until
// it holds `until` (or 15 s pass; an empty `until` reads nothing more). It
// reports everything it read. `meanwhile` runs in the parent once the feed
// is open (or refused).
std::string FeedAs(const Identity& who, const std::string& socket, const std::string& until,
                   const std::function<void()>& meanwhile = [] {}) {
  int out[2];
  int ready[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(ready, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return "";
  }
  const pid_t pid = fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    return "";
  }
  if (pid == 0) {
    close(out[0]);
    close(ready[0]);
    if (setgroups(who.groups.size(), who.groups.data()) != 0 ||
        setresgid(who.gid, who.gid, who.gid) != 0 || setresuid(who.uid, who.uid, who.uid) != 0) {
      _exit(90);
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket.c_str(), sizeof(addr.sun_path) - 1);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) _exit(92);
    const std::string request = "GET /v1/events HTTP/1.1\r\nHost: vault\r\n\r\n";
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      _exit(93);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    std::string in;
    bool told = false;
    for (;;) {
      const size_t header_end = in.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        const std::string length = HeaderOf(in.substr(0, header_end + 4), "Content-Length");
        const bool whole = StatusCodeOf(in) != 200 && !length.empty() &&
                           in.size() >= header_end + 4 + std::stoul(length);
        const bool stream = StatusCodeOf(in) == 200;
        if (whole || stream) {
          if (!told) {
            told = true;
            if (whole) RecordRawResponse(in);
            if (!WriteAll(ready[1], "r")) _exit(94);
          }
          if (whole || until.empty() || in.find(until, header_end) != std::string::npos) break;
        }
      }
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      pollfd p = {fd, POLLIN, 0};
      const int n_ready = poll(&p, 1, left < 0 ? 0 : static_cast<int>(left));
      if (n_ready < 0 && errno == EINTR) continue;
      if (n_ready <= 0) break;
      char buffer[16384];
      const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      in.append(buffer, static_cast<size_t>(n));
    }
    close(fd);
    if (!told && !WriteAll(ready[1], "r")) _exit(94);
    _exit(WriteAll(out[1], in) ? 0 : 91);
  }
  close(out[1]);
  close(ready[1]);
  char byte = 0;
  pollfd p = {ready[0], POLLIN, 0};
  if (poll(&p, 1, 20000) == 1 && read(ready[0], &byte, 1) == 1) {
    meanwhile();
  } else {
    ADD_FAILURE() << who.name << ": the feed did not open";
  }
  close(ready[0]);
  std::string in;
  char buffer[65536];
  for (;;) {
    const ssize_t n = read(out[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    in.append(buffer, static_cast<size_t>(n));
  }
  close(out[0]);
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
      << who.name << ": feed client failed, status " << wstatus;
  return in;
}

TEST_F(RolesTest, TheEventFeedIsForWritersAuditorsAndAdmins) {
  const std::string& socket = daemon_.socket_path();
  struct Expect {
    const Identity* who;
    int status;
    const char* code;
  };
  const Expect matrix[] = {
      {&kWriterAlpha, 200, ""}, {&kWriterBeta, 200, ""},     {&kAuditor, 200, ""},
      {&kAdmin, 200, ""},       {&kAgent, 403, "forbidden"}, {&kOfficer, 403, "forbidden"},
      {&kDpo, 403, "forbidden"}, {&kUnknown, 403, "unknown_caller"},
  };
  for (const Expect& e : matrix) {
    SCOPED_TRACE(e.who->name);
    const std::string response = FeedAs(*e.who, socket, "");
    ASSERT_EQ(StatusCodeOf(response), e.status) << response;
    if (e.status == 200) {
      EXPECT_EQ(HeaderOf(response, "Content-Type"), "text/event-stream") << response;
      EXPECT_EQ(HeaderOf(response, "Content-Length"), "") << response;
    } else {
      EXPECT_TRUE(IsRawJsonError(response, e.status, e.code)) << response;
    }
  }
  // Every refusal was audited as events.subscribe, and every feed opened.
  int refused = 0;
  int opened = 0;
  uint64_t from = 0;
  for (;;) {
    Reply page = RunOneAs(kAuditor, socket,
                          {"GET", "/v1/audit/records?from=" + std::to_string(from) + "&limit=1000", ""});
    ASSERT_EQ(page.status, 200) << page.body;
    const boost::json::value v = boost::json::parse(page.body);
    const boost::json::array& records = v.at("records").as_array();
    for (const boost::json::value& r : records) {
      if (r.at("type") != boost::json::value("access")) continue;
      const boost::json::object& p = r.at("payload").as_object();
      if (p.at("action") != boost::json::value("events.subscribe")) continue;
      (p.at("outcome") == boost::json::value("ok") ? opened : refused) += 1;
    }
    if (records.size() < 1000) break;
    from = v.at("next").to_number<uint64_t>();
  }
  EXPECT_EQ(refused, 4);
  EXPECT_EQ(opened, 4);
}

TEST_F(RolesTest, AWritersFeedNamesItsOwnServicesTranscriptsOnly) {
  const std::string& socket = daemon_.socket_path();
  const std::string alpha = NewAlphaTranscript();
  Reply beta = RunOneAs(kWriterBeta, socket, {"POST", "/v1/transcripts", R"({"service":"beta"})"});
  ASSERT_EQ(beta.status, 201) << beta.body;
  const std::string beta_id = Field(beta.body, "id");
  // The admin erases beta's chat first, then alpha's: events come in order,
  // so had beta's been sent to alpha's writer it would be read first.
  const std::string feed = FeedAs(kWriterAlpha, socket, alpha, [&] {
    EXPECT_EQ(RunOneAs(kAdmin, socket, {"POST", "/v1/transcripts/" + beta_id + "/erase", ""}).status,
              200);
    EXPECT_EQ(RunOneAs(kAdmin, socket, {"POST", "/v1/transcripts/" + alpha + "/erase", ""}).status,
              200);
  });
  ASSERT_EQ(StatusCodeOf(feed), 200) << feed;
  EXPECT_NE(feed.find("event: transcript.erased\n"), std::string::npos) << feed;
  EXPECT_NE(feed.find(R"("transcript":")" + alpha + R"(","service":"alpha")"), std::string::npos)
      << feed;
  EXPECT_EQ(feed.find(beta_id), std::string::npos) << feed;
  EXPECT_EQ(feed.find("beta"), std::string::npos) << feed;
  // Beta's writer sees its own.
  Reply other = RunOneAs(kWriterBeta, socket, {"POST", "/v1/transcripts", R"({"service":"beta"})"});
  ASSERT_EQ(other.status, 201) << other.body;
  const std::string other_id = Field(other.body, "id");
  const std::string beta_feed = FeedAs(kWriterBeta, socket, other_id, [&] {
    EXPECT_EQ(RunOneAs(kAdmin, socket, {"POST", "/v1/transcripts/" + other_id + "/erase", ""}).status,
              200);
  });
  EXPECT_NE(beta_feed.find(R"("service":"beta")"), std::string::npos) << beta_feed;
  EXPECT_EQ(beta_feed.find(alpha), std::string::npos) << beta_feed;
}

TEST_F(RolesTest, AnAuditorsFeedNamesARefusalByAnotherRole) {
  const std::string& socket = daemon_.socket_path();
  const std::string feed = FeedAs(kAuditor, socket, "vault.backup", [&] {
    Reply refused = RunOneAs(kAgent, socket, {"POST", "/v1/backup", ""});
    EXPECT_EQ(refused.status, 403) << refused.body;
  });
  ASSERT_EQ(StatusCodeOf(feed), 200) << feed;
  const size_t data = feed.find("data: {");
  ASSERT_NE(data, std::string::npos) << feed;
  const std::string json = feed.substr(data + 6, feed.find('\n', data) - data - 6);
  EXPECT_EQ(Field(json, "type"), "access.refused") << json;
  EXPECT_EQ(Field(json, "uid"), std::to_string(kAgent.uid)) << json;
  EXPECT_EQ(Field(json, "role"), "agent") << json;
  EXPECT_EQ(Field(json, "action"), "vault.backup") << json;
  EXPECT_EQ(Field(json, "outcome"), "forbidden") << json;
  const std::string record = Field(json, "record");
  Reply page = RunOneAs(kAuditor, socket, {"GET", "/v1/audit/records?from=" + record + "&limit=1", ""});
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find(R"("action":"vault.backup")"), std::string::npos) << page.body;
  EXPECT_NE(page.body.find(R"("uid":50002)"), std::string::npos) << page.body;
}

// A hold placed by an officer is a transcript.held event for the writers
// of the chat's service.
TEST_F(LegalHoldRolesTest, AHoldIsATranscriptHeldEventForItsServicesWriter) {
  const std::string& socket = daemon_.socket_path();
  std::string held;
  const std::string feed = FeedAs(kWriterAlpha, socket, "transcript.held", [&] {
    held = HeldUnderNewCase("EVENTS-1");
  });
  ASSERT_EQ(StatusCodeOf(feed), 200) << feed;
  ASSERT_FALSE(held.empty());
  EXPECT_NE(feed.find(R"("type":"transcript.held","at":")"), std::string::npos) << feed;
  EXPECT_NE(feed.find(R"("transcript":")" + held + R"(","service":"alpha")"), std::string::npos)
      << feed;
  EXPECT_EQ(feed.find("EVENTS-1"), std::string::npos) << "the case is not named: " << feed;
  // Beta's writer is not told: the erasure of a beta chat after the hold
  // is the first event its feed reads.
  Reply beta = RunOneAs(kWriterBeta, socket, {"POST", "/v1/transcripts", R"({"service":"beta"})"});
  ASSERT_EQ(beta.status, 201) << beta.body;
  const std::string beta_id = Field(beta.body, "id");
  const std::string beta_feed = FeedAs(kWriterBeta, socket, beta_id, [&] {
    HeldUnderNewCase("EVENTS-2");
    EXPECT_EQ(RunOneAs(kAdmin, socket, {"POST", "/v1/transcripts/" + beta_id + "/erase", ""}).status,
              200);
  });
  EXPECT_NE(beta_feed.find("transcript.erased"), std::string::npos) << beta_feed;
  EXPECT_EQ(beta_feed.find("transcript.held"), std::string::npos) << beta_feed;
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
