// A free() that tests/e2e/in_memory_test.cc preloads into vaultd
// (LD_PRELOAD): before each block goes back to malloc, it is searched for
// the needles named in $VAULT_TEST_FREED_NEEDLES, and each freed block that
// holds one writes "free_hook: a freed block held needle N" to stderr,
// which is vaultd's log. A copy that was not wiped is then seen when it is
// freed, whatever malloc does with the block after. Not seen: a block that
// realloc moves (glibc frees it inside). Built only without sanitizers,
// whose runtimes must come first.
//
// A needle is named by its length and a hash of its bytes ("LEN:HEX", up to
// four, separated by commas; NeedleHash), not by its bytes: the test also
// scans vaultd's memory for them, where neither this library's copy nor the
// environment may hold them.
#include <malloc.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>

extern "C" void __libc_free(void* p);

namespace {

constexpr int kMaxNeedles = 4;
constexpr uint64_t kBase = 0x100000001b3;  // odd: each byte moves every bit above it
size_t needle_sizes[kMaxNeedles];
uint64_t needle_hashes[kMaxNeedles];
uint64_t needle_powers[kMaxNeedles];  // kBase to the needle's length
int needle_count = 0;

// Before main: the needles read from the environment, which allocates
// nothing.
__attribute__((constructor)) void ReadNeedles() {
  const char* list = getenv("VAULT_TEST_FREED_NEEDLES");
  while (list != nullptr && *list != '\0' && needle_count < kMaxNeedles) {
    char* end = nullptr;
    const size_t size = strtoull(list, &end, 10);
    if (end == nullptr || *end != ':' || size == 0) return;
    const uint64_t hash = strtoull(end + 1, &end, 16);
    uint64_t power = 1;
    for (size_t i = 0; i < size; ++i) power *= kBase;
    needle_sizes[needle_count] = size;
    needle_hashes[needle_count] = hash;
    needle_powers[needle_count] = power;
    ++needle_count;
    list = *end == ',' ? end + 1 : nullptr;
  }
}

// Whether bytes [p, p + size) hold needle i, by a rolling hash of each
// window of its length (the sum of byte * kBase^k, wrapping at 2^64).
bool Holds(const unsigned char* p, size_t size, int i) {
  const size_t n = needle_sizes[i];
  if (size < n) return false;
  uint64_t hash = 0;
  for (size_t k = 0; k < n; ++k) hash = hash * kBase + p[k];
  for (size_t at = n;; ++at) {
    if (hash == needle_hashes[i]) return true;
    if (at == size) return false;
    hash = hash * kBase + p[at] - needle_powers[i] * p[at - n];
  }
}

}  // namespace

extern "C" void free(void* p) {
  if (p != nullptr && needle_count > 0) {
    const size_t size = malloc_usable_size(p);
    for (int i = 0; i < needle_count; ++i) {
      if (!Holds(static_cast<const unsigned char*>(p), size, i)) continue;
      char line[] = "free_hook: a freed block held needle 0\n";
      line[sizeof line - 3] = static_cast<char>('0' + i);
      const int saved = errno;  // free() leaves errno alone
      if (write(STDERR_FILENO, line, sizeof line - 1) < 0) {
        // Nothing to do: the test then sees no line, and its own check of
        // the hook (a visitor's name, which is not wiped) fails.
      }
      errno = saved;
    }
  }
  __libc_free(p);
}
