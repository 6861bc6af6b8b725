// An AuditLog in a scratch directory with a manual clock, plus a forger that
// rewrites a log the way an attacker with a (stolen) signing key would.
#ifndef VAULT_TESTS_AUDIT_AUDIT_FIXTURE_H_
#define VAULT_TESTS_AUDIT_AUDIT_FIXTURE_H_

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>

#include "tests/support/temp_dir.h"
#include "vault/audit/audit_log.h"
#include "vault/audit/verifier.h"

namespace vault::testing {

class AuditFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = KeyFileCustodian::Open(dir_.path() + "/root.key", true);
    ASSERT_TRUE(c.ok());
    custodian_ = std::move(c).value();
  }
  audit::AuditOptions Opts() {
    audit::AuditOptions o;
    o.dir = dir_.path() + "/audit";
    o.key_path = dir_.path() + "/audit.key";
    o.checkpoint_interval_ms = interval_ms_;
    o.segment_bytes = segment_bytes_;
    o.start_checkpoint_thread = false;
    return o;
  }
  void Open() {
    log_.reset();
    if (!have_key0_) {
      // Provision key 0 ahead of the first start and keep a copy of it, as
      // an attacker who stole it on day one would.
      auto k = audit::SigningChain::Open(Opts().key_path, custodian_.get(), true);
      ASSERT_TRUE(k.ok()) << k.status().ToString();
      std::filesystem::copy_file(Opts().key_path, dir_.path() + "/audit.key.0");
    }
    auto l = audit::AuditLog::Open(Opts(), custodian_.get(), &clock_);
    ASSERT_TRUE(l.ok()) << l.status().ToString();
    log_ = std::move(l).value();
    if (!have_key0_) {
      key0_ = log_->GenesisKey();
      have_key0_ = true;
    }
  }
  Status OpenStatus() {
    log_.reset();
    auto l = audit::AuditLog::Open(Opts(), custodian_.get(), &clock_);
    if (l.ok()) log_ = std::move(l).value();
    return l.status();
  }
  audit::AccessEvent Event(const std::string& action, const std::string& object = "t1") {
    audit::AccessEvent e;
    e.actor = {1001, "agent", ""};
    e.action = action;
    e.objects = {object};
    e.outcome = "ok";
    e.request_id = "req-1";
    return e;
  }
  // Appends an access record shaped like vaultd's (10 ms after the last,
  // details ending in `pid`) and returns its sequence number.
  uint64_t AppendAccess(const std::string& action, std::vector<std::string> objects,
                        std::vector<std::pair<std::string, std::string>> details,
                        const std::string& outcome, const std::string& role) {
    audit::AccessEvent e;
    e.actor = {1001, role, ""};
    e.action = action;
    e.objects = std::move(objects);
    e.outcome = outcome;
    e.request_id = "0000000000000001";
    e.details = std::move(details);
    e.details.emplace_back("pid", "1");
    clock_.Advance(10);
    auto seq = log_->Append(e);
    EXPECT_TRUE(seq.ok());
    return seq.ok() ? *seq : 0;
  }
  void AppendN(int n) {
    for (int i = 0; i < n; ++i) {
      clock_.Advance(10);
      ASSERT_TRUE(log_->Append(Event("transcript.read", "t" + std::to_string(i))).ok());
    }
  }
  audit::VerifyReport Verify(std::vector<std::string> kept = {}, const std::string& dir = "") {
    audit::VerifyOptions vo;
    vo.pinned_key = key0_;
    vo.kept_checkpoints = std::move(kept);
    return audit::VerifyDirectory(dir.empty() ? Opts().dir : dir, vo);
  }
  std::string SegPath(uint64_t n) {
    char name[32];
    std::snprintf(name, sizeof name, "/audit-%08llu.log", static_cast<unsigned long long>(n));
    return Opts().dir + name;
  }
  std::string Read(const std::string& p) { return ReadFileBytes(p); }
  void Write(const std::string& p, const std::string& bytes) {
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    out << bytes;
  }
  // All records of the log, in order, by segment.
  std::vector<std::vector<audit::Record>> Records() {
    std::vector<std::vector<audit::Record>> out;
    for (uint64_t n = 1; std::filesystem::exists(SegPath(n)); ++n) {
      out.emplace_back();
      std::string bytes = Read(SegPath(n));
      std::string_view in = bytes;
      while (!in.empty()) {
        audit::Record r;
        audit::Hash h;
        size_t used;
        std::string why;
        EXPECT_EQ(audit::DecodeRecord(in, &r, &h, &used, &why), audit::ParseResult::kOk) << why;
        out.back().push_back(r);
        in.remove_prefix(used);
      }
    }
    return out;
  }
  // Rewrites the log from `segs`, re-chaining every record (seq, prev, hash)
  // but keeping every payload byte for byte: checkpoints are not re-signed.
  void Rechain(const std::vector<std::vector<audit::Record>>& segs) {
    WriteChained(segs, [](audit::Record*) {});
  }
  // Every segment file's bytes, by number.
  std::map<uint64_t, std::string> Snapshot() {
    std::map<uint64_t, std::string> out;
    for (uint64_t n = 1; std::filesystem::exists(SegPath(n)); ++n) out[n] = Read(SegPath(n));
    return out;
  }
  // Rewrites the log from `segs`, re-chaining every record and re-signing
  // every checkpoint with the chain loaded from `key_file` (an attacker's
  // copy of the signing key at some index).
  void Forge(std::vector<std::vector<audit::Record>> segs, const std::string& key_file) {
    const std::string copy = dir_.path() + "/forger.key";
    std::filesystem::copy_file(key_file, copy, std::filesystem::copy_options::overwrite_existing);
    auto chain = audit::SigningChain::Open(copy, custodian_.get(), false);
    ASSERT_TRUE(chain.ok()) << chain.status().ToString();
    WriteChained(segs, [&](audit::Record* r) {
      if (r->type != audit::RecordType::kCheckpoint) return;
      audit::CheckpointNote note;
      note.size = r->seq;
      note.head = r->prev;
      note.time_ms = r->time_ms;
      auto signed_note = (*chain)->Sign(&note);
      ASSERT_TRUE(signed_note.ok());
      ASSERT_TRUE((*chain)->Advance(note).ok());
      boost::json::object o;
      o["note"] = *signed_note;
      r->payload = boost::json::serialize(o);
    });
  }
  // Replaces the log's segments with `segs`, setting every record's seq and
  // prev to chain them; `rewrite(&record)` may change a record once those
  // are set, before it is encoded. Stops at a fatal failure in `rewrite`.
  template <typename Rewrite>
  void WriteChained(const std::vector<std::vector<audit::Record>>& segs, Rewrite rewrite) {
    for (uint64_t n = 1; std::filesystem::exists(SegPath(n)); ++n) {
      std::filesystem::remove(SegPath(n));
    }
    audit::Hash prev{};
    uint64_t seq = 0;
    for (size_t s = 0; s < segs.size(); ++s) {
      std::string bytes;
      for (audit::Record r : segs[s]) {
        r.seq = seq++;
        r.prev = prev;
        rewrite(&r);
        if (::testing::Test::HasFatalFailure()) return;
        prev = audit::EncodeRecord(r, &bytes);
      }
      Write(SegPath(s + 1), bytes);
    }
  }

  TempDir dir_;
  ManualClock clock_{1'800'000'000'000};
  int64_t interval_ms_ = 60'000;
  uint64_t segment_bytes_ = 16 << 20;
  std::unique_ptr<KeyFileCustodian> custodian_;
  std::unique_ptr<audit::AuditLog> log_;
  audit::PublicKey key0_{};
  bool have_key0_ = false;
};

}  // namespace vault::testing

#endif  // VAULT_TESTS_AUDIT_AUDIT_FIXTURE_H_
