#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/audit/audit_fixture.h"
#include "tests/support/needs_root.h"

namespace vault {
namespace {

using AuditLogTest = testing::AuditFixture;

TEST_F(AuditLogTest, FreshLogVerifiesAndReportsItsRange) {
  Open();
  AppendN(20);
  ASSERT_TRUE(log_->Checkpoint().ok());
  ASSERT_TRUE(log_->Close().ok());
  audit::VerifyReport r = Verify();
  ASSERT_TRUE(r.ok) << r.error;
  // genesis, start, checkpoint, 20 accesses, checkpoint, stop, checkpoint
  EXPECT_EQ(r.records, 26u);
  EXPECT_EQ(r.checkpoints, 3u);
  EXPECT_EQ(r.sealed, 25u);
  EXPECT_EQ(r.restarts, 1u);
  EXPECT_EQ(r.next_key_index, 3u);
  EXPECT_EQ(r.origin.rfind("transcript-vault/", 0), 0u);
}

TEST_F(AuditLogTest, ReopenAfterCleanStopAppendsAStartRecordAndKeepsVerifying) {
  Open();
  AppendN(3);
  ASSERT_TRUE(log_->Close().ok());
  Open();
  auto recs = log_->Read(0, 100);
  ASSERT_TRUE(recs.ok());
  const auto& last = recs->back().record;
  EXPECT_EQ(last.type, audit::RecordType::kCheckpoint);
  const auto& start = (*recs)[recs->size() - 2].record;
  EXPECT_EQ(start.type, audit::RecordType::kStart);
  EXPECT_NE(start.payload.find("\"previous_stop\":\"clean\""), std::string::npos);
  AppendN(2);
  ASSERT_TRUE(log_->Close().ok());
  audit::VerifyReport r = Verify();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.restarts, 2u);
}

TEST_F(AuditLogTest, ConcurrentAppendsGetDistinctSeqsAndShareFsyncs) {
  Open();
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<uint64_t> seqs;
  std::atomic<int> failures{0};
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto s = log_->Append(Event("transcript.read", "t" + std::to_string(t)));
        if (!s.ok()) { ++failures; continue; }
        std::lock_guard<std::mutex> l(mu);
        EXPECT_TRUE(seqs.insert(*s).second);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(seqs.size(), 800u);
  ASSERT_TRUE(log_->Close().ok());
  audit::VerifyReport r = Verify();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, 800u + 5);  // genesis, start, cp, ..., stop, cp
}

TEST_F(AuditLogTest, SegmentsRotateBySizeAndLinkAcross) {
  segment_bytes_ = 4096;
  Open();
  AppendN(100);
  auto segs = log_->Segments();
  EXPECT_GE(segs.size(), 4u);
  auto all = log_->Read(0, 1000);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), log_->Size());
  for (size_t i = 0; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].record.seq, i);
    if (i > 0) {
      EXPECT_EQ((*all)[i].record.prev, (*all)[i - 1].hash);
    }
  }
  auto mid = log_->Read(50, 5);
  ASSERT_TRUE(mid.ok());
  ASSERT_EQ(mid->size(), 5u);
  EXPECT_EQ(mid->front().record.seq, 50u);
  ASSERT_TRUE(log_->Close().ok());
  audit::VerifyReport r = Verify();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.segments, segs.size());
}

TEST_F(AuditLogTest, RecordsCarryNoContentOnlyWhoWhatWhen) {
  Open();
  audit::AccessEvent e = Event("transcript.read", "0123456789abcdef0123456789abcdef");
  e.details = {{"messages", "3"}};
  ASSERT_TRUE(log_->Append(e).ok());
  auto recs = log_->Read(log_->Size() - 1, 1);
  ASSERT_TRUE(recs.ok());
  EXPECT_EQ(recs->front().record.payload,
            "{\"actor\":{\"uid\":1001,\"role\":\"agent\"},\"action\":\"transcript.read\","
            "\"objects\":[\"0123456789abcdef0123456789abcdef\"],\"outcome\":\"ok\","
            "\"request\":\"req-1\",\"details\":{\"messages\":\"3\"}}");
}

TEST_F(AuditLogTest, ATornFinalRecordIsCutAtStartUpAndNoted) {
  Open();
  AppendN(5);
  log_.reset();  // a crash: no stop record
  const std::string seg = SegPath(1);
  const std::string intact = Read(seg);
  // Half of a record, as a crash mid-write leaves it.
  std::string torn = intact + intact.substr(0, 30);
  Write(seg, torn);
  Open();
  auto recs = log_->Read(0, 1000);
  ASSERT_TRUE(recs.ok());
  bool saw_recovery = false, saw_crash_start = false;
  for (const auto& r : *recs) {
    if (r.record.type == audit::RecordType::kRecovery) {
      saw_recovery = true;
      EXPECT_NE(r.record.payload.find("\"cut_bytes\":30"), std::string::npos);
    }
    if (r.record.type == audit::RecordType::kStart &&
        r.record.payload.find("crash") != std::string::npos) {
      saw_crash_start = true;
    }
  }
  EXPECT_TRUE(saw_recovery);
  EXPECT_TRUE(saw_crash_start);
  ASSERT_TRUE(log_->Close().ok());
  audit::VerifyReport r = Verify();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.recoveries, 1u);
}

