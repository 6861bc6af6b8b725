#include "vault/wire/json_text.h"

#include <cassert>
#include <charconv>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace vault::wire {

namespace {

// What byte c becomes inside a JSON string: 0 for itself, 'u' for \u00xx,
// otherwise the letter after the backslash.
constexpr char EscapeOf(unsigned char c) {
  switch (c) {
    case '"': return '"';
    case '\\': return '\\';
    case '\b': return 'b';
    case '\t': return 't';
    case '\n': return 'n';
    case '\f': return 'f';
    case '\r': return 'r';
    default: return c < 0x20 ? 'u' : 0;
  }
}

struct EscapeTable {
  char of[256];
  constexpr EscapeTable() : of{} {
    for (int c = 0; c < 256; ++c) of[c] = EscapeOf(static_cast<unsigned char>(c));
  }
};
constexpr EscapeTable kEscapes;

// Whether any of the 8 bytes of w needs escaping: below 0x20, '"' or '\\'.
// Exact for "none" (the usual case); a "some" is checked byte by byte.
inline bool AnyToEscape(uint64_t w) {
  constexpr uint64_t kOnes = ~uint64_t{0} / 255;
  constexpr uint64_t kHigh = kOnes * 0x80;
  const auto has_zero = [](uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  const uint64_t below_space = (w - kOnes * 0x20) & ~w & kHigh;
  return (below_space | has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\'))) != 0;
}

#if defined(__SSE2__)
// Which of the 16 bytes at p need escaping (bit i for byte i): below 0x20,
// '"' or '\\', exactly the bytes kEscapes does not leave as they are.
inline unsigned EscapeMask16(const char* p) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i below_space = _mm_cmpeq_epi8(_mm_min_epu8(v, _mm_set1_epi8(0x1f)), v);
  const __m128i quote = _mm_cmpeq_epi8(v, _mm_set1_epi8('"'));
  const __m128i backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'));
  return static_cast<unsigned>(
      _mm_movemask_epi8(_mm_or_si128(below_space, _mm_or_si128(quote, backslash))));
}
#endif

}  // namespace

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < s.size(); ++i) {
#if defined(__SSE2__)
    // Sixteen bytes at a time while none needs escaping (most text), then
    // straight to the first that does.
    while (i + 16 <= s.size()) {
      const unsigned mask = EscapeMask16(s.data() + i);
      if (mask != 0) {
        i += static_cast<size_t>(__builtin_ctz(mask));
        break;
      }
      i += 16;
    }
#endif
    // Eight bytes at a time while none needs escaping: the tail, or every
    // block where SSE2 is not there.
    while (i + 8 <= s.size()) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      if (AnyToEscape(w)) break;
      i += 8;
    }
    if (i >= s.size()) break;
    const char e = kEscapes.of[static_cast<unsigned char>(s[i])];
    if (e == 0) continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    if (e == 'u') {
      static constexpr char kHex[] = "0123456789abcdef";
      const auto c = static_cast<unsigned char>(s[i]);
      const char u[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
      out->append(u, sizeof(u));
    } else {
      const char two[2] = {'\\', e};
      out->append(two, sizeof(two));
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void JsonText::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ == 0) return;
  const uint64_t bit = uint64_t{1} << depth_;
  if (has_member_ & bit) out_->push_back(',');
  has_member_ |= bit;
}

void JsonText::Open(char c) {
  BeforeValue();
  assert(depth_ + 1 < kMaxDepth);
  ++depth_;
  has_member_ &= ~(uint64_t{1} << depth_);
  out_->push_back(c);
}

void JsonText::Close(char c) {
  assert(depth_ > 0 && !after_key_);
  --depth_;
  out_->push_back(c);
}

void JsonText::Key(std::string_view key) {
  BeforeValue();
  AppendJsonString(out_, key);
  out_->push_back(':');
  after_key_ = true;
}

void JsonText::String(std::string_view value) {
  BeforeValue();
  AppendJsonString(out_, value);
}

void JsonText::Uint(uint64_t value) {
  BeforeValue();
  char digits[20];
  const auto end = std::to_chars(digits, digits + sizeof(digits), value).ptr;
  out_->append(digits, end);
}

void JsonText::Bool(bool value) {
  BeforeValue();
  out_->append(value ? "true" : "false");
}

}  // namespace vault::wire
