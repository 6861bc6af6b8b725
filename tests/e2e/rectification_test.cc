// Rectification end to end (docs/api.md sections 2.5.6 and 2.5.7): visitor
// fields corrected with POST /v1/subject-rectification and supplementary
// statements attached with POST /v1/transcripts/{id}/statements, against a
// real vaultd on its real socket, with clients forked under the uids of the
// roles fixture (roles_fixture.h: a dpo for every service and, here, a dpo
// for the beta service only), and the subject access export written by the
// real vaultctl.
//
// What is proved: agents read the corrected visitor fields, and the
// identifiers found the transcript by follow (subject access and history);
// an agent reads each statement next to the message it supplements, the
// message, its count and the expiry unchanged; the subject access answer
// and the answer directory carry the statements; a held chat is withheld
// and takes no statement; every bad input and every refusal is a JSON error
// with its status and code, and changes nothing (register, transcripts,
// audit of changes); the corrections and statements survive a restart; no
// audit record holds a visitor value or a statement's text.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/e2e/legal_hold_fixture.h"
#include "tests/e2e/roles_fixture.h"
#include "tests/support/daemon_fixture.h"
#include "tests/support/run_program.h"
#include "tests/support/temp_dir.h"
#include "vault/common/time_format.h"
#include "vault/wire/response_json.h"
#include "vault/wire/subject_access_json.h"

namespace vault::testing {
namespace {

namespace json = boost::json;

// A dpo for the beta service only (granted by this file's fixture).
const Identity kDpoBeta{"dpo(beta)", 50010, 50010, {kSocketGroup}};

constexpr char kOldName[] = "Samuel Oldsurname";
constexpr char kNewName[] = "Samuel Newsurname";
constexpr char kOldEmail[] = "sam.old@example.org";
constexpr char kNewEmail[] = "sam.new@example.org";
constexpr char kOldPhone[] = "+44 7700 900555";
constexpr char kRef[] = "v-rect-3141";
constexpr char kStatementText[] =
    "The visitor states that the address given in this message was their former address.";

json::object Obj(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "not a JSON object: " << body;
    return {};
  }
  return std::move(v.as_object());
}

std::vector<std::string> Strings(const json::value& v) {
  std::vector<std::string> out;
  if (!v.is_array()) return out;
  for (const json::value& s : v.as_array()) out.emplace_back(s.as_string());
  return out;
}

// {"error":{"code":code,"message":non-empty}} and nothing else, with `status`.
::testing::AssertionResult IsError(const Reply& reply, int status, std::string_view code) {
  if (reply.status != status) {
    return ::testing::AssertionFailure()
           << "HTTP " << reply.status << ", expected " << status << "; body: " << reply.body;
  }
  boost::system::error_code ec;
  const json::value v = json::parse(reply.body, ec);
  const json::value* error = !ec && v.is_object() && v.as_object().size() == 1
                                 ? v.as_object().if_contains("error")
                                 : nullptr;
  if (error == nullptr || !error->is_object() || error->as_object().size() != 2) {
    return ::testing::AssertionFailure() << "not an error object: " << reply.body;
  }
  const json::value* c = error->as_object().if_contains("code");
  const json::value* m = error->as_object().if_contains("message");
  if (c == nullptr || !c->is_string() || m == nullptr || !m->is_string() ||
      m->as_string().empty()) {
    return ::testing::AssertionFailure() << "error needs a code and a message: " << reply.body;
  }
  if (c->as_string() != json::string_view(code.data(), code.size())) {
    return ::testing::AssertionFailure()
           << "code is " << c->as_string() << ", expected " << code << "; body: " << reply.body;
  }
  return ::testing::AssertionSuccess();
}

// A body of /v1/subject-rectification.
std::string Rectification(const json::object& identifiers, const json::object& visitor,
                          const std::string& request = "") {
  json::object body;
  body["identifiers"] = identifiers;
  body["visitor"] = visitor;
  if (!request.empty()) body["request"] = request;
  return json::serialize(body);
}

// A body of /v1/transcripts/{id}/statements.
std::string StatementBody(uint64_t seq, const std::string& text, const std::string& request = "") {
  json::object body;
  body["seq"] = seq;
  body["text"] = text;
  if (!request.empty()) body["request"] = request;
  return json::serialize(body);
}

std::string SamVisitor() {
  return json::serialize(json::object{{"name", kOldName},
                                      {"ref", kRef},
                                      {"email", kOldEmail},
                                      {"phone", kOldPhone},
                                      {"location", "Leeds"}});
}

class RectificationE2eTest : public LegalHoldRolesTest {
 protected:
  RectificationE2eTest()
      : LegalHoldRolesTest(std::vector<std::string>{"--access.dpo", "user:50010 services=beta"}) {}

