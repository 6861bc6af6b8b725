// vault::Client's legal-hold calls against a real vaultd: officers, cases,
// holds, requests and two-officer approvals. The officers' side (keys,
// signatures, approvals) is made here as vault-officer makes it, with
// vault/officer/officer_actions.h.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "tests/client/client_fixture.h"
#include "vault/clock.h"
#include "vault/officer/officer.h"
#include "vault/officer/officer_actions.h"

namespace vault::testing {
namespace {

constexpr int64_t kHourMs = 3600 * 1000;
using Strings = std::vector<std::string>;

class ClientLegalHoldTest : public ClientTest {
 protected:
  // Enrols `name` with a fresh key pair; returns what the vault answered.
  StatusOr<OfficerInfo> Enrol(const std::string& name) {
    auto keys = safeguard::OfficerKeys::Generate();
    if (!keys.ok()) return keys.status();
    auto token = safeguard::EnrolmentToken(*keys);
    if (!token.ok()) return token.status();
    officers_[name] = std::move(keys).value();
    return client().EnrolOfficer(name, *token);
  }
  void EnrolAliceAndBob() {
    ASSERT_OK(Enrol("alice"));
    ASSERT_OK(Enrol("bob"));
    auto list = client().ListOfficers();
    ASSERT_OK(list);
    vault_id_ = list->vault_id;
  }
  CaseOpening Opening(const std::string& officer, const std::string& case_id) {
    CaseOpening o;
    o.case_id = case_id;
    o.reason = "Disclosure of risk of harm in chat.";
    EXPECT_OK(safeguard::SignCaseOpening(officers_[officer], officer, vault_id_,
                                         clock_.NowMillis(), &o));
    return o;
  }
  HoldPlacement Hold(const std::string& officer, const std::string& case_id,
                     const std::string& id) {
    HoldPlacement h;
    h.case_id = case_id;
    h.transcript_id = id;
    EXPECT_OK(safeguard::SignHold(officers_[officer], officer, vault_id_, clock_.NowMillis(), &h));
    return h;
  }
  RequestFiling Unseal(const std::string& officer, const std::string& case_id,
                       const std::string& id) {
    RequestFiling f;
    f.kind = RequestKind::kUnseal;
    f.case_id = case_id;
    f.transcripts = {id};
    f.reason = "Police request, reference 1234.";
    f.expires_at = clock_.NowMillis() + kHourMs;
    EXPECT_OK(safeguard::SignFiling(officers_[officer], officer, vault_id_, clock_.NowMillis(), &f));
    return f;
  }
  // `officer`'s approval of request `id`, made from the request as that
  // officer reads it (with its sealed share).
  StatusOr<Approval> ApprovalBy(const std::string& officer, const std::string& id) {
    auto request = client().GetRequest(id, officer);
    if (!request.ok()) return request.status();
    return safeguard::MakeApproval(officers_[officer], officer, vault_id_, *request);
  }
  // A closed transcript with two messages, held under `case_id`.
  std::string HeldTranscript(const std::string& case_id) {
    const std::string id = NewTranscript(2, /*close=*/true);
    EXPECT_OK(client().PlaceHold(Hold("alice", case_id, id)));
    return id;
  }

