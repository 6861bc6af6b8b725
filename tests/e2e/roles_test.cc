// Roles and socket safety: every endpoint × every role,
// with clients running under different uids on the real socket. Roles come
// from SO_PEERCRED/SO_PEERGROUPS through the [access] grants; allowed calls
// succeed, every other gets 403 with a JSON error and changes nothing;
// unknown uids get nothing; a uid outside the socket's group cannot connect.
//
// The test runs as root: each client is a forked child that drops to its
// uid, gid and supplementary groups before it connects.
#include <fcntl.h>
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/raw_http.h"
#include "vault/clock.h"
#include "vault/officer/officer.h"
#include "vault/officer/officer_actions.h"
#include "vault/wire/safeguard_json.h"

namespace vault::testing {
namespace {

namespace json = boost::json;

constexpr uint32_t kSocketGroup = 50100;
constexpr uint32_t kAgentGroup = 50102;

struct Identity {
  const char* name;
  uint32_t uid;
  uint32_t gid;
  std::vector<gid_t> groups;
};

const Identity kWriterAlpha{"writer(alpha)", 50001, 50001, {kSocketGroup}};
const Identity kWriterBeta{"writer(beta)", 50007, 50007, {kSocketGroup}};
const Identity kAgent{"agent", 50002, 50002, {kSocketGroup, kAgentGroup}};
const Identity kOfficer{"officer", 50003, 50003, {kSocketGroup}};
const Identity kAuditor{"auditor", 50004, 50004, {kSocketGroup}};
const Identity kAdmin{"admin", 50005, 50005, {kSocketGroup}};
const Identity kUnknown{"unknown", 50006, 50006, {kSocketGroup}};
const Identity kOutsider{"outsider", 50008, 50008, {}};  // not in the socket group

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

std::string Request(const Call& call) {
  std::string out = call.method + " " + call.target + " HTTP/1.1\r\nHost: vault\r\n";
  if (!call.body.empty()) out += "Content-Type: " + call.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(call.body.size()) + "\r\n\r\n" + call.body;
  return out;
}

bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

// Runs `calls` in order, one connection each, in a child process running as
// `who`. The child reports each reply as "status\n<length>\n<body>".
std::vector<Reply> RunAs(const Identity& who, const std::string& socket,
                         const std::vector<Call>& calls) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) {
    ADD_FAILURE() << "pipe: " << std::strerror(errno);
    return {};
  }
  const pid_t pid = fork();
  if (pid < 0) {
    ADD_FAILURE() << "fork: " << std::strerror(errno);
    return {};
  }
  if (pid == 0) {
    close(fds[0]);
    if (setgroups(who.groups.size(), who.groups.data()) != 0 ||
        setresgid(who.gid, who.gid, who.gid) != 0 || setresuid(who.uid, who.uid, who.uid) != 0) {
      _exit(90);
    }
    std::string out;
    for (const Call& call : calls) {
      Reply reply;
      auto connection = RawConnection::Open(socket);
      if (!connection.ok()) {
        reply.status = -1;
        reply.body = connection.status().message();
      } else if (!connection->Send(Request(call)).ok()) {
        reply.status = -2;
      } else {
        auto response = connection->ReadResponse();
        if (response.ok()) {
          reply.status = StatusCodeOf(*response);
          reply.body = BodyOf(*response);
        } else {
          reply.status = -2;
        }
      }
      out += std::to_string(reply.status) + "\n" + std::to_string(reply.body.size()) + "\n" +
             reply.body;
    }
    _exit(WriteAll(fds[1], out) ? 0 : 91);
  }
  close(fds[1]);
  std::string in;
  char buffer[65536];
  for (;;) {
    const ssize_t n = read(fds[0], buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    in.append(buffer, static_cast<size_t>(n));
  }
  close(fds[0]);
  int wstatus = 0;
  waitpid(pid, &wstatus, 0);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0)
      << who.name << ": client process failed, status " << wstatus;
  std::vector<Reply> replies;
  size_t pos = 0;
  while (pos < in.size()) {
    Reply reply;
    const size_t a = in.find('\n', pos);
    const size_t b = in.find('\n', a + 1);
    if (a == std::string::npos || b == std::string::npos) break;
    reply.status = std::stoi(in.substr(pos, a - pos));
    const size_t length = std::stoul(in.substr(a + 1, b - a - 1));
    reply.body = in.substr(b + 1, length);
    pos = b + 1 + length;
    replies.push_back(std::move(reply));
  }
  EXPECT_EQ(replies.size(), calls.size()) << who.name;
  replies.resize(calls.size());
  return replies;
}

