// Legal hold: officers, cases, holds, two-officer unseal and release, and
// every refusal, on a real store with a manual clock.
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

std::string Reason(const Status& s) { return s.reason(); }

class HoldsTest : public HoldsFixture {};

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
  auto revoked = vault_->RevokeOfficer(caller_, "carol");
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
  ASSERT_TRUE(vault_->RevokeOfficer(caller_, "bob").ok());
  ASSERT_TRUE(vault_->RevokeOfficer(caller_, "carol").ok());
  EXPECT_EQ(Reason(OpenCase("alice", "CASE-2").status()), "too_few_officers");
}

TEST_F(HoldsTest, AHeldTranscriptIsClosedToAgentsAndOutlivesItsRetention) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string held = HeldTranscript("CASE-1", "I am scared to go home");
  const std::string other = ClosedTranscript("thanks, bye");
  EXPECT_EQ(Reason(vault_->GetTranscript(caller_, held).status()), "legal_hold");
  EXPECT_EQ(vault_->GetTranscript(caller_, held).status().code(),
            Status::Code::kFailedPrecondition);
  EXPECT_EQ(Reason(vault_->EraseTranscript(caller_, held)), "legal_hold");

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
  ASSERT_TRUE(vault_->RevokeOfficer(caller_, "bob").ok());
  EXPECT_EQ(Reason(vault_->Approve(caller_, request->id, bobs).status()), "officer_revoked");
  EXPECT_TRUE(Approve("carol", request->id)->executed);
}

TEST_F(HoldsTest, AnApprovalStopsCountingWhenItsOfficerIsRevoked) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string id = HeldTranscript("CASE-1", "x");
  auto request = File("alice", "CASE-1", {id});
  ASSERT_TRUE(Approve("alice", request->id).ok());
  ASSERT_TRUE(vault_->RevokeOfficer(caller_, "alice").ok());
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
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string x = HeldTranscript("CASE-1", "x");
  const std::string y = HeldTranscript("CASE-1", "y");
  auto rx = File("alice", "CASE-1", {x});
  auto ry = File("alice", "CASE-1", {y});
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

TEST_F(HoldsTest, RevokingTwiceChangesNothingAndIsAuditedBothTimes) {
  ASSERT_TRUE(vault_->RevokeOfficer(caller_, "carol").ok());
  auto again = vault_->RevokeOfficer(caller_, "carol");
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
