// vault::Client's auditor and admin calls against a real vaultd: the audit
// log (status, records, segments, export), retention status and backups.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/client/client_fixture.h"
#include "tests/support/temp_dir.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

TEST_F(ClientTest, AuditStatusDescribesTheLogAndGrowsWithEachRead) {
  auto first = client().GetAuditStatus();
  ASSERT_OK(first);
  EXPECT_FALSE(first->origin.empty());
  EXPECT_EQ(first->checkpoint.rfind(first->origin + "\n", 0), 0u) << first->checkpoint;
  EXPECT_EQ(first->genesis_key.size(), 44u) << first->genesis_key;  // base64 of 32 bytes
  ASSERT_FALSE(first->segments.empty());
  EXPECT_EQ(first->segments.front().number, 1u);
  EXPECT_GT(first->segments.front().bytes, 0u);
  EXPECT_GT(first->size, 0u);

  NewTranscript(0);  // one transcript.open record
  auto second = client().GetAuditStatus();
  ASSERT_OK(second);
  EXPECT_EQ(second->genesis_key, first->genesis_key);
  // At least the open and this read (a periodic checkpoint may add one).
  EXPECT_GE(second->size, first->size + 2);
  EXPECT_GT(second->segments.back().bytes, first->segments.back().bytes);
}

TEST_F(ClientTest, AuditSegmentIsTheFileOnDisk) {
  auto status = client().GetAuditStatus();
  ASSERT_OK(status);
  auto segment = client().GetAuditSegment(1);
  ASSERT_OK(segment);
  EXPECT_GE(segment->size(), status->segments.front().bytes);
  const std::string on_disk = ReadFileBytes(daemon_.data_dir() + "/audit/audit-00000001.log");
  ASSERT_GE(on_disk.size(), segment->size());
  EXPECT_TRUE(on_disk.compare(0, segment->size(), *segment) == 0)
      << "the served bytes are not the file's";

  auto missing = client().GetAuditSegment(99);
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound) << missing.status().ToString();
  EXPECT_EQ(missing.status().reason(), "not_found");
}

TEST_F(ClientTest, AuditRecordsThroughRequestShowTheClientsCalls) {
  const std::string id = NewTranscript(1, /*close=*/true);
  ASSERT_OK(client().GetTranscript(id));
  const std::vector<Access> opens = AccessRecords("transcript.open");
  ASSERT_EQ(opens.size(), 1u);
  EXPECT_EQ(opens[0].outcome, "ok");
  EXPECT_EQ(opens[0].objects, std::vector<std::string>{id});
  ASSERT_EQ(AccessRecords("transcript.close").size(), 1u);
  ASSERT_EQ(AccessRecords("transcript.read").size(), 1u);
  EXPECT_TRUE(AccessRecords("transcript.append").empty()) << "appends are not audited";

  auto first = client().Request("GET", "/v1/audit/records?from=0&limit=2", "", "");
  ASSERT_OK(first);
  ASSERT_EQ(first->status, 200) << first->body;
  const json::object page = json::parse(first->body).as_object();
  ASSERT_EQ(page.at("records").as_array().size(), 2u);
  EXPECT_EQ(page.at("records").as_array()[0].at("type"), "genesis");
  EXPECT_EQ(page.at("next").to_number<uint64_t>(), 2u);
  auto bad = client().Request("GET", "/v1/audit/records?limit=5000", "", "");
  ASSERT_OK(bad);
  EXPECT_TRUE(IsJsonError(*bad, 400, "invalid_query")) << bad->body;
}

TEST_F(ClientTest, ExportAuditWritesWhatTheVerifierReads) {
  const std::string dir = daemon_.test_dir() + "/export/audit";
  fs::create_directories(daemon_.test_dir() + "/export");
  auto exported = client().ExportAudit(dir);
  ASSERT_OK(exported);
  struct stat st {};
  ASSERT_EQ(stat(dir.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  EXPECT_EQ(ReadFileBytes(dir + "/checkpoint.note"), exported->checkpoint);
  EXPECT_EQ(ReadFileBytes(dir + "/genesis.key"), exported->genesis_key + "\n");
  ASSERT_FALSE(exported->segments.empty());
  for (const AuditSegment& segment : exported->segments) {
    char name[32];
    std::snprintf(name, sizeof name, "/audit-%08llu.log",
                  static_cast<unsigned long long>(segment.number));
    const std::string bytes = ReadFileBytes(dir + name);
    EXPECT_GE(bytes.size(), segment.bytes) << name;
    const std::string live = ReadFileBytes(daemon_.data_dir() + "/audit" + name);
    EXPECT_TRUE(live.compare(0, bytes.size(), bytes) == 0) << name;
  }
  // Into a path whose parent is a file: a local error, not a crash.
  const std::string file = daemon_.test_dir() + "/export/plain-file";
  { std::ofstream(file) << "x"; }
  EXPECT_FALSE(client().ExportAudit(file + "/audit").ok());
}

TEST_F(ClientTest, RetentionStatusIsTheShreddersState) {
  auto status = client().GetRetentionStatus();
  ASSERT_OK(status);
  EXPECT_EQ(status->epoch_ms, 3600 * 1000);
  EXPECT_EQ(status->overdue, 0u);
  EXPECT_EQ(status->damaged, 0u);
  EXPECT_EQ(status->shredded_total, 0u);
  EXPECT_GT(status->now, 0);
  EXPECT_LE(status->base_epoch, static_cast<uint64_t>(status->now / status->epoch_ms));
  EXPECT_GT(status->base_epoch, 0u);
}

TEST_F(ClientTest, BackupMakesACopyAndRefusesBadOrUsedDirectories) {
  const std::string id = NewTranscript(1, /*close=*/true);
  const std::string dir = daemon_.test_dir() + "/backup-1";
  ASSERT_OK(client().Backup(dir));
  EXPECT_TRUE(fs::exists(dir + "/db/CURRENT"));
  EXPECT_TRUE(fs::exists(dir + "/BACKUP.json"));
  EXPECT_FALSE(fs::exists(dir + "/keys")) << "a backup holds no key";

  const Status again = client().Backup(dir);
  EXPECT_EQ(again.code(), Status::Code::kAlreadyExists) << again.ToString();
  EXPECT_EQ(again.reason(), "backup_exists");
  const Status relative = client().Backup("relative/backup");
  EXPECT_EQ(relative.code(), Status::Code::kInvalidArgument) << relative.ToString();
  EXPECT_EQ(relative.reason(), "invalid_path");
  EXPECT_EQ(client().Backup(daemon_.test_dir() + "/no/such/parent").reason(), "invalid_path");
  // The vault is unchanged by all that.
  auto transcript = client().GetTranscript(id);
  ASSERT_OK(transcript);
  EXPECT_EQ(transcript->messages.size(), 1u);
}

}  // namespace
}  // namespace vault::testing
