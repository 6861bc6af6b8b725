// VaultImpl: the Vault over a Store, a Keyring and a Clock.
//
// Data directory layout (docs/design.md):
//   <data_dir>/db/            RocksDB: ciphertext and wrapped keys only
//   <data_dir>/keys/keyring   the epoch ratchet state, sealed by the root key
//   <data_dir>/keys/root.key  the default key-file custodian's root key
// Backups take db/ and never keys/.
#ifndef VAULT_CORE_VAULT_IMPL_H_
#define VAULT_CORE_VAULT_IMPL_H_

#include <array>
#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "vault/core/records.h"
#include "vault/crypto/custodian.h"
#include "vault/crypto/keyring.h"
#include "vault/crypto/secret.h"
#include "vault/storage/store.h"
#include "vault/vault.h"

namespace vault {

class VaultImpl final : public Vault {
 public:
  static StatusOr<std::unique_ptr<VaultImpl>> Open(const Options& options, Clock* clock);

  StatusOr<CreatedTranscript> CreateTranscript(const NewTranscript& request) override;
  StatusOr<AppendOutcome> AppendMessage(std::string_view id, const Message& message) override;
  StatusOr<UnixMillis> CloseTranscript(std::string_view id) override;
  StatusOr<Transcript> GetTranscript(std::string_view id) override;
  Status CompactAll() override;
  VaultMetrics Metrics() override;

  // For tests and offline tools in this library.
  Store* store() { return store_.get(); }
  Keyring* keyring() { return keyring_.get(); }

 private:
  VaultImpl(Options options, Clock* clock, std::unique_ptr<RootKeyCustodian> custodian,
            std::unique_ptr<Keyring> keyring, std::unique_ptr<Store> store, int64_t open,
            int64_t closed);

  // A transcript's key material and state, loaded under its stripe lock.
  struct Loaded {
    std::string raw_id;
    uint64_t key_epoch = 0;
    SecretBytes dek;
    StateRecord state;
  };
  StatusOr<Loaded> Load(std::string_view external_id);
  Status SealInto(const SecretBytes& dek, std::string_view raw_id, RecordKind kind, uint64_t seq,
                  std::string_view plain, std::string* out);
  // Adds to `batch` the state record and, if the expiry moved to another
  // epoch, the DEK re-wrapped under it with the expiry index moved along.
  Status StageState(Loaded* t, WriteBatch* batch);
  std::mutex& StripeFor(std::string_view raw_id);

  const Options options_;  // constant after construction
  Clock* const clock_;
  const std::unique_ptr<RootKeyCustodian> custodian_;
  const std::unique_ptr<Keyring> keyring_;
  const std::unique_ptr<Store> store_;
  // Serialises read-modify-write of one transcript (striped by id).
  std::array<std::mutex, 256> stripes_;
  // Mirrors of the store's transcript counters, read once at Open and moved
  // after each write that moves them durably.
  std::atomic<int64_t> open_count_;
  std::atomic<int64_t> closed_count_;
};

}  // namespace vault

#endif  // VAULT_CORE_VAULT_IMPL_H_
