// Root-key custodians: where the key that wraps the keyring comes from.
//
// The root key never enters RocksDB or the keyring. A custodian hands it out
// in guarded memory for the moment the keyring is read or rewritten; the
// keyring does not keep it longer than it must (see keyring.h). The default
// custodian is a key file; TPM- or KMS-backed custodians implement the same
// interface. Key file and root subkeys: docs/formats/root-key-file.md.
//
// Thread safety: implementations must allow concurrent LoadRootKey calls.
#ifndef VAULT_CRYPTO_CUSTODIAN_H_
#define VAULT_CRYPTO_CUSTODIAN_H_

#include <memory>
#include <string>

#include "vault/crypto/secret.h"
#include "vault/status.h"

namespace vault {

constexpr size_t kRootKeyBytes = 32;

// The 32-byte keys the root key protects, one per purpose: libsodium's
// crypto_kdf (keyed BLAKE2b) of the root key with context "TVroot01" and
// the purpose's id. Never reuse an id for another purpose.
enum class RootSubkey : uint64_t { kKeyring = 1, kAuditSigner = 2, kSafeguarding = 3 };
StatusOr<SecretBytes> DeriveRootSubkey(const SecretBytes& root_key, RootSubkey purpose);

class RootKeyCustodian {
 public:
  virtual ~RootKeyCustodian() = default;
  virtual StatusOr<SecretBytes> LoadRootKey() const = 0;
  // For log lines and error messages: names the source, never the key.
  virtual std::string Describe() const = 0;
};

// A root key in a file: one line "tv-root-key-v1:<64 hex digits>\n" (written
// in lowercase; either case is read),
// owned by the daemon's user, mode 0600 (0400 allowed). A file readable or
// writable by group or others is refused.
class KeyFileCustodian final : public RootKeyCustodian {
 public:
  // Opens `path`; if it does not exist and `create_if_missing`, creates it
  // with a fresh random key (O_EXCL, 0600, fsync, directory fsync).
  static StatusOr<std::unique_ptr<KeyFileCustodian>> Open(const std::string& path,
                                                           bool create_if_missing);
  StatusOr<SecretBytes> LoadRootKey() const override;
  std::string Describe() const override { return "key file " + path_; }

 private:
  explicit KeyFileCustodian(std::string path) : path_(std::move(path)) {}
  const std::string path_;  // constant after construction
};

}  // namespace vault

#endif  // VAULT_CRYPTO_CUSTODIAN_H_
