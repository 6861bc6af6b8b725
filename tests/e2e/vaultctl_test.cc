// The real vaultctl binary against a real vaultd: every subcommand, the
// socket's sources (--socket, $VAULT_SOCKET, the packaging default), and
// exit status 1 with the server's error code and message, or 2 for usage
// errors that never reach the server. The data-protection lead's commands
// are tested in vaultctl_rights_test.cc.
#include <gtest/gtest.h>

#include <filesystem>

#include <boost/json.hpp>
#include <fstream>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "tests/e2e/vaultctl_fixture.h"
#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/exposition.h"
#include "tests/support/run_program.h"
#include "vault/client.h"
#include "vault/common/time_format.h"

namespace vault::testing {
namespace {

namespace json = boost::json;

constexpr char kDefaultSocket[] = "/run/transcript-vault/vaultd.sock";

TEST_F(VaultctlTest, HealthPrintsIndentedJson) {
  const ProgramResult r = Ctl({"health"});
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(r.out,
            std::string("{\n  \"status\": \"ok\",\n  \"version\": \"") + VAULT_VERSION + "\"\n}\n");
  EXPECT_EQ(r.err, "");
}

TEST_F(VaultctlTest, RawPrintsTheReplyAsReceived) {
  const ProgramResult r = Ctl({"--raw", "health"});
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(r.out, std::string(R"({"status":"ok","version":")") + VAULT_VERSION + "\"}\n");
}

TEST_F(VaultctlTest, CreateAppendCloseGetRoundTrip) {
  const json::object created =
      CtlJson({"create", "--service", "webchat", "--visitor-name", "Sam", "--visitor-ip",
               "198.51.100.4", "--visitor-location", "Leeds", "--visitor-user-agent", "UA/1",
               "--visitor-device", "phone", "--visitor-ref", "v-77"});
  ASSERT_TRUE(created.contains("id")) << created;
  ASSERT_TRUE(created.contains("expires_at")) << created;
  const std::string id(created.at("id").as_string());

  json::object appended = CtlJson({"append", id, "--seq", "0", "--from", "visitor", "--text",
                                   "hello", "--sent-at", "2026-11-22T10:00:00Z"});
  EXPECT_EQ(appended.at("seq"), 0);
  appended = CtlJson({"append", id, "--seq", "1", "--from", "agent", "--text", "-"},
                     "typed on stdin\nsecond line");
  EXPECT_EQ(appended.at("seq"), 1);
  // The same message again is a success (idempotent on seq).
  CtlJson({"append", id, "--seq", "0", "--from", "visitor", "--text", "hello", "--sent-at",
           "2026-11-22T10:00:00Z"});

  const json::object closed = CtlJson({"close", id});
  EXPECT_EQ(closed.at("state"), "closed");
  EXPECT_EQ(closed.at("id"), id.c_str());

  const json::object got = CtlJson({"get", id});
  EXPECT_EQ(got.at("service"), "webchat");
  EXPECT_EQ(got.at("state"), "closed");
  EXPECT_EQ(got.at("expires_at"), closed.at("expires_at"));
  const json::object& visitor = got.at("visitor").as_object();
  EXPECT_EQ(visitor.at("name"), "Sam");
  EXPECT_EQ(visitor.at("ip"), "198.51.100.4");
  EXPECT_EQ(visitor.at("location"), "Leeds");
  EXPECT_EQ(visitor.at("user_agent"), "UA/1");
  EXPECT_EQ(visitor.at("device"), "phone");
  EXPECT_EQ(visitor.at("ref"), "v-77");

  // Checked independently through the client library.
  auto transcript = client_->GetTranscript(id);
  ASSERT_OK(transcript);
  ASSERT_EQ(transcript->messages.size(), 2u);
  EXPECT_EQ(transcript->messages[0], (Message{0, "visitor", "hello", "2026-11-22T10:00:00Z", {}}));
  EXPECT_EQ(transcript->messages[1].from, "agent");
  EXPECT_EQ(transcript->messages[1].text, "typed on stdin\nsecond line");
  UnixMillis sent_at = 0;
  EXPECT_TRUE(ParseRfc3339(transcript->messages[1].sent_at, &sent_at))  // defaulted to now
      << transcript->messages[1].sent_at;
}

TEST_F(VaultctlTest, MetricsPrintsTheExposition) {
  // vaultd counts a request just after writing its answer, so a create by a
  // vaultctl that has exited may not be counted yet. On the fixture's client
  // instead: its next request is read only after the create is counted.
  NewTranscript request;
  request.service = "webchat";
  ASSERT_OK(client_->CreateTranscript(request));
  ASSERT_OK(client_->Health());
  const ProgramResult r = Ctl({"metrics"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  auto e = ParseExposition(r.out);
  ASSERT_OK(e);
  EXPECT_EQ(e->Find("vault_http_requests_total", {{"route", "/v1/transcripts"}, {"status", "201"}}),
            1.0);
  EXPECT_EQ(e->Find("vault_transcripts", {{"state", "open"}}), 1.0);
}

TEST_F(VaultctlTest, ServerErrorsExitOneWithTheErrorCodeAndMessage) {
  const std::string id = Create();
  ASSERT_FALSE(id.empty());
  ProgramResult r = Ctl({"get", std::string(32, '0')});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "vaultctl: not_found: no transcript with this id\n");

  ASSERT_EQ(Ctl({"append", id, "--seq", "3", "--from", "agent", "--text", "a"}).exit_status, 0);
  r = Ctl({"append", id, "--seq", "3", "--from", "agent", "--text", "b"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.err, "vaultctl: seq_conflict: a different message is already stored with this seq\n");

  r = Ctl({"append", id, "--seq", "4", "--from", "agent", "--text", "c", "--sent-at", "noon"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.err, "vaultctl: invalid_sent_at: sent_at must be an RFC 3339 date-time\n");

  ASSERT_EQ(Ctl({"close", id}).exit_status, 0);
  r = Ctl({"append", id, "--seq", "5", "--from", "agent", "--text", "late"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.err, "vaultctl: transcript_closed: the transcript is closed\n");

  r = Ctl({"create", "--service", "has space"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("vaultctl: invalid_service: "), std::string::npos) << r.err;
}

TEST_F(VaultctlTest, UsageErrorsExitTwoAndSendNothing) {
  // Created on the scrapes' own connection: vaultd counts a request just
  // after writing its answer, so one from a vaultctl that has already exited
  // could still be counted after the first scrape.
  NewTranscript request;
  request.service = "webchat";
  auto created = client_->CreateTranscript(request);
  ASSERT_OK(created);
  const std::string id = created->id;
  const double before = RequestsSoFar();
  const std::vector<std::vector<std::string>> bad = {
      {},                                                // no command
      {"frobnicate"},                                    // unknown command
      {"create"},                                        // --service missing
      {"create", "--service", "s", "extra"},             // stray argument
      {"get"},                                           // ID missing
      {"get", "not-an-id"},                              // malformed ID
      {"get", std::string(32, 'A')},                     // uppercase is not an id
      {"close", id, "--seq", "1"},                       // option of another command
      {"append", id, "--from", "agent", "--text", "x"},  // --seq missing
      {"append", id, "--seq", "-1", "--from", "agent", "--text", "x"},
      {"append", id, "--seq", "1x", "--from", "agent", "--text", "x"},
      {"append", id, "--seq", "1", "--from", "robot", "--text", "x"},
      {"health", "--no-such-option"},
  };
  for (const std::vector<std::string>& args : bad) {
    const ProgramResult r = Ctl(args);
    std::string shown;
    for (const std::string& a : args) shown += a + " ";
    EXPECT_EQ(r.exit_status, 2) << shown << r.err;
    EXPECT_EQ(r.out, "") << shown;
    EXPECT_EQ(r.err.rfind("vaultctl: ", 0), 0u) << shown << r.err;
  }
  // Only the scrape itself reached the server.
  EXPECT_EQ(RequestsSoFar() - before, 1.0);
}

TEST(VaultctlHelpTest, HelpListsEveryCommand) {
  const ProgramResult r = RunProgram(VAULTCTL_PATH, {"--help"});
  EXPECT_EQ(r.exit_status, 0);
  for (const char* word : {"health", "create", "append", "close", "get", "metrics", "erase",
                           "retention status", "backup DIR", "audit export DIR", "--socket",
                           "--raw", "VAULT_SOCKET", kDefaultSocket}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word << "\n" << r.out;
  }
}

TEST_F(VaultctlTest, SocketComesFromTheFlagThenTheEnvironmentThenTheDefault) {
  const std::string env = "VAULT_SOCKET=" + daemon_.socket_path();
  ProgramResult r = RunProgram(VAULTCTL_PATH, {"health"}, {env});
  EXPECT_EQ(r.exit_status, 0) << r.err;

  r = RunProgram(VAULTCTL_PATH, {"--socket", daemon_.socket_path(), "health"},
                 {"VAULT_SOCKET=/nonexistent/env.sock"});
  EXPECT_EQ(r.exit_status, 0) << r.err;

  r = RunProgram(VAULTCTL_PATH, {"health"}, {"VAULT_SOCKET=/nonexistent/env.sock"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("vaultctl: unavailable: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("/nonexistent/env.sock"), std::string::npos) << r.err;

  r = RunProgram(VAULTCTL_PATH, {"health"}, {"VAULT_SOCKET"});
  EXPECT_EQ(r.exit_status, 1) << "is a vaultd serving " << kDefaultSocket << " here?";
  EXPECT_NE(r.err.find(kDefaultSocket), std::string::npos) << r.err;

  // The default is the socket of the packaged configuration.
  std::ifstream example(std::string(VAULT_SOURCE_DIR) + "/packaging/vaultd.conf.example");
  std::string line;
  bool found = false;
  while (std::getline(example, line)) {
    if (line == std::string("socket = ") + kDefaultSocket) found = true;
  }
  EXPECT_TRUE(found);
}

TEST_F(VaultctlTest, EraseRetentionBackupAndAuditCommands) {
  const std::string id = Create();
  ASSERT_EQ(id.size(), 32u);

  const json::object retention = CtlJson({"retention", "status"});
  EXPECT_EQ(retention.at("overdue").as_int64(), 0);
  EXPECT_TRUE(retention.contains("last_shred_at"));

  const json::object erased = CtlJson({"erase", id});
  EXPECT_EQ(erased.at("state").as_string(), "erased");
  const ProgramResult get = Ctl({"get", id});
  EXPECT_EQ(get.exit_status, 1);
  EXPECT_NE(get.err.find("erased"), std::string::npos) << get.err;

  const std::string backup = daemon_.test_dir() + "/backup";
  const json::object backed_up = CtlJson({"backup", backup});
  EXPECT_EQ(backed_up.at("dir").as_string(), backup);
  EXPECT_TRUE(std::filesystem::exists(backup + "/db/CURRENT"));
  EXPECT_EQ(Ctl({"backup", "relative"}).exit_status, 2);

  const ProgramResult checkpoint = Ctl({"audit", "checkpoint"});
  EXPECT_EQ(checkpoint.exit_status, 0) << checkpoint.err;
  EXPECT_NE(checkpoint.out.find("\n\n\xe2\x80\x94 "), std::string::npos) << checkpoint.out;
  const json::object records = CtlJson({"audit", "records", "--limit", "5"});
  EXPECT_EQ(records.at("records").as_array().size(), 5u);
  EXPECT_EQ(Ctl({"audit", "records", "--limit", "5000"}).exit_status, 1);

  const json::object status = CtlJson({"audit", "status"});
  const std::string key(status.at("genesis_key").as_string());
  const std::string export_dir = daemon_.test_dir() + "/audit-export";
  const json::object exported = CtlJson({"audit", "export", export_dir});
  EXPECT_GT(exported.at("records").as_int64(), 5);
  // What the export holds verifies offline against the pinned key.
  const ProgramResult verified =
      RunProgram(VAULT_AUDIT_PATH, {"verify", "--dir", export_dir, "--pubkey", key, "--checkpoint",
                                    export_dir + "/checkpoint.note"},
                 {}, "");
  EXPECT_EQ(verified.exit_status, 0) << verified.out << verified.err;
  EXPECT_EQ(Ctl({"audit", "export"}).exit_status, 2);
  EXPECT_EQ(Ctl({"retention", "now"}).exit_status, 2);
}

}  // namespace
}  // namespace vault::testing