  const std::string& socket() const { return daemon_.socket_path(); }
  Reply As(const Identity& who, const Call& call) { return RunOneAs(who, socket(), call); }

  // A transcript of `service` for `visitor` (a JSON object) with messages
  // 0 .. texts.size() - 1, closed unless `close` is false.
  std::string Chat(const std::string& visitor, const std::vector<std::string>& texts = {"hi"},
                   const std::string& service = "alpha", bool close = true) {
    const Identity& writer = service == "alpha" ? kWriterAlpha : kWriterBeta;
    const Reply created = As(writer, {"POST", "/v1/transcripts",
                                      R"({"service":")" + service + R"(","visitor":)" + visitor +
                                          "}"});
    EXPECT_EQ(created.status, 201) << created.body;
    const std::string id = Field(created.body, "id");
    std::vector<Call> calls;
    for (size_t i = 0; i < texts.size(); ++i) {
      calls.push_back({"POST", "/v1/transcripts/" + id + "/messages",
                       json::serialize(json::object{{"seq", i},
                                                    {"from", i % 2 == 0 ? "visitor" : "agent"},
                                                    {"text", texts[i]},
                                                    {"sent_at", "2026-11-22T10:00:00Z"}})});
    }
    if (close) calls.push_back({"POST", "/v1/transcripts/" + id + "/close", ""});
    for (const Reply& r : RunAs(writer, socket(), calls)) {
      EXPECT_TRUE(r.status == 201 || r.status == 200) << r.body;
    }
    return id;
  }
  // The transcript as an agent reads it (the agent reads every service).
  std::string AgentRead(const std::string& id) {
    const Reply reply = As(kAgent, {"GET", "/v1/transcripts/" + id, ""});
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.body;
  }
  Transcript Decoded(const std::string& id) {
    auto t = wire::DecodeTranscript(AgentRead(id));
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : Transcript{};
  }
  std::string Register(const std::string& kind) {
    const Reply reply =
        As(kDpo, {"POST", "/v1/rights-requests", R"({"kind":")" + kind + R"("})"});
    EXPECT_EQ(reply.status, 201) << reply.body;
    return Field(reply.body, "id");
  }
  json::object Entry(const std::string& id) {
    const Reply reply = As(kDpo, {"GET", "/v1/rights-requests/" + id, ""});
    EXPECT_EQ(reply.status, 200) << reply.body;
    return Obj(reply.body);
  }
  std::string All() {
    const Reply reply = As(kAuditor, {"GET", "/v1/rights-requests?state=all", ""});
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.body;
  }
  // The ids a subject access for these identifiers lists.
  std::set<std::string> Found(const json::object& identifiers) {
    const Reply reply = As(kDpo, {"POST", "/v1/subject-access",
                                  json::serialize(json::object{{"identifiers", identifiers}})});
    EXPECT_EQ(reply.status, 200) << reply.body;
    std::set<std::string> out;
    const json::object o = Obj(reply.body);
    if (!o.contains("transcripts")) return out;
    for (const json::value& t : o.at("transcripts").as_array()) out.emplace(t.at("id").as_string());
    return out;
  }
  std::set<std::string> History(const std::string& from) {
    const Reply reply = As(kAgent, {"GET", "/v1/transcripts/" + from + "/history", ""});
    EXPECT_EQ(reply.status, 200) << reply.body;
    auto page = wire::DecodeHistoryPage(reply.body);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    std::set<std::string> out;
    if (page.ok()) {
      for (const HistoryEntry& e : page->entries) out.insert(e.id);
    }
    return out;
  }
  // Every audit record's payload, read a page at a time as the auditor.
  std::vector<json::object> AuditPayloads() {
    std::vector<json::object> out;
    uint64_t from = 0;
    for (;;) {
      const Reply reply = As(kAuditor, {"GET", "/v1/audit/records?from=" + std::to_string(from) +
                                                   "&limit=1000",
                                        ""});
      EXPECT_EQ(reply.status, 200) << reply.body;
      if (reply.status != 200) return out;
      const json::object page = Obj(reply.body);
      const json::array& records = page.at("records").as_array();
      for (const json::value& r : records) {
        if (r.at("payload").is_object()) out.push_back(r.at("payload").as_object());
      }
      if (records.size() < 1000) return out;
      from = page.at("next").to_number<uint64_t>();
    }
  }
  std::vector<json::object> Audited(const std::string& action, const std::string& outcome = "") {
    std::vector<json::object> out;
    for (json::object& p : AuditPayloads()) {
      if (!p.contains("action") || p.at("action") != action.c_str()) continue;
      if (!outcome.empty() && p.at("outcome") != outcome.c_str()) continue;
      out.push_back(std::move(p));
    }
    return out;
  }
  static std::string DetailOf(const json::object& p, const char* key) {
    const json::value* v = p.at("details").as_object().if_contains(key);
    return v == nullptr ? "" : std::string(v->as_string());
  }
  // No audit record holds any of `values` (case-insensitive).
  void ExpectNoneInAudit(const std::vector<std::string>& values) {
    const std::vector<json::object> payloads = AuditPayloads();
    ASSERT_FALSE(payloads.empty());
    for (const json::object& p : payloads) {
      std::string text = json::serialize(p);
      std::transform(text.begin(), text.end(), text.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      });
      for (std::string v : values) {
        std::transform(v.begin(), v.end(), v.begin(), [](char c) {
          return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        });
        EXPECT_EQ(text.find(v), std::string::npos) << v << " in " << text;
      }
    }
  }
  // A chat of Sam's held under a new case.
  std::string HeldChat(const std::string& case_id, const std::string& visitor) {
    Reply opened = As(kOfficer, OpenCase("alice", case_id));
    EXPECT_EQ(opened.status, 201) << opened.body;
    const std::string id = Chat(visitor);
    Reply held = As(kOfficer, Hold("alice", case_id, id));
    EXPECT_EQ(held.status, 201) << held.body;
    return id;
  }
};

