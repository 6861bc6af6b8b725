// Legal hold: two-officer unseal and release requests, their approvals and
// every refusal, on a real store with a manual clock. Officers, cases and
// holds: holds_test.cc.
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


TEST_F(HoldsTest, UnsealOpensOnlyTheListedTranscriptsAndNamesItsAuditRecord) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string a = HeldTranscript("CASE-1", "first");
  const std::string b = HeldTranscript("CASE-1", "second");
  auto request = File("alice", "CASE-1", {b});
  ASSERT_TRUE(request.ok());
  EXPECT_EQ(request->text, safeguard::RequestText(VaultId(), *request));
  auto first = Approve("alice", request->id);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_FALSE(first->executed);
  EXPECT_TRUE(first->transcripts.empty());
  auto second = Approve("bob", request->id);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  ASSERT_TRUE(second->executed);
  ASSERT_EQ(second->transcripts.size(), 1u);
  EXPECT_EQ(second->transcripts[0].info.id, b);
  EXPECT_EQ(second->transcripts[0].messages.at(0).text, "second");
  EXPECT_EQ(second->request.state, "used");
  EXPECT_EQ(second->request.approved_by, (std::vector<std::string>{"alice", "bob"}));
  // The footer's hash is the hash of the unseal record in the log.
  auto records = vault_->audit_log()->Read(second->audit_seq, 1);
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->size(), 1u);
  EXPECT_EQ(ToHex(std::string_view(reinterpret_cast<const char*>((*records)[0].hash.data()), 32)),
            second->audit_hash);
  EXPECT_NE((*records)[0].record.payload.find("transcript.unseal"), std::string::npos);
  EXPECT_NE((*records)[0].record.payload.find(b), std::string::npos);
  EXPECT_EQ((*records)[0].record.payload.find(a), std::string::npos);
  EXPECT_EQ((*records)[0].record.payload.find("second"), std::string::npos);
}

TEST_F(HoldsTest, OneApprovalOpensNothing) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string id = HeldTranscript("CASE-1", "x");
  auto request = File("alice", "CASE-1", {id});
  auto one = Approve("alice", request->id);
  ASSERT_TRUE(one.ok());
  EXPECT_FALSE(one->executed);
  EXPECT_TRUE(one->transcripts.empty());
  EXPECT_EQ(vault_->GetRequest(caller_, request->id, "")->state, "pending");
}

TEST_F(HoldsTest, TheSameOfficerTwiceIsRefused) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string id = HeldTranscript("CASE-1", "x");
  auto request = File("alice", "CASE-1", {id});
  ASSERT_TRUE(Approve("alice", request->id).ok());
  auto again = Approve("alice", request->id);
  EXPECT_EQ(Reason(again.status()), "already_approved");
  EXPECT_EQ(vault_->GetRequest(caller_, request->id, "")->state, "pending");
}

TEST_F(HoldsTest, ARevokedOfficerCannotApprove) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string id = HeldTranscript("CASE-1", "x");
  auto request = File("alice", "CASE-1", {id});
  ASSERT_TRUE(Approve("alice", request->id).ok());
  const Approval bobs = MakeApproval("bob", request->id);
  ASSERT_TRUE(vault_->RevokeOfficer(caller_, "bob", {}).ok());
  EXPECT_EQ(Reason(vault_->Approve(caller_, request->id, bobs).status()), "officer_revoked");
  EXPECT_TRUE(Approve("carol", request->id)->executed);
}

TEST_F(HoldsTest, AnApprovalStopsCountingWhenItsOfficerIsRevoked) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string id = HeldTranscript("CASE-1", "x");
  auto request = File("alice", "CASE-1", {id});
  ASSERT_TRUE(Approve("alice", request->id).ok());
  ASSERT_TRUE(vault_->RevokeOfficer(caller_, "alice", {}).ok());
  auto bob = Approve("bob", request->id);
  ASSERT_TRUE(bob.ok()) << bob.status().ToString();
  EXPECT_FALSE(bob->executed);
  EXPECT_TRUE(bob->transcripts.empty());
  EXPECT_EQ(bob->request.approved_by, (std::vector<std::string>{"bob"}));
  auto carol = Approve("carol", request->id);
  ASSERT_TRUE(carol.ok());
  EXPECT_TRUE(carol->executed);
  EXPECT_EQ(carol->request.approved_by, (std::vector<std::string>{"bob", "carol"}));
}

