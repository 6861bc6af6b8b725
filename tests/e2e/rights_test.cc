// Visitors' rights end to end: the rights-request register
// (/v1/rights-requests and its actions), restriction and objection of a
// visitor's transcripts (/v1/subject-restriction, /v1/subject-objection), and
// subject access and erasure carrying out a registered request, against a
// real vaultd on its real socket, with clients forked under the uids of the
// roles fixture (roles_fixture.h; a dpo for every service and, here only, a
// dpo for the beta service).
//
// What is proved: an overdue request is listed and counted in /metrics until
// it is carried out and completed; an extension is once, by one or two
// months, for a reason code; a restricted transcript is refused to writers
// and agents (409 restricted), listed without dates in histories, still
// disclosed to its visitor, and readable again once lifted; an objection
// restricts until decided and is completed only by its decision; every bad
// input is a JSON error that changes nothing; every change answers with the
// entry as stored; the register and the restrictions survive a restart; a
// held chat is withheld, never restricted or erased; a dpo for one service
// sees only that service's entries; no audit record holds any of the
// identifiers used; every endpoint for every role.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/e2e/legal_hold_fixture.h"
#include "tests/e2e/roles_fixture.h"
#include "tests/support/exposition.h"
#include "vault/clock.h"
#include "vault/common/time_format.h"

namespace vault::testing {
namespace {

namespace json = boost::json;

constexpr int64_t kDay = 86'400'000;

// A dpo for the beta service only (granted by this file's fixture).
const Identity kDpoBeta{"dpo(beta)", 50010, 50010, {kSocketGroup}};

// Sam's identifiers: none of them may reach the audit log or the register.
constexpr char kSamRef[] = "v-rights-4821";
constexpr char kSamEmail[] = "sam.rights@example.org";
constexpr char kSamPhone[] = "+44 7700 900456";
constexpr char kSamIp[] = "198.51.100.77";
constexpr char kSamName[] = "Sam Rightsholder";
constexpr char kAlexEmail[] = "alex.rights@example.net";
constexpr char kAlexRef[] = "v-rights-9907";

// Every form of an identifier used here that must appear in no audit
// record (as given and as normalised).
const std::vector<std::string>& IdentifierValues() {
  static const std::vector<std::string> values = {
      kSamRef,     kSamEmail, "sam.rights", kSamPhone,      "7700 900456", "7700900456",
      kSamIp,      kSamName,  kAlexEmail,   "alex.rights", kAlexRef,      "restrict-",
      "object-",   "lift-",   "decide-"};
  return values;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); });
  return s;
}

std::string Str(const json::value& v) { return std::string(v.as_string()); }

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
  if (!v.is_array()) {
    ADD_FAILURE() << "not an array: " << json::serialize(v);
    return out;
  }
  for (const json::value& s : v.as_array()) out.emplace_back(s.as_string());
  return out;
}

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
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

// The due date ("YYYY-MM-DD") and due_at (the first instant overdue, 00:00
// UTC of the day after) of a request received at `received` with a time
// limit of `months` calendar months, worked out independently of the vault:
// the same day `months` months later, or that month's last day.
std::pair<std::string, std::string> Due(UnixMillis received, int months) {
  namespace chr = std::chrono;
  const chr::sys_days day =
      chr::floor<chr::days>(chr::sys_time<chr::milliseconds>(chr::milliseconds(received)));
  chr::year_month_day due = chr::year_month_day(day) + chr::months(months);
  if (!due.ok()) due = chr::year_month_day_last(due.year(), chr::month_day_last(due.month()));
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(due.year()),
                static_cast<unsigned>(due.month()), static_cast<unsigned>(due.day()));
  const UnixMillis due_at =
      chr::duration_cast<chr::milliseconds>((chr::sys_days(due) + chr::days(1)).time_since_epoch())
          .count();
  return {text, FormatRfc3339(due_at)};
}

std::string Visitor(const std::map<std::string, std::string>& fields) {
  json::object o;
  for (const auto& [k, v] : fields) o[k] = v;
  return json::serialize(o);
}

std::string SamFull() {
  return Visitor({{"name", kSamName},
                  {"ref", kSamRef},
                  {"email", kSamEmail},
                  {"phone", kSamPhone},
                  {"ip", kSamIp}});
}

// A body of /v1/subject-* with these identifiers and, if given, a request.
std::string Subject(const std::map<std::string, std::string>& identifiers,
                    const std::string& request = "") {
  json::object ids;
  for (const auto& [k, v] : identifiers) ids[k] = v;
  json::object body;
  body["identifiers"] = std::move(ids);
  if (!request.empty()) body["request"] = request;
  return json::serialize(body);
}

class RightsE2eTest : public RolesTest {
 protected:
  RightsE2eTest() : RolesTest({"--access.dpo", "user:50010 services=beta"}) {}

  const std::string& socket() const { return daemon_.socket_path(); }
  Reply As(const Identity& who, const Call& call) { return RunOneAs(who, socket(), call); }

  // A new transcript of `service` for the visitor `visitor` (a JSON object),
  // with one message, closed, made by that service's writer.
  std::string Chat(const std::string& visitor, const std::string& service = "alpha") {
    const Identity& writer = service == "alpha" ? kWriterAlpha : kWriterBeta;
    const Reply created = As(writer, {"POST", "/v1/transcripts",
                                      R"({"service":")" + service + R"(","visitor":)" + visitor +
                                          "}"});
    EXPECT_EQ(created.status, 201) << created.body;
    const std::string id = Field(created.body, "id");
    const std::vector<Reply> more =
        RunAs(writer, socket(),
              {{"POST", "/v1/transcripts/" + id + "/messages", Message(0)},
               {"POST", "/v1/transcripts/" + id + "/close", ""}});
    EXPECT_EQ(more[0].status, 201) << more[0].body;
    EXPECT_EQ(more[1].status, 200) << more[1].body;
    return id;
  }

  // Registers a request (as the dpo for every service); its id.
  std::string Register(const std::string& body) {
    const Reply reply = As(kDpo, {"POST", "/v1/rights-requests", body});
    EXPECT_EQ(reply.status, 201) << body << ": " << reply.body;
    return Field(reply.body, "id");
  }
  std::string Register(const char* kind, UnixMillis received) {
    return Register(std::string(R"({"kind":")") + kind + R"(","received_at":")" +
                    FormatRfc3339(received) + R"("})");
  }

  // One entry as the dpo reads it.
  std::string Entry(const std::string& id) {
    const Reply reply = As(kDpo, {"GET", "/v1/rights-requests/" + id, ""});
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.body;
  }
  // The whole register as the auditor reads it.
  std::string All() {
    const Reply reply = As(kAuditor, {"GET", "/v1/rights-requests?state=all", ""});
    EXPECT_EQ(reply.status, 200) << reply.body;
    return reply.body;
  }
  // The ids of a listing, in its order.
  std::vector<std::string> Listed(const std::string& state, const Identity& who = kDpo) {
    const Reply reply = As(who, {"GET", "/v1/rights-requests?state=" + state, ""});
    EXPECT_EQ(reply.status, 200) << reply.body;
    std::vector<std::string> ids;
    const json::object o = Obj(reply.body);
    if (!o.contains("requests")) return ids;
    for (const json::value& e : o.at("requests").as_array()) {
      ids.emplace_back(e.at("id").as_string());
    }
    return ids;
  }
  std::pair<double, double> OpenAndOverdue() {
    const Reply reply = As(kAuditor, {"GET", "/metrics", ""});
    EXPECT_EQ(reply.status, 200);
    auto parsed = ParseExposition(reply.body);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    if (!parsed.ok()) return {-1, -1};
    return {parsed->Find("vault_rights_requests_open").value_or(-1),
            parsed->Find("vault_rights_requests_overdue").value_or(-1)};
  }
  int AgentReads(const std::string& id) {
    return As(kAgent, {"GET", "/v1/transcripts/" + id, ""}).status;
  }

  // Every audit record, read a page at a time as the auditor.
  std::vector<json::object> AuditRecords() {
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
      for (const json::value& r : records) out.push_back(r.as_object());
      if (records.size() < 1000) return out;
      from = page.at("next").to_number<uint64_t>();
    }
  }
  // (uid, action) -> outcome -> count of the access records.
  using AccessCounts = std::map<std::pair<uint64_t, std::string>, std::map<std::string, int>>;
  AccessCounts AccessRecords() {
    AccessCounts out;
    for (const json::object& r : AuditRecords()) {
      if (r.at("type") != "access" || !r.at("payload").is_object()) continue;
      const json::object& p = r.at("payload").as_object();
      ++out[{p.at("actor").at("uid").to_number<uint64_t>(), std::string(p.at("action").as_string())}]
           [std::string(p.at("outcome").as_string())];
    }
    return out;
  }
  // No audit record holds any identifier (or visitor name) used here.
  void ExpectNoIdentifierInAudit() {
    const std::vector<json::object> records = AuditRecords();
    ASSERT_FALSE(records.empty());
    std::set<std::string> actions;
    for (const json::object& r : records) {
      const std::string text = Lower(json::serialize(r));
      for (const std::string& value : IdentifierValues()) {
        EXPECT_EQ(text.find(Lower(value)), std::string::npos) << value << " in " << text;
      }
      if (const json::object* p = r.at("payload").if_object(); p && p->contains("action")) {
        actions.emplace(p->at("action").as_string());
      }
    }
    // The records looked at include the rights actions themselves.
    EXPECT_TRUE(actions.count("rights.register")) << "no rights.register record";
  }
};

// --- The register's clock ---------------------------------------------------

