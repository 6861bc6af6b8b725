#include "vault/crypto/hash.h"

#include <sodium.h>

#include <bit>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace vault {
namespace {

static_assert(sizeof(crypto_generichash_blake2b_state) == 384);
static_assert(alignof(crypto_generichash_blake2b_state) <= 64);
static_assert(kBlake2bPersonalBytes == crypto_generichash_blake2b_PERSONALBYTES);
static_assert(kBlake2bMinBytes == crypto_generichash_blake2b_BYTES_MIN);
static_assert(kBlake2bMaxBytes == crypto_generichash_blake2b_BYTES_MAX);
static_assert(kSha256Bytes == crypto_hash_sha256_BYTES);
static_assert(kShortHashKeyBytes == crypto_shorthash_siphash24_KEYBYTES);
static_assert(crypto_shorthash_siphash24_BYTES == 8);

[[noreturn]] void Misuse() { std::abort(); }

// A little-endian 64-bit word, as BLAKE2b and SipHash read and write them.
inline uint64_t Load64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

crypto_generichash_blake2b_state* State(unsigned char* p) {
  return reinterpret_cast<crypto_generichash_blake2b_state*>(p);
}

}  // namespace

Hasher Hasher::Create(std::string_view personal, size_t out_bytes, const SecretBytes* key) {
  if (personal.size() > kBlake2bPersonalBytes || out_bytes < kBlake2bMinBytes ||
      out_bytes > kBlake2bMaxBytes) {
    Misuse();
  }
  if (key != nullptr && (key->size() < crypto_generichash_blake2b_KEYBYTES_MIN ||
                         key->size() > crypto_generichash_blake2b_KEYBYTES_MAX)) {
    Misuse();
  }
  if (!InitCrypto().ok()) Misuse();
  unsigned char padded[kBlake2bPersonalBytes] = {};
  std::memcpy(padded, personal.data(), personal.size());
  Hasher h;
  h.out_bytes_ = out_bytes;
  if (crypto_generichash_blake2b_init_salt_personal(
          State(h.state_), key == nullptr ? nullptr : key->insecure_data(),
          key == nullptr ? 0 : key->size(), out_bytes, nullptr, padded) != 0) {
    Misuse();
  }
  return h;
}

Hasher::~Hasher() { sodium_memzero(state_, sizeof state_); }

Hasher& Hasher::Update(std::string_view data) {
  if (finished_) Misuse();
  crypto_generichash_blake2b_update(State(state_),
                                    reinterpret_cast<const unsigned char*>(data.data()),
                                    data.size());
  return *this;
}

std::string Hasher::Final() {
  std::string out(out_bytes_, '\0');
  FinalTo(out.data());
  return out;
}

void Hasher::FinalTo(char* out) {
  if (finished_) Misuse();
  finished_ = true;
  crypto_generichash_blake2b_final(State(state_), reinterpret_cast<unsigned char*>(out),
                                   out_bytes_);
  sodium_memzero(state_, sizeof state_);
}

namespace {

// BLAKE2b's compression function (RFC 7693, section 3.2), for KeyedBlake2b:
// libsodium offers no way to keep a state whose key block is compressed.
constexpr uint64_t kBlake2bIv[8] = {0x6a09e667f3bcc908ull, 0xbb67ae8584caa73bull,
                                    0x3c6ef372fe94f82bull, 0xa54ff53a5f1d36f1ull,
                                    0x510e527fade682d1ull, 0x9b05688c2b3e6c1full,
                                    0x1f83d9abfb41bd6bull, 0x5be0cd19137e2179ull};
constexpr uint8_t kSigma[12][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3},
    {11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4},
    {7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8},
    {9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13},
    {2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9},
    {12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11},
    {13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10},
    {6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5},
    {10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0},
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3}};

inline uint64_t Rotr64(uint64_t x, int n) { return (x >> n) | (x << (64 - n)); }

// One round, its message schedule a compile-time row of kSigma, so that
// every index below is a constant and the sixteen words of `v` stay in
// registers (or the compiler's own spill slots) through all twelve rounds.
template <int R>
inline void Round(uint64_t (&v)[16], const uint64_t (&m)[16]) {
  constexpr const uint8_t* s = kSigma[R];
  auto g = [&v](int a, int b, int c, int d, uint64_t x, uint64_t y) {
    v[a] = v[a] + v[b] + x;
    v[d] = Rotr64(v[d] ^ v[a], 32);
    v[c] = v[c] + v[d];
    v[b] = Rotr64(v[b] ^ v[c], 24);
    v[a] = v[a] + v[b] + y;
    v[d] = Rotr64(v[d] ^ v[a], 16);
    v[c] = v[c] + v[d];
    v[b] = Rotr64(v[b] ^ v[c], 63);
  };
  g(0, 4, 8, 12, m[s[0]], m[s[1]]);
  g(1, 5, 9, 13, m[s[2]], m[s[3]]);
  g(2, 6, 10, 14, m[s[4]], m[s[5]]);
  g(3, 7, 11, 15, m[s[6]], m[s[7]]);
  g(0, 5, 10, 15, m[s[8]], m[s[9]]);
  g(1, 6, 11, 12, m[s[10]], m[s[11]]);
  g(2, 7, 8, 13, m[s[12]], m[s[13]]);
  g(3, 4, 9, 14, m[s[14]], m[s[15]]);
}

