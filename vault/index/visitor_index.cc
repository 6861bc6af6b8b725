#include "vault/index/visitor_index.h"

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
  // One prefix per identifier and live epoch, in key order per identifier.
  std::vector<std::string> prefixes;
  std::vector<const Identifier*> owners;
  for (const Identifier& id : ids) {
    VAULT_ASSIGN_OR_RETURN(auto tags, keyring_->VisitorTags(base, top, IdentifierTagInput(id)));
    for (const auto& [epoch, tag] : tags) {
      prefixes.push_back(VisitorIndexPrefix(epoch, tag));
      owners.push_back(&id);
    }
  }
  bool too_many = false;
  VAULT_RETURN_IF_ERROR(store_->ScanPrefixes(
      Column::kVisitorIndex, prefixes,
      [&](size_t i, std::string_view key, std::string_view value) {
        if (key.size() != kVisitorIndexKeyBytes) return true;  // not ours: skip
        if (out.size() >= max_matches) {
          too_many = true;
          return false;
        }
        out.push_back(Match{std::string(key.substr(8 + kVisitorTagBytes)), owners[i]->kind,
                            GetU64(key.data()), std::string(value)});
        return true;
      }));
  if (too_many) {
    return Status::ResourceExhausted("more transcripts match than one answer may hold",
                                     "too_many_matches");
  }
  return out;
}

}  // namespace vault