TEST_F(RightsE2eTest, AnOverdueErasureRequestIsListedCarriedOutAndCompleted) {
  const std::string sam_a = Chat(SamFull());
  const std::string sam_b = Chat(Visitor({{"email", kSamEmail}}));
  const std::string alex = Chat(Visitor({{"email", kAlexEmail}, {"ref", kAlexRef}}));
  EXPECT_EQ(OpenAndOverdue(), std::make_pair(0.0, 0.0));

  // Received 40 days ago: due a calendar month after, so overdue at once.
  const UnixMillis before = SystemClock::Default()->NowMillis();
  const UnixMillis received = before - 40 * kDay;
  const Reply registered =
      As(kDpo, {"POST", "/v1/rights-requests",
                R"({"kind":"erasure","received_at":")" + FormatRfc3339(received) + R"("})"});
  ASSERT_EQ(registered.status, 201) << registered.body;
  const UnixMillis after = SystemClock::Default()->NowMillis();
  const json::object entry = Obj(registered.body);
  const std::string id(entry.at("id").as_string());
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos) << id;
  EXPECT_EQ(entry.at("kind"), "erasure");
  EXPECT_EQ(entry.at("state"), "open");
  // Overdue from the moment it is registered, in the answer too ("overdue":
  // open and past due_at, as of the answer: include/vault/types.h).
  EXPECT_EQ(entry.at("overdue"), true) << registered.body;
  EXPECT_TRUE(entry.at("services").as_array().empty());
  EXPECT_EQ(entry.at("received_at"), FormatRfc3339(received).c_str());
  const auto [due, due_at] = Due(received, 1);
  EXPECT_EQ(entry.at("due"), due.c_str());
  EXPECT_EQ(entry.at("due_at"), due_at.c_str());
  UnixMillis registered_at = 0;
  ASSERT_TRUE(ParseRfc3339(Str(entry.at("registered_at")), &registered_at));
  EXPECT_GE(registered_at, before);
  EXPECT_LE(registered_at, after);
  EXPECT_TRUE(entry.at("touched").as_array().empty());
  for (const char* absent : {"extension", "closed_at", "refusal_reason", "decision", "lifted"}) {
    EXPECT_FALSE(entry.contains(absent)) << absent;
  }
  EXPECT_EQ(Entry(id), registered.body);

  // Listed as overdue and open, counted in /metrics.
  EXPECT_EQ(Listed("overdue"), std::vector<std::string>{id});
  EXPECT_EQ(Listed("open"), std::vector<std::string>{id});
  EXPECT_EQ(Listed(""), std::vector<std::string>{id});  // open by default
  EXPECT_EQ(Listed("all"), std::vector<std::string>{id});
  EXPECT_EQ(Listed("overdue", kAuditor), std::vector<std::string>{id});
  EXPECT_EQ(OpenAndOverdue(), std::make_pair(1.0, 1.0));

  // Carried out: the erasure names the request and erases Sam's transcripts.
  const Reply erased = As(kDpo, {"POST", "/v1/subject-erasure",
                                 Subject({{"email", "SAM.Rights@example.org"}}, id)});
  ASSERT_EQ(erased.status, 200) << erased.body;
  const json::object answer = Obj(erased.body);
  EXPECT_EQ(answer.at("request"), id.c_str());
  const std::vector<std::string> sam = Sorted({sam_a, sam_b});
  EXPECT_EQ(Strings(answer.at("erased")), sam);
  EXPECT_TRUE(answer.at("withheld").as_array().empty());
  EXPECT_EQ(AgentReads(sam_a), 410);
  EXPECT_EQ(AgentReads(sam_b), 410);
  EXPECT_EQ(AgentReads(alex), 200);

  // The entry lists what it touched and stays open until completed.
  const json::object carried = Obj(Entry(id));
  EXPECT_EQ(carried.at("state"), "open");
  EXPECT_EQ(carried.at("overdue"), true);
  EXPECT_EQ(json::serialize(carried.at("touched")),
            R"([{"id":")" + sam[0] + R"(","outcome":"erased"},{"id":")" + sam[1] +
                R"(","outcome":"erased"}])");
  EXPECT_EQ(OpenAndOverdue(), std::make_pair(1.0, 1.0));

  const Reply completed = As(kDpo, {"POST", "/v1/rights-requests/" + id + "/complete", ""});
  ASSERT_EQ(completed.status, 200) << completed.body;
  const json::object done = Obj(completed.body);
  EXPECT_EQ(done.at("state"), "done");
  EXPECT_EQ(done.at("overdue"), false);
  EXPECT_TRUE(done.contains("closed_at"));
  EXPECT_EQ(done.at("touched"), carried.at("touched"));
  EXPECT_EQ(Entry(id), completed.body);
  EXPECT_EQ(OpenAndOverdue(), std::make_pair(0.0, 0.0));
  EXPECT_TRUE(Listed("overdue").empty());
  EXPECT_TRUE(Listed("open").empty());
  EXPECT_EQ(Listed("all"), std::vector<std::string>{id});

  // Closed: a second completion, or another erasure under it, is refused
  // and changes nothing.
  EXPECT_TRUE(IsError(As(kDpo, {"POST", "/v1/rights-requests/" + id + "/complete", "{}"}), 409,
                      "request_closed"));
  EXPECT_TRUE(IsError(
      As(kDpo, {"POST", "/v1/subject-erasure", Subject({{"email", kAlexEmail}}, id)}), 409,
      "request_closed"));
  EXPECT_EQ(AgentReads(alex), 200);
  EXPECT_EQ(Entry(id), completed.body);
  ExpectNoIdentifierInAudit();
}

TEST_F(RightsE2eTest, AnExtensionIsOnceByOneOrTwoMonthsForAReasonCode) {
  // Received 20 days ago: in time for an extension.
  const UnixMillis received = SystemClock::Default()->NowMillis() - 20 * kDay;
  const std::string id = Register("access", received);
  const std::string before = Entry(id);
  EXPECT_EQ(Field(before, "overdue"), "false");
  const std::string extend = "/v1/rights-requests/" + id + "/extend";
  struct Bad {
    std::string body;
    const char* code;
  };
  const Bad bad[] = {
      {R"({"months":0,"reason":"complex"})", "invalid_months"},
      {R"({"months":3,"reason":"complex"})", "invalid_months"},
      {R"({"months":12,"reason":"complex"})", "invalid_months"},
      {R"({"months":13,"reason":"complex"})", "invalid_months"},
      {R"({"months":-1,"reason":"complex"})", "invalid_months"},
      {R"({"months":1.5,"reason":"complex"})", "invalid_months"},
      {R"({"months":"1","reason":"complex"})", "invalid_months"},
      {R"({"months":1,"reason":"urgent"})", "invalid_reason"},
      {R"({"months":1,"reason":""})", "invalid_reason"},
      {R"({"months":1,"reason":"COMPLEX"})", "invalid_reason"},
      {R"({"months":1,"reason":"complex "})", "invalid_reason"},
      {R"({"months":1,"reason":2})", "invalid_type"},
      {R"({"months":1})", "missing_field"},
      {R"({"reason":"complex"})", "missing_field"},
      {"", "missing_field"},  // no body: {}
      {R"({"months":1,"reason":"complex","note":"x"})", "unknown_field"},
      {R"({"months":1,"reason":"complex")", "invalid_json"},
      {"[1]", "invalid_type"},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.body);
    EXPECT_TRUE(IsError(As(kDpo, {"POST", extend, b.body}), 400, b.code));
    EXPECT_EQ(Entry(id), before);
  }
  EXPECT_EQ(OpenAndOverdue(), std::make_pair(1.0, 0.0));

  // By one month for complexity: due two months after receipt.
  const Reply extended = As(kDpo, {"POST", extend, R"({"months":1,"reason":"complex"})"});
  ASSERT_EQ(extended.status, 200) << extended.body;
  const json::object e = Obj(extended.body);
  EXPECT_EQ(e.at("state"), "open");
  EXPECT_EQ(e.at("overdue"), false);
  EXPECT_EQ(e.at("due"), Due(received, 2).first.c_str());
  EXPECT_EQ(e.at("due_at"), Due(received, 2).second.c_str());
  ASSERT_TRUE(e.contains("extension")) << extended.body;
  EXPECT_EQ(e.at("extension").at("months"), 1);
  EXPECT_EQ(e.at("extension").at("reason"), "complex");
  EXPECT_TRUE(ParseRfc3339(Str(e.at("extension").at("at")), nullptr));
  EXPECT_EQ(e.at("received_at"), Obj(before).at("received_at"));
  EXPECT_EQ(Entry(id), extended.body);
  EXPECT_EQ(OpenAndOverdue(), std::make_pair(1.0, 0.0));
  EXPECT_TRUE(Listed("overdue").empty());

  // Once only, whatever the body.
  for (const char* body : {R"({"months":1,"reason":"numerous"})",
                           R"({"months":2,"reason":"complex"})",
                           R"({"months":1,"reason":"complex"})"}) {
    SCOPED_TRACE(body);
    EXPECT_TRUE(IsError(As(kDpo, {"POST", extend, body}), 409, "already_extended"));
    EXPECT_EQ(Entry(id), extended.body);
  }

  // By two months for the number of requests: due three months after.
  const std::string other = Register("rectification", received);
  const Reply two = As(kDpo, {"POST", "/v1/rights-requests/" + other + "/extend",
                              R"({"months":2,"reason":"numerous"})"});
  ASSERT_EQ(two.status, 200) << two.body;
  EXPECT_EQ(Field(two.body, "due"), Due(received, 3).first);
  EXPECT_EQ(Field(Field(two.body, "extension"), "reason"), "numerous");

  // A closed request is not extended.
  ASSERT_EQ(As(kDpo, {"POST", "/v1/rights-requests/" + other + "/complete", ""}).status, 200);
  const std::string closed = Entry(other);
  EXPECT_TRUE(IsError(As(kDpo, {"POST", "/v1/rights-requests/" + other + "/extend",
                                R"({"months":1,"reason":"complex"})"}),
                      409, "request_closed"));
  EXPECT_EQ(Entry(other), closed);
}

