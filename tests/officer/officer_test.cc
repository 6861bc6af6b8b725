#include "vault/officer/officer.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "tests/officer/passphrase.h"
#include "vault/officer/paper.h"

namespace vault::safeguard {
namespace {

TEST(OfficerIdentityTest, TheFileOpensOnlyWithItsPassphraseAndHoldsNoSecretInClear) {
  auto keys = OfficerKeys::Generate();
  ASSERT_TRUE(keys.ok());
  auto file = EncodeIdentityFile(*keys, Pass("correct horse battery"), KdfLevel::kInteractive);
  ASSERT_TRUE(file.ok()) << file.status().ToString();
  const std::string sign_secret(reinterpret_cast<const char*>(keys->sign.secret_key().insecure_data()),
                                64);
  EXPECT_EQ(file->find(ToBase64(sign_secret.substr(0, 32))), std::string::npos);
  auto opened = DecodeIdentityFile(*file, Pass("correct horse battery"));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(opened->pub, keys->pub);
  EXPECT_TRUE(opened->sign.secret_key().Equals(keys->sign.secret_key()));
  EXPECT_TRUE(opened->seal.secret().Equals(keys->seal.secret()));
  EXPECT_EQ(DecodeIdentityFile(*file, Pass("correct horse batterY")).status().reason(),
            "wrong_passphrase");
  EXPECT_EQ(EncodeIdentityFile(*keys, Pass("short"), KdfLevel::kInteractive).status().reason(),
            "weak_passphrase");
}

TEST(OfficerIdentityTest, SwappedPublicKeysOrKdfParametersDoNotOpen) {
  auto a = OfficerKeys::Generate();
  auto b = OfficerKeys::Generate();
  auto file = EncodeIdentityFile(*a, Pass("correct horse battery"), KdfLevel::kInteractive);
  ASSERT_TRUE(file.ok());
  boost::json::object o = boost::json::parse(*file).as_object();
  o["sign_public_key"] =
      ToBase64(std::string(reinterpret_cast<const char*>(b->pub.sign.data()), 32));
  EXPECT_FALSE(DecodeIdentityFile(boost::json::serialize(o), Pass("correct horse battery")).ok());
  o = boost::json::parse(*file).as_object();
  o["kdf"].as_object()["opslimit"] = 3;
  EXPECT_FALSE(DecodeIdentityFile(boost::json::serialize(o), Pass("correct horse battery")).ok());
  EXPECT_EQ(DecodeIdentityFile("{}", Pass("correct horse battery")).status().reason(),
            "invalid_identity_file");
}

TEST(OfficerIdentityTest, EnrolmentTokensCarryAVerifiedSelfSignature) {
  auto keys = OfficerKeys::Generate();
  auto token = EnrolmentToken(*keys);
  ASSERT_TRUE(token.ok());
  auto parsed = ParseEnrolmentToken(*token);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, keys->pub);
  // Another officer's sealing key under this signing key: refused.
  auto other = OfficerKeys::Generate();
  std::string raw;
  ASSERT_TRUE(FromBase64(token->substr(14), &raw));
  std::memcpy(raw.data() + 32, other->pub.seal.data(), 32);
  EXPECT_EQ(ParseEnrolmentToken("tv-officer-v1:" + ToBase64(raw)).status().reason(),
            "invalid_officer_key");
  EXPECT_FALSE(ParseEnrolmentToken("tv-officer-v1:").ok());
  EXPECT_EQ(Fingerprint(keys->pub).size(), 39u);
  EXPECT_NE(Fingerprint(keys->pub), Fingerprint(other->pub));
}

TEST(PaperTest, TheDocumentHoldsEveryMessageAndAFooterNamingItsOrigin) {
  Transcript t;
  t.info.id = std::string(32, 'a');
  t.info.service = "helpline";
  t.info.state = TranscriptState::kClosed;
  t.info.message_count = 2;
  t.visitor.name = "Sam";
  t.messages.push_back({1, "visitor", "first line\nsecond line", "2026-11-29T10:00:00Z", {}});
  t.messages.push_back({2, "agent", std::string(200, 'w') + " end", "2026-11-29T10:01:00Z", {}});
  UnsealContext ctx{"CASE-1", std::string(32, 'b'), {"alice", "bob"}, 0, 42, std::string(64, 'c')};
  const std::string paper = RenderPaper(t, ctx);
  EXPECT_NE(paper.find("Visitor name:   Sam"), std::string::npos);
  EXPECT_NE(paper.find("first line\n    second line"), std::string::npos);
  EXPECT_NE(paper.find(" end"), std::string::npos);
  EXPECT_NE(paper.find("Transcript " + t.info.id), std::string::npos);
  EXPECT_NE(paper.find("Case CASE-1, unseal request " + ctx.request_id), std::string::npos);
  EXPECT_NE(paper.find("Approved by alice and bob"), std::string::npos);
  EXPECT_NE(paper.find("Audit record 42 of the unseal, BLAKE2b:\n  " + ctx.audit_hash),
            std::string::npos);
  EXPECT_EQ(paper.substr(paper.size() - PaperFooter(t.info.id, ctx).size()),
            PaperFooter(t.info.id, ctx));
  // No line is wider than the page.
  size_t start = 0;
  while (start < paper.size()) {
    const size_t nl = paper.find('\n', start);
    EXPECT_LE(nl - start, 78u) << paper.substr(start, nl - start);
    start = nl + 1;
  }
}

}  // namespace
}  // namespace vault::safeguard
