#include "vault/index/identifiers.h"

#include <gtest/gtest.h>

namespace vault {
namespace {

std::string Ok(StatusOr<std::string> s) {
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : "";
}

TEST(Identifiers, EmailIsTrimmedAndLowerCased) {
  EXPECT_EQ(Ok(NormaliseEmail("  Sam.Jones+chat@Example.ORG \t")), "sam.jones+chat@example.org");
  EXPECT_EQ(Ok(NormaliseEmail("a@b.co")), "a@b.co");
  for (const char* bad : {"", "   ", "no-at-sign", "@example.org", "sam@", "sam@localhost",
                          "sam@.example.org", "sam@example.org.", "sam..x@example.org",
                          ".sam@example.org", "sam jones@example.org", "sam@exa mple.org",
                          "sam@-example.org", "sam@exa..mple.org", "sam\"@example.org"}) {
    auto r = NormaliseEmail(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().reason(), "invalid_email");
      EXPECT_EQ(r.status().message().find(bad[0] ? bad : "\x01"), std::string::npos) << bad;
    }
  }
  EXPECT_FALSE(NormaliseEmail(std::string(65, 'a') + "@example.org").ok());
  EXPECT_FALSE(NormaliseEmail("a@" + std::string(250, 'b') + ".org").ok());
}

TEST(Identifiers, PhoneKeepsDigitsAndALeadingPlus) {
  EXPECT_EQ(Ok(NormalisePhone("+44 (0)20 7946-0958")), "+440207946" "0958");
  EXPECT_EQ(Ok(NormalisePhone(" 020.7946.0958 ")), "02079460958");
  EXPECT_EQ(Ok(NormalisePhone("116 123")), "116123");
  EXPECT_EQ(Ok(NormalisePhone("999")), "999");
  for (const char* bad : {"", "+", "12", "++44 20", "44+20", "0800 CALL NOW", "1234567890123456",
                          "07700 900123 ext 4", "+44 20 7946 0958 / 0959"}) {
    auto r = NormalisePhone(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().reason(), "invalid_phone");
    }
  }
}

TEST(Identifiers, IpIsCanonicalText) {
  EXPECT_EQ(Ok(NormaliseIp("192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(Ok(NormaliseIp(" 192.0.2.7 ")), "192.0.2.7");
  EXPECT_EQ(Ok(NormaliseIp("2001:DB8:0:0:0:0:0:1")), "2001:db8::1");
  EXPECT_EQ(Ok(NormaliseIp("2001:0db8::0001")), "2001:db8::1");
  EXPECT_EQ(Ok(NormaliseIp("::ffff:192.0.2.7")), "192.0.2.7");
  EXPECT_EQ(Ok(NormaliseIp("::1")), "::1");
  for (const char* bad : {"", "192.0.2", "192.0.2.256", "192.0.2.7/24", "0x7f.1", "localhost",
                          "2001:db8::1::2", "[2001:db8::1]", "192.0.2.07", "2001:db8::g"}) {
    auto r = NormaliseIp(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_EQ(r.status().reason(), "invalid_ip");
    }
  }
}

TEST(Identifiers, RefIsExactButTrimmed) {
  EXPECT_EQ(Ok(NormaliseRef(" visitor-42 ")), "visitor-42");
  EXPECT_EQ(Ok(NormaliseRef("Visitor-42")), "Visitor-42");
  EXPECT_FALSE(NormaliseRef("").ok());
  EXPECT_FALSE(NormaliseRef("a\nb").ok());
  EXPECT_FALSE(NormaliseRef(std::string(257, 'r')).ok());
}

TEST(Identifiers, IndexedIdentifiersSkipWhatDoesNotNormalise) {
  Visitor v;
  v.name = "Sam";
  v.ref = "visitor-42";
  v.email = "Sam@Example.org";
  v.phone = "+44 20 7946 0958";
  v.ip = "192.0.2.7";
  v.location = "Leeds";
  auto ids = IndexedIdentifiers(v);
  ASSERT_EQ(ids.size(), 4u);
  EXPECT_EQ(ids[0], (Identifier{IdentifierKind::kRef, "visitor-42"}));
  EXPECT_EQ(ids[1], (Identifier{IdentifierKind::kEmail, "sam@example.org"}));
  EXPECT_EQ(ids[2], (Identifier{IdentifierKind::kPhone, "+442079460958"}));
  EXPECT_EQ(ids[3], (Identifier{IdentifierKind::kIp, "192.0.2.7"}));
  v.ip = "unknown";  // free text, as it always was: not indexed
  EXPECT_EQ(IndexedIdentifiers(v).size(), 3u);
  EXPECT_TRUE(IndexedIdentifiers(Visitor{}).empty());
}

TEST(Identifiers, CreateValidatesEmailAndPhoneOnly) {
  Visitor v;
  v.ip = "not an address";
  EXPECT_TRUE(ValidateVisitorIdentifiers(v).ok());
  v.email = "nope";
  EXPECT_EQ(ValidateVisitorIdentifiers(v).reason(), "invalid_email");
  v.email = "a@b.org";
  v.phone = "call me";
  EXPECT_EQ(ValidateVisitorIdentifiers(v).reason(), "invalid_phone");
}

TEST(Identifiers, TagInputsOfDifferentKindsNeverCollide) {
  // The same text as a ref and as an email address tags differently.
  EXPECT_NE(IdentifierTagInput({IdentifierKind::kRef, "a@b.org"}),
            IdentifierTagInput({IdentifierKind::kEmail, "a@b.org"}));
  EXPECT_EQ(IdentifierTagInput({IdentifierKind::kIp, "::1"}), std::string("\x04::1"));
}

}  // namespace
}  // namespace vault
