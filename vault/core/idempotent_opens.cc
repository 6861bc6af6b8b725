#include "vault/core/idempotent_opens.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "vault/crypto/hash.h"

namespace vault {

namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kDigestBytes = 32;

// Each field as presence, length and bytes: no two requests share an input.
void AddField(Hasher* hasher, const std::optional<std::string>& field) {
  if (!field) {
    hasher->Update(std::string_view("\0", 1));
    return;
  }
  const uint32_t n = static_cast<uint32_t>(field->size());
  const char header[5] = {1, static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                          static_cast<char>(n >> 8), static_cast<char>(n)};
  hasher->Update(std::string_view(header, sizeof(header))).Update(*field);
}

}  // namespace

StatusOr<std::unique_ptr<IdempotentOpens>> IdempotentOpens::Create(UnixMillis window_ms) {
  VAULT_ASSIGN_OR_RETURN(SecretBytes key, SecretBytes::Random(kKeyBytes));
  return std::unique_ptr<IdempotentOpens>(
      new IdempotentOpens(std::min(window_ms, kMaxWindowMs), std::move(key)));
}

std::string IdempotentOpens::MapKey(uint32_t uid, std::string_view key) const {
  std::string out;
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(uid >> shift));
  out += Hasher::Create("TV-idem-key-v1", kDigestBytes, &key_).Update(key).Final();
  return out;
}

std::string IdempotentOpens::Fingerprint(const NewTranscript& request) const {
  Hasher hasher = Hasher::Create("TV-idem-open-v1", kDigestBytes, &key_);
  const Visitor& v = request.visitor;
  for (const std::optional<std::string>& field :
       {std::optional<std::string>(request.service), v.name, v.ip, v.location, v.user_agent,
        v.device, v.ref, v.email, v.phone}) {
    AddField(&hasher, field);
  }
  return hasher.Final();
}

void IdempotentOpens::Erase(Entries::iterator it) {
  if (it->second.done) by_id_.erase(it->second.created.id);
  order_.erase(it->second.place);
  entries_.erase(it);
}

bool IdempotentOpens::MakeRoom(UnixMillis now) {
  while (!order_.empty() && order_.front()->second.at + window_ms_ <= now) Erase(order_.front());
  if (entries_.size() < kMaxEntries) return true;
  // The oldest finished entry goes; opens in progress (at most one per
  // connection) stay.
  for (auto it = order_.begin(); it != order_.end(); ++it) {
    if ((*it)->second.done) {
      Erase(*it);
      return true;
    }
  }
  return false;
}

IdempotentOpens::Claim IdempotentOpens::Begin(uint32_t uid, std::string_view key,
                                              const NewTranscript& request, UnixMillis now) {
  std::string fingerprint = Fingerprint(request);
  std::string map_key = MapKey(uid, key);
  MutexLock lock(&mu_);
  // Expired entries go first, so that an expired key is new again.
  while (!order_.empty() && order_.front()->second.at + window_ms_ <= now) Erase(order_.front());
  auto it = entries_.find(map_key);
  if (it != entries_.end()) {
    const Entry& entry = it->second;
    if (!entry.done) return Claim{Found::kInProgress, 0, {}};
    if (entry.fingerprint != fingerprint) return Claim{Found::kReused, 0, {}};
    return Claim{Found::kReplay, entry.generation, entry.created};
  }
  if (!MakeRoom(now)) return Claim{Found::kFull, 0, {}};
  Entry entry;
  entry.fingerprint = std::move(fingerprint);
  entry.at = now;
  entry.generation = next_generation_++;
  const uint64_t generation = entry.generation;
  it = entries_.emplace(std::move(map_key), std::move(entry)).first;
  it->second.place = order_.insert(order_.end(), it);
  return Claim{Found::kNew, generation, {}};
}

void IdempotentOpens::Finish(uint32_t uid, std::string_view key, uint64_t generation,
                             const CreatedTranscript& created) {
  const std::string map_key = MapKey(uid, key);
  MutexLock lock(&mu_);
  auto it = entries_.find(map_key);
  if (it == entries_.end() || it->second.generation != generation || it->second.done) return;
  it->second.done = true;
  it->second.created = created;
  it->second.created.replayed = false;
  by_id_[created.id] = it;
}

void IdempotentOpens::Abandon(uint32_t uid, std::string_view key, uint64_t generation) {
  const std::string map_key = MapKey(uid, key);
  MutexLock lock(&mu_);
  auto it = entries_.find(map_key);
  if (it != entries_.end() && it->second.generation == generation) Erase(it);
}

void IdempotentOpens::Forget(std::string_view id) {
  MutexLock lock(&mu_);
  auto found = by_id_.find(id);
  if (found != by_id_.end()) Erase(found->second);
}

size_t IdempotentOpens::size() const {
  MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace vault
