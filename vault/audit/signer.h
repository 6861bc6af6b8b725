// SigningChain: the forward-secure Ed25519 key chain that signs checkpoints.
// Spec of audit.key: docs/formats/audit-log.md.
//
//   seed[i+1]       = KDF(seed[i], id 1, context "TVaudsg1")
//   ed25519 seed[i] = KDF(seed[i], id 2, context "TVaudsg1")
//   key pair[i]     = SigningKey::FromSeed(ed25519 seed[i])   (Ed25519)
//
// Checkpoint i is signed with key i and names public key i+1; then seed[i]
// is replaced by seed[i+1] in the key file and wiped from memory, so a later
// compromise of the host cannot sign anything as key i or earlier. The
// auditor pins public key 0 only.
//
// The key file (keys/audit.key) is sealed under a key derived from the root
// key (context "TVroot01", id 2) and rewritten atomically. It also records the
// size and head of the last checkpoint, so a log cut short behind it is
// detected at start-up.
//
// Thread safety: not thread-safe; AuditLog serialises all calls.
#ifndef VAULT_AUDIT_SIGNER_H_
#define VAULT_AUDIT_SIGNER_H_

#include <memory>
#include <optional>
#include <string>

#include "vault/audit/note.h"
#include "vault/crypto/custodian.h"
#include "vault/crypto/secret.h"
#include "vault/crypto/sign.h"
#include "vault/status.h"

namespace vault::audit {

class SigningChain {
 public:
  struct State {
    uint64_t index = 0;
    std::string origin;
    uint64_t last_size = 0;       // size of the last checkpoint signed (0: none)
    Hash last_head{};
    UnixMillis last_time = 0;
  };

  // Opens the key file, or creates key 0 with a fresh random seed and origin
  // "transcript-vault/<16 hex>" when `create` is set and the file is missing.
  static StatusOr<std::unique_ptr<SigningChain>> Open(const std::string& path,
                                                      const RootKeyCustodian* custodian,
                                                      bool create);
  SigningChain(const SigningChain&) = delete;
  SigningChain& operator=(const SigningChain&) = delete;

  const State& state() const { return state_; }
  const PublicKey& public_key() const { return public_key_; }
  const PublicKey& next_public_key() const { return next_public_key_; }
  // Whether the key file was created by Open.
  bool created() const { return created_; }

  // Signs `note` (key_index and next_key are filled in) with key i.
  StatusOr<std::string> Sign(CheckpointNote* note);
  // After checkpoint i is durable: persists seed[i+1] and wipes seed[i].
  Status Advance(const CheckpointNote& signed_note);

  // Public key i+k from a seed chain state (for tests: key continuity).
  static StatusOr<PublicKey> PublicKeyOf(const SecretBytes& seed);

 private:
  SigningChain(std::string path, const RootKeyCustodian* custodian)
      : path_(std::move(path)), custodian_(custodian) {}
  Status Load(const std::string& file);
  Status Persist(const State& st, const SecretBytes& seed);
  Status DeriveKeys();

  const std::string path_;
  const RootKeyCustodian* const custodian_;
  bool created_ = false;
  State state_;
  SecretBytes seed_;        // seed[i]
  std::optional<SigningKey> signing_key_;  // Ed25519 key i
  PublicKey public_key_{};
  PublicKey next_public_key_{};
};

}  // namespace vault::audit

#endif  // VAULT_AUDIT_SIGNER_H_
