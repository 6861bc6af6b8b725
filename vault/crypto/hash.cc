#include "vault/crypto/hash.h"

#include <sodium.h>

#include <cstdlib>
#include <cstring>

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
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | out[i];  // little-endian, as SipHash defines it
  return v;
}

std::string KeyCommitment(std::string_view personal, std::string_view label,
                          const SecretBytes& key, size_t out_bytes) {
  Hasher h = Hasher::Create(personal, out_bytes);
  h.Update(label);
  h.Update(std::string_view(reinterpret_cast<const char*>(key.insecure_data()), key.size()));
  return h.Final();
}

}  // namespace vault
