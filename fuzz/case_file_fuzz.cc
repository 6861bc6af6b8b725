// Fuzz target: the sealed safeguarding file (vault/hold/case_store.h,
// DecodeSafeguardFile; docs/formats/case-file.md): enrolled officers and
// legal-hold cases with their sealed key shares, read at every start.
//
// Input: a selector byte, then either (0) the file as on disk, or (1) a JSON
// document the target seals under the fixed root key first, so the document
// checks behind the AEAD are reached. Checks: every decoded share has
// x in 1..255 and a 32-byte commitment; encoding the decoded state and
// decoding it again gives the same state.
#include <cstdint>
#include <string>

#include "fixed_keys.h"
#include "fuzz_check.h"
#include "sealed_file.h"
#include "vault/hold/case_store.h"

namespace {

using vault::safeguard::SafeguardState;
using vault::safeguard::StoredCase;
using vault::safeguard::StoredOfficer;
using vault::safeguard::StoredShare;

bool Same(const StoredOfficer& a, const StoredOfficer& b) {
  return a.id == b.id && a.keys == b.keys && a.enrolled_at == b.enrolled_at &&
         a.enrolled_by == b.enrolled_by && a.revoked_at == b.revoked_at;
}

bool Same(const StoredShare& a, const StoredShare& b) {
  return a.officer == b.officer && a.x == b.x && a.sealed == b.sealed &&
         a.commitment == b.commitment;
}

bool Same(const StoredCase& a, const StoredCase& b) {
  if (a.id != b.id || a.state != b.state || a.reason != b.reason || a.opened_by != b.opened_by ||
      a.opened_at != b.opened_at || a.released_at != b.released_at ||
      a.public_key != b.public_key || a.threshold != b.threshold ||
      a.shares.size() != b.shares.size()) {
    return false;
  }
  for (size_t i = 0; i < a.shares.size(); ++i) {
    if (!Same(a.shares[i], b.shares[i])) return false;
  }
  return true;
}

bool Same(const SafeguardState& a, const SafeguardState& b) {
  if (a.generation != b.generation || a.officers.size() != b.officers.size() ||
      a.cases.size() != b.cases.size()) {
    return false;
  }
  for (size_t i = 0; i < a.officers.size(); ++i) {
    if (!Same(a.officers[i], b.officers[i])) return false;
  }
  for (size_t i = 0; i < a.cases.size(); ++i) {
    if (!Same(a.cases[i], b.cases[i])) return false;
  }
  return true;
}

void Decode(std::string_view file) {
  const vault::SecretBytes root = vault::fuzz::FixedRootKey();
  auto state = vault::safeguard::DecodeSafeguardFile(file, root);
  if (!state.ok()) {
    FUZZ_CHECK(state.status().code() == vault::Status::Code::kCorruption);
    return;
  }
  for (const StoredCase& c : state->cases) {
    for (const StoredShare& s : c.shares) {
      FUZZ_CHECK(s.x >= 1);
      FUZZ_CHECK(s.commitment.size() == 32);
    }
  }
  auto encoded = vault::safeguard::EncodeSafeguardFile(*state, root);
  FUZZ_CHECK(encoded.ok());
  auto again = vault::safeguard::DecodeSafeguardFile(*encoded, root);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(Same(*state, *again));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unsigned choice = 0;
  std::string_view in;
  if (!vault::fuzz::Split(data, size, 2, &choice, &in)) return 0;
  if (choice == 0) {
    Decode(in);
  } else {
    Decode(vault::fuzz::SealAsFile("TVSAFEG1", vault::RootSubkey::kSafeguarding, in));
  }
  return 0;
}
