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
#include <string_view>

#include "vault/crypto/secret.h"
#include "vault/status.h"

namespace vault {

constexpr size_t kRootKeyBytes = 32;

// The 32-byte keys the root key protects, one per purpose: libsodium's
// crypto_kdf (keyed BLAKE2b) of the root key with context "TVroot01" and
// the purpose's id. Never reuse an id for another purpose.
enum class RootSubkey : uint64_t {
  kKeyring = 1,
  kAuditSigner = 2,
  kSafeguarding = 3,
  kFingerprint = 4,  // never a key: hashed into the root key's public fingerprint
};
StatusOr<SecretBytes> DeriveRootSubkey(const SecretBytes& root_key, RootSubkey purpose);
// Every subkey above that seals a file. Root key rotation reseals a file for
// each (vault/core/root_rotation.cc checks it at compile time): a new one
// belongs here.
inline constexpr RootSubkey kSealingRootSubkeys[] = {RootSubkey::kKeyring, RootSubkey::kAuditSigner,
                                                     RootSubkey::kSafeguarding};

// The root key's fingerprint: 32 hex digits, the first 16 bytes of the
// fingerprint subkey. Safe to log and to audit (a PRF output reveals nothing
// of the key or of its other subkeys); tells one root key from another.
StatusOr<std::string> RootKeyFingerprint(const SecretBytes& root_key);

// The files sealed under a root subkey share one shape: a 12-byte header
// (8-byte magic, u32 version) as associated data, then XChaCha20-Poly1305
// under the subkey. Reseals `file` from one root key to another without
// interpreting its payload, which stays in guarded memory; Corruption if it
// does not open under `from`. Used by root key rotation (docs/design.md).
StatusOr<std::string> ResealRootFile(std::string_view file, RootSubkey purpose,
                                     const SecretBytes& from, const SecretBytes& to);
// Whether `file` opens under `root_key` (the same shape).
bool OpensUnderRoot(std::string_view file, RootSubkey purpose, const SecretBytes& root_key);

// The key-file text of `key` (the format below), in guarded memory.
StatusOr<SecretBytes> FormatRootKeyFile(const SecretBytes& key);

// Writes a new root key file at `path` (the key-file format below): to
// `<path>.new` (O_EXCL, 0600), fsync, hard-linked to `path` (which must not
// exist), then the directory is fsynced.
Status WriteRootKeyFile(const std::string& path, const SecretBytes& key);

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
