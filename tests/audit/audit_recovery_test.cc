// Start-up recovery of the audit log: what a crash, a clean stop or a refused
// start leave behind, and what the next start and the verifier make of it.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

#include <filesystem>

#include "tests/audit/audit_fixture.h"
#include "vault/audit/recovery.h"

namespace vault {
namespace {

class AuditRecoveryTest : public testing::AuditFixture {
 protected:
  // Records of the given type, as read back through the open log.
  std::vector<audit::Record> OfType(audit::RecordType type) {
    std::vector<audit::Record> out;
    auto recs = log_->Read(0, 100000);
    EXPECT_TRUE(recs.ok());
    for (const auto& r : *recs) {
      if (r.record.type == type) out.push_back(r.record);
    }
    return out;
  }
  std::string LastStartPayload() {
    auto starts = OfType(audit::RecordType::kStart);
    return starts.empty() ? "" : starts.back().payload;
  }
  uint64_t NewestSegment() {
    uint64_t n = 0;
    while (std::filesystem::exists(SegPath(n + 1))) ++n;
    return n;
  }
  // Closes the log with a stop record and drops it.
  void Stop() {
    ASSERT_TRUE(log_->Close().ok());
    log_.reset();
  }
  // The log read ahead of its opening, as VaultImpl::Open does.
  StatusOr<audit::LogScan> Prescan() {
    return audit::ScanLog(Opts().dir, audit::ListSegments(Opts().dir));
  }
  // Opens the log with `prescanned`; the log is open after an OK.
  Status OpenWith(StatusOr<audit::LogScan> prescanned) {
    log_.reset();
    auto l = audit::AuditLog::Open(Opts(), custodian_.get(), &clock_, std::move(prescanned));
    if (l.ok()) log_ = std::move(l).value();
    return l.status();
  }
};

// A reading of the log made before it is opened stands in for Open's own
// only while every segment file is as it was read. That Open uses it shows
// in the start record: a reading that says the last stop record is missing
// gives "previous_stop":"crash" ...
TEST_F(AuditRecoveryTest, AnUnchangedPrescanIsWhatTheOpeningUses) {
  Open();
  AppendN(3);
  ASSERT_NO_FATAL_FAILURE(Stop());
  StatusOr<audit::LogScan> scan = Prescan();
  ASSERT_TRUE(scan.ok()) << scan.status().ToString();
  ASSERT_TRUE(scan->stopped);
  scan->stopped = false;  // a reading that disagrees with the files
  ASSERT_TRUE(OpenWith(std::move(scan)).ok());
  EXPECT_NE(LastStartPayload().find("\"previous_stop\":\"crash\""), std::string::npos)
      << LastStartPayload();
}

// ... and once a segment has changed, or the reading failed, the log is
// read again: records appended after the reading are kept and the chain
// goes on from the last of them.
TEST_F(AuditRecoveryTest, AStaleOrFailedPrescanIsReadAgain) {
  segment_bytes_ = 4096;
  Open();
  AppendN(10);
  ASSERT_NO_FATAL_FAILURE(Stop());
  StatusOr<audit::LogScan> stale = Prescan();
  ASSERT_TRUE(stale.ok()) << stale.status().ToString();
  const uint64_t records_then = stale->records;
  Open();
  AppendN(40);  // into the newest segment and new ones
  ASSERT_NO_FATAL_FAILURE(Stop());

  ASSERT_TRUE(OpenWith(std::move(stale)).ok());
  EXPECT_NE(LastStartPayload().find("\"previous_stop\":\"clean\""), std::string::npos)
      << LastStartPayload();
  AppendN(5);
  ASSERT_NO_FATAL_FAILURE(Stop());
  ASSERT_TRUE(OpenWith(Status::Corruption("a reading that failed")).ok());
  ASSERT_NO_FATAL_FAILURE(Stop());
  audit::VerifyReport r = Verify();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_GT(r.records, records_then + 45);
  EXPECT_GT(r.segments, 2u);
}

// Records added to the same segment after the reading (no new file) make it
// stale too: the newest segment's size has changed.
TEST_F(AuditRecoveryTest, APrescanIsReadAgainAfterRecordsInItsNewestSegment) {
  Open();
  AppendN(5);
  ASSERT_NO_FATAL_FAILURE(Stop());
  StatusOr<audit::LogScan> stale = Prescan();
  ASSERT_TRUE(stale.ok()) << stale.status().ToString();
  const uint64_t segments_then = stale->files.size();
  Open();
  AppendN(3);
  ASSERT_NO_FATAL_FAILURE(Stop());
  ASSERT_EQ(audit::ListSegments(Opts().dir).size(), segments_then) << "no new segment";

  ASSERT_TRUE(OpenWith(std::move(stale)).ok());
  ASSERT_NO_FATAL_FAILURE(Stop());
  audit::VerifyReport r = Verify();
  ASSERT_TRUE(r.ok) << r.error;
}

// A segment changed in place after the reading, at the same size and with
// its old modification time set back (as `touch -r` would), still differs
// from what was read (its change time moved): the log is read again and
// the damage refuses the start.
TEST_F(AuditRecoveryTest, AnEditInPlaceWithItsTimeSetBackIsStillSeen) {
  segment_bytes_ = 4096;  // segment 1 is then not the newest: damage, not a torn tail
  Open();
  AppendN(40);
  ASSERT_NO_FATAL_FAILURE(Stop());
  StatusOr<audit::LogScan> before = Prescan();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  ASSERT_GE(before->files.size(), 2u);

  const std::string path = SegPath(1);
  struct stat st{};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  // Change times have the resolution of the kernel's coarse clock: that
  // clock is first let pass the file's, so that the edit's is later.
  timespec now{};
  do {
    ASSERT_EQ(::clock_gettime(CLOCK_REALTIME_COARSE, &now), 0);
  } while (now.tv_sec < st.st_ctim.tv_sec ||
           (now.tv_sec == st.st_ctim.tv_sec && now.tv_nsec <= st.st_ctim.tv_nsec));
  std::string bytes = Read(path);
  ASSERT_GT(bytes.size(), 600u);
  bytes[bytes.size() / 2] ^= 0x01;  // inside a record well before the tail
  Write(path, bytes);
  const struct timespec times[2] = {st.st_atim, st.st_mtim};
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, 0), 0);
  struct stat after{};
  ASSERT_EQ(::stat(path.c_str(), &after), 0);
  ASSERT_EQ(after.st_size, st.st_size);
  ASSERT_EQ(after.st_mtim.tv_nsec, st.st_mtim.tv_nsec);
  ASSERT_EQ(after.st_mtim.tv_sec, st.st_mtim.tv_sec);

