#include "vault/crypto/keyring.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "tests/support/temp_dir.h"
#include "vault/crypto/ratchet.h"

namespace vault {
namespace {

constexpr int64_t kEpoch = 1000;       // 1 s epochs
constexpr int64_t kRetention = 10000;  // 10 s retention

class KeyringTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = KeyFileCustodian::Open(dir_.path() + "/root.key", true);
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    custodian_ = std::move(c).value();
    Reopen();
  }
  void Reopen() {
    keyring_.reset();
    auto k = Keyring::Open(params(), custodian_.get(), &clock_);
    ASSERT_TRUE(k.ok()) << k.status().ToString();
    keyring_ = std::move(k).value();
  }
  Keyring::Params params() const { return {dir_.path() + "/keyring", kEpoch, kRetention}; }
  KeyringContents ReadFile() {
    auto root = custodian_->LoadRootKey();
    auto c = DecodeKeyringFile(testing::ReadFileBytes(dir_.path() + "/keyring"), *root);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return std::move(c).value();
  }
  SecretBytes Dek() { return std::move(SecretBytes::Random(32)).value(); }

  testing::TempDir dir_;
  ManualClock clock_{1'800'000'000'000};
  std::unique_ptr<KeyFileCustodian> custodian_;
  std::unique_ptr<Keyring> keyring_;
};

TEST_F(KeyringTest, CreatesOneStateForTheCurrentEpoch) {
  KeyringContents c = ReadFile();
  EXPECT_EQ(c.epoch_ms, kEpoch);
  EXPECT_EQ(c.base_epoch, keyring_->EpochOf(clock_.NowMillis()));
  EXPECT_EQ(c.state.size(), ratchet::kStateBytes);
  EXPECT_EQ(keyring_->base_epoch(), c.base_epoch);
}

TEST_F(KeyringTest, WrapsAndUnwrapsAcrossRestarts) {
  SecretBytes dek = Dek();
  const uint64_t e = keyring_->EpochOf(clock_.NowMillis() + kRetention);
  auto wrapped = keyring_->WrapKey(e, dek, "transcript-1");
  ASSERT_TRUE(wrapped.ok());
  EXPECT_EQ(*Keyring::WrappedEpoch(*wrapped), e);
  Reopen();
  auto un = keyring_->UnwrapKey(*wrapped, "transcript-1");
  ASSERT_TRUE(un.ok()) << un.status().ToString();
  EXPECT_TRUE(un->Equals(dek));
  // Bound to the binding and to the epoch.
  EXPECT_EQ(keyring_->UnwrapKey(*wrapped, "transcript-2").status().code(),
            Status::Code::kCorruption);
  std::string moved = *wrapped;
  moved[8] ^= 1;  // last byte of the epoch: claims a neighbouring epoch
  EXPECT_EQ(keyring_->UnwrapKey(moved, "transcript-1").status().code(), Status::Code::kCorruption);
}

TEST_F(KeyringTest, AnEpochFarInTheFutureIsCorruptionNotAnEndlessDerivation) {
  SecretBytes dek = Dek();
  auto wrapped = keyring_->WrapKey(keyring_->EpochOf(clock_.NowMillis()) + 2, dek, "t");
  ASSERT_TRUE(wrapped.ok());
  std::string bad = *wrapped;
  bad[1] = '\x7f';  // top byte of the epoch
  EXPECT_EQ(keyring_->UnwrapKey(bad, "t").status().code(), Status::Code::kCorruption);
}

