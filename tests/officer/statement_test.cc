// The canonical texts officers sign (docs/formats/signed-statements.md):
// byte-exact for fixed inputs, and a signature over one verifies for that
// text only.
#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "vault/common/encoding.h"
#include "vault/crypto/box.h"
#include "vault/officer/officer.h"
#include "vault/officer/officer_actions.h"
#include "vault/officer/statement.h"

namespace vault::safeguard {
namespace {

constexpr char kVault[] = "tUmE39t7ji+LQngr8SKLPwPzfVeoGIZjpuP9jO6muWE=";
constexpr UnixMillis kTime = 1795991661548;     // 2026-11-29T22:34:21.548Z
constexpr UnixMillis kExpires = 1796596461548;  // 2026-12-06T22:34:21.548Z
constexpr char kReason[] = "Concern for a caller";
// BLAKE2b-256, personalisation "TV-reason-v1" + four NULs, of kReason.
constexpr char kReasonHash[] = "a019537b9794b0571a8cae59cfe1619a4072de60fbdebe42f7db01b1842c373e";

TEST(StatementTest, ReasonHash) {
  EXPECT_EQ(ReasonHash(kReason), kReasonHash);
  EXPECT_EQ(ReasonHash(""), "7c278ed23842b1e71281ea7924a4f2a97eebbcad1c316d20fad797e94576b13c");
}

TEST(StatementTest, HoldTextIsTheDocumentedExample) {
  HoldPlacement h{"CASE-2026-014", "d736f8cd6e3c9727f641e0305ce3f861", {"alice", kTime, ""}};
  EXPECT_EQ(HoldStatement(kVault, h),
            "transcript-vault officer statement v1\n"
            "action: hold.place\n"
            "vault: tUmE39t7ji+LQngr8SKLPwPzfVeoGIZjpuP9jO6muWE=\n"
            "officer: alice\n"
            "case: CASE-2026-014\n"
            "transcript: d736f8cd6e3c9727f641e0305ce3f861\n"
            "time: 2026-11-29T22:34:21.548Z\n");
}

TEST(StatementTest, CaseOpenText) {
  CaseOpening o{"CASE-2026-014", kReason, {"alice", kTime, ""}};
  EXPECT_EQ(CaseOpenStatement(kVault, o),
            std::string("transcript-vault officer statement v1\n"
                        "action: case.open\n"
                        "vault: tUmE39t7ji+LQngr8SKLPwPzfVeoGIZjpuP9jO6muWE=\n"
                        "officer: alice\n"
                        "case: CASE-2026-014\n"
                        "reason-hash: ") +
                kReasonHash + "\ntime: 2026-11-29T22:34:21.548Z\n");
}

TEST(StatementTest, RequestFileText) {
  RequestFiling f{RequestKind::kUnseal,
                  "CASE-2026-014",
                  {"d736f8cd6e3c9727f641e0305ce3f861", "00000000000000000000000000000001"},
                  kReason,
                  kExpires,
                  {"bob", kTime, ""},
                  0,
                  {}};
  EXPECT_EQ(RequestFileStatement(kVault, f),
            std::string("transcript-vault officer statement v1\n"
                        "action: request.file\n"
                        "vault: tUmE39t7ji+LQngr8SKLPwPzfVeoGIZjpuP9jO6muWE=\n"
                        "officer: bob\n"
                        "kind: unseal\n"
                        "case: CASE-2026-014\n"
                        "transcripts: d736f8cd6e3c9727f641e0305ce3f861,"
                        "00000000000000000000000000000001\n"
                        "reason-hash: ") +
                kReasonHash +
                "\nexpires-at: 2026-12-06T22:34:21.548Z\n"
                "time: 2026-11-29T22:34:21.548Z\n");
  // A release names no transcripts: "transcripts: " then the newline.
  f.kind = RequestKind::kRelease;
  f.transcripts.clear();
  const std::string release = RequestFileStatement(kVault, f);
  EXPECT_NE(release.find("kind: release\ncase: CASE-2026-014\ntranscripts: \nreason-hash: "),
            std::string::npos);
}

RequestInfo FixedRequest() {
  RequestInfo r;
  r.id = "0123456789abcdef0123456789abcdef";
  r.kind = RequestKind::kUnseal;
  r.case_id = "CASE-2026-014";
  r.transcripts = {"d736f8cd6e3c9727f641e0305ce3f861"};
  r.reason_hash = kReasonHash;
  r.filed_by = "bob";
  r.filed_at = kTime;
  r.expires_at = kExpires;
  r.request_key = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
  return r;
}

TEST(StatementTest, RequestTextAndApprovalMessage) {
  const std::string text = RequestText(kVault, FixedRequest());
  EXPECT_EQ(text,
            std::string("transcript-vault request v1\n"
                        "vault: tUmE39t7ji+LQngr8SKLPwPzfVeoGIZjpuP9jO6muWE=\n"
                        "request: 0123456789abcdef0123456789abcdef\n"
                        "kind: unseal\n"
                        "case: CASE-2026-014\n"
                        "transcripts: d736f8cd6e3c9727f641e0305ce3f861\n"
                        "reason-hash: ") +
                kReasonHash +
                "\nfiled-by: bob\n"
                "filed-at: 2026-11-29T22:34:21.548Z\n"
                "expires-at: 2026-12-06T22:34:21.548Z\n"
                "request-key: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n");
  EXPECT_EQ(ApprovalMessage(text, "carol", std::string("\x00\x01\x02", 3)),
            "transcript-vault approval v1\n" + text + "officer: carol\nshare: AAEC\n");
  EXPECT_EQ(ShareAd("CASE-1"), std::string("TV-share-v1\0\0\0\0\x06" "CASE-1", 22));
}

// Signs with the officer actions, verifies as the vault does, then checks
// that changing any one field breaks the signature.
TEST(StatementTest, SignaturesVerifyAndEveryFieldIsCovered) {
  auto keys = OfficerKeys::Generate();
  ASSERT_TRUE(keys.ok());
  auto other = OfficerKeys::Generate();
  ASSERT_TRUE(other.ok());

  HoldPlacement h{"CASE-2026-014", "d736f8cd6e3c9727f641e0305ce3f861", {}};
  ASSERT_TRUE(SignHold(*keys, "alice", kVault, kTime, &h).ok());
  EXPECT_EQ(h.signed_by.officer, "alice");
  EXPECT_EQ(h.signed_by.time, kTime);
  EXPECT_EQ(h.signed_by.signature.size(), 64u);
  EXPECT_TRUE(VerifySignature(keys->pub.sign, HoldStatement(kVault, h), h.signed_by.signature));
  EXPECT_FALSE(VerifySignature(other->pub.sign, HoldStatement(kVault, h), h.signed_by.signature));
  const std::vector<std::function<void(HoldPlacement*)>> hold_edits = {
      [](HoldPlacement* x) { x->case_id = "CASE-2026-015"; },
      [](HoldPlacement* x) { x->transcript_id[0] = 'e'; },
      [](HoldPlacement* x) { x->signed_by.officer = "alicf"; },
      [](HoldPlacement* x) { x->signed_by.time += 1; }};
  for (const auto& edit : hold_edits) {
    HoldPlacement changed = h;
    edit(&changed);
    EXPECT_FALSE(
        VerifySignature(keys->pub.sign, HoldStatement(kVault, changed), h.signed_by.signature));
  }
  EXPECT_FALSE(VerifySignature(keys->pub.sign,
                               HoldStatement("uUmE39t7ji+LQngr8SKLPwPzfVeoGIZjpuP9jO6muWE=", h),
                               h.signed_by.signature));

  CaseOpening o{"CASE-2026-014", kReason, {}};
  ASSERT_TRUE(SignCaseOpening(*keys, "alice", kVault, kTime, &o).ok());
  EXPECT_TRUE(VerifySignature(keys->pub.sign, CaseOpenStatement(kVault, o), o.signed_by.signature));
  for (int i = 0; i < 5; ++i) {
    CaseOpening changed = o;
    if (i == 0) changed.case_id += "x";
    if (i == 1) changed.reason += ".";
    if (i == 2) changed.signed_by.officer = "bob";
    if (i == 3) changed.signed_by.time -= 1000;
    if (i == 4) changed.threshold = 3;  // a threshold the officer did not sign
    EXPECT_FALSE(VerifySignature(keys->pub.sign, CaseOpenStatement(kVault, changed),
                                 o.signed_by.signature))
        << i;
  }

  RequestFiling f{RequestKind::kUnseal, "CASE-2026-014", {"d736f8cd6e3c9727f641e0305ce3f861"},
                  kReason, kExpires, {}, 0, {}};
  ASSERT_TRUE(SignFiling(*keys, "alice", kVault, kTime, &f).ok());
  EXPECT_TRUE(
      VerifySignature(keys->pub.sign, RequestFileStatement(kVault, f), f.signed_by.signature));
  for (int i = 0; i < 7; ++i) {
    RequestFiling changed = f;
    if (i == 0) changed.kind = RequestKind::kRelease;
    if (i == 1) changed.case_id = "CASE-2026-013";
    if (i == 2) changed.transcripts.push_back("00000000000000000000000000000001");
    if (i == 3) changed.reason = "Another reason";
    if (i == 4) changed.expires_at += 1;
    if (i == 5) changed.signed_by.officer = "bob";
    if (i == 6) changed.signed_by.time += 1;
    EXPECT_FALSE(VerifySignature(keys->pub.sign, RequestFileStatement(kVault, changed),
                                 f.signed_by.signature))
        << i;
  }

  // A case opened with a threshold signs it; a reshare signs its threshold.
  CaseOpening three{"CASE-2026-016", kReason, {}, 3};
  ASSERT_TRUE(SignCaseOpening(*keys, "alice", kVault, kTime, &three).ok());
  EXPECT_NE(CaseOpenStatement(kVault, three).find("\nthreshold: 3\n"), std::string::npos);
  EXPECT_EQ(CaseOpenStatement(kVault, o).find("threshold"), std::string::npos);
  for (int k : {0, 2, 4}) {
    CaseOpening changed = three;
    changed.threshold = k;
    EXPECT_FALSE(VerifySignature(keys->pub.sign, CaseOpenStatement(kVault, changed),
                                 three.signed_by.signature))
        << k;
  }
  RequestFiling reshare{RequestKind::kReshare, "CASE-2026-014", {}, kReason, kExpires, {}, 3, {}};
  ASSERT_TRUE(SignFiling(*keys, "alice", kVault, kTime, &reshare).ok());
  EXPECT_NE(RequestFileStatement(kVault, reshare).find("kind: reshare\n"), std::string::npos);
  EXPECT_NE(RequestFileStatement(kVault, reshare).find("\nthreshold: 3\n"), std::string::npos);
  EXPECT_EQ(RequestFileStatement(kVault, f).find("threshold"), std::string::npos);
  for (int k : {0, 2}) {
    RequestFiling changed = reshare;
    changed.threshold = k;
    EXPECT_FALSE(VerifySignature(keys->pub.sign, RequestFileStatement(kVault, changed),
                                 reshare.signed_by.signature))
        << k;
  }
  RequestInfo r;
  r.kind = RequestKind::kReshare;
  r.threshold = 3;
  EXPECT_NE(RequestText(kVault, r).find("\ntranscripts: \nthreshold: 3\nreason-hash: "),
            std::string::npos)
      << RequestText(kVault, r);
  r.kind = RequestKind::kRelease;
  EXPECT_EQ(RequestText(kVault, r).find("threshold"), std::string::npos);
  // A signature is 64 bytes: a truncated or extended one never verifies.
  const std::string text = RequestFileStatement(kVault, f);
  EXPECT_FALSE(VerifySignature(keys->pub.sign, text, f.signed_by.signature.substr(0, 63)));
  EXPECT_FALSE(VerifySignature(keys->pub.sign, text, f.signed_by.signature + "x"));
}

}  // namespace
}  // namespace vault::safeguard