// The answer to a change is the entry as stored: a refused (closed) request
// is not overdue, in the answer as in every later read.
TEST_F(RightsE2eTest, ARefusalClosesTheRequestAndAnswersTheEntryAsStored) {
  const UnixMillis received = SystemClock::Default()->NowMillis() - 40 * kDay;
  const std::string id = Register("access", received);
  const std::string before = Entry(id);
  const std::string refuse = "/v1/rights-requests/" + id + "/refuse";
  for (const char* body : {R"({"reason":"bored"})", R"({"reason":"Excessive"})"}) {
    EXPECT_TRUE(IsError(As(kDpo, {"POST", refuse, body}), 400, "invalid_reason"));
  }
  EXPECT_TRUE(IsError(As(kDpo, {"POST", refuse, ""}), 400, "missing_field"));
  EXPECT_EQ(Entry(id), before);

  const Reply refused = As(kDpo, {"POST", refuse, R"({"reason":"manifestly_unfounded"})"});
  ASSERT_EQ(refused.status, 200) << refused.body;
  EXPECT_EQ(Field(refused.body, "state"), "refused");
  EXPECT_EQ(Field(refused.body, "refusal_reason"), "manifestly_unfounded");
  EXPECT_FALSE(Field(refused.body, "closed_at").empty());
  EXPECT_EQ(Field(Entry(id), "overdue"), "false");
  EXPECT_EQ(OpenAndOverdue(), std::make_pair(0.0, 0.0));
  const std::string stored = Entry(id);
  for (const auto& [action, body] : std::vector<std::pair<std::string, std::string>>{
           {"refuse", R"({"reason":"excessive"})"},
           {"complete", ""},
           {"extend", R"({"months":1,"reason":"complex"})"}}) {
    SCOPED_TRACE(action);
    EXPECT_TRUE(IsError(As(kDpo, {"POST", "/v1/rights-requests/" + id + "/" + action, body}), 409,
                        "request_closed"));
  }
  EXPECT_EQ(Entry(id), stored);
}

// Every change to an overdue request answers with the entry as a read right
// after it shows it: "overdue" is as of the answer (include/vault/types.h),
// so false once the change closed the request (or moved its due date).
TEST_F(RightsE2eTest, EveryChangeToAnOverdueRequestAnswersTheEntryAsStored) {
  const UnixMillis received = SystemClock::Default()->NowMillis() - 40 * kDay;
  const std::string sam = Chat(SamFull());
  struct Change {
    const char* kind;
    const char* carry_out;  // a /v1/subject-* route placing what it changes, or ""
    const char* action;
    const char* body;
  };
  const Change changes[] = {
      {"access", "", "complete", ""},
      {"access", "", "refuse", R"({"reason":"manifestly_unfounded"})"},
      {"restriction", "/v1/subject-restriction", "lift", R"({"reason":"accuracy_verified"})"},
      {"restriction", "/v1/subject-restriction", "refuse", R"({"reason":"excessive"})"},
      {"objection", "/v1/subject-objection", "decide",
       R"({"decision":"rejected","reason":"compelling_legitimate_grounds"})"},
      {"objection", "/v1/subject-objection", "decide", R"({"decision":"upheld_restricted"})"},
  };
  for (const Change& c : changes) {
    SCOPED_TRACE(std::string(c.kind) + " " + c.action + " " + c.body);
    const std::string id = Register(c.kind, received);
    if (*c.carry_out != '\0') {
      ASSERT_EQ(As(kDpo, {"POST", c.carry_out, Subject({{"ref", kSamRef}}, id)}).status, 200);
    }
    ASSERT_EQ(Field(Entry(id), "overdue"), "true");
    const Reply changed =
        As(kDpo, {"POST", "/v1/rights-requests/" + id + "/" + c.action, c.body});
    ASSERT_EQ(changed.status, 200) << changed.body;
    EXPECT_EQ(Field(changed.body, "overdue"), "false") << changed.body;
    EXPECT_EQ(changed.body, Entry(id));
  }
  EXPECT_EQ(OpenAndOverdue(), std::make_pair(0.0, 0.0));
  // An overdue request is answered, not extended: the visitor must be told
  // of an extension within the first month. Refused, and nothing changes.
  const std::string late = Register("access", received);
  const std::string before = Entry(late);
  EXPECT_TRUE(IsError(As(kDpo, {"POST", "/v1/rights-requests/" + late + "/extend",
                                R"({"months":1,"reason":"complex"})"}),
                      409, "too_late"));
  EXPECT_EQ(Entry(late), before);
  EXPECT_EQ(OpenAndOverdue(), std::make_pair(1.0, 1.0));
}

TEST_F(RightsE2eTest, ReceivedAtIsNeitherInTheFutureNorMoreThanAYearAgo) {
  const UnixMillis now = SystemClock::Default()->NowMillis();
  const std::string before = All();
  for (const UnixMillis when : {now + kDay, now + 60'000, now - 400 * kDay}) {
    SCOPED_TRACE(FormatRfc3339(when));
    EXPECT_TRUE(IsError(As(kDpo, {"POST", "/v1/rights-requests",
                                  R"({"kind":"access","received_at":")" + FormatRfc3339(when) +
                                      R"("})"}),
                        400, "invalid_received_at"));
  }
  EXPECT_EQ(All(), before);
  // Within the year: accepted, whatever the time zone offset it is given in.
  const Reply late = As(kDpo, {"POST", "/v1/rights-requests",
                               R"({"kind":"access","received_at":")" +
                                   FormatRfc3339(now - 300 * kDay) + R"("})"});
  EXPECT_EQ(late.status, 201) << late.body;
  EXPECT_EQ(Field(Entry(Field(late.body, "id")), "overdue"), "true");
  EXPECT_EQ(Field(late.body, "due"), Due(now - 300 * kDay, 1).first);
  // The 31st of a month followed by a shorter one: due that month's last
  // day. Given at 12:00+02:00, it is the 31st in UTC too; given at
  // 23:30-01:00, it is the 1st of the next month in UTC.
  namespace chr = std::chrono;
  const chr::sys_days today = chr::floor<chr::days>(
      chr::sys_time<chr::milliseconds>(chr::milliseconds(now)));
  chr::year_month ym = chr::year_month_day(today - chr::days(300)).year() /
                       chr::year_month_day(today - chr::days(300)).month();
  for (;; ym += chr::months(1)) {
    const chr::year_month next = ym + chr::months(1);
    if ((ym / 31).ok() && !(next / 31).ok()) break;
  }
  ASSERT_LT(chr::sys_days(ym / 31), today - chr::days(2));
  char date[16];
  std::snprintf(date, sizeof date, "%04d-%02u-31", static_cast<int>(ym.year()),
                static_cast<unsigned>(ym.month()));
  for (const std::string& given : {std::string(date) + "T12:00:00+02:00",
                                   std::string(date) + "T23:30:00-01:00"}) {
    SCOPED_TRACE(given);
    UnixMillis parsed = 0;
    ASSERT_TRUE(ParseRfc3339(given, &parsed));
    const Reply reply = As(kDpo, {"POST", "/v1/rights-requests",
                                  R"({"kind":"objection","received_at":")" + given + R"("})"});
    ASSERT_EQ(reply.status, 201) << reply.body;
    EXPECT_EQ(Field(reply.body, "received_at"), FormatRfc3339(parsed));
    EXPECT_EQ(Field(reply.body, "due"), Due(parsed, 1).first);
    EXPECT_EQ(Field(reply.body, "due_at"), Due(parsed, 1).second);
  }
}

// --- Restriction --------------------------------------------------------------

TEST_F(RightsE2eTest, ARestrictedTranscriptIsRefusedListedEmptyStillDisclosedThenLifted) {
  // Two chats of Sam's: the first without a phone number, so a search by
  // phone restricts only the second.
  const std::string first = Chat(Visitor({{"ref", kSamRef}, {"email", kSamEmail}}));
  const std::string second = Chat(SamFull());
  const std::string id = Register(R"({"kind":"restriction"})");

  const Reply restricted = As(kDpo, {"POST", "/v1/subject-restriction",
                                     Subject({{"phone", kSamPhone}}, id)});
  ASSERT_EQ(restricted.status, 200) << restricted.body;
  const json::object answer = Obj(restricted.body);
  EXPECT_EQ(answer.at("request"), id.c_str());
  EXPECT_EQ(Strings(answer.at("restricted")), std::vector<std::string>{second});
  EXPECT_TRUE(answer.at("withheld").as_array().empty());
  EXPECT_EQ(Strings(answer.at("searched")), std::vector<std::string>{"phone"});
  EXPECT_GT(answer.at("audit_seq").to_number<uint64_t>(), 0u);
  EXPECT_TRUE(ParseRfc3339(Str(answer.at("answered_at")), nullptr));
  const json::object entry = Obj(Entry(id));
  EXPECT_EQ(entry.at("state"), "open");  // carried out, not yet completed
  EXPECT_EQ(json::serialize(entry.at("touched")),
            R"([{"id":")" + second + R"(","outcome":"restricted"}])");

  // Writers and agents are refused it, with the JSON error.
  const std::string path = "/v1/transcripts/" + second;
  EXPECT_TRUE(IsError(As(kAgent, {"GET", path, ""}), 409, "restricted"));
  EXPECT_TRUE(IsError(As(kWriterAlpha, {"GET", path, ""}), 409, "restricted"));
  EXPECT_EQ(AgentReads(first), 200);
  EXPECT_TRUE(IsError(As(kAgent, {"GET", path + "/history", ""}), 409, "restricted"));

  // The first's history lists it, and nothing from inside it.
  const Reply history = As(kAgent, {"GET", "/v1/transcripts/" + first + "/history", ""});
  ASSERT_EQ(history.status, 200) << history.body;
  const json::object page = Obj(history.body);
  const json::array& listed = page.at("transcripts").as_array();
  ASSERT_EQ(listed.size(), 1u) << history.body;
  const json::object& item = listed[0].as_object();
  EXPECT_EQ(item.at("id"), second.c_str());
  EXPECT_EQ(item.at("state"), "restricted");
  for (const char* absent : {"created_at", "closed_at", "expires_at", "message_count", "held_at"}) {
    EXPECT_FALSE(item.contains(absent)) << absent << " in " << history.body;
  }
  EXPECT_EQ(Sorted(Strings(item.at("matched"))), (std::vector<std::string>{"email", "ref"}));

  // Sam's subject access still discloses it, marked restricted.
  const Reply access = As(kDpo, {"POST", "/v1/subject-access", Subject({{"email", kSamEmail}})});
  ASSERT_EQ(access.status, 200) << access.body;
  std::map<std::string, bool> disclosed;
  const json::object disclosure = Obj(access.body);
  for (const json::value& t : disclosure.at("transcripts").as_array()) {
    const json::object& o = t.as_object();
    ASSERT_TRUE(o.contains("transcript")) << access.body;
    EXPECT_EQ(o.at("transcript").at("message_count"), 1);
    disclosed[std::string(o.at("id").as_string())] = o.at("restricted").as_bool();
  }
  EXPECT_EQ(disclosed, (std::map<std::string, bool>{{first, false}, {second, true}}));

  // Lifting needs one of its reason codes.
  const std::string lift = "/v1/rights-requests/" + id + "/lift";
  const std::string before = Entry(id);
  for (const char* body : {R"({"reason":"complex"})", R"({"reason":"manifestly_unfounded"})",
                           R"({"reason":"objection rejected"})"}) {
    EXPECT_TRUE(IsError(As(kDpo, {"POST", lift, body}), 400, "invalid_reason")) << body;
  }
  EXPECT_TRUE(IsError(As(kDpo, {"POST", lift, ""}), 400, "missing_field"));
  EXPECT_EQ(Entry(id), before);
  EXPECT_EQ(AgentReads(second), 409);

  const Reply lifted = As(kDpo, {"POST", lift, R"({"reason":"accuracy_verified"})"});
  ASSERT_EQ(lifted.status, 200) << lifted.body;
  const json::object l = Obj(lifted.body);
  EXPECT_EQ(l.at("state"), "done");
  EXPECT_EQ(l.at("lifted").at("reason"), "accuracy_verified");
  EXPECT_TRUE(ParseRfc3339(Str(l.at("lifted").at("at")), nullptr));
  EXPECT_EQ(json::serialize(l.at("touched")),
            R"([{"id":")" + second + R"(","outcome":"lifted"}])");
  EXPECT_EQ(Entry(id), lifted.body);
  EXPECT_EQ(AgentReads(second), 200);
  EXPECT_EQ(As(kWriterAlpha, {"GET", path, ""}).status, 200);
  const Reply again = As(kAgent, {"GET", "/v1/transcripts/" + first + "/history", ""});
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Field(again.body, "transcripts").find("restricted"), std::string::npos) << again.body;
  EXPECT_NE(Field(again.body, "transcripts").find("\"message_count\":1"), std::string::npos)
      << again.body;
  // Not in force any more: lifted once.
  EXPECT_TRUE(IsError(As(kDpo, {"POST", lift, R"({"reason":"visitor_withdrew"})"}), 409,
                      "request_closed"));
  EXPECT_EQ(Entry(id), lifted.body);
  ExpectNoIdentifierInAudit();
}

