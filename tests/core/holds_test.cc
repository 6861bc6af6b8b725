// Legal hold: officers, cases and holds, and every refusal, on a real store
// with a manual clock. Requests, unseal and release: hold_requests_test.cc.
#include <gtest/gtest.h>
#include <sodium.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/core/holds_fixture.h"
#include "vault/common/encoding.h"
#include "vault/crypto/shamir.h"
#include "vault/hold/case_store.h"
#include "vault/officer/statement.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;


TEST_F(HoldsTest, OnlyAdminsEnrolAndRevokeOfficersAndBothAreAudited) {
  Caller officer_only = caller_;
  officer_only.roles = RoleSet();
  officer_only.roles.Add(Role::kOfficer);
  auto keys = safeguard::OfficerKeys::Generate();
  auto token = safeguard::EnrolmentToken(*keys);
  EXPECT_EQ(vault_->EnrolOfficer(officer_only, "dave", *token).status().code(),
            Status::Code::kPermissionDenied);
  EXPECT_EQ(Reason(vault_->EnrolOfficer(caller_, "Dave!", *token).status()), "invalid_officer_id");
  EXPECT_EQ(Reason(vault_->EnrolOfficer(caller_, "dave", "tv-officer-v1:AAAA").status()),
            "invalid_officer_key");
  EXPECT_EQ(Reason(vault_->EnrolOfficer(caller_, "alice", *token).status()), "officer_exists");
  auto revoked = vault_->RevokeOfficer(caller_, "carol", {});
  ASSERT_TRUE(revoked.ok());
  EXPECT_FALSE(revoked->active());
  auto list = vault_->ListOfficers(caller_);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->officers.size(), 3u);
  EXPECT_FALSE(list->officers[2].active());

  auto records = vault_->audit_log()->Read(0, 1000);
  ASSERT_TRUE(records.ok());
  int enrolled = 0, revoked_records = 0, refused = 0;
  for (const auto& r : *records) {
    const std::string& p = r.record.payload;
    if (p.find("\"officer.enrol\"") != std::string::npos && p.find("\"ok\"") != std::string::npos)
      ++enrolled;
    if (p.find("\"officer.revoke\"") != std::string::npos) ++revoked_records;
    if (p.find("\"officer.enrol\"") != std::string::npos && p.find("\"ok\"") == std::string::npos)
      ++refused;
  }
  EXPECT_EQ(enrolled, 3);
  EXPECT_EQ(revoked_records, 1);
  EXPECT_EQ(refused, 4);
}

TEST_F(HoldsTest, ACaseKeyIsSplitTwoOfNAndTheSecretIsStoredNowhere) {
  auto c = OpenCase("alice", "CASE-1");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->share_holders, (std::vector<std::string>{"alice", "bob", "carol"}));
  EXPECT_EQ(c->threshold, 2);
  EXPECT_EQ(Reason(OpenCase("bob", "CASE-1").status()), "case_exists");

  // Two officers' shares give a secret whose public key is the case key;
  // that secret appears in no file of the data directory.
  const std::string id = HeldTranscript("CASE-1", "a disclosure");
  auto request = File("alice", "CASE-1", {id});
  ASSERT_TRUE(request.ok());
  std::vector<shamir::Share> shares;
  for (const char* name : {"alice", "bob"}) {
    auto r = vault_->GetRequest(caller_, request->id, name);
    std::string sealed;
    ASSERT_TRUE(FromBase64(r->officer_share, &sealed));
    std::string plain(sealed.size() - crypto_box_SEALBYTES, '\0');
    ASSERT_EQ(crypto_box_seal_open(reinterpret_cast<unsigned char*>(plain.data()),
                                   reinterpret_cast<const unsigned char*>(sealed.data()),
                                   sealed.size(), officers_[name].pub.seal.data(),
                                   officers_[name].seal.secret().insecure_data()),
              0);
    const size_t ad = safeguard::ShareAd("CASE-1").size();
    shamir::Share s;
    s.x = static_cast<uint8_t>(plain[ad]);
    s.y = std::move(
        SecretBytes::CopyFrom(reinterpret_cast<const uint8_t*>(plain.data()) + ad + 1, 32).value());
    shares.push_back(std::move(s));
  }
  auto secret = shamir::Combine({&shares[0], &shares[1]});
  ASSERT_TRUE(secret.ok());
  uint8_t pk[32];
  crypto_scalarmult_base(pk, secret->insecure_data());
  std::string pk_b64 = ToBase64(std::string(reinterpret_cast<char*>(pk), 32));
  EXPECT_EQ(pk_b64, c->public_key);
  const std::string needle(reinterpret_cast<const char*>(secret->insecure_data()), 32);
  vault_.reset();
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_.path() + "/data")) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(bytes.find(needle), std::string::npos) << e.path();
    ++files;
  }
  EXPECT_GT(files, 5u);
}

