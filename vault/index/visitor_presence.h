// VisitorPresence: whether a service holds a live transcript of a visitor,
// answered from memory in a few hash probes instead of a search of every
// live epoch (docs/design.md, "The visitor index", 24.6).
//
// Statistics note at every open whether the visitor is returning: the
// vault still holds another transcript of the same service with the same
// ref, e-mail address or phone number. The visitor index answers that
// exactly, but its tags are keyed by each epoch's key, so a search computes
// one tag per identifier and live epoch: about 2,160 keyed BLAKE2b hashes,
// over a millisecond of CPU, in a vault that has run a whole retention
// period. This table answers the same question for transcripts whose keys
// are wrapped under an epoch:
//
// - Each slot holds a 39-bit fingerprint of (service, identifier), a keyed
//   SipHash under a random key made at start and kept in guarded memory
//   (never written anywhere), and the latest epoch under which a
//   transcript of that service with that identifier has index entries.
//   Transcripts only ever move to later epochs and epochs are destroyed in
//   order, so "that epoch is still live" is exactly "a transcript with it
//   still exists", with no count per transcript.
// - An erasure, a correction of the identifiers or the destruction of a
//   held transcript at release removes a transcript early: its slots are
//   marked for a recheck, and a lookup that meets one answers kUnknown (the
//   caller then searches the index) until the slot's epoch is destroyed.
// - Held transcripts are not in the table: their index entries are in
//   their case's key space, which the caller searches (a few tags per open
//   case) when the table answers kAbsent.
// - It is rebuilt at every start from the transcripts' sealed visitor
//   records (VaultImpl::RebuildPresence); until that ends, every lookup
//   answers kUnknown. Slots of destroyed epochs are dropped after each
//   retention run; a lookup ignores them before that.
//
// A fingerprint collision makes a new visitor look returning: with n
// fingerprints held, the chance per identifier looked up is about n/2^39
// (5e-6 with a million transcripts' three identifiers each).
//
// Thread safety: every method may be called from any thread.
#ifndef VAULT_INDEX_VISITOR_PRESENCE_H_
#define VAULT_INDEX_VISITOR_PRESENCE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "vault/common/thread_annotations.h"
#include "vault/index/identifiers.h"
#include "vault/status.h"

namespace vault {

class SecretBytes;

class VisitorPresence {
 public:
  // Epochs are held relative to `origin_epoch` (the keyring's base at
  // start) in 23 bits: with 1-hour epochs, almost a thousand years. Sized
  // for `expected` fingerprints without growing. `key` (16 bytes), for
  // tests only: the fingerprints' SipHash key; by default a random one.
  static StatusOr<std::unique_ptr<VisitorPresence>> Create(uint64_t origin_epoch,
                                                           size_t expected = 0,
                                                           const SecretBytes* key = nullptr);
  ~VisitorPresence();
  VisitorPresence(const VisitorPresence&) = delete;
  VisitorPresence& operator=(const VisitorPresence&) = delete;

  // Notes that a transcript of `service` has index entries for `ids` under
  // `epoch` (IP addresses are skipped: an address alone is nobody in
  // particular). Called before the batch that writes them commits, as the
  // epoch filter is: a failed batch leaves a visitor looking returning
  // until that epoch is destroyed, never a returning one looking new.
  void Note(std::string_view service, const std::vector<Identifier>& ids, uint64_t epoch);
  // The same for a transcript read by the start-up rebuild: as Note, but
  // never ends a recheck (its records may have been read just before an
  // erasure that marked one).
  void NoteFound(std::string_view service, const std::vector<Identifier>& ids, uint64_t epoch);
  // A transcript of `service` with `ids`, whose entries were under
  // `epoch`, is being removed before its epoch ends (erased, corrected,
  // destroyed at a hold's release): its slots answer kUnknown until a later
  // transcript of theirs is noted under an epoch at least as late as theirs
  // (which is then exactly the latest), or their epoch is destroyed.
  void MarkRecheck(std::string_view service, const std::vector<Identifier>& ids, uint64_t epoch);

  enum class Answer {
    kPresent,  // a transcript of the service with one of the identifiers exists
    kAbsent,   // none whose key is wrapped under an epoch (held ones are not counted)
    kUnknown,  // the table cannot tell: search the index
  };
  // About the non-IP identifiers among `ids`; epochs before `base_epoch`
  // are destroyed.
  Answer Lookup(std::string_view service, const std::vector<Identifier>& ids,
                uint64_t base_epoch) const;

  // The start-up rebuild has noted every transcript that existed when it
  // began: lookups may answer kPresent and kAbsent from now on.
  void MarkReady() { ready_.store(true, std::memory_order_release); }
  bool ready() const { return ready_.load(std::memory_order_acquire); }
  // Disables the table for good (a rebuild that failed, or an epoch too
  // far from the origin): every lookup answers kUnknown.
  void Disable() { disabled_.store(true, std::memory_order_release); }
  // Entries the table cannot account for may live until `epoch` (a hold
  // placed before cases had index keys left its transcript's entries under
  // its pre-hold epoch): until that epoch is destroyed, a lookup answers
  // kUnknown where it would answer kAbsent.
  void UnknownUntil(uint64_t epoch);

  // Drops the slots of epochs before `base_epoch` (after a retention run).
  void DropBefore(uint64_t base_epoch);

  struct Size {
    size_t slots = 0;   // capacity
    size_t used = 0;    // fingerprints held
    size_t bytes = 0;   // memory of the table
  };
  Size size() const;

 private:
  VisitorPresence(uint64_t origin_epoch, size_t expected, std::unique_ptr<SecretBytes> key);

  // One slot: fingerprint (39 bits, never 0, so a used slot is never 0)
  // << 24 | recheck << 23 | epoch - origin (23 bits). 0 is empty.
  static constexpr int kEpochBits = 23;
  static constexpr uint64_t kEpochMask = (uint64_t{1} << kEpochBits) - 1;
  static constexpr uint64_t kRecheck = uint64_t{1} << kEpochBits;
  static constexpr int kFingerprintShift = 24;

  uint64_t Fingerprint(std::string_view service, const Identifier& id) const;
  enum class Mark { kWritten, kFound, kRecheck };
  void Raise(uint64_t fingerprint, uint64_t epoch, Mark mark);
  void Grow() REQUIRES(mu_);
  size_t Home(uint64_t fingerprint) const REQUIRES(mu_) {
    return (fingerprint * 0x9E3779B97F4A7C15ull) >> (64 - shift_bits_);
  }

  const uint64_t origin_;
  const std::unique_ptr<SecretBytes> key_;  // SipHash key, guarded memory
  std::atomic<bool> ready_{false};
  std::atomic<bool> disabled_{false};
  std::atomic<uint64_t> unknown_until_{0};  // UnknownUntil's epoch + 1; 0 if none

  mutable Mutex mu_;
  std::vector<uint64_t> slots_ GUARDED_BY(mu_);  // linear probing
  int shift_bits_ GUARDED_BY(mu_) = 0;           // log2(slots_.size())
  size_t used_ GUARDED_BY(mu_) = 0;
  uint64_t dropped_below_ GUARDED_BY(mu_) = 0;
};

}  // namespace vault

#endif  // VAULT_INDEX_VISITOR_PRESENCE_H_
