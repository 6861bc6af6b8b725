// `vaultctl subject-access` end to end: the real vaultctl binary against a
// real vaultd started on a config file with a [privacy] section (every role,
// dpo included, belongs to vaultd's own user: AccessPolicy::OwnerOnly).
// Two visitors in two services, one transcript held: the answer directory
// holds exactly the first visitor's transcripts, the held one withheld; the
// files are private; progress goes to stderr and one summary line to stdout;
// bad input and an existing directory are refused with nothing written.
// Over the raw socket: identifiers in the URL are not accepted, and a
// caller without the dpo role gets 403 and an audit record.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/daemon_fixture.h"
#include "tests/support/run_program.h"
#include "tests/support/temp_dir.h"
#include "vault/client.h"
#include "vault/officer/officer.h"
#include "vault/officer/officer_actions.h"
#include "vault/wire/subject_access_json.h"

namespace vault::testing {
namespace {

namespace json = boost::json;

constexpr char kController[] = "Example Helpline, 1 High Street; dpo@example.org";
constexpr char kPurpose[] = "Supporting you during the chat";
constexpr char kLegalBasis[] = "Legitimate interests (Article 6(1)(f))";
constexpr char kRecipient[] = "Our helpline staff & volunteers";
constexpr char kSamEmail[] = "sam@example.org";
constexpr char kSamPhone[] = "+44 7700 900123";

// The config file vaultd starts on, in its own directory.
std::string WriteConfig() {
  const std::string dir = MakeTestDir() + "-config";
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/vaultd.conf";
  std::ofstream out(path);
  out << "[privacy]\n"
      << "controller = " << kController << "\n"
      << "purpose = " << kPurpose << "\n"
      << "purpose = Quality monitoring\n"
      << "legal-basis = " << kLegalBasis << "\n"
      << "recipient = " << kRecipient << "\n";
  return path;
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

std::string ErrorCode(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object() || !v.as_object().contains("error")) return "";
  return std::string(v.at("error").at("code").as_string());
}

class SubjectAccessE2eTest : public DaemonTest {
 protected:
  SubjectAccessE2eTest() : DaemonTest({"--config", WriteConfig()}) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DaemonTest::SetUp());
    out_root_ = daemon_.test_dir() + "/answers";
    std::filesystem::create_directories(out_root_);
  }

  ProgramResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--socket", daemon_.socket_path()});
    return RunProgram(VAULTCTL_PATH, args, {"VAULT_SOCKET"});
  }

  std::string Create(const std::string& service, const Visitor& visitor,
                     const std::vector<std::string>& texts, bool close = true) {
    NewTranscript request;
    request.service = service;
    request.visitor = visitor;
    auto created = client_->CreateTranscript(request);
    EXPECT_OK(created);
    if (!created.ok()) return "";
    for (size_t i = 0; i < texts.size(); ++i) {
      EXPECT_OK(client_->AppendMessage(
          created->id, Message{i, i % 2 == 0 ? "visitor" : "agent", texts[i],
                               "2026-12-01T10:0" + std::to_string(i) + ":00Z", {}}));
    }
    if (close) EXPECT_OK(client_->CloseTranscript(created->id));
    return created->id;
  }

  // Enrols two officers (a case needs two) and places `id` on hold under a
  // new case, as life_test.cc does: vaultd's own user holds every role.
  void Hold(const std::string& id) {
    std::vector<safeguard::OfficerKeys> officer_keys;
    for (const char* name : {"alice", "bob"}) {
      auto k = safeguard::OfficerKeys::Generate();
      ASSERT_OK(k);
      auto token = safeguard::EnrolmentToken(*k);
      ASSERT_OK(token);
      ASSERT_OK(client_->EnrolOfficer(name, *token));
      officer_keys.push_back(std::move(k).value());
    }
    const safeguard::OfficerKeys* keys = &officer_keys[0];
    auto officers = client_->ListOfficers();
    ASSERT_OK(officers);
    const UnixMillis now = SystemClock::Default()->NowMillis();
    CaseOpening opening;
    opening.case_id = "CASE-SAR-7";
    opening.reason = "Disclosure of risk of harm in chat.";
    ASSERT_OK(safeguard::SignCaseOpening(*keys, "alice", officers->vault_id, now, &opening));
    ASSERT_OK(client_->OpenCase(opening));
    HoldPlacement hold;
    hold.case_id = "CASE-SAR-7";
    hold.transcript_id = id;
    ASSERT_OK(safeguard::SignHold(*keys, "alice", officers->vault_id, now, &hold));
    ASSERT_OK(client_->PlaceHold(hold));
  }

  // Sam: two transcripts in webchat and textline, and a third (webchat)
  // held; Alex: one transcript in webchat.
  void MakeVisitors() {
    Visitor sam;
    sam.name = "Sam";
    sam.email = kSamEmail;
    sam.phone = kSamPhone;
    sam_webchat_ = Create("webchat", sam, {"<script>alert('x')</script> & hello", "Hi Sam"});
    Visitor sam_by_phone;
    sam_by_phone.phone = "07700 900999";
    sam_by_phone.email = kSamEmail;
    sam_textline_ = Create("textline", sam_by_phone, {"texting you now", "thanks for texting"});
    sam_held_ = Create("webchat", sam, {"the held words must not leave"});
    ASSERT_NO_FATAL_FAILURE(Hold(sam_held_));
    Visitor alex;
    alex.name = "Alex";
    alex.email = "alex@example.net";
    alex_ = Create("webchat", alex, {"alex's own words"});
  }

  // Entries of the audit log (vaultd's own user is the auditor) with this
  // action.
  std::vector<json::object> AuditRecords(const std::string& action) {
    std::vector<json::object> found;
    auto reply = client_->Request("GET", "/v1/audit/records?from=0&limit=1000");
    EXPECT_OK(reply);
    if (!reply.ok()) return found;
    const json::value parsed = json::parse(reply->body);
    for (const json::value& r : parsed.at("records").as_array()) {
      const json::object& payload = r.at("payload").as_object();
      if (payload.contains("action") && payload.at("action") == action.c_str()) {
        found.push_back(payload);
      }
    }
    return found;
  }

  std::string out_root_;
  std::string sam_webchat_, sam_textline_, sam_held_, alex_;
};

