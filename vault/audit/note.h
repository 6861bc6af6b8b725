// Checkpoints in the C2SP signed-note format (c2sp.org/signed-note,
// c2sp.org/tlog-checkpoint), so they can be shipped off the host and kept by
// the auditor. Spec: docs/formats/audit-log.md.
//
//   <origin>\n
//   <size>\n                 number of records before the checkpoint record
//   <base64 head hash>\n     hash of record size-1 (a hash-chain head)
//   time <unix ms>\n
//   key <index>\n            which key of the forward-secure chain signed
//   next <base64 pubkey>\n   the Ed25519 public key of index+1
//   \n
//   — <origin> <base64(key hash[4] || Ed25519 signature[64])>\n
//
// key hash = SHA-256(origin || "\n" || 0x01 || pubkey)[0:4]; the signature is
// over the note text (everything before the blank line, newline included).
#ifndef VAULT_AUDIT_NOTE_H_
#define VAULT_AUDIT_NOTE_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "vault/audit/record.h"
#include "vault/crypto/sign.h"
#include "vault/status.h"

namespace vault::audit {

constexpr size_t kPublicKeyBytes = 32;
using PublicKey = std::array<uint8_t, kPublicKeyBytes>;

struct CheckpointNote {
  std::string origin;
  uint64_t size = 0;
  Hash head{};
  UnixMillis time_ms = 0;
  uint64_t key_index = 0;
  PublicKey next_key{};
};

std::string NoteText(const CheckpointNote& n);
// The full signed note: text, blank line, one signature line.
StatusOr<std::string> SignNote(const CheckpointNote& n, const SigningKey& key);
// Parses a signed note and verifies its one signature against `key`.
// InvalidArgument for a malformed note; PermissionDenied("unknown_key") if no
// signature line is by `key`; Corruption("bad_signature") if it does not verify.
StatusOr<CheckpointNote> VerifyNote(std::string_view signed_note, const PublicKey& key);
// Parses without verifying (to report what a bad note claims).
StatusOr<CheckpointNote> ParseNoteText(std::string_view signed_note);

std::string Base64(const uint8_t* data, size_t n);
bool FromBase64(std::string_view text, std::string* out);
std::string PublicKeyBase64(const PublicKey& k);
bool ParsePublicKey(std::string_view base64, PublicKey* out);

}  // namespace vault::audit

#endif  // VAULT_AUDIT_NOTE_H_
