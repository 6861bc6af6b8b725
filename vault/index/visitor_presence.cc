#include "vault/index/visitor_presence.h"

#include <algorithm>
#include <string>

#include "vault/crypto/hash.h"
#include "vault/crypto/secret.h"

namespace vault {

namespace {

constexpr int kInitialShiftBits = 12;  // 4,096 slots, 32 KiB

bool Counted(const Identifier& id) { return id.kind != IdentifierKind::kIp; }

}  // namespace

StatusOr<std::unique_ptr<VisitorPresence>> VisitorPresence::Create(uint64_t origin_epoch,
                                                                   size_t expected,
                                                                   const SecretBytes* key) {
  SecretBytes made;
  if (key != nullptr) {
    if (key->size() != kShortHashKeyBytes) return Status::InvalidArgument("a 16-byte key");
    VAULT_ASSIGN_OR_RETURN(made, key->Clone());
  } else {
    VAULT_ASSIGN_OR_RETURN(made, SecretBytes::Random(kShortHashKeyBytes));
  }
  return std::unique_ptr<VisitorPresence>(new VisitorPresence(
      origin_epoch, expected, std::make_unique<SecretBytes>(std::move(made))));
}

VisitorPresence::VisitorPresence(uint64_t origin_epoch, size_t expected,
                                 std::unique_ptr<SecretBytes> key)
    : origin_(origin_epoch), key_(std::move(key)) {
  MutexLock l(&mu_);
  // Room for `expected` at most three-quarters full: growing rehashes the
  // whole table under the lock every open waits on.
  shift_bits_ = kInitialShiftBits;
  while ((size_t{1} << shift_bits_) * 3 < expected * 4 && shift_bits_ < 40) ++shift_bits_;
  slots_.assign(size_t{1} << shift_bits_, 0);
}

void VisitorPresence::UnknownUntil(uint64_t epoch) {
  uint64_t seen = unknown_until_.load();
  while (seen < epoch + 1 && !unknown_until_.compare_exchange_weak(seen, epoch + 1)) {
  }
}

VisitorPresence::~VisitorPresence() = default;

uint64_t VisitorPresence::Fingerprint(std::string_view service, const Identifier& id) const {
  // service, a 0 byte (no service name holds one), then the identifier's
  // tag input (its kind's byte and normal form).
  std::string input;
  input.reserve(service.size() + 2 + id.value.size());
  input.append(service);
  input.push_back('\0');
  AppendIdentifierTagInput(id, &input);
  const uint64_t fp = ShortHash64(*key_, input) >> (64 - 39);
  return fp == 0 ? 1 : fp;  // 39 bits, never 0
}

void VisitorPresence::Note(std::string_view service, const std::vector<Identifier>& ids,
                           uint64_t epoch) {
  for (const Identifier& id : ids) {
    if (Counted(id)) Raise(Fingerprint(service, id), epoch, Mark::kWritten);
  }
}

void VisitorPresence::NoteFound(std::string_view service, const std::vector<Identifier>& ids,
                                uint64_t epoch) {
  for (const Identifier& id : ids) {
    if (Counted(id)) Raise(Fingerprint(service, id), epoch, Mark::kFound);
  }
}

void VisitorPresence::MarkRecheck(std::string_view service, const std::vector<Identifier>& ids,
                                  uint64_t epoch) {
  for (const Identifier& id : ids) {
    if (Counted(id)) Raise(Fingerprint(service, id), epoch, Mark::kRecheck);
  }
}

void VisitorPresence::Raise(uint64_t fingerprint, uint64_t epoch, Mark mark) {
  const bool recheck = mark == Mark::kRecheck;
  if (epoch < origin_) return;  // destroyed before this table began
  if (epoch - origin_ > kEpochMask) {
    // Beyond what a slot can hold: the table cannot answer any more.
    Disable();
    return;
  }
  const uint64_t rel = epoch - origin_;
  MutexLock l(&mu_);
  if ((used_ + 1) * 4 > slots_.size() * 3) Grow();
  const size_t mask = slots_.size() - 1;
  for (size_t i = Home(fingerprint);; i = (i + 1) & mask) {
    uint64_t& slot = slots_[i];
    if (slot == 0) {
      slot = fingerprint << kFingerprintShift | (recheck ? kRecheck : 0) | rel;
      ++used_;
      return;
    }
    if (slot >> kFingerprintShift == fingerprint) {
      // A slot of destroyed epochs (not dropped yet) says nothing any more:
      // every transcript it stood for is gone.
      const bool dead = (slot & kEpochMask) < dropped_below_;
      const uint64_t held = dead ? 0 : slot & kEpochMask;
      // The slot's epoch bounds every transcript it stood for, removed ones
      // included: a transcript noted at or past it is now exactly the
      // latest, and the recheck is over.
      const bool was_recheck =
          !dead && (slot & kRecheck) != 0 && (mark != Mark::kWritten || rel < held);
      slot = fingerprint << kFingerprintShift | (recheck || was_recheck ? kRecheck : 0) |
             std::max(held, rel);
      return;
    }
  }
}

VisitorPresence::Answer VisitorPresence::Lookup(std::string_view service,
                                                const std::vector<Identifier>& ids,
                                                uint64_t base_epoch) const {
  if (!ready() || disabled_.load(std::memory_order_acquire)) return Answer::kUnknown;
  std::vector<uint64_t> fingerprints;
  fingerprints.reserve(ids.size());
  for (const Identifier& id : ids) {
    if (Counted(id)) fingerprints.push_back(Fingerprint(service, id));
  }
  // Relative epochs from here: a live one is at least `live_from`.
  const uint64_t live_from = base_epoch > origin_ ? base_epoch - origin_ : 0;
  // Entries the table does not account for may still live.
  bool unknown = base_epoch < unknown_until_.load(std::memory_order_acquire);
  MutexLock l(&mu_);
  const size_t mask = slots_.size() - 1;
  for (uint64_t fp : fingerprints) {
    for (size_t i = Home(fp);; i = (i + 1) & mask) {
      const uint64_t slot = slots_[i];
      if (slot == 0) break;
      if (slot >> kFingerprintShift != fp) continue;
      if ((slot & kEpochMask) >= live_from) {
        if ((slot & kRecheck) != 0) {
          unknown = true;
        } else {
          return Answer::kPresent;
        }
      }
      break;
    }
  }
  return unknown ? Answer::kUnknown : Answer::kAbsent;
}

void VisitorPresence::Grow() {
  std::vector<uint64_t> old(size_t{1} << (shift_bits_ + 1), 0);
  old.swap(slots_);
  ++shift_bits_;
  const size_t mask = slots_.size() - 1;
  for (uint64_t slot : old) {
    if (slot == 0) continue;
    size_t i = Home(slot >> kFingerprintShift);
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

void VisitorPresence::DropBefore(uint64_t base_epoch) {
  if (base_epoch <= origin_) return;
  const uint64_t live_from = base_epoch - origin_;
  MutexLock l(&mu_);
  if (live_from <= dropped_below_) return;  // nothing more is dead since the last drop
  dropped_below_ = live_from;
  const size_t mask = slots_.size() - 1;
  // Deletion with backward shift, so probe chains stay unbroken: after
  // emptying slot i, a later slot of the same chain whose home is not in
  // (i, j] moves into it, and the slot it leaves is emptied in turn. Slot i
  // is looked at again after each removal, since a live or dead slot may
  // have moved into it.
  for (size_t i = 0; i < slots_.size();) {
    const uint64_t slot = slots_[i];
    if (slot == 0 || (slot & kEpochMask) >= live_from) {
      ++i;
      continue;
    }
    size_t hole = i;
    for (size_t j = (hole + 1) & mask; slots_[j] != 0; j = (j + 1) & mask) {
      const size_t home = Home(slots_[j] >> kFingerprintShift);
      // Whether `home` lies cyclically in (hole, j]: if so the slot stays.
      const bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
      if (!stays) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = 0;
    --used_;
    // Slot i now holds whatever moved into it (or is empty): look again.
  }
}

VisitorPresence::Size VisitorPresence::size() const {
  MutexLock l(&mu_);
  return Size{slots_.size(), used_, slots_.size() * sizeof(uint64_t)};
}

}  // namespace vault
