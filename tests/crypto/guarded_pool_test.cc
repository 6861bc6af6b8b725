#include "vault/crypto/guarded_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "vault/crypto/secret.h"

namespace vault {
namespace {

TEST(GuardedPool, FreeWipesTheWholeSlot) {
  GuardedPool pool(1);
  uint8_t* slot = pool.Allocate(32);
  ASSERT_NE(slot, nullptr);
  for (size_t i = 0; i < GuardedPool::kSlotBytes; ++i) slot[i] = 0xA5;
  pool.Free(slot);
  // The arena stays mapped while the pool lives, so the freed slot can be read.
  for (size_t i = 0; i < GuardedPool::kSlotBytes; ++i) ASSERT_EQ(slot[i], 0) << "byte " << i;
  EXPECT_EQ(pool.slots_in_use(), 0u);
}

TEST(GuardedPool, RefusesOversizeAndStopsAtItsLimit) {
  GuardedPool pool(1);
  EXPECT_EQ(pool.Allocate(0), nullptr);
  EXPECT_EQ(pool.Allocate(GuardedPool::kSlotBytes + 1), nullptr);
  std::set<uint8_t*> slots;
  for (size_t i = 0; i < GuardedPool::kSlotsPerArena; ++i) {
    uint8_t* slot = pool.Allocate(GuardedPool::kSlotBytes);
    ASSERT_NE(slot, nullptr);
    slots.insert(slot);
  }
  EXPECT_EQ(slots.size(), GuardedPool::kSlotsPerArena);  // all distinct
  EXPECT_EQ(pool.Allocate(1), nullptr);                   // one arena, full
  EXPECT_EQ(pool.arenas(), 1u);
  uint8_t* back = *slots.begin();
  pool.Free(back);
  EXPECT_EQ(pool.Allocate(8), back);  // the freed slot is reused
  for (uint8_t* slot : slots) pool.Free(slot);
}

TEST(GuardedPool, ConcurrentUsersNeverShareASlot) {
  GuardedPool pool(4);
  constexpr int kThreads = 8;
  std::vector<std::thread> threads;
  std::atomic<int> clobbered{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 2000; ++round) {
        uint8_t* slot = pool.Allocate(32);
        if (slot == nullptr) continue;
        for (int i = 0; i < 32; ++i) slot[i] = static_cast<uint8_t>(t + 1);
        for (int i = 0; i < 32; ++i) {
          if (slot[i] != t + 1) clobbered.fetch_add(1);
        }
        pool.Free(slot);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(clobbered.load(), 0);
  EXPECT_EQ(pool.slots_in_use(), 0u);
}

TEST(GuardedPool, SecretBytesUsesTheDefaultPoolForKeys) {
  const size_t before = GuardedPool::Default().slots_in_use();
  {
    auto key = SecretBytes::Random(32);
    ASSERT_TRUE(key.ok());
    EXPECT_EQ(GuardedPool::Default().slots_in_use(), before + 1);
    SecretBytes moved = std::move(key).value();
    EXPECT_EQ(GuardedPool::Default().slots_in_use(), before + 1);
    auto big = SecretBytes::Random(GuardedPool::kSlotBytes + 1);  // its own region
    ASSERT_TRUE(big.ok());
    EXPECT_EQ(GuardedPool::Default().slots_in_use(), before + 1);
  }
  EXPECT_EQ(GuardedPool::Default().slots_in_use(), before);
}

}  // namespace
}  // namespace vault