TEST_F(HoldsTest, ACaseNeedsTwoActiveOfficers) {
  ASSERT_TRUE(vault_->RevokeOfficer(caller_, "bob", {}).ok());
  ASSERT_TRUE(vault_->RevokeOfficer(caller_, "carol", {}).ok());
  EXPECT_EQ(Reason(OpenCase("alice", "CASE-2").status()), "too_few_officers");
}

TEST_F(HoldsTest, AHeldTranscriptIsClosedToAgentsAndOutlivesItsRetention) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string held = HeldTranscript("CASE-1", "I am scared to go home");
  const std::string other = ClosedTranscript("thanks, bye");
  EXPECT_EQ(Reason(vault_->GetTranscript(caller_, held).status()), "legal_hold");
  EXPECT_EQ(vault_->GetTranscript(caller_, held).status().code(),
            Status::Code::kFailedPrecondition);
  EXPECT_EQ(Reason(vault_->EraseTranscript(caller_, held, EraseReason::kNone)), "legal_hold");
  // Not at the visitor's request either: the hold takes precedence.
  Caller writer;
  writer.roles.Add(Role::kWriter);
  writer.write_scope = ServiceScope::Everything();
  EXPECT_EQ(Reason(vault_->EraseTranscript(writer, held, EraseReason::kVisitorRequest)),
            "legal_hold");

  // Past the retention period: the other one is shredded, the held one not.
  clock_.Advance(kRetention + 3 * kEpoch);
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_EQ(Reason(vault_->GetTranscript(caller_, other).status()), "expired");
  EXPECT_EQ(Reason(vault_->GetTranscript(caller_, held).status()), "legal_hold");

  auto holds = vault_->ListHolds(caller_, held);
  ASSERT_TRUE(holds.ok());
  ASSERT_EQ(holds->size(), 1u);
  EXPECT_EQ((*holds)[0].case_id, "CASE-1");
  EXPECT_EQ((*holds)[0].held_by, "alice");
  auto detail = vault_->GetCase(caller_, "CASE-1");
  ASSERT_TRUE(detail.ok());
  ASSERT_EQ(detail->holds.size(), 1u);
  EXPECT_EQ(detail->holds[0].transcript_id, held);
  EXPECT_EQ(vault_->Metrics().held_transcripts, 1u);

  auto request = File("bob", "CASE-1", {held});
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  ASSERT_TRUE(Approve("bob", request->id).ok());
  auto result = Approve("carol", request->id);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ASSERT_TRUE(result->executed);
  ASSERT_EQ(result->transcripts.size(), 1u);
  EXPECT_EQ(result->transcripts[0].messages.at(0).text, "I am scared to go home");
  EXPECT_EQ(result->transcripts[0].visitor.name, "Alice");
}

