#include "vault/audit/signer.h"

#include <unistd.h>

#include <cstring>

#include "vault/common/encoding.h"
#include "vault/common/file_util.h"
#include "vault/crypto/aead.h"
#include "vault/crypto/kdf.h"
#include "vault/crypto/random.h"

namespace vault::audit {
namespace {

constexpr char kMagic[8] = {'T', 'V', 'A', 'U', 'D', 'K', 'E', 'Y'};
constexpr uint32_t kFormatVersion = 1;
constexpr std::string_view kChainContext = "TVaudsg1";
constexpr size_t kSeedBytes = 32;

std::string Header() {
  std::string h(kMagic, sizeof kMagic);
  PutU32(&h, kFormatVersion);
  return h;
}

StatusOr<SecretBytes> FileKey(const RootKeyCustodian* custodian) {
  VAULT_ASSIGN_OR_RETURN(SecretBytes root, custodian->LoadRootKey());
  return DeriveRootSubkey(root, RootSubkey::kAuditSigner);
}

StatusOr<SecretBytes> Derive(const SecretBytes& seed, uint64_t id) {
  return DeriveSubkey(seed, kChainContext, id, kSeedBytes);
}

StatusOr<SigningKey> KeyPair(const SecretBytes& seed, PublicKey* pk) {
  VAULT_ASSIGN_OR_RETURN(SecretBytes ed_seed, Derive(seed, 2));
  VAULT_ASSIGN_OR_RETURN(SigningKey key, SigningKey::FromSeed(ed_seed));
  std::memcpy(pk->data(), key.public_key().bytes().data(), kPublicKeyBytes);
  return key;
}

}  // namespace

StatusOr<PublicKey> SigningChain::PublicKeyOf(const SecretBytes& seed) {
  PublicKey pk;
  VAULT_ASSIGN_OR_RETURN(SigningKey key, KeyPair(seed, &pk));
  return pk;
}

StatusOr<std::unique_ptr<SigningChain>> SigningChain::Open(const std::string& path,
                                                           const RootKeyCustodian* custodian,
                                                           bool create) {
  VAULT_RETURN_IF_ERROR(InitCrypto());
  std::unique_ptr<SigningChain> c(new SigningChain(path, custodian));
  ::unlink((path + ".tmp").c_str());
  auto file = ReadSmallFile(path, 4096);
  if (file.ok()) {
    VAULT_RETURN_IF_ERROR(c->Load(*file));
  } else if (file.status().code() == Status::Code::kNotFound && create) {
    c->state_.origin = "transcript-vault/" + ToHex(RandomBytes(8));
    VAULT_ASSIGN_OR_RETURN(c->seed_, SecretBytes::Random(kSeedBytes));
    VAULT_RETURN_IF_ERROR(c->Persist(c->state_, c->seed_));
    c->created_ = true;
  } else if (file.status().code() == Status::Code::kNotFound) {
    return Status::FailedPrecondition("the audit signing key " + path +
                                      " is missing but the audit log exists", "audit_key_missing");
  } else {
    return file.status();
  }
  VAULT_RETURN_IF_ERROR(c->DeriveKeys());
  return c;
}

Status SigningChain::DeriveKeys() {
  VAULT_ASSIGN_OR_RETURN(SigningKey key, KeyPair(seed_, &public_key_));
  signing_key_.emplace(std::move(key));
  VAULT_ASSIGN_OR_RETURN(SecretBytes next_seed, Derive(seed_, 1));
  VAULT_ASSIGN_OR_RETURN(next_public_key_, PublicKeyOf(next_seed));
  return Status::OK();
}

Status SigningChain::Load(const std::string& file) {
  const std::string header = Header();
  if (file.size() < header.size() || file.compare(0, header.size(), header) != 0) {
    return Status::Corruption("not an audit key file: " + path_, "audit_key_corrupt");
  }
  VAULT_ASSIGN_OR_RETURN(SecretBytes key, FileKey(custodian_));
  auto plain = aead::OpenSecret(key, std::string_view(file).substr(header.size()), header);
  if (!plain.ok()) {
    return Status::Corruption("the audit key file does not open with this root key",
                              "audit_key_corrupt");
  }
  const size_t fixed = 8 + kSeedBytes + 8 + kHashBytes + 8;
  if (plain->size() < fixed + 4) return Status::Corruption("audit key file is truncated");
  // index || seed || last_size || last_head || last_time || origin: only the
  // seed is secret.
  VAULT_ASSIGN_OR_RETURN(FramedSecret fields, SplitFramedSecret(*plain, 8, kSeedBytes));
  state_.index = GetU64(fields.before.data());
  seed_ = std::move(fields.secret);
  const char* p = fields.after.data();
  state_.last_size = GetU64(p);
  std::memcpy(state_.last_head.data(), p + 8, kHashBytes);
  state_.last_time = static_cast<UnixMillis>(GetU64(p + 8 + kHashBytes));
  std::string_view rest(fields.after), origin;
  rest.remove_prefix(fixed - 8 - kSeedBytes);
  if (!GetLengthPrefixed(&rest, &origin) || !rest.empty() || origin.empty()) {
    return Status::Corruption("audit key file is malformed");
  }
  state_.origin = std::string(origin);
  return Status::OK();
}

Status SigningChain::Persist(const State& st, const SecretBytes& seed) {
  std::string nums;
  PutU64(&nums, st.index);
  std::string tail;
  PutU64(&tail, st.last_size);
  tail.append(reinterpret_cast<const char*>(st.last_head.data()), kHashBytes);
  PutU64(&tail, static_cast<uint64_t>(st.last_time));
  PutLengthPrefixed(&tail, st.origin);
  if (seed.size() != kSeedBytes) return Status::Internal("audit seed has the wrong size");
  VAULT_ASSIGN_OR_RETURN(SecretBytes head, SecretBytes::CopyFrom(
                                               reinterpret_cast<const uint8_t*>(nums.data()),
                                               nums.size()));
  VAULT_ASSIGN_OR_RETURN(SecretBytes rest, SecretBytes::CopyFrom(
                                               reinterpret_cast<const uint8_t*>(tail.data()),
                                               tail.size()));
  VAULT_ASSIGN_OR_RETURN(SecretBytes with_seed, SecretBytes::Concat(head, seed));
  VAULT_ASSIGN_OR_RETURN(SecretBytes plain, SecretBytes::Concat(with_seed, rest));
  VAULT_ASSIGN_OR_RETURN(SecretBytes key, FileKey(custodian_));
  std::string file = Header();
  VAULT_RETURN_IF_ERROR(aead::SealSecret(key, plain, Header(), &file));
  return WriteFileAtomically(path_, file, 0600);
}

StatusOr<std::string> SigningChain::Sign(CheckpointNote* note) {
  note->origin = state_.origin;
  note->key_index = state_.index;
  note->next_key = next_public_key_;
  if (!signing_key_) return Status::Internal("the audit signing key is not loaded");
  return SignNote(*note, *signing_key_);
}

Status SigningChain::Advance(const CheckpointNote& n) {
  if (n.key_index != state_.index) return Status::Internal("checkpoint signed by another key");
  VAULT_ASSIGN_OR_RETURN(SecretBytes next_seed, Derive(seed_, 1));
  State next = state_;
  next.index = state_.index + 1;
  next.last_size = n.size;
  next.last_head = n.head;
  next.last_time = n.time_ms;
  VAULT_RETURN_IF_ERROR(Persist(next, next_seed));
  state_ = next;
  seed_ = std::move(next_seed);  // the old seed is zeroed on release
  return DeriveKeys();            // replaces (and so zeroes) secret key i
}

}  // namespace vault::audit
