// A VaultFixture with safeguarding officers: keys in memory, the officer's
// side of every step done with vault/officer/officer_actions.h.
#ifndef VAULT_TESTS_CORE_HOLDS_FIXTURE_H_
#define VAULT_TESTS_CORE_HOLDS_FIXTURE_H_

#include <map>

#include "tests/core/vault_fixture.h"
#include "vault/officer/officer.h"
#include "vault/officer/officer_actions.h"

namespace vault::testing {

class HoldsFixture : public VaultFixture {
 protected:
  static constexpr int64_t kHour = 3600 * 1000;

  void SetUp() override {
    VaultFixture::SetUp();
    for (const char* name : {"alice", "bob", "carol"}) Enrol(name);
  }

  void Enrol(const std::string& name) {
    auto keys = safeguard::OfficerKeys::Generate();
    ASSERT_TRUE(keys.ok());
    auto token = safeguard::EnrolmentToken(*keys);
    ASSERT_TRUE(token.ok());
    auto enrolled = vault_->EnrolOfficer(caller_, name, *token);
    ASSERT_TRUE(enrolled.ok()) << enrolled.status().ToString();
    officers_[name] = std::move(keys).value();
  }
  std::string VaultId() {
    auto list = vault_->ListOfficers(caller_);
    EXPECT_TRUE(list.ok());
    return list.ok() ? list->vault_id : "";
  }
  StatusOr<CaseInfo> OpenCase(const std::string& officer, const std::string& case_id) {
    CaseOpening o;
    o.case_id = case_id;
    o.reason = "Disclosure of risk of harm in chat; police informed.";
    EXPECT_TRUE(
        safeguard::SignCaseOpening(officers_[officer], officer, VaultId(), clock_.NowMillis(), &o)
            .ok());
    return vault_->OpenCase(caller_, o);
  }
  StatusOr<HoldInfo> Hold(const std::string& officer, const std::string& case_id,
                          const std::string& id) {
    HoldPlacement h;
    h.case_id = case_id;
    h.transcript_id = id;
    EXPECT_TRUE(
        safeguard::SignHold(officers_[officer], officer, VaultId(), clock_.NowMillis(), &h).ok());
    return vault_->PlaceHold(caller_, h);
  }
  RequestFiling Filing(const std::string& officer, const std::string& case_id,
                       std::vector<std::string> ids, RequestKind kind = RequestKind::kUnseal) {
    RequestFiling f;
    f.kind = kind;
    f.case_id = case_id;
    f.transcripts = std::move(ids);
    f.reason = "Police request under section 29, reference 1234.";
    f.expires_at = clock_.NowMillis() + kHour;
    EXPECT_TRUE(
        safeguard::SignFiling(officers_[officer], officer, VaultId(), clock_.NowMillis(), &f).ok());
    return f;
  }
  StatusOr<RequestInfo> File(const std::string& officer, const std::string& case_id,
                             std::vector<std::string> ids,
                             RequestKind kind = RequestKind::kUnseal) {
    return vault_->FileRequest(caller_, Filing(officer, case_id, std::move(ids), kind));
  }
  Approval MakeApproval(const std::string& officer, const std::string& request_id) {
    auto request = vault_->GetRequest(caller_, request_id, officer);
    EXPECT_TRUE(request.ok()) << request.status().ToString();
    auto a = safeguard::MakeApproval(officers_[officer], officer, VaultId(), *request);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? *a : Approval{};
  }
  StatusOr<ApprovalResult> Approve(const std::string& officer, const std::string& request_id) {
    return vault_->Approve(caller_, request_id, MakeApproval(officer, request_id));
  }
  std::string ClosedTranscript(const std::string& text) {
    const std::string id = Create();
    Append(id, 1, text);
    EXPECT_TRUE(vault_->CloseTranscript(caller_, id).ok());
    return id;
  }
  // A transcript closed and held under `case_id`.
  std::string HeldTranscript(const std::string& case_id, const std::string& text) {
    const std::string id = ClosedTranscript(text);
    auto held = Hold("alice", case_id, id);
    EXPECT_TRUE(held.ok()) << held.status().ToString();
    return id;
  }

  // Releases every hold of `case_id` (alice and bob approve).
  void ReleaseCase(const std::string& case_id) {
    auto request = File("alice", case_id, {}, RequestKind::kRelease);
    ASSERT_TRUE(request.ok()) << request.status().ToString();
    ASSERT_TRUE(Approve("alice", request->id).ok());
    auto done = Approve("bob", request->id);
    ASSERT_TRUE(done.ok()) << done.status().ToString();
    ASSERT_TRUE(done->executed);
  }

  std::map<std::string, safeguard::OfficerKeys> officers_;
};

// The fixture of holds_test.cc and hold_requests_test.cc: one class, so the
// two files' tests are one test suite.
class HoldsTest : public HoldsFixture {};

}  // namespace vault::testing

#endif  // VAULT_TESTS_CORE_HOLDS_FIXTURE_H_
