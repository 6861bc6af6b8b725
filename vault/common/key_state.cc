#include "vault/common/key_state.h"

#include <array>
#include <charconv>

#include "vault/common/encoding.h"

namespace vault {
namespace {

constexpr std::array<std::string_view, 5> kStateNames = {"pre-active", "active", "deactivated",
                                                         "compromised", "destroyed"};
constexpr std::array<std::string_view, 6> kKindNames = {"root",  "epoch",       "audit-signing",
                                                        "case",  "case-shares", "officer"};

bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

bool ValidId(KeyKind kind, std::string_view id) {
  switch (kind) {
    case KeyKind::kRoot:
      return IsLowerHex(id, 32);
    case KeyKind::kEpoch: {
      uint64_t a = 0, b = 0;
      return ParseEpochRange(id, &a, &b);
    }
    case KeyKind::kAuditSigning: {
      uint64_t n = 0;
      return ParseU64(id, &n);
    }
    case KeyKind::kCase:
      return IsValidName(id, true);
    case KeyKind::kOfficer:
      return IsValidName(id, false);
    case KeyKind::kCaseShares: {
      const size_t at = id.rfind('@');
      uint64_t ms = 0;
      return at != std::string_view::npos && IsValidName(id.substr(0, at), true) &&
             ParseU64(id.substr(at + 1), &ms);
    }
  }
  return false;
}

}  // namespace

std::string_view KeyStateName(KeyState s) { return kStateNames[static_cast<size_t>(s)]; }

std::optional<KeyState> ParseKeyState(std::string_view name) {
  for (size_t i = 0; i < kStateNames.size(); ++i) {
    if (kStateNames[i] == name) return static_cast<KeyState>(i);
  }
  return std::nullopt;
}

std::string_view KeyKindName(KeyKind k) { return kKindNames[static_cast<size_t>(k)]; }

std::optional<KeyKind> ParseKeyKind(std::string_view name) {
  for (size_t i = 0; i < kKindNames.size(); ++i) {
    if (kKindNames[i] == name) return static_cast<KeyKind>(i);
  }
  return std::nullopt;
}

bool IsAllowedTransition(KeyState from, KeyState to) {
  switch (from) {
    case KeyState::kPreActive:
      return to == KeyState::kActive || to == KeyState::kCompromised || to == KeyState::kDestroyed;
    case KeyState::kActive:
      return to == KeyState::kDeactivated || to == KeyState::kCompromised ||
             to == KeyState::kDestroyed;
    case KeyState::kDeactivated:
      return to == KeyState::kCompromised || to == KeyState::kDestroyed;
    case KeyState::kCompromised:
      return to == KeyState::kDestroyed;
    case KeyState::kDestroyed:
      return false;
  }
  return false;
}

std::string FormatKeyTransitions(const std::vector<KeyTransition>& transitions) {
  std::string out;
  for (const KeyTransition& t : transitions) {
    if (!out.empty()) out += ';';
    out.append(KeyKindName(t.kind)).append(":").append(t.id).append(":");
    out.append(KeyStateName(t.from)).append(">").append(KeyStateName(t.to));
  }
  return out;
}

bool ParseKeyTransitions(std::string_view text, std::vector<KeyTransition>* out,
                         std::string* why) {
  out->clear();
  if (text.empty()) {
    *why = "no transition";
    return false;
  }
  while (true) {
    const size_t end = text.find(';');
    const std::string_view item = text.substr(0, end);
    const size_t c1 = item.find(':');
    const size_t c2 = c1 == std::string_view::npos ? c1 : item.find(':', c1 + 1);
    const size_t gt = c2 == std::string_view::npos ? c2 : item.find('>', c2 + 1);
    if (gt == std::string_view::npos) {
      *why = "not kind:id:from>to: " + std::string(item);
      return false;
    }
    const std::optional<KeyKind> kind = ParseKeyKind(item.substr(0, c1));
    const std::string_view id = item.substr(c1 + 1, c2 - c1 - 1);
    const std::optional<KeyState> from = ParseKeyState(item.substr(c2 + 1, gt - c2 - 1));
    const std::optional<KeyState> to = ParseKeyState(item.substr(gt + 1));
    if (!kind || !from || !to) {
      *why = "unknown kind or state: " + std::string(item);
      return false;
    }
    if (!ValidId(*kind, id)) {
      *why = "malformed id for its kind: " + std::string(item);
      return false;
    }
    if (!IsAllowedTransition(*from, *to)) {
      *why = "a transition no key makes: " + std::string(item);
      return false;
    }
    out->push_back({*kind, std::string(id), *from, *to});
    if (end == std::string_view::npos) return true;
    text.remove_prefix(end + 1);
  }
}

std::string EpochRangeId(uint64_t first, uint64_t last) {
  if (first == last) return std::to_string(first);
  if (last == kEveryLaterEpoch) return std::to_string(first) + "-";
  return std::to_string(first) + "-" + std::to_string(last);
}

bool ParseEpochRange(std::string_view id, uint64_t* first, uint64_t* last) {
  const size_t dash = id.find('-');
  if (dash == std::string_view::npos) {
    if (!ParseU64(id, first)) return false;
    *last = *first;
    return true;
  }
  if (!ParseU64(id.substr(0, dash), first)) return false;
  if (dash + 1 == id.size()) {
    *last = kEveryLaterEpoch;
    return true;
  }
  return ParseU64(id.substr(dash + 1), last) && *last > *first && *last != kEveryLaterEpoch;
}

std::string ShareDealingId(std::string_view case_id, int64_t dealt_at_ms) {
  return std::string(case_id) + "@" + std::to_string(dealt_at_ms);
}

}  // namespace vault