// --- Visitor fields ----------------------------------------------------------

TEST_F(RectificationE2eTest, AgentsReadTheCorrectedFieldsAndTheIdentifiersFollow) {
  const std::string sam = Chat(SamVisitor(), {"hello", "hi, how can we help?"});
  const std::string sam_later = Chat(json::serialize(json::object{{"email", kOldEmail}}));
  const std::string alex = Chat(R"({"name":"Alex","email":"alex@example.net"})");
  const std::string alex_before = AgentRead(alex);
  const Transcript before = Decoded(sam);
  ASSERT_EQ(History(sam_later), std::set<std::string>{sam});

  const Reply reply = As(kDpo, {"POST", "/v1/subject-rectification",
                                Rectification({{"email", "SAM.OLD@example.org"}},
                                              {{"name", kNewName},
                                               {"email", kNewEmail},
                                               {"location", nullptr},
                                               {"device", "tablet"}})});
  ASSERT_EQ(reply.status, 200) << reply.body;
  const json::object answer = Obj(reply.body);
  const std::string request(answer.at("request").as_string());
  EXPECT_EQ(request.size(), 32u);
  EXPECT_EQ(Strings(answer.at("searched")), std::vector<std::string>{"email"});
  EXPECT_TRUE(answer.at("services").as_array().empty());
  EXPECT_EQ(Strings(answer.at("fields")),
            (std::vector<std::string>{"name", "email", "location", "device"}));
  std::vector<std::string> both = {sam, sam_later};
  std::sort(both.begin(), both.end());
  EXPECT_EQ(Strings(answer.at("rectified")), both);
  EXPECT_TRUE(answer.at("withheld").as_array().empty());
  EXPECT_GT(answer.at("audit_seq").to_number<uint64_t>(), 0u);
  UnixMillis answered_at = 0;
  EXPECT_TRUE(ParseRfc3339(std::string(answer.at("answered_at").as_string()), &answered_at));

  // Agents read the new values; the rest, messages included, as before.
  const Transcript after = Decoded(sam);
  Visitor expected = before.visitor;
  expected.name = kNewName;
  expected.email = kNewEmail;
  expected.location.reset();
  expected.device = "tablet";
  EXPECT_EQ(after.visitor, expected);
  EXPECT_EQ(after.messages, before.messages);
  EXPECT_EQ(after.info.message_count, 2u);
  EXPECT_EQ(after.info.expires_at, before.info.expires_at);
  EXPECT_EQ(AgentRead(alex), alex_before);

  // The index follows: the old email finds nothing, the new one both
  // chats, the unchanged ref the one that had it; and histories too.
  EXPECT_TRUE(Found({{"email", kOldEmail}}).empty());
  EXPECT_EQ(Found({{"email", kNewEmail}}), std::set<std::string>(both.begin(), both.end()));
  EXPECT_EQ(Found({{"ref", kRef}}), std::set<std::string>{sam});
  EXPECT_EQ(History(sam_later), std::set<std::string>{sam});  // now by the new email
  const std::string old_address = Chat(json::serialize(json::object{{"email", kOldEmail}}));
  EXPECT_TRUE(History(old_address).empty());

  // The register: a done rectification that touched both.
  const json::object entry = Entry(request);
  EXPECT_EQ(entry.at("kind"), "rectification");
  EXPECT_EQ(entry.at("state"), "done");
  EXPECT_EQ(json::serialize(entry.at("touched")),
            R"([{"id":")" + both[0] + R"(","outcome":"rectified"},{"id":")" + both[1] +
                R"(","outcome":"rectified"}])");
  // Audited by field name, never by value.
  const auto rectified = Audited("transcript.rectify", "ok");
  ASSERT_EQ(rectified.size(), 2u);
  for (const json::object& p : rectified) {
    EXPECT_EQ(DetailOf(p, "fields"), "name,email,location,device");
    EXPECT_EQ(DetailOf(p, "request"), request);
  }
  ASSERT_EQ(Audited("subject.rectification", "ok").size(), 1u);
  ExpectNoneInAudit({kOldName, kNewName, "Oldsurname", "Newsurname", kOldEmail, kNewEmail,
                     "sam.old", "sam.new", "Leeds", "tablet"});
}

