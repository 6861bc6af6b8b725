// Retention: keys destroyed when their epoch ends, records purged and
// compacted away, tombstones answering Gone, catch-up after downtime, audit
// evidence, the overdue count, and an offline recovery attempt with every
// file from before and after a shred.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/core/vault_fixture.h"
#include "vault/crypto/custodian.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class RetentionTest : public VaultFixture {
 protected:
  // A closed transcript with `messages` messages; returns its id.
  std::string ClosedTranscript(int messages, const std::string& text = "hello") {
    const std::string id = Create();
    for (int i = 0; i < messages; ++i) Append(id, static_cast<uint64_t>(i), text);
    EXPECT_TRUE(vault_->CloseTranscript(caller_, id).ok());
    return id;
  }
  size_t CountIn(Column column, const std::string& prefix) {
    size_t n = 0;
    EXPECT_TRUE(vault_->store()
                    ->Scan(column, prefix,
                           [&](std::string_view, std::string_view) {
                             ++n;
                             return true;
                           })
                    .ok());
    return n;
  }
  static UnixMillis EpochEndOf(UnixMillis t) { return (t / kEpoch + 1) * kEpoch; }
};

TEST_F(RetentionTest, AnEndedEpochIsShreddedPurgedAndAnswersGone) {
  const std::string early = ClosedTranscript(3);
  const UnixMillis early_expiry = vault_->GetTranscript(caller_, early)->info.expires_at;
  clock_.Advance(5 * kEpoch);
  const std::string late = ClosedTranscript(2);
  const uint64_t early_epoch = WrappedEpochOf(early);

  // Just before the epoch ends, nothing is shredded.
  clock_.Set(EpochEndOf(early_expiry) - 1);
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_LE(vault_->keyring()->base_epoch(), early_epoch);
  EXPECT_EQ(vault_->GetTranscript(caller_, early).status().code(), Status::Code::kGone)
      << "past its expiry a transcript is Gone even before its key is destroyed";

  clock_.Set(EpochEndOf(early_expiry));
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_EQ(vault_->keyring()->base_epoch(), early_epoch + 1);
  auto gone = vault_->GetTranscript(caller_, early);
  EXPECT_EQ(gone.status().code(), Status::Code::kGone);
  EXPECT_EQ(gone.status().reason(), "expired");
  // Records purged; only the tombstone remains.
  EXPECT_EQ(CountIn(Column::kMessages, RawId(early)), 0u);
  EXPECT_EQ(CountIn(Column::kTranscripts, RawId(early)), 0u);
  auto tombstone = vault_->store()->Get(Column::kWrappedKeys, RawId(early));
  ASSERT_TRUE(tombstone.ok());
  EXPECT_FALSE(Keyring::WrappedEpoch(*tombstone).ok());
  // The later transcript is untouched.
  auto kept = vault_->GetTranscript(caller_, late);
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(kept->messages.size(), 2u);

  // Evidence: one record for the epoch, with its count and an id hash.
  const auto shreds = AuditPayloads("retention.shred");
  ASSERT_EQ(shreds.size(), 1u);
  const json::object& details = shreds[0].at("details").as_object();
  EXPECT_EQ(details.at("epoch").as_string(), std::to_string(early_epoch));
  EXPECT_EQ(details.at("count").as_string(), "1");
  EXPECT_EQ(details.at("ids_hash").as_string().size(), 64u);
  EXPECT_EQ(shreds[0].at("actor").as_object().at("role").as_string(), "system");

  // One retention period later the tombstone goes too: unknown from then on.
  clock_.Advance(kRetention + kEpoch);
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_EQ(vault_->GetTranscript(caller_, early).status().code(), Status::Code::kNotFound);
  EXPECT_FALSE(vault_->store()->Get(Column::kWrappedKeys, RawId(early)).ok());
}

TEST_F(RetentionTest, OpenCatchesUpBeforeServing) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(ClosedTranscript(2));
    clock_.Advance(kEpoch);
  }
  const std::string survivor = Create();  // open: expiry moves with activity
  vault_.reset();
  // Down across several epochs: the first three transcripts expire.
  const UnixMillis third_expiry = clock_.NowMillis() - 3 * kEpoch + kRetention;
  clock_.Set(EpochEndOf(third_expiry));
  Reopen();
  // Before any request, the keyring has moved on and the records are gone.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(CountIn(Column::kMessages, RawId(ids[i])), 0u) << i;
    EXPECT_EQ(vault_->GetTranscript(caller_, ids[i]).status().code(), Status::Code::kGone) << i;
  }
  for (int i = 3; i < 5; ++i) {
    EXPECT_TRUE(vault_->GetTranscript(caller_, ids[i]).ok()) << i;
  }
  EXPECT_TRUE(vault_->GetTranscript(caller_, survivor).ok());
  EXPECT_EQ(AuditPayloads("retention.shred").size(), 3u);
}

