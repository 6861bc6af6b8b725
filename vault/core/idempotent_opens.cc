#include "vault/core/idempotent_opens.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "vault/crypto/hash.h"

namespace vault {

namespace {

constexpr size_t kKeyBytes = 32;
constexpr size_t kFingerprintBytes = 32;

std::string MapKey(uint32_t uid, std::string_view key) {
  std::string out;
  out.reserve(4 + key.size());
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(uid >> shift));
  out.append(key);
  return out;
}

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

std::string IdempotentOpens::Fingerprint(const NewTranscript& request) const {
  Hasher hasher = Hasher::Create("TV-idem-open-v1", kFingerprintBytes, &key_);
  const Visitor& v = request.visitor;
  for (const std::optional<std::string>& field :
       {std::optional<std::string>(request.service), v.name, v.ip, v.location, v.user_agent,
        v.device, v.ref, v.email, v.phone}) {
    AddField(&hasher, field);
  }
  return hasher.Final();
}

void IdempotentOpens::DropExpired(UnixMillis now) {
  while (!order_.empty() &&
         (order_.front().first + window_ms_ <= now || entries_.size() >= kMaxEntries)) {
    auto it = entries_.find(order_.front().second);
    // A later claim of the same key (after an Abandon) has its own place.
    if (it != entries_.end() && it->second.at == order_.front().first) entries_.erase(it);
    order_.pop_front();
  }
}

IdempotentOpens::Claim IdempotentOpens::Begin(uint32_t uid, std::string_view key,
                                              const NewTranscript& request, UnixMillis now) {
  std::string fingerprint = Fingerprint(request);
  std::string map_key = MapKey(uid, key);
  MutexLock lock(&mu_);
  DropExpired(now);
  auto it = entries_.find(map_key);
  if (it == entries_.end()) {
    Entry entry;
    entry.fingerprint = std::move(fingerprint);
    entry.at = now;
    order_.emplace_back(now, map_key);
    entries_.emplace(std::move(map_key), std::move(entry));
    return Claim{Found::kNew, {}};
  }
  const Entry& entry = it->second;
  if (entry.fingerprint != fingerprint) return Claim{Found::kReused, {}};
  if (!entry.done) return Claim{Found::kInProgress, {}};
  return Claim{Found::kReplay, entry.created};
}

void IdempotentOpens::Finish(uint32_t uid, std::string_view key, const CreatedTranscript& created) {
  MutexLock lock(&mu_);
  auto it = entries_.find(MapKey(uid, key));
  if (it == entries_.end()) return;  // dropped for room while it ran
  it->second.done = true;
  it->second.created = created;
}

void IdempotentOpens::Abandon(uint32_t uid, std::string_view key) {
  MutexLock lock(&mu_);
  auto it = entries_.find(MapKey(uid, key));
  if (it != entries_.end() && !it->second.done) entries_.erase(it);
}

void IdempotentOpens::Forget(std::string_view id) {
  MutexLock lock(&mu_);
  std::erase_if(entries_, [id](const auto& item) {
    return item.second.done && item.second.created.id == id;
  });
}

size_t IdempotentOpens::size() const {
  MutexLock lock(&mu_);
  return entries_.size();
}

}  // namespace vault