// --- Statements ----------------------------------------------------------------

TEST_F(RectificationE2eTest, AnAgentReadsTheStatementNextToTheMessageItSupplements) {
  const std::string id = Chat(SamVisitor(), {"my address is 1 Old Road", "thanks", "bye"});
  const std::string before = AgentRead(id);
  const Transcript t0 = Decoded(id);

  const UnixMillis sent = SystemClock::Default()->NowMillis();
  const Reply added = As(kDpo, {"POST", "/v1/transcripts/" + id + "/statements",
                                StatementBody(0, kStatementText)});
  ASSERT_EQ(added.status, 201) << added.body;
  const json::object answer = Obj(added.body);
  EXPECT_EQ(answer.size(), 4u) << added.body;
  EXPECT_EQ(answer.at("id"), id.c_str());
  EXPECT_EQ(answer.at("seq"), 0);
  UnixMillis added_at = 0;
  ASSERT_TRUE(ParseRfc3339(std::string(answer.at("added_at").as_string()), &added_at));
  EXPECT_GE(added_at, sent - 1000);
  const std::string request(answer.at("request").as_string());
  const json::object entry = Entry(request);
  EXPECT_EQ(entry.at("kind"), "rectification");
  EXPECT_EQ(entry.at("state"), "done");
  EXPECT_EQ(Strings(entry.at("services")), std::vector<std::string>{"alpha"});
  EXPECT_EQ(json::serialize(entry.at("touched")),
            R"([{"id":")" + id + R"(","outcome":"rectified"}])");
  const Reply second = As(kDpo, {"POST", "/v1/transcripts/" + id + "/statements",
                                 StatementBody(0, "A second statement.")});
  ASSERT_EQ(second.status, 201) << second.body;

  // The agent's read: the statements on message 0, in the order added, as
  // {"text","added_at"}; no other message has any; nothing else changed.
  const std::string body = AgentRead(id);
  const json::object read = Obj(body);
  const json::array& messages = read.at("messages").as_array();
  ASSERT_EQ(messages.size(), 3u);
  EXPECT_EQ(messages[0].at("text"), "my address is 1 Old Road");
  ASSERT_TRUE(messages[0].as_object().contains("statements")) << body;
  const json::array& statements = messages[0].at("statements").as_array();
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[0].as_object().size(), 2u);
  EXPECT_EQ(statements[0].at("text"), kStatementText);
  EXPECT_EQ(statements[0].at("added_at"), answer.at("added_at"));
  EXPECT_EQ(statements[1].at("text"), "A second statement.");
  EXPECT_EQ(statements[1].at("added_at"), Obj(second.body).at("added_at"));
  EXPECT_FALSE(messages[1].as_object().contains("statements"));
  EXPECT_FALSE(messages[2].as_object().contains("statements"));
  Transcript t1 = Decoded(id);
  EXPECT_EQ(t1.info.message_count, t0.info.message_count);
  EXPECT_EQ(t1.info.expires_at, t0.info.expires_at);
  EXPECT_EQ(t1.info.last_activity, t0.info.last_activity);
  EXPECT_EQ(t1.visitor, t0.visitor);
  for (vault::Message& m : t1.messages) m.statements.clear();
  EXPECT_EQ(t1.messages, t0.messages);
  EXPECT_NE(body, before);
  // A writer of the service reads them too.
  const Reply writer = As(kWriterAlpha, {"GET", "/v1/transcripts/" + id, ""});
  ASSERT_EQ(writer.status, 200) << writer.body;
  EXPECT_EQ(writer.body, body);

  // The subject access answer carries them next to the message.
  const Reply disclosed =
      As(kDpo, {"POST", "/v1/subject-access", R"({"identifiers":{"ref":")" + std::string(kRef) +
                                                  R"("}})"});
  ASSERT_EQ(disclosed.status, 200) << disclosed.body;
  auto sar = wire::DecodeSubjectAccessAnswer(disclosed.body);
  ASSERT_TRUE(sar.ok()) << sar.status().ToString();
  ASSERT_EQ(sar->items.size(), 1u);
  ASSERT_EQ(sar->items[0].transcript.messages.size(), 3u);
  ASSERT_EQ(sar->items[0].transcript.messages[0].statements.size(), 2u);
  EXPECT_EQ(sar->items[0].transcript.messages[0].statements[0].text, kStatementText);
  EXPECT_EQ(sar->items[0].transcript.messages[0].statements[0].added_at, added_at);

  // Audited with the seq and the entry, never the text.
  const auto records = Audited("transcript.statement", "ok");
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(DetailOf(records[0], "seq"), "0");
  EXPECT_EQ(DetailOf(records[0], "request"), request);
  ExpectNoneInAudit({kStatementText, "former address", "A second statement"});
}