TEST_F(HoldsTest, HoldRefusals) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  ASSERT_TRUE(OpenCase("alice", "CASE-2").ok());
  const std::string open = Create();
  EXPECT_EQ(Reason(Hold("alice", "CASE-1", open).status()), "transcript_open");
  EXPECT_EQ(Reason(Hold("alice", "NO-SUCH", ClosedTranscript("x")).status()), "no_case");
  const std::string held = HeldTranscript("CASE-1", "x");
  EXPECT_TRUE(Hold("bob", "CASE-1", held).ok());  // the same hold again
  EXPECT_EQ(Reason(Hold("bob", "CASE-2", held).status()), "already_held");
  // Already shredded: 410.
  const std::string old = ClosedTranscript("y");
  clock_.Advance(kRetention + 3 * kEpoch);
  ASSERT_TRUE(vault_->RunRetention().ok());
  auto late = Hold("alice", "CASE-1", old);
  EXPECT_EQ(late.status().code(), Status::Code::kGone);
  // A statement signed by someone else's key, or too old.
  HoldPlacement h;
  h.case_id = "CASE-1";
  h.transcript_id = ClosedTranscript("z");
  ASSERT_TRUE(
      safeguard::SignHold(officers_["bob"], "alice", VaultId(), clock_.NowMillis(), &h).ok());
  EXPECT_EQ(Reason(vault_->PlaceHold(caller_, h).status()), "bad_signature");
  ASSERT_TRUE(safeguard::SignHold(officers_["alice"], "alice", VaultId(),
                                  clock_.NowMillis() - 10 * 60 * 1000, &h)
                  .ok());
  EXPECT_EQ(Reason(vault_->PlaceHold(caller_, h).status()), "stale_statement");
}

TEST_F(HoldsTest, AStoreWithHoldsRefusesToStartWithoutItsSafeguardingFile) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  HeldTranscript("CASE-1", "x");
  vault_.reset();
  const std::string file = dir_.path() + "/data/keys/safeguarding";
  fs::rename(file, file + ".away");
  Options o;
  o.data_dir = dir_.path() + "/data";
  o.epoch_ms = kEpoch;
  o.retention_ms = kRetention;
  o.retention_tick_ms = 0;
  auto refused = VaultImpl::Open(o, &clock_);
  EXPECT_EQ(refused.status().reason(), "safeguarding_missing");
  fs::rename(file + ".away", file);
  Reopen();
  EXPECT_EQ(vault_->GetCase(caller_, "CASE-1")->holds.size(), 1u);
}

TEST_F(HoldsTest, RevokingTwiceChangesNothingAndIsAuditedBothTimes) {
  ASSERT_TRUE(vault_->RevokeOfficer(caller_, "carol", {}).ok());
  auto again = vault_->RevokeOfficer(caller_, "carol", {});
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->active());
  auto records = vault_->audit_log()->Read(0, 1000);
  int revocations = 0;
  for (const auto& r : *records) {
    if (r.record.payload.find("\"officer.revoke\"") != std::string::npos) ++revocations;
  }
  EXPECT_EQ(revocations, 2);
}

TEST_F(HoldsTest, CallersWithoutTheOfficerRoleAreRefusedAndAudited) {
  Caller agent = caller_;
  agent.roles = RoleSet();
  agent.roles.Add(Role::kAgent);
  EXPECT_EQ(vault_->ListCases(agent).status().code(), Status::Code::kPermissionDenied);
  CaseOpening o;
  o.case_id = "CASE-9";
  o.reason = "r";
  ASSERT_TRUE(
      safeguard::SignCaseOpening(officers_["alice"], "alice", VaultId(), clock_.NowMillis(), &o)
          .ok());
  EXPECT_EQ(vault_->OpenCase(agent, o).status().code(), Status::Code::kPermissionDenied);
  auto records = vault_->audit_log()->Read(0, 1000);
  int refusals = 0;
  for (const auto& r : *records) {
    if (r.record.payload.find("\"case.open\"") != std::string::npos &&
        r.record.payload.find("\"forbidden\"") != std::string::npos) {
      ++refusals;
    }
  }
  EXPECT_EQ(refusals, 1);
}
}  // namespace
}  // namespace vault::testing
