// vaultd's operator new and delete: every block C++ code frees is zeroed
// first, over all malloc gave it (malloc_usable_size), so that no freed
// block keeps what it held (a message's text, a visitor's fields, a
// statement, a subject access answer) for malloc to hand on. It covers every
// std::string, vector, Boost.JSON value (its default resource uses operator
// new), Beast buffer and RocksDB object in the process, whoever made it,
// and blocks a container moved when it grew. What it does not cover:
// memory freed with C's free() directly (vaultd's own code never does;
// libsodium's guarded memory has its own wiping), memory a pool keeps for
// reuse instead of freeing, and
// what is still in use. docs/design.md, section 12, lists the rest.
//
// Linked into vaultd only, and not under ASan, TSan or MSan, whose runtimes
// replace these operators with their own checked ones.
#include <malloc.h>  // malloc_usable_size
#include <stdlib.h>  // posix_memalign
#include <string.h>  // explicit_bzero

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <new>

namespace {

// Calls try_once until it gives memory, running the new_handler between
// tries as operator new must; bad_alloc when there is none.
template <typename TryOnce>
void* Retry(TryOnce try_once) {
  for (;;) {
    if (void* p = try_once()) return p;
    const std::new_handler handler = std::get_new_handler();
    if (handler == nullptr) throw std::bad_alloc();
    handler();
  }
}

void* Allocate(std::size_t n) {
  return Retry([n] { return std::malloc(n == 0 ? 1 : n); });
}

void* AllocateAligned(std::size_t n, std::align_val_t align) {
  const std::size_t alignment =
      std::max(static_cast<std::size_t>(align), alignof(std::max_align_t));
  return Retry([n, alignment]() -> void* {
    void* p = nullptr;
    const int error = posix_memalign(&p, alignment, n == 0 ? 1 : n);
    if (error != 0 && error != ENOMEM) throw std::bad_alloc();  // no handler mends an alignment
    return error == 0 ? p : nullptr;
  });
}

void* AllocateNoThrow(std::size_t n) noexcept {
  try {
    return Allocate(n);
  } catch (...) {
    return nullptr;
  }
}

void* AllocateAlignedNoThrow(std::size_t n, std::align_val_t align) noexcept {
  try {
    return AllocateAligned(n, align);
  } catch (...) {
    return nullptr;
  }
}

// The whole block, not just the size asked for: the caller's size is a
// lower bound, and sized deletes may pass less than malloc gave.
void Release(void* p) noexcept {
  if (p == nullptr) return;
  explicit_bzero(p, malloc_usable_size(p));
  std::free(p);
}

}  // namespace

void* operator new(std::size_t n) { return Allocate(n); }
void* operator new[](std::size_t n) { return Allocate(n); }
void* operator new(std::size_t n, const std::nothrow_t&) noexcept { return AllocateNoThrow(n); }
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept { return AllocateNoThrow(n); }
void* operator new(std::size_t n, std::align_val_t a) { return AllocateAligned(n, a); }
void* operator new[](std::size_t n, std::align_val_t a) { return AllocateAligned(n, a); }
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return AllocateAlignedNoThrow(n, a);
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return AllocateAlignedNoThrow(n, a);
}

void operator delete(void* p) noexcept { Release(p); }
void operator delete[](void* p) noexcept { Release(p); }
void operator delete(void* p, std::size_t) noexcept { Release(p); }
void operator delete[](void* p, std::size_t) noexcept { Release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { Release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { Release(p); }
void operator delete(void* p, std::align_val_t) noexcept { Release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { Release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { Release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { Release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { Release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { Release(p); }