template <int... R>
inline void Rounds(uint64_t (&v)[16], const uint64_t (&m)[16],
                   std::integer_sequence<int, R...>) {
  (Round<R>(v, m), ...);
}

// h = compress(h, block); `counter` bytes so far including this block. The
// working words are this function's own and are wiped before it returns;
// what the compiler spills of them to its own stack slots is not (nor is
// it in libsodium's BLAKE2b).
void Compress(uint64_t h[8], const unsigned char block[128], uint64_t counter, bool last) {
  uint64_t m[16];
  std::memcpy(m, block, sizeof m);
  if constexpr (std::endian::native != std::endian::little) {
    for (int i = 0; i < 16; ++i) m[i] = Load64(block + 8 * i);
  }
  uint64_t v[16];
  for (int i = 0; i < 8; ++i) {
    v[i] = h[i];
    v[i + 8] = kBlake2bIv[i];
  }
  v[12] ^= counter;  // the counter's high word stays 0: messages are short
  if (last) v[14] = ~v[14];
  Rounds(v, m, std::make_integer_sequence<int, 12>{});
  for (int i = 0; i < 8; ++i) h[i] ^= v[i] ^ v[i + 8];
  sodium_memzero(v, sizeof v);
  sodium_memzero(m, sizeof m);
}

}  // namespace

StatusOr<KeyedBlake2b> KeyedBlake2b::Create(std::string_view personal, size_t out_bytes,
                                            const SecretBytes& key) {
  if (personal.size() > kBlake2bPersonalBytes || out_bytes < kBlake2bMinBytes ||
      out_bytes > kBlake2bMaxBytes || key.size() < crypto_generichash_blake2b_KEYBYTES_MIN ||
      key.size() > crypto_generichash_blake2b_KEYBYTES_MAX) {
    Misuse();
  }
  // The parameter block (RFC 7693, section 2.5): digest length, key length,
  // fanout 1, depth 1, no salt, the personalisation.
  unsigned char param[64] = {};
  param[0] = static_cast<unsigned char>(out_bytes);
  param[1] = static_cast<unsigned char>(key.size());
  param[2] = 1;
  param[3] = 1;
  std::memcpy(param + 48, personal.data(), personal.size());
  VAULT_ASSIGN_OR_RETURN(SecretBytes state, SecretBytes::Zeroed(64));
  uint64_t h[8];
  for (int i = 0; i < 8; ++i) h[i] = kBlake2bIv[i] ^ Load64(param + 8 * i);
  unsigned char block[128] = {};
  std::memcpy(block, key.insecure_data(), key.size());
  Compress(h, block, 128, /*last=*/false);
  for (int i = 0; i < 8; ++i) {
    for (int b = 0; b < 8; ++b) {
      state.insecure_mutable_data()[8 * i + b] = static_cast<uint8_t>(h[i] >> (8 * b));
    }
  }
  sodium_memzero(block, sizeof block);
  sodium_memzero(h, sizeof h);
  return KeyedBlake2b(std::move(state), out_bytes);
}

void KeyedBlake2b::HashTo(std::string_view data, char* out) const {
  if (data.empty() || h_.size() != 64) Misuse();
  uint64_t h[8];
  for (int i = 0; i < 8; ++i) h[i] = Load64(h_.insecure_data() + 8 * i);
  const auto* p = reinterpret_cast<const unsigned char*>(data.data());
  size_t left = data.size();
  uint64_t counter = 128;  // the key block
  while (left > 128) {
    counter += 128;
    Compress(h, p, counter, /*last=*/false);
    p += 128;
    left -= 128;
  }
  unsigned char block[128] = {};
  std::memcpy(block, p, left);
  Compress(h, block, counter + left, /*last=*/true);
  for (size_t i = 0; i < out_bytes_; ++i) out[i] = static_cast<char>(h[i / 8] >> (8 * (i % 8)));
  sodium_memzero(block, sizeof block);
  sodium_memzero(h, sizeof h);
}

std::string Blake2b(std::string_view personal, std::string_view data, size_t out_bytes) {
  return Hasher::Create(personal, out_bytes).Update(data).Final();
}

std::string Sha256(std::string_view data) {
  std::string out(kSha256Bytes, '\0');
  crypto_hash_sha256(reinterpret_cast<unsigned char*>(out.data()),
                     reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return out;
}

uint64_t ShortHash64(const SecretBytes& key, std::string_view data) {
  if (key.size() != kShortHashKeyBytes) Misuse();
  unsigned char out[8];
  crypto_shorthash_siphash24(out, reinterpret_cast<const unsigned char*>(data.data()), data.size(),
                             key.insecure_data());
  return Load64(out);
}

std::string KeyCommitment(std::string_view personal, std::string_view label,
                          const SecretBytes& key, size_t out_bytes) {
  Hasher h = Hasher::Create(personal, out_bytes);
  h.Update(label);
  h.Update(std::string_view(reinterpret_cast<const char*>(key.insecure_data()), key.size()));
  return h.Final();
}

}  // namespace vault
