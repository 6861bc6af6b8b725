// Micro-benchmarks of the per-record cryptography, each beside a baseline in
// the same binary: sealing a record vs. copying the same bytes, and epoch key
// derivation vs. one raw BLAKE2b call. Run: build/benchmarks/crypto_bench
#include <benchmark/benchmark.h>
#include <sodium.h>

#include <cstring>
#include <string>

#include "vault/core/records.h"
#include "vault/crypto/aead.h"
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
  const std::string ad = RecordAd(std::string(16, 'i'), RecordKind::kMessage, 42);
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
  const std::string ad = RecordAd(std::string(16, 'i'), RecordKind::kMessage, 42);
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

}  // namespace
}  // namespace vault