// Without a register entry, a restriction is registered, and done at once;
// the restriction stays in force until lifted. Refusing an open restriction
// lifts what it restricted.
TEST_F(RightsE2eTest, ARestrictionStaysInForceAfterItsRequestIsDoneUntilLiftedOrRefused) {
  const std::string sam = Chat(SamFull());
  const Reply placed = As(kDpo, {"POST", "/v1/subject-restriction", Subject({{"ref", kSamRef}})});
  ASSERT_EQ(placed.status, 200) << placed.body;
  const std::string id = Field(placed.body, "request");
  EXPECT_EQ(Field(Entry(id), "state"), "done");
  EXPECT_EQ(Field(Entry(id), "kind"), "restriction");
  EXPECT_EQ(AgentReads(sam), 409);
  EXPECT_EQ(OpenAndOverdue(), std::make_pair(0.0, 0.0));
  // Done: not refused any more, but lifted.
  EXPECT_TRUE(IsError(As(kDpo, {"POST", "/v1/rights-requests/" + id + "/refuse",
                                R"({"reason":"excessive"})"}),
                      409, "request_closed"));
  EXPECT_EQ(AgentReads(sam), 409);
  const Reply lifted = As(kDpo, {"POST", "/v1/rights-requests/" + id + "/lift",
                                 R"({"reason":"no_longer_applies"})"});
  ASSERT_EQ(lifted.status, 200) << lifted.body;
  EXPECT_EQ(Field(lifted.body, "state"), "done");
  EXPECT_EQ(AgentReads(sam), 200);

  // An open restriction refused: its restrictions end with it.
  const std::string open = Register(R"({"kind":"restriction"})");
  ASSERT_EQ(As(kDpo, {"POST", "/v1/subject-restriction", Subject({{"ip", kSamIp}}, open)}).status,
            200);
  EXPECT_EQ(AgentReads(sam), 409);
  const Reply refused = As(kDpo, {"POST", "/v1/rights-requests/" + open + "/refuse",
                                  R"({"reason":"identity_not_verified"})"});
  ASSERT_EQ(refused.status, 200) << refused.body;
  EXPECT_EQ(Field(refused.body, "state"), "refused");
  EXPECT_EQ(Field(refused.body, "touched"), R"([{"id":")" + sam + R"(","outcome":"lifted"}])");
  EXPECT_EQ(AgentReads(sam), 200);
  ExpectNoIdentifierInAudit();
}

// --- Objection ------------------------------------------------------------------

TEST_F(RightsE2eTest, AnObjectionRestrictsUntilDecidedAndOnlyADecisionCompletesIt) {
  const std::string sam = Chat(SamFull());
  const std::string alex = Chat(Visitor({{"email", kAlexEmail}, {"ref", kAlexRef}}));

  const Reply objected = As(kDpo, {"POST", "/v1/subject-objection", Subject({{"ref", kSamRef}})});
  ASSERT_EQ(objected.status, 200) << objected.body;
  EXPECT_EQ(Field(objected.body, "restricted"), R"([")" + sam + R"("])");
  const std::string id = Field(objected.body, "request");
  const json::object entry = Obj(Entry(id));
  EXPECT_EQ(entry.at("kind"), "objection");
  EXPECT_EQ(entry.at("state"), "open");  // open until decided
  EXPECT_FALSE(entry.contains("decision"));
  EXPECT_EQ(Listed("open"), std::vector<std::string>{id});
  EXPECT_EQ(OpenAndOverdue(), std::make_pair(1.0, 0.0));
  EXPECT_EQ(AgentReads(sam), 409);
  EXPECT_EQ(AgentReads(alex), 200);

  const std::string base = "/v1/rights-requests/" + id;
  const std::string before = Entry(id);
  struct Bad {
    std::string action, body;
    int status;
    const char* code;
  };
  const Bad bad[] = {
      {"complete", "", 409, "decision_required"},
      {"complete", "{}", 409, "decision_required"},
      {"lift", R"({"reason":"objection_rejected"})", 409, "wrong_kind"},
      {"decide", R"({"decision":"rejected"})", 400, "invalid_reason"},
      {"decide", R"({"decision":"rejected","reason":"complex"})", 400, "invalid_reason"},
      {"decide", R"({"decision":"rejected","reason":""})", 400, "invalid_reason"},
      {"decide", R"({"decision":"upheld_erase","reason":"legal_claims"})", 400, "invalid_reason"},
      {"decide", R"({"decision":"upheld_restricted","reason":"legal_claims"})", 400,
       "invalid_reason"},
      {"decide", R"({"decision":"upheld"})", 400, "invalid_decision"},
      {"decide", R"({"decision":"REJECTED","reason":"legal_claims"})", 400, "invalid_decision"},
      {"decide", R"({"decision":true})", 400, "invalid_type"},
      {"decide", "{}", 400, "missing_field"},
      {"decide", "", 400, "missing_field"},
      {"decide", R"({"decision":"rejected","reason":"legal_claims","by":"x"})", 400,
       "unknown_field"},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.action + " " + b.body);
    EXPECT_TRUE(IsError(As(kDpo, {"POST", base + "/" + b.action, b.body}), b.status, b.code));
    EXPECT_EQ(Entry(id), before);
  }
  EXPECT_EQ(AgentReads(sam), 409);

  // Rejected for legal claims: the restriction is lifted.
  const Reply rejected =
      As(kDpo, {"POST", base + "/decide", R"({"decision":"rejected","reason":"legal_claims"})"});
  ASSERT_EQ(rejected.status, 200) << rejected.body;
  const json::object r = Obj(rejected.body);
  EXPECT_EQ(r.at("state"), "done");
  EXPECT_EQ(json::serialize(r.at("decision")), R"({"decision":"rejected","reason":"legal_claims"})");
  EXPECT_EQ(r.at("lifted").at("reason"), "objection_rejected");
  EXPECT_EQ(json::serialize(r.at("touched")), R"([{"id":")" + sam + R"(","outcome":"lifted"}])");
  EXPECT_EQ(Entry(id), rejected.body);
  EXPECT_EQ(AgentReads(sam), 200);
  EXPECT_EQ(OpenAndOverdue(), std::make_pair(0.0, 0.0));
  EXPECT_TRUE(IsError(
      As(kDpo, {"POST", base + "/decide", R"({"decision":"upheld_erase"})"}), 409,
      "request_closed"));
  EXPECT_EQ(AgentReads(sam), 200);

  // Another objection, upheld with erasure: the transcript is erased.
  const std::string second = Register(R"({"kind":"objection"})");
  const Reply placed = As(kDpo, {"POST", "/v1/subject-objection",
                                 Subject({{"email", kSamEmail}}, second)});
  ASSERT_EQ(placed.status, 200) << placed.body;
  EXPECT_EQ(Field(placed.body, "request"), second);
  EXPECT_EQ(Field(placed.body, "restricted"), R"([")" + sam + R"("])");
  EXPECT_EQ(AgentReads(sam), 409);
  const Reply upheld = As(kDpo, {"POST", "/v1/rights-requests/" + second + "/decide",
                                 R"({"decision":"upheld_erase"})"});
  ASSERT_EQ(upheld.status, 200) << upheld.body;
  EXPECT_EQ(Field(upheld.body, "decision"), R"({"decision":"upheld_erase"})");
  EXPECT_EQ(Field(upheld.body, "state"), "done");
  EXPECT_EQ(Field(upheld.body, "touched"), R"([{"id":")" + sam + R"(","outcome":"erased"}])");
  EXPECT_TRUE(IsError(As(kAgent, {"GET", "/v1/transcripts/" + sam, ""}), 410, "erased"));
  EXPECT_EQ(AgentReads(alex), 200);

  // A third, upheld and kept restricted: Alex's chat stays out of reach.
  const Reply third = As(kDpo, {"POST", "/v1/subject-objection", Subject({{"ref", kAlexRef}})});
  ASSERT_EQ(third.status, 200) << third.body;
  const Reply kept = As(kDpo, {"POST", "/v1/rights-requests/" + Field(third.body, "request") +
                                           "/decide",
                               R"({"decision":"upheld_restricted"})"});
  ASSERT_EQ(kept.status, 200) << kept.body;
  EXPECT_EQ(Field(kept.body, "state"), "done");
  EXPECT_EQ(Field(kept.body, "touched"), R"([{"id":")" + alex + R"(","outcome":"restricted"}])");
  EXPECT_EQ(AgentReads(alex), 409);
  EXPECT_EQ(OpenAndOverdue(), std::make_pair(0.0, 0.0));
  ExpectNoIdentifierInAudit();
}

