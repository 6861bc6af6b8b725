// What every fuzz target shares: FUZZ_CHECK, an assertion that stops the
// fuzzer (abort, so libFuzzer saves the input as a crash) with the failed
// condition, and the input split into a selector byte and the rest.
#ifndef VAULT_FUZZ_FUZZ_CHECK_H_
#define VAULT_FUZZ_FUZZ_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#define FUZZ_CHECK(cond)                                                                 \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

namespace vault::fuzz {

// The input as text.
inline std::string_view AsText(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// The first byte chooses what the rest is fed to (`choices` of them); the
// seeds name their choice in that byte. False for an empty input.
inline bool Split(const uint8_t* data, size_t size, unsigned choices, unsigned* choice,
                  std::string_view* rest) {
  if (size == 0) return false;
  *choice = data[0] % choices;
  *rest = AsText(data + 1, size - 1);
  return true;
}

}  // namespace vault::fuzz

#endif  // VAULT_FUZZ_FUZZ_CHECK_H_
