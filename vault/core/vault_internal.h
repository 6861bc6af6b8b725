// Small pieces shared by the files that implement VaultImpl: the store's
// counter names, the markers that replace a wrapped key, and how a failure
// is named in an audit record. Internal to vault/core.
#ifndef VAULT_CORE_VAULT_INTERNAL_H_
#define VAULT_CORE_VAULT_INTERNAL_H_

#include <unistd.h>

#include <string>
#include <string_view>

#include "vault/access.h"
#include "vault/clock.h"
#include "vault/common/encoding.h"
#include "vault/status.h"

namespace vault {

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

// A held transcript's ordinary wrapped key is replaced by this marker: its
// DEK then exists only sealed to a case key (holds column family).
// 0x00 | "TV-held" | hold time (8 bytes BE).
inline constexpr std::string_view kHeldTag("\0TV-held", 8);

inline std::string HeldMarker(UnixMillis at) {
  std::string value(kHeldTag);
  PutU64(&value, static_cast<uint64_t>(at));
  return value;
}

inline bool IsHeldMarker(std::string_view value) {
  return value.size() == kHeldTag.size() + 8 && value.substr(0, kHeldTag.size()) == kHeldTag;
}

inline bool IsErasedTombstone(std::string_view value) {
  return IsTombstone(value) && value.substr(0, kErasedTag.size()) == kErasedTag;
}

// The outcome of a failed call as an audit record states it: the stable
// reason code, never the message (which may quote input).
inline std::string OutcomeOf(const Status& status) {
  if (!status.reason().empty()) return status.reason();
  switch (status.code()) {
    case Status::Code::kCorruption:
      return "corruption";
    case Status::Code::kIOError:
      return "io_error";
    case Status::Code::kNotFound:
      return "not_found";
    default:
      return "error";
  }
}

inline Status NoSuchTranscript() {
  return Status::NotFound("no transcript with this id", "not_found");
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

// The caller of the vault's own jobs (retention, idle close): audited as
// "system".
inline Caller RetentionCaller() {
  Caller caller;
  caller.uid = static_cast<uint32_t>(getuid());
  caller.gid = static_cast<uint32_t>(getgid());
  caller.pid = static_cast<int32_t>(getpid());
  caller.system = true;
  caller.request_id = "retention";
  return caller;
}

}  // namespace vault

#endif  // VAULT_CORE_VAULT_INTERNAL_H_