TEST_F(SubjectAccessE2eTest, WritesTheAnswerDirectory) {
  ASSERT_NO_FATAL_FAILURE(MakeVisitors());
  const std::string ids = daemon_.test_dir() + "/ids.json";
  {
    std::ofstream f(ids);
    f << R"({"email": "SAM@example.org"})";
  }
  const std::string dir = out_root_ + "/sam";
  const ProgramResult r = Ctl({"subject-access", "--out", dir, "--identifiers-file", ids,
                               "--phone", kSamPhone});
  ASSERT_EQ(r.exit_status, 0) << r.err;

  // Progress on stderr; one summary line of JSON on stdout.
  for (const char* step : {"searching", "found 3 transcripts (1 withheld)",
                           "writing subject-access.json", "writing subject-access.html",
                           "done: "}) {
    EXPECT_NE(r.err.find(step), std::string::npos) << step << " in:\n" << r.err;
  }
  ASSERT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  const json::object summary = json::parse(r.out).as_object();
  EXPECT_EQ(summary.at("dir"), dir.c_str());
  EXPECT_EQ(summary.at("transcripts"), 3);
  EXPECT_EQ(summary.at("withheld"), 1);

  // Private: the directory 0700, the files 0600, nothing else in it.
  EXPECT_EQ(ModeOf(dir), 0700u);
  std::set<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.insert(e.path().filename().string());
    EXPECT_EQ(ModeOf(e.path().string()), 0600u) << e.path();
  }
  EXPECT_EQ(names, (std::set<std::string>{"subject-access.json", "subject-access.html",
                                          "subject-access.txt"}));
  size_t beside = 0;
  for (const auto& e : std::filesystem::directory_iterator(out_root_)) beside += e.exists();
  EXPECT_EQ(beside, 1u) << "no partial sibling left";

  // The JSON decodes and lists exactly Sam's transcripts.
  const std::string body = ReadFileBytes(dir + "/subject-access.json");
  auto answer = wire::DecodeSubjectAccessAnswer(body);
  ASSERT_OK(answer);
  EXPECT_EQ(answer->audit_seq, json::value_to<uint64_t>(summary.at("audit_seq")));
  std::map<std::string, bool> listed;
  for (const SubjectAccessItem& item : answer->items) listed[item.id] = item.withheld;
  EXPECT_EQ(listed, (std::map<std::string, bool>{
                        {sam_webchat_, false}, {sam_textline_, false}, {sam_held_, true}}));
  EXPECT_EQ(answer->searched, (std::vector<std::string>{"email", "phone"}));
  EXPECT_EQ(answer->statement.controller, kController);
  EXPECT_EQ(answer->statement.recipients, (std::vector<std::string>{kRecipient}));

  // The readable copy: messages (escaped), the statement, the withheld notice.
  const std::string html = ReadFileBytes(dir + "/subject-access.html");
  EXPECT_NE(html.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; hello"),
            std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_NE(html.find("texting you now"), std::string::npos);
  EXPECT_NE(html.find("Example Helpline, 1 High Street; dpo@example.org"), std::string::npos);
  EXPECT_NE(html.find(kPurpose), std::string::npos);
  EXPECT_NE(html.find("Legitimate interests (Article 6(1)(f))"), std::string::npos);
  EXPECT_NE(html.find("Our helpline staff &amp; volunteers"), std::string::npos);
  EXPECT_NE(html.find("held under a legal hold"), std::string::npos);
  EXPECT_NE(html.find("to answer this request"), std::string::npos);
  for (const std::string& doc : {html, ReadFileBytes(dir + "/subject-access.txt")}) {
    EXPECT_EQ(doc.find("the held words"), std::string::npos);
    EXPECT_EQ(doc.find("CASE-SAR-7"), std::string::npos);
    EXPECT_EQ(doc.find("alex"), std::string::npos);
    EXPECT_EQ(doc.find(alex_), std::string::npos);
  }
  EXPECT_NE(ReadFileBytes(dir + "/subject-access.txt").find("texting you now"),
            std::string::npos);

  // The vault audited the request: kinds and counts, never the identifiers.
  const std::vector<json::object> requests = AuditRecords("subject.access");
  ASSERT_EQ(requests.size(), 1u);
  const std::string record = json::serialize(requests[0]);
  EXPECT_EQ(record.find("sam@"), std::string::npos) << record;
  EXPECT_EQ(record.find("7700"), std::string::npos) << record;

  // Again into the same directory: refused before asking, nothing changes.
  const ProgramResult again = Ctl({"subject-access", "--out", dir, "--email", kSamEmail});
  EXPECT_EQ(again.exit_status, 1);
  EXPECT_NE(again.err.find("out_exists"), std::string::npos) << again.err;
  EXPECT_EQ(again.out, "");
  EXPECT_EQ(ReadFileBytes(dir + "/subject-access.json"), body);
  EXPECT_EQ(AuditRecords("subject.access").size(), 1u) << "no second request was made";
}

