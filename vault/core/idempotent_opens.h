// IdempotentOpens: the Idempotency-Key of POST /v1/transcripts
// (docs/api.md, section 2.2.1).
//
// A chat server that lost the answer to an open sends it again with the
// same key, and gets the same transcript back instead of a second one. For
// each (caller uid, key) this remembers, for a window, the transcript the
// key opened and a fingerprint of the request that opened it. Key and
// request are both kept only as keyed BLAKE2b digests, under a random key
// made at start-up, held in guarded memory and wiped at shutdown. Nothing of
// it is ever written to disk: a fingerprint of visitor details cannot be
// tested against guesses by anyone who has the data directory, backups or
// every key file, and a restart forgets every key (the documented limit: a
// retry across a restart of vaultd opens a second transcript).
//
// Bounds: an entry lives for `window` (24 hours, or the retention period if
// shorter) and at most kMaxEntries are kept: the oldest finished one goes
// first; an open still in progress is never dropped for room (when every
// entry is in progress, Begin answers kFull). Forget() drops a transcript's
// entry when it is erased.
//
// Each claim has its own generation: Finish and Abandon act only on the
// claim they close, never on a later claim of the same key.
//
// Thread safety: every method may be called from any thread.
#ifndef VAULT_CORE_IDEMPOTENT_OPENS_H_
#define VAULT_CORE_IDEMPOTENT_OPENS_H_

#include <cstdint>
#include <list>
#include <map>
#include <memory>
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
    kNew,         // no entry: open, then Finish() or Abandon() with `generation`
    kReplay,      // the same request opened `created` within the window
    kReused,      // the key opened a transcript with another request: 409
    kInProgress,  // an open with this key has not answered yet: 409
    kFull,        // kMaxEntries opens in progress at once: 503
  };
  struct Claim {
    Found found = Found::kNew;
    uint64_t generation = 0;    // kNew and kReplay
    CreatedTranscript created;  // kReplay only
  };

  // `window_ms`: how long a key is remembered (at most kMaxWindowMs).
  static StatusOr<std::unique_ptr<IdempotentOpens>> Create(UnixMillis window_ms);

  // Claims (uid, key) for `request` at `now`: kNew reserves it until
  // Finish or Abandon.
  Claim Begin(uint32_t uid, std::string_view key, const NewTranscript& request, UnixMillis now);
  // The open of claim `generation` succeeded.
  void Finish(uint32_t uid, std::string_view key, uint64_t generation,
              const CreatedTranscript& created);
  // The open of claim `generation` failed, or its transcript is gone: the
  // key is free.
  void Abandon(uint32_t uid, std::string_view key, uint64_t generation);
  // Drops the entry that names transcript `id` (it was erased). An erasure
  // that comes between an open's write and its Finish is not seen here: the
  // vault checks that a replayed transcript still exists (CreateIdempotently).
  void Forget(std::string_view id);

  size_t size() const;

 private:
  IdempotentOpens(UnixMillis window_ms, SecretBytes key)
      : window_ms_(window_ms), key_(std::move(key)) {}

  struct Entry;
  using Entries = std::map<std::string, Entry, std::less<>>;
  struct Entry {
    std::string fingerprint;
    UnixMillis at = 0;
    uint64_t generation = 0;
    bool done = false;
    CreatedTranscript created;
    std::list<Entries::iterator>::iterator place;  // in order_
  };

  std::string MapKey(uint32_t uid, std::string_view key) const;
  std::string Fingerprint(const NewTranscript& request) const;
  void Erase(Entries::iterator it) REQUIRES(mu_);
  // Drops expired entries, then finished ones while full; false if still
  // full (every entry in progress).
  bool MakeRoom(UnixMillis now) REQUIRES(mu_);

  const UnixMillis window_ms_;
  const SecretBytes key_;
  mutable Mutex mu_;
  uint64_t next_generation_ GUARDED_BY(mu_) = 1;
  // uid (4 bytes, big-endian) || keyed digest of the key -> entry.
  Entries entries_ GUARDED_BY(mu_);
  // Every entry, the oldest claim first.
  std::list<Entries::iterator> order_ GUARDED_BY(mu_);
  // Finished entries by transcript id, for Forget.
  std::map<std::string, Entries::iterator, std::less<>> by_id_ GUARDED_BY(mu_);
};

}  // namespace vault

#endif  // VAULT_CORE_IDEMPOTENT_OPENS_H_
