// Legal hold key lifecycle: a case's threshold chosen at opening, resharing
// a case's key to the officers enrolled now, the warnings before a case is
// stranded (metrics, the officer list) and revocations that would strand a
// case, refused unless forced. On a real store with a manual clock; the
// officer's side of every step is vault/officer/officer_actions.h.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "tests/core/holds_fixture.h"
#include "vault/common/encoding.h"
#include "vault/crypto/custodian.h"
#include "vault/crypto/shamir.h"
#include "vault/hold/case_store.h"
#include "vault/officer/statement.h"

namespace vault::testing {
namespace {


class ReshareTest : public HoldsFixture {
 protected:
  // The sealed case file's bytes: a refused call must not rewrite it.
  std::string CaseFile() {
    std::ifstream in(dir_.path() + "/data/keys/safeguarding", std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  StatusOr<CaseInfo> OpenCaseWithThreshold(const std::string& officer, const std::string& case_id,
                                           int threshold) {
    CaseOpening o;
    o.case_id = case_id;
    o.reason = "Disclosure of risk of harm in chat; police informed.";
    o.threshold = threshold;
    EXPECT_TRUE(
        safeguard::SignCaseOpening(officers_[officer], officer, VaultId(), clock_.NowMillis(), &o)
            .ok());
    return vault_->OpenCase(caller_, o);
  }
  StatusOr<RequestInfo> FileReshare(const std::string& officer, const std::string& case_id,
                                    int threshold = 0) {
    RequestFiling f;
    f.kind = RequestKind::kReshare;
    f.case_id = case_id;
    f.threshold = threshold;
    f.reason = "Carol has left the service; Dave joined.";
    f.expires_at = clock_.NowMillis() + kHour;
    EXPECT_TRUE(
        safeguard::SignFiling(officers_[officer], officer, VaultId(), clock_.NowMillis(), &f).ok());
    return vault_->FileRequest(caller_, f);
  }
  // `officer`'s approval of `request_id` made with a share sealed to them
  // that may be an old one (`sealed_share`, as GetRequest returned it once).
  Approval ApprovalWithShare(const std::string& officer, const std::string& request_id,
                             const std::string& sealed_share) {
    auto request = vault_->GetRequest(caller_, request_id, officer);
    EXPECT_TRUE(request.ok()) << request.status().ToString();
    RequestInfo r = *request;
    r.officer_share = sealed_share;
    auto a = safeguard::MakeApproval(officers_[officer], officer, VaultId(), r);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? *a : Approval{};
  }
  std::string SealedShareOf(const std::string& officer, const std::string& request_id) {
    auto r = vault_->GetRequest(caller_, request_id, officer);
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->officer_share : "";
  }
  std::string Unsealed(const std::string& a, const std::string& b, const std::string& case_id,
                       const std::string& id) {
    auto request = File(a, case_id, {id});
    EXPECT_TRUE(request.ok()) << request.status().ToString();
    if (!request.ok()) return "";
    auto first = Approve(a, request->id);
    EXPECT_TRUE(first.ok()) << first.status().ToString();
    auto second = Approve(b, request->id);
    EXPECT_TRUE(second.ok()) << second.status().ToString();
    if (!second.ok() || !second->executed || second->transcripts.empty()) return "";
    return second->transcripts[0].messages.at(0).text;
  }
  std::vector<std::string> AuditPayloads(const std::string& action) {
    std::vector<std::string> out;
    auto records = vault_->audit_log()->Read(1, 1000000);
    EXPECT_TRUE(records.ok());
    if (!records.ok()) return out;
    for (const auto& r : *records) {
      if (r.record.payload.find("\"" + action + "\"") != std::string::npos) {
        out.push_back(r.record.payload);
      }
    }
    return out;
  }
  ShareHealth Health() {
    auto list = vault_->ListOfficers(caller_);
    EXPECT_TRUE(list.ok());
    return list.ok() ? list->share_health : ShareHealth{};
  }
};

TEST_F(ReshareTest, ResharingDealsFreshSharesToTheOfficersEnrolledNowAndOldSharesStopWorking) {
  auto opened = OpenCase("alice", "CASE-1");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  const std::string id = HeldTranscript("CASE-1", "held words");
  // Every officer's share as dealt at opening, taken from a request (used
  // up, so the case has no pending request).
  auto before = File("alice", "CASE-1", {id});
  ASSERT_TRUE(before.ok());
  std::map<std::string, std::string> old_share;
  for (const char* o : {"alice", "bob", "carol"}) old_share[o] = SealedShareOf(o, before->id);
  ASSERT_TRUE(Approve("alice", before->id).ok());
  ASSERT_TRUE(Approve("bob", before->id)->executed);

  Enrol("dave");
  ASSERT_TRUE(vault_->RevokeOfficer(caller_, "carol", {}).ok());
  auto filed = FileReshare("alice", "CASE-1");
  ASSERT_TRUE(filed.ok()) << filed.status().ToString();
  EXPECT_EQ(filed->kind, RequestKind::kReshare);
  EXPECT_EQ(filed->threshold, 2);
  EXPECT_NE(filed->text.find("kind: reshare\n"), std::string::npos);
  EXPECT_NE(filed->text.find("threshold: 2\n"), std::string::npos);
  auto one = Approve("alice", filed->id);
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_FALSE(one->executed);  // one officer alone reshares nothing
  auto two = Approve("bob", filed->id);
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  ASSERT_TRUE(two->executed);

  auto after = vault_->GetCase(caller_, "CASE-1");
  ASSERT_TRUE(after.ok());
  // The same case key: the held transcript is untouched.
  EXPECT_EQ(after->info.public_key, opened->public_key);
  EXPECT_EQ(after->info.threshold, 2);
  EXPECT_EQ(after->info.share_holders, (std::vector<std::string>{"alice", "bob", "dave"}));
  EXPECT_EQ(after->info.share_status, "ok");
  EXPECT_GT(after->info.reshared_at, 0);
  // Dave, enrolled after the opening, now takes part in an unseal.
  EXPECT_EQ(Unsealed("dave", "alice", "CASE-1", id), "held words");

  // Every old share stops working: alice's old share (alice still active)
  // is refused, and carol's old share is refused with her; two old shares
  // together therefore never unseal.
  auto request = File("bob", "CASE-1", {id});
  ASSERT_TRUE(request.ok());
  EXPECT_NE(SealedShareOf("alice", request->id), old_share["alice"]);
  EXPECT_EQ(Reason(vault_->Approve(caller_, request->id,
                                   ApprovalWithShare("alice", request->id, old_share["alice"]))
                       .status()),
            "invalid_share");
  EXPECT_EQ(Reason(vault_->Approve(caller_, request->id,
                                   ApprovalWithShare("carol", request->id, old_share["carol"]))
                       .status()),
            "officer_revoked");
  EXPECT_EQ(vault_->GetRequest(caller_, request->id, "")->approved_by.size(), 0u);
  // Bob's old share too: refused even from an officer who holds a new one.
  EXPECT_EQ(Reason(vault_->Approve(caller_, request->id,
                                   ApprovalWithShare("bob", request->id, old_share["bob"]))
                       .status()),
            "invalid_share");
  EXPECT_EQ(vault_->GetRequest(caller_, request->id, "")->state, "pending");

  // Audited with the approvers, the new holders and the threshold; never a
  // share.
  const std::vector<std::string> records = AuditPayloads("case.reshare");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_NE(records[0].find("alice,bob,dave"), std::string::npos);
  EXPECT_NE(records[0].find("\"threshold\""), std::string::npos);
  for (const auto& [officer, sealed] : old_share) {
    EXPECT_EQ(records[0].find(ToBase64(sealed)), std::string::npos);
  }
}

TEST_F(ReshareTest, EveryOldShareIsReplacedInTheCaseFile) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string opened_file = CaseFile();
  auto filed = FileReshare("alice", "CASE-1");
  ASSERT_TRUE(filed.ok());
  const std::string alice_old = SealedShareOf("alice", filed->id);
  ASSERT_TRUE(Approve("alice", filed->id).ok());
  ASSERT_TRUE(Approve("carol", filed->id)->executed);
  // Fresh randomness: every officer's sealed share and commitment differ.
  auto custodian = KeyFileCustodian::Open(dir_.path() + "/data/keys/root.key", false);
  ASSERT_TRUE(custodian.ok());
  auto root = (*custodian)->LoadRootKey();
  ASSERT_TRUE(root.ok());
  auto old_state = safeguard::DecodeSafeguardFile(opened_file, *root);
  auto new_state = safeguard::DecodeSafeguardFile(CaseFile(), *root);
  ASSERT_TRUE(old_state.ok() && new_state.ok());
  const auto& old_shares = old_state->FindCase("CASE-1")->shares;
  const auto& new_shares = new_state->FindCase("CASE-1")->shares;
  ASSERT_EQ(old_shares.size(), 3u);
  ASSERT_EQ(new_shares.size(), 3u);
  for (const auto& n : new_shares) {
    for (const auto& o : old_shares) {
      EXPECT_NE(n.sealed, o.sealed);
      EXPECT_NE(n.commitment, o.commitment);
    }
  }
  EXPECT_EQ(new_state->FindCase("CASE-1")->public_key, old_state->FindCase("CASE-1")->public_key);
  EXPECT_NE(alice_old, "");
}

TEST_F(ReshareTest, AThresholdIsChosenPerCaseAtOpeningBetweenTwoAndTheOfficers) {
  Enrol("dave");
  auto three = OpenCaseWithThreshold("alice", "CASE-3", 3);
  ASSERT_TRUE(three.ok()) << three.status().ToString();
  EXPECT_EQ(three->threshold, 3);
  EXPECT_EQ(three->share_holders.size(), 4u);
  const std::string id = HeldTranscript("CASE-3", "three of four");
  auto request = File("alice", "CASE-3", {id});
  ASSERT_TRUE(request.ok());
  EXPECT_FALSE(Approve("alice", request->id)->executed);
  EXPECT_FALSE(Approve("bob", request->id)->executed);  // two are not enough
  auto third = Approve("dave", request->id);
  ASSERT_TRUE(third.ok()) << third.status().ToString();
  ASSERT_TRUE(third->executed);
  EXPECT_EQ(third->transcripts.at(0).messages.at(0).text, "three of four");

  const std::string file = CaseFile();
  for (int bad : {1, -1, 256}) {
    EXPECT_EQ(Reason(OpenCaseWithThreshold("alice", "CASE-X", bad).status()), "invalid_threshold")
        << bad;
  }
  EXPECT_EQ(Reason(OpenCaseWithThreshold("alice", "CASE-X", 5).status()), "too_few_officers");
  EXPECT_EQ(CaseFile(), file);
  EXPECT_EQ(vault_->GetCase(caller_, "CASE-X").status().reason(), "no_case");
  // Every refusal is audited: CASE-3 opened, then four refusals.
  EXPECT_EQ(AuditPayloads("case.open").size(), 1u + 4u);
}

TEST_F(ReshareTest, TheConfiguredThresholdIsTheDefault) {
  case_threshold_ = 3;
  Reopen();
  auto opened = OpenCase("alice", "CASE-1");
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->threshold, 3);
  // A case asking for 2 explicitly still may.
  auto two = OpenCaseWithThreshold("alice", "CASE-2", 2);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(two->threshold, 2);
}

TEST_F(ReshareTest, ResharingMayChangeTheThreshold) {
  Enrol("dave");
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string id = HeldTranscript("CASE-1", "x");
  auto filed = FileReshare("alice", "CASE-1", 3);
  ASSERT_TRUE(filed.ok()) << filed.status().ToString();
  EXPECT_EQ(filed->threshold, 3);
  ASSERT_TRUE(Approve("alice", filed->id).ok());
  // The resharing itself needs the case's current threshold (2).
  ASSERT_TRUE(Approve("bob", filed->id)->executed);
  EXPECT_EQ(vault_->GetCase(caller_, "CASE-1")->info.threshold, 3);
  auto request = File("alice", "CASE-1", {id});
  ASSERT_TRUE(request.ok());
  EXPECT_FALSE(Approve("alice", request->id)->executed);
  EXPECT_FALSE(Approve("bob", request->id)->executed);
  EXPECT_TRUE(Approve("carol", request->id)->executed);
}

TEST_F(ReshareTest, RefusalsChangeNothing) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  Enrol("dave");  // holds no share of CASE-1
  const std::string file = CaseFile();
  // By an officer who holds no share.
  EXPECT_EQ(Reason(FileReshare("dave", "CASE-1").status()), "no_share");
  // With a threshold out of range: below 2, above 255, above the officers
  // enrolled now (4).
  for (int bad : {1, -3, 256}) {
    EXPECT_EQ(Reason(FileReshare("alice", "CASE-1", bad).status()), "invalid_threshold") << bad;
  }
  EXPECT_EQ(Reason(FileReshare("alice", "CASE-1", 5).status()), "too_few_officers");
  // With transcripts listed.
  {
    RequestFiling f;
    f.kind = RequestKind::kReshare;
    f.case_id = "CASE-1";
    f.transcripts = {std::string(32, 'a')};
    f.reason = "x";
    f.expires_at = clock_.NowMillis() + kHour;
    ASSERT_TRUE(
        safeguard::SignFiling(officers_["alice"], "alice", VaultId(), clock_.NowMillis(), &f).ok());
    EXPECT_EQ(Reason(vault_->FileRequest(caller_, f).status()), "invalid_transcripts");
  }
  // Of an unknown case.
  EXPECT_EQ(Reason(FileReshare("alice", "CASE-9").status()), "no_case");
  // By one officer: pending, nothing dealt.
  auto filed = FileReshare("alice", "CASE-1");
  ASSERT_TRUE(filed.ok());
  EXPECT_FALSE(Approve("alice", filed->id)->executed);
  // Dave's tool finds no share of his to offer; an approval he signs over
  // some other share is refused by the vault.
  {
    auto request = vault_->GetRequest(caller_, filed->id, "dave");
    ASSERT_TRUE(request.ok());
    EXPECT_EQ(request->officer_share, "");
    Approval a;
    a.officer = "dave";
    a.share = std::string(113, 'x');
    auto sig = safeguard::Sign(officers_["dave"].sign,
                               safeguard::ApprovalMessage(request->text, "dave", a.share));
    ASSERT_TRUE(sig.ok());
    a.signature = *sig;
    EXPECT_EQ(Reason(vault_->Approve(caller_, filed->id, a).status()), "no_share");
  }
  EXPECT_EQ(vault_->GetRequest(caller_, filed->id, "")->state, "pending");
  EXPECT_EQ(CaseFile(), file);
  EXPECT_EQ(vault_->GetCase(caller_, "CASE-1")->info.share_holders,
            (std::vector<std::string>{"alice", "bob", "carol"}));
  // Every refusal above is audited as refused.
  size_t refused = 0;
  for (const std::string& p : AuditPayloads("request.file")) {
    if (p.find("\"ok\"") == std::string::npos) ++refused;
  }
  EXPECT_EQ(refused, 7u);
}

TEST_F(ReshareTest, AReleasedCaseCannotBeReshared) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  auto release = File("alice", "CASE-1", {}, RequestKind::kRelease);
  ASSERT_TRUE(release.ok());
  ASSERT_TRUE(Approve("alice", release->id).ok());
  ASSERT_TRUE(Approve("bob", release->id)->executed);
  const std::string file = CaseFile();
  EXPECT_EQ(Reason(FileReshare("alice", "CASE-1").status()), "case_released");
  EXPECT_EQ(CaseFile(), file);
}

