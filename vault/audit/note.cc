#include "vault/audit/note.h"

#include <charconv>
#include <cstring>
#include <vector>

#include "vault/common/encoding.h"
#include "vault/crypto/hash.h"

namespace vault::audit {
namespace {

constexpr std::string_view kSigPrefix = "\xe2\x80\x94 ";  // U+2014 EM DASH, space
constexpr uint8_t kAlgEd25519 = 0x01;

std::array<uint8_t, 4> KeyHash(std::string_view name, const PublicKey& key) {
  std::string in(name);
  in.push_back('\n');
  in.push_back(static_cast<char>(kAlgEd25519));
  in.append(reinterpret_cast<const char*>(key.data()), key.size());
  const std::string digest = Sha256(in);
  return {static_cast<uint8_t>(digest[0]), static_cast<uint8_t>(digest[1]),
          static_cast<uint8_t>(digest[2]), static_cast<uint8_t>(digest[3])};
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

// Standard base64 with padding, strict on input (vault/common/encoding.h):
// the bytes the format has always used (RFC 4648 section 4).
std::string Base64(const uint8_t* data, size_t n) {
  return ToBase64(std::string_view(reinterpret_cast<const char*>(data), n));
}

bool FromBase64(std::string_view text, std::string* out) {
  std::string bin;
  if (!vault::FromBase64(text, &bin)) return false;
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

StatusOr<std::string> SignNote(const CheckpointNote& n, const SigningKey& key) {
  const std::string& pk_bytes = key.public_key().bytes();
  if (pk_bytes.size() != kPublicKeyBytes) return Status::Internal("bad signing key size");
  PublicKey pk;
  std::memcpy(pk.data(), pk_bytes.data(), kPublicKeyBytes);
  const std::string text = NoteText(n);
  const auto kh = KeyHash(n.origin, pk);
  std::string blob(reinterpret_cast<const char*>(kh.data()), kh.size());
  blob += key.Sign(text);
  return text + "\n" + std::string(kSigPrefix) + n.origin + " " + ToBase64(blob) + "\n";
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
  VAULT_ASSIGN_OR_RETURN(
      VerifyKey verify_key,
      VerifyKey::FromBytes(std::string_view(reinterpret_cast<const char*>(key.data()), key.size())));
  bool found = false;
  for (std::string_view line : Lines(sigs)) {
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) return Malformed("bad signature line");
    line.remove_prefix(kSigPrefix.size());
    const size_t sp = line.rfind(' ');
    if (sp == std::string_view::npos) return Malformed("bad signature line");
    if (line.substr(0, sp) != n.origin) continue;
    std::string blob;
    if (!FromBase64(line.substr(sp + 1), &blob) || blob.size() != 4 + kSignatureBytes) {
      return Malformed("bad signature encoding");
    }
    if (std::memcmp(blob.data(), want.data(), 4) != 0) continue;
    found = true;
    if (!verify_key.Verify(text, std::string_view(blob).substr(4))) {
      return Status::Corruption("checkpoint signature does not verify", "bad_signature");
    }
  }
  if (!found) {
    return Status::PermissionDenied("checkpoint is not signed by the expected key", "unknown_key");
  }
  return n;
}

}  // namespace vault::audit
