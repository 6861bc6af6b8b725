#include "vault/safeguard/officer.h"

#include <sodium.h>

#include <boost/json.hpp>
#include <cstring>

#include "vault/common/encoding.h"
#include "vault/crypto/aead.h"

namespace vault::safeguard {
namespace {

namespace json = boost::json;

constexpr std::string_view kFileFormat = "transcript-vault-officer-v1";
constexpr std::string_view kTokenPrefix = "tv-officer-v1:";
constexpr char kFileAdTag[] = "TV-officer-file-v1";  // with its NUL
constexpr char kEnrolTag[] = "TV-officer-enrol-v1";  // with its NUL
constexpr size_t kSaltBytes = crypto_pwhash_SALTBYTES;
constexpr size_t kMaxFileBytes = 16 * 1024;

std::string Bytes(const uint8_t* p, size_t n) {
  return std::string(reinterpret_cast<const char*>(p), n);
}

std::string FileAd(const OfficerPublicKeys& pub, uint64_t ops, uint64_t mem,
                   std::string_view salt) {
  std::string ad(kFileAdTag, sizeof(kFileAdTag));
  ad += Bytes(pub.sign.data(), pub.sign.size());
  ad += Bytes(pub.seal.data(), pub.seal.size());
  PutU64(&ad, ops);
  PutU64(&ad, mem);
  ad += salt;
  return ad;
}

std::string EnrolMessage(const OfficerPublicKeys& pub) {
  std::string m(kEnrolTag, sizeof(kEnrolTag));
  m += Bytes(pub.sign.data(), pub.sign.size());
  m += Bytes(pub.seal.data(), pub.seal.size());
  return m;
}

StatusOr<SecretBytes> DeriveFileKey(const SecretBytes& passphrase, std::string_view salt,
                                    uint64_t ops, uint64_t mem) {
  VAULT_ASSIGN_OR_RETURN(SecretBytes key, SecretBytes::Zeroed(aead::kKeyBytes));
  if (crypto_pwhash(key.insecure_mutable_data(), key.size(),
                    reinterpret_cast<const char*>(passphrase.insecure_data()), passphrase.size(),
                    reinterpret_cast<const unsigned char*>(salt.data()), ops, mem,
                    crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return Status::ResourceExhausted("not enough memory for the passphrase key derivation");
  }
  return key;
}

Status BadFile(std::string what) {
  return Status::InvalidArgument("not an officer identity file: " + what, "invalid_identity_file");
}

bool GetKey32(const json::object& o, const char* name, std::array<uint8_t, 32>* out) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) return false;
  std::string raw;
  if (!FromBase64(v->as_string(), &raw) || raw.size() != 32) return false;
  std::memcpy(out->data(), raw.data(), 32);
  return true;
}

StatusOr<json::object> ParseFile(std::string_view text) {
  if (text.size() > kMaxFileBytes) return BadFile("too large");
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return BadFile("not a JSON object");
  const json::object& o = v.as_object();
  const json::value* format = o.if_contains("format");
  if (format == nullptr || !format->is_string() || format->as_string() != kFileFormat) {
    return BadFile("unknown format");
  }
  return o;
}

}  // namespace

StatusOr<OfficerKeys> OfficerKeys::Generate() {
  VAULT_RETURN_IF_ERROR(InitCrypto());
  OfficerKeys k;
  VAULT_ASSIGN_OR_RETURN(k.sign_secret, SecretBytes::Zeroed(crypto_sign_SECRETKEYBYTES));
  VAULT_ASSIGN_OR_RETURN(k.seal_secret, SecretBytes::Zeroed(crypto_box_SECRETKEYBYTES));
  crypto_sign_keypair(k.pub.sign.data(), k.sign_secret.insecure_mutable_data());
  crypto_box_keypair(k.pub.seal.data(), k.seal_secret.insecure_mutable_data());
  return k;
}

bool ParseKdfLevel(std::string_view name, KdfLevel* out) {
  if (name == "interactive")
    *out = KdfLevel::kInteractive;
  else if (name == "moderate")
    *out = KdfLevel::kModerate;
  else if (name == "sensitive")
    *out = KdfLevel::kSensitive;
  else
    return false;
  return true;
}

