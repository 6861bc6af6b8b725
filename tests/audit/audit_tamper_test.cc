// The tamper suite: every manipulation is detected by the offline verifier,
// and the intact log is never a false alarm.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/audit/audit_fixture.h"

namespace vault {
namespace {

class AuditTamperTest : public testing::AuditFixture {
 protected:
  // A small log: genesis, start, cp, 6 accesses, cp, 4 accesses, stop, cp.
  void Build() {
    Open();
    AppendN(6);
    ASSERT_TRUE(log_->Checkpoint().ok());
    kept_ = log_->LatestCheckpoint();
    AppendN(4);
    ASSERT_TRUE(log_->Close().ok());
    log_.reset();
    intact_ = Read(SegPath(1));
    auto r = Verify({kept_});
    ASSERT_TRUE(r.ok) << r.error;
  }
  void ExpectFails(const std::string& what, const std::string& code = "",
                   std::vector<std::string> kept = {}) {
    audit::VerifyReport r = Verify(std::move(kept));
    EXPECT_FALSE(r.ok) << what << ": tampering went unnoticed";
    if (!code.empty()) {
      EXPECT_EQ(r.error_code, code) << what << ": " << r.error;
    }
  }
  // A closed log of `appends` accesses in segments of 4 KiB.
  void BuildSegmented(int appends) {
    segment_bytes_ = 4096;
    Open();
    AppendN(appends);
    ASSERT_TRUE(log_->Close().ok());
    log_.reset();
  }
  // An access payload whose action is changed, still well formed (rule 12).
  static std::string Rewritten(std::string payload) {
    const size_t at = payload.find("transcript.read");
    EXPECT_NE(at, std::string::npos);
    return payload.replace(at, 15, "nothing.to.see");
  }
  std::string intact_;
  std::string kept_;
};

TEST_F(AuditTamperTest, EveryFlippedByteIsDetected) {
  Build();
  for (size_t i = 0; i < intact_.size(); ++i) {
    std::string bad = intact_;
    bad[i] ^= 0x04;
    Write(SegPath(1), bad);
    ASSERT_FALSE(Verify().ok) << "flipped byte " << i << " of " << intact_.size();
  }
  Write(SegPath(1), intact_);
  EXPECT_TRUE(Verify().ok);
}

TEST_F(AuditTamperTest, DeletedRecordIsDetected) {
  Build();
  auto segs = Records();
  std::string bytes;
  for (size_t i = 0; i < segs[0].size(); ++i) {
    if (i == 5) continue;  // drop an access record, keep the rest byte for byte
    audit::EncodeRecord(segs[0][i], &bytes);
  }
  Write(SegPath(1), bytes);
  ExpectFails("deleted record", "seq");
}

TEST_F(AuditTamperTest, DeletedRecordWithTheChainRebuiltIsDetected) {
  Build();
  auto segs = Records();
  segs[0].erase(segs[0].begin() + 5);
  // The attacker rebuilds the chain but holds only today's key, not key 0.
  Forge(segs, Opts().key_path);
  ExpectFails("deleted and re-chained", "unknown_key");
}

TEST_F(AuditTamperTest, InsertedDuplicatedAndReorderedRecordsAreDetected) {
  Build();
  auto segs = Records();
  {
    std::string bytes;
    for (size_t i = 0; i < segs[0].size(); ++i) {
      audit::EncodeRecord(segs[0][i], &bytes);
      if (i == 4) audit::EncodeRecord(segs[0][i], &bytes);  // duplicate
    }
    Write(SegPath(1), bytes);
    ExpectFails("duplicated record", "seq");
  }
  {
    std::string bytes;
    for (size_t i = 0; i < segs[0].size(); ++i) {
      if (i == 4) {
        audit::Record extra = segs[0][4];
        extra.payload = "{\"action\":\"transcript.read\"}";
        audit::EncodeRecord(extra, &bytes);
      }
      audit::EncodeRecord(segs[0][i], &bytes);
    }
    Write(SegPath(1), bytes);
    ExpectFails("inserted record");
  }
  {
    std::string bytes;
    std::swap(segs[0][4], segs[0][5]);
    for (const auto& r : segs[0]) audit::EncodeRecord(r, &bytes);
    Write(SegPath(1), bytes);
    ExpectFails("reordered records", "seq");
  }
}

TEST_F(AuditTamperTest, TruncationBehindAKeptCheckpointIsDetected) {
  Build();
  auto segs = Records();
  // Cut cleanly at a record boundary, dropping the last record the kept
  // checkpoint (size 9) covers.
  std::string bytes;
  for (size_t i = 0; i < 8; ++i) audit::EncodeRecord(segs[0][i], &bytes);
  Write(SegPath(1), bytes);
  ASSERT_TRUE(Verify().ok) << "a clean cut alone is a shorter but valid log";
  ExpectFails("truncated behind kept checkpoint", "truncated", {kept_});
}

TEST_F(AuditTamperTest, RemovedSwappedOrReplayedSegmentsAreDetected) {
  BuildSegmented(60);
  ASSERT_TRUE(std::filesystem::exists(SegPath(4)));
  ASSERT_TRUE(Verify().ok);
  const std::string s2 = Read(SegPath(2)), s3 = Read(SegPath(3));
  std::filesystem::remove(SegPath(2));
  ExpectFails("removed segment", "segment_missing");
  Write(SegPath(2), s3);
  Write(SegPath(3), s2);
  ExpectFails("swapped segments");
  Write(SegPath(2), s2);
  Write(SegPath(3), s2);  // segment 2 replayed as segment 3
  ExpectFails("replayed segment");
  Write(SegPath(3), s3);
  EXPECT_TRUE(Verify().ok);
  // Removing the newest segment is a clean cut: caught with a kept checkpoint.
}

// Start-up reads and hashes segments on several threads and joins them in
// order (audit/recovery.cc): an intact log of many segments opens where it
// ended, damage in any segment refuses the start and names that segment's
// records, and with damage in two segments the earlier is the one named.
TEST_F(AuditTamperTest, StartUpChecksEverySegmentAndNamesTheFirstDamage) {
  BuildSegmented(120);
  const auto segments = Records();
  ASSERT_GE(segments.size(), 6u);
  std::vector<uint64_t> first_seq;  // [i]: of segment i + 1; then the total
  uint64_t total = 0;
  for (const auto& records : segments) {
    ASSERT_FALSE(records.empty());
    EXPECT_EQ(records.front().seq, total);
    first_seq.push_back(total);
    total += records.size();
  }
  first_seq.push_back(total);
  // Intact: it opens, and the next record follows the last one.
  ASSERT_TRUE(OpenStatus().ok());
  AppendN(1);
  ASSERT_TRUE(log_->Close().ok());
  log_.reset();
  std::vector<std::string> intact;
  for (size_t n = 1; n <= segments.size(); ++n) intact.push_back(Read(SegPath(n)));
  EXPECT_GT(Records().back().back().seq, total);

  // The record a refusal names, or the segment it names.
  const auto names_segment = [&](const Status& s, size_t n) {
    const std::string& m = s.message();
    if (m.find("audit segment " + std::to_string(n) + " ") != std::string::npos) return true;
    const size_t at = m.find("record ");
    if (at == std::string::npos) return false;
    const uint64_t record = std::stoull(m.substr(at + 7));
    // A changed record breaks the chain at itself or at the record after it.
    return record >= first_seq[n - 1] && record <= first_seq[n];
  };
  const size_t older = segments.size() - 1;  // every segment but the newest
  for (size_t n = 1; n <= older; ++n) {
    for (const size_t at : {size_t{0}, intact[n - 1].size() / 2, intact[n - 1].size() - 1}) {
      std::string bad = intact[n - 1];
      bad[at] ^= 0x04;
      Write(SegPath(n), bad);
      const Status s = OpenStatus();
      EXPECT_EQ(s.reason(), "audit_log_corrupt") << "segment " << n << " byte " << at;
      EXPECT_TRUE(names_segment(s, n)) << "segment " << n << " byte " << at << ": " << s.ToString();
      Write(SegPath(n), intact[n - 1]);
    }
  }
  // Damage in two segments: the earlier one is named.
  for (size_t a = 1; a + 2 <= older; ++a) {
    const size_t b = a + 2;
    std::string bad_a = intact[a - 1], bad_b = intact[b - 1];
    bad_a[bad_a.size() / 2] ^= 0x04;
    bad_b[bad_b.size() / 2] ^= 0x04;
    Write(SegPath(a), bad_a);
    Write(SegPath(b), bad_b);
    const Status s = OpenStatus();
    EXPECT_EQ(s.reason(), "audit_log_corrupt");
    EXPECT_TRUE(names_segment(s, a)) << a << " and " << b << ": " << s.ToString();
    Write(SegPath(a), intact[a - 1]);
    Write(SegPath(b), intact[b - 1]);
  }
  // A whole record taken out of the middle of a segment: every record still
  // decodes, and the chain breaks at the one after the gap.
  for (size_t n = 2; n <= older; ++n) {
    std::string_view in = intact[n - 1];
    std::vector<size_t> sizes;
    while (!in.empty()) {
      audit::Record r;
      audit::Hash h;
      size_t used = 0;
      std::string why;
      ASSERT_EQ(audit::DecodeRecord(in, &r, &h, &used, &why), audit::ParseResult::kOk) << why;
      sizes.push_back(used);
      in.remove_prefix(used);
    }
    ASSERT_GE(sizes.size(), 3u);
    const size_t gap = sizes.size() / 2;
    size_t start = 0;
    for (size_t i = 0; i < gap; ++i) start += sizes[i];
    std::string bad = intact[n - 1];
    bad.erase(start, sizes[gap]);
    Write(SegPath(n), bad);
    const Status s = OpenStatus();
    EXPECT_NE(s.message().find("audit chain broken at record " +
                               std::to_string(first_seq[n - 1] + gap)),
              std::string::npos)
        << "segment " << n << ": " << s.ToString();
    Write(SegPath(n), intact[n - 1]);
  }
  // Two segments swapped: the chain breaks where the first of them starts.
  Write(SegPath(2), intact[2]);
  Write(SegPath(3), intact[1]);
  const Status swapped = OpenStatus();
  EXPECT_EQ(swapped.reason(), "audit_log_corrupt");
  EXPECT_NE(swapped.message().find("audit chain broken at record " + std::to_string(first_seq[1])),
            std::string::npos)
      << swapped.ToString();
  Write(SegPath(2), intact[1]);
  Write(SegPath(3), intact[2]);
  // An older segment emptied: named as empty.
  Write(SegPath(4), "");
  const Status emptied = OpenStatus();
  EXPECT_NE(emptied.message().find("audit segment 4 is empty"), std::string::npos)
      << emptied.ToString();
  Write(SegPath(4), intact[3]);
  // Restored, it opens again and nothing was changed by the refusals.
  for (size_t n = 1; n <= segments.size(); ++n) EXPECT_EQ(Read(SegPath(n)), intact[n - 1]);
  EXPECT_TRUE(OpenStatus().ok());
}

TEST_F(AuditTamperTest, ReSigningOldRecordsWithALaterKeyIsDetected) {
  Build();
  auto segs = Records();
  // Rewrite an early access record; re-sign with the key the host holds now.
  segs[0][4].payload = Rewritten(segs[0][4].payload);
  Forge(segs, Opts().key_path);
  ExpectFails("re-signed with a later key", "unknown_key");
}

TEST_F(AuditTamperTest, AForkSignedWithTheRightKeyIsCaughtByAKeptCheckpoint) {
  Build();
  auto segs = Records();
  segs[0][4].payload = Rewritten(segs[0][4].payload);
  // An attacker who stole key 0 at the very start re-signs everything.
  Forge(segs, dir_.path() + "/audit.key.0");
  ASSERT_TRUE(Verify().ok) << "with every key, a rewritten log verifies on its own";
  ExpectFails("fork", "fork", {kept_});
}

TEST_F(AuditTamperTest, ACheckpointWithNonIncreasingTimeIsDetected) {
  Build();
  auto segs = Records();
  size_t n = 0;
  for (auto& r : segs[0]) {
    if (r.type == audit::RecordType::kCheckpoint && ++n == 2) r.time_ms = segs[0][2].time_ms;
  }
  Forge(segs, dir_.path() + "/audit.key.0");
  ExpectFails("checkpoint time", "time_order");
}

TEST_F(AuditTamperTest, ACheckpointOfTheWrongSizeIsDetected) {
  Build();
  auto segs = Records();
  // Re-sign the second checkpoint correctly, then move it one record earlier
  // by dropping the access before it and re-chaining without re-signing.
  Forge(segs, dir_.path() + "/audit.key.0");
  auto forged = Records();
  std::string bytes;
  audit::Hash prev{};
  uint64_t seq = 0;
  for (size_t i = 0; i < forged[0].size(); ++i) {
    if (i == 8) continue;
    audit::Record r = forged[0][i];
    r.seq = seq++;
    r.prev = prev;
    prev = audit::EncodeRecord(r, &bytes);
  }
  Write(SegPath(1), bytes);
  ExpectFails("checkpoint size", "size");
}

TEST_F(AuditTamperTest, ACheckpointSignedByAnUnknownKeyIsDetected) {
  Build();
  auto segs = Records();
  // A fresh key chain nobody pinned.
  KeyFileCustodian* c = custodian_.get();
  auto stranger = audit::SigningChain::Open(dir_.path() + "/stranger.key", c, true);
  ASSERT_TRUE(stranger.ok());
  Forge(segs, dir_.path() + "/stranger.key");
  ExpectFails("unknown key", "unknown_key");
}

TEST_F(AuditTamperTest, AnIntervalThatWasNeverSealedIsDetected) {
  interval_ms_ = 1000;
  Open();
  AppendN(2);
  ASSERT_TRUE(log_->Checkpoint().ok());
  clock_.Advance(10 * 1000);  // ten intervals with no checkpoint
  AppendN(2);
  ASSERT_TRUE(log_->Checkpoint().ok());
  ASSERT_TRUE(log_->Close().ok());
  log_.reset();
  ExpectFails("unsealed interval", "gap");
}

TEST_F(AuditTamperTest, DowntimeBetweenAStopAndAStartIsNotAGap) {
  interval_ms_ = 1000;
  Open();
  AppendN(2);
  ASSERT_TRUE(log_->Close().ok());
  clock_.Advance(3600 * 1000);
  Open();
  AppendN(2);
  ASSERT_TRUE(log_->Close().ok());
  log_.reset();
  audit::VerifyReport r = Verify();
  EXPECT_TRUE(r.ok) << r.error;
}

TEST_F(AuditTamperTest, MalformedGenesisOrCheckpointPayloadsFailByRecordNeverThrow) {
  Build();
  const auto original = Records();
  // A rewriter without any key: the chain is rebuilt so every hash is right
  // and the payload reaches the JSON parser.
  const std::vector<std::string> bad = {
      "", "{", "[]", "null", "\"note\"", "{\"note\":5}", "{\"note\":null}",
      "{\"note\":\"not a signed note\"}", "{\"key\":7}", "{\"key\":\"AAAA\"}",
      "{\"origin\":7,\"checkpoint_interval_ms\":\"60000\"}", "\xff\xfe{}",
      std::string(200, '['), "{\"a\":1e99999}", "{\"note\":\"\\u0000\"}"};
  for (size_t index : {size_t{0}, size_t{2}}) {  // the genesis record, the first checkpoint
    for (const std::string& payload : bad) {
      SCOPED_TRACE("record " + std::to_string(index) + " payload " + payload);
      auto segs = original;
      segs[0][index].payload = payload;
      Rechain(segs);
      audit::VerifyReport r;
      EXPECT_NO_THROW(r = Verify());
      EXPECT_FALSE(r.ok);
      EXPECT_EQ(r.bad_seq, static_cast<int64_t>(index)) << r.error;
      EXPECT_NE(r.error.find("record " + std::to_string(index)), std::string::npos) << r.error;
      Status s;
      EXPECT_NO_THROW(s = OpenStatus());
      EXPECT_EQ(s.reason(), "audit_log_corrupt") << s.ToString();
      EXPECT_NE(s.message().find("record " + std::to_string(index)), std::string::npos)
          << s.ToString();
    }
  }
  // A kept checkpoint file that is not a note at all.
  Rechain(original);
  for (const std::string& kept : {std::string(""), std::string("{\"note\":1}"),
                                  std::string("\n\n\n"), kept_.substr(0, 40)}) {
    audit::VerifyReport r;
    EXPECT_NO_THROW(r = Verify({kept}));
    EXPECT_EQ(r.error_code, "bad_kept_checkpoint") << r.error;
  }
}

TEST_F(AuditTamperTest, AReformattedKeptCheckpointIsAcceptedOrMalformedNeverAFork) {
  Build();
  std::string crlf;
  for (char c : kept_) crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  // What jq -r, an editor or a Windows tool make of the saved note.
  for (const std::string& same : {kept_ + "\n", kept_ + "\n\n", kept_.substr(0, kept_.size() - 1),
                                  crlf, crlf + "\r\n"}) {
    audit::VerifyReport r = Verify({same});
    EXPECT_TRUE(r.ok) << r.error_code << ": " << r.error;
  }
  // Damaged beyond formatting: a clear malformed report, not a fork.
  const size_t sig = kept_.find("\n\n") + 2;
  for (const std::string& damaged :
       {kept_ + "junk\n", kept_.substr(0, sig) + "\n" + kept_.substr(sig),
        kept_.substr(0, kept_.size() - 10) + "\n"}) {
    audit::VerifyReport r = Verify({damaged});
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.error_code, "bad_kept_checkpoint") << r.error;
    EXPECT_NE(r.error.find("malformed checkpoint"), std::string::npos) << r.error;
  }
  // A real fork is still a fork, however the kept note ends.
  auto segs = Records();
  segs[0][4].payload = Rewritten(segs[0][4].payload);
  Forge(segs, dir_.path() + "/audit.key.0");
  for (const std::string& k : {kept_, kept_ + "\n", crlf}) {
    ExpectFails("fork", "fork", {k});
  }
}

}  // namespace
}  // namespace vault
