#include "vault/index/visitor_index.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <span>

#include "vault/common/encoding.h"
#include "vault/crypto/case_index_key.h"
#include "vault/crypto/keyring.h"
#include "vault/index/epoch_tag_filter.h"
#include "vault/index/visitor_presence.h"
#include "vault/storage/schema.h"
#include "vault/storage/store.h"

namespace vault {

namespace {

// Kind 0 is no identifier's: the service tag's input can never equal an
// identifier's.
std::string ServiceTagInput(std::string_view service) {
  std::string in(1, '\0');
  in.append(service);
  return in;
}

}  // namespace

StatusOr<std::string> VisitorIndex::ServiceTag(uint64_t epoch, std::string_view service) const {
  return keyring_->VisitorTag(epoch, ServiceTagInput(service));
}

Status VisitorIndex::StageAdd(uint64_t epoch, std::string_view raw_id, std::string_view service,
                              const std::vector<Identifier>& ids, WriteBatch* batch) const {
  if (ids.empty()) return Status::OK();
  // The service's tag and each identifier's, under one lock of the keyring.
  std::vector<std::string> inputs;
  inputs.reserve(ids.size() + 1);
  inputs.push_back(ServiceTagInput(service));
  for (const Identifier& id : ids) inputs.push_back(IdentifierTagInput(id));
  VAULT_ASSIGN_OR_RETURN(std::vector<std::string> tags, keyring_->VisitorTagsIn(epoch, inputs));
  // Noted in the filter before the batch commits: a lookup may then seek
  // an entry that is not there (if the batch fails), never miss one that is.
  if (filter_ != nullptr) filter_->AddAll(epoch, std::span<const std::string>(tags).subspan(1));
  if (presence_ != nullptr) presence_->Note(service, ids, epoch);
  for (size_t k = 1; k < tags.size(); ++k) {
    batch->Put(Column::kVisitorIndex, VisitorIndexKey(epoch, tags[k], raw_id), tags[0]);
  }
  return Status::OK();
}

Status VisitorIndex::StageRemove(uint64_t epoch, std::string_view raw_id,
                                 const std::vector<Identifier>& ids, WriteBatch* batch) const {
  if (ids.empty()) return Status::OK();
  std::vector<std::string> inputs;
  inputs.reserve(ids.size());
  for (const Identifier& id : ids) inputs.push_back(IdentifierTagInput(id));
  auto tags = keyring_->VisitorTagsIn(epoch, inputs);
  if (!tags.ok()) {
    if (tags.status().code() == Status::Code::kGone) return Status::OK();
    return tags.status();
  }
  for (const std::string& tag : *tags) {
    batch->Delete(Column::kVisitorIndex, VisitorIndexKey(epoch, tag, raw_id));
  }
  return Status::OK();
}

void VisitorIndex::StageAddHeld(const CaseIndexKey& key, std::string_view raw_id,
                                std::string_view service, const std::vector<Identifier>& ids,
                                WriteBatch* batch) const {
  if (ids.empty()) return;
  const std::string service_tag = key.Tag(ServiceTagInput(service));
  for (const Identifier& id : ids) {
    batch->Put(Column::kVisitorIndex,
               HeldIndexKey(key.prefix(), key.Tag(IdentifierTagInput(id)), raw_id), service_tag);
  }
}

void VisitorIndex::StageRemoveHeld(const CaseIndexKey& key, std::string_view raw_id,
                                   const std::vector<Identifier>& ids, WriteBatch* batch) const {
  for (const Identifier& id : ids) {
    batch->Delete(Column::kVisitorIndex,
                  HeldIndexKey(key.prefix(), key.Tag(IdentifierTagInput(id)), raw_id));
  }
}

void VisitorIndex::StageDropCase(const CaseIndexKey& key, WriteBatch* batch) const {
  const std::string begin = HeldIndexPrefix(key.prefix(), "");
  batch->DeleteRange(Column::kVisitorIndex, begin, PrefixRangeEnd(begin));
}

StatusOr<bool> VisitorIndex::InService(const Match& m, std::string_view service) const {
  if (m.held()) return m.case_key->Tag(ServiceTagInput(service)) == m.service_tag;
  VAULT_ASSIGN_OR_RETURN(std::string tag, ServiceTag(m.epoch, service));
  return tag == m.service_tag;
}

StatusOr<std::vector<VisitorIndex::Match>> VisitorIndex::Find(const std::vector<Identifier>& ids,
                                                              size_t max_matches,
                                                              const CaseKeys& cases) const {
  return FindIn(ids, max_matches, cases, /*epochs=*/true);
}

StatusOr<std::vector<VisitorIndex::Match>> VisitorIndex::FindHeld(
    const std::vector<Identifier>& ids, size_t max_matches, const CaseKeys& cases) const {
  return FindIn(ids, max_matches, cases, /*epochs=*/false);
}

StatusOr<std::vector<VisitorIndex::Match>> VisitorIndex::FindIn(const std::vector<Identifier>& ids,
                                                                size_t max_matches,
                                                                const CaseKeys& cases,
                                                                bool epochs) const {
  // The live epochs that may hold an entry: from the filter once it is
  // built (no read); before that from the store, the last key below the
  // held entries' key space and the first from the keyring's base. Epochs
  // outside them need neither tags nor seeks; in a vault that has run for
  // a whole retention period every epoch holds entries and this saves
  // nothing.
  const uint64_t base = keyring_->base_epoch();
  bool any_epoch = true;
  uint64_t top = 0;
  uint64_t low = 0;
  const std::optional<EpochTagFilter::Span> span =
      filter_ != nullptr && epochs ? filter_->EpochsFrom(base) : std::nullopt;
  if (!epochs) {
    any_epoch = false;
  } else if (span.has_value()) {
    any_epoch = span->any;
    low = span->first;
    top = span->last;
  } else {
    auto last = store_->LastKey(Column::kVisitorIndex, kHeldIndexSpace);
    if (last.ok()) {
      if (last->size() < 8) return Status::Corruption("visitor index key is malformed");
      top = GetU64(last->data());
    } else if (last.status().code() == Status::Code::kNotFound) {
      any_epoch = false;
    } else {
      return last.status();
    }
    if (top < base) any_epoch = false;  // only destroyed epochs' entries, not yet purged
    low = top;
    if (any_epoch) {
      VAULT_RETURN_IF_ERROR(store_->ScanRange(Column::kVisitorIndex, VisitorIndexPrefix(base, ""),
                                              VisitorIndexPrefix(top, ""),
                                              [&](std::string_view key, std::string_view) {
                                                if (key.size() >= 8) low = GetU64(key.data());
                                                return false;
                                              }));
    }
  }
  // One prefix per identifier and live epoch, all sorted into key order so
  // that the one iterator only moves forward (epoch first: identifiers'
  // prefixes of one epoch are neighbours); each absent prefix is normally
  // refused by the column's prefix Bloom filter without a read. Then one
  // per identifier and open case, in a second pass.
  // Epoch prefixes are fixed-size (no allocation per epoch); the few case
  // prefixes are strings.
  struct EpochWant {
    std::array<char, kVisitorIndexPrefixBytes> prefix;
    size_t owner;  // index into ids
  };
  struct CaseWant {
    std::string prefix;
    size_t owner;
    const std::shared_ptr<const CaseIndexKey>* case_key;
  };
  // Epoch-major (every identifier's prefix of one epoch, then the next
  // epoch's), so the filter reads each epoch's bits once for them all.
  constexpr size_t kUnset = ~size_t{0};
  const uint64_t first = std::max(low, base);
  std::vector<EpochWant> epoch_wants;
  std::vector<CaseWant> case_wants;
  if (any_epoch) epoch_wants.resize(ids.size() * (top - first + 1), EpochWant{{}, kUnset});
  std::vector<std::string> inputs;
  inputs.reserve(ids.size());
  for (const Identifier& id : ids) inputs.push_back(IdentifierTagInput(id));
  if (any_epoch) {
    VAULT_RETURN_IF_ERROR(keyring_->ForEachVisitorTag(
        first, top, inputs, [&](uint64_t epoch, size_t o, const char* tag) {
          EpochWant& w = epoch_wants[(epoch - first) * ids.size() + o];
          w.owner = o;
          EncodeU64(w.prefix.data(), epoch);
          std::memcpy(w.prefix.data() + 8, tag, kVisitorTagBytes);
        }));
  }
  for (size_t o = 0; o < ids.size(); ++o) {
    for (const std::shared_ptr<const CaseIndexKey>& key : cases) {
      if (key == nullptr) continue;
      case_wants.push_back(CaseWant{HeldIndexPrefix(key->prefix(), key->Tag(inputs[o])), o, &key});
    }
  }
  if (filter_ != nullptr && !epoch_wants.empty()) {
    // Only the prefixes the in-memory filter may hold: in a vault whose
    // every epoch holds entries, a visitor's tags are in a few of them.
    std::vector<std::pair<uint64_t, std::string_view>> probe;
    probe.reserve(epoch_wants.size());
    for (const EpochWant& w : epoch_wants) {
      probe.emplace_back(GetU64(w.prefix.data()),
                         std::string_view(w.prefix.data() + 8, kVisitorTagBytes));
    }
    const std::vector<bool> maybe = filter_->MayContain(probe);
    size_t kept = 0;
    for (size_t k = 0; k < epoch_wants.size(); ++k) {
      if (maybe[k]) epoch_wants[kept++] = epoch_wants[k];  // trivially copyable
    }
    epoch_wants.resize(kept);
  }
  // An epoch destroyed while the tags were computed left its places unset.
  std::erase_if(epoch_wants, [](const EpochWant& w) { return w.owner == kUnset; });
  std::sort(epoch_wants.begin(), epoch_wants.end(),
            [](const EpochWant& a, const EpochWant& b) { return a.prefix < b.prefix; });

  std::vector<Match> out;
  std::vector<size_t> owner_of;  // per match
  bool too_many = false;
  auto visit = [&](size_t owner, const std::shared_ptr<const CaseIndexKey>* case_key,
                   std::string_view key, std::string_view value) {
    const bool held = case_key != nullptr;
    if (key.size() != (held ? kHeldIndexKeyBytes : kVisitorIndexKeyBytes)) {
      return true;  // not ours: skip
    }
    if (out.size() >= max_matches) {
      too_many = true;
      return false;
    }
    Match m{std::string(key.substr(key.size() - kIdBytes)), ids[owner].kind,
            held ? 0 : GetU64(key.data()), std::string(value), nullptr};
    if (held) m.case_key = *case_key;
    out.push_back(std::move(m));
    owner_of.push_back(owner);
    return true;
  };
  if (!epoch_wants.empty()) {
    std::vector<std::string> prefixes;
    prefixes.reserve(epoch_wants.size());
    for (const EpochWant& w : epoch_wants) prefixes.emplace_back(w.prefix.data(), w.prefix.size());
    VAULT_RETURN_IF_ERROR(store_->ScanPrefixes(
        Column::kVisitorIndex, prefixes,
        [&](size_t i, std::string_view key, std::string_view value) {
          return visit(epoch_wants[i].owner, nullptr, key, value);
        }));
  }
  if (!case_wants.empty() && !too_many) {
    std::vector<std::string> prefixes;
    prefixes.reserve(case_wants.size());
    for (const CaseWant& w : case_wants) prefixes.push_back(w.prefix);
    VAULT_RETURN_IF_ERROR(store_->ScanPrefixes(
        Column::kVisitorIndex, prefixes,
        [&](size_t i, std::string_view key, std::string_view value) {
          return visit(case_wants[i].owner, case_wants[i].case_key, key, value);
        }));
  }
  if (too_many) {
    return Status::ResourceExhausted("more transcripts match than one answer may hold",
                                     "too_many_matches");
  }
  // Back into the documented order: by identifier, then epoch, then case
  // (then id, which the key order already gives within one prefix).
  std::vector<size_t> order(out.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (owner_of[a] != owner_of[b]) return owner_of[a] < owner_of[b];
    const bool held_a = out[a].case_key != nullptr;
    const bool held_b = out[b].case_key != nullptr;
    if (held_a != held_b) return !held_a;
    return out[a].epoch < out[b].epoch;
  });
  std::vector<Match> sorted;
  sorted.reserve(out.size());
  for (size_t k : order) sorted.push_back(std::move(out[k]));
  return sorted;
}

}  // namespace vault