TEST_F(KeyringTest, AdvancingDestroysEarlierEpochsOnly) {
  const uint64_t base = keyring_->base_epoch();
  const uint64_t e = base + 3;
  SecretBytes dek_e = Dek(), dek_later = Dek();
  auto w_e = keyring_->WrapKey(e, dek_e, "old");
  auto w_later = keyring_->WrapKey(e + 1, dek_later, "new");
  ASSERT_TRUE(w_e.ok() && w_later.ok());

  // The bytes that must vanish: e's state and e's epoch key.
  KeyringContents before = ReadFile();
  auto state_e = ratchet::Advance(before.state, e - base);
  auto key_e = ratchet::EpochKey(*state_e);
  ASSERT_TRUE(state_e.ok() && key_e.ok());
  const std::string state_e_bytes(reinterpret_cast<const char*>(state_e->insecure_data()), 32);
  const std::string key_e_bytes(reinterpret_cast<const char*>(key_e->insecure_data()), 32);

  clock_.Advance(5 * kEpoch);
  ASSERT_TRUE(keyring_->AdvanceTo(e + 1).ok());

  // No code path opens a key wrapped under e any more, in this process or the next.
  EXPECT_EQ(keyring_->UnwrapKey(*w_e, "old").status().code(), Status::Code::kGone);
  EXPECT_EQ(keyring_->WrapKey(e, dek_e, "old").status().code(), Status::Code::kGone);
  Reopen();
  EXPECT_EQ(keyring_->UnwrapKey(*w_e, "old").status().code(), Status::Code::kGone);
  auto later = keyring_->UnwrapKey(*w_later, "new");
  ASSERT_TRUE(later.ok());
  EXPECT_TRUE(later->Equals(dek_later));

  // The file holds exactly one state: the state of e+1, derived one step from e's.
  KeyringContents after = ReadFile();
  EXPECT_EQ(after.base_epoch, e + 1);
  EXPECT_EQ(after.generation, before.generation + 1);
  auto expect_state = ratchet::Advance(*state_e, 1);
  EXPECT_TRUE(after.state.Equals(*expect_state));
  EXPECT_EQ(testing::ReadFileBytes(dir_.path() + "/keyring").size(),
            8 + 4 + 24 + 8 * 3 + 32 + 16u);
  // Neither e's state nor e's key is present in any file.
  EXPECT_TRUE(testing::FilesContaining(dir_.path(), state_e_bytes).empty());
  EXPECT_TRUE(testing::FilesContaining(dir_.path(), key_e_bytes).empty());
  EXPECT_FALSE(testing::CountFiles(dir_.path()) != 2);  // root.key and keyring only
}

TEST_F(KeyringTest, AdvancingBackwardsIsANoOp) {
  const uint64_t base = keyring_->base_epoch();
  ASSERT_TRUE(keyring_->AdvanceTo(base - 1).ok());
  EXPECT_EQ(ReadFile().base_epoch, base);
}