Reply RunOneAs(const Identity& who, const std::string& socket, const Call& call) {
  return RunAs(who, socket, {call}).front();
}

std::string Field(const std::string& body, const char* key) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object() || !v.as_object().contains(key)) return "";
  const json::value& field = v.as_object().at(key);
  if (field.is_string()) return std::string(field.as_string());
  return json::serialize(field);
}

std::string Message(int seq) {
  return R"({"seq":)" + std::to_string(seq) +
         R"(,"from":"visitor","text":"hi","sent_at":"2026-11-22T10:00:00Z"})";
}

class RolesTest : public ::testing::Test {
 protected:
  RolesTest()
      : daemon_({"--access.writer", "user:50001 services=alpha", "--access.writer",
                 "user:50007 services=beta", "--access.agent", "group:50102", "--access.officer",
                 "user:50003", "--access.auditor", "user:50004", "--access.admin", "user:50005",
                 "--socket-group", std::to_string(kSocketGroup)}) {}

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

  Daemon daemon_;
};

TEST_F(RolesTest, EveryEndpointForEveryRole) {
  const std::string& socket = daemon_.socket_path();
  struct Expect {
    const Identity* who;
    int health, create_alpha, append, close, get, audit;
    const char* denial_code;  // expected error code of the 403s on transcripts
  };
  const Expect matrix[] = {
      {&kWriterAlpha, 200, 201, 201, 200, 200, 403, ""},
      {&kWriterBeta, 200, 403, 403, 403, 403, 403, "service_forbidden"},
      {&kAgent, 200, 403, 403, 403, 200, 403, "forbidden"},
      {&kOfficer, 200, 403, 403, 403, 403, 403, "forbidden"},
      {&kAuditor, 200, 403, 403, 403, 403, 200, "forbidden"},
      {&kAdmin, 200, 403, 403, 403, 403, 403, "forbidden"},
      {&kUnknown, 403, 403, 403, 403, 403, 403, "unknown_caller"},
  };
  for (const Expect& e : matrix) {
    SCOPED_TRACE(e.who->name);
    const std::string id = NewAlphaTranscript();
    const std::string path = "/v1/transcripts/" + id;
    const std::vector<Call> calls = {
        {"GET", "/v1/health", ""},
        {"POST", "/v1/transcripts", R"({"service":"alpha"})"},
        {"POST", path + "/messages", Message(1)},
        {"POST", path + "/close", ""},
        {"GET", path, ""},
        {"GET", "/v1/audit/checkpoint", ""},
    };
    const std::vector<Reply> got = RunAs(*e.who, socket, calls);
    const int expected[] = {e.health, e.create_alpha, e.append, e.close, e.get, e.audit};
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
    const bool wrote = e.append == 201;
    EXPECT_EQ(Field(after.body, "message_count"), wrote ? "2" : "1") << after.body;
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

// --- Legal hold ------------------------------------------------------------
//
// The officer's side of each call (keys, signatures, approvals: what
// vault-officer does) is done here in the test process; the resulting
// bodies are then sent by a client running as each identity, so a refused
// call is refused for its role alone, never for a bad body or signature.
class LegalHoldRolesTest : public RolesTest {
 protected:
  static constexpr int64_t kHour = 3600 * 1000;

  void SetUp() override {
    RolesTest::SetUp();
    if (HasFatalFailure()) return;
    for (const char* name : {"alice", "bob", "carol"}) ASSERT_NO_FATAL_FAILURE(Enrol(name));
    Reply list = RunOneAs(kAdmin, daemon_.socket_path(), {"GET", "/v1/officers", ""});
    ASSERT_EQ(list.status, 200) << list.body;
    vault_id_ = Field(list.body, "vault");
    ASSERT_FALSE(vault_id_.empty()) << list.body;
    // CASE-0 holds one transcript, so requests can be filed under it.
    Reply opened = RunOneAs(kOfficer, daemon_.socket_path(), OpenCase("alice", "CASE-0"));
    ASSERT_EQ(opened.status, 201) << opened.body;
    held_ = ClosedAlphaTranscript();
    Reply held = RunOneAs(kOfficer, daemon_.socket_path(), Hold("alice", "CASE-0", held_));
    ASSERT_EQ(held.status, 201) << held.body;
  }

  // A fresh officer key pair and its enrolment body.
  Call Enrolment(const std::string& name) {
    auto keys = safeguard::OfficerKeys::Generate();
    EXPECT_TRUE(keys.ok()) << keys.status().ToString();
    if (!keys.ok()) return {};
    auto token = safeguard::EnrolmentToken(*keys);
    EXPECT_TRUE(token.ok()) << token.status().ToString();
    officers_[name] = std::move(keys).value();
    return {"POST", "/v1/officers", wire::EncodeEnrolment({name, token.ok() ? *token : ""})};
  }
  void Enrol(const std::string& name) {
    Reply enrolled = RunOneAs(kAdmin, daemon_.socket_path(), Enrolment(name));
    ASSERT_EQ(enrolled.status, 201) << enrolled.body;
  }
  Call OpenCase(const std::string& officer, const std::string& case_id) {
    CaseOpening o;
    o.case_id = case_id;
    o.reason = "Disclosure of risk of harm in chat; police informed.";
    EXPECT_OK(
        safeguard::SignCaseOpening(officers_[officer], officer, vault_id_, clock_.NowMillis(), &o));
    return {"POST", "/v1/cases", wire::EncodeCaseOpening(o)};
  }
  Call Hold(const std::string& officer, const std::string& case_id, const std::string& id) {
    HoldPlacement h;
    h.case_id = case_id;
    h.transcript_id = id;
    EXPECT_OK(safeguard::SignHold(officers_[officer], officer, vault_id_, clock_.NowMillis(), &h));
    return {"POST", "/v1/cases/" + case_id + "/holds", wire::EncodeHoldPlacement(h)};
  }
  Call FileUnseal(const std::string& officer, const std::string& case_id, const std::string& id) {
    RequestFiling f;
    f.kind = RequestKind::kUnseal;
    f.case_id = case_id;
    f.transcripts = {id};
    f.reason = "Police request under section 29, reference 1234.";
    f.expires_at = clock_.NowMillis() + kHour;
    EXPECT_OK(
        safeguard::SignFiling(officers_[officer], officer, vault_id_, clock_.NowMillis(), &f));
    return {"POST", "/v1/requests", wire::EncodeRequestFiling(f)};
  }
  // A pending unseal request of the held transcript, filed by alice, and
  // alice's approval of it (not sent).
  std::pair<std::string, Call> RequestAndApproval() {
    const std::string& socket = daemon_.socket_path();
    Reply filed = RunOneAs(kOfficer, socket, FileUnseal("alice", "CASE-0", held_));
    EXPECT_EQ(filed.status, 201) << filed.body;
    const std::string id = Field(filed.body, "id");
    Reply read = RunOneAs(kOfficer, socket, {"GET", "/v1/requests/" + id + "?officer=alice", ""});
    EXPECT_EQ(read.status, 200) << read.body;
    auto request = wire::DecodeRequest(read.body);
    EXPECT_TRUE(request.ok()) << request.status().ToString();
    if (!request.ok()) return {id, {}};
    auto approval = safeguard::MakeApproval(officers_["alice"], "alice", vault_id_, *request);
    EXPECT_TRUE(approval.ok()) << approval.status().ToString();
    if (!approval.ok()) return {id, {}};
    return {id, {"POST", "/v1/requests/" + id + "/approvals", wire::EncodeApproval(*approval)}};
  }
  std::string ClosedAlphaTranscript() {
    const std::string id = NewAlphaTranscript();
    Reply closed = RunOneAs(kWriterAlpha, daemon_.socket_path(),
                            {"POST", "/v1/transcripts/" + id + "/close", ""});
    EXPECT_EQ(closed.status, 200) << closed.body;
    return id;
  }
  // A GET's body, read as `who`, which must be allowed to make it.
  std::string Read(const Identity& who, const std::string& target) {
    Reply reply = RunOneAs(who, daemon_.socket_path(), {"GET", target, ""});
    EXPECT_EQ(reply.status, 200) << who.name << " GET " << target << ": " << reply.body;
    return reply.body;
  }
  // Every access record as (uid, action) -> outcome -> count, read through
  // the auditor route.
  using AccessCounts = std::map<std::pair<uint64_t, std::string>, std::map<std::string, int>>;
  AccessCounts AccessRecords() {
    AccessCounts out;
    uint64_t from = 0;
    for (;;) {
      const std::string body =
          Read(kAuditor, "/v1/audit/records?from=" + std::to_string(from) + "&limit=1000");
      boost::system::error_code ec;
      json::value v = json::parse(body, ec);
      if (ec || !v.is_object()) {
        ADD_FAILURE() << body;
        return out;
      }
      const json::array& records = v.at("records").as_array();
      for (const json::value& r : records) {
        if (r.at("type") != json::value("access") || !r.at("payload").is_object()) continue;
        const json::object& p = r.at("payload").as_object();
        const uint64_t uid = p.at("actor").at("uid").to_number<uint64_t>();
        ++out[{uid, std::string(p.at("action").as_string())}]
             [std::string(p.at("outcome").as_string())];
      }
      // Each read adds its own audit.read record: stop at a short page.
      if (records.size() < 1000) return out;
      from = v.at("next").to_number<uint64_t>();
    }
  }

  SystemClock clock_;
  std::string vault_id_;
  std::map<std::string, safeguard::OfficerKeys> officers_;
  std::string held_;  // a transcript held under CASE-0
};

TEST_F(LegalHoldRolesTest, EveryLegalHoldEndpointForEveryRole) {
  const std::string& socket = daemon_.socket_path();
  const Identity* const identities[] = {&kWriterAlpha, &kWriterBeta, &kAgent,  &kOfficer,
                                        &kAuditor,     &kAdmin,      &kUnknown};
  // One row per endpoint: the audit action, who may make the call, and what
  // they get. Everyone else gets 403 "forbidden" (unknown uids:
  // "unknown_caller"), audited under the action, and nothing changes.
  // Enrolment shares /v1/officers with the list but needs the admin role:
  // officers and auditors are refused it like everyone else.
  struct Endpoint {
    const char* action;
    std::vector<const Identity*> allowed;
    int status;  // of the allowed calls
  };
  const Endpoint endpoints[] = {
      {"officer.list", {&kOfficer, &kAuditor, &kAdmin}, 200},  // GET /v1/officers
      {"officer.enrol", {&kAdmin}, 201},                       // POST /v1/officers
      {"officer.revoke", {&kAdmin}, 200},                      // POST /v1/officers/carol/revoke
      {"case.list", {&kOfficer}, 200},                         // GET /v1/cases
      {"case.open", {&kOfficer}, 201},                         // POST /v1/cases
      {"case.read", {&kOfficer}, 200},                         // GET /v1/cases/CASE-0
      {"hold.place", {&kOfficer}, 201},                        // POST /v1/cases/CASE-0/holds
      {"hold.list", {&kOfficer}, 200},                         // GET /v1/transcripts/{id}/holds
      {"request.file", {&kOfficer}, 201},                      // POST /v1/requests
      {"request.read", {&kOfficer}, 200},                      // GET /v1/requests/{id}
      {"request.approve", {&kOfficer}, 200},                   // POST /v1/requests/{id}/approvals
  };
  int cells = 0;
  for (size_t row = 0; row < std::size(identities); ++row) {
    const Identity& who = *identities[row];
    SCOPED_TRACE(who.name);
    auto allowed = [&](const Endpoint& e) {
      return std::find(e.allowed.begin(), e.allowed.end(), &who) != e.allowed.end();
    };
    // Fresh objects for this identity, each a call that would succeed for
    // an allowed caller.
    const std::string n = std::to_string(row + 1);
    const std::string transcript = ClosedAlphaTranscript();
    const auto [request, approval] = RequestAndApproval();
    const std::vector<Call> calls = {
        {"GET", "/v1/officers", ""},
        Enrolment("new-" + n),
        {"POST", "/v1/officers/carol/revoke", ""},
        {"GET", "/v1/cases", ""},
        OpenCase("alice", "CASE-" + n),
        {"GET", "/v1/cases/CASE-0", ""},
        Hold("alice", "CASE-0", transcript),
        {"GET", "/v1/transcripts/" + transcript + "/holds", ""},
        FileUnseal("bob", "CASE-0", held_),
        {"GET", "/v1/requests/" + request, ""},
        approval,
    };
    ASSERT_EQ(calls.size(), std::size(endpoints));
    const std::string officers_before = Read(kAdmin, "/v1/officers");
    const std::string cases_before = Read(kOfficer, "/v1/cases");
    const std::string request_before = Read(kOfficer, "/v1/requests/" + request);

    const std::vector<Reply> got = RunAs(who, socket, calls);
    const AccessCounts audited = AccessRecords();
    for (size_t i = 0; i < calls.size(); ++i) {
      const Endpoint& e = endpoints[i];
      SCOPED_TRACE(calls[i].method + " " + calls[i].target + " (" + e.action + ")");
      ++cells;
      if (allowed(e)) {
        EXPECT_EQ(got[i].status, e.status) << got[i].body;
        continue;
      }
      EXPECT_EQ(got[i].status, 403) << got[i].body;
      const std::string code = &who == &kUnknown ? "unknown_caller" : "forbidden";
      EXPECT_EQ(ErrorCodeOf(got[i].body), code) << got[i].body;
      EXPECT_FALSE(Field(Field(got[i].body, "error"), "message").empty()) << got[i].body;
      // Audited as refused, once, and never as done.
      const auto outcomes = audited.find({who.uid, e.action});
      ASSERT_NE(outcomes, audited.end()) << "the refusal was not audited";
      EXPECT_EQ(outcomes->second, (std::map<std::string, int>{{code, 1}}));
    }

    // Nothing changed unless the call was allowed: read back as a caller
    // who may see it.
    const std::string officers_after = Read(kAdmin, "/v1/officers");
    if (&who == &kAdmin) {
      auto list = wire::DecodeOfficerList(officers_after);
      ASSERT_OK(list);
      ASSERT_EQ(list->officers.size(), 4u) << officers_after;
      EXPECT_EQ(list->officers.back().id, "new-" + n);
      EXPECT_FALSE(list->officers[2].active()) << "carol was not revoked";
    } else {
      EXPECT_EQ(officers_after, officers_before);
    }
    const std::string cases_after = Read(kOfficer, "/v1/cases");
    if (&who == &kOfficer) {
      EXPECT_NE(cases_after.find("\"CASE-" + n + "\""), std::string::npos) << cases_after;
    } else {
      EXPECT_EQ(cases_after, cases_before);  // no new case, no new hold on CASE-0
    }
    auto holds = wire::DecodeHoldList(Read(kOfficer, "/v1/transcripts/" + transcript + "/holds"));
    ASSERT_OK(holds);
    EXPECT_EQ(holds->size(), &who == &kOfficer ? 1u : 0u);
    const std::string request_after = Read(kOfficer, "/v1/requests/" + request);
    if (&who == &kOfficer) {
      EXPECT_EQ(Field(request_after, "approved_by"), R"(["alice"])") << request_after;
    } else {
      EXPECT_EQ(request_after, request_before);
    }
  }
  EXPECT_EQ(cells, 77);  // 11 endpoints x 7 identities
}

TEST_F(LegalHoldRolesTest, ARefusedCallOnARequestNamesTheRequestInItsAuditRecord) {
  const std::string& socket = daemon_.socket_path();
  const auto [request, approval] = RequestAndApproval();
  const std::vector<Reply> got =
      RunAs(kAgent, socket, {{"GET", "/v1/requests/" + request, ""}, approval});
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].status, 403);
  EXPECT_EQ(got[1].status, 403);
  json::value page = json::parse(Read(kAuditor, "/v1/audit/records?from=0&limit=1000"));
  int named = 0;
  for (const json::value& r : page.at("records").as_array()) {
    if (r.at("type").as_string() != "access") continue;
    const json::object& p = r.at("payload").as_object();
    if (p.at("actor").at("uid").to_number<uint64_t>() != kAgent.uid) continue;
    const std::string action(p.at("action").as_string());
    if (action != "request.read" && action != "request.approve") continue;
    EXPECT_EQ(p.at("outcome").as_string(), "forbidden");
    const json::array& objects = p.at("objects").as_array();
    ASSERT_EQ(objects.size(), 1u);
    EXPECT_EQ(objects[0].as_string(), request);
    ++named;
  }
  EXPECT_EQ(named, 2);
}