// --- Bad input ------------------------------------------------------------------

// Every bad call to every new endpoint is a JSON error and changes nothing:
// the register read between every two calls is the same, and Sam's chat is
// neither restricted nor erased.
TEST_F(RightsE2eTest, BadInputIsAJsonErrorAndChangesNothing) {
  const std::string sam = Chat(SamFull());
  const std::string access = Register(R"({"kind":"access"})");
  const std::string restriction = Register(R"({"kind":"restriction"})");
  const std::string objection = Register(R"({"kind":"objection"})");
  const std::string erasure = Register(R"({"kind":"erasure"})");
  const std::string done = Register(R"({"kind":"access"})");
  ASSERT_EQ(As(kDpo, {"POST", "/v1/rights-requests/" + done + "/complete", ""}).status, 200);
  const std::string unknown(32, '0');
  std::string upper = access;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](char c) { return static_cast<char>(std::toupper(static_cast<unsigned char>(c))); });
  ASSERT_NE(upper, access);
  const std::string too_long(70, 'a');
  const UnixMillis now = SystemClock::Default()->NowMillis();
  const std::string e = kSamEmail;
  const auto sub = [&](const std::string& request) { return Subject({{"email", e}}, request); };
  const std::string r = "/v1/rights-requests/";

  struct Bad {
    Call call;
    int status;
    const char* code;
  };
  const std::vector<Bad> bad = {
      // Registering.
      {{"POST", r, R"({"kind":"access"})"}, 404, "not_found"},  // empty name
      {{"POST", "/v1/rights-requests", "not json"}, 400, "invalid_json"},
      {{"POST", "/v1/rights-requests", ""}, 400, "invalid_json"},
      {{"POST", "/v1/rights-requests", R"({"kind":"access")"}, 400, "invalid_json"},
      {{"POST", "/v1/rights-requests", "[]"}, 400, "invalid_type"},
      {{"POST", "/v1/rights-requests", R"({"kind":"access","email":"x@y.org"})"}, 400,
       "unknown_field"},
      {{"POST", "/v1/rights-requests", "{}"}, 400, "missing_field"},
      {{"POST", "/v1/rights-requests", R"({"kind":1})"}, 400, "invalid_type"},
      {{"POST", "/v1/rights-requests", R"({"kind":null})"}, 400, "invalid_type"},
      {{"POST", "/v1/rights-requests", R"({"kind":["access"]})"}, 400, "invalid_type"},
      {{"POST", "/v1/rights-requests", R"({"kind":"deletion"})"}, 400, "invalid_kind"},
      {{"POST", "/v1/rights-requests", R"({"kind":"Access"})"}, 400, "invalid_kind"},
      {{"POST", "/v1/rights-requests", R"({"kind":""})"}, 400, "invalid_kind"},
      {{"POST", "/v1/rights-requests", R"({"kind":"access","received_at":"last tuesday"})"}, 400,
       "invalid_received_at"},
      {{"POST", "/v1/rights-requests", R"({"kind":"access","received_at":"2026-13-01T00:00:00Z"})"},
       400, "invalid_received_at"},
      {{"POST", "/v1/rights-requests", R"({"kind":"access","received_at":"1969-12-31T00:00:00Z"})"},
       400, "invalid_received_at"},
      {{"POST", "/v1/rights-requests",
        R"({"kind":"access","received_at":")" + FormatRfc3339(now + kDay) + R"("})"},
       400, "invalid_received_at"},
      {{"POST", "/v1/rights-requests",
        R"({"kind":"access","received_at":")" + FormatRfc3339(now - 400 * kDay) + R"("})"},
       400, "invalid_received_at"},
      {{"POST", "/v1/rights-requests", R"({"kind":"access","received_at":1700000000000})"}, 400,
       "invalid_type"},
      {{"POST", "/v1/rights-requests", R"({"kind":"access","services":"alpha"})"}, 400,
       "invalid_type"},
      {{"POST", "/v1/rights-requests", R"({"kind":"access","services":[1]})"}, 400,
       "invalid_type"},
      {{"POST", "/v1/rights-requests", R"({"kind":"access","services":["no such"]})"}, 400,
       "invalid_service"},
      {{"POST", "/v1/rights-requests", R"({"kind":"access"})", "text/plain"}, 415,
       "unsupported_media_type"},
      // Listing and reading.
      {{"GET", "/v1/rights-requests?state=closed", ""}, 400, "invalid_query"},
      {{"GET", "/v1/rights-requests?state=OPEN", ""}, 400, "invalid_query"},
      {{"GET", r + unknown, ""}, 404, "unknown_request"},
      {{"GET", r + "not-an-id", ""}, 404, "unknown_request"},
      {{"GET", r + upper, ""}, 404, "unknown_request"},
      {{"GET", r + access + "00", ""}, 404, "unknown_request"},
      {{"GET", r + access.substr(1), ""}, 404, "unknown_request"},
      {{"GET", r + too_long, ""}, 404, "unknown_request"},
      {{"DELETE", r + access, ""}, 405, "method_not_allowed"},
      {{"POST", r + access + "/withdraw", ""}, 404, "not_found"},
      // Extending.
      {{"POST", r + access + "/extend", "not json"}, 400, "invalid_json"},
      {{"POST", r + access + "/extend", R"({"months":1,"reason":"complex","x":1})"}, 400,
       "unknown_field"},
      {{"POST", r + access + "/extend", R"({"months":"one","reason":"complex"})"}, 400,
       "invalid_months"},
      {{"POST", r + access + "/extend", R"({"months":1,"reason":["complex"]})"}, 400,
       "invalid_type"},
      {{"POST", r + access + "/extend", R"({"months":3,"reason":"complex"})"}, 400,
       "invalid_months"},
      {{"POST", r + access + "/extend", R"({"months":1,"reason":"urgent"})"}, 400,
       "invalid_reason"},
      {{"POST", r + unknown + "/extend", R"({"months":1,"reason":"complex"})"}, 404,
       "unknown_request"},
      {{"POST", r + "xyz/extend", R"({"months":1,"reason":"complex"})"}, 404, "unknown_request"},
      {{"POST", r + upper + "/extend", R"({"months":1,"reason":"complex"})"}, 404,
       "unknown_request"},
      {{"POST", r + done + "/extend", R"({"months":1,"reason":"complex"})"}, 409,
       "request_closed"},
      {{"POST", r + access + "/extend", R"({"months":1,"reason":"complex"})", "text/plain"}, 415,
       "unsupported_media_type"},
      // Completing.
      {{"POST", r + access + "/complete", R"({"x":1})"}, 400, "unknown_field"},
      {{"POST", r + access + "/complete", "not json"}, 400, "invalid_json"},
      {{"POST", r + access + "/complete", "[]"}, 400, "invalid_type"},
      {{"POST", r + unknown + "/complete", ""}, 404, "unknown_request"},
      {{"POST", r + too_long + "/complete", ""}, 404, "unknown_request"},
      {{"POST", r + done + "/complete", ""}, 409, "request_closed"},
      {{"POST", r + objection + "/complete", ""}, 409, "decision_required"},
      // Refusing.
      {{"POST", r + access + "/refuse", "{}"}, 400, "missing_field"},
      {{"POST", r + access + "/refuse", R"({"reason":"bored"})"}, 400, "invalid_reason"},
      {{"POST", r + access + "/refuse", R"({"reason":["excessive"]})"}, 400, "invalid_type"},
      {{"POST", r + access + "/refuse", R"({"reason":"excessive","why":"x"})"}, 400,
       "unknown_field"},
      {{"POST", r + access + "/refuse", std::string(R"({"reason":")") + std::string(100, 'x') +
                                            R"("})"},
       400, "invalid_reason"},
      {{"POST", r + unknown + "/refuse", R"({"reason":"excessive"})"}, 404, "unknown_request"},
      {{"POST", r + done + "/refuse", R"({"reason":"excessive"})"}, 409, "request_closed"},
      // Lifting.
      {{"POST", r + access + "/lift", R"({"reason":"visitor_withdrew"})"}, 409, "wrong_kind"},
      {{"POST", r + objection + "/lift", R"({"reason":"visitor_withdrew"})"}, 409, "wrong_kind"},
      {{"POST", r + erasure + "/lift", R"({"reason":"visitor_withdrew"})"}, 409, "wrong_kind"},
      {{"POST", r + restriction + "/lift", R"({"reason":"bored"})"}, 400, "invalid_reason"},
      {{"POST", r + restriction + "/lift", "{}"}, 400, "missing_field"},
      {{"POST", r + restriction + "/lift", "not json"}, 400, "invalid_json"},
      {{"POST", r + restriction + "/lift", R"({"reason":"visitor_withdrew","x":0})"}, 400,
       "unknown_field"},
      {{"POST", r + unknown + "/lift", R"({"reason":"visitor_withdrew"})"}, 404,
       "unknown_request"},
      // Deciding.
      {{"POST", r + access + "/decide", R"({"decision":"rejected","reason":"legal_claims"})"}, 409,
       "wrong_kind"},
      {{"POST", r + restriction + "/decide", R"({"decision":"upheld_erase"})"}, 409,
       "wrong_kind"},
      {{"POST", r + objection + "/decide", R"({"decision":"maybe"})"}, 400, "invalid_decision"},
      {{"POST", r + objection + "/decide", R"({"decision":"rejected"})"}, 400, "invalid_reason"},
      {{"POST", r + objection + "/decide", R"({"decision":"upheld_erase","reason":"legal_claims"})"},
       400, "invalid_reason"},
      {{"POST", r + objection + "/decide", "{}"}, 400, "missing_field"},
      {{"POST", r + objection + "/decide", R"({"decision":1})"}, 400, "invalid_type"},
      {{"POST", r + objection + "/decide", R"({"decision":"rejected","reason":7})"}, 400,
       "invalid_type"},
      {{"POST", r + objection + "/decide", R"({"decision":"upheld_erase","x":1})"}, 400,
       "unknown_field"},
      {{"POST", r + objection + "/decide", "not json"}, 400, "invalid_json"},
      {{"POST", r + unknown + "/decide", R"({"decision":"upheld_erase"})"}, 404,
       "unknown_request"},
      // Restriction and objection.
      {{"POST", "/v1/subject-restriction", "not json"}, 400, "invalid_json"},
      {{"POST", "/v1/subject-restriction", ""}, 400, "invalid_json"},
      {{"POST", "/v1/subject-restriction", R"({"identifiers":{"email":")" + e + R"("},"why":1})"},
       400, "unknown_field"},
      {{"POST", "/v1/subject-restriction", R"({"identifiers":{"name":"Sam"}})"}, 400,
       "unknown_field"},
      {{"POST", "/v1/subject-restriction", R"({"identifiers":{}})"}, 400, "no_identifier"},
      {{"POST", "/v1/subject-restriction", "{}"}, 400, "missing_field"},
      {{"POST", "/v1/subject-restriction", R"({"identifiers":"email"})"}, 400, "invalid_type"},
      {{"POST", "/v1/subject-restriction", R"({"identifiers":{"email":5}})"}, 400,
       "invalid_type"},
      {{"POST", "/v1/subject-restriction", R"({"identifiers":{"email":"not-an-email"}})"}, 400,
       "invalid_email"},
      {{"POST", "/v1/subject-restriction", R"({"identifiers":{"phone":"12"}})"}, 400,
       "invalid_phone"},
      {{"POST", "/v1/subject-restriction", R"({"identifiers":{"ip":"300.1.2.3"}})"}, 400,
       "invalid_ip"},
      {{"POST", "/v1/subject-restriction",
        R"({"identifiers":{"email":")" + e + R"("},"services":["no such"]})"},
       400, "invalid_service"},
      {{"POST", "/v1/subject-restriction",
        R"({"identifiers":{"email":")" + e + R"("},"request":5})"},
       400, "invalid_type"},
      {{"POST", "/v1/subject-restriction", sub(unknown)}, 404, "unknown_request"},
      {{"POST", "/v1/subject-restriction", sub("xyz")}, 404, "unknown_request"},
      {{"POST", "/v1/subject-restriction", sub(upper)}, 404, "unknown_request"},
      {{"POST", "/v1/subject-restriction", sub(too_long)}, 404, "unknown_request"},
      {{"POST", "/v1/subject-restriction", sub(access)}, 409, "wrong_kind"},
      {{"POST", "/v1/subject-restriction", sub(objection)}, 409, "wrong_kind"},
      {{"POST", "/v1/subject-restriction", sub(done)}, 409, "request_closed"},
      {{"POST", "/v1/subject-restriction", Subject({}, restriction)}, 400, "no_identifier"},
      {{"POST", "/v1/subject-restriction",
        R"({"identifiers":{"email":")" + e + R"("},"services":["no such"],"request":")" +
            restriction + R"("})"},
       400, "invalid_service"},
      {{"POST", "/v1/subject-restriction", sub(restriction), "text/plain"}, 415,
       "unsupported_media_type"},
      {{"GET", "/v1/subject-restriction", ""}, 405, "method_not_allowed"},
      {{"POST", "/v1/subject-objection", "not json"}, 400, "invalid_json"},
      {{"POST", "/v1/subject-objection", R"({"identifiers":{"email":")" + e + R"("},"x":[]})"},
       400, "unknown_field"},
      {{"POST", "/v1/subject-objection", R"({"identifiers":{}})"}, 400, "no_identifier"},
      {{"POST", "/v1/subject-objection", R"({"identifiers":[]})"}, 400, "invalid_type"},
      {{"POST", "/v1/subject-objection", sub(unknown)}, 404, "unknown_request"},
      {{"POST", "/v1/subject-objection", sub(restriction)}, 409, "wrong_kind"},
      {{"POST", "/v1/subject-objection", sub(access)}, 409, "wrong_kind"},
      {{"POST", "/v1/subject-objection", sub(done)}, 409, "request_closed"},
      {{"POST", "/v1/subject-objection", Subject({}, objection)}, 400, "no_identifier"},
      // Subject access and erasure carrying out a request of another kind.
      {{"POST", "/v1/subject-erasure", sub(access)}, 409, "wrong_kind"},
      {{"POST", "/v1/subject-erasure", sub(restriction)}, 409, "wrong_kind"},
      {{"POST", "/v1/subject-erasure", sub(objection)}, 409, "wrong_kind"},
      {{"POST", "/v1/subject-erasure", sub(unknown)}, 404, "unknown_request"},
      {{"POST", "/v1/subject-erasure", sub(too_long)}, 404, "unknown_request"},
      {{"POST", "/v1/subject-erasure", sub(done)}, 409, "request_closed"},
      {{"POST", "/v1/subject-erasure", Subject({}, erasure)}, 400, "no_identifier"},
      {{"POST", "/v1/subject-access", sub(erasure)}, 409, "wrong_kind"},
      {{"POST", "/v1/subject-access", sub(restriction)}, 409, "wrong_kind"},
      {{"POST", "/v1/subject-access", sub(unknown)}, 404, "unknown_request"},
      {{"POST", "/v1/subject-access", sub(done)}, 409, "request_closed"},
  };
  // The register read before each call and after the last, in one client.
  std::vector<Call> calls;
  const Call list = {"GET", "/v1/rights-requests?state=all", ""};
  calls.push_back(list);
  for (const Bad& b : bad) {
    calls.push_back(b.call);
    calls.push_back(list);
  }
  const std::vector<Reply> got = RunAs(kDpo, socket(), calls);
  ASSERT_EQ(got.size(), calls.size());
  ASSERT_EQ(got[0].status, 200) << got[0].body;
  const std::string before = got[0].body;
  EXPECT_EQ(Listed("all").size(), 5u);
  for (size_t i = 0; i < bad.size(); ++i) {
    const Bad& b = bad[i];
    SCOPED_TRACE(b.call.method + " " + b.call.target + " " + b.call.body);
    EXPECT_TRUE(IsError(got[1 + 2 * i], b.status, b.code));
    EXPECT_EQ(got[2 + 2 * i].body, before) << "the register changed";
  }
  // Sam's chat is untouched, and nothing counts as done.
  EXPECT_EQ(AgentReads(sam), 200);
  EXPECT_EQ(All(), before);
  EXPECT_EQ(OpenAndOverdue(), std::make_pair(4.0, 0.0));
  for (const std::string& id : {access, restriction, objection, erasure}) {
    EXPECT_EQ(Field(Entry(id), "touched"), "[]") << id;
  }
  ExpectNoIdentifierInAudit();
}