TEST_F(KeyringTest, RefusesADifferentEpochLength) {
  keyring_.reset();
  Keyring::Params p = params();
  p.epoch_ms = 2000;
  auto k = Keyring::Open(p, custodian_.get(), &clock_);
  EXPECT_EQ(k.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(k.status().reason(), "epoch_mismatch");
}

TEST_F(KeyringTest, RefusesAnotherRootKey) {
  keyring_.reset();
  auto other = KeyFileCustodian::Open(dir_.path() + "/other.key", true);
  ASSERT_TRUE(other.ok());
  auto k = Keyring::Open(params(), other->get(), &clock_);
  EXPECT_EQ(k.status().code(), Status::Code::kCorruption);
}

TEST_F(KeyringTest, DerivesDistantEpochsConsistentlyThroughCheckpoints) {
  // With 1 s epochs and a long retention, keys thousands of epochs ahead
  // derive the same whether reached directly or in steps.
  keyring_.reset();
  auto c2 = KeyFileCustodian::Open(dir_.path() + "/root2.key", true);
  Keyring::Params p{dir_.path() + "/keyring2", kEpoch, 5000 * kEpoch};
  auto k1 = Keyring::Open(p, c2->get(), &clock_);
  ASSERT_TRUE(k1.ok());
  const uint64_t far = (*k1)->base_epoch() + 4321;
  SecretBytes dek = Dek();
  auto w = (*k1)->WrapKey(far, dek, "x");
  ASSERT_TRUE(w.ok());
  k1->reset();
  auto k2 = Keyring::Open(p, c2->get(), &clock_);
  ASSERT_TRUE((*k2)->WrapKey((*k2)->base_epoch() + 1500, dek, "y").ok());  // leaves checkpoints
  auto un = (*k2)->UnwrapKey(*w, "x");
  ASSERT_TRUE(un.ok()) << un.status().ToString();
  EXPECT_TRUE(un->Equals(dek));
}

// ForEachVisitorTag walks the tag-key cache instead of looking each key up,
// deriving the keys it lacks as it goes: for every span of 1 to 11 epochs,
// starting before the base (skipped), at it or after it, with one to five
// items, it hands over exactly VisitorTag's tags, each epoch's items in
// order, the epochs in order.
TEST_F(KeyringTest, EachEpochsTagsFromTheWalkAreThoseOfVisitorTag) {
  const uint64_t base = keyring_->base_epoch();
  const std::vector<std::string> all = {"\x01ref-1", "\x02" "a@example.org", "\x03+4412345",
                                        "\x04" "192.0.2.1", std::string(128, 'x')};
  int compared = 0;
  for (uint64_t from : {base - 2, base, base + 5}) {
    for (uint64_t span = 1; span <= 11; ++span) {
      for (size_t n = 1; n <= all.size(); ++n) {
        const std::vector<std::string> items(all.begin(), all.begin() + n);
        const uint64_t to = from + span - 1;
        std::vector<std::tuple<uint64_t, size_t, std::string>> got;
        ASSERT_TRUE(keyring_
                        ->ForEachVisitorTag(from, to, items,
                                            [&](uint64_t e, size_t k, const char* tag) {
                                              got.emplace_back(e, k, std::string(tag, 16));
                                            })
                        .ok());
        std::vector<std::tuple<uint64_t, size_t, std::string>> want;
        for (uint64_t e = std::max(from, base); e <= to; ++e) {
          for (size_t k = 0; k < n; ++k) {
            auto tag = keyring_->VisitorTag(e, items[k]);
            ASSERT_TRUE(tag.ok());
            want.emplace_back(e, k, *tag);
          }
        }
        ASSERT_EQ(got, want) << "from " << from << " span " << span << " items " << n;
        compared += static_cast<int>(want.size());
      }
    }
  }
  EXPECT_GT(compared, 1000);

  // A walk through a cache with gaps: after a restart only two epochs'
  // tag keys are cached, and the walk derives the ones between and after.
  Reopen();
  const std::vector<std::string> items = {all[0], all[1]};
  std::map<uint64_t, std::string> primed;
  for (uint64_t e : {base + 3, base + 6}) {
    auto tag = keyring_->VisitorTag(e, items[1]);
    ASSERT_TRUE(tag.ok());
    primed[e] = *tag;
  }
  std::vector<std::tuple<uint64_t, size_t, std::string>> got;
  ASSERT_TRUE(keyring_
                  ->ForEachVisitorTag(base, base + 8, items,
                                      [&](uint64_t e, size_t k, const char* tag) {
                                        got.emplace_back(e, k, std::string(tag, 16));
                                      })
                  .ok());
  ASSERT_EQ(got.size(), 9u * items.size());
  for (size_t i = 0; i < got.size(); ++i) {
    const auto& [e, k, tag] = got[i];
    EXPECT_EQ(e, base + i / items.size());
    EXPECT_EQ(k, i % items.size());
    auto want = keyring_->VisitorTag(e, items[k]);
    ASSERT_TRUE(want.ok());
    EXPECT_EQ(tag, *want) << "epoch " << e << " item " << k;
    if (primed.count(e) != 0 && k == 1) {
      EXPECT_EQ(tag, primed[e]);
    }
  }
}

}  // namespace
}  // namespace vault
