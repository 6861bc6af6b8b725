#include "vault/audit/note.h"

#include <charconv>
#include <cstdint>
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

// A note number: "0" or a digit 1-9 and at most 18 more digits, at most
// 2^63 - 1.
bool ParseNumber(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 19 || (s.size() > 1 && s[0] == '0')) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && *out <= uint64_t{INT64_MAX};
}

// A signature line's key name: printable ASCII other than space and '+'.
bool ValidKeyName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (c < 0x21 || c > 0x7e || c == '+') return false;
  }
  return true;
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

struct SigLine {
  std::string_view name;
  std::string blob;  // key hash (4) and signature
};

// Every line after the blank line: "— " name " " base64, the base64
// canonical and at least 5 bytes; 68 bytes on a line named `origin`.
Status ParseSigLines(std::string_view sigs, std::string_view origin, std::vector<SigLine>* out) {
  for (std::string_view line : Lines(sigs)) {
    if (line.substr(0, kSigPrefix.size()) != kSigPrefix) return Malformed("bad signature line");
    line.remove_prefix(kSigPrefix.size());
    const size_t sp = line.find(' ');
    if (sp == std::string_view::npos) return Malformed("bad signature line");
    SigLine l{line.substr(0, sp), {}};
    if (!ValidKeyName(l.name)) return Malformed("bad key name in a signature line");
    if (!vault::FromBase64(line.substr(sp + 1), &l.blob) || l.blob.size() < 5) {
      return Malformed("bad signature encoding");
    }
    if (l.name == origin && l.blob.size() != 4 + kSignatureBytes) {
      return Malformed("bad signature encoding");
    }
    out->push_back(std::move(l));
  }
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
  if (!ParseNumber(lines[1], &n.size)) return Malformed("bad size");
  std::string head;
  if (!FromBase64(lines[2], &head) || head.size() != kHashBytes) return Malformed("bad head hash");
  std::memcpy(n.head.data(), head.data(), kHashBytes);
  uint64_t t = 0;
  if (lines[3].substr(0, 5) != "time " || !ParseNumber(lines[3].substr(5), &t)) {
    return Malformed("bad time line");
  }
  n.time_ms = static_cast<UnixMillis>(t);
  if (lines[4].substr(0, 4) != "key " || !ParseNumber(lines[4].substr(4), &n.key_index)) {
    return Malformed("bad key line");
  }
  if (lines[5].substr(0, 5) != "next " || !ParsePublicKey(lines[5].substr(5), &n.next_key)) {
    return Malformed("bad next line");
  }
  std::vector<SigLine> sig_lines;
  VAULT_RETURN_IF_ERROR(ParseSigLines(sigs, n.origin, &sig_lines));
  return n;
}

StatusOr<CheckpointNote> VerifyNote(std::string_view note, const PublicKey& key) {
  VAULT_ASSIGN_OR_RETURN(CheckpointNote n, ParseNoteText(note));
  std::string_view text, sigs;
  VAULT_RETURN_IF_ERROR(Split(note, &text, &sigs));
  std::vector<SigLine> lines;
  VAULT_RETURN_IF_ERROR(ParseSigLines(sigs, n.origin, &lines));
  const auto want = KeyHash(n.origin, key);
  VAULT_ASSIGN_OR_RETURN(
      VerifyKey verify_key,
      VerifyKey::FromBytes(std::string_view(reinterpret_cast<const char*>(key.data()), key.size())));
  bool found = false;
  for (const SigLine& line : lines) {
    if (line.name != n.origin || std::memcmp(line.blob.data(), want.data(), 4) != 0) continue;
    found = true;
    if (!verify_key.Verify(text, std::string_view(line.blob).substr(4))) {
      return Status::Corruption("checkpoint signature does not verify", "bad_signature");
    }
  }
  if (!found) {
    return Status::PermissionDenied("checkpoint is not signed by the expected key", "unknown_key");
  }
  return n;
}

}  // namespace vault::audit
