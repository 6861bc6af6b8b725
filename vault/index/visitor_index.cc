#include "vault/index/visitor_index.h"

#include "vault/common/encoding.h"
#include "vault/crypto/case_index_key.h"
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
  std::vector<Match> out;
  // The last epoch holding an entry: the greatest key below the held
  // entries' key space, which no epoch reaches.
  bool any_epoch = true;
  uint64_t top = 0;
  auto last = store_->LastKey(Column::kVisitorIndex, kHeldIndexSpace);
  if (last.ok()) {
    if (last->size() < 8) return Status::Corruption("visitor index key is malformed");
    top = GetU64(last->data());
  } else if (last.status().code() == Status::Code::kNotFound) {
    any_epoch = false;
  } else {
    return last.status();
  }
  const uint64_t base = keyring_->base_epoch();
  if (top < base) any_epoch = false;  // only destroyed epochs' entries, not yet purged
  // One prefix per identifier and live epoch, in key order per identifier,
  // then one per identifier and open case. `cases_of[i]` is the case of
  // prefix i, null for an epoch's.
  std::vector<std::string> prefixes;
  std::vector<const Identifier*> owners;
  std::vector<const std::shared_ptr<const CaseIndexKey>*> cases_of;
  for (const Identifier& id : ids) {
    const std::string input = IdentifierTagInput(id);
    if (any_epoch) {
      VAULT_ASSIGN_OR_RETURN(auto tags, keyring_->VisitorTags(base, top, input));
      for (const auto& [epoch, tag] : tags) {
        prefixes.push_back(VisitorIndexPrefix(epoch, tag));
        owners.push_back(&id);
        cases_of.push_back(nullptr);
      }
    }
    for (const std::shared_ptr<const CaseIndexKey>& key : cases) {
      if (key == nullptr) continue;
      prefixes.push_back(HeldIndexPrefix(key->prefix(), key->Tag(input)));
      owners.push_back(&id);
      cases_of.push_back(&key);
    }
  }
  bool too_many = false;
  VAULT_RETURN_IF_ERROR(store_->ScanPrefixes(
      Column::kVisitorIndex, prefixes,
      [&](size_t i, std::string_view key, std::string_view value) {
        const bool held = cases_of[i] != nullptr;
        if (key.size() != (held ? kHeldIndexKeyBytes : kVisitorIndexKeyBytes)) {
          return true;  // not ours: skip
        }
        if (out.size() >= max_matches) {
          too_many = true;
          return false;
        }
        Match m{std::string(key.substr(key.size() - kIdBytes)), owners[i]->kind,
                held ? 0 : GetU64(key.data()), std::string(value), nullptr};
        if (held) m.case_key = *cases_of[i];
        out.push_back(std::move(m));
        return true;
      }));
  if (too_many) {
    return Status::ResourceExhausted("more transcripts match than one answer may hold",
                                     "too_many_matches");
  }
  return out;
}

}  // namespace vault