  const Status opened = OpenWith(std::move(before));
  EXPECT_EQ(opened.reason(), "audit_log_corrupt") << opened.ToString();
}

TEST_F(AuditRecoveryTest, AnEmptyNewestSegmentLeftByACrashDuringRotationIsTornAndRemoved) {
  segment_bytes_ = 4096;
  Open();
  AppendN(40);
  log_.reset();  // a crash: no stop record
  const uint64_t last = NewestSegment();
  ASSERT_GE(last, 2u);
  // Rotation created the next file, then the crash came before its segment
  // record reached the disk.
  Write(SegPath(last + 1), "");
  audit::VerifyReport copy = Verify();
  EXPECT_FALSE(copy.ok);
  EXPECT_EQ(copy.error_code, "torn") << copy.error;
  EXPECT_EQ(copy.bad_segment, last + 1);
  EXPECT_EQ(copy.segments, last) << "every segment before the empty one verified";

  Open();
  auto recoveries = OfType(audit::RecordType::kRecovery);
  ASSERT_EQ(recoveries.size(), 1u);
  EXPECT_NE(recoveries[0].payload.find("\"removed_segment\":" + std::to_string(last + 1)),
            std::string::npos)
      << recoveries[0].payload;
  EXPECT_NE(LastStartPayload().find("\"previous_stop\":\"crash\""), std::string::npos);
  AppendN(30);  // rotates again, through the number that was removed
  ASSERT_TRUE(log_->Close().ok());
  audit::VerifyReport r = Verify();
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.recoveries, 1u);
  EXPECT_GT(r.segments, last);
}

TEST_F(AuditRecoveryTest, ATornSegmentRecordAloneInTheNewestSegmentIsCutAndTheFileRemoved) {
  segment_bytes_ = 4096;
  Open();
  AppendN(40);
  log_.reset();
  const uint64_t last = NewestSegment();
  ASSERT_GE(last, 2u);
  // The first 30 bytes of a segment record: a torn write in a new file.
  const std::string seg2 = Read(SegPath(2));
  Write(SegPath(last + 1), seg2.substr(0, 30));
  EXPECT_EQ(Verify().error_code, "torn");
  Open();
  auto recoveries = OfType(audit::RecordType::kRecovery);
  ASSERT_EQ(recoveries.size(), 1u);
  EXPECT_NE(recoveries[0].payload.find("\"cut_bytes\":30"), std::string::npos);
  EXPECT_NE(recoveries[0].payload.find("\"removed_segment\""), std::string::npos);
  ASSERT_TRUE(log_->Close().ok());
  audit::VerifyReport r = Verify();
  ASSERT_TRUE(r.ok) << r.error;
}