TEST_F(RectificationE2eTest, AHeldChatIsWithheldFromRectificationAndTakesNoStatement) {
  const std::string held = HeldChat("CASE-R", SamVisitor());
  const std::string free = Chat(SamVisitor());
  const Reply rectified = As(kDpo, {"POST", "/v1/subject-rectification",
                                    Rectification({{"ref", kRef}}, {{"name", kNewName}})});
  ASSERT_EQ(rectified.status, 200) << rectified.body;
  EXPECT_EQ(Field(rectified.body, "rectified"), R"([")" + free + R"("])");
  EXPECT_EQ(Field(rectified.body, "withheld"), R"([")" + held + R"("])");
  EXPECT_EQ(json::serialize(Entry(Field(rectified.body, "request")).at("touched")),
            R"([{"id":")" + free + R"(","outcome":"rectified"},{"id":")" + held +
                R"(","outcome":"withheld"}])");
  EXPECT_EQ(Decoded(free).visitor.name, kNewName);
  // Still found by its old identifiers (its index entries are untouched).
  EXPECT_EQ(Found({{"email", kOldEmail}}), (std::set<std::string>{held, free}));

  const std::string all = All();
  EXPECT_TRUE(IsError(As(kDpo, {"POST", "/v1/transcripts/" + held + "/statements",
                                StatementBody(0, kStatementText)}),
                      409, "legal_hold"));
  EXPECT_EQ(All(), all) << "nothing registered";
  EXPECT_TRUE(Audited("transcript.statement", "ok").empty());
  EXPECT_EQ(Audited("transcript.statement", "legal_hold").size(), 1u);
}

// --- Bad input ---------------------------------------------------------------------