namespace vault::safeguard {
namespace {

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

Dealing SampleDealing() {
  Dealing d;
  d.case_id = "CASE-2026-014";
  d.public_key = std::string(32, '\x55');
  d.threshold = 2;
  d.dealt_at = kTime;
  d.shares = {{"alice", 1, std::string(32, '\x01')}, {"bob", 2, std::string(32, '\x02')}};
  return d;
}

TEST(DealingTest, TheTextIsCanonicalAndTheDigestCoversEveryField) {
  const Dealing d = SampleDealing();
  EXPECT_EQ(DealingText(d),
            "transcript-vault dealing v1\n"
            "case: CASE-2026-014\n"
            "public-key: " + ToBase64(std::string(32, '\x55')) + "\n"
            "threshold: 2\n"
            "dealt-at: 2026-11-29T22:34:21.548Z\n"
            "share: 1 alice " + Repeat("01", 32) + "\n" +
            "share: 2 bob " + Repeat("02", 32) + "\n");
  const std::string digest = DealingDigest(d);
  EXPECT_EQ(digest.size(), 64u);
  // Any change of the dealing is another dealing.
  std::vector<std::function<void(Dealing*)>> changes = {
      [](Dealing* x) { x->case_id = "CASE-2026-015"; },
      [](Dealing* x) { x->public_key[0] = '\x56'; },
      [](Dealing* x) { x->threshold = 3; },
      [](Dealing* x) { x->dealt_at += 1; },
      [](Dealing* x) { x->shares[0].x = 3; },
      [](Dealing* x) { x->shares[1].officer = "carol"; },
      [](Dealing* x) { x->shares[1].commitment[31] = '\x03'; },
      [](Dealing* x) { x->shares.pop_back(); },
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    Dealing changed = d;
    changes[i](&changed);
    EXPECT_NE(DealingDigest(changed), digest) << i;
  }
}

TEST(DealingTest, ARecoverFilingSignsItsWholeSourceAndTheRequestTextListsIt) {
  RequestFiling f;
  f.kind = RequestKind::kRecover;
  f.case_id = "CASE-2026-014";
  f.reason = kReason;
  f.expires_at = kExpires;
  f.signed_by = {"alice", kTime, ""};
  f.recovery = {"/var/backups/tv/1", "/srv/lost/audit", kVault, SampleDealing()};
  const std::string statement = RequestFileStatement(kVault, f);
  EXPECT_NE(statement.find("kind: recover\n"), std::string::npos) << statement;
  EXPECT_NE(statement.find("recovery: " + RecoverySourceDigest(f.recovery) + "\n"),
            std::string::npos)
      << statement;
  std::vector<std::function<void(RecoverySource*)>> changes = {
      [](RecoverySource* r) { r->backup_dir += "x"; },
      [](RecoverySource* r) { r->audit_dir += "x"; },
      [](RecoverySource* r) { r->previous_vault[0] = 'u'; },
      [](RecoverySource* r) { r->dealing.threshold = 3; },
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    RequestFiling changed = f;
    changes[i](&changed.recovery);
    EXPECT_NE(RequestFileStatement(kVault, changed), statement) << i;
  }
  RequestInfo r;
  r.id = std::string(32, 'b');
  r.kind = RequestKind::kRecover;
  r.case_id = f.case_id;
  r.threshold = 2;
  r.recovery = f.recovery;
  const std::string text = RequestText(kVault, r);
  for (const std::string& line :
       {std::string("kind: recover\n"), std::string("threshold: 2\n"),
        std::string("backup: /var/backups/tv/1\n"), std::string("audit: /srv/lost/audit\n"),
        "previous-vault: " + std::string(kVault) + "\n",
        "public-key: " + ToBase64(std::string(32, '\x55')) + "\n",
        "dealing: " + DealingDigest(SampleDealing()) + "\n"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << text;
  }
}

TEST(DealingTest, AnOfficerChecksTheirOwnShareAndSignsTheOfflineFile) {
  auto alice = OfficerKeys::Generate();
  auto bob = OfficerKeys::Generate();
  ASSERT_TRUE(alice.ok() && bob.ok());
  // Alice's share of a dealing, sealed to her as the vault seals it.
  const std::string seven(32, '\x07');
  auto copied = SecretBytes::CopyFrom(reinterpret_cast<const uint8_t*>(seven.data()), seven.size());
  ASSERT_TRUE(copied.ok());
  const SecretBytes y = std::move(copied).value();
  ShareExport e;
  e.vault_id = kVault;
  e.officer = "alice";
  e.dealing = SampleDealing();
  e.dealing.shares[0].commitment = ShareCommitment(e.dealing.case_id, 1, y);
  auto alice_box = BoxPublicKey::FromBytes(std::string_view(
      reinterpret_cast<const char*>(alice->pub.seal.data()), alice->pub.seal.size()));
  ASSERT_TRUE(alice_box.ok());
  auto sealed = SealBoundKey(*alice_box, ShareLabel(e.dealing.case_id, 1), y);
  ASSERT_TRUE(sealed.ok());
  e.sealed_share = *sealed;
  e.exported_at = kTime;
  EXPECT_TRUE(CheckOwnShare(*alice, "alice", e).ok());
  // Not Bob's, even named as his; not with another commitment or x.
  EXPECT_EQ(CheckOwnShare(*bob, "alice", e).reason(), "invalid_share");
  EXPECT_EQ(CheckOwnShare(*alice, "bob", e).reason(), "invalid_share");
  ShareExport other = e;
  other.dealing.shares[0].commitment[0] ^= 1;
  EXPECT_EQ(CheckOwnShare(*alice, "alice", other).reason(), "invalid_share");
  other = e;
  std::swap(other.dealing.shares[0].officer, other.dealing.shares[1].officer);
  EXPECT_EQ(CheckOwnShare(*alice, "alice", other).reason(), "invalid_share");
  // The file's signature covers the vault, the dealing, the share and the time.
  auto signature = SignOfflineShare(*alice, e);
  ASSERT_TRUE(signature.ok());
  EXPECT_TRUE(VerifyOfflineShare(alice->pub, e, *signature));
  EXPECT_FALSE(VerifyOfflineShare(bob->pub, e, *signature));
  std::vector<std::function<void(ShareExport*)>> changes = {
      [](ShareExport* x) { x->vault_id[0] = 'u'; },
      [](ShareExport* x) { x->officer = "bob"; },
      [](ShareExport* x) { x->dealing.threshold = 3; },
      [](ShareExport* x) { x->sealed_share[5] ^= 1; },
      [](ShareExport* x) { x->exported_at += 1; },
  };
  for (size_t i = 0; i < changes.size(); ++i) {
    ShareExport changed = e;
    changes[i](&changed);
    EXPECT_FALSE(VerifyOfflineShare(alice->pub, changed, *signature)) << i;
  }
}

}  // namespace
}  // namespace vault::safeguard
