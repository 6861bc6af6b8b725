// The vault-audit verify report, from the real binary: the human and --json
// outputs state the same ranges, counts and times.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <cstdio>

#include "tests/audit/audit_fixture.h"
#include "vault/common/time_format.h"

namespace vault {
namespace {

namespace json = boost::json;

class AuditReportTest : public testing::AuditFixture {
 protected:
  // Runs vault-audit verify on the fixture's log with `extra` flags.
  std::string RunVerify(const std::string& extra, int* exit_status = nullptr) {
    const std::string line = std::string(VAULT_AUDIT_PATH) + " verify --dir " + Opts().dir +
                             " --pubkey " + audit::PublicKeyBase64(key0_) + " " + extra + " 2>&1";
    std::string out;
    FILE* pipe = ::popen(line.c_str(), "r");
    EXPECT_NE(pipe, nullptr);
    if (pipe == nullptr) return out;
    char buffer[4096];
    size_t n;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
    const int status = ::pclose(pipe);
    if (exit_status != nullptr) *exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
  }
  json::object RunJson(const std::string& extra = "") {
    const std::string out = RunVerify("--json " + extra);
    boost::system::error_code ec;
    json::value v = json::parse(out, ec);
    EXPECT_FALSE(ec) << out;
    return v.is_object() ? v.as_object() : json::object();
  }
  static bool Has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
  }
};

TEST_F(AuditReportTest, TheReportsCountTheRangeAndTheLastCheckpointTheSameWay) {
  Open();
  AppendN(3);
  ASSERT_TRUE(log_->Checkpoint().ok());
  AppendN(2);
  log_.reset();  // a crash: two records after the last checkpoint
  auto segs = Records();
  const auto& all = segs[0];
  const uint64_t records = all.size();  // genesis, start, cp, 3, cp, 2
  ASSERT_EQ(records, 9u);
  const audit::Record& last_cp = all[6];
  ASSERT_EQ(last_cp.type, audit::RecordType::kCheckpoint);
  const std::string cp_time = FormatRfc3339(last_cp.time_ms);
  ASSERT_EQ(cp_time.rfind("2027-", 0), 0u) << "the manual clock, far from the present";

  int status = -1;
  const std::string text = RunVerify("", &status);
  EXPECT_EQ(status, 0) << text;
  EXPECT_TRUE(Has(text, "9 records (0..8) verified")) << text;
  EXPECT_TRUE(Has(text, "the last, record 6 at " + cp_time + ", seals records 0..5")) << text;
  EXPECT_TRUE(Has(text, "2 record(s) after the last checkpoint")) << text;

  json::object j = RunJson();
  EXPECT_EQ(j["records"].to_number<uint64_t>(), 9u);
  EXPECT_EQ(j["sealed"].to_number<uint64_t>(), 6u);
  EXPECT_EQ(j["unsealed"].to_number<uint64_t>(), 2u);
  ASSERT_TRUE(j.contains("last_checkpoint_time")) << json::serialize(j);
  EXPECT_EQ(j["last_checkpoint_time"], json::value(cp_time));
  EXPECT_EQ(j["last_time"], json::value(FormatRfc3339(all.back().time_ms)));
}

TEST_F(AuditReportTest, ALogWithoutACheckpointSealsNothing) {
  Open();
  AppendN(3);
  log_.reset();
  auto segs = Records();
  std::vector<std::vector<audit::Record>> unsealed(1);
  for (const auto& r : segs[0]) {
    if (r.type != audit::RecordType::kCheckpoint) unsealed[0].push_back(r);
  }
  Rechain(unsealed);  // genesis, start, 3 accesses
  const std::string text = RunVerify("");
  EXPECT_TRUE(Has(text, "5 records (0..4) verified")) << text;
  EXPECT_FALSE(Has(text, "seals records 0..0")) << text;
  EXPECT_TRUE(Has(text, "0 checkpoints: no record is sealed")) << text;
  EXPECT_TRUE(Has(text, "5 record(s) not sealed by any checkpoint")) << text;
  json::object j = RunJson();
  EXPECT_EQ(j["sealed"].to_number<uint64_t>(), 0u);
  EXPECT_EQ(j["unsealed"].to_number<uint64_t>(), 5u);
  EXPECT_TRUE(j["last_checkpoint_time"].is_null()) << json::serialize(j);
}

TEST_F(AuditReportTest, AGapShorterThanASecondIsPrintedInMilliseconds) {
  Open();
  ASSERT_TRUE(log_->Checkpoint().ok());
  clock_.Advance(801);  // the second checkpoint came 1 ms after the first
  ASSERT_TRUE(log_->Checkpoint().ok());
  log_.reset();
  int status = -1;
  const std::string text = RunVerify("--max-gap 500ms", &status);
  EXPECT_EQ(status, 1) << text;
  EXPECT_TRUE(Has(text, "FAILED (gap)")) << text;
  EXPECT_TRUE(Has(text, "800 ms")) << text;
  EXPECT_TRUE(Has(text, "500 ms")) << text;
  EXPECT_FALSE(Has(text, " 0 s")) << text;
  EXPECT_TRUE(Has(text, "4 records (0..3) verified before the failure")) << text;
}

}  // namespace
}  // namespace vault
