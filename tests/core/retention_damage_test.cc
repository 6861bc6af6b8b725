// Retention in the face of damage and failures: a damaged record is skipped,
// counted and audited while every epoch is still shredded on time; a failed
// idle close is recorded like a writer's; the overdue count in Metrics() is
// the one the last retention run took.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <mutex>
#include <thread>
#include <set>

#include "tests/core/vault_fixture.h"
#include "tests/support/needs_root.h"

namespace vault::testing {
namespace {

namespace json = boost::json;

class RetentionDamageTest : public VaultFixture {
 protected:
  void SetUp() override {
    idle_close_ms_ = 10 * kEpoch;  // every run scans the open chats
    Reopen();
  }
  static UnixMillis EpochEndOf(UnixMillis t) { return (t / kEpoch + 1) * kEpoch; }
  UnixMillis ExpiryOf(const std::string& id) {
    auto t = vault_->GetTranscript(caller_, id);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? t->info.expires_at : 0;
  }
  // Flips one byte of a stored value, as a bad disk block would.
  void Damage(Column column, const std::string& key) {
    auto value = vault_->store()->Get(column, key);
    ASSERT_TRUE(value.ok()) << value.status().ToString();
    std::string bad = *value;
    bad[bad.size() / 2] ^= 0x40;
    WriteBatch batch;
    batch.Put(column, key, bad);
    ASSERT_TRUE(vault_->store()->Write(&batch).ok());
  }
  uint64_t Damaged() {
    auto status = vault_->GetRetentionStatus(caller_);
    EXPECT_TRUE(status.ok());
    return status.ok() ? status->damaged : 0;
  }
};

TEST_F(RetentionDamageTest, ADamagedOpenTranscriptDoesNotStopTheShred) {
  const std::string damaged = Create();
  Append(damaged, 0, "hello");
  const std::string bad_key = Create();  // its wrapped key will be malformed
  const std::string doomed = Create();
  Append(doomed, 0, "bye");
  ASSERT_TRUE(vault_->CloseTranscript(caller_, doomed).ok());
  const UnixMillis due = EpochEndOf(ExpiryOf(damaged));
  const uint64_t damaged_epoch = WrappedEpochOf(damaged);
  Damage(Column::kTranscripts, TranscriptKey(RawId(damaged), RecordKind::kState));
  {
    WriteBatch batch;
    batch.Put(Column::kWrappedKeys, RawId(bad_key), "\x01short");
    ASSERT_TRUE(vault_->store()->Write(&batch).ok());
  }

  // Before anything is due: the run succeeds and reports both, once.
  clock_.Advance(kEpoch / 2);
  ASSERT_TRUE(vault_->RunRetention().ok());
  clock_.Advance(kEpoch / 2);
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_EQ(Damaged(), 2u);
  EXPECT_EQ(vault_->Metrics().retention_damaged, 2u);
  const auto reports = AuditPayloads("retention.damaged");
  ASSERT_EQ(reports.size(), 2u);
  std::set<std::string> named;
  for (const json::object& p : reports) {
    EXPECT_EQ(p.at("outcome").as_string(), "corruption");
    EXPECT_EQ(p.at("actor").as_object().at("role").as_string(), "system");
    named.insert(std::string(p.at("objects").as_array().at(0).as_string()));
  }
  EXPECT_EQ(named, (std::set<std::string>{damaged, bad_key}));

  // The epoch is shredded on time all the same, the damaged one with it.
  clock_.Set(due);
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_GT(vault_->keyring()->base_epoch(), damaged_epoch);
  EXPECT_EQ(vault_->GetTranscript(caller_, doomed).status().code(), Status::Code::kGone);
  auto tombstone = vault_->store()->Get(Column::kWrappedKeys, RawId(damaged));
  ASSERT_TRUE(tombstone.ok());
  EXPECT_FALSE(Keyring::WrappedEpoch(*tombstone).ok()) << "the damaged transcript was not purged";

  // A restart is not refused because of them.
  Reopen();
  auto status = vault_->GetRetentionStatus(caller_);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->overdue, 0u);
}

TEST_F(RetentionDamageTest, AMalformedExpiryIndexKeyDoesNotStopTheShred) {
  const std::string doomed = Create();
  ASSERT_TRUE(vault_->CloseTranscript(caller_, doomed).ok());
  const uint64_t epoch = WrappedEpochOf(doomed);
  {
    WriteBatch batch;
    std::string key = ExpiryKey(epoch, "");
    key.append("short");
    batch.Put(Column::kExpiryIndex, key, "");
    ASSERT_TRUE(vault_->store()->Write(&batch).ok());
  }
  clock_.Set(EpochEndOf(ExpiryOf(doomed)));
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_EQ(vault_->keyring()->base_epoch(), epoch + 1);
  EXPECT_EQ(vault_->GetTranscript(caller_, doomed).status().reason(), "expired");
  const auto shreds = AuditPayloads("retention.shred");
  ASSERT_EQ(shreds.size(), 1u);
  EXPECT_EQ(Detail(shreds[0], "count"), "1");
  const auto reports = AuditPayloads("retention.damaged");
  ASSERT_EQ(reports.size(), 1u);
  EXPECT_EQ(reports[0].at("outcome").as_string(), "corruption");
  EXPECT_EQ(Detail(reports[0], "step"), "shred");
  EXPECT_EQ(vault_->Metrics().retention_damaged, 1u);
  Reopen();
}

TEST_F(RetentionDamageTest, AFailedIdleCloseIsRecordedAsWriteFailed) {
  const std::string idle = Create();
  clock_.Advance(11 * kEpoch);
  vault_->store()->InjectFaultsForTesting(Store::Op::kWrite, 1);
  EXPECT_FALSE(vault_->RunRetention().ok());
  auto still_open = vault_->GetTranscript(caller_, idle);
  ASSERT_TRUE(still_open.ok());
  EXPECT_EQ(still_open->info.state, TranscriptState::kOpen);
  std::vector<std::string> outcomes;
  for (const json::object& p : AuditPayloads("transcript.close")) {
    EXPECT_EQ(Detail(p, "reason"), "idle");
    outcomes.emplace_back(p.at("outcome").as_string());
  }
  EXPECT_EQ(outcomes, (std::vector<std::string>{"ok", "write_failed"}));

  // The next run closes it.
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_EQ(vault_->GetTranscript(caller_, idle)->info.state, TranscriptState::kClosed);
  EXPECT_EQ(AuditPayloads("transcript.close").size(), 3u);
}

TEST_F(RetentionDamageTest, MetricsReportTheOverdueCountOfTheLastRun) {
  VAULT_SKIP_UNLESS_ROOT_FOR_CHATTR();
  const std::string id = Create();
  ASSERT_TRUE(vault_->CloseTranscript(caller_, id).ok());
  const UnixMillis expiry = ExpiryOf(id);
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_EQ(vault_->Metrics().overdue_transcripts, 0);
  // The audit log refuses the evidence, so the run cannot shred: the run
  // counts what it left behind, and Metrics() reports that without a scan.
  clock_.Set(EpochEndOf(expiry) + 10 * kEpoch);
  EXPECT_EQ(vault_->Metrics().overdue_transcripts, 0) << "Metrics() scanned the store";
  const std::string segment = [&] {
    auto status = vault_->GetAuditStatus(caller_);
    return vault_->audit_log()->SegmentPath(status->segments.back().number);
  }();
  ASSERT_EQ(std::system(("chattr +i " + segment).c_str()), 0) << "chattr is needed for this test";
  struct Undo {
    std::string path;
    ~Undo() { (void)std::system(("chattr -i " + path).c_str()); }
  } undo{segment};
  EXPECT_FALSE(vault_->RunRetention().ok());
  EXPECT_EQ(vault_->Metrics().overdue_transcripts, 1);
  ASSERT_EQ(std::system(("chattr -i " + segment).c_str()), 0);
}

TEST_F(RetentionDamageTest, AFailedBackgroundRunIsLoggedWithItsReasonCode) {
  std::mutex mu;
  std::vector<std::pair<std::string, Options::LogFields>> events;
  log_ = [&](std::string_view event, const Options::LogFields& fields) {
    std::lock_guard<std::mutex> lock(mu);
    events.emplace_back(std::string(event), fields);
  };
  tick_ms_ = 10;
  Reopen();
  // The start's own reports first: the index filter was built, then the
  // presence table.
  vault_->WaitForIndexFilter();
  {
    std::lock_guard<std::mutex> lock(mu);
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].first, "index_filter_ready");
    EXPECT_EQ(events[1].first, "visitor_presence_ready");
    events.clear();
  }
  const std::string idle = Create();
  vault_->store()->InjectFaultsForTesting(Store::Op::kWrite, 1);
  clock_.Advance(11 * kEpoch);  // the next tick closes it, and the write fails
  for (int i = 0; i < 500; ++i) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (!events.empty()) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  vault_.reset();  // stops the thread
  ASSERT_FALSE(events.empty()) << "the failed run was not reported";
  EXPECT_EQ(events[0].first, "retention_failed");
  EXPECT_EQ(events[0].second, (Options::LogFields{{"error", "injected_fault"}}));
}

}  // namespace
}  // namespace vault::testing
