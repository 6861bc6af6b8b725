// Roles for the legal-hold endpoints: every officer, case, hold, request and
// approval route for every role, as in roles_test.cc (which says how the
// clients run), and what a refused call leaves in the audit log.
#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "tests/e2e/legal_hold_fixture.h"

namespace vault::testing {
namespace {

namespace json = boost::json;

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
      {"case.share_export", {&kOfficer}, 200},                 // POST /v1/cases/CASE-0/share-export
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
    // Two cases of this row's own, since a case has at most one pending
    // request: one with a pending request, one for the filing call.
    const std::string request_held = HeldUnderNewCase("REQ-" + n);
    const std::string filing_held = HeldUnderNewCase("FILE-" + n);
    const auto [request, approval] = RequestAndApproval("REQ-" + n, request_held);
    const std::vector<Call> calls = {
        {"GET", "/v1/officers", ""},
        Enrolment("new-" + n),
        {"POST", "/v1/officers/carol/revoke", ""},
        {"GET", "/v1/cases", ""},
        OpenCase("alice", "CASE-" + n),
        {"GET", "/v1/cases/CASE-0", ""},
        Hold("alice", "CASE-0", transcript),
        {"GET", "/v1/transcripts/" + transcript + "/holds", ""},
        ExportShare("alice", "CASE-0"),
        FileUnseal("bob", "FILE-" + n, filing_held),
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
    } else if (&who == &kAdmin) {
      // Carol's revocation leaves every case exactly two active share
      // holders of three, its threshold: one departure from stranded.
      const std::string ok = "\"share_status\":\"ok\"";
      const std::string at_threshold = "\"share_status\":\"at_threshold\"";
      std::string expected = cases_before;
      for (size_t at = 0; (at = expected.find(ok, at)) != std::string::npos;) {
        expected.replace(at, ok.size(), at_threshold);
        at += at_threshold.size();
      }
      EXPECT_EQ(cases_after, expected);
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
  EXPECT_EQ(cells, 84);  // 12 endpoints x 7 identities
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

}  // namespace
}  // namespace vault::testing
