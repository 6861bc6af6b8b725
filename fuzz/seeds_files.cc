// Seeds of the targets behind the keys: records and wrapped keys, the
// keyring and safeguarding files, officer identity files and tokens, and
// signed notes, all made by the code under test with the fixed keys of
// fixed_keys.h (so they open in the targets).
#include <cstdlib>
#include <string>

#include "fixed_keys.h"
#include "seeds.h"
#include "vault/audit/note.h"
#include "vault/common/encoding.h"
#include "vault/core/records.h"
#include "vault/crypto/aead.h"
#include "vault/crypto/kdf.h"
#include "vault/hold/case_store.h"
#include "vault/officer/officer.h"

namespace vault::fuzz {
namespace {

template <typename T>
T Must(StatusOr<T> v) {
  if (!v.ok()) {
    std::fprintf(stderr, "make_seeds: %s\n", v.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(v).value();
}

std::string Bytes(const std::array<uint8_t, 32>& a) {
  return std::string(reinterpret_cast<const char*>(a.data()), a.size());
}

// The passphrase officer_fuzz.cc opens identity files with.
SecretBytes Passphrase() {
  const std::string p = "correct horse battery staple";
  return Must(SecretBytes::CopyFrom(reinterpret_cast<const uint8_t*>(p.data()), p.size()));
}

safeguard::OfficerKeys Officer() { return Must(safeguard::OfficerKeys::Generate()); }

// An identity file as EncodeIdentityFile writes it, but at Argon2id's
// minimum cost (docs/formats/officer-identity.md), so the target can open it.
std::string CheapIdentityFile(const safeguard::OfficerKeys& keys) {
  const PassphraseCost cost = PassphraseCostOf(PassphraseLevel::kMinimum);
  const std::string salt(kPassphraseSaltBytes, '\x5c');
  SecretBytes key = Must(DerivePassphraseKey(Passphrase(), salt, cost, aead::kKeyBytes));
  std::string ad("TV-officer-file-v1", sizeof("TV-officer-file-v1"));
  ad += Bytes(keys.pub.sign) + Bytes(keys.pub.seal);
  PutU64(&ad, cost.opslimit);
  PutU64(&ad, cost.memlimit);
  ad += salt;
  SecretBytes plain = Must(SecretBytes::Concat(keys.sign.secret_key(), keys.seal.secret()));
  std::string sealed;
  if (!aead::SealSecret(key, plain, ad, &sealed).ok()) std::exit(1);
  return R"({"format":"transcript-vault-officer-v1","sign_public_key":")" +
         ToBase64(Bytes(keys.pub.sign)) + R"(","seal_public_key":")" +
         ToBase64(Bytes(keys.pub.seal)) + R"(","kdf":{"algorithm":"argon2id13","opslimit":)" +
         std::to_string(cost.opslimit) + R"(,"memlimit":)" + std::to_string(cost.memlimit) +
         R"(,"salt":")" + ToBase64(salt) + R"("},"sealed_keys":")" + ToBase64(sealed) + "\"}\n";
}

safeguard::SafeguardState SampleSafeguardState() {
  safeguard::SafeguardState s;
  s.generation = 7;
  for (const char* id : {"alice", "bob"}) {
    safeguard::StoredOfficer o;
    o.id = id;
    o.keys = Officer().pub;
    o.enrolled_at = kNow;
    o.enrolled_by = 1000;
    s.officers.push_back(o);
  }
  s.officers[1].revoked_at = kNow + 1000;
  safeguard::StoredCase c;
  c.id = "case-2026-001";
  c.reason = "disclosure of risk to a child";
  c.opened_by = "alice";
  c.opened_at = kNow;
  c.public_key = std::string(32, '\x42');
  for (uint8_t x : {1, 2}) {
    c.shares.push_back({x == 1 ? "alice" : "bob", x, std::string(80, static_cast<char>(x)),
                        std::string(32, static_cast<char>(0x30 + x))});
  }
  s.cases.push_back(c);
  safeguard::StoredCase released = c;
  released.id = "case-2025-009";
  released.state = "released";
  released.released_at = kNow + 5;
  released.public_key.clear();
  released.shares.clear();
  s.cases.push_back(released);
  return s;
}

}  // namespace

void RecordSeeds() {
  StateRecord st{"webchat",    TranscriptState::kClosed,    kNow, kNow + 60000,
                 kNow + 30000, kNow + 60000 + kRetentionMs, 12};
  WriteSeed("records_keys", "state_closed", 0, EncodeState(st));
  st.seq_bound_known = true;
  st.seq_bound = 13;
  WriteSeed("records_keys", "state_seq_bound", 0, EncodeState(st));
  Visitor v;
  v.name = "Sam";
  v.ip = "198.51.100.4";
  v.device = "mobile";
  WriteSeed("records_keys", "visitor", 1, EncodeVisitor(v));
  WriteSeed("records_keys", "message", 2,
            EncodeMessage({42, "agent", "How can I help?", "2026-11-22T10:00:00Z"}));
  const SecretBytes dek = FixedBytes(32, 0x99);
  Keyring* keyring = FixedKeyring();
  const uint64_t now_epoch = static_cast<uint64_t>(kNow / kEpochMs);
  for (uint64_t ahead : {0, 1, 721}) {
    WriteSeed("records_keys", "wrapped_key_epoch_plus_" + std::to_string(ahead), 3,
              Must(keyring->WrapKey(now_epoch + ahead, dek, "0123456789abcdef0123456789abcdef")));
  }
}

void FileSeeds() {
  KeyringContents k;
  k.epoch_ms = kEpochMs;
  k.base_epoch = static_cast<uint64_t>(kNow / kEpochMs);
  k.generation = 3;
  k.state = FixedBytes(32, 0x11);
  WriteSeed("keyring_file", "keyring", 0, Must(EncodeKeyringFile(k, FixedRootKey())));
  std::string plain;
  PutU64(&plain, static_cast<uint64_t>(k.epoch_ms));
  PutU64(&plain, k.base_epoch);
  PutU64(&plain, k.generation);
  plain += std::string(32, '\x11');
  WriteSeed("keyring_file", "payload", 1, plain);

  const std::string file =
      Must(safeguard::EncodeSafeguardFile(SampleSafeguardState(), FixedRootKey()));
  WriteSeed("case_file", "safeguarding", 0, file);
  SecretBytes key = Must(DeriveRootSubkey(FixedRootKey(), RootSubkey::kSafeguarding));
  WriteSeed("case_file", "document", 1, Must(aead::Open(key, file.substr(12), file.substr(0, 12))));
  WriteSeed("case_file", "document_empty", 1, R"({"generation":1,"officers":[],"cases":[]})");
}

void OfficerSeeds() {
  safeguard::OfficerKeys keys = Officer();
  WriteSeed("officer", "identity_file", 0, CheapIdentityFile(keys));
  WriteSeed("officer", "enrolment_token", 1, Must(safeguard::EnrolmentToken(keys)));

  auto note_key = Must(SigningKey::FromSeed(FixedBytes(32, 0x70)));  // as in audit_note_fuzz.cc
  audit::CheckpointNote n;
  n.origin = "transcript-vault/5f0c";
  n.size = 41;
  n.head.fill(0xab);
  n.time_ms = kNow;
  n.key_index = 3;
  n.next_key.fill(0x07);
  WriteSeed("audit_note", "checkpoint", 0, Must(audit::SignNote(n, note_key)));
  audit::PublicKey pub{};
  std::copy(note_key.public_key().bytes().begin(), note_key.public_key().bytes().end(),
            pub.begin());
  WriteSeed("audit_note", "public_key", 1, audit::PublicKeyBase64(pub));
}

}  // namespace vault::fuzz