TEST_F(RetentionTest, OverdueCountsKeysThatOutliveTheirEpoch) {
  const std::string id = ClosedTranscript(1);
  const UnixMillis expiry = vault_->GetTranscript(caller_, id)->info.expires_at;
  auto status = vault_->GetRetentionStatus(caller_);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->overdue, 0u);
  // Far past the epoch's end without a run: overdue.
  clock_.Set(EpochEndOf(expiry) + 10 * kEpoch);
  status = vault_->GetRetentionStatus(caller_);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->overdue, 1u);
  ASSERT_TRUE(vault_->RunRetention().ok());
  status = vault_->GetRetentionStatus(caller_);
  ASSERT_TRUE(status.ok());
  EXPECT_EQ(status->overdue, 0u);
  EXPECT_EQ(status->shredded_total, 1u);
  EXPECT_EQ(status->last_shred_at, clock_.NowMillis());

  Caller agent;
  agent.roles.Add(Role::kAgent);
  EXPECT_EQ(vault_->GetRetentionStatus(agent).status().code(), Status::Code::kPermissionDenied);
}

// Forensics: with the root key, the current keyring and every RocksDB file
// from before and after the shred, an offline routine recovers none of the
// shredded transcripts and every live one; after purge and compaction no
// file under db/ holds a shredded record's bytes.
TEST_F(RetentionTest, NothingShreddedIsRecoverableFromOldAndNewFiles) {
  std::vector<std::string> shredded;
  for (int i = 0; i < 20; ++i) shredded.push_back(ClosedTranscript(5, std::string(2000, 'q')));
  clock_.Advance(3 * kEpoch);
  std::vector<std::string> live;
  for (int i = 0; i < 5; ++i) live.push_back(ClosedTranscript(5));

  // The sealed bytes of the shredded transcripts' messages, to look for later.
  std::vector<std::string> sealed;
  for (const std::string& id : shredded) {
    ASSERT_TRUE(vault_->store()
                    ->Scan(Column::kMessages, RawId(id),
                           [&](std::string_view, std::string_view v) {
                             sealed.emplace_back(v.substr(v.size() - 64));
                             return true;
                           })
                    .ok());
  }
  ASSERT_EQ(sealed.size(), 100u);

  // A copy of the whole data directory before the shred.
  ASSERT_TRUE(vault_->CompactAll().ok());
  const std::string before = dir_.path() + "/before";
  vault_.reset();
  fs::copy(dir_.path() + "/data", before, fs::copy_options::recursive);
  Reopen();

  clock_.Set(EpochEndOf(vault_->GetTranscript(caller_, shredded.back())->info.expires_at));
  ASSERT_TRUE(vault_->RunRetention().ok());
  vault_.reset();

  // The offline routine: old db files, current keyring, root key.
  fs::remove(before + "/keys/keyring");
  fs::copy(dir_.path() + "/data/keys/keyring", before + "/keys/keyring");
  fs::remove(before + "/vaultd.lock");
  {
    auto custodian = KeyFileCustodian::Open(dir_.path() + "/data/keys/root.key", false);
    ASSERT_TRUE(custodian.ok());
    Keyring::Params params{before + "/keys/keyring", kEpoch, kRetention};
    auto keyring = Keyring::Open(params, custodian->get(), &clock_, false);
    ASSERT_TRUE(keyring.ok()) << keyring.status().ToString();
    auto old_store = Store::Open(before + "/db");
    ASSERT_TRUE(old_store.ok());
    auto recover = [&](const std::string& id) -> bool {
      auto wrapped = (*old_store)->Get(Column::kWrappedKeys, RawId(id));
      if (!wrapped.ok()) return false;
      return (*keyring)->UnwrapKey(*wrapped, RawId(id)).ok();
    };
    for (const std::string& id : shredded) EXPECT_FALSE(recover(id)) << id;
    for (const std::string& id : live) EXPECT_TRUE(recover(id)) << id;
  }

  // No SST, WAL or other file of the live data directory holds the
  // shredded records any more.
  size_t files = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir_.path() + "/data/db")) {
    if (!entry.is_regular_file()) continue;
    ++files;
    const std::string bytes = ReadAll(entry.path());
    for (const std::string& s : sealed) {
      ASSERT_EQ(bytes.find(s), std::string::npos) << entry.path();
    }
  }
  EXPECT_GT(files, 0u);
  // ...whereas the copy from before still does (the check can fail).
  bool found_in_copy = false;
  for (const auto& entry : fs::recursive_directory_iterator(before + "/db")) {
    if (entry.is_regular_file() && ReadAll(entry.path()).find(sealed[0]) != std::string::npos) {
      found_in_copy = true;
    }
  }
  EXPECT_TRUE(found_in_copy);

  // And the live transcripts still read through the vault.
  Reopen();
  for (const std::string& id : live) EXPECT_TRUE(vault_->GetTranscript(caller_, id).ok());
}