TEST_F(RectificationE2eTest, BadInputIsAJsonErrorAndChangesNothing) {
  const std::string sam = Chat(SamVisitor(), {"one", "two"});
  const std::string beta = Chat(SamVisitor(), {"on beta"}, "beta");
  const std::string held = HeldChat("CASE-B", SamVisitor());
  const std::string erased = Chat(SamVisitor());
  ASSERT_EQ(As(kAdmin, {"POST", "/v1/transcripts/" + erased + "/erase", ""}).status, 200);
  const std::string full = Chat(R"({"ref":"v-full-1"})", {"sixteen statements"});
  for (int i = 0; i < 16; ++i) {
    ASSERT_EQ(As(kDpo, {"POST", "/v1/transcripts/" + full + "/statements",
                        StatementBody(0, "statement " + std::to_string(i))})
                  .status,
              201);
  }
  const std::string access = Register("access");
  const std::string done = Register("rectification");
  ASSERT_EQ(As(kDpo, {"POST", "/v1/rights-requests/" + done + "/complete", ""}).status, 200);
  const std::string open = Register("rectification");
  const std::string unknown(32, '0');
  const std::string too_long(70, 'a');
  const std::string R = "/v1/subject-rectification";
  const std::string S = "/v1/transcripts/" + sam + "/statements";
  const json::object ids = {{"email", kOldEmail}};
  const json::object name = {{"name", kNewName}};
  const auto rect = [&](const json::object& visitor, const std::string& request = "") {
    return Rectification(ids, visitor, request);
  };

  struct Bad {
    Call call;
    int status;
    const char* code;
  };
  const std::vector<Bad> bad = {
      // Rectification: the body.
      {{"POST", R, "not json"}, 400, "invalid_json"},
      {{"POST", R, ""}, 400, "invalid_json"},
      {{"POST", R, "[]"}, 400, "invalid_type"},
      {{"POST", R, R"({"identifiers":{"email":"sam.old@example.org"}})"}, 400, "missing_field"},
      {{"POST", R, R"({"visitor":{"name":"x"}})"}, 400, "missing_field"},
      {{"POST", R, R"({"identifiers":{"email":"sam.old@example.org"},"visitor":"x"})"}, 400,
       "invalid_type"},
      {{"POST", R, R"({"identifiers":{"email":"sam.old@example.org"},"visitor":{},"why":1})"},
       400, "unknown_field"},
      {{"POST", R, rect({})}, 400, "no_change"},
      {{"POST", R, rect({{"nickname", "Sammy"}})}, 400, "invalid_field"},
      {{"POST", R, rect({{"Name", "Sammy"}})}, 400, "invalid_field"},
      {{"POST", R, rect({{"service", "beta"}})}, 400, "invalid_field"},
      {{"POST", R, rect({{"name", 5}})}, 400, "invalid_type"},
      {{"POST", R, rect({{"name", json::array{"x"}}})}, 400, "invalid_type"},
      {{"POST", R, rect({{"name", true}})}, 400, "invalid_type"},
      {{"POST", R, rect({{"location", std::string(1025, 'x')}})}, 400, "field_too_long"},
      {{"POST", R, rect({{"name", kNewName}, {"user_agent", std::string(2000, 'u')}})}, 400,
       "field_too_long"},
      {{"POST", R, rect({{"email", "not-an-address"}})}, 400, "invalid_email"},
      {{"POST", R, rect({{"name", kNewName}, {"phone", "12"}})}, 400, "invalid_phone"},
      // Rectification: the identifiers, services and request.
      {{"POST", R, Rectification({}, name)}, 400, "no_identifier"},
      {{"POST", R, Rectification({{"name", "Sam"}}, name)}, 400, "unknown_field"},
      {{"POST", R, Rectification({{"email", "nope"}}, name)}, 400, "invalid_email"},
      {{"POST", R,
        R"({"identifiers":{"email":"sam.old@example.org"},"visitor":{"name":"x"},)"
        R"("services":["no such"]})"},
       400, "invalid_service"},
      {{"POST", R,
        R"({"identifiers":{"email":"sam.old@example.org"},"visitor":{"name":"x"},"request":5})"},
       400, "invalid_type"},
      {{"POST", R, rect(name, unknown)}, 404, "unknown_request"},
      {{"POST", R, rect(name, too_long)}, 404, "unknown_request"},
      {{"POST", R, rect(name, "xyz")}, 404, "unknown_request"},
      {{"POST", R, rect(name, access)}, 409, "wrong_kind"},
      {{"POST", R, rect(name, done)}, 409, "request_closed"},
      {{"POST", R, rect({}, open)}, 400, "no_change"},
      {{"POST", R, rect(name, open), "text/plain"}, 415, "unsupported_media_type"},
      {{"GET", R, ""}, 405, "method_not_allowed"},
      // Statements: the body.
      {{"POST", S, "not json"}, 400, "invalid_json"},
      {{"POST", S, ""}, 400, "invalid_json"},
      {{"POST", S, "[1]"}, 400, "invalid_type"},
      {{"POST", S, R"({"seq":0})"}, 400, "missing_field"},
      {{"POST", S, R"({"text":"a statement"})"}, 400, "missing_field"},
      {{"POST", S, R"({"seq":0,"text":"a statement","note":"x"})"}, 400, "unknown_field"},
      {{"POST", S, R"({"seq":-1,"text":"a statement"})"}, 400, "invalid_seq"},
      {{"POST", S, R"({"seq":1000001,"text":"a statement"})"}, 400, "invalid_seq"},
      {{"POST", S, R"({"seq":"0","text":"a statement"})"}, 400, "invalid_seq"},
      {{"POST", S, R"({"seq":0.5,"text":"a statement"})"}, 400, "invalid_seq"},
      {{"POST", S, R"({"seq":0,"text":5})"}, 400, "invalid_type"},
      {{"POST", S, R"({"seq":0,"text":null})"}, 400, "invalid_type"},
      {{"POST", S, StatementBody(0, "")}, 400, "invalid_text"},
      {{"POST", S, StatementBody(0, std::string(65537, 's'))}, 400, "invalid_text"},
      // Not UTF-8: no JSON string can carry it, so the body is not JSON.
      {{"POST", S, "{\"seq\":0,\"text\":\"bad \xc3\x28 bytes\"}"}, 400, "invalid_json"},
      {{"POST", S, R"({"seq":0,"text":"a statement","request":5})"}, 400, "invalid_type"},
      // Statements: what it names.
      {{"POST", S, StatementBody(2, "a statement")}, 404, "no_such_message"},
      {{"POST", S, StatementBody(1000000, "a statement")}, 404, "no_such_message"},
      {{"POST", "/v1/transcripts/" + unknown + "/statements", StatementBody(0, "a statement")}, 404,
       "not_found"},
      {{"POST", "/v1/transcripts/xyz/statements", StatementBody(0, "a statement")}, 404,
       "not_found"},
      {{"POST", "/v1/transcripts/" + held + "/statements", StatementBody(0, "a statement")}, 409,
       "legal_hold"},
      {{"POST", "/v1/transcripts/" + erased + "/statements", StatementBody(0, "a statement")},
       410, "erased"},
      {{"POST", "/v1/transcripts/" + full + "/statements", StatementBody(0, "one too many")}, 413,
       "too_many_statements"},
      {{"POST", S, StatementBody(0, "a statement", unknown)}, 404, "unknown_request"},
      {{"POST", S, StatementBody(0, "a statement", too_long)}, 404, "unknown_request"},
      {{"POST", S, StatementBody(0, "a statement", access)}, 409, "wrong_kind"},
      {{"POST", S, StatementBody(0, "a statement", done)}, 409, "request_closed"},
      {{"POST", S, StatementBody(0, "a statement"), "text/plain"}, 415,
       "unsupported_media_type"},
      {{"GET", S, ""}, 405, "method_not_allowed"},
  };
  // The register read before each call and after the last, in one client.
  std::vector<Call> calls;
  const Call list = {"GET", "/v1/rights-requests?state=all", ""};
  calls.push_back(list);
  for (const Bad& b : bad) {
    calls.push_back(b.call);
    calls.push_back(list);
  }
  const std::vector<std::string> chats = {sam, beta, full};
  std::map<std::string, std::string> before;
  for (const std::string& id : chats) before[id] = AgentRead(id);
  const size_t rectify_ok = Audited("transcript.rectify", "ok").size();
  const size_t statement_ok = Audited("transcript.statement", "ok").size();
  ASSERT_EQ(statement_ok, 16u);

  const std::vector<Reply> got = RunAs(kDpo, socket(), calls);
  ASSERT_EQ(got.size(), calls.size());
  ASSERT_EQ(got[0].status, 200) << got[0].body;
  const std::string register_before = got[0].body;
  for (size_t i = 0; i < bad.size(); ++i) {
    const Bad& b = bad[i];
    SCOPED_TRACE(b.call.method + " " + b.call.target + " " + b.call.body.substr(0, 200));
    EXPECT_TRUE(IsError(got[1 + 2 * i], b.status, b.code));
    EXPECT_EQ(got[2 + 2 * i].body, register_before) << "the register changed";
  }
  // A dpo of another service: refused, for the transcript's service or the
  // services named.
  EXPECT_TRUE(IsError(As(kDpoBeta, {"POST", S, StatementBody(0, "a statement")}), 403,
                      "service_forbidden"));
  EXPECT_TRUE(IsError(
      As(kDpoBeta, {"POST", R,
                    R"({"identifiers":{"email":"sam.old@example.org"},"visitor":{"name":"x"},)"
                    R"("services":["alpha"]})"}),
      403, "service_forbidden"));
  EXPECT_TRUE(IsError(As(kDpoBeta, {"POST", R, rect(name, open)}), 404, "unknown_request"));

  // Nothing changed: the chats read the same, the register is the same,
  // no change was audited, and the open entry touched nothing.
  for (const std::string& id : chats) EXPECT_EQ(AgentRead(id), before[id]) << id;
  EXPECT_EQ(All(), register_before);
  EXPECT_EQ(Audited("transcript.rectify", "ok").size(), rectify_ok);
  EXPECT_EQ(Audited("transcript.statement", "ok").size(), statement_ok);
  EXPECT_TRUE(Entry(open).at("touched").as_array().empty());
  ExpectNoneInAudit({kNewName, kOldName, "one too many"});
}

