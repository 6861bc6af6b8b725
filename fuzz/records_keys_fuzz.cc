// Fuzz target: what the vault reads back from RocksDB before it trusts it:
// the record plaintexts (vault/core/records.h: state, visitor, message) and
// wrapped data keys (Keyring::WrappedEpoch and UnwrapKey, vault/crypto/keyring.h).
//
// Input: a selector byte, then the record or wrapped key. Checks: records
// decode only from their canonical encoding (Encode(Decode(x)) == x; a state
// record of an earlier version re-encodes to the current one, same fields); a
// wrapped key that unwraps names its epoch, and re-wrapping the key it gave
// unwraps to the same key.
#include <cstdint>
#include <cstring>
#include <string>

#include "fixed_keys.h"
#include "fuzz_check.h"
#include "vault/core/records.h"

namespace {

// The binding of wrapped keys in the seeds: a transcript id.
constexpr std::string_view kBinding = "0123456789abcdef0123456789abcdef";

// A state record of a version the vault writes (3, 4) decodes only from its
// canonical encoding, and only version 4 knows a seq bound; one of an earlier
// version (1, 2) is re-encoded as version 3 with the same fields, no
// statistics facts (activity unknown) and no seq bound.
void State(std::string_view in) {
  auto r = vault::DecodeState(in);
  if (!r.ok()) return;
  const std::string encoded = vault::EncodeState(*r);
  const auto version = static_cast<uint8_t>(in[0]);
  FUZZ_CHECK(r->seq_bound_known == (version == vault::kStateVersionSeqBound));
  if (version == vault::kStateVersionActivity || version == vault::kStateVersionSeqBound) {
    FUZZ_CHECK(encoded == in);
    return;
  }
  FUZZ_CHECK(!r->activity_known && !r->counted && !r->form_submitted);
  auto again = vault::DecodeState(encoded);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(vault::EncodeState(*again) == encoded);
  FUZZ_CHECK(again->service == r->service && again->state == r->state &&
             again->created_at == r->created_at && again->closed_at == r->closed_at &&
             again->last_activity == r->last_activity && again->expires_at == r->expires_at &&
             again->message_count == r->message_count && again->restrictions == r->restrictions);
}

void Visitor(std::string_view in) {
  auto v = vault::DecodeVisitor(in);
  if (v.ok()) FUZZ_CHECK(vault::EncodeVisitor(*v) == in);
}

void Message(std::string_view in) {
  auto m = vault::DecodeMessageView(in);
  if (!m.ok()) return;
  const vault::Message message{42, std::string(m->from), std::string(m->text),
                               std::string(m->sent_at), {}};
  FUZZ_CHECK(vault::EncodeMessage(message) == in);
}

void Wrapped(std::string_view in) {
  vault::Keyring* keyring = vault::fuzz::FixedKeyring();
  auto epoch = vault::Keyring::WrappedEpoch(in);
  auto dek = keyring->UnwrapKey(in, kBinding);
  if (!epoch.ok()) {
    FUZZ_CHECK(!dek.ok());
    return;
  }
  if (!dek.ok()) return;
  FUZZ_CHECK(epoch.ok());
  auto again = keyring->WrapKey(*epoch, *dek, kBinding);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(vault::Keyring::WrappedEpoch(*again).ok() &&
             *vault::Keyring::WrappedEpoch(*again) == *epoch);
  auto dek2 = keyring->UnwrapKey(*again, kBinding);
  FUZZ_CHECK(dek2.ok() && dek2->size() == dek->size() &&
             std::memcmp(dek2->insecure_data(), dek->insecure_data(), dek->size()) == 0);
  // Bound to its transcript: another binding never opens it.
  FUZZ_CHECK(!keyring->UnwrapKey(in, "fedcba9876543210fedcba9876543210").ok());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unsigned choice = 0;
  std::string_view in;
  if (!vault::fuzz::Split(data, size, 4, &choice, &in)) return 0;
  switch (choice) {
    case 0:
      State(in);
      break;
    case 1:
      Visitor(in);
      break;
    case 2:
      Message(in);
      break;
    default:
      Wrapped(in);
      break;
  }
  return 0;
}