// --- Restart -------------------------------------------------------------------

// The register and the restrictions are durable: after a restart the same
// entries are read back, the restricted chat is still refused, and /metrics
// counts the same open and overdue requests.
TEST_F(RightsE2eTest, TheRegisterAndTheRestrictionsSurviveARestart) {
  const std::string sam = Chat(SamFull());
  const std::string overdue =
      Register("erasure", SystemClock::Default()->NowMillis() - 40 * kDay);
  const Reply objected = As(kDpo, {"POST", "/v1/subject-objection", Subject({{"ref", kSamRef}})});
  ASSERT_EQ(objected.status, 200) << objected.body;
  const std::string objection = Field(objected.body, "request");
  ASSERT_EQ(AgentReads(sam), 409);
  const std::string before = All();
  ASSERT_EQ(OpenAndOverdue(), std::make_pair(2.0, 1.0));

  ASSERT_OK(daemon_.Restart());
  EXPECT_EQ(All(), before);
  EXPECT_EQ(OpenAndOverdue(), std::make_pair(2.0, 1.0));
  EXPECT_EQ(Listed("overdue"), std::vector<std::string>{overdue});
  EXPECT_TRUE(IsError(As(kAgent, {"GET", "/v1/transcripts/" + sam, ""}), 409, "restricted"));
  // And the objection is decided after the restart like before it.
  const Reply decided = As(kDpo, {"POST", "/v1/rights-requests/" + objection + "/decide",
                                  R"({"decision":"rejected","reason":"legal_claims"})"});
  ASSERT_EQ(decided.status, 200) << decided.body;
  EXPECT_EQ(AgentReads(sam), 200);
}

// --- Legal hold ------------------------------------------------------------------

// A held chat is out of everyday use already: restriction and objection list
// it as withheld and leave it alone, and an objection upheld with erasure
// erases only the chats it restricted.
class RightsHoldE2eTest : public LegalHoldRolesTest {
 protected:
  RightsHoldE2eTest() : LegalHoldRolesTest(std::vector<std::string>{}) {}
};

