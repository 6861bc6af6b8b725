// Plaintext out of ordinary memory before it is freed or reused: strings
// (vault/crypto's aead::Wipe, a read's JSON reply, request and response
// bodies, a message's text), buffers that reallocate (WipingAllocator), and
// the dead frames below a request's handler on the stack (ScrubStack).
// Guarded memory for keys is vault/crypto/secret.h's.
#ifndef VAULT_COMMON_WIPE_H_
#define VAULT_COMMON_WIPE_H_

#include <string.h>  // explicit_bzero: a store the compiler may not drop

#include <cstddef>
#include <memory>
#include <string>

namespace vault {

// Zeroes every byte *s can hold (its whole capacity, not just its size) and
// empties it. Its memory stays allocated, for reuse or to be freed.
inline void WipeString(std::string* s) {
  s->resize(s->capacity());
  explicit_bzero(s->data(), s->size());
  s->clear();
}

// An allocator whose memory is wiped before it is freed: for a buffer that
// holds plaintext and may be reallocated as it grows or shrinks (a
// connection's read buffer), where wiping it in place would miss the
// blocks it left behind.
template <typename T>
struct WipingAllocator {
  using value_type = T;
  WipingAllocator() noexcept = default;
  template <typename U>
  WipingAllocator(const WipingAllocator<U>&) noexcept {}  // NOLINT: rebinding converts implicitly
  T* allocate(std::size_t n) { return std::allocator<T>().allocate(n); }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n > 0) explicit_bzero(p, n * sizeof(T));
    std::allocator<T>().deallocate(p, n);
  }
  template <typename U>
  bool operator==(const WipingAllocator<U>&) const noexcept {
    return true;
  }
};

// How much of a thread's stack ScrubStack zeroes: more than a request's
// handling reaches below the frame that calls it (its JSON parse, with
// ParseArena's 4 KiB, the cipher's blocks, RocksDB's calls).
inline constexpr size_t kScrubStackBytes = 32 * 1024;

// Zeroes kScrubStackBytes of this thread's stack below the caller's frame:
// the dead frames of the functions it has called, whose locals (a JSON
// parser's scratch copies of a string, a cipher's blocks of plaintext) stay
// there when they return until later calls happen to overwrite them. Not
// inlined, so that its area lies below its caller's frame.
[[gnu::noinline]] inline void ScrubStack() {
  unsigned char area[kScrubStackBytes];
  explicit_bzero(area, sizeof area);
  asm volatile("" : : "r"(area) : "memory");  // the area is used: keep it
}

// Calls ScrubStack when it goes out of scope: at the end of the function
// that handles a request, however it returns.
struct ScrubStackOnExit {
  ScrubStackOnExit() = default;
  ScrubStackOnExit(const ScrubStackOnExit&) = delete;
  ScrubStackOnExit& operator=(const ScrubStackOnExit&) = delete;
  ~ScrubStackOnExit() { ScrubStack(); }
};

// Wipes *s (WipeString) when it goes out of scope.
class WipeOnExit {
 public:
  explicit WipeOnExit(std::string* s) : s_(s) {}
  ~WipeOnExit() { WipeString(s_); }
  WipeOnExit(const WipeOnExit&) = delete;
  WipeOnExit& operator=(const WipeOnExit&) = delete;

 private:
  std::string* s_;
};

}  // namespace vault

#endif  // VAULT_COMMON_WIPE_H_
