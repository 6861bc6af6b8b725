// Fuzz target: signed checkpoint notes (vault/audit/note.h; C2SP signed-note
// format), which an auditor keeps and feeds back to `vault-audit verify`,
// and the base64 public keys they pin.
//
// Input: a selector byte, then (0) a signed note or (1) a public key in
// base64. Notes are verified against a fixed key, the one the seeds are
// signed with. Checks: a note that verifies also parses to the same fields,
// and its signed text is NoteText of them; re-signing those fields verifies
// to the same fields; a key that parses prints back to a key that parses
// to the same bytes.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fixed_keys.h"
#include "fuzz_check.h"
#include "vault/audit/note.h"
#include "vault/crypto/sign.h"

namespace {

namespace audit = vault::audit;

const vault::SigningKey& NoteKey() {
  static const vault::SigningKey key = [] {
    auto k = vault::SigningKey::FromSeed(vault::fuzz::FixedBytes(32, 0x70));
    if (!k.ok()) std::abort();
    return std::move(k).value();
  }();
  return key;
}

audit::PublicKey NotePublicKey() {
  audit::PublicKey pub{};
  const std::string& bytes = NoteKey().public_key().bytes();
  std::copy(bytes.begin(), bytes.end(), pub.begin());
  return pub;
}

bool SameNote(const audit::CheckpointNote& a, const audit::CheckpointNote& b) {
  return a.origin == b.origin && a.size == b.size && a.head == b.head && a.time_ms == b.time_ms &&
         a.key_index == b.key_index && a.next_key == b.next_key;
}

void Note(std::string_view note) {
  auto parsed = audit::ParseNoteText(note);
  auto verified = audit::VerifyNote(note, NotePublicKey());
  if (!verified.ok()) return;
  FUZZ_CHECK(parsed.ok());
  FUZZ_CHECK(SameNote(*parsed, *verified));
  const std::string text = audit::NoteText(*verified);
  FUZZ_CHECK(note.substr(0, text.size()) == text);
  auto resigned = audit::SignNote(*verified, NoteKey());
  FUZZ_CHECK(resigned.ok());
  auto again = audit::VerifyNote(*resigned, NotePublicKey());
  FUZZ_CHECK(again.ok() && SameNote(*again, *verified));
}

void Key(std::string_view base64) {
  audit::PublicKey key{};
  if (!audit::ParsePublicKey(base64, &key)) return;
  audit::PublicKey again{};
  FUZZ_CHECK(audit::ParsePublicKey(audit::PublicKeyBase64(key), &again));
  FUZZ_CHECK(again == key);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unsigned choice = 0;
  std::string_view in;
  if (!vault::fuzz::Split(data, size, 2, &choice, &in)) return 0;
  if (choice == 0) {
    Note(in);
  } else {
    Key(in);
  }
  return 0;
}
