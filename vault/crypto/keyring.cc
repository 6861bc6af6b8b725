#include "vault/crypto/keyring.h"

#include <sodium.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "vault/common/encoding.h"
#include "vault/common/file_util.h"
#include "vault/crypto/aead.h"
#include "vault/crypto/hash.h"
#include "vault/crypto/index_tag.h"
#include "vault/crypto/kdf.h"
#include "vault/crypto/ratchet.h"

namespace vault {
namespace {

constexpr size_t kHeaderBytes = sizeof(kKeyringMagic) + 4;
constexpr size_t kPlainBytes = 8 + 8 + 8 + ratchet::kStateBytes;
constexpr size_t kMaxFileBytes = 64 * 1024;
constexpr char kWrapAdPrefix[] = "TV-wrap-v1";
constexpr uint64_t kStride = 1024;     // checkpoint spacing along the ratchet
constexpr size_t kMaxCachedKeys = 4096;
constexpr uint64_t kMaxEpochSpan = 1000000;  // == the cap on retention / epoch
// Visitor-index tags (docs/formats/visitor-index.md).
constexpr char kTagKeyContext[] = "TVvtag01";  // crypto_kdf context, 8 bytes

std::string Header() {
  std::string h(kKeyringMagic, sizeof(kKeyringMagic));
  PutU32(&h, kKeyringFormatVersion);
  return h;
}

StatusOr<SecretBytes> KeyringWrapKey(const SecretBytes& root_key) {
  return DeriveRootSubkey(root_key, RootSubkey::kKeyring);
}

std::string WrapAd(std::string_view binding, uint64_t epoch) {
  std::string ad(kWrapAdPrefix, sizeof(kWrapAdPrefix));  // includes the NUL separator
  PutLengthPrefixed(&ad, binding);
  PutU64(&ad, epoch);
  return ad;
}

}  // namespace

StatusOr<std::string> EncodeKeyringFile(const KeyringContents& c, const SecretBytes& root_key) {
  if (c.state.size() != ratchet::kStateBytes) return Status::Internal("bad ratchet state size");
  VAULT_ASSIGN_OR_RETURN(SecretBytes wrap_key, KeyringWrapKey(root_key));
  VAULT_ASSIGN_OR_RETURN(SecretBytes plain, SecretBytes::Zeroed(kPlainBytes));
  std::string nums;
  PutU64(&nums, static_cast<uint64_t>(c.epoch_ms));
  PutU64(&nums, c.base_epoch);
  PutU64(&nums, c.generation);
  std::memcpy(plain.insecure_mutable_data(), nums.data(), nums.size());
  std::memcpy(plain.insecure_mutable_data() + nums.size(), c.state.insecure_data(),
              ratchet::kStateBytes);
  std::string file = Header();
  VAULT_RETURN_IF_ERROR(aead::SealSecret(wrap_key, plain, Header(), &file));
  return file;
}

StatusOr<KeyringContents> DecodeKeyringFile(std::string_view file, const SecretBytes& root_key) {
  if (file.size() < kHeaderBytes || std::memcmp(file.data(), kKeyringMagic, 8) != 0) {
    return Status::Corruption("not a keyring file", "keyring_corrupt");
  }
  if (GetU32(file.data() + 8) != kKeyringFormatVersion) {
    return Status::Corruption("unsupported keyring format version", "keyring_corrupt");
  }
  VAULT_ASSIGN_OR_RETURN(SecretBytes wrap_key, KeyringWrapKey(root_key));
  auto plain = aead::OpenSecret(wrap_key, file.substr(kHeaderBytes), file.substr(0, kHeaderBytes));
  if (!plain.ok()) {
    return Status::Corruption("keyring does not open with this root key (wrong key or damaged file)",
                              "keyring_corrupt");
  }
  if (plain->size() != kPlainBytes) return Status::Corruption("keyring payload has the wrong size");
  const char* p = reinterpret_cast<const char*>(plain->insecure_data());
  KeyringContents c;
  c.epoch_ms = static_cast<int64_t>(GetU64(p));
  c.base_epoch = GetU64(p + 8);
  c.generation = GetU64(p + 16);
  VAULT_ASSIGN_OR_RETURN(c.state, SecretBytes::CopyFrom(plain->insecure_data() + 24,
                                                        ratchet::kStateBytes));
  if (c.epoch_ms <= 0) return Status::Corruption("keyring epoch length is invalid");
  return c;
}

Keyring::Keyring(Params params, const RootKeyCustodian* custodian, const Clock* clock,
                 KeyringContents contents)
    : params_(std::move(params)), custodian_(custodian), clock_(clock),
      contents_(std::move(contents)) {}

StatusOr<std::unique_ptr<Keyring>> Keyring::Open(const Params& params,
                                                 const RootKeyCustodian* custodian,
                                                 const Clock* clock, bool create_if_missing) {
  if (params.epoch_ms <= 0 || params.retention_ms <= 0) {
    return Status::InvalidArgument("epoch and retention must be positive");
  }
  VAULT_ASSIGN_OR_RETURN(SecretBytes root, custodian->LoadRootKey());
  // A temporary file left by a crash mid-rewrite is never the live keyring.
  ::unlink((params.path + ".tmp").c_str());
  KeyringContents contents;
  auto file = ReadSmallFile(params.path, kMaxFileBytes);
  if (file.ok()) {
    VAULT_ASSIGN_OR_RETURN(contents, DecodeKeyringFile(*file, root));
    if (contents.epoch_ms != params.epoch_ms) {
      return Status::FailedPrecondition(
          "the keyring was created with an epoch of " + std::to_string(contents.epoch_ms) +
              " ms but the configured epoch is " + std::to_string(params.epoch_ms) +
              " ms; the epoch length cannot change once data exists", "epoch_mismatch");
    }
  } else if (file.status().code() == Status::Code::kNotFound && !create_if_missing) {
    return Status::FailedPrecondition(
        "the keyring " + params.path + " is missing but the vault holds data; restore it (without "
        "it no stored transcript can be read) rather than starting a new one", "keyring_missing");
  } else if (file.status().code() == Status::Code::kNotFound) {
    contents.epoch_ms = params.epoch_ms;
    contents.base_epoch = static_cast<uint64_t>(clock->NowMillis() / params.epoch_ms);
    contents.generation = 1;
    VAULT_ASSIGN_OR_RETURN(contents.state, SecretBytes::Random(ratchet::kStateBytes));
    VAULT_ASSIGN_OR_RETURN(std::string encoded, EncodeKeyringFile(contents, root));
    VAULT_RETURN_IF_ERROR(WriteFileAtomically(params.path, encoded, 0600));
  } else {
    return file.status();
  }
  return std::unique_ptr<Keyring>(new Keyring(params, custodian, clock, std::move(contents)));
}

uint64_t Keyring::base_epoch() const {
  MutexLock l(&mu_);
  return contents_.base_epoch;
}

StatusOr<SecretBytes> Keyring::StateForLocked(uint64_t epoch) {
  // Start from the nearest known state at or below `epoch`.
  uint64_t from = contents_.base_epoch;
  const SecretBytes* start = &contents_.state;
  auto it = checkpoints_.upper_bound(epoch);
  if (it != checkpoints_.begin()) {
    --it;
    if (it->first >= from) {
      from = it->first;
      start = &it->second;
    }
  }
  VAULT_ASSIGN_OR_RETURN(SecretBytes cur, start->Clone());
  while (from < epoch) {
    // Step to the next stride boundary (or `epoch`), remembering boundaries.
    const uint64_t next = std::min(epoch, (from / kStride + 1) * kStride);
    VAULT_ASSIGN_OR_RETURN(cur, ratchet::Advance(cur, next - from));
    from = next;
    if (from % kStride == 0 && checkpoints_.count(from) == 0) {
      VAULT_ASSIGN_OR_RETURN(SecretBytes copy, cur.Clone());
      checkpoints_.emplace(from, std::move(copy));
    }
  }
  return cur;
}

StatusOr<const SecretBytes*> Keyring::EpochKeyLocked(uint64_t epoch) {
  if (epoch < contents_.base_epoch) {
    return Status::Gone("the key of this epoch has been destroyed", "expired");
  }
  // No legitimate wrapped key points further ahead than the retention period
  // (allowing for a retention shortened since, or a clock stepped back); a
  // value beyond that is damage, not a reason to hash a billion times.
  const uint64_t max_epoch = std::max(contents_.base_epoch, EpochOf(clock_->NowMillis())) +
                             kMaxEpochSpan;
  if (epoch > max_epoch) {
    return Status::Corruption("wrapped key names an epoch beyond any possible expiry");
  }
  auto it = key_cache_.find(epoch);
  if (it != key_cache_.end()) return &it->second;
  VAULT_ASSIGN_OR_RETURN(SecretBytes state, StateForLocked(epoch));
  VAULT_ASSIGN_OR_RETURN(SecretBytes key, ratchet::EpochKey(state));
  if (key_cache_.size() >= kMaxCachedKeys) key_cache_.erase(key_cache_.begin());
  return &key_cache_.emplace(epoch, std::move(key)).first->second;
}

StatusOr<const KeyedBlake2b*> Keyring::TagKeyLocked(uint64_t epoch) {
  auto it = tag_key_cache_.find(epoch);
  if (it != tag_key_cache_.end()) return &it->second;
  VAULT_ASSIGN_OR_RETURN(const SecretBytes* epoch_key, EpochKeyLocked(epoch));
  VAULT_ASSIGN_OR_RETURN(SecretBytes tag_key,
                         DeriveSubkey(*epoch_key, std::string_view(kTagKeyContext, 8), 0));
  // BLAKE2b keyed with it, personalised, 16 bytes out (formats/
  // visitor-index.md), its key block compressed once here rather than at
  // every tag; the subkey itself is wiped as it goes out of scope.
  VAULT_ASSIGN_OR_RETURN(
      KeyedBlake2b hash,
      KeyedBlake2b::Create(std::string_view(kIndexTagPersonal, 16), kIndexTagBytes, tag_key));
  if (tag_key_cache_.size() >= kMaxCachedKeys) tag_key_cache_.erase(tag_key_cache_.begin());
  return &tag_key_cache_.emplace(epoch, std::move(hash)).first->second;
}

namespace {

Status CheckTagItems(const std::vector<std::string>& items) {
  for (const std::string& item : items) {
    if (item.empty()) return Status::InvalidArgument("an empty item has no tag");
  }
  return Status::OK();
}

}  // namespace

StatusOr<std::string> Keyring::VisitorTag(uint64_t epoch, std::string_view item) {
  if (item.empty()) return Status::InvalidArgument("an empty item has no tag");
  MutexLock l(&mu_);
  VAULT_ASSIGN_OR_RETURN(const KeyedBlake2b* key, TagKeyLocked(epoch));
  std::string tag(kIndexTagBytes, '\0');
  key->HashTo(item, tag.data());
  return tag;
}

StatusOr<std::vector<std::pair<uint64_t, std::string>>> Keyring::VisitorTags(
    uint64_t from, uint64_t to, std::string_view item) {
  std::vector<std::pair<uint64_t, std::string>> out;
  VAULT_RETURN_IF_ERROR(ForEachVisitorTag(from, to, {std::string(item)},
                                          [&](uint64_t e, size_t, const char* tag) {
                                            out.emplace_back(e, std::string(tag, kIndexTagBytes));
                                          }));
  return out;
}

Status Keyring::ForEachVisitorTag(uint64_t from, uint64_t to, const std::vector<std::string>& items,
                                  const std::function<void(uint64_t, size_t, const char*)>& fn) {
  if (to < from) return Status::OK();
  if (to - from >= kMaxEpochSpan) return Status::InvalidArgument("too many epochs to tag");
  VAULT_RETURN_IF_ERROR(CheckTagItems(items));
  MutexLock l(&mu_);
  const uint64_t first = std::max(from, contents_.base_epoch);
  // The tag keys of consecutive epochs are neighbours in the cache: walk it
  // instead of looking each one up (a lookup derives a missing one).
  auto it = tag_key_cache_.lower_bound(first);
  char tag[kIndexTagBytes];
  for (uint64_t e = first; e <= to; ++e) {
    const KeyedBlake2b* key;
    if (it != tag_key_cache_.end() && it->first == e) {
      key = &it->second;
    } else {
      VAULT_ASSIGN_OR_RETURN(key, TagKeyLocked(e));
      it = tag_key_cache_.find(e);
    }
    for (size_t k = 0; k < items.size(); ++k) {
      key->HashTo(items[k], tag);
      fn(e, k, tag);
    }
    if (it != tag_key_cache_.end()) ++it;
  }
  sodium_memzero(tag, sizeof tag);
  return Status::OK();
}

StatusOr<std::vector<std::string>> Keyring::VisitorTagsIn(uint64_t epoch,
                                                          const std::vector<std::string>& items) {
  VAULT_RETURN_IF_ERROR(CheckTagItems(items));
  std::vector<std::string> out;
  out.reserve(items.size());
  MutexLock l(&mu_);
  VAULT_ASSIGN_OR_RETURN(const KeyedBlake2b* key, TagKeyLocked(epoch));
  for (const std::string& item : items) {
    std::string& tag = out.emplace_back(kIndexTagBytes, '\0');
    key->HashTo(item, tag.data());
  }
  return out;
}

StatusOr<std::string> Keyring::WrapKey(uint64_t epoch, const SecretBytes& dek,
                                       std::string_view binding) {
  std::string out;
  out.push_back(static_cast<char>(kWrappedKeyVersion));
  PutU64(&out, epoch);
  MutexLock l(&mu_);
  VAULT_ASSIGN_OR_RETURN(const SecretBytes* key, EpochKeyLocked(epoch));
  VAULT_RETURN_IF_ERROR(aead::SealSecret(*key, dek, WrapAd(binding, epoch), &out));
  return out;
}

StatusOr<uint64_t> Keyring::WrappedEpoch(std::string_view wrapped) {
  if (wrapped.size() != 1 + 8 + aead::kOverhead + aead::kKeyBytes ||
      static_cast<uint8_t>(wrapped[0]) != kWrappedKeyVersion) {
    return Status::Corruption("wrapped key is malformed");
  }
  return GetU64(wrapped.data() + 1);
}

StatusOr<SecretBytes> Keyring::UnwrapKey(std::string_view wrapped, std::string_view binding) {
  VAULT_ASSIGN_OR_RETURN(uint64_t epoch, WrappedEpoch(wrapped));
  MutexLock l(&mu_);
  VAULT_ASSIGN_OR_RETURN(const SecretBytes* key, EpochKeyLocked(epoch));
  return aead::OpenSecret(*key, wrapped.substr(9), WrapAd(binding, epoch));
}

Status Keyring::PersistLocked(const KeyringContents& contents) {
  VAULT_ASSIGN_OR_RETURN(SecretBytes root, custodian_->LoadRootKey());
  VAULT_ASSIGN_OR_RETURN(std::string encoded, EncodeKeyringFile(contents, root));
  return WriteFileAtomically(params_.path, encoded, 0600);
}

Status Keyring::AdvanceTo(uint64_t epoch) {
  MutexLock l(&mu_);
  if (epoch <= contents_.base_epoch) return Status::OK();
  KeyringContents next;
  next.epoch_ms = contents_.epoch_ms;
  next.base_epoch = epoch;
  next.generation = contents_.generation + 1;
  VAULT_ASSIGN_OR_RETURN(next.state, StateForLocked(epoch));
  // Durable first: if this fails, nothing in memory changed.
  VAULT_RETURN_IF_ERROR(PersistLocked(next));
  contents_ = std::move(next);  // the old state is zeroed by SecretBytes
  checkpoints_.erase(checkpoints_.begin(), checkpoints_.lower_bound(epoch));
  key_cache_.erase(key_cache_.begin(), key_cache_.lower_bound(epoch));
  tag_key_cache_.erase(tag_key_cache_.begin(), tag_key_cache_.lower_bound(epoch));
  return Status::OK();
}

}  // namespace vault