TEST_F(SubjectAccessE2eTest, NothingFoundStillAnswersWithTheStatement) {
  const std::string dir = out_root_ + "/nobody";
  const ProgramResult r = Ctl({"subject-access", "--out", dir, "--email", "nobody@example.org"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_NE(r.err.find("found 0 transcripts (0 withheld)"), std::string::npos) << r.err;
  const std::string html = ReadFileBytes(dir + "/subject-access.html");
  EXPECT_NE(html.find("No information about you was found"), std::string::npos);
  EXPECT_NE(html.find(kPurpose), std::string::npos);
}

TEST_F(SubjectAccessE2eTest, ServicesNarrowTheSearch) {
  ASSERT_NO_FATAL_FAILURE(MakeVisitors());
  const std::string dir = out_root_ + "/textline";
  const ProgramResult r = Ctl({"subject-access", "--out", dir, "--email", kSamEmail,
                               "--service", "textline"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  auto answer = wire::DecodeSubjectAccessAnswer(ReadFileBytes(dir + "/subject-access.json"));
  ASSERT_OK(answer);
  ASSERT_EQ(answer->items.size(), 1u);
  EXPECT_EQ(answer->items[0].id, sam_textline_);
  EXPECT_EQ(answer->services, (std::vector<std::string>{"textline"}));
}

// Erasure of everything about Sam over the real socket: what is erased,
// what is withheld, what stays, and a repeat.
TEST_F(SubjectAccessE2eTest, ASubjectErasureErasesEveryMatchButTheHeldOne) {
  ASSERT_NO_FATAL_FAILURE(MakeVisitors());
  const std::string body = std::string(R"({"identifiers":{"email":")") + kSamEmail + R"("}})";
  auto reply = client_->Request("POST", "/v1/subject-erasure", body);
  ASSERT_OK(reply);
  ASSERT_EQ(reply->status, 200) << reply->body;
  const json::object answer = json::parse(reply->body).as_object();
  std::vector<std::string> erased;
  for (const json::value& id : answer.at("erased").as_array()) {
    erased.emplace_back(id.as_string());
  }
  std::vector<std::string> expected = {sam_webchat_, sam_textline_};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(erased, expected);
  ASSERT_EQ(answer.at("withheld").as_array().size(), 1u);
  EXPECT_EQ(answer.at("withheld").as_array()[0].as_string(), sam_held_);
  EXPECT_EQ(answer.at("searched").as_array().size(), 1u);
  EXPECT_GT(answer.at("audit_seq").as_int64(), 0);
  for (const std::string& id : expected) {
    auto read = client_->Request("GET", "/v1/transcripts/" + id);
    ASSERT_OK(read);
    EXPECT_EQ(read->status, 410) << read->body;
  }
  auto alex = client_->Request("GET", "/v1/transcripts/" + alex_);
  ASSERT_OK(alex);
  EXPECT_EQ(alex->status, 200);
  // Again: the same success, nothing more erased.
  auto again = client_->Request("POST", "/v1/subject-erasure", body);
  ASSERT_OK(again);
  ASSERT_EQ(again->status, 200) << again->body;
  EXPECT_TRUE(json::parse(again->body).at("erased").as_array().empty());
  // Bad input: a clear error, nothing erased.
  auto bad = client_->Request("POST", "/v1/subject-erasure", R"({"identifiers":{}})");
  ASSERT_OK(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("no_identifier"), std::string::npos) << bad->body;
  const auto records = AuditRecords("subject.erasure");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].at("outcome").as_string(), "ok");
  EXPECT_EQ(records[2].at("outcome").as_string(), "no_identifier");
  EXPECT_EQ(AuditRecords("transcript.erase").size(), 2u);
}

TEST_F(SubjectAccessE2eTest, BadInputIsRefusedAndLeavesNoDirectory) {
  const std::string dir = out_root_ + "/bad";
  const std::string bad_file = daemon_.test_dir() + "/bad-ids.json";
  {
    std::ofstream f(bad_file);
    f << R"({"name": "Sam"})";
  }
  struct Case {
    std::vector<std::string> args;
    int exit_status;
    const char* says;
  };
  const Case cases[] = {
      {{"subject-access", "--out", dir}, 2, "at least one identifier"},
      {{"subject-access", "--email", kSamEmail}, 2, "needs --out"},
      {{"subject-access", "--out", dir, "--email", "not-an-email"}, 1, "invalid_email"},
      {{"subject-access", "--out", dir, "--phone", "12"}, 1, "invalid_phone"},
      {{"subject-access", "--out", dir, "--ip", "300.1.2.3"}, 1, "invalid_ip"},
      {{"subject-access", "--out", dir, "--email", kSamEmail, "--service", "no such"}, 1,
       "invalid_service"},
      {{"subject-access", "--out", dir, "--email", kSamEmail, "--visitor-name", "x"}, 2,
       "does not apply"},
      {{"subject-access", "--out", dir, "--email", kSamEmail, "--colour", "x"}, 2,
       "unrecognised option"},
      {{"subject-access", "--out", dir, "--identifiers-file", bad_file}, 2, "unknown field"},
      {{"subject-access", "--out", dir, "--identifiers-file", dir + ".missing"}, 2, ""},
      {{"subject-access", "--out", out_root_ + "/no/such/parent", "--email", kSamEmail}, 1,
       "invalid_out"},
      {{"subject-access", "extra", "--out", dir, "--email", kSamEmail}, 2, "no arguments"},
  };
  for (const Case& c : cases) {
    const ProgramResult r = Ctl(c.args);
    EXPECT_EQ(r.exit_status, c.exit_status) << c.args.back() << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << c.says << " in: " << r.err;
    EXPECT_EQ(r.out, "") << c.args.back();
    EXPECT_FALSE(std::filesystem::exists(dir)) << c.args.back();
  }
  size_t left = 0;
  for (const auto& e : std::filesystem::directory_iterator(out_root_)) left += e.exists();
  EXPECT_EQ(left, 0u);
}

TEST_F(SubjectAccessE2eTest, IdentifiersInTheUrlAreNotAccepted) {
  ASSERT_NO_FATAL_FAILURE(MakeVisitors());
  // Only the body is read: a query string neither stands in for it nor
  // adds to it (and the target is logged as its route template).
  const std::string target = "/v1/subject-access?email=sam%40example.org&identifiers.email=" +
                             std::string("sam%40example.org");
  auto reply = client_->Request("POST", target, "", "");
  ASSERT_OK(reply);
  EXPECT_EQ(reply->status, 400) << reply->body;
  EXPECT_EQ(ErrorCode(reply->body), "invalid_json") << reply->body;
  EXPECT_EQ(reply->body.find(sam_webchat_), std::string::npos) << reply->body;
  reply = client_->Request("POST", target, R"({"identifiers": {}})");
  ASSERT_OK(reply);
  EXPECT_EQ(reply->status, 400) << reply->body;
  EXPECT_EQ(ErrorCode(reply->body), "no_identifier") << reply->body;
  reply = client_->Request("POST", target, R"({"identifiers": {"email": "alex@example.net"}})");
  ASSERT_OK(reply);
  ASSERT_EQ(reply->status, 200) << reply->body;
  auto answer = wire::DecodeSubjectAccessAnswer(reply->body);
  ASSERT_OK(answer);
  ASSERT_EQ(answer->items.size(), 1u) << reply->body;
  EXPECT_EQ(answer->items[0].id, alex_);
  EXPECT_EQ(answer->searched, (std::vector<std::string>{"email"}));
  // Not a GET with the identifiers in its URL either.
  reply = client_->Request("GET", "/v1/subject-access?email=sam%40example.org", "", "");
  ASSERT_OK(reply);
  EXPECT_EQ(reply->status, 405) << reply->body;
  EXPECT_EQ(reply->body.find(sam_webchat_), std::string::npos) << reply->body;
}

TEST(SubjectAccessRoleTest, ACallerWithoutTheDpoRoleIsRefusedAndAudited) {
  // This test's user is granted every role but dpo (any grant ends the
  // owner-only default), as audit_test.cc refuses non-auditors.
  const std::string me = "user:" + std::to_string(::getuid());
  Daemon daemon({"--access.writer", me, "--access.agent", me, "--access.admin", me,
                 "--access.auditor", me});
  ASSERT_OK(daemon.Start());
  auto client = daemon.Connect();
  ASSERT_OK(client);
  auto reply = (*client)->Request("POST", "/v1/subject-access",
                                  R"({"identifiers": {"email": "sam@example.org"}})");
  ASSERT_OK(reply);
  EXPECT_EQ(reply->status, 403) << reply->body;
  EXPECT_EQ(ErrorCode(reply->body), "forbidden") << reply->body;

  const ProgramResult r = RunProgram(
      VAULTCTL_PATH, {"--socket", daemon.socket_path(), "subject-access", "--out",
                      daemon.test_dir() + "/refused", "--email", "sam@example.org"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("forbidden"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(daemon.test_dir() + "/refused"));

  // Nor may it erase a visitor's transcripts, whatever other roles it has.
  NewTranscript request;
  request.service = "webchat";
  request.visitor.email = "sam@example.org";
  auto created = (*client)->CreateTranscript(request);
  ASSERT_OK(created);
  auto erasure = (*client)->Request("POST", "/v1/subject-erasure",
                                    R"({"identifiers": {"email": "sam@example.org"}})");
  ASSERT_OK(erasure);
  EXPECT_EQ(erasure->status, 403) << erasure->body;
  EXPECT_EQ(ErrorCode(erasure->body), "forbidden") << erasure->body;
  auto kept = (*client)->Request("GET", "/v1/transcripts/" + created->id);
  ASSERT_OK(kept);
  EXPECT_EQ(kept->status, 200) << kept->body;

  auto records = (*client)->Request("GET", "/v1/audit/records?from=0&limit=1000");
  ASSERT_OK(records);
  int refused = 0;
  const json::value parsed = json::parse(records->body);
  for (const json::value& rec : parsed.at("records").as_array()) {
    const json::object& p = rec.at("payload").as_object();
    if (p.contains("action") &&
        (p.at("action") == "subject.access" || p.at("action") == "subject.erasure")) {
      EXPECT_EQ(p.at("outcome"), "forbidden");
      EXPECT_EQ(json::serialize(p).find("sam@"), std::string::npos);
      ++refused;
    }
  }
  EXPECT_EQ(refused, 3);
}

}  // namespace
}  // namespace vault::testing
