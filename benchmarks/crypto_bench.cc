// Micro-benchmarks of the per-record cryptography, each beside a baseline in
// the same binary: sealing a record vs. copying the same bytes, epoch key
// derivation vs. one raw BLAKE2b call, wrapping and unwrapping a DEK under a
// cached epoch key vs. sealing a 32-byte record, and a pooled guarded
// allocation vs. a sodium_malloc of its own. Run: build/benchmarks/crypto_bench
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>

#include "vault/core/records.h"
#include "vault/crypto/aead.h"
#include "vault/crypto/custodian.h"
#include "vault/crypto/hash.h"
#include "vault/crypto/keyring.h"
#include "vault/crypto/ratchet.h"
#include "vault/crypto/secret.h"

namespace vault {
namespace {

SecretBytes Key() { return std::move(SecretBytes::Random(32)).value(); }

void BM_CopyBaseline(benchmark::State& state) {
  const std::string plain(static_cast<size_t>(state.range(0)), 'x');
  std::string out;
  for (auto _ : state) {
    out.assign(plain);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_CopyBaseline)->Arg(64)->Arg(1024)->Arg(64 * 1024);

void BM_SealRecord(benchmark::State& state) {
  SecretBytes key = Key();
  const std::string plain(static_cast<size_t>(state.range(0)), 'x');
  const std::string ad(RecordAd(std::string(16, 'i'), RecordKind::kMessage, 42).view());
  std::string out;
  for (auto _ : state) {
    out.clear();
    benchmark::DoNotOptimize(aead::Seal(key, plain, ad, &out));
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SealRecord)->Arg(64)->Arg(1024)->Arg(64 * 1024);

void BM_OpenRecord(benchmark::State& state) {
  SecretBytes key = Key();
  const std::string plain(static_cast<size_t>(state.range(0)), 'x');
  const std::string ad(RecordAd(std::string(16, 'i'), RecordKind::kMessage, 42).view());
  std::string sealed;
  (void)aead::Seal(key, plain, ad, &sealed);
  for (auto _ : state) {
    auto p = aead::Open(key, sealed, ad);
    benchmark::DoNotOptimize(p);
  }
  state.SetBytesProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_OpenRecord)->Arg(64)->Arg(1024)->Arg(64 * 1024);

void BM_Blake2bBaseline(benchmark::State& state) {
  uint8_t in[32] = {1}, out[32];
  for (auto _ : state) {
    crypto_generichash(out, sizeof out, in, sizeof in, nullptr, 0);
    benchmark::DoNotOptimize(out);
  }
}
BENCHMARK(BM_Blake2bBaseline);

// A visitor tag (docs/design.md section 24.2): BLAKE2b-128 of a 20-byte
// identifier under a 32-byte key whose block was compressed once, so one
// compression per tag (KeyedBlake2b). A history lookup computes about 2,160.
constexpr unsigned char kTagInput[20] = {2,   'v', 'i', 's', 'i', 't', 'o', 'r',
                                         '@', 'e', 'x', 'a', 'm', 'p', 'l', 'e'};

void BM_VisitorTag(benchmark::State& state) {
  const KeyedBlake2b hash =
      std::move(KeyedBlake2b::Create("TV-vindex-tag-v1", 16, Key())).value();
  char in[sizeof kTagInput];
  std::memcpy(in, kTagInput, sizeof in);
  char out[16];
  for (auto _ : state) {
    hash.HashTo(std::string_view(in, sizeof in), out);
    benchmark::DoNotOptimize(out);
    in[19] = out[0];  // each input depends on the last output
  }
}
BENCHMARK(BM_VisitorTag);

// Baseline of BM_VisitorTag: libsodium's keyed BLAKE2b-128 of the same input
// (two compressions: the key block's and the message's).
void BM_VisitorTagSodiumBaseline(benchmark::State& state) {
  const SecretBytes key = Key();
  unsigned char in[sizeof kTagInput];
  std::memcpy(in, kTagInput, sizeof in);
  unsigned char out[16];
  for (auto _ : state) {
    crypto_generichash(out, sizeof out, in, sizeof in,
                       reinterpret_cast<const unsigned char*>(key.insecure_data()), key.size());
    benchmark::DoNotOptimize(out);
    in[19] = out[0];
  }
}
BENCHMARK(BM_VisitorTagSodiumBaseline);

void BM_RatchetStep(benchmark::State& state) {
  SecretBytes s = Key();
  for (auto _ : state) {
    auto n = ratchet::Advance(s, static_cast<uint64_t>(state.range(0)));
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RatchetStep)->Arg(1)->Arg(720);

void BM_SecretAllocate(benchmark::State& state) {
  for (auto _ : state) {
    auto k = SecretBytes::Random(32);
    benchmark::DoNotOptimize(k);
  }
}
BENCHMARK(BM_SecretAllocate);

// Baseline of BM_SecretAllocate: what every key copy cost before the pool, a
// guarded region of its own (mmap, mprotect, mlock; and back).
void BM_SodiumMallocBaseline(benchmark::State& state) {
  (void)InitCrypto();
  for (auto _ : state) {
    void* p = sodium_malloc(32);
    randombytes_buf(p, 32);
    benchmark::DoNotOptimize(p);
    sodium_free(p);
  }
}
BENCHMARK(BM_SodiumMallocBaseline);

// epoch_key[e] from state[e]: one keyed BLAKE2b and the result's allocation.
void BM_EpochKey(benchmark::State& state) {
  SecretBytes s = Key();
  for (auto _ : state) {
    auto k = ratchet::EpochKey(s);
    benchmark::DoNotOptimize(k);
  }
}
BENCHMARK(BM_EpochKey);

// A keyring in a scratch directory, with the epoch key of `kEpoch` cached,
// as it is for every request after the first of an epoch.
struct ScratchKeyring {
  std::string dir;
  ManualClock clock{1'800'000'000'000};
  std::unique_ptr<KeyFileCustodian> custodian;
  std::unique_ptr<Keyring> keyring;
  uint64_t epoch = 0;
  ScratchKeyring() {
    const char* tmp = std::getenv("TMPDIR");
    dir = std::string(tmp != nullptr ? tmp : "/tmp") + "/tv-bench-keyring-XXXXXX";
    if (mkdtemp(dir.data()) == nullptr) std::abort();
    custodian = std::move(KeyFileCustodian::Open(dir + "/root.key", true)).value();
    Keyring::Params params{dir + "/keyring", 3'600'000, 30 * 86'400'000LL};
    keyring = std::move(Keyring::Open(params, custodian.get(), &clock)).value();
    epoch = keyring->EpochOf(clock.NowMillis() + params.retention_ms);
  }
  ~ScratchKeyring() { std::filesystem::remove_all(dir); }
};

void BM_WrapDek(benchmark::State& state) {
  ScratchKeyring k;
  SecretBytes dek = Key();
  const std::string binding(16, 'i');
  if (!k.keyring->WrapKey(k.epoch, dek, binding).ok()) std::abort();  // derives and caches
  for (auto _ : state) {
    auto wrapped = k.keyring->WrapKey(k.epoch, dek, binding);
    benchmark::DoNotOptimize(wrapped);
  }
}
BENCHMARK(BM_WrapDek);

// Unwrapping is what every request on an existing transcript does first.
void BM_UnwrapDek(benchmark::State& state) {
  ScratchKeyring k;
  SecretBytes dek = Key();
  const std::string binding(16, 'i');
  const std::string wrapped = std::move(k.keyring->WrapKey(k.epoch, dek, binding)).value();
  for (auto _ : state) {
    auto unwrapped = k.keyring->UnwrapKey(wrapped, binding);
    benchmark::DoNotOptimize(unwrapped);
  }
}
BENCHMARK(BM_UnwrapDek);

}  // namespace
}  // namespace vault