  SystemClock clock_;
  std::string vault_id_;
  std::map<std::string, safeguard::OfficerKeys> officers_;
};

TEST_F(ClientLegalHoldTest, OfficersAreListedEnrolledAndRevoked) {
  auto empty = client().ListOfficers();
  ASSERT_OK(empty);
  EXPECT_FALSE(empty->vault_id.empty());
  EXPECT_TRUE(empty->officers.empty());

  auto alice = Enrol("alice");
  ASSERT_OK(alice);
  EXPECT_EQ(alice->id, "alice");
  EXPECT_TRUE(alice->active());
  EXPECT_FALSE(alice->fingerprint.empty());
  EXPECT_GT(alice->enrolled_at, 0);
  ASSERT_OK(Enrol("carol"));

  auto again = Enrol("alice");
  EXPECT_EQ(again.status().code(), Status::Code::kAlreadyExists) << again.status().ToString();
  EXPECT_EQ(again.status().reason(), "officer_exists");
  EXPECT_EQ(client().EnrolOfficer("dave", "not-a-token").status().reason(), "invalid_officer_key");

  auto revoked = client().RevokeOfficer("carol");
  ASSERT_OK(revoked);
  EXPECT_FALSE(revoked->active());
  EXPECT_EQ(client().RevokeOfficer("nobody").status().reason(), "unknown_officer");

  auto list = client().ListOfficers();
  ASSERT_OK(list);
  EXPECT_EQ(list->vault_id, empty->vault_id);
  ASSERT_EQ(list->officers.size(), 2u);
  EXPECT_EQ(list->officers[0].id, "alice");
  EXPECT_TRUE(list->officers[0].active());
  EXPECT_EQ(list->officers[0].key, alice->key);
  EXPECT_EQ(list->officers[1].id, "carol");
  EXPECT_FALSE(list->officers[1].active());
}

TEST_F(ClientLegalHoldTest, CasesAreOpenedListedAndRead) {
  ASSERT_OK(Enrol("alice"));
  auto list = client().ListOfficers();
  ASSERT_OK(list);
  vault_id_ = list->vault_id;
  auto too_few = client().OpenCase(Opening("alice", "CASE-1"));
  EXPECT_EQ(too_few.status().reason(), "too_few_officers") << too_few.status().ToString();
  ASSERT_OK(Enrol("bob"));

  auto opened = client().OpenCase(Opening("alice", "CASE-1"));
  ASSERT_OK(opened);
  EXPECT_EQ(opened->id, "CASE-1");
  EXPECT_EQ(opened->state, "open");
  EXPECT_EQ(opened->opened_by, "alice");
  EXPECT_EQ(opened->threshold, 2);
  EXPECT_EQ(opened->share_holders, (Strings{"alice", "bob"}));
  EXPECT_FALSE(opened->public_key.empty());

  EXPECT_EQ(client().OpenCase(Opening("alice", "CASE-1")).status().reason(), "case_exists");
  CaseOpening forged = Opening("alice", "CASE-2");
  forged.signed_by.officer = "bob";  // alice's signature, claimed as bob's
  EXPECT_EQ(client().OpenCase(forged).status().code(), Status::Code::kPermissionDenied);

  auto cases = client().ListCases();
  ASSERT_OK(cases);
  ASSERT_EQ(cases->size(), 1u);
  EXPECT_EQ((*cases)[0].id, "CASE-1");
  auto detail = client().GetCase("CASE-1");
  ASSERT_OK(detail);
  EXPECT_EQ(detail->info.id, "CASE-1");
  EXPECT_TRUE(detail->holds.empty());
  auto missing = client().GetCase("CASE-9");
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound) << missing.status().ToString();
}

TEST_F(ClientLegalHoldTest, HoldsArePlacedAndListed) {
  ASSERT_NO_FATAL_FAILURE(EnrolAliceAndBob());
  ASSERT_OK(client().OpenCase(Opening("alice", "CASE-1")));
  const std::string open_id = NewTranscript(1);
  auto on_open = client().PlaceHold(Hold("alice", "CASE-1", open_id));
  EXPECT_EQ(on_open.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(on_open.status().reason(), "transcript_open");

  ASSERT_OK(client().CloseTranscript(open_id));
  auto held = client().PlaceHold(Hold("bob", "CASE-1", open_id));
  ASSERT_OK(held);
  EXPECT_EQ(held->case_id, "CASE-1");
  EXPECT_EQ(held->transcript_id, open_id);
  EXPECT_EQ(held->held_by, "bob");
  EXPECT_EQ(client().PlaceHold(Hold("alice", "CASE-X", open_id)).status().reason(), "no_case");

  auto holds = client().ListHolds(open_id);
  ASSERT_OK(holds);
  ASSERT_EQ(holds->size(), 1u);
  EXPECT_EQ((*holds)[0].case_id, "CASE-1");
  auto detail = client().GetCase("CASE-1");
  ASSERT_OK(detail);
  EXPECT_EQ(detail->info.holds, 1u);
  ASSERT_EQ(detail->holds.size(), 1u);
  EXPECT_EQ(detail->holds[0].transcript_id, open_id);
  auto unheld = client().ListHolds(NewTranscript(0));
  ASSERT_OK(unheld);
  EXPECT_TRUE(unheld->empty());
}

TEST_F(ClientLegalHoldTest, TwoApprovalsUnsealAHeldTranscript) {
  ASSERT_NO_FATAL_FAILURE(EnrolAliceAndBob());
  ASSERT_OK(client().OpenCase(Opening("alice", "CASE-1")));
  const std::string id = HeldTranscript("CASE-1");

  auto filed = client().FileRequest(Unseal("alice", "CASE-1", id));
  ASSERT_OK(filed);
  EXPECT_EQ(filed->id.size(), 32u);
  EXPECT_EQ(filed->state, "pending");
  EXPECT_EQ(filed->filed_by, "alice");
  EXPECT_EQ(filed->transcripts, Strings{id});

  auto read = client().GetRequest(filed->id);
  ASSERT_OK(read);
  EXPECT_EQ(read->reason, "Police request, reference 1234.");
  EXPECT_TRUE(read->officer_share.empty()) << "no officer asked: no share";
  auto alice = ApprovalBy("alice", filed->id);
  ASSERT_OK(alice);
  auto first = client().Approve(filed->id, *alice);
  ASSERT_OK(first);
  EXPECT_FALSE(first->executed);
  EXPECT_EQ(first->request.approved_by, Strings{"alice"});
  EXPECT_TRUE(first->transcripts.empty());
  EXPECT_EQ(client().Approve(filed->id, *alice).status().reason(), "already_approved");

  auto bob = ApprovalBy("bob", filed->id);
  ASSERT_OK(bob);
  auto second = client().Approve(filed->id, *bob);
  ASSERT_OK(second);
  EXPECT_TRUE(second->executed);
  ASSERT_EQ(second->transcripts.size(), 1u);
  EXPECT_EQ(second->transcripts[0].info.id, id);
  ASSERT_EQ(second->transcripts[0].messages.size(), 2u);
  EXPECT_EQ(second->transcripts[0].messages[1].text, "message 1");
  EXPECT_FALSE(second->audit_hash.empty());

  auto used = client().GetRequest(filed->id);
  ASSERT_OK(used);
  EXPECT_EQ(used->state, "used");
  auto late = client().Approve(filed->id, *bob);
  EXPECT_EQ(late.status().code(), Status::Code::kFailedPrecondition) << late.status().ToString();
  EXPECT_EQ(late.status().reason(), "request_used");
}

TEST_F(ClientLegalHoldTest, RequestErrorsAndARestartVoidsPendingRequests) {
  ASSERT_NO_FATAL_FAILURE(EnrolAliceAndBob());
  ASSERT_OK(client().OpenCase(Opening("alice", "CASE-1")));
  const std::string id = HeldTranscript("CASE-1");
  const std::string not_held = NewTranscript(1, /*close=*/true);
  EXPECT_EQ(client().FileRequest(Unseal("alice", "CASE-1", not_held)).status().reason(),
            "not_in_case");
  EXPECT_EQ(client().FileRequest(Unseal("alice", "CASE-9", id)).status().reason(), "no_case");
  auto unknown = client().GetRequest("0123456789abcdef0123456789abcdef");
  EXPECT_EQ(unknown.status().code(), Status::Code::kNotFound) << unknown.status().ToString();
  EXPECT_EQ(unknown.status().reason(), "no_request");

  auto filed = client().FileRequest(Unseal("alice", "CASE-1", id));
  ASSERT_OK(filed);
  ASSERT_OK(daemon_.Restart());
  EXPECT_EQ(client().GetRequest(filed->id).status().reason(), "no_request");
  // Cases, holds and officers are durable.
  auto holds = client().ListHolds(id);
  ASSERT_OK(holds);
  EXPECT_EQ(holds->size(), 1u);
  auto cases = client().ListCases();
  ASSERT_OK(cases);
  EXPECT_EQ(cases->size(), 1u);
}

}  // namespace
}  // namespace vault::testing