TEST_F(RightsHoldE2eTest, AHeldChatIsWithheldFromRestrictionAndObjection) {
  const std::string& socket = daemon_.socket_path();
  auto chat = [&](const std::string& visitor) {
    const Reply created = RunOneAs(kWriterAlpha, socket,
                                   {"POST", "/v1/transcripts",
                                    R"({"service":"alpha","visitor":)" + visitor + "}"});
    EXPECT_EQ(created.status, 201) << created.body;
    const std::string id = Field(created.body, "id");
    const Reply closed =
        RunOneAs(kWriterAlpha, socket, {"POST", "/v1/transcripts/" + id + "/close", ""});
    EXPECT_EQ(closed.status, 200) << closed.body;
    return id;
  };
  const std::string held = chat(SamFull());
  const std::string free = chat(SamFull());
  const Reply hold = RunOneAs(kOfficer, socket, Hold("alice", "CASE-0", held));
  ASSERT_EQ(hold.status, 201) << hold.body;

  const Reply restricted = RunOneAs(kDpo, socket, {"POST", "/v1/subject-restriction",
                                                   Subject({{"email", kSamEmail}})});
  ASSERT_EQ(restricted.status, 200) << restricted.body;
  EXPECT_EQ(Field(restricted.body, "restricted"), R"([")" + free + R"("])");
  EXPECT_EQ(Field(restricted.body, "withheld"), R"([")" + held + R"("])");
  const std::string rid = Field(restricted.body, "request");
  const Reply entry = RunOneAs(kDpo, socket, {"GET", "/v1/rights-requests/" + rid, ""});
  EXPECT_EQ(Field(entry.body, "touched"), R"([{"id":")" + free +
                                              R"(","outcome":"restricted"},{"id":")" + held +
                                              R"(","outcome":"withheld"}])");
  const Reply lifted = RunOneAs(kDpo, socket, {"POST", "/v1/rights-requests/" + rid + "/lift",
                                               R"({"reason":"visitor_withdrew"})"});
  ASSERT_EQ(lifted.status, 200) << lifted.body;
  // The held one's restriction would have applied at its release: lifted in
  // the register, it no longer will.
  EXPECT_EQ(Field(lifted.body, "touched"), R"([{"id":")" + free +
                                               R"(","outcome":"lifted"},{"id":")" + held +
                                               R"(","outcome":"lifted"}])");
  EXPECT_EQ(RunOneAs(kAgent, socket, {"GET", "/v1/transcripts/" + free, ""}).status, 200);

  const Reply objected = RunOneAs(kDpo, socket, {"POST", "/v1/subject-objection",
                                                 Subject({{"phone", kSamPhone}})});
  ASSERT_EQ(objected.status, 200) << objected.body;
  EXPECT_EQ(Field(objected.body, "withheld"), R"([")" + held + R"("])");
  const Reply upheld = RunOneAs(kDpo, socket, {"POST", "/v1/rights-requests/" +
                                                           Field(objected.body, "request") +
                                                           "/decide",
                                               R"({"decision":"upheld_erase"})"});
  ASSERT_EQ(upheld.status, 200) << upheld.body;
  EXPECT_EQ(Field(upheld.body, "touched"), R"([{"id":")" + free +
                                               R"(","outcome":"erased"},{"id":")" + held +
                                               R"(","outcome":"withheld"}])");
  EXPECT_EQ(RunOneAs(kAgent, socket, {"GET", "/v1/transcripts/" + free, ""}).status, 410);
  // The held chat is still held: its hold lists it.
  auto holds = wire::DecodeHoldList(Read(kOfficer, "/v1/transcripts/" + held + "/holds"));
  ASSERT_OK(holds);
  EXPECT_EQ(holds->size(), 1u);
}

// An erasure of everything about a visitor erases the free chat, withholds
// the held one, and the officers see, on their case, that a request touched
// it: the entry, its kind and when, never the visitor's identifiers.
TEST_F(RightsHoldE2eTest, OfficersSeeThatAnErasureRequestTouchedTheirCase) {
  const std::string& socket = daemon_.socket_path();
  auto chat = [&](const std::string& visitor) {
    const Reply created = RunOneAs(kWriterAlpha, socket,
                                   {"POST", "/v1/transcripts",
                                    R"({"service":"alpha","visitor":)" + visitor + "}"});
    EXPECT_EQ(created.status, 201) << created.body;
    const std::string id = Field(created.body, "id");
    EXPECT_EQ(RunOneAs(kWriterAlpha, socket, {"POST", "/v1/transcripts/" + id + "/close", ""})
                  .status,
              200);
    return id;
  };
  const std::string held = chat(SamFull());
  const std::string free = chat(SamFull());
  ASSERT_EQ(RunOneAs(kOfficer, socket, Hold("alice", "CASE-0", held)).status, 201);
  const Reply before = RunOneAs(kOfficer, socket, {"GET", "/v1/cases/CASE-0", ""});
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(Field(before.body, "rights_requests"), "[]");

  const Reply erased =
      RunOneAs(kDpo, socket, {"POST", "/v1/subject-erasure", Subject({{"email", kSamEmail}})});
  ASSERT_EQ(erased.status, 200) << erased.body;
  EXPECT_EQ(Field(erased.body, "erased"), R"([")" + free + R"("])");
  EXPECT_EQ(Field(erased.body, "withheld"), R"([")" + held + R"("])");
  const std::string request = Field(erased.body, "request");
  ASSERT_EQ(request.size(), 32u) << erased.body;
  // Idempotent: the same request again is the same success, erasing nothing more.
  const Reply again =
      RunOneAs(kDpo, socket, {"POST", "/v1/subject-erasure", Subject({{"email", kSamEmail}})});
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Field(again.body, "erased"), "[]");
  EXPECT_EQ(Field(again.body, "withheld"), R"([")" + held + R"("])");

  const Reply seen = RunOneAs(kOfficer, socket, {"GET", "/v1/cases/CASE-0", ""});
  ASSERT_EQ(seen.status, 200) << seen.body;
  const json::value notices = json::parse(Field(seen.body, "rights_requests"));
  ASSERT_TRUE(notices.is_array()) << seen.body;
  std::set<std::string> requests;
  for (const json::value& n : notices.as_array()) {
    EXPECT_EQ(n.at("kind"), "erasure") << seen.body;
    EXPECT_EQ(n.at("transcript"), held.c_str()) << seen.body;
    EXPECT_TRUE(n.as_object().contains("registered_at")) << seen.body;
    requests.insert(std::string(n.at("request").as_string()));
  }
  EXPECT_EQ(requests.size(), 2u) << seen.body;
  EXPECT_EQ(requests.count(request), 1u) << seen.body;
  for (const char* identifier : {kSamEmail, kSamPhone, kSamRef}) {
    EXPECT_EQ(seen.body.find(identifier), std::string::npos) << identifier;
  }
  // The held chat is still held, for the officers to decide about.
  auto holds = wire::DecodeHoldList(Read(kOfficer, "/v1/transcripts/" + held + "/holds"));
  ASSERT_OK(holds);
  EXPECT_EQ(holds->size(), 1u);
}

// --- Services --------------------------------------------------------------------

// A dpo for one service registers for that service and sees and changes
// only that service's entries: another's is answered like none at all.
TEST_F(RightsE2eTest, ADpoForOneServiceSeesAndChangesOnlyThatServicesEntries) {
  const std::string sam = Chat(SamFull());  // alpha
  const std::string everything = Register(R"({"kind":"access"})");
  const std::string alpha = Register(R"({"kind":"access","services":["alpha"]})");
  EXPECT_EQ(Field(Entry(alpha), "services"), R"(["alpha"])");
  const Reply beta_reg = As(kDpoBeta, {"POST", "/v1/rights-requests", R"({"kind":"access"})"});
  ASSERT_EQ(beta_reg.status, 201) << beta_reg.body;
  const std::string beta = Field(beta_reg.body, "id");
  EXPECT_EQ(Field(beta_reg.body, "services"), R"(["beta"])");
  const std::string before = All();
  EXPECT_TRUE(IsError(As(kDpoBeta, {"POST", "/v1/rights-requests",
                                    R"({"kind":"access","services":["alpha"]})"}),
                      403, "service_forbidden"));
  EXPECT_EQ(Listed("all", kDpoBeta), std::vector<std::string>{beta});
  EXPECT_EQ(Sorted(Listed("all", kAuditor)), Sorted({everything, alpha, beta}));
  EXPECT_EQ(Sorted(Listed("all", kDpo)), Sorted({everything, alpha, beta}));
  for (const std::string& other : {everything, alpha}) {
    SCOPED_TRACE(other);
    EXPECT_TRUE(IsError(As(kDpoBeta, {"GET", "/v1/rights-requests/" + other, ""}), 404,
                        "unknown_request"));
    EXPECT_TRUE(IsError(As(kDpoBeta, {"POST", "/v1/rights-requests/" + other + "/complete", ""}),
                        404, "unknown_request"));
    EXPECT_TRUE(IsError(As(kDpoBeta, {"POST", "/v1/subject-access",
                                      Subject({{"ref", kSamRef}}, other)}),
                        404, "unknown_request"));
  }
  EXPECT_EQ(All(), before);
  // Its restriction searches beta only: Sam's alpha chat stays readable.
  const Reply restricted =
      As(kDpoBeta, {"POST", "/v1/subject-restriction", Subject({{"ref", kSamRef}})});
  ASSERT_EQ(restricted.status, 200) << restricted.body;
  EXPECT_EQ(Field(restricted.body, "restricted"), "[]");
  EXPECT_EQ(Field(restricted.body, "services"), R"(["beta"])");
  EXPECT_EQ(AgentReads(sam), 200);
  // Its own entry it reads and completes; so may the dpo for every service.
  EXPECT_EQ(As(kDpoBeta, {"GET", "/v1/rights-requests/" + beta, ""}).status, 200);
  EXPECT_EQ(As(kDpoBeta, {"POST", "/v1/rights-requests/" + beta + "/complete", ""}).status, 200);
  EXPECT_EQ(As(kDpo, {"POST", "/v1/rights-requests/" + alpha + "/complete", ""}).status, 200);
}

// --- Roles -------------------------------------------------------------------------

