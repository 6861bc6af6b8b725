#include "vault/crypto/guarded_pool.h"

#include <sodium.h>

namespace vault {

GuardedPool::GuardedPool(size_t max_arenas) : max_arenas_(max_arenas) {}

GuardedPool::~GuardedPool() {
  for (uint8_t* arena : arenas_) sodium_free(arena);
}

GuardedPool& GuardedPool::Default() {
  static GuardedPool* pool = new GuardedPool(64);  // leaked on purpose: see the header
  return *pool;
}

uint8_t* GuardedPool::Allocate(size_t n) {
  if (n == 0 || n > kSlotBytes) return nullptr;
  MutexLock lock(&mu_);
  if (free_.empty()) {
    if (arenas_.size() >= max_arenas_ || sodium_init() < 0) return nullptr;
    auto* arena = static_cast<uint8_t*>(sodium_malloc(kSlotBytes * kSlotsPerArena));
    if (arena == nullptr) return nullptr;
    sodium_memzero(arena, kSlotBytes * kSlotsPerArena);
    arenas_.push_back(arena);
    free_.reserve(free_.size() + kSlotsPerArena);
    // Reversed, so slots are handed out from the start of the arena.
    for (size_t i = kSlotsPerArena; i-- > 0;) free_.push_back(arena + i * kSlotBytes);
  }
  uint8_t* slot = free_.back();
  free_.pop_back();
  ++in_use_;
  return slot;
}

void GuardedPool::Free(uint8_t* p) {
  if (p == nullptr) return;
  sodium_memzero(p, kSlotBytes);
  MutexLock lock(&mu_);
  free_.push_back(p);
  --in_use_;
}

size_t GuardedPool::slots_in_use() const {
  MutexLock lock(&mu_);
  return in_use_;
}

size_t GuardedPool::arenas() const {
  MutexLock lock(&mu_);
  return arenas_.size();
}

}  // namespace vault
