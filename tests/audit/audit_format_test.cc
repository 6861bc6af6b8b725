// The exact rules of docs/audit-format.md that the corpus (run_corpus.py)
// checks end to end, here one by one: the payload JSON dialect, integers,
// the members each record type requires, segment names, and note form.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/audit/audit_fixture.h"
#include "vault/audit/json_strict.h"
#include "vault/audit/payload.h"
#include "vault/audit/recovery.h"

namespace vault {
namespace {

bool Json(std::string_view text) {
  audit::JsonValue v;
  std::string why;
  return audit::ParseStrictJson(text, &v, &why);
}

TEST(AuditJsonDialectTest, AcceptsRfc8259AndNothingElse) {
  for (const char* ok : {"{}", " {\"a\" : [1, -2.5e-3, 0, true, false, null, \"x\"]} \n",
                         "{\"s\":\"\\ud83d\\ude00 \\u00e9 \\/ \\n\"}", "[]", "\"x\"", "1E+400"}) {
    EXPECT_TRUE(Json(ok)) << ok;
  }
  for (const char* bad : {"", "{", "{}x", "{}{}", "{\"a\":NaN}", "{\"a\":Infinity}",
                          "{\"a\":-Infinity}", "{'a':1}", "{\"a\":1,}", "/**/{}",
                          "{\"a\":01}", "{\"a\":-}", "{\"a\":1.}", "{\"a\":\"\\x41\"}",
                          "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00\\ud800\"}",
                          "{\"a\":\"\x01\"}", "\xef\xbb\xbf{}", "{\"a\":\"\xff\"}",
                          "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xed\xa0\x80\"}",
                          "{\"a\":1,\"a\":2}", "{\"pid\":1,\"\\u0070id\":2}"}) {
    EXPECT_FALSE(Json(bad)) << bad;
  }
}

TEST(AuditJsonDialectTest, NestsAtMostSixteenDeep) {
  EXPECT_TRUE(Json("{\"x\":" + std::string(15, '[') + std::string(15, ']') + "}"));
  EXPECT_FALSE(Json("{\"x\":" + std::string(16, '[') + std::string(16, ']') + "}"));
  EXPECT_FALSE(Json(std::string(100000, '[')));
}

TEST(AuditJsonDialectTest, IntegersAreDigitsOnlyWithinTheirRange) {
  auto num = [](std::string text, uint64_t max) {
    audit::JsonValue v;
    std::string why;
    uint64_t n = 0;
    return audit::ParseStrictJson(text, &v, &why) && audit::JsonUnsigned(v, 0, max, &n);
  };
  EXPECT_TRUE(num("0", 10));
  EXPECT_TRUE(num("10", 10));
  EXPECT_FALSE(num("11", 10));
  for (const char* bad : {"-0", "-1", "1.0", "1e1", "\"1\"", "18446744073709551616"}) {
    EXPECT_FALSE(num(bad, UINT64_MAX)) << bad;
  }
  EXPECT_TRUE(num("18446744073709551615", UINT64_MAX));
}

TEST(AuditPayloadTest, EachTypeRequiresItsMembers) {
  using audit::RecordType;
  auto ok = [](RecordType t, std::string_view p) {
    audit::Payload out;
    std::string why;
    return audit::CheckPayload(t, p, &out, &why);
  };
  const std::string key = "\"key\":\"" + std::string(43, 'A') + "=\"";
  EXPECT_TRUE(ok(RecordType::kGenesis, "{\"origin\":\"transcript-vault/0123456789abcdef\"," + key +
                                           ",\"checkpoint_interval_ms\":60000}"));
  EXPECT_FALSE(ok(RecordType::kGenesis, "{\"origin\":\"transcript-vault/0123456789ABCDEF\"," +
                                            key + ",\"checkpoint_interval_ms\":60000}"));
  EXPECT_FALSE(ok(RecordType::kGenesis, "{\"origin\":\"transcript-vault/0123456789abcdef\"," +
                                            key + ",\"checkpoint_interval_ms\":6e4}"));
  EXPECT_TRUE(ok(RecordType::kSegment, "{\"segment\":99999999}"));
  EXPECT_FALSE(ok(RecordType::kSegment, "{\"segment\":100000000}"));
  EXPECT_TRUE(ok(RecordType::kAccess,
                 "{\"actor\":{\"uid\":4294967295,\"role\":\"agent\"},\"action\":\"a\","
                 "\"objects\":[],\"outcome\":\"ok\",\"details\":{\"pid\":\"1\"}}"));
  EXPECT_FALSE(ok(RecordType::kAccess,
                  "{\"actor\":{\"uid\":4294967296,\"role\":\"agent\"},\"action\":\"a\","
                  "\"objects\":[],\"outcome\":\"ok\"}"));
  EXPECT_FALSE(ok(RecordType::kAccess, "{\"actor\":{\"uid\":1,\"role\":\"a\"},\"action\":\"a\","
                                       "\"objects\":[],\"outcome\":\"ok\",\"details\":{\"p\":1}}"));
  EXPECT_FALSE(ok(RecordType::kAccess, "{\"action\":\"nothing.to.see\"}"));
  EXPECT_TRUE(ok(RecordType::kStart, "{\"previous_stop\":\"crash\",\"version\":\"1\"}"));
  EXPECT_FALSE(ok(RecordType::kStart, "{\"previous_stop\":\"maybe\",\"version\":\"1\"}"));
  EXPECT_TRUE(ok(RecordType::kRecovery, "{\"cut_bytes\":16470,\"reason\":\"r\"}"));
  EXPECT_FALSE(ok(RecordType::kRecovery, "{\"cut_bytes\":16471,\"reason\":\"r\"}"));
  EXPECT_TRUE(ok(RecordType::kStop, "{}"));
  EXPECT_FALSE(ok(RecordType::kStop, "[]"));
}

TEST(AuditSegmentNameTest, OnlyExactlyEightDigitsNameASegment) {
  uint64_t n = 0;
  EXPECT_TRUE(audit::ParseSegmentFileName("audit-00000012.log", &n));
  EXPECT_EQ(n, 12u);
  EXPECT_TRUE(audit::ParseSegmentFileName("audit-00000000.log", &n));
  EXPECT_EQ(n, 0u);
  for (const char* bad : {"audit-+0000001.log", "audit- 0000001.log", "audit-000000001.log",
                          "audit-0000001.log", "AUDIT-00000001.LOG", "audit-00000001.log.bak",
                          "audit-0000000a.log", "audit-00000001.lo"}) {
    EXPECT_FALSE(audit::ParseSegmentFileName(bad, &n)) << bad;
  }
}

class AuditSegmentZeroTest : public testing::AuditFixture {};

TEST_F(AuditSegmentZeroTest, AStrayAudit00000000LogFailsVerificationAndStartUp) {
  Open();
  AppendN(2);
  ASSERT_TRUE(log_->Close().ok());
  log_.reset();
  Write(Opts().dir + "/audit-+0000001.log", Read(SegPath(1)));
  EXPECT_TRUE(Verify().ok) << "a name that is not a segment name is ignored";
  Write(Opts().dir + "/audit-00000000.log", "");
  EXPECT_EQ(Verify().error_code, "segment_name");
  const Status s = OpenStatus();
  EXPECT_EQ(s.reason(), "audit_log_corrupt") << s.ToString();
}

}  // namespace
}  // namespace vault