// Officers and auditors pass the route's check on /v1/officers (for the
// list); an enrolment from them is refused for the role whatever its body,
// as every other refused call is (router.h: authorization before JSON shape).
TEST_F(LegalHoldRolesTest, EnrolmentByANonAdminIsRefusedWhateverTheBody) {
  const std::string& socket = daemon_.socket_path();
  const std::string before = Read(kAdmin, "/v1/officers");
  const std::vector<Call> bodies = {
      {"POST", "/v1/officers", ""},
      {"POST", "/v1/officers", "not json"},
      {"POST", "/v1/officers", R"({"id":"dave"})"},
      {"POST", "/v1/officers", R"({"id":"dave","key":"tv-officer-v1:AAAA"})"},
      {"POST", "/v1/officers", R"({"id":"Not An Id","key":"x","extra":1})"},
      // Not even JSON by its type: still the role answers first, not 415.
      {"POST", "/v1/officers", R"({"id":"dave","key":"x"})", "text/plain"},
  };
  for (const Identity* who : {&kOfficer, &kAuditor}) {
    SCOPED_TRACE(who->name);
    const std::vector<Reply> got = RunAs(*who, socket, bodies);
    for (size_t i = 0; i < bodies.size(); ++i) {
      SCOPED_TRACE(bodies[i].body);
      EXPECT_EQ(got[i].status, 403) << got[i].body;
      EXPECT_EQ(ErrorCodeOf(got[i].body), "forbidden") << got[i].body;
    }
    const AccessCounts audited = AccessRecords();
    const auto enrol = audited.find({who->uid, "officer.enrol"});
    ASSERT_NE(enrol, audited.end());
    EXPECT_EQ(enrol->second,
              (std::map<std::string, int>{{"forbidden", static_cast<int>(bodies.size())}}));
  }
  EXPECT_EQ(Read(kAdmin, "/v1/officers"), before);
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
