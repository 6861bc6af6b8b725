#include "vault/audit/note.h"

#include <sodium.h>

#include <charconv>
#include <cstring>
#include <vector>

namespace vault::audit {
namespace {

constexpr std::string_view kSigPrefix = "\xe2\x80\x94 ";  // U+2014 EM DASH, space
constexpr uint8_t kAlgEd25519 = 0x01;

std::array<uint8_t, 4> KeyHash(std::string_view name, const PublicKey& key) {
  std::string in(name);
  in.push_back('\n');
  in.push_back(static_cast<char>(kAlgEd25519));
  in.append(reinterpret_cast<const char*>(key.data()), key.size());
  uint8_t digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const uint8_t*>(in.data()), in.size());
  return {digest[0], digest[1], digest[2], digest[3]};
}

bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 20 || (s.size() > 1 && s[0] == '0')) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    if (nl == std::string_view::npos) {
      lines.push_back(text);
      break;
    }
    lines.push_back(text.substr(0, nl));
    text.remove_prefix(nl + 1);
  }
  return lines;
}

Status Malformed(const std::string& why) {
  return Status::InvalidArgument("malformed checkpoint note: " + why, "bad_note");
}

// Splits a signed note into its text (with final newline) and signature lines.
Status Split(std::string_view note, std::string_view* text, std::string_view* sigs) {
  const size_t blank = note.find("\n\n");
  if (blank == std::string_view::npos) return Malformed("no blank line before signatures");
  *text = note.substr(0, blank + 1);
  *sigs = note.substr(blank + 2);
  if (sigs->empty() || sigs->back() != '\n') return Malformed("signature block must end in newline");
  return Status::OK();
}

}  // namespace

std::string Base64(const uint8_t* data, size_t n) {
  std::string out(sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, n, sodium_base64_VARIANT_ORIGINAL);
  out.resize(std::strlen(out.c_str()));
  return out;
}

bool FromBase64(std::string_view text, std::string* out) {
  std::string bin(text.size(), '\0');
  size_t len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<uint8_t*>(bin.data()), bin.size(), text.data(),
                        text.size(), nullptr, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return false;
  }
  bin.resize(len);
  *out = std::move(bin);
  return true;
}

std::string PublicKeyBase64(const PublicKey& k) { return Base64(k.data(), k.size()); }

bool ParsePublicKey(std::string_view base64, PublicKey* out) {
  std::string bin;
  if (!FromBase64(base64, &bin) || bin.size() != kPublicKeyBytes) return false;
  std::memcpy(out->data(), bin.data(), kPublicKeyBytes);
  return true;
}

std::string NoteText(const CheckpointNote& n) {
  std::string t = n.origin + "\n" + std::to_string(n.size) + "\n" +
                  Base64(n.head.data(), n.head.size()) + "\n";
  t += "time " + std::to_string(n.time_ms) + "\n";
  t += "key " + std::to_string(n.key_index) + "\n";
  t += "next " + PublicKeyBase64(n.next_key) + "\n";
  return t;
}

StatusOr<std::string> SignNote(const CheckpointNote& n, const SecretBytes& sk,
                               const PublicKey& pk) {
  if (sk.size() != crypto_sign_SECRETKEYBYTES) return Status::Internal("bad signing key size");
  const std::string text = NoteText(n);
  uint8_t blob[4 + crypto_sign_BYTES];
  const auto kh = KeyHash(n.origin, pk);
  std::memcpy(blob, kh.data(), 4);
  crypto_sign_detached(blob + 4, nullptr, reinterpret_cast<const uint8_t*>(text.data()),
                       text.size(), sk.insecure_data());
  return text + "\n" + std::string(kSigPrefix) + n.origin + " " + Base64(blob, sizeof blob) + "\n";
}

StatusOr<CheckpointNote> ParseNoteText(std::string_view note) {
  std::string_view text, sigs;
  VAULT_RETURN_IF_ERROR(Split(note, &text, &sigs));
  const auto lines = Lines(text);
  if (lines.size() != 6) return Malformed("expected 6 lines of text");
  CheckpointNote n;
  n.origin = std::string(lines[0]);
  if (n.origin.empty()) return Malformed("empty origin");
  if (!ParseU64(lines[1], &n.size)) return Malformed("bad size");
  std::string head;
  if (!FromBase64(lines[2], &head) || head.size() != kHashBytes) return Malformed("bad head hash");
  std::memcpy(n.head.data(), head.data(), kHashBytes);
  uint64_t t = 0;
  if (lines[3].substr(0, 5) != "time " || !ParseU64(lines[3].substr(5), &t)) {
    return Malformed("bad time line");
  }
  n.time_ms = static_cast<UnixMillis>(t);
  if (lines[4].substr(0, 4) != "key " || !ParseU64(lines[4].substr(4), &n.key_index)) {
    return Malformed("bad key line");
  }
  if (lines[5].substr(0, 5) != "next " || !ParsePublicKey(lines[5].substr(5), &n.next_key)) {
    return Malformed("bad next line");
  }
  return n;
}

StatusOr<CheckpointNote> VerifyNote(std::string_view note, const PublicKey& key) {
  VAULT_ASSIGN_OR_RETURN(CheckpointNote n, ParseNoteText(note));
  std::string_view text, sigs;
  VAULT_RETURN_IF_ERROR(Split(note, &text, &sigs));
  const auto want = KeyHash(n.origin, key);
  bool found = false;
  for (std::string_view line : Lines(sigs)) {
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) return Malformed("bad signature line");
    line.remove_prefix(kSigPrefix.size());
    const size_t sp = line.rfind(' ');
    if (sp == std::string_view::npos) return Malformed("bad signature line");
    if (line.substr(0, sp) != n.origin) continue;
    std::string blob;
    if (!FromBase64(line.substr(sp + 1), &blob) || blob.size() != 4 + crypto_sign_BYTES) {
      return Malformed("bad signature encoding");
    }
    if (std::memcmp(blob.data(), want.data(), 4) != 0) continue;
    found = true;
    if (crypto_sign_verify_detached(reinterpret_cast<const uint8_t*>(blob.data() + 4),
                                    reinterpret_cast<const uint8_t*>(text.data()), text.size(),
                                    key.data()) != 0) {
      return Status::Corruption("checkpoint signature does not verify", "bad_signature");
    }
  }
  if (!found) {
    return Status::PermissionDenied("checkpoint is not signed by the expected key", "unknown_key");
  }
  return n;
}

}  // namespace vault::audit