TEST_F(RetentionTest, AnIdleChatIsClosedAsOfItsLastActivity) {
  vault_.reset();
  Options o;
  o.data_dir = dir_.path() + "/data";
  o.epoch_ms = kEpoch;
  o.retention_ms = kRetention;
  o.retention_tick_ms = 0;
  o.idle_close_ms = 10 * kEpoch;
  auto opened = VaultImpl::Open(o, &clock_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  vault_ = std::move(opened).value();

  const std::string idle = Create();
  Append(idle, 0, "hello");
  const UnixMillis last_activity = clock_.NowMillis();
  clock_.Advance(5 * kEpoch);
  const std::string busy = Create();
  clock_.Advance(6 * kEpoch);  // idle: 11 epochs without activity; busy: 6
  Append(busy, 0, "still here");
  ASSERT_TRUE(vault_->RunRetention().ok());

  auto closed = vault_->GetTranscript(caller_, idle);
  ASSERT_TRUE(closed.ok()) << closed.status().ToString();
  EXPECT_EQ(closed->info.state, TranscriptState::kClosed);
  EXPECT_EQ(closed->info.closed_at, last_activity);
  EXPECT_EQ(closed->info.expires_at, last_activity + kRetention);
  EXPECT_EQ(WrappedEpochOf(idle), vault_->keyring()->EpochOf(last_activity + kRetention));
  auto open = vault_->GetTranscript(caller_, busy);
  ASSERT_TRUE(open.ok());
  EXPECT_EQ(open->info.state, TranscriptState::kOpen);
  // Audited as a close by the system, for idleness.
  bool found = false;
  for (const json::object& p : AuditPayloads("transcript.close")) {
    if (p.at("actor").as_object().at("role").as_string() == "system") {
      EXPECT_EQ(p.at("details").as_object().at("reason").as_string(), "idle");
      EXPECT_EQ(p.at("objects").as_array()[0].as_string(), idle);
      found = true;
    }
  }
  EXPECT_TRUE(found);
  // Appends are refused now; it expires on schedule.
  EXPECT_EQ(vault_->AppendMessage(caller_, idle, Msg(1, "late")).status().reason(),
            "transcript_closed");
  clock_.Set(EpochEndOf(last_activity + kRetention));
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_EQ(vault_->GetTranscript(caller_, idle).status().code(), Status::Code::kGone);
}

TEST_F(RetentionTest, AnAdminErasesATranscriptAtOnce) {
  const std::string id = ClosedTranscript(4, std::string(3000, 'e'));
  const std::string other = ClosedTranscript(1);
  std::vector<std::string> sealed;
  ASSERT_TRUE(vault_->store()
                  ->Scan(Column::kMessages, RawId(id),
                         [&](std::string_view, std::string_view v) {
                           sealed.emplace_back(v.substr(v.size() - 64));
                           return true;
                         })
                  .ok());
  ASSERT_TRUE(vault_->CompactAll().ok());  // the records are in SST files now

  Caller writer;
  writer.roles.Add(Role::kWriter);
  writer.write_scope = ServiceScope::Everything();
  EXPECT_EQ(vault_->EraseTranscript(writer, id, EraseReason::kNone).code(), Status::Code::kPermissionDenied);
  ASSERT_TRUE(vault_->GetTranscript(caller_, id).ok());

  ASSERT_TRUE(vault_->EraseTranscript(caller_, id, EraseReason::kNone).ok());
  auto gone = vault_->GetTranscript(caller_, id);
  EXPECT_EQ(gone.status().code(), Status::Code::kGone);
  EXPECT_EQ(gone.status().reason(), "erased");
  EXPECT_TRUE(vault_->EraseTranscript(caller_, id, EraseReason::kNone).ok()) << "a repeated erase is the same success";
  EXPECT_EQ(CountIn(Column::kMessages, RawId(id)), 0u);
  EXPECT_EQ(CountIn(Column::kTranscripts, RawId(id)), 0u);
  EXPECT_TRUE(vault_->GetTranscript(caller_, other).ok());
  for (const auto& entry : fs::recursive_directory_iterator(dir_.path() + "/data/db")) {
    if (!entry.is_regular_file()) continue;
    const std::string bytes = ReadAll(entry.path());
    for (const std::string& s : sealed) {
      ASSERT_EQ(bytes.find(s), std::string::npos) << entry.path();
    }
  }
  const auto erasures = AuditPayloads("transcript.erase");
  ASSERT_EQ(erasures.size(), 3u);
  EXPECT_EQ(erasures[0].at("outcome").as_string(), "forbidden");
  EXPECT_EQ(erasures[1].at("outcome").as_string(), "ok");
  EXPECT_EQ(erasures[2].at("outcome").as_string(), "ok");
  EXPECT_EQ(Detail(erasures[2], "already"), "erased");
}

}  // namespace
}  // namespace vault::testing