TEST_F(HoldsTest, ASignatureOverAnotherRequestIsRefused) {
  // Two cases: one case has at most one pending request.
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  ASSERT_TRUE(OpenCase("alice", "CASE-2").ok());
  const std::string x = HeldTranscript("CASE-1", "x");
  const std::string y = HeldTranscript("CASE-2", "y");
  auto rx = File("alice", "CASE-1", {x});
  auto ry = File("alice", "CASE-2", {y});
  ASSERT_TRUE(rx.ok() && ry.ok());
  ASSERT_TRUE(Approve("alice", ry->id).ok());
  // Bob's approval of request x, presented for request y.
  const Approval for_x = MakeApproval("bob", rx->id);
  EXPECT_EQ(Reason(vault_->Approve(caller_, ry->id, for_x).status()), "bad_signature");
  // Bob's valid signature with another officer's id.
  Approval renamed = MakeApproval("bob", ry->id);
  renamed.officer = "carol";
  EXPECT_EQ(Reason(vault_->Approve(caller_, ry->id, renamed).status()), "bad_signature");
  EXPECT_EQ(vault_->GetRequest(caller_, ry->id, "")->state, "pending");
}

TEST_F(HoldsTest, AnExpiredRequestIsRefused) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string id = HeldTranscript("CASE-1", "x");
  auto request = File("alice", "CASE-1", {id});
  ASSERT_TRUE(Approve("alice", request->id).ok());
  const Approval bobs = MakeApproval("bob", request->id);
  clock_.Advance(kHour + 1);
  EXPECT_EQ(Reason(vault_->Approve(caller_, request->id, bobs).status()), "request_expired");
  // And no request may be filed to last longer than the maximum.
  RequestFiling f = Filing("alice", "CASE-1", {id});
  f.expires_at = clock_.NowMillis() + 25 * kHour;
  ASSERT_TRUE(
      safeguard::SignFiling(officers_["alice"], "alice", VaultId(), clock_.NowMillis(), &f).ok());
  EXPECT_EQ(Reason(vault_->FileRequest(caller_, f).status()), "invalid_expiry");
}

TEST_F(HoldsTest, AReplayedApprovalIsRefused) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string id = HeldTranscript("CASE-1", "x");
  auto request = File("alice", "CASE-1", {id});
  const Approval alices = MakeApproval("alice", request->id);
  const Approval bobs = MakeApproval("bob", request->id);
  ASSERT_TRUE(vault_->Approve(caller_, request->id, alices).ok());
  ASSERT_TRUE(vault_->Approve(caller_, request->id, bobs)->executed);
  EXPECT_EQ(Reason(vault_->Approve(caller_, request->id, bobs).status()), "request_used");
  EXPECT_EQ(Reason(vault_->Approve(caller_, request->id, alices).status()), "request_used");
  // A new request for the same transcript needs new approvals.
  auto again = File("alice", "CASE-1", {id});
  EXPECT_EQ(Reason(vault_->Approve(caller_, again->id, bobs).status()), "bad_signature");
}

TEST_F(HoldsTest, ATamperedShareIsRefused) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string id = HeldTranscript("CASE-1", "x");
  auto request = File("alice", "CASE-1", {id});
  ASSERT_TRUE(Approve("alice", request->id).ok());
  // Changed in transit: the signature no longer matches.
  Approval bobs = MakeApproval("bob", request->id);
  bobs.share[40] ^= 1;
  EXPECT_EQ(Reason(vault_->Approve(caller_, request->id, bobs).status()), "bad_signature");
  // Signed as it is, but a share that is not Bob's: re-sealed garbage, and
  // Carol's share presented as Bob's.
  auto r = vault_->GetRequest(caller_, request->id, "bob");
  std::string request_key;
  ASSERT_TRUE(FromBase64(r->request_key, &request_key));
  const std::string ad = safeguard::ShareAd("CASE-1");
  std::string fake = ad + std::string(1, '\x02') + std::string(32, 'A');
  Approval forged;
  forged.officer = "bob";
  forged.share.assign(fake.size() + crypto_box_SEALBYTES, '\0');
  crypto_box_seal(reinterpret_cast<unsigned char*>(forged.share.data()),
                  reinterpret_cast<const unsigned char*>(fake.data()), fake.size(),
                  reinterpret_cast<const unsigned char*>(request_key.data()));
  forged.signature = *safeguard::Sign(officers_["bob"].sign,
                                      safeguard::ApprovalMessage(r->text, "bob", forged.share));
  EXPECT_EQ(Reason(vault_->Approve(caller_, request->id, forged).status()), "invalid_share");
  Approval carols_share = MakeApproval("carol", request->id);
  carols_share.officer = "bob";
  carols_share.signature = *safeguard::Sign(
      officers_["bob"].sign, safeguard::ApprovalMessage(r->text, "bob", carols_share.share));
  EXPECT_EQ(Reason(vault_->Approve(caller_, request->id, carols_share).status()), "invalid_share");
  EXPECT_EQ(vault_->GetRequest(caller_, request->id, "")->state, "pending");
}