StatusOr<std::string> EncodeIdentityFile(const OfficerKeys& keys, const SecretBytes& passphrase,
                                         KdfLevel level) {
  if (passphrase.size() < 8) {
    return Status::InvalidArgument("the passphrase must be at least 8 characters",
                                   "weak_passphrase");
  }
  uint64_t ops = crypto_pwhash_OPSLIMIT_MODERATE;
  uint64_t mem = crypto_pwhash_MEMLIMIT_MODERATE;
  if (level == KdfLevel::kInteractive) {
    ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;
  } else if (level == KdfLevel::kSensitive) {
    ops = crypto_pwhash_OPSLIMIT_SENSITIVE;
    mem = crypto_pwhash_MEMLIMIT_SENSITIVE;
  }
  std::string salt(kSaltBytes, '\0');
  randombytes_buf(salt.data(), salt.size());
  VAULT_ASSIGN_OR_RETURN(SecretBytes file_key, DeriveFileKey(passphrase, salt, ops, mem));
  VAULT_ASSIGN_OR_RETURN(SecretBytes plain, SecretBytes::Zeroed(64 + 32));
  std::memcpy(plain.insecure_mutable_data(), keys.sign_secret.insecure_data(), 64);
  std::memcpy(plain.insecure_mutable_data() + 64, keys.seal_secret.insecure_data(), 32);
  std::string sealed;
  VAULT_RETURN_IF_ERROR(
      aead::SealSecret(file_key, plain, FileAd(keys.pub, ops, mem, salt), &sealed));
  json::object o;
  o["format"] = kFileFormat;
  o["sign_public_key"] = ToBase64(Bytes(keys.pub.sign.data(), 32));
  o["seal_public_key"] = ToBase64(Bytes(keys.pub.seal.data(), 32));
  o["kdf"] = json::object{
      {"algorithm", "argon2id13"}, {"opslimit", ops}, {"memlimit", mem}, {"salt", ToBase64(salt)}};
  o["sealed_keys"] = ToBase64(sealed);
  return json::serialize(o) + "\n";
}

StatusOr<OfficerPublicKeys> IdentityFilePublicKeys(std::string_view text) {
  VAULT_ASSIGN_OR_RETURN(json::object o, ParseFile(text));
  OfficerPublicKeys pub;
  if (!GetKey32(o, "sign_public_key", &pub.sign) || !GetKey32(o, "seal_public_key", &pub.seal)) {
    return BadFile("public keys missing or malformed");
  }
  return pub;
}

StatusOr<OfficerKeys> DecodeIdentityFile(std::string_view text, const SecretBytes& passphrase) {
  VAULT_RETURN_IF_ERROR(InitCrypto());
  VAULT_ASSIGN_OR_RETURN(json::object o, ParseFile(text));
  OfficerKeys keys;
  VAULT_ASSIGN_OR_RETURN(keys.pub, IdentityFilePublicKeys(text));
  const json::value* kdf = o.if_contains("kdf");
  if (kdf == nullptr || !kdf->is_object()) return BadFile("kdf missing");
  const json::object& k = kdf->as_object();
  const json::value* alg = k.if_contains("algorithm");
  const json::value* ops = k.if_contains("opslimit");
  const json::value* mem = k.if_contains("memlimit");
  const json::value* salt_b64 = k.if_contains("salt");
  const json::value* sealed_b64 = o.if_contains("sealed_keys");
  std::string salt;
  std::string sealed;
  if (alg == nullptr || !alg->is_string() || alg->as_string() != "argon2id13" || ops == nullptr ||
      !ops->is_int64() || mem == nullptr || !mem->is_int64() || salt_b64 == nullptr ||
      !salt_b64->is_string() || !FromBase64(salt_b64->as_string(), &salt) ||
      salt.size() != kSaltBytes || sealed_b64 == nullptr || !sealed_b64->is_string() ||
      !FromBase64(sealed_b64->as_string(), &sealed)) {
    return BadFile("kdf parameters or sealed keys malformed");
  }
  const uint64_t opslimit = static_cast<uint64_t>(ops->as_int64());
  const uint64_t memlimit = static_cast<uint64_t>(mem->as_int64());
  // Bounds, so a doctored file cannot make the tool allocate without limit.
  if (opslimit < crypto_pwhash_OPSLIMIT_MIN || opslimit > crypto_pwhash_OPSLIMIT_SENSITIVE * 4 ||
      memlimit < crypto_pwhash_MEMLIMIT_MIN || memlimit > crypto_pwhash_MEMLIMIT_SENSITIVE) {
    return BadFile("kdf parameters out of range");
  }
  VAULT_ASSIGN_OR_RETURN(SecretBytes file_key, DeriveFileKey(passphrase, salt, opslimit, memlimit));
  auto plain = aead::OpenSecret(file_key, sealed, FileAd(keys.pub, opslimit, memlimit, salt));
  if (!plain.ok()) {
    return Status::PermissionDenied("the passphrase does not open this identity file",
                                    "wrong_passphrase");
  }
  if (plain->size() != 96) return BadFile("sealed keys have the wrong size");
  VAULT_ASSIGN_OR_RETURN(keys.sign_secret, SecretBytes::CopyFrom(plain->insecure_data(), 64));
  VAULT_ASSIGN_OR_RETURN(keys.seal_secret, SecretBytes::CopyFrom(plain->insecure_data() + 64, 32));
  // The secret halves must match the public ones the file advertises.
  uint8_t sign_pk[32];
  uint8_t seal_pk[32];
  crypto_sign_ed25519_sk_to_pk(sign_pk, keys.sign_secret.insecure_data());
  crypto_scalarmult_base(seal_pk, keys.seal_secret.insecure_data());
  if (std::memcmp(sign_pk, keys.pub.sign.data(), 32) != 0 ||
      std::memcmp(seal_pk, keys.pub.seal.data(), 32) != 0) {
    return BadFile("secret keys do not match the public keys");
  }
  return keys;
}