// --- Restart -------------------------------------------------------------------------

TEST_F(RectificationE2eTest, CorrectionsAndStatementsSurviveARestart) {
  const std::string id = Chat(SamVisitor(), {"one", "two"});
  const Reply fixed = As(kDpo, {"POST", "/v1/subject-rectification",
                                Rectification({{"ref", kRef}}, {{"email", kNewEmail}})});
  ASSERT_EQ(fixed.status, 200) << fixed.body;
  const Reply added = As(kDpo, {"POST", "/v1/transcripts/" + id + "/statements",
                                StatementBody(1, kStatementText)});
  ASSERT_EQ(added.status, 201) << added.body;
  const std::string before = AgentRead(id);
  const std::string register_before = All();

  ASSERT_OK(daemon_.Restart());
  EXPECT_EQ(AgentRead(id), before);
  EXPECT_EQ(All(), register_before);
  EXPECT_EQ(Decoded(id).messages[1].statements.size(), 1u);
  EXPECT_TRUE(Found({{"email", kOldEmail}}).empty());
  EXPECT_EQ(Found({{"email", kNewEmail}}), std::set<std::string>{id});
}

// --- The export ----------------------------------------------------------------------

// `vaultctl subject-access` against a vaultd whose own user holds every role
// (no [access] section), as tests/e2e/subject_access_test.cc runs it.
class RectificationExportE2eTest : public DaemonTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DaemonTest::SetUp());
    out_root_ = daemon_.test_dir() + "/answers";
    std::filesystem::create_directories(out_root_);
    NewTranscript request;
    request.service = "webchat";
    request.visitor.email = kOldEmail;
    auto created = client_->CreateTranscript(request);
    ASSERT_OK(created);
    id_ = created->id;
    ASSERT_OK(client_->AppendMessage(
        id_, vault::Message{0, "visitor", "my address is 1 Old Road", "2026-12-01T10:00:00Z", {}}));
    ASSERT_OK(client_->AppendMessage(
        id_, vault::Message{1, "agent", "noted, thank you", "2026-12-01T10:01:00Z", {}}));
    ASSERT_OK(client_->CloseTranscript(id_));
    auto added = client_->Request("POST", "/v1/transcripts/" + id_ + "/statements",
                                  StatementBody(0, kStatementText));
    ASSERT_OK(added);
    ASSERT_EQ(added->status, 201) << added->body;
  }
  ProgramResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--socket", daemon_.socket_path()});
    return RunProgram(VAULTCTL_PATH, args, {"VAULT_SOCKET"});
  }
  // Writes the answer directory for Sam; its path.
  std::string Export() {
    const std::string dir = out_root_ + "/sam";
    const ProgramResult r = Ctl({"subject-access", "--out", dir, "--email", kOldEmail});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    return dir;
  }

  std::string out_root_;
  std::string id_;
};

