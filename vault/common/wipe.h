// Plaintext out of ordinary memory that is reused rather than freed:
// strings kept for the next use (vault/crypto's aead::Wipe, a read's JSON
// reply, a response body), and the dead frames below a request's handler on
// the stack (ScrubStack). Freed blocks vaultd's operator delete zeroes
// (tools/wiping_new.cc). Guarded memory for keys is vault/crypto/secret.h's.
#ifndef VAULT_COMMON_WIPE_H_
#define VAULT_COMMON_WIPE_H_

#include <string.h>  // explicit_bzero: a store the compiler may not drop

#include <cstddef>
#include <string>

namespace vault {

// Zeroes every byte *s can hold (its whole capacity, not just its size) and
// empties it. Its memory stays allocated, for reuse or to be freed.
inline void WipeString(std::string* s) {
  s->resize(s->capacity());
  explicit_bzero(s->data(), s->size());
  s->clear();
}

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
