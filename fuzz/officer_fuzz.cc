// Fuzz target: what vault-officer and the vault read about officers
// (vault/officer/officer.h): identity files (IdentityFilePublicKeys,
// DecodeIdentityFile) and enrolment tokens (ParseEnrolmentToken), which an
// admin pastes into `vaultctl officer enrol` and the vault checks.
//
// Input: a selector byte, then (0) an identity file or (1) a token.
// Identity files are opened with the seeds' passphrase only when their
// Argon2id cost is at most 64 KiB and 4 passes (the seeds use the minimum):
// the real presets cost 64 MiB to 1 GiB per attempt, which would make the
// target measure Argon2 rather than the parser. Checks: a file that opens
// has the public keys it advertises, and its enrolment token parses back to
// them; a token that parses, re-encoded, parses to the same keys and has a
// fingerprint of 8 groups of 4 hex digits.
#include <boost/json.hpp>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "vault/common/encoding.h"
#include "vault/crypto/secret.h"
#include "vault/officer/officer.h"

namespace {

namespace safeguard = vault::safeguard;
constexpr std::string_view kPassphrase = "correct horse battery staple";

// True if the file asks for a cheap Argon2id cost (or is not JSON at all, so
// the decoder stops before deriving anything).
bool CheapKdf(std::string_view text) {
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(text, ec);
  if (ec || !v.is_object()) return true;
  const boost::json::value* kdf = v.as_object().if_contains("kdf");
  if (kdf == nullptr || !kdf->is_object()) return true;
  const boost::json::value* ops = kdf->as_object().if_contains("opslimit");
  const boost::json::value* mem = kdf->as_object().if_contains("memlimit");
  if (ops == nullptr || mem == nullptr || !ops->is_int64() || !mem->is_int64()) return true;
  return ops->as_int64() <= 4 && mem->as_int64() <= 64 * 1024;
}

void IdentityFile(std::string_view text) {
  auto pub = safeguard::IdentityFilePublicKeys(text);
  if (!CheapKdf(text)) return;
  auto passphrase = vault::SecretBytes::CopyFrom(
      reinterpret_cast<const uint8_t*>(kPassphrase.data()), kPassphrase.size());
  FUZZ_CHECK(passphrase.ok());
  auto keys = safeguard::DecodeIdentityFile(text, *passphrase);
  if (!keys.ok()) return;
  FUZZ_CHECK(pub.ok());
  FUZZ_CHECK(keys->pub == *pub);
  auto token = safeguard::EnrolmentToken(*keys);
  FUZZ_CHECK(token.ok());
  auto parsed = safeguard::ParseEnrolmentToken(*token);
  FUZZ_CHECK(parsed.ok() && *parsed == keys->pub);
}

void Token(std::string_view token) {
  auto pub = safeguard::ParseEnrolmentToken(token);
  if (!pub.ok()) {
    FUZZ_CHECK(pub.status().code() == vault::Status::Code::kInvalidArgument);
    return;
  }
  const std::string prefix = "tv-officer-v1:";
  std::string raw;
  FUZZ_CHECK(vault::FromBase64(token.substr(prefix.size()), &raw));
  auto again = safeguard::ParseEnrolmentToken(prefix + vault::ToBase64(raw));
  FUZZ_CHECK(again.ok() && *again == *pub);
  const std::string fp = safeguard::Fingerprint(*pub);
  FUZZ_CHECK(fp.size() == 8 * 4 + 7);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unsigned choice = 0;
  std::string_view in;
  if (!vault::fuzz::Split(data, size, 2, &choice, &in)) return 0;
  if (choice == 0) {
    IdentityFile(in);
  } else {
    Token(in);
  }
  return 0;
}
