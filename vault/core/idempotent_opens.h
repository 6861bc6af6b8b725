// IdempotentOpens: the Idempotency-Key of POST /v1/transcripts
// (docs/api.md, section 2.2.1).
//
// A chat server that lost the answer to an open sends it again with the
// same key, and gets the same transcript back instead of a second one. For
// each (caller uid, key) this remembers, for a window, the transcript the
// key opened and a fingerprint of the request that opened it: a keyed
// BLAKE2b of its service and visitor fields, under a random key made at
// start-up, held in guarded memory and wiped at shutdown. Nothing of it is
// ever written to disk: the fingerprint of visitor details cannot be tested
// against guesses by anyone who has the data directory, backups or every
// key file, and a restart forgets every key (the documented limit: a retry
// across a restart of vaultd opens a second transcript).
//
// Bounds: an entry lives for `window` (24 hours, or the retention period if
// shorter, so it never outlives its transcript's earliest expiry) and at
// most kMaxEntries are kept (the oldest go first). Forget() drops a
// transcript's entries when it is erased.
//
// Thread safety: every method may be called from any thread.
#ifndef VAULT_CORE_IDEMPOTENT_OPENS_H_
#define VAULT_CORE_IDEMPOTENT_OPENS_H_

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <string_view>

#include "vault/clock.h"
#include "vault/common/thread_annotations.h"
#include "vault/crypto/secret.h"
#include "vault/status.h"
#include "vault/types.h"

namespace vault {

class IdempotentOpens {
 public:
  static constexpr size_t kMaxEntries = 65536;
  static constexpr UnixMillis kMaxWindowMs = 24LL * 3600 * 1000;

  // What Begin found.
  enum class Found {
    kNew,         // no entry: open, then Finish() or Abandon()
    kReplay,      // the same request opened `created` within the window
    kReused,      // the key opened a transcript with another request: 409
    kInProgress,  // an open with this key has not finished yet: 409
  };
  struct Claim {
    Found found = Found::kNew;
    CreatedTranscript created;  // kReplay only
  };

  // `window_ms`: how long a key is remembered.
  static StatusOr<std::unique_ptr<IdempotentOpens>> Create(UnixMillis window_ms);

  // Claims (uid, key) for `request` at `now`: kNew reserves it until
  // Finish or Abandon.
  Claim Begin(uint32_t uid, std::string_view key, const NewTranscript& request, UnixMillis now);
  // The open that Begin reserved succeeded.
  void Finish(uint32_t uid, std::string_view key, const CreatedTranscript& created);
  // The open that Begin reserved failed: nothing was opened, the key is free.
  void Abandon(uint32_t uid, std::string_view key);
  // Drops every entry that names transcript `id` (it was erased).
  void Forget(std::string_view id);

  size_t size() const;

 private:
  IdempotentOpens(UnixMillis window_ms, SecretBytes key)
      : window_ms_(window_ms), key_(std::move(key)) {}

  struct Entry {
    std::string fingerprint;
    UnixMillis at = 0;
    bool done = false;
    CreatedTranscript created;
  };

  std::string Fingerprint(const NewTranscript& request) const;
  void DropExpired(UnixMillis now) REQUIRES(mu_);

  const UnixMillis window_ms_;
  const SecretBytes key_;
  mutable Mutex mu_;
  // uid (4 bytes, big-endian) || key -> entry.
  std::map<std::string, Entry, std::less<>> entries_ GUARDED_BY(mu_);
  // Map keys in the order they were claimed: the oldest first.
  std::deque<std::pair<UnixMillis, std::string>> order_ GUARDED_BY(mu_);
};

}  // namespace vault

#endif  // VAULT_CORE_IDEMPOTENT_OPENS_H_
