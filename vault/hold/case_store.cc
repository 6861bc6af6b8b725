#include "vault/hold/case_store.h"

#include <unistd.h>

#include <boost/json.hpp>
#include <cstring>
#include <memory>
#include <utility>

#include "vault/common/encoding.h"
#include "vault/common/file_util.h"
#include "vault/crypto/aead.h"
#include "vault/crypto/hash.h"
#include "vault/officer/statement.h"

namespace vault::safeguard {
namespace {

namespace json = boost::json;

constexpr char kMagic[8] = {'T', 'V', 'S', 'A', 'F', 'E', 'G', '1'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderBytes = 12;
constexpr size_t kMaxFileBytes = 16 * 1024 * 1024;

std::string Header() {
  std::string h(kMagic, sizeof kMagic);
  PutU32(&h, kVersion);
  return h;
}

StatusOr<SecretBytes> FileKey(const SecretBytes& root) {
  return DeriveRootSubkey(root, RootSubkey::kSafeguarding);
}

// What a case's index key is sealed with inside the document: its own
// purpose and its case, so it cannot be moved to another case.
std::string IndexKeyAd(std::string_view case_id) {
  std::string ad("TV-case-index-v1", 16);
  ad.push_back('\0');
  ad.append(case_id);
  return ad;
}

Status Bad(const std::string& what) {
  return Status::Corruption("the safeguarding file is damaged: " + what, "safeguarding_corrupt");
}

// Field readers that fail closed on any shape error.
bool Str(const json::object& o, const char* k, std::string* out) {
  const json::value* v = o.if_contains(k);
  if (v == nullptr || !v->is_string()) return false;
  *out = std::string(v->as_string());
  return true;
}
bool Bin(const json::object& o, const char* k, std::string* out) {
  std::string text;
  return Str(o, k, &text) && FromBase64(text, out);
}
bool Int(const json::object& o, const char* k, int64_t* out) {
  const json::value* v = o.if_contains(k);
  if (v == nullptr || !v->is_int64()) return false;
  *out = v->as_int64();
  return true;
}

}  // namespace

const StoredOfficer* SafeguardState::FindOfficer(std::string_view id) const {
  for (const StoredOfficer& o : officers)
    if (o.id == id) return &o;
  return nullptr;
}
StoredOfficer* SafeguardState::FindOfficer(std::string_view id) {
  for (StoredOfficer& o : officers)
    if (o.id == id) return &o;
  return nullptr;
}
const StoredCase* SafeguardState::FindCase(std::string_view id) const {
  for (const StoredCase& c : cases)
    if (c.id == id) return &c;
  return nullptr;
}
StoredCase* SafeguardState::FindCase(std::string_view id) {
  for (StoredCase& c : cases)
    if (c.id == id) return &c;
  return nullptr;
}

StatusOr<std::string> EncodeSafeguardFile(const SafeguardState& s, const SecretBytes& root) {
  json::object doc;
  doc["generation"] = s.generation;
  json::array officers;
  for (const StoredOfficer& o : s.officers) {
    officers.push_back(json::object{
        {"id", o.id},
        {"sign_key",
         ToBase64(std::string_view(reinterpret_cast<const char*>(o.keys.sign.data()), 32))},
        {"seal_key",
         ToBase64(std::string_view(reinterpret_cast<const char*>(o.keys.seal.data()), 32))},
        {"enrolled_at", o.enrolled_at},
        {"enrolled_by", o.enrolled_by},
        {"revoked_at", o.revoked_at}});
    if (o.compromised) officers.back().as_object()["compromised"] = true;
  }
  doc["officers"] = std::move(officers);
  VAULT_ASSIGN_OR_RETURN(SecretBytes key, FileKey(root));
  json::array cases;
  for (const StoredCase& c : s.cases) {
    std::string index_key;
    if (c.index_key != nullptr) {
      VAULT_ASSIGN_OR_RETURN(index_key, c.index_key->Seal(key, IndexKeyAd(c.id)));
    }
    json::array shares;
    for (const StoredShare& sh : c.shares) {
      shares.push_back(json::object{{"officer", sh.officer},
                                    {"x", sh.x},
                                    {"sealed", ToBase64(sh.sealed)},
                                    {"commitment", ToBase64(sh.commitment)}});
    }
    cases.push_back(json::object{{"id", c.id},
                                 {"state", c.state},
                                 {"reason", c.reason},
                                 {"opened_by", c.opened_by},
                                 {"opened_at", c.opened_at},
                                 {"released_at", c.released_at},
                                 {"public_key", ToBase64(c.public_key)},
                                 {"threshold", c.threshold},
                                 {"reshared_at", c.reshared_at},
                                 {"recovered_at", c.recovered_at},
                                 {"shares", std::move(shares)},
                                 {"index_key", ToBase64(index_key)}});
  }
  doc["cases"] = std::move(cases);
  std::string file = Header();
  VAULT_RETURN_IF_ERROR(aead::Seal(key, json::serialize(doc), Header(), &file));
  return file;
}

StatusOr<SafeguardState> DecodeSafeguardFile(std::string_view file, const SecretBytes& root) {
  if (file.size() < kHeaderBytes || std::memcmp(file.data(), kMagic, sizeof kMagic) != 0) {
    return Bad("not a safeguarding file");
  }
  if (GetU32(file.data() + 8) != kVersion) return Bad("unsupported version");
  VAULT_ASSIGN_OR_RETURN(SecretBytes key, FileKey(root));
  auto plain = aead::Open(key, file.substr(kHeaderBytes), file.substr(0, kHeaderBytes));
  if (!plain.ok()) return Bad("it does not open with this root key");
  boost::system::error_code ec;
  json::value v = json::parse(*plain, ec);
  if (ec || !v.is_object()) return Bad("not a JSON object");
  const json::object& doc = v.as_object();
  SafeguardState s;
  int64_t gen = 0;
  const json::value* officers = doc.if_contains("officers");
  const json::value* cases = doc.if_contains("cases");
  // A negative generation would come back as a uint64 the next decode refuses.
  if (!Int(doc, "generation", &gen) || gen < 0 || officers == nullptr || !officers->is_array() ||
      cases == nullptr || !cases->is_array()) {
    return Bad("missing fields");
  }
  s.generation = static_cast<uint64_t>(gen);
  for (const json::value& ov : officers->as_array()) {
    if (!ov.is_object()) return Bad("officer entry");
    const json::object& o = ov.as_object();
    StoredOfficer officer;
    std::string sign;
    std::string seal;
    int64_t by = 0;
    if (!Str(o, "id", &officer.id) || !Bin(o, "sign_key", &sign) || sign.size() != 32 ||
        !Bin(o, "seal_key", &seal) || seal.size() != 32 ||
        !Int(o, "enrolled_at", &officer.enrolled_at) || !Int(o, "enrolled_by", &by) ||
        !Int(o, "revoked_at", &officer.revoked_at)) {
      return Bad("officer entry");
    }
    std::memcpy(officer.keys.sign.data(), sign.data(), 32);
    std::memcpy(officer.keys.seal.data(), seal.data(), 32);
    officer.enrolled_by = static_cast<uint32_t>(by);
    if (const json::value* c = o.if_contains("compromised")) {
      if (!c->is_bool() || officer.revoked_at == 0) return Bad("officer entry");
      officer.compromised = c->as_bool();
    }
    s.officers.push_back(std::move(officer));
  }
  for (const json::value& cv : cases->as_array()) {
    if (!cv.is_object()) return Bad("case entry");
    const json::object& o = cv.as_object();
    StoredCase c;
    int64_t threshold = 0;
    const json::value* shares = o.if_contains("shares");
    if (!Str(o, "id", &c.id) || !Str(o, "state", &c.state) || !Str(o, "reason", &c.reason) ||
        !Str(o, "opened_by", &c.opened_by) || !Int(o, "opened_at", &c.opened_at) ||
        !Int(o, "released_at", &c.released_at) || !Bin(o, "public_key", &c.public_key) ||
        !Int(o, "threshold", &threshold) || shares == nullptr || !shares->is_array()) {
      return Bad("case entry");
    }
    if (threshold < 2 || threshold > 255) return Bad("case entry");
    c.threshold = static_cast<int>(threshold);
    // Absent from files written before cases could be reshared.
    if (o.contains("reshared_at") && !Int(o, "reshared_at", &c.reshared_at)) {
      return Bad("case entry");
    }
    // Absent from files written before cases could be recovered.
    if (o.contains("recovered_at") && !Int(o, "recovered_at", &c.recovered_at)) {
      return Bad("case entry");
    }
    // Absent from files written before cases had index keys.
    if (o.contains("index_key")) {
      std::string sealed;
      if (!Bin(o, "index_key", &sealed)) return Bad("case entry");
      if (!sealed.empty()) {
        StatusOr<CaseIndexKey> index_key = CaseIndexKey::Open(key, sealed, IndexKeyAd(c.id));
        if (!index_key.ok()) return Bad("a case's index key does not open");
        c.index_key = std::make_shared<const CaseIndexKey>(std::move(index_key).value());
      }
    }
    for (const json::value& shv : shares->as_array()) {
      if (!shv.is_object()) return Bad("share entry");
      const json::object& so = shv.as_object();
      StoredShare sh;
      int64_t x = 0;
      if (!Str(so, "officer", &sh.officer) || !Int(so, "x", &x) || x < 1 || x > 255 ||
          !Bin(so, "sealed", &sh.sealed) || !Bin(so, "commitment", &sh.commitment) ||
          sh.commitment.size() != 32) {
        return Bad("share entry");
      }
      sh.x = static_cast<uint8_t>(x);
      c.shares.push_back(std::move(sh));
    }
    s.cases.push_back(std::move(c));
  }
  return s;
}

StatusOr<std::unique_ptr<CaseStore>> CaseStore::Open(const std::string& path,
                                                     const RootKeyCustodian* custodian) {
  ::unlink((path + ".tmp").c_str());
  SafeguardState state;
  auto file = ReadSmallFile(path, kMaxFileBytes);
  if (file.ok()) {
    VAULT_ASSIGN_OR_RETURN(SecretBytes root, custodian->LoadRootKey());
    VAULT_ASSIGN_OR_RETURN(state, DecodeSafeguardFile(*file, root));
  } else if (file.status().code() != Status::Code::kNotFound) {
    return file.status();
  }
  return std::unique_ptr<CaseStore>(new CaseStore(path, custodian, std::move(state)));
}

Status CaseStore::Commit(SafeguardState next) {
  next.generation = state_.generation + 1;
  VAULT_ASSIGN_OR_RETURN(SecretBytes root, custodian_->LoadRootKey());
  VAULT_ASSIGN_OR_RETURN(std::string encoded, EncodeSafeguardFile(next, root));
  VAULT_RETURN_IF_ERROR(WriteFileAtomically(path_, encoded, 0600));
  state_ = std::move(next);
  return Status::OK();
}

}  // namespace vault::safeguard
