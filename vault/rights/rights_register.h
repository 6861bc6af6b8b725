// The rights-request register (docs/design.md, "The rights register";
// docs/data-protection.md): every request of the dpo role, with its clock,
// its state and the transcripts it touched. It holds no identifier and no
// content; still, it is destroyed the way transcripts are.
//
// Storage: column "rights" of the store, one value per entry, keyed by the
// entry's raw id (16 bytes):
//   0x01 | wrapped entry key (Keyring::WrapKey, bound to "TV-rights" NUL id)
//        | the entry, sealed under the entry key (XChaCha20-Poly1305,
//          associated data "TV-rights-v1" NUL id)
// The entry key is a fresh random key at every write, wrapped under the key
// of the epoch that holds the entry's keep-until time: the latest of its due
// time, its closing and its lifting (and, while the entry is in force, now),
// plus Params::retention_ms. When
// retention destroys that epoch's key the entry can no longer be read by
// anyone; Purge() then deletes the ciphertext and the in-memory copy.
//
// The entries are few (a helpline answers a handful of requests a month), so
// the register keeps every live entry in memory, loaded at Open.
//
// Thread safety: all methods may be called concurrently. Changes to one
// entry (read, modify, Put) must be serialised by the caller.
#ifndef VAULT_RIGHTS_RIGHTS_REGISTER_H_
#define VAULT_RIGHTS_RIGHTS_REGISTER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/clock.h"
#include "vault/common/thread_annotations.h"
#include "vault/status.h"
#include "vault/types.h"

namespace vault {

class Keyring;
class Store;

class RightsRegister {
 public:
  struct Params {
    int64_t retention_ms = 0;  // how long an entry is kept after it ends
    size_t max_entries = 100000;
    // No key is wrapped further ahead than this many epochs (the keyring
    // refuses more than 1,000,000): with epochs shorter than about 40
    // seconds, which only tests use, an entry is destroyed earlier than
    // retention_ms says.
    uint64_t max_epochs_ahead = 990000;
  };
  // At most this many transcripts are listed in one entry.
  static constexpr size_t kMaxTouched = 20000;

  // Loads every entry whose key still exists; entries whose key is gone
  // are left for Purge(). Corruption if a live entry fails to open.
  // `clock` must outlive the register.
  static StatusOr<std::unique_ptr<RightsRegister>> Open(Store* store, Keyring* keyring,
                                                        const Clock* clock, Params params);
  RightsRegister(const RightsRegister&) = delete;
  RightsRegister& operator=(const RightsRegister&) = delete;

  // A fresh random entry id (32 lowercase hex characters).
  static std::string NewId();

  // The entry, with `overdue` as of `now`; nullopt if there is none (never
  // was, or destroyed).
  std::optional<RightsRequest> Get(std::string_view id, UnixMillis now) const EXCLUDES(mu_);
  // Entries in order of due time, then id.
  std::vector<RightsRequest> List(RightsListing which, UnixMillis now) const EXCLUDES(mu_);
  size_t OpenCount() const EXCLUDES(mu_);
  size_t OverdueCount(UnixMillis now) const EXCLUDES(mu_);

  // Writes `entry` (new or changed) durably, sealed under a fresh key
  // wrapped under the epoch of its keep-until time; the in-memory copy
  // follows the write. Gone "expired" if that epoch's key is destroyed
  // already (the entry's time is over); ResourceExhausted "register_full"
  // for a new entry beyond Params::max_entries; InvalidArgument for more
  // than kMaxTouched transcripts.
  Status Put(const RightsRequest& entry) EXCLUDES(mu_);

  // Deletes every entry whose key has been destroyed (from the store and
  // from memory); returns how many.
  StatusOr<size_t> Purge() EXCLUDES(mu_);

  // When the entry's key is due to be destroyed, if written now: its
  // keep-until time.
  UnixMillis KeepUntil(const RightsRequest& entry) const;

  // Whether the entry is still in force: open (not yet answered, however
  // overdue), or a restriction or objection one of whose transcripts is
  // still "restricted" or "withheld" (held: its restriction, if any, waits
  // for the release). Such an entry is the only record of an unanswered
  // request and the only way to lift what it restricts, so it is kept,
  // renewed, for as long as it is in force (docs/design.md, "The rights
  // register").
  static bool InForce(const RightsRequest& entry);

  // The entries in force whose key would be destroyed within half a
  // retention period of `now`: the caller updates their transcripts'
  // outcomes and writes them again (Put), which wraps them further ahead.
  std::vector<RightsRequest> DueForRenewal(UnixMillis now) const EXCLUDES(mu_);

  // The raw ids (sorted) of the restrictions and objections that restrict
  // transcript `id` (hex): those whose outcome for it is "restricted" or
  // "withheld". What a transcript released from a hold carries.
  std::vector<std::string> RestrictionsOf(std::string_view id) const EXCLUDES(mu_);

 private:
  RightsRegister(Store* store, Keyring* keyring, const Clock* clock, Params params)
      : store_(store), keyring_(keyring), clock_(clock), params_(params) {}

  Store* const store_;
  Keyring* const keyring_;
  const Clock* const clock_;
  const Params params_;
  mutable Mutex mu_;
  struct Live {
    RightsRequest entry;
    uint64_t key_epoch = 0;
  };
  std::map<std::string, Live> entries_ GUARDED_BY(mu_);  // by raw id
};

// The entry's plaintext layout (exposed for tests and the fuzzer).
std::string EncodeRightsEntry(const RightsRequest& entry);
StatusOr<RightsRequest> DecodeRightsEntry(std::string_view plain, std::string_view expected_id);

}  // namespace vault

#endif  // VAULT_RIGHTS_RIGHTS_REGISTER_H_