TEST_F(AuditRecoveryTest, ACleanStopIsCleanEvenWhenRotationFallsBeforeItsCheckpoint) {
  segment_bytes_ = 4096;
  Open();
  // Measure an access record, then pad one so that the stop record still fits
  // in this segment but the checkpoint after it starts a new one.
  auto size_now = [&] { return log_->Segments().back().second; };
  const uint64_t before = size_now();
  ASSERT_TRUE(log_->Append(Event("transcript.read", "x")).ok());
  const uint64_t base = size_now() - before - 1;  // an access record minus its object
  const uint64_t stop_bytes = 4 + 50 + 2 + 32;    // "{}"
  bool placed = false;
  const uint64_t want = 4096 - stop_bytes / 2;  // < 4096, and >= 4096 after the stop
  for (int i = 0; i < 100 && !placed; ++i) {
    const uint64_t s = size_now();
    if (s < 4096 && want > s + base && want - s - base < 2000) {
      const uint64_t pad = want - s - base;
      ASSERT_TRUE(log_->Append(Event("transcript.read", std::string(pad, 'p'))).ok());
      placed = true;
    } else {
      AppendN(1);
    }
  }
  ASSERT_TRUE(placed);
  ASSERT_TRUE(log_->Close().ok());
  log_.reset();
  auto segs = Records();
  ASSERT_GE(segs.size(), 2u);
  ASSERT_EQ(segs[segs.size() - 2].back().type, audit::RecordType::kStop);
  ASSERT_EQ(segs.back().size(), 2u);
  ASSERT_EQ(segs.back()[0].type, audit::RecordType::kSegment);
  ASSERT_EQ(segs.back()[1].type, audit::RecordType::kCheckpoint);

  Open();
  EXPECT_NE(LastStartPayload().find("\"previous_stop\":\"clean\""), std::string::npos)
      << LastStartPayload();
  EXPECT_TRUE(OfType(audit::RecordType::kRecovery).empty());
}

TEST_F(AuditRecoveryTest, AStartWithoutAStopRecordBeforeItIsACrash) {
  Open();
  AppendN(3);
  ASSERT_TRUE(log_->Checkpoint().ok());  // sealed, but never stopped
  log_.reset();
  Open();
  EXPECT_NE(LastStartPayload().find("\"previous_stop\":\"crash\""), std::string::npos);
  EXPECT_TRUE(OfType(audit::RecordType::kRecovery).empty()) << "nothing was torn";
}

TEST_F(AuditRecoveryTest, ARefusedStartLeavesTheLogByteForByteAsItWas) {
  Open();
  AppendN(3);
  ASSERT_TRUE(log_->Close().ok());
  log_.reset();
  const std::string old_key = dir_.path() + "/audit.key.old";
  std::filesystem::copy_file(Opts().key_path, old_key);
  Open();
  AppendN(2);
  ASSERT_TRUE(log_->Close().ok());
  log_.reset();
  const std::string good_key = Read(Opts().key_path);
  // A crash left a torn final record: something start-up would cut.
  const std::string seg = SegPath(1);
  const std::string intact = Read(seg);
  Write(seg, intact + intact.substr(0, 40));
  const auto before = Snapshot();

  // The key file belongs to an earlier state of this log.
  Write(Opts().key_path, Read(old_key));
  Status s = OpenStatus();
  EXPECT_EQ(s.reason(), "audit_key_mismatch") << s.ToString();
  EXPECT_TRUE(Snapshot() == before) << "a start refused for its key changed the log";

  // The log was cut back behind the last checkpoint the key remembers.
  Write(Opts().key_path, good_key);
  Write(seg, intact);
  auto segs = Records();
  segs[0].resize(segs[0].size() - 3);
  Rechain(segs);  // the same bytes, minus the last three records
  const std::string cut = Read(seg) + intact.substr(0, 40);
  Write(seg, cut);
  const auto cut_before = Snapshot();
  s = OpenStatus();
  EXPECT_EQ(s.reason(), "audit_truncated") << s.ToString();
  EXPECT_TRUE(Snapshot() == cut_before) << "a start refused for truncation changed the log";

  // Put right, it starts, cuts the torn tail and says so.
  for (const auto& [n, bytes] : before) Write(SegPath(n), bytes);
  Open();
  ASSERT_EQ(OfType(audit::RecordType::kRecovery).size(), 1u);
}

}  // namespace
}  // namespace vault