StatusOr<std::string> EnrolmentToken(const OfficerKeys& keys) {
  VAULT_ASSIGN_OR_RETURN(std::string sig, Sign(keys.sign_secret, EnrolMessage(keys.pub)));
  return std::string(kTokenPrefix) +
         ToBase64(Bytes(keys.pub.sign.data(), 32) + Bytes(keys.pub.seal.data(), 32) + sig);
}

StatusOr<OfficerPublicKeys> ParseEnrolmentToken(std::string_view token) {
  const Status bad = Status::InvalidArgument(
      "the officer key must be the tv-officer-v1: token printed by vault-officer init",
      "invalid_officer_key");
  if (token.size() > 512 || token.substr(0, kTokenPrefix.size()) != kTokenPrefix) return bad;
  std::string raw;
  if (!FromBase64(token.substr(kTokenPrefix.size()), &raw) || raw.size() != 32 + 32 + 64)
    return bad;
  OfficerPublicKeys pub;
  std::memcpy(pub.sign.data(), raw.data(), 32);
  std::memcpy(pub.seal.data(), raw.data() + 32, 32);
  if (!VerifySignature(pub.sign, EnrolMessage(pub), std::string_view(raw).substr(64))) {
    return Status::InvalidArgument("the officer key's self-signature does not verify",
                                   "invalid_officer_key");
  }
  return pub;
}

std::string Fingerprint(const OfficerPublicKeys& keys) {
  unsigned char digest[16];
  static const unsigned char kPersonal[crypto_generichash_blake2b_PERSONALBYTES] = {
      'T', 'V', '-', 'o', 'f', 'f', 'i', 'c', 'e', 'r', '-', 'f', 'p', '1', 0, 0};
  const std::string in = Bytes(keys.sign.data(), 32) + Bytes(keys.seal.data(), 32);
  crypto_generichash_blake2b_salt_personal(digest, sizeof digest,
                                           reinterpret_cast<const unsigned char*>(in.data()),
                                           in.size(), nullptr, 0, nullptr, kPersonal);
  const std::string hex = ToHex(Bytes(digest, sizeof digest));
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 4) {
    if (!out.empty()) out.push_back('-');
    out += hex.substr(i, 4);
  }
  return out;
}

StatusOr<std::string> Sign(const SecretBytes& sign_secret, std::string_view message) {
  if (sign_secret.size() != crypto_sign_SECRETKEYBYTES) {
    return Status::Internal("signing key has the wrong size");
  }
  std::string sig(crypto_sign_BYTES, '\0');
  crypto_sign_detached(reinterpret_cast<unsigned char*>(sig.data()), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       sign_secret.insecure_data());
  return sig;
}

bool VerifySignature(const Ed25519PublicKey& key, std::string_view message,
                     std::string_view signature) {
  if (signature.size() != crypto_sign_BYTES) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(signature.data()),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), key.data()) == 0;
}

}  // namespace vault::safeguard
