// A free() that tests/e2e/in_memory_test.cc preloads into vaultd
// (LD_PRELOAD): before each block goes back to malloc, it is searched for
// the needles named in $VAULT_TEST_FREED_NEEDLES, and each freed block that
// holds one writes "free_hook: a freed block held needle N" to stderr,
// which is vaultd's log. A copy that was not wiped is then seen when it is
// freed, whatever malloc does with the block after. When the process exits
// it writes "free_hook: checked N blocks", so that the test knows the frees
// went through it (vaultd's operator delete zeroes a block before it calls
// free(), tools/wiping_new.cc, so the needles should never be seen; the
// test shows on free_hook_probe.cc that they would be). Not seen: a block
// that realloc moves (glibc frees it inside). Built only without
// sanitizers, whose runtimes must come first.
//
// A needle is named by its length and a hash of its bytes ("LEN:HEX", up to
// eight, separated by commas; NeedleHash), not by its bytes: the test also
// scans vaultd's memory for them, where neither this library's copy nor the
// environment may hold them.
#include <malloc.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>

extern "C" void __libc_free(void* p);

namespace {

constexpr int kMaxNeedles = 8;
constexpr uint64_t kBase = 0x100000001b3;  // odd: each byte moves every bit above it
size_t needle_sizes[kMaxNeedles];
uint64_t needle_hashes[kMaxNeedles];
uint64_t needle_powers[kMaxNeedles];  // kBase to the needle's length
int needle_count = 0;
std::atomic<uint64_t> checked{0};  // blocks searched

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

// At exit: how many blocks were searched. Written without stdio, which may
// be gone by now.
__attribute__((destructor)) void ReportChecked() {
  if (needle_count == 0) return;
  char line[64] = "free_hook: checked ";
  size_t at = sizeof "free_hook: checked " - 1;
  char digits[24];
  size_t n = 0;
  uint64_t count = checked.load();
  do {
    digits[n++] = static_cast<char>('0' + count % 10);
    count /= 10;
  } while (count > 0);
  while (n > 0) line[at++] = digits[--n];
  for (const char c : {' ', 'b', 'l', 'o', 'c', 'k', 's', '\n'}) line[at++] = c;
  if (write(STDERR_FILENO, line, at) < 0) {
    // Nothing to do: the test then sees no line and fails.
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
    checked.fetch_add(1, std::memory_order_relaxed);
    for (int i = 0; i < needle_count; ++i) {
      if (!Holds(static_cast<const unsigned char*>(p), size, i)) continue;
      char line[] = "free_hook: a freed block held needle 0\n";
      line[sizeof line - 3] = static_cast<char>('0' + i);
      const int saved = errno;  // free() leaves errno alone
      if (write(STDERR_FILENO, line, sizeof line - 1) < 0) {
        // Nothing to do: the probe's check of the hook then fails.
      }
      errno = saved;
    }
  }
  __libc_free(p);
}
