// GuardedPool: fixed-size slots for small secrets, carved out of a few large
// guarded allocations, so that a key copy costs a free-list pop instead of a
// sodium_malloc (an mmap, mprotects for the guard pages, an mlock, and the
// reverse on free: several system calls and a TLB shootdown on every CPU).
//
// Each arena is one sodium_malloc region: guard pages before and after, a
// canary, mlock'ed where the limit allows, excluded from core dumps. Slots are
// kSlotBytes apart; Free wipes the whole slot (sodium_memzero) before it is
// reused, so a freed key is gone at once, as with sodium_free. What a pool
// gives up is a guard page per secret: an overrun of one slot reaches the
// next slot rather than faulting. Every user copies fixed-size keys (32
// bytes) into a slot of 64, so no code writes past its size.
//
// Arenas are never unmapped while the pool lives (their slots are wiped as
// they are freed); the pool stops growing at `max_arenas` and Allocate then
// returns nullptr, so the caller falls back to a guarded allocation of its own.
//
// Thread safety: all methods may be called concurrently (internal mutex).
#ifndef VAULT_CRYPTO_GUARDED_POOL_H_
#define VAULT_CRYPTO_GUARDED_POOL_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "vault/common/thread_annotations.h"

namespace vault {

class GuardedPool {
 public:
  static constexpr size_t kSlotBytes = 64;
  static constexpr size_t kSlotsPerArena = 1024;  // 64 KiB per arena

  explicit GuardedPool(size_t max_arenas);
  ~GuardedPool();  // frees the arenas (sodium_free zeroes them)
  GuardedPool(const GuardedPool&) = delete;
  GuardedPool& operator=(const GuardedPool&) = delete;

  // The process-wide pool behind SecretBytes: at most 64 arenas (4 MiB,
  // 65,536 slots). Never destroyed, so secrets freed during exit stay valid.
  static GuardedPool& Default();

  // A slot for `n` bytes (1 <= n <= kSlotBytes), contents unspecified; nullptr
  // if `n` does not fit a slot, the pool is full, or an arena cannot be had.
  uint8_t* Allocate(size_t n) EXCLUDES(mu_);
  // Wipes the slot at `p` (from Allocate) and makes it available again.
  void Free(uint8_t* p) EXCLUDES(mu_);

  size_t slots_in_use() const EXCLUDES(mu_);
  size_t arenas() const EXCLUDES(mu_);

 private:
  const size_t max_arenas_;  // constant after construction
  mutable Mutex mu_;
  std::vector<uint8_t*> arenas_ GUARDED_BY(mu_);
  std::vector<uint8_t*> free_ GUARDED_BY(mu_);
  size_t in_use_ GUARDED_BY(mu_) = 0;
};

}  // namespace vault

#endif  // VAULT_CRYPTO_GUARDED_POOL_H_