TEST_F(AuditLogTest, ACleanCutBehindTheLastCheckpointIsTruncationNotACrash) {
  Open();
  AppendN(5);
  ASSERT_TRUE(log_->Close().ok());
  log_.reset();
  auto segs = Records();
  std::string bytes;
  audit::Hash prev{};
  // Keep everything up to (not including) the last checkpoint's predecessor.
  const std::string full = Read(SegPath(1));
  std::string_view in = full;
  size_t keep = 0;
  for (size_t i = 0; i + 3 < segs[0].size(); ++i) {
    audit::Record r;
    audit::Hash h;
    size_t used;
    std::string why;
    ASSERT_EQ(audit::DecodeRecord(in, &r, &h, &used, &why), audit::ParseResult::kOk);
    in.remove_prefix(used);
    keep += used;
  }
  (void)prev;
  Write(SegPath(1), full.substr(0, keep));
  Status s = OpenStatus();
  EXPECT_EQ(s.reason(), "audit_truncated") << s.ToString();
}

TEST_F(AuditLogTest, AFailedWriteFailsTheAppendAndLeavesNoTrace) {
  VAULT_SKIP_UNLESS_ROOT_FOR_CHATTR();
  Open();
  AppendN(3);
  const uint64_t before = log_->Size();
  const std::string seg = SegPath(1);
  // Make the segment immutable: the kernel refuses every further write.
  ASSERT_EQ(std::system(("chattr +i " + seg).c_str()), 0);
  auto failed = log_->Append(Event("transcript.read"));
  ASSERT_EQ(std::system(("chattr -i " + seg).c_str()), 0);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(log_->Size(), before);
  // The log recovers once the disk does, with no gap in the chain.
  AppendN(2);
  EXPECT_EQ(log_->Size(), before + 2);
  ASSERT_TRUE(log_->Close().ok());
  audit::VerifyReport r = Verify();
  ASSERT_TRUE(r.ok) << r.error;
}

// Group commit with a failure in the middle: appenders wait on their own
// batch (the one being written or the pending one). A write that fails must
// still wake every waiter of both (one left asleep holds the test until
// ctest's time limit), each append either succeeds or fails cleanly, and
// the chain that remains verifies with exactly the successes.
TEST_F(AuditLogTest, ConcurrentAppendsAcrossAFailedWriteAllReturnAndTheChainHoldsTheSuccesses) {
  VAULT_SKIP_UNLESS_ROOT_FOR_CHATTR();
  Open();
  constexpr int kThreads = 16, kEach = 60;
  std::string last_segment;
  for (uint64_t n = 1; std::filesystem::exists(SegPath(n)); ++n) last_segment = SegPath(n);
  std::mutex mu;
  std::set<uint64_t> seqs;
  std::atomic<int> ok{0}, failed{0}, started{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ++started;
      for (int i = 0; i < kEach; ++i) {
        auto s = log_->Append(Event("transcript.read", "t" + std::to_string(t)));
        if (!s.ok()) {
          EXPECT_EQ(s.status().code(), Status::Code::kUnavailable);
          ++failed;
          continue;
        }
        ++ok;
        std::lock_guard<std::mutex> l(mu);
        EXPECT_TRUE(seqs.insert(*s).second);
      }
    });
  }
  // While the others append, the disk refuses writes until an append of
  // this thread's has failed (its record is enqueued after the refusal, so
  // it cannot succeed). The workers are joined before any assertion ends
  // the test.
  while (started.load() < kThreads) std::this_thread::yield();
  const int made_immutable = std::system(("chattr +i " + last_segment).c_str());
  auto refused = log_->Append(Event("transcript.read", "controller"));
  const int made_mutable = std::system(("chattr -i " + last_segment).c_str());
  for (auto& th : threads) th.join();
  ASSERT_EQ(made_immutable, 0);
  ASSERT_EQ(made_mutable, 0);
  EXPECT_FALSE(refused.ok());
  EXPECT_EQ(ok.load() + failed.load(), kThreads * kEach);
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(seqs.size(), static_cast<size_t>(ok.load()));
  // The log goes on after the failure, with no gap in the chain.
  const uint64_t before = log_->Size();
  AppendN(3);
  EXPECT_EQ(log_->Size(), before + 3);
  ASSERT_TRUE(log_->Close().ok());
  audit::VerifyReport r = Verify();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.records, static_cast<uint64_t>(ok.load()) + 3 + 5);  // genesis, start, cp, ..., stop, cp
}

TEST_F(AuditLogTest, TheTimerSealsAnIdleLog) {
  Open();
  log_.reset();
  audit::AuditOptions o = Opts();
  o.checkpoint_interval_ms = 20;
  o.start_checkpoint_thread = true;
  auto l = audit::AuditLog::Open(o, custodian_.get(), SystemClock::Default());
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  const uint64_t start = (*l)->Size();
  // Wait (bounded) for three checkpoints made with no traffic at all.
  for (int i = 0; i < 500 && (*l)->Size() < start + 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_GE((*l)->Size(), start + 3);
  auto recs = (*l)->Read(start, 3);
  ASSERT_TRUE(recs.ok());
  for (const auto& r : *recs) EXPECT_EQ(r.record.type, audit::RecordType::kCheckpoint);
  ASSERT_TRUE((*l)->Close().ok());
}

TEST_F(AuditLogTest, RefusesALogWithoutItsKeyAndAKeyWithoutItsLog) {
  Open();
  ASSERT_TRUE(log_->Close().ok());
  log_.reset();
  std::filesystem::rename(Opts().dir, dir_.path() + "/moved");
  EXPECT_EQ(OpenStatus().reason(), "audit_log_missing");
  std::filesystem::remove_all(Opts().dir);
  std::filesystem::rename(dir_.path() + "/moved", Opts().dir);
  std::filesystem::remove(Opts().key_path);
  EXPECT_EQ(OpenStatus().reason(), "audit_key_missing");
}

}  // namespace
}  // namespace vault
