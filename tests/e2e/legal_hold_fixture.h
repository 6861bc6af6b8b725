// LegalHoldRolesTest: RolesTest with three enrolled officers and a case
// holding one transcript, and the officer's side of each legal-hold call.
// Used by legal_hold_roles_test.cc and history_test.cc.
#ifndef VAULT_TESTS_E2E_LEGAL_HOLD_FIXTURE_H_
#define VAULT_TESTS_E2E_LEGAL_HOLD_FIXTURE_H_

#include <boost/json.hpp>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "tests/e2e/roles_fixture.h"
#include "vault/clock.h"
#include "vault/officer/officer.h"
#include "vault/officer/officer_actions.h"
#include "vault/wire/safeguard_json.h"

namespace vault::testing {

// --- Legal hold ------------------------------------------------------------
//
// The officer's side of each call (keys, signatures, approvals: what
// vault-officer does) is done here in the test process; the resulting
// bodies are then sent by a client running as each identity, so a refused
// call is refused for its role alone, never for a bad body or signature.
class LegalHoldRolesTest : public RolesTest {
 protected:
  static constexpr int64_t kHour = 3600 * 1000;

  using RolesTest::RolesTest;

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
  Call ExportShare(const std::string& officer, const std::string& case_id) {
    ShareExportRequest r;
    r.case_id = case_id;
    EXPECT_OK(
        safeguard::SignShareExport(officers_[officer], officer, vault_id_, clock_.NowMillis(), &r));
    return {"POST", "/v1/cases/" + case_id + "/share-export", wire::EncodeShareExportRequest(r)};
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
      boost::json::value v = boost::json::parse(body, ec);
      if (ec || !v.is_object()) {
        ADD_FAILURE() << body;
        return out;
      }
      const boost::json::array& records = v.at("records").as_array();
      for (const boost::json::value& r : records) {
        if (r.at("type") != boost::json::value("access") || !r.at("payload").is_object()) continue;
        const boost::json::object& p = r.at("payload").as_object();
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

}  // namespace vault::testing

#endif  // VAULT_TESTS_E2E_LEGAL_HOLD_FIXTURE_H_
