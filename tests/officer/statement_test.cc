// The canonical texts officers sign (docs/formats/signed-statements.md):
// byte-exact for fixed inputs, and a signature over one verifies for that
// text only.
#include <gtest/gtest.h>

#include <functional>

#include "vault/common/encoding.h"
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