TEST_F(HoldsTest, ATranscriptNotInTheCaseCannotBeRequested) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  ASSERT_TRUE(OpenCase("alice", "CASE-2").ok());
  const std::string in_1 = HeldTranscript("CASE-1", "x");
  const std::string in_2 = HeldTranscript("CASE-2", "y");
  const std::string free = ClosedTranscript("z");
  EXPECT_EQ(Reason(File("alice", "CASE-1", {in_1, in_2}).status()), "not_in_case");
  EXPECT_EQ(Reason(File("alice", "CASE-1", {free}).status()), "not_in_case");
  EXPECT_EQ(Reason(File("alice", "CASE-1", {in_1, in_1}).status()), "invalid_transcripts");
}

TEST_F(HoldsTest, PendingRequestsDoNotSurviveARestartButHoldsDo) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string id = HeldTranscript("CASE-1", "kept across restarts");
  auto request = File("alice", "CASE-1", {id});
  ASSERT_TRUE(Approve("alice", request->id).ok());
  Reopen();
  EXPECT_EQ(Reason(vault_->GetRequest(caller_, request->id, "").status()), "no_request");
  auto again = File("alice", "CASE-1", {id});
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE(Approve("alice", again->id).ok());
  auto done = Approve("bob", again->id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->transcripts.at(0).messages.at(0).text, "kept across restarts");
}

TEST_F(HoldsTest, ReleaseDestroysTheCaseKeyAndReturnsOrDestroysEachTranscript) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string old = HeldTranscript("CASE-1", "held long ago");
  clock_.Advance(kRetention + 3 * kEpoch);
  ASSERT_TRUE(vault_->RunRetention().ok());
  const std::string recent = HeldTranscript("CASE-1", "held recently");
  auto request = File("alice", "CASE-1", {}, RequestKind::kRelease);
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  ASSERT_TRUE(Approve("alice", request->id).ok());
  auto done = Approve("bob", request->id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_TRUE(done->executed);
  EXPECT_EQ(done->returned, 1u);
  EXPECT_EQ(done->destroyed, 1u);
  EXPECT_EQ(Reason(vault_->GetTranscript(caller_, old).status()), "expired");
  auto back = vault_->GetTranscript(caller_, recent);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->messages.at(0).text, "held recently");
  EXPECT_EQ(vault_->Metrics().held_transcripts, 0u);
  // The case key is gone; the case is released and takes no more holds.
  auto c = vault_->GetCase(caller_, "CASE-1");
  EXPECT_EQ(c->info.state, "released");
  EXPECT_TRUE(c->info.public_key.empty());
  EXPECT_TRUE(c->info.share_holders.empty());
  EXPECT_EQ(Reason(Hold("alice", "CASE-1", ClosedTranscript("n")).status()), "case_released");
  // Back to normal expiry: shredded on schedule.
  clock_.Set(back->info.expires_at + 2 * kEpoch);
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_EQ(Reason(vault_->GetTranscript(caller_, recent).status()), "expired");
}

