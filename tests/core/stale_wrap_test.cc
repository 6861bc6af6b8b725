// Stale copies of a wrapped DEK die earlier, never later (docs/design.md
// section 5.2): a shortened --retention, a wall clock stepped back, or a
// legal-hold release never wraps a transcript's key under an earlier epoch
// than a copy already written, which an old SST file or a backup may keep.
//
// Forensics: with a copy of the data directory taken before the change
// (standing in for a backup), the root key and the current keyring, an
// offline routine opens none of a transcript's key copies once the vault has
// destroyed the transcript.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/core/holds_fixture.h"
#include "vault/crypto/custodian.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;

class StaleWrapTest : public HoldsFixture {
 protected:
  static UnixMillis EpochEnd(uint64_t epoch) { return static_cast<UnixMillis>(epoch + 1) * kEpoch; }

  // A copy of the whole data directory, taken with the vault closed.
  std::string CopyDataDir(const std::string& name) {
    const std::string copy = dir_.path() + "/" + name;
    vault_.reset();
    fs::copy(dir_.path() + "/data", copy, fs::copy_options::recursive);
    fs::remove(copy + "/vaultd.lock");
    Reopen();
    return copy;
  }

  // Whether the old copy's wrapped key for `id` opens with the vault's
  // current keyring and root key (the vault must be closed).
  bool OpensFromCopy(const std::string& copy, const std::string& id) {
    auto custodian = KeyFileCustodian::Open(dir_.path() + "/data/keys/root.key", false);
    EXPECT_TRUE(custodian.ok());
    if (!custodian.ok()) return true;
    fs::remove(copy + "/keys/keyring");
    fs::copy(dir_.path() + "/data/keys/keyring", copy + "/keys/keyring");
    Keyring::Params params{copy + "/keys/keyring", kEpoch, retention_ms_};
    auto keyring = Keyring::Open(params, custodian->get(), &clock_, false);
    EXPECT_TRUE(keyring.ok()) << keyring.status().ToString();
    if (!keyring.ok()) return true;
    auto old_store = Store::Open(copy + "/db");
    EXPECT_TRUE(old_store.ok()) << old_store.status().ToString();
    if (!old_store.ok()) return true;
    auto wrapped = (*old_store)->Get(Column::kWrappedKeys, RawId(id));
    EXPECT_TRUE(wrapped.ok()) << "the copy must hold a wrapped key for the check to mean anything";
    if (!wrapped.ok()) return true;
    return (*keyring)->UnwrapKey(*wrapped, RawId(id)).ok();
  }

  // Runs retention at the end of the live key's epoch and checks the vault
  // itself counts the transcript as destroyed.
  void ShredLiveEpoch(const std::string& id) {
    clock_.Set(EpochEnd(WrappedEpochOf(id)));
    ASSERT_TRUE(vault_->RunRetention().ok());
    auto t = vault_->GetTranscript(caller_, id);
    ASSERT_EQ(t.status().code(), Status::Code::kGone);
    auto live = vault_->store()->Get(Column::kWrappedKeys, RawId(id));
    ASSERT_TRUE(live.ok());
    ASSERT_TRUE(IsTombstone(*live)) << "the live key is destroyed and purged";
  }
};

TEST_F(StaleWrapTest, AShortenedRetentionLeavesAnOpenChatsKeyUnderItsLaterEpoch) {
  const std::string id = Create();
  Append(id, 1, "before the change");
  const uint64_t written = WrappedEpochOf(id);
  const std::string backup = CopyDataDir("backup");

  // The operator shortens retention from 30 to 10 epochs and restarts.
  retention_ms_ = 10 * kEpoch;
  Reopen();
  clock_.Advance(kEpoch);
  Append(id, 2, "after the change");
  EXPECT_EQ(WrappedEpochOf(id), written) << "re-wrapped under an earlier epoch than the backup's";
  EXPECT_TRUE(InExpiryIndex(written, id));
  auto expires = vault_->CloseTranscript(caller_, id);
  ASSERT_TRUE(expires.ok());
  EXPECT_EQ(*expires, clock_.NowMillis() + 10 * kEpoch) << "the new retention sets the expiry";
  EXPECT_EQ(WrappedEpochOf(id), written);

  // Reads stop at the new expiry, before the key is destroyed...
  clock_.Set(*expires);
  EXPECT_EQ(vault_->GetTranscript(caller_, id).status().code(), Status::Code::kGone);
  // ...and once the vault destroys the live key, the backup's copy is dead too.
  ShredLiveEpoch(id);
  vault_.reset();
  EXPECT_FALSE(OpensFromCopy(backup, id));
}

TEST_F(StaleWrapTest, AClockSteppedBackNeverMovesAKeyToAnEarlierEpoch) {
  const std::string id = Create();
  Append(id, 1, "now");
  const uint64_t written = WrappedEpochOf(id);
  const std::string backup = CopyDataDir("backup");

  // The wall clock is stepped back five epochs (an NTP correction, say).
  clock_.Advance(-5 * kEpoch);
  Append(id, 2, "earlier, by the clock");
  EXPECT_EQ(WrappedEpochOf(id), written);
  auto expires = vault_->CloseTranscript(caller_, id);
  ASSERT_TRUE(expires.ok());
  EXPECT_EQ(WrappedEpochOf(id), written);

  ShredLiveEpoch(id);
  vault_.reset();
  EXPECT_FALSE(OpensFromCopy(backup, id));
}

TEST_F(StaleWrapTest, ALaterEpochIsStillTakenWhenTheExpiryMovesForward) {
  // The floor only holds a key back from moving earlier: activity after the
  // change still moves it forward as before.
  const std::string id = Create();
  const uint64_t first = WrappedEpochOf(id);
  clock_.Advance(4 * kEpoch);
  Append(id, 1, "later");
  EXPECT_EQ(WrappedEpochOf(id), first + 4);
  EXPECT_FALSE(InExpiryIndex(first, id));
  EXPECT_TRUE(InExpiryIndex(first + 4, id));
}

TEST_F(StaleWrapTest, AReleaseNeverWrapsUnderAnEarlierEpochThanBeforeTheHold) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string id = Create();
  Append(id, 1, "held");
  const uint64_t written = WrappedEpochOf(id);
  const std::string backup = CopyDataDir("backup");

  // Retention shortened; the chat closes under the new one, so its expiry
  // lies in an earlier epoch than its key, which stays where it was...
  retention_ms_ = 10 * kEpoch;
  Reopen();
  ASSERT_TRUE(vault_->CloseTranscript(caller_, id).ok());
  ASSERT_EQ(WrappedEpochOf(id), written);
  // ...and the hold and its release must not move it earlier either.
  ASSERT_TRUE(Hold("alice", "CASE-1", id).ok());
  auto request = File("alice", "CASE-1", {}, RequestKind::kRelease);
  ASSERT_TRUE(request.ok()) << request.status().ToString();
  ASSERT_TRUE(Approve("alice", request->id).ok());
  auto released = Approve("bob", request->id);
  ASSERT_TRUE(released.ok()) << released.status().ToString();
  ASSERT_TRUE(released->executed);
  EXPECT_EQ(WrappedEpochOf(id), written);
  EXPECT_TRUE(InExpiryIndex(written, id));

  ShredLiveEpoch(id);
  vault_.reset();
  EXPECT_FALSE(OpensFromCopy(backup, id));
}

}  // namespace
}  // namespace vault::testing
