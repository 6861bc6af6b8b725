#include "vault/crypto/case_index_key.h"

#include <utility>

#include "vault/crypto/aead.h"
#include "vault/crypto/hash.h"
#include "vault/crypto/index_tag.h"
#include "vault/crypto/kdf.h"

namespace vault {
namespace {

constexpr char kContext[] = "TVctag01";  // crypto_kdf context, 8 bytes
constexpr uint64_t kTagKeyId = 0;
constexpr uint64_t kPrefixKeyId = 1;
// The same personalisation as an epoch tag: the same function under another key.
constexpr char kPrefixPersonal[] = "TV-vindex-cpfx1";

}  // namespace

StatusOr<CaseIndexKey> CaseIndexKey::FromKey(SecretBytes key) {
  if (key.size() != kKeyBytes) return Status::Corruption("a case index key has the wrong size");
  VAULT_ASSIGN_OR_RETURN(SecretBytes tag_key,
                         DeriveSubkey(key, std::string_view(kContext, 8), kTagKeyId));
  VAULT_ASSIGN_OR_RETURN(SecretBytes prefix_key,
                         DeriveSubkey(key, std::string_view(kContext, 8), kPrefixKeyId));
  std::string prefix = Hasher::Create(kPrefixPersonal, kIndexTagBytes, &prefix_key).Final();
  prefix.resize(kPrefixBytes);
  return CaseIndexKey(std::move(key), std::move(tag_key), std::move(prefix));
}

StatusOr<CaseIndexKey> CaseIndexKey::Generate() {
  VAULT_ASSIGN_OR_RETURN(SecretBytes key, SecretBytes::Random(kKeyBytes));
  return FromKey(std::move(key));
}

StatusOr<std::string> CaseIndexKey::Seal(const SecretBytes& wrap_key, std::string_view ad) const {
  std::string out;
  VAULT_RETURN_IF_ERROR(aead::SealSecret(wrap_key, key_, ad, &out));
  return out;
}

StatusOr<CaseIndexKey> CaseIndexKey::Open(const SecretBytes& wrap_key, std::string_view sealed,
                                          std::string_view ad) {
  StatusOr<SecretBytes> key = aead::OpenSecret(wrap_key, sealed, ad);
  if (!key.ok()) return Status::Corruption("a case index key does not open");
  return FromKey(std::move(key).value());
}

std::string CaseIndexKey::Tag(std::string_view item) const {
  return Hasher::Create(std::string_view(kIndexTagPersonal, 16), kIndexTagBytes, &tag_key_)
      .Update(item)
      .Final();
}

}  // namespace vault