TEST_F(RightsE2eTest, EveryRightsEndpointForEveryRole) {
  const Identity* const identities[] = {&kWriterAlpha, &kWriterBeta, &kAgent, &kOfficer,
                                        &kAuditor,     &kAdmin,      &kDpo,   &kUnknown};
  // One row per endpoint: the audit action, who may make the call, and what
  // they get. Everyone else gets 403 "forbidden" (unknown uids:
  // "unknown_caller"), audited once under the action, and nothing changes.
  struct Endpoint {
    const char* action;
    std::vector<const Identity*> allowed;
    int status;  // of the allowed calls
  };
  const Endpoint endpoints[] = {
      {"rights.register", {&kDpo}, 201},              // POST /v1/rights-requests
      {"rights.list", {&kDpo, &kAuditor}, 200},       // GET /v1/rights-requests?state=all
      {"rights.read", {&kDpo, &kAuditor}, 200},       // GET /v1/rights-requests/{id}
      {"rights.extend", {&kDpo}, 200},                // POST .../{id}/extend
      {"rights.complete", {&kDpo}, 200},              // POST .../{id}/complete
      {"rights.refuse", {&kDpo}, 200},                // POST .../{id}/refuse
      {"rights.lift", {&kDpo}, 200},                  // POST .../{id}/lift
      {"rights.decide", {&kDpo}, 200},                // POST .../{id}/decide
      {"subject.restriction", {&kDpo}, 200},          // POST /v1/subject-restriction
      {"subject.objection", {&kDpo}, 200},            // POST /v1/subject-objection
      {"subject.rectification", {&kDpo}, 200},        // POST /v1/subject-rectification
      {"transcript.statement", {&kDpo}, 201},         // POST /v1/transcripts/{id}/statements
  };
  int cells = 0;
  for (size_t row = 0; row < std::size(identities); ++row) {
    const Identity& who = *identities[row];
    SCOPED_TRACE(who.name);
    const bool dpo = &who == &kDpo;
    auto allowed = [&](const Endpoint& e) {
      return std::find(e.allowed.begin(), e.allowed.end(), &who) != e.allowed.end();
    };
    // Fresh objects for this identity, each a call that would succeed for
    // an allowed caller: four visitors' chats, one per action on them.
    const std::string n = std::to_string(row + 1);
    const std::string to_lift = Chat(Visitor({{"ref", "lift-" + n}}));
    const std::string to_decide = Chat(Visitor({{"ref", "decide-" + n}}));
    const std::string to_restrict = Chat(Visitor({{"ref", "restrict-" + n}}));
    const std::string to_object = Chat(Visitor({{"ref", "object-" + n}}));
    const std::string to_rectify = Chat(Visitor({{"ref", "rectify-" + n}}));
    const std::string to_supplement = Chat(Visitor({{"ref", "supplement-" + n}}));
    const std::string corrected_name = "Corrected Name " + n;
    const std::string statement_text = "Supplementary statement " + n;
    const std::vector<Reply> registered =
        RunAs(kDpo, socket(),
              {{"POST", "/v1/rights-requests", R"({"kind":"access"})"},
               {"POST", "/v1/rights-requests", R"({"kind":"erasure"})"},
               {"POST", "/v1/rights-requests", R"({"kind":"rectification"})"},
               {"POST", "/v1/rights-requests", R"({"kind":"access"})"},
               {"POST", "/v1/rights-requests", R"({"kind":"restriction"})"}});
    std::vector<std::string> ids;
    for (const Reply& reply : registered) {
      ASSERT_EQ(reply.status, 201) << reply.body;
      ids.push_back(Field(reply.body, "id"));
    }
    const std::string& read = ids[0];
    const std::string& extend = ids[1];
    const std::string& complete = ids[2];
    const std::string& refuse = ids[3];
    const std::string& lift = ids[4];
    const Reply placed = As(kDpo, {"POST", "/v1/subject-restriction",
                                   Subject({{"ref", "lift-" + n}}, lift)});
    ASSERT_EQ(placed.status, 200) << placed.body;
    const Reply objected =
        As(kDpo, {"POST", "/v1/subject-objection", Subject({{"ref", "decide-" + n}})});
    ASSERT_EQ(objected.status, 200) << objected.body;
    const std::string decide = Field(objected.body, "request");
    ASSERT_EQ(AgentReads(to_lift), 409);
    ASSERT_EQ(AgentReads(to_decide), 409);

    const std::string r = "/v1/rights-requests/";
    const std::vector<Call> calls = {
        {"POST", "/v1/rights-requests", R"({"kind":"access"})"},
        {"GET", "/v1/rights-requests?state=all", ""},
        {"GET", r + read, ""},
        {"POST", r + extend + "/extend", R"({"months":2,"reason":"numerous"})"},
        {"POST", r + complete + "/complete", ""},
        {"POST", r + refuse + "/refuse", R"({"reason":"excessive"})"},
        {"POST", r + lift + "/lift", R"({"reason":"visitor_withdrew"})"},
        {"POST", r + decide + "/decide", R"({"decision":"rejected","reason":"legal_claims"})"},
        {"POST", "/v1/subject-restriction", Subject({{"ref", "restrict-" + n}})},
        {"POST", "/v1/subject-objection", Subject({{"ref", "object-" + n}})},
        {"POST", "/v1/subject-rectification",
         R"({"identifiers":{"ref":"rectify-)" + n + R"("},"visitor":{"name":")" + corrected_name +
             R"("}})"},
        {"POST", "/v1/transcripts/" + to_supplement + "/statements",
         R"({"seq":0,"text":")" + statement_text + R"("})"},
    };
    ASSERT_EQ(calls.size(), std::size(endpoints));
    const std::string before = All();
    const AccessCounts audited_before = AccessRecords();
    const std::string rectify_before =
        As(kAgent, {"GET", "/v1/transcripts/" + to_rectify, ""}).body;
    const std::string supplement_before =
        As(kAgent, {"GET", "/v1/transcripts/" + to_supplement, ""}).body;
    ASSERT_EQ(Field(Field(rectify_before, "visitor"), "name"), "");

    const std::vector<Reply> got = RunAs(who, socket(), calls);
    const AccessCounts audited = AccessRecords();
    for (size_t i = 0; i < calls.size(); ++i) {
      const Endpoint& e = endpoints[i];
      SCOPED_TRACE(calls[i].method + " " + calls[i].target + " (" + e.action + ")");
      ++cells;
      if (allowed(e)) {
        EXPECT_EQ(got[i].status, e.status) << got[i].body;
        continue;
      }
      const std::string code = &who == &kUnknown ? "unknown_caller" : "forbidden";
      EXPECT_TRUE(IsError(got[i], 403, code));
      // Audited as refused, once, and never as done.
      EXPECT_EQ(audited_before.count({who.uid, e.action}), 0u);
      const auto outcomes = audited.find({who.uid, e.action});
      ASSERT_NE(outcomes, audited.end()) << "the refusal was not audited";
      EXPECT_EQ(outcomes->second, (std::map<std::string, int>{{code, 1}}));
    }

    // Nothing changed unless the call was allowed.
    const std::string after = All();
    if (!dpo) {
      EXPECT_EQ(after, before);
      EXPECT_EQ(AgentReads(to_lift), 409);
      EXPECT_EQ(AgentReads(to_decide), 409);
      EXPECT_EQ(AgentReads(to_restrict), 200);
      EXPECT_EQ(AgentReads(to_object), 200);
      EXPECT_EQ(As(kAgent, {"GET", "/v1/transcripts/" + to_rectify, ""}).body, rectify_before);
      EXPECT_EQ(As(kAgent, {"GET", "/v1/transcripts/" + to_supplement, ""}).body,
                supplement_before);
      continue;
    }
    EXPECT_EQ(Obj(after).at("requests").as_array().size(),
              Obj(before).at("requests").as_array().size() + 5)
        << "one registered, one restriction, one objection, one rectification, one statement";
    EXPECT_EQ(Field(got[10].body, "rectified"), R"([")" + to_rectify + R"("])");
    const std::string rectified = As(kAgent, {"GET", "/v1/transcripts/" + to_rectify, ""}).body;
    EXPECT_EQ(Field(Field(rectified, "visitor"), "name"), corrected_name);
    EXPECT_EQ(Field(got[11].body, "id"), to_supplement);
    const std::string supplemented =
        As(kAgent, {"GET", "/v1/transcripts/" + to_supplement, ""}).body;
    const json::object supplemented_object = Obj(supplemented);
    const json::array& messages = supplemented_object.at("messages").as_array();
    ASSERT_EQ(messages.size(), 1u);
    ASSERT_TRUE(messages[0].as_object().contains("statements")) << supplemented;
    EXPECT_EQ(messages[0].at("statements").as_array().size(), 1u);
    EXPECT_EQ(messages[0].at("statements").at(0).at("text"), statement_text.c_str());
    EXPECT_EQ(Field(Field(Entry(extend), "extension"), "months"), "2");
    EXPECT_EQ(Field(Entry(complete), "state"), "done");
    EXPECT_EQ(Field(Entry(refuse), "state"), "refused");
    EXPECT_EQ(Field(Field(Entry(lift), "lifted"), "reason"), "visitor_withdrew");
    EXPECT_EQ(Field(Field(Entry(decide), "decision"), "decision"), "rejected");
    EXPECT_EQ(Field(got[8].body, "restricted"), R"([")" + to_restrict + R"("])");
    EXPECT_EQ(Field(got[9].body, "restricted"), R"([")" + to_object + R"("])");
    EXPECT_EQ(AgentReads(to_lift), 200);
    EXPECT_EQ(AgentReads(to_decide), 200);
    EXPECT_EQ(AgentReads(to_restrict), 409);
    EXPECT_EQ(AgentReads(to_object), 409);
  }
  EXPECT_EQ(cells, 96);  // 12 endpoints x 8 identities
  ExpectNoIdentifierInAudit();
  // Nor a corrected value or a statement's text.
  for (const json::object& r : AuditRecords()) {
    const std::string text = json::serialize(r);
    for (const char* value :
         {"rectify-", "supplement-", "Corrected Name", "Supplementary statement"}) {
      EXPECT_EQ(text.find(value), std::string::npos) << value << " in " << text;
    }
  }
}

}  // namespace
}  // namespace vault::testing
