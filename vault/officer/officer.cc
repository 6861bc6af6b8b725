#include "vault/officer/officer.h"

#include <boost/json.hpp>
#include <cstring>

#include "vault/common/encoding.h"
#include "vault/crypto/aead.h"
#include "vault/crypto/hash.h"
#include "vault/crypto/kdf.h"
#include "vault/crypto/random.h"

namespace vault::safeguard {
namespace {

namespace json = boost::json;

constexpr std::string_view kFileFormat = "transcript-vault-officer-v1";
constexpr std::string_view kTokenPrefix = "tv-officer-v1:";
constexpr char kFileAdTag[] = "TV-officer-file-v1";  // with its NUL
constexpr char kEnrolTag[] = "TV-officer-enrol-v1";  // with its NUL
constexpr size_t kSaltBytes = kPassphraseSaltBytes;
constexpr size_t kMaxFileBytes = 16 * 1024;

std::string Bytes(const uint8_t* p, size_t n) {
  return std::string(reinterpret_cast<const char*>(p), n);
}

void CopyKey(const std::string& from, std::array<uint8_t, 32>* to) {
  std::memcpy(to->data(), from.data(), to->size());
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
  return DerivePassphraseKey(passphrase, salt, PassphraseCost{ops, mem}, aead::kKeyBytes);
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
  OfficerKeys k;
  VAULT_ASSIGN_OR_RETURN(k.sign, SigningKey::Generate());
  VAULT_ASSIGN_OR_RETURN(k.seal, BoxKeyPair::Generate());
  CopyKey(k.sign.public_key().bytes(), &k.pub.sign);
  CopyKey(k.seal.public_key().bytes(), &k.pub.seal);
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
  PassphraseLevel preset = PassphraseLevel::kModerate;
  if (level == KdfLevel::kInteractive) {
    preset = PassphraseLevel::kInteractive;
  } else if (level == KdfLevel::kSensitive) {
    preset = PassphraseLevel::kSensitive;
  }
  const PassphraseCost cost = PassphraseCostOf(preset);
  const uint64_t ops = cost.opslimit;
  const uint64_t mem = cost.memlimit;
  const std::string salt = RandomBytes(kSaltBytes);
  VAULT_ASSIGN_OR_RETURN(SecretBytes file_key, DeriveFileKey(passphrase, salt, ops, mem));
  if (keys.sign.secret_key().size() != kSigningSecretKeyBytes ||
      keys.seal.secret().size() != kBoxSecretKeyBytes) {
    return Status::Internal("the officer keys are empty");
  }
  // sign secret (64) || seal secret (32)
  VAULT_ASSIGN_OR_RETURN(SecretBytes plain,
                         SecretBytes::Concat(keys.sign.secret_key(), keys.seal.secret()));
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
  const PassphraseCost least = PassphraseCostOf(PassphraseLevel::kMinimum);
  const PassphraseCost most = PassphraseCostOf(PassphraseLevel::kSensitive);
  if (opslimit < least.opslimit || opslimit > most.opslimit * 4 ||
      memlimit < least.memlimit || memlimit > most.memlimit) {
    return BadFile("kdf parameters out of range");
  }
  VAULT_ASSIGN_OR_RETURN(SecretBytes file_key, DeriveFileKey(passphrase, salt, opslimit, memlimit));
  auto plain = aead::OpenSecret(file_key, sealed, FileAd(keys.pub, opslimit, memlimit, salt));
  if (!plain.ok()) {
    return Status::PermissionDenied("the passphrase does not open this identity file",
                                    "wrong_passphrase");
  }
  if (plain->size() != 96) return BadFile("sealed keys have the wrong size");
  VAULT_ASSIGN_OR_RETURN(SecretBytes sign_secret, plain->Slice(0, kSigningSecretKeyBytes));
  VAULT_ASSIGN_OR_RETURN(SecretBytes seal_secret,
                         plain->Slice(kSigningSecretKeyBytes, kBoxSecretKeyBytes));
  auto sign = SigningKey::FromSecretKey(sign_secret);
  auto seal = BoxKeyPair::FromSecret(seal_secret);
  // The secret halves must match the public ones the file advertises.
  if (!sign.ok() || !seal.ok() || sign->public_key().bytes() != Bytes(keys.pub.sign.data(), 32) ||
      seal->public_key().bytes() != Bytes(keys.pub.seal.data(), 32)) {
    return BadFile("secret keys do not match the public keys");
  }
  keys.sign = std::move(sign).value();
  keys.seal = std::move(seal).value();
  return keys;
}

StatusOr<std::string> EnrolmentToken(const OfficerKeys& keys) {
  VAULT_ASSIGN_OR_RETURN(std::string sig, Sign(keys.sign, EnrolMessage(keys.pub)));
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
  const std::string in = Bytes(keys.sign.data(), 32) + Bytes(keys.seal.data(), 32);
  const std::string hex = ToHex(Blake2b("TV-officer-fp1", in, 16));
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 4) {
    if (!out.empty()) out.push_back('-');
    out += hex.substr(i, 4);
  }
  return out;
}

StatusOr<std::string> Sign(const SigningKey& key, std::string_view message) {
  if (key.empty()) return Status::Internal("signing key has the wrong size");
  return key.Sign(message);
}

bool VerifySignature(const Ed25519PublicKey& key, std::string_view message,
                     std::string_view signature) {
  auto verify_key = VerifyKey::FromBytes(Bytes(key.data(), key.size()));
  return verify_key.ok() && verify_key->Verify(message, signature);
}

}  // namespace vault::safeguard
