#include "vault/index/visitor_index.h"

#include <algorithm>

#include "vault/common/encoding.h"
#include "vault/crypto/keyring.h"
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
  VAULT_ASSIGN_OR_RETURN(std::string service_tag, ServiceTag(epoch, service));
  for (const Identifier& id : ids) {
    VAULT_ASSIGN_OR_RETURN(std::string tag, keyring_->VisitorTag(epoch, IdentifierTagInput(id)));
    batch->Put(Column::kVisitorIndex, VisitorIndexKey(epoch, tag, raw_id), service_tag);
  }
  return Status::OK();
}

Status VisitorIndex::StageRemove(uint64_t epoch, std::string_view raw_id,
                                 const std::vector<Identifier>& ids, WriteBatch* batch) const {
  for (const Identifier& id : ids) {
    auto tag = keyring_->VisitorTag(epoch, IdentifierTagInput(id));
    if (!tag.ok()) {
      if (tag.status().code() == Status::Code::kGone) return Status::OK();
      return tag.status();
    }
    batch->Delete(Column::kVisitorIndex, VisitorIndexKey(epoch, *tag, raw_id));
  }
  return Status::OK();
}

StatusOr<bool> VisitorIndex::InService(const Match& m, std::string_view service) const {
  VAULT_ASSIGN_OR_RETURN(std::string tag, ServiceTag(m.epoch, service));
  return tag == m.service_tag;
}

StatusOr<std::vector<VisitorIndex::Match>> VisitorIndex::Find(const std::vector<Identifier>& ids,
                                                              size_t max_matches) const {
  std::vector<Match> out;
  auto last = store_->LastKey(Column::kVisitorIndex);
  if (!last.ok()) {
    if (last.status().code() == Status::Code::kNotFound) return out;
    return last.status();
  }
  if (last->size() < 8) return Status::Corruption("visitor index key is malformed");
  const uint64_t base = keyring_->base_epoch();
  const uint64_t top = GetU64(last->data());
  if (top < base) return out;  // only destroyed epochs' entries, not yet purged
  // And the first live epoch holding an entry (one seek): epochs before it
  // need neither tags nor seeks. In a vault that has run for a whole
  // retention period every epoch holds entries and this saves nothing.
  uint64_t low = top;
  VAULT_RETURN_IF_ERROR(store_->ScanRange(Column::kVisitorIndex, VisitorIndexPrefix(base, ""),
                                          VisitorIndexPrefix(top, ""),
                                          [&](std::string_view key, std::string_view) {
                                            if (key.size() >= 8) low = GetU64(key.data());
                                            return false;
                                          }));
  // One prefix per identifier and live epoch, all sorted into key order so
  // that the one iterator only moves forward (epoch first: identifiers'
  // prefixes of one epoch are neighbours). Each absent prefix is normally
  // refused by the column's prefix Bloom filter without a read.
  struct Want {
    std::string prefix;
    size_t owner;  // index into ids
  };
  std::vector<Want> wants;
  for (size_t o = 0; o < ids.size(); ++o) {
    VAULT_ASSIGN_OR_RETURN(auto tags,
                           keyring_->VisitorTags(low, top, IdentifierTagInput(ids[o])));
    for (const auto& [epoch, tag] : tags) wants.push_back(Want{VisitorIndexPrefix(epoch, tag), o});
  }
  std::sort(wants.begin(), wants.end(),
            [](const Want& a, const Want& b) { return a.prefix < b.prefix; });
  std::vector<std::string> prefixes;
  prefixes.reserve(wants.size());
  for (Want& w : wants) prefixes.push_back(std::move(w.prefix));
  std::vector<size_t> owner_of;  // per match
  bool too_many = false;
  VAULT_RETURN_IF_ERROR(store_->ScanPrefixes(
      Column::kVisitorIndex, prefixes,
      [&](size_t i, std::string_view key, std::string_view value) {
        if (key.size() != kVisitorIndexKeyBytes) return true;  // not ours: skip
        if (out.size() >= max_matches) {
          too_many = true;
          return false;
        }
        out.push_back(Match{std::string(key.substr(8 + kVisitorTagBytes)), ids[wants[i].owner].kind,
                            GetU64(key.data()), std::string(value)});
        owner_of.push_back(wants[i].owner);
        return true;
      }));
  // Back into the documented order: by identifier, then epoch (then id,
  // which the key order already gives within one prefix).
  std::vector<size_t> order(out.size());
  for (size_t k = 0; k < order.size(); ++k) order[k] = k;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (owner_of[a] != owner_of[b]) return owner_of[a] < owner_of[b];
    return out[a].epoch < out[b].epoch;
  });
  std::vector<Match> sorted;
  sorted.reserve(out.size());
  for (size_t k : order) sorted.push_back(std::move(out[k]));
  out = std::move(sorted);
  if (too_many) {
    return Status::ResourceExhausted("more transcripts match than one answer may hold",
                                     "too_many_matches");
  }
  return out;
}

}  // namespace vault