TEST_F(RectificationExportE2eTest, TheAnswerDirectoryCarriesTheStatementNextToItsMessage) {
  const std::string dir = Export();
  auto answer = wire::DecodeSubjectAccessAnswer(ReadFileBytes(dir + "/subject-access.json"));
  ASSERT_OK(answer);
  ASSERT_EQ(answer->items.size(), 1u);
  EXPECT_EQ(answer->items[0].id, id_);
  const std::vector<vault::Message>& messages = answer->items[0].transcript.messages;
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].text, "my address is 1 Old Road");
  ASSERT_EQ(messages[0].statements.size(), 1u);
  EXPECT_EQ(messages[0].statements[0].text, kStatementText);
  EXPECT_TRUE(messages[1].statements.empty());
}

// The readable copies (HTML and plain text) show the statement after the
// message it supplements (docs/api.md 2.5.7: "wherever the transcript is
// ... disclosed").
TEST_F(RectificationExportE2eTest, TheReadableCopiesShowTheStatementAfterItsMessage) {
  const std::string dir = Export();
  for (const char* name : {"subject-access.html", "subject-access.txt"}) {
    SCOPED_TRACE(name);
    // Words as a reader sees them: the text copy wraps its lines.
    std::string doc;
    for (const char c : ReadFileBytes(dir + "/" + name)) {
      const bool space = c == ' ' || c == '\n';
      if (!space || doc.empty() || doc.back() != ' ') doc.push_back(space ? ' ' : c);
    }
    const size_t message = doc.find("my address is 1 Old Road");
    const size_t statement = doc.find("their former address");
    const size_t next = doc.find("noted, thank you");
    ASSERT_NE(message, std::string::npos);
    ASSERT_NE(statement, std::string::npos) << "the statement is not shown";
    EXPECT_LT(message, statement);
    EXPECT_LT(statement, next);
  }
}

}  // namespace
}  // namespace vault::testing