TEST_F(ReshareTest, OfficersRevokedSinceFilingLeaveTooFewForTheNewThreshold) {
  Enrol("dave");
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  auto filed = FileReshare("alice", "CASE-1", 4);
  ASSERT_TRUE(filed.ok()) << filed.status().ToString();
  ASSERT_TRUE(Approve("alice", filed->id).ok());
  ASSERT_TRUE(vault_->RevokeOfficer(caller_, "dave", {}).ok());
  const std::string file = CaseFile();
  EXPECT_EQ(Reason(Approve("bob", filed->id).status()), "too_few_officers");
  EXPECT_EQ(CaseFile(), file);
  // Not taken: the request stays pending with Alice's approval alone, and
  // once a fourth officer is active again Bob's approval carries it out.
  auto pending = vault_->GetRequest(caller_, filed->id, "");
  EXPECT_EQ(pending->state, "pending");
  EXPECT_EQ(pending->approved_by, (std::vector<std::string>{"alice"}));
  Enrol("erin");
  auto done = Approve("bob", filed->id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_TRUE(done->executed);
  auto c = vault_->GetCase(caller_, "CASE-1");
  EXPECT_EQ(c->info.threshold, 4);
  EXPECT_EQ(c->info.share_holders,
            (std::vector<std::string>{"alice", "bob", "carol", "erin"}));
}

TEST_F(ReshareTest, TheOfficerListAndMetricsSayWhichCasesNeedResharing) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  ASSERT_TRUE(OpenCaseWithThreshold("alice", "CASE-3", 3).ok());
  EXPECT_EQ(Health().at_threshold, (std::vector<std::string>{"CASE-3"}));
  EXPECT_TRUE(Health().stranded.empty());
  EXPECT_TRUE(Health().reshare_advised.empty());
  auto m = vault_->Metrics();
  EXPECT_EQ(m.cases_at_threshold, 1u);
  EXPECT_EQ(m.cases_stranded, 0u);

  // A new officer holds no share of either: resharing is advised.
  Enrol("dave");
  EXPECT_EQ(Health().reshare_advised, (std::vector<std::string>{"CASE-1"}));
  EXPECT_EQ(vault_->GetCase(caller_, "CASE-1")->info.share_status, "reshare_advised");

  // Carol leaves: CASE-1 is one departure from stranded; revoking her
  // strands CASE-3, so it is refused and names the case, unless forced.
  const std::string file = CaseFile();
  auto refused = vault_->RevokeOfficer(caller_, "carol", {});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(Reason(refused.status()), "would_strand_cases");
  EXPECT_NE(refused.status().message().find("CASE-3"), std::string::npos);
  EXPECT_EQ(refused.status().message().find("CASE-1"), std::string::npos);
  EXPECT_EQ(CaseFile(), file);
  auto list = vault_->ListOfficers(caller_);
  for (const OfficerInfo& o : list->officers) EXPECT_EQ(o.revoked_at, 0) << o.id;
  const std::vector<std::string> refusals = AuditPayloads("officer.revoke");
  ASSERT_FALSE(refusals.empty());
  EXPECT_NE(refusals.back().find("would_strand_cases"), std::string::npos);
  EXPECT_NE(refusals.back().find("CASE-3"), std::string::npos);

  auto forced = vault_->RevokeOfficer(caller_, "carol", {.force = true});
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  EXPECT_NE(forced->revoked_at, 0);
  EXPECT_NE(AuditPayloads("officer.revoke").back().find("\"stranded\""), std::string::npos);
  EXPECT_EQ(Health().at_threshold, (std::vector<std::string>{"CASE-1"}));
  EXPECT_EQ(Health().stranded, (std::vector<std::string>{"CASE-3"}));
  m = vault_->Metrics();
  EXPECT_EQ(m.cases_at_threshold, 1u);
  EXPECT_EQ(m.cases_stranded, 1u);
  EXPECT_EQ(vault_->GetCase(caller_, "CASE-3")->info.share_status, "stranded");

  // Resharing CASE-1 to alice, bob and dave brings it back to health; a
  // stranded case cannot be reshared (its share holders cannot approve).
  auto filed = FileReshare("alice", "CASE-1");
  ASSERT_TRUE(filed.ok());
  ASSERT_TRUE(Approve("alice", filed->id).ok());
  ASSERT_TRUE(Approve("bob", filed->id)->executed);
  EXPECT_TRUE(Health().at_threshold.empty());
  EXPECT_EQ(vault_->GetCase(caller_, "CASE-1")->info.share_status, "ok");
  EXPECT_EQ(vault_->Metrics().cases_at_threshold, 0u);
  // Released cases count for nothing.
  auto release = File("alice", "CASE-1", {}, RequestKind::kRelease);
  ASSERT_TRUE(Approve("alice", release->id).ok());
  ASSERT_TRUE(Approve("dave", release->id)->executed);
  EXPECT_EQ(Health().stranded, (std::vector<std::string>{"CASE-3"}));
  EXPECT_TRUE(Health().reshare_advised.empty());
}

TEST_F(ReshareTest, AReshareSurvivesAReopen) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string id = HeldTranscript("CASE-1", "kept");
  Enrol("dave");
  auto filed = FileReshare("alice", "CASE-1");
  ASSERT_TRUE(Approve("alice", filed->id).ok());
  ASSERT_TRUE(Approve("bob", filed->id)->executed);
  const UnixMillis reshared_at = vault_->GetCase(caller_, "CASE-1")->info.reshared_at;
  Reopen();
  auto c = vault_->GetCase(caller_, "CASE-1");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->info.reshared_at, reshared_at);
  EXPECT_EQ(c->info.share_holders.size(), 4u);
  EXPECT_EQ(Unsealed("dave", "carol", "CASE-1", id), "kept");
}

}  // namespace
}  // namespace vault::testing
