// Vault: the transcript store. Where crypto, storage and retention meet.
//
// A Vault owns one data directory: a RocksDB store holding only ciphertext and
// wrapped keys, and a keyring file (outside RocksDB) holding the epoch ratchet
// state, wrapped by the root key from a custodian. See docs/design.md.
//
// Every transcript has its own random data key (DEK). Every stored record is
// sealed with it (XChaCha20-Poly1305) with associated data binding the
// transcript id, the record kind and the sequence number. The DEK is stored
// only wrapped under the key of the epoch in which the transcript expires.
//
// Durability: a call that returns OK has been written with fsync (RocksDB WAL,
// sync=true); concurrent callers share fsyncs through RocksDB's write groups.
//
// Thread safety: all methods may be called concurrently. Operations on one
// transcript are serialised internally.
//
// Errors: InvalidArgument for bad input (nothing changes), NotFound for an
// unknown id, FailedPrecondition("transcript_closed") for an append after
// close, AlreadyExists("seq_conflict") for a different message under a used
// seq, Gone for a shredded transcript, Corruption when stored bytes fail
// authentication (wrong plaintext is never returned), IOError when the disk
// fails.
#ifndef VAULT_VAULT_H_
#define VAULT_VAULT_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/clock.h"
#include "vault/metrics.h"
#include "vault/options.h"
#include "vault/status.h"

namespace vault {

// What the chat server knows about the visitor. Every field is optional.
struct Visitor {
  std::optional<std::string> name;
  std::optional<std::string> ip;
  std::optional<std::string> location;
  std::optional<std::string> user_agent;
  std::optional<std::string> device;
  std::optional<std::string> ref;  // the chat platform's visitor reference
  bool operator==(const Visitor&) const = default;
};

struct NewTranscript {
  std::string service;  // [A-Za-z0-9._-]{1,64}
  Visitor visitor;
};

struct Message {
  uint64_t seq = 0;      // 0..Options::max_seq, chosen by the chat server
  std::string from;      // "visitor" | "agent" | "system"
  std::string text;      // UTF-8, at most Options::max_text_bytes
  std::string sent_at;   // RFC 3339, stored exactly as given
  bool operator==(const Message&) const = default;
};

enum class TranscriptState { kOpen, kClosed };
const char* TranscriptStateName(TranscriptState state);

struct TranscriptInfo {
  std::string id;  // 32 lowercase hex characters
  std::string service;
  TranscriptState state = TranscriptState::kOpen;
  UnixMillis created_at = 0;
  UnixMillis closed_at = 0;      // 0 while open
  UnixMillis last_activity = 0;
  // When the transcript stops being readable: close + retention once closed;
  // while open, the earliest possible expiry (now + retention at last write).
  UnixMillis expires_at = 0;
  uint64_t message_count = 0;
};

struct Transcript {
  TranscriptInfo info;
  Visitor visitor;
  std::vector<Message> messages;  // ascending seq
};

struct CreatedTranscript {
  std::string id;
  UnixMillis expires_at = 0;
};

enum class AppendOutcome { kStored, kDuplicate };

class Vault {
 public:
  // Opens (creating on first use) the vault in options.data_dir. `clock` must
  // outlive the Vault. Fails if the keyring's epoch length differs from
  // options.epoch_ms, or the root key does not open the keyring.
  static StatusOr<std::unique_ptr<Vault>> Open(const Options& options, Clock* clock);

  virtual ~Vault() = default;
  Vault(const Vault&) = delete;
  Vault& operator=(const Vault&) = delete;

  virtual StatusOr<CreatedTranscript> CreateTranscript(const NewTranscript& request) = 0;
  virtual StatusOr<AppendOutcome> AppendMessage(std::string_view id, const Message& message) = 0;
  // Idempotent: closing a closed transcript returns its existing expiry.
  virtual StatusOr<UnixMillis> CloseTranscript(std::string_view id) = 0;
  virtual StatusOr<Transcript> GetTranscript(std::string_view id) = 0;

  // Flushes memtables and compacts every column family down to the bottommost
  // level. Used by purge and by tests that inspect the files on disk.
  virtual Status CompactAll() = 0;

  // Counts, sizes and latencies for monitoring; never content or ids. Cheap:
  // no scan of the store (transcript counts are kept as durable counters
  // updated in the same atomic write as the change they count).
  virtual VaultMetrics Metrics() = 0;

 protected:
  Vault() = default;
};

}  // namespace vault

#endif  // VAULT_VAULT_H_
