#include "vault/index/identifiers.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

namespace vault {
namespace {

constexpr size_t kMaxRefBytes = 256;
constexpr size_t kMaxEmailBytes = 254;  // RFC 5321's path limit less the brackets
constexpr size_t kMaxEmailLocalBytes = 64;
constexpr size_t kMinPhoneDigits = 3;   // short codes, e.g. 116 123
constexpr size_t kMaxPhoneDigits = 15;  // ITU-T E.164
constexpr size_t kMaxPhoneBytes = 32;
constexpr size_t kMaxIpBytes = 64;

bool IsSpace(char c) { return c == ' ' || c == '\t'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

Status Invalid(const char* what, const char* reason) {
  return Status::InvalidArgument(what, reason);
}

bool IsEmailLocalChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || std::strchr("!#$%&'*+/=?^_`{|}~.-", c) != nullptr ||
         c >= 0x80;  // UTF-8 (RFC 6531)
}

bool IsDomainChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c >= 0x80;
}

}  // namespace

const char* IdentifierKindName(IdentifierKind kind) {
  switch (kind) {
    case IdentifierKind::kRef: return "ref";
    case IdentifierKind::kEmail: return "email";
    case IdentifierKind::kPhone: return "phone";
    case IdentifierKind::kIp: return "ip";
  }
  return "unknown";
}

StatusOr<std::string> NormaliseRef(std::string_view ref) {
  ref = Trim(ref);
  if (ref.empty() || ref.size() > kMaxRefBytes) {
    return Invalid("a visitor reference must be 1 to 256 bytes", "invalid_ref");
  }
  for (unsigned char c : ref) {
    if (c < 0x20 || c == 0x7f) return Invalid("a visitor reference has a control character", "invalid_ref");
  }
  return std::string(ref);
}

StatusOr<std::string> NormaliseEmail(std::string_view email) {
  email = Trim(email);
  if (email.empty() || email.size() > kMaxEmailBytes) {
    return Invalid("an email address must be 3 to 254 bytes", "invalid_email");
  }
  std::string out(email);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  const size_t at = out.rfind('@');
  if (at == std::string::npos || at == 0 || at > kMaxEmailLocalBytes || at + 1 == out.size()) {
    return Invalid("an email address must be local-part@domain", "invalid_email");
  }
  const std::string_view local(out.data(), at);
  const std::string_view domain(out.data() + at + 1, out.size() - at - 1);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos ||
      !std::all_of(local.begin(), local.end(), [](char c) { return IsEmailLocalChar(c); })) {
    return Invalid("an email address has a malformed local part", "invalid_email");
  }
  if (domain.find('.') == std::string_view::npos || domain.front() == '.' ||
      domain.back() == '.' || domain.front() == '-' || domain.find("..") != std::string_view::npos ||
      !std::all_of(domain.begin(), domain.end(), [](char c) { return IsDomainChar(c); })) {
    return Invalid("an email address has a malformed domain", "invalid_email");
  }
  return out;
}

StatusOr<std::string> NormalisePhone(std::string_view phone) {
  phone = Trim(phone);
  if (phone.empty() || phone.size() > kMaxPhoneBytes) {
    return Invalid("a phone number must be 3 to 15 digits", "invalid_phone");
  }
  std::string out;
  if (phone.front() == '+') {
    out.push_back('+');
    phone.remove_prefix(1);
  }
  for (char c : phone) {
    if (c >= '0' && c <= '9') {
      out.push_back(c);
    } else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')') {
      return Invalid("a phone number may hold digits, a leading +, spaces, dots, dashes and brackets",
                     "invalid_phone");
    }
  }
  const size_t digits = out.size() - (out.front() == '+' ? 1 : 0);
  if (digits < kMinPhoneDigits || digits > kMaxPhoneDigits) {
    return Invalid("a phone number must be 3 to 15 digits", "invalid_phone");
  }
  return out;
}

StatusOr<std::string> NormaliseIp(std::string_view ip) {
  ip = Trim(ip);
  if (ip.empty() || ip.size() > kMaxIpBytes) return Invalid("not an IPv4 or IPv6 address", "invalid_ip");
  const std::string text(ip);
  unsigned char bytes[16];
  char out[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET, text.c_str(), bytes) == 1) {
    if (inet_ntop(AF_INET, bytes, out, sizeof(out)) == nullptr) return Invalid("bad address", "invalid_ip");
    return std::string(out);
  }
  if (inet_pton(AF_INET6, text.c_str(), bytes) == 1) {
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::memcmp(bytes, kMapped, sizeof(kMapped)) == 0) {
      if (inet_ntop(AF_INET, bytes + 12, out, sizeof(out)) == nullptr) {
        return Invalid("bad address", "invalid_ip");
      }
      return std::string(out);
    }
    if (inet_ntop(AF_INET6, bytes, out, sizeof(out)) == nullptr) return Invalid("bad address", "invalid_ip");
    return std::string(out);
  }
  return Invalid("not an IPv4 or IPv6 address", "invalid_ip");
}

namespace {

StatusOr<std::string> NormalForm(IdentifierKind kind, std::string_view value) {
  switch (kind) {
    case IdentifierKind::kRef: return NormaliseRef(value);
    case IdentifierKind::kEmail: return NormaliseEmail(value);
    case IdentifierKind::kPhone: return NormalisePhone(value);
    case IdentifierKind::kIp: return NormaliseIp(value);
  }
  return Status::InvalidArgument("unknown identifier", "invalid_identifier");
}

}  // namespace

StatusOr<Identifier> NormaliseIdentifier(IdentifierKind kind, std::string_view value) {
  StatusOr<std::string> normal = NormalForm(kind, value);
  if (!normal.ok()) return normal.status();
  return Identifier{kind, std::move(normal).value()};
}

Status ValidateVisitorIdentifiers(const Visitor& v) {
  if (v.email.has_value()) {
    auto email = NormaliseEmail(*v.email);
    if (!email.ok()) return email.status();
  }
  if (v.phone.has_value()) {
    auto phone = NormalisePhone(*v.phone);
    if (!phone.ok()) return phone.status();
  }
  return Status::OK();
}

std::vector<Identifier> IndexedIdentifiers(const Visitor& v) {
  std::vector<Identifier> out;
  out.reserve(4);
  const std::pair<IdentifierKind, const std::optional<std::string>*> fields[] = {
      {IdentifierKind::kRef, &v.ref},
      {IdentifierKind::kEmail, &v.email},
      {IdentifierKind::kPhone, &v.phone},
      {IdentifierKind::kIp, &v.ip},
  };
  for (const auto& [kind, field] : fields) {
    if (!field->has_value()) continue;
    auto id = NormaliseIdentifier(kind, **field);
    if (id.ok()) out.push_back(std::move(id).value());
  }
  return out;
}

void AppendIdentifierTagInput(const Identifier& id, std::string* out) {
  out->push_back(static_cast<char>(id.kind));
  out->append(id.value);
}

std::string IdentifierTagInput(const Identifier& id) {
  std::string in;
  AppendIdentifierTagInput(id, &in);
  return in;
}

}  // namespace vault
