// Fixed keys for the fuzz targets and their seeds (make_seeds.cc): a root
// key and a keyring whose state are constant bytes, so that a seed sealed or
// wrapped by make_seeds opens in the fuzz target. Never used outside fuzz/.
#ifndef VAULT_FUZZ_FIXED_KEYS_H_
#define VAULT_FUZZ_FIXED_KEYS_H_

#include <stdlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "vault/clock.h"
#include "vault/common/file_util.h"
#include "vault/crypto/custodian.h"
#include "vault/crypto/keyring.h"
#include "vault/crypto/ratchet.h"
#include "vault/crypto/secret.h"

namespace vault::fuzz {

constexpr int64_t kEpochMs = 3600 * 1000;
constexpr int64_t kRetentionMs = 30LL * 24 * 3600 * 1000;
// 2026-11-22T10:00:00Z: the keyring's base epoch is this hour's.
constexpr UnixMillis kNow = 1795341600000;

inline SecretBytes FixedBytes(size_t n, uint8_t fill) {
  auto s = SecretBytes::Zeroed(n);
  if (!s.ok()) std::abort();
  for (size_t i = 0; i < n; ++i) s->insecure_mutable_data()[i] = static_cast<uint8_t>(fill + i);
  return std::move(s).value();
}

inline SecretBytes FixedRootKey() { return FixedBytes(32, 0x40); }

class FixedCustodian final : public RootKeyCustodian {
 public:
  StatusOr<SecretBytes> LoadRootKey() const override { return FixedRootKey(); }
  std::string Describe() const override { return "the fuzzers' fixed root key"; }
};

// A process-wide scratch directory under $TMPDIR (or /tmp), made once and
// removed at exit.
inline const std::string& ScratchDir() {
  static const std::string dir = [] {
    const char* base = std::getenv("TMPDIR");
    std::string templ = std::string(base != nullptr ? base : "/tmp") + "/vault-fuzz-XXXXXX";
    if (::mkdtemp(templ.data()) == nullptr) std::abort();
    return templ;
  }();
  static const bool cleanup = [] {
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    });
    return true;
  }();
  (void)cleanup;
  return dir;
}

// A keyring with the fixed root key and a fixed ratchet state at kNow's epoch.
// Lives for the whole process (its file is in ScratchDir()).
inline Keyring* FixedKeyring() {
  static FixedCustodian custodian;
  static ManualClock clock(kNow);
  static Keyring* keyring = [] {
    KeyringContents contents;
    contents.epoch_ms = kEpochMs;
    contents.base_epoch = static_cast<uint64_t>(kNow / kEpochMs);
    contents.generation = 1;
    contents.state = FixedBytes(ratchet::kStateBytes, 0x11);
    auto file = EncodeKeyringFile(contents, FixedRootKey());
    const std::string path = ScratchDir() + "/keyring";
    if (!file.ok() || !WriteFileAtomically(path, *file, 0600).ok()) std::abort();
    auto k = Keyring::Open({path, kEpochMs, kRetentionMs}, &custodian, &clock, false);
    if (!k.ok()) std::abort();
    return k->release();
  }();
  return keyring;
}

}  // namespace vault::fuzz

#endif  // VAULT_FUZZ_FIXED_KEYS_H_
