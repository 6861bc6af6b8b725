// CaseStore: enrolled officers and safeguarding cases, in one small sealed
// file beside the keyring (<data_dir>/keys/safeguarding), never in RocksDB
// and never in a backup.
//
// A case holds its X25519 public key and, for each officer enrolled when it
// was opened or last reshared, one Shamir share of its secret key (any
// `threshold` of them open it) sealed to that officer's
// X25519 key (crypto_box_seal of ShareAd(case) || x || y), with a commitment
// to the share so a tampered share is recognised before it is combined. The
// case secret itself is never stored. Releasing a case deletes its public
// key and shares: every DEK sealed to it is then unrecoverable. An open
// case also holds its visitor-index key (CaseIndexKey: its held
// transcripts' index entries are tagged under it), sealed inside the file
// under the file's key once more, bound to the case id, so that the
// document's plaintext never holds key bytes; it too is deleted at release.
//
// File: "TVSAFEG1" | version (4 bytes BE) | XChaCha20-Poly1305 under a key
// derived from the root key (crypto_kdf id 3, context "TVroot01") of a JSON
// document; the 12-byte header is the associated data. Spec:
// docs/formats/case-file.md.
//
// Thread safety: none; the Vault serialises access (its safeguard mutex).
// Crash safety: Commit() replaces the file by rename after fsync and only
// then changes the in-memory state; a crash leaves the old or the new file.
#ifndef VAULT_HOLD_CASE_STORE_H_
#define VAULT_HOLD_CASE_STORE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vault/clock.h"
#include "vault/crypto/case_index_key.h"
#include "vault/crypto/custodian.h"
#include "vault/crypto/secret.h"
#include "vault/officer/officer.h"
#include "vault/status.h"

namespace vault::safeguard {

struct StoredOfficer {
  std::string id;
  OfficerPublicKeys keys;
  UnixMillis enrolled_at = 0;
  uint32_t enrolled_by = 0;
  UnixMillis revoked_at = 0;
  bool compromised = false;  // revoked as compromised (written only when true)
};

struct StoredShare {
  std::string officer;
  uint8_t x = 0;
  std::string sealed;      // to the officer's X25519 key
  std::string commitment;  // ShareCommitment(case, x, y), 32 bytes
};

struct StoredCase {
  std::string id;
  std::string state = "open";  // "open" | "released"
  std::string reason;
  std::string opened_by;
  UnixMillis opened_at = 0;
  UnixMillis released_at = 0;
  std::string public_key;  // 32 bytes; empty once released
  int threshold = 2;
  std::vector<StoredShare> shares;  // empty once released
  // When the shares were last dealt afresh (a reshare); 0: dealt at opening.
  UnixMillis reshared_at = 0;
  // When it was recovered into this vault from another's backup (its shares
  // were dealt then); 0: opened here.
  UnixMillis recovered_at = 0;
  // The case's visitor-index key; null once released, and in a case written
  // before index keys existed until its first hold makes one. Shared, not
  // copied, by copies of the state.
  std::shared_ptr<const CaseIndexKey> index_key;
};

struct SafeguardState {
  uint64_t generation = 0;
  std::vector<StoredOfficer> officers;
  std::vector<StoredCase> cases;

  const StoredOfficer* FindOfficer(std::string_view id) const;
  StoredOfficer* FindOfficer(std::string_view id);
  const StoredCase* FindCase(std::string_view id) const;
  StoredCase* FindCase(std::string_view id);
};

// ShareCommitment and ShareLabel: vault/officer/statement.h (an officer's
// tool checks its own share against the commitment too).

StatusOr<std::string> EncodeSafeguardFile(const SafeguardState& state, const SecretBytes& root_key);
StatusOr<SafeguardState> DecodeSafeguardFile(std::string_view file, const SecretBytes& root_key);

class CaseStore {
 public:
  // Opens `path`; a missing file is an empty state (no officers, no cases).
  static StatusOr<std::unique_ptr<CaseStore>> Open(const std::string& path,
                                                   const RootKeyCustodian* custodian);
  CaseStore(const CaseStore&) = delete;
  CaseStore& operator=(const CaseStore&) = delete;

  const SafeguardState& state() const { return state_; }
  // Persists `next` (generation incremented) and then makes it current.
  Status Commit(SafeguardState next);

 private:
  CaseStore(std::string path, const RootKeyCustodian* custodian, SafeguardState state)
      : path_(std::move(path)), custodian_(custodian), state_(std::move(state)) {}

  const std::string path_;
  const RootKeyCustodian* const custodian_;
  SafeguardState state_;
};

}  // namespace vault::safeguard

#endif  // VAULT_HOLD_CASE_STORE_H_
