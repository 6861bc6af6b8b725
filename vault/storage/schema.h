// The RocksDB schema's keys and markers: how a transcript's records, its
// wrapped key, the expiry index and the store's counters are laid out.
// Values are opaque here (sealed elsewhere); only the markers that replace a
// wrapped key (tombstones, the held marker) are plain. Shared by the vault's
// transcript path (vault/core), the shredder (vault/retention) and legal hold
// (vault/hold). Spec: docs/formats/rocksdb-schema.md. Changing a layout
// needs a new format version.
//
// Thread safety: pure functions and constants.
#ifndef VAULT_STORAGE_SCHEMA_H_
#define VAULT_STORAGE_SCHEMA_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "vault/clock.h"
#include "vault/common/encoding.h"
#include "vault/status.h"

namespace vault {

// A transcript's id: 16 random bytes, 32 lowercase hex characters outside.
constexpr size_t kIdBytes = 16;

// The kinds of sealed record (also bound into their associated data).
// kStatement: a supplementary statement on a message, kept in the messages
// column right after it (StatementKey).
enum class RecordKind : uint8_t { kVisitor = 1, kState = 2, kMessage = 3, kStatement = 4 };

// RocksDB keys.
std::string TranscriptKey(std::string_view id, RecordKind kind);  // id kind
std::string MessageKey(std::string_view id, uint64_t seq);       // id seq
// The n-th supplementary statement on message seq: id seq n(1), so it
// sorts right after its message and inside the transcript's key range.
std::string StatementKey(std::string_view id, uint64_t seq, uint8_t n);
std::string ExpiryKey(uint64_t epoch, std::string_view id);      // epoch id

// External ids: 32 lowercase hex characters <-> 16 bytes.
bool ParseId(std::string_view text, std::string* raw);
// The answer for an id that is not one or names no transcript, the same on
// every path that takes one (the transcript path, legal hold).
inline Status NoSuchTranscript() {
  return Status::NotFound("no transcript with this id", "not_found");
}

// Store counters (vault/storage/store.h): transcripts by state.
inline constexpr std::string_view kOpenCounter = "transcripts.open";
inline constexpr std::string_view kClosedCounter = "transcripts.closed";
inline constexpr std::string_view kHeldCounter = "transcripts.held";

// After a purge a transcript's wrapped key is replaced by a tombstone, so
// reads answer Gone rather than NotFound for one more retention period:
// 0x00 | "TV-gone" | purge time (8 bytes BE). A wrapped key starts with its
// version byte (1), never 0.
// An erased transcript's tombstone says so: 0x00 | "TV-eras" | time.
inline constexpr std::string_view kTombstoneTag("\0TV-gone", 8);
inline constexpr std::string_view kErasedTag("\0TV-eras", 8);

inline std::string Tombstone(UnixMillis at, bool erased = false) {
  std::string value(erased ? kErasedTag : kTombstoneTag);
  PutU64(&value, static_cast<uint64_t>(at));
  return value;
}

inline bool IsTombstone(std::string_view value) {
  if (value.size() != kTombstoneTag.size() + 8) return false;
  const std::string_view tag = value.substr(0, kTombstoneTag.size());
  return tag == kTombstoneTag || tag == kErasedTag;
}

inline bool IsErasedTombstone(std::string_view value) {
  return IsTombstone(value) && value.substr(0, kErasedTag.size()) == kErasedTag;
}

// A held transcript's ordinary wrapped key is replaced by this marker: its
// DEK then exists only sealed to a case key (holds column family).
// 0x00 | "TV-held" | hold time (8 bytes BE) | key epoch (8 bytes BE).
// The key epoch is the epoch the DEK was wrapped under when it was held; a
// release never wraps it under an earlier one (docs/design.md section 5.2).
// Markers written before the key epoch was kept (16 bytes) have none.
inline constexpr std::string_view kHeldTag("\0TV-held", 8);

inline std::string HeldMarker(UnixMillis at, uint64_t key_epoch) {
  std::string value(kHeldTag);
  PutU64(&value, static_cast<uint64_t>(at));
  PutU64(&value, key_epoch);
  return value;
}

inline bool IsHeldMarker(std::string_view value) {
  return (value.size() == kHeldTag.size() + 8 || value.size() == kHeldTag.size() + 16) &&
         value.substr(0, kHeldTag.size()) == kHeldTag;
}

// A held transcript recovered from another vault's backup (docs/design.md
// section 23.8) gets a marker with key epoch 0: no epoch of this vault ever
// wrapped its key, and the lost vault's epoch numbers mean nothing here.
inline std::string RecoveredHeldMarker(UnixMillis held_at) { return HeldMarker(held_at, 0); }
inline bool IsRecoveredHeldMarker(std::string_view value) {
  return IsHeldMarker(value) && value.size() == kHeldTag.size() + 16 &&
         GetU64(value.data() + kHeldTag.size() + 8) == 0;
}

// The key epoch a held marker keeps; 0 for a marker without one.
inline uint64_t HeldMarkerKeyEpoch(std::string_view marker) {
  return marker.size() == kHeldTag.size() + 16 ? GetU64(marker.data() + kHeldTag.size() + 8) : 0;
}

// Open transcripts are listed in the expiry-index column family under this
// prefix (0xFF sorts after every epoch key, whose first byte is 0 for any
// epoch below 2^56), so idle chats are found without reading closed ones.
inline constexpr std::string_view kOpenIndexPrefix("\xffopen", 5);

inline std::string OpenIndexKey(std::string_view raw_id) {
  std::string key(kOpenIndexPrefix);
  key.append(raw_id);
  return key;
}

inline uint64_t EpochOfIndexKey(std::string_view key) { return GetU64(key.data()); }

// The visitor index (docs/formats/visitor-index.md): one empty-valued entry
// per indexed identifier of a transcript, u64 epoch (BE) | tag (16) | id
// (16), where the tag is keyed by the tag key of `epoch`, the epoch its DEK
// is wrapped under. Entries of a destroyed epoch link nothing; the shredder
// deletes them with the epoch's ciphertext.
inline constexpr size_t kVisitorTagBytes = 16;
inline constexpr size_t kVisitorIndexKeyBytes = 8 + kVisitorTagBytes + kIdBytes;
// The prefix a lookup seeks, epoch | tag: the column family's prefix
// extractor (a fixed prefix of this length, with a Bloom filter) keys on it.
inline constexpr size_t kVisitorIndexPrefixBytes = 8 + kVisitorTagBytes;

inline std::string VisitorIndexPrefix(uint64_t epoch, std::string_view tag) {
  std::string key;
  PutU64(&key, epoch);
  key.append(tag);
  return key;
}

inline std::string VisitorIndexKey(uint64_t epoch, std::string_view tag, std::string_view raw_id) {
  std::string key = VisitorIndexPrefix(epoch, tag);
  key.append(raw_id);
  return key;
}

// Held transcripts' entries (docs/formats/visitor-index.md, "Held entries"):
// 0xFF x 8 | case prefix (8) | tag (16) | id (16), the tag keyed by the
// case's index key. No epoch reaches 0xFF x 8 (epochs count hours, or at
// least milliseconds, since 1970), so the shredder's purge of destroyed
// epochs, [epoch 0, base epoch), never touches them, and an epoch scan never
// meets them.
inline constexpr std::string_view kHeldIndexSpace("\xff\xff\xff\xff\xff\xff\xff\xff", 8);
inline constexpr size_t kCasePrefixBytes = 8;
inline constexpr size_t kHeldIndexKeyBytes =
    kHeldIndexSpace.size() + kCasePrefixBytes + kVisitorTagBytes + kIdBytes;

// Every held entry of one case (`tag` empty), or of one tag of it.
inline std::string HeldIndexPrefix(std::string_view case_prefix, std::string_view tag) {
  std::string key(kHeldIndexSpace);
  key.append(case_prefix);
  key.append(tag);
  return key;
}

inline std::string HeldIndexKey(std::string_view case_prefix, std::string_view tag,
                                std::string_view raw_id) {
  std::string key = HeldIndexPrefix(case_prefix, tag);
  key.append(raw_id);
  return key;
}

// The end of a range deletion of every key that begins with `prefix`: no
// longer key of the column sorts after it (keys are at most 48 bytes).
inline std::string PrefixRangeEnd(std::string_view prefix) {
  std::string end(prefix);
  end.append(kHeldIndexKeyBytes + 1, '\xff');
  return end;
}

}  // namespace vault

#endif  // VAULT_STORAGE_SCHEMA_H_
