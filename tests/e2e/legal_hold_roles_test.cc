// Roles for the legal-hold endpoints: every officer, case, hold, request and
// approval route for every role, as in roles_test.cc (which says how the
// clients run), and what a refused call leaves in the audit log.
#include <algorithm>
#include <boost/json.hpp>
#include <map>
#include <string>
#include <vector>

#include "tests/e2e/roles_fixture.h"
#include "vault/clock.h"
#include "vault/officer/officer.h"
#include "vault/officer/officer_actions.h"
#include "vault/wire/safeguard_json.h"

namespace vault::testing {
namespace {

namespace json = boost::json;

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
  // A pending unseal request of a held transcript (by default CASE-0's),
  // filed by alice, and alice's approval of it (not sent). A case has at
  // most one pending request.
  std::pair<std::string, Call> RequestAndApproval(const std::string& case_id = "CASE-0",
                                                  const std::string& held = "") {
    const std::string& socket = daemon_.socket_path();
    Reply filed =
        RunOneAs(kOfficer, socket, FileUnseal("alice", case_id, held.empty() ? held_ : held));
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
  // A new case opened by alice, holding one new closed transcript: its id.
  std::string HeldUnderNewCase(const std::string& case_id) {
    Reply opened = RunOneAs(kOfficer, daemon_.socket_path(), OpenCase("alice", case_id));
    EXPECT_EQ(opened.status, 201) << opened.body;
    const std::string id = ClosedAlphaTranscript();
    Reply held = RunOneAs(kOfficer, daemon_.socket_path(), Hold("alice", case_id, id));
    EXPECT_EQ(held.status, 201) << held.body;
    return id;
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

}  // namespace
}  // namespace vault::testing