// Cryptographic dual control: everything the vault host holds, plus one
// officer's keys, opens no held transcript.
TEST_F(HoldsTest, TheDataDirectoryRootKeyAndOneOfficerCannotOpenAHeldTranscript) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string id = ClosedTranscript("only two officers may read this");
  const std::string raw = RawId(id);
  auto wrapped_before = vault_->store()->Get(Column::kWrappedKeys, raw);
  ASSERT_TRUE(wrapped_before.ok());
  auto dek = vault_->keyring()->UnwrapKey(*wrapped_before, raw);
  ASSERT_TRUE(dek.ok());
  const std::string dek_bytes(reinterpret_cast<const char*>(dek->insecure_data()), 32);
  ASSERT_TRUE(Hold("alice", "CASE-1", id).ok());
  vault_.reset();

  // 1. The keyring and root key: no wrapped key of the transcript is left
  //    anywhere in the store, and the old one is in no file.
  {
    auto custodian = KeyFileCustodian::Open(dir_.path() + "/data/keys/root.key", false);
    ASSERT_TRUE(custodian.ok());
    Keyring::Params params{dir_.path() + "/data/keys/keyring", kEpoch, kRetention};
    auto keyring = Keyring::Open(params, custodian->get(), &clock_, false);
    ASSERT_TRUE(keyring.ok());
    auto store = Store::Open(dir_.path() + "/data/db");
    ASSERT_TRUE(store.ok());
    size_t opened = 0;
    ASSERT_TRUE((*store)
                    ->Scan(Column::kWrappedKeys, "",
                           [&](std::string_view k, std::string_view v) {
                             if ((*keyring)->UnwrapKey(v, raw).ok()) ++opened;
                             (void)k;
                             return true;
                           })
                    .ok());
    EXPECT_EQ(opened, 0u);
  }
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_.path() + "/data")) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(bytes.find(*wrapped_before), std::string::npos) << e.path();
    EXPECT_EQ(bytes.find(dek_bytes), std::string::npos) << e.path();
    ++files;
  }
  EXPECT_GT(files, 5u);

  // 2. The safeguarding file (with the root key) and Alice's secret: Alice
  //    opens her own share, and no other.
  auto custodian = KeyFileCustodian::Open(dir_.path() + "/data/keys/root.key", false);
  auto root = (*custodian)->LoadRootKey();
  std::ifstream in(dir_.path() + "/data/keys/safeguarding", std::ios::binary);
  const std::string file((std::istreambuf_iterator<char>(in)), {});
  auto state = safeguard::DecodeSafeguardFile(file, *root);
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  const safeguard::StoredCase* c = state->FindCase("CASE-1");
  ASSERT_NE(c, nullptr);
  int opened_by_alice = 0;
  for (const auto& share : c->shares) {
    std::string plain(share.sealed.size() - crypto_box_SEALBYTES, '\0');
    if (crypto_box_seal_open(reinterpret_cast<unsigned char*>(plain.data()),
                             reinterpret_cast<const unsigned char*>(share.sealed.data()),
                             share.sealed.size(), officers_["alice"].pub.seal.data(),
                             officers_["alice"].seal.secret().insecure_data()) == 0) {
      ++opened_by_alice;
      EXPECT_EQ(share.officer, "alice");
    }
  }
  EXPECT_EQ(opened_by_alice, 1);
  // 3. One share alone is not the case secret: as a key it does not give the
  //    case public key.
  // (Shamir with threshold 2 leaks nothing about the secret from one share:
  // tests/crypto/shamir_test.cc.)
  Reopen();
  EXPECT_EQ(Reason(vault_->GetTranscript(caller_, id).status()), "legal_hold");
}

TEST_F(HoldsTest, TheSecondOfficerReadsTheReasonAndTheExecutionIsTimedByTheVault) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string id = HeldTranscript("CASE-1", "x");
  auto request = File("alice", "CASE-1", {id});
  auto seen = vault_->GetRequest(caller_, request->id, "bob");
  ASSERT_TRUE(seen.ok());
  EXPECT_EQ(seen->reason, "Police request under section 29, reference 1234.");
  EXPECT_EQ(safeguard::ReasonHash(seen->reason), seen->reason_hash);
  // A reason that does not match the hash the approval signs is refused by
  // the officer's tool.
  RequestInfo doctored = *seen;
  doctored.reason = "Routine check";
  EXPECT_EQ(safeguard::MakeApproval(officers_["bob"], "bob", VaultId(), doctored).status().reason(),
            "invalid_request");
  ASSERT_TRUE(Approve("alice", request->id).ok());
  clock_.Advance(1234);
  auto done = Approve("bob", request->id);
  ASSERT_TRUE(done.ok());
  EXPECT_EQ(done->executed_at, clock_.NowMillis());
}
}  // namespace
}  // namespace vault::testing
