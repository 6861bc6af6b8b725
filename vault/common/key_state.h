// Key states and the audit records of their transitions.
//
// Every key the vault holds has one of the states of NIST SP 800-57 Part 1
// (section 7): pre-active, active, deactivated, compromised, destroyed. The
// record of each transition is the audit record of the action that causes it,
// which names the transitions in its `keys` detail (FormatKeyTransitions), so
// an auditor lists every key's states from the log alone (`vault-audit keys`).
// The kinds, their ids and which action moves each of them:
// docs/design.md, section 4.5; the grammar: docs/audit-format.md.
//
// Thread safety: stateless functions.
#ifndef VAULT_COMMON_KEY_STATE_H_
#define VAULT_COMMON_KEY_STATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vault {

enum class KeyState : uint8_t { kPreActive, kActive, kDeactivated, kCompromised, kDestroyed };

enum class KeyKind : uint8_t {
  kRoot,          // id: the root key's fingerprint (32 hex digits)
  kEpoch,         // id: the epoch, an inclusive range "first-last", or "first-" (and every later)
  kAuditSigning,  // id: the signing key's index (from genesis and checkpoint records)
  kCase,          // id: the case id (its key pair and its visitor-index key)
  kCaseShares,    // id: "<case id>@<dealt at, Unix ms>": one dealing of a case's shares
  kOfficer,       // id: the officer id (the enrolled public keys)
};

std::string_view KeyStateName(KeyState s);  // "pre-active", "active", ...
std::optional<KeyState> ParseKeyState(std::string_view name);
std::string_view KeyKindName(KeyKind k);    // "root", "epoch", "audit-signing", ...
std::optional<KeyKind> ParseKeyKind(std::string_view name);

// The transitions the vault makes. Every state may become compromised
// except destroyed; only destroyed is final. Active keys may be destroyed
// directly: an epoch key, a case key or a dealing of shares is destroyed the
// moment its last use ends, which is what crypto-shredding is.
bool IsAllowedTransition(KeyState from, KeyState to);

struct KeyTransition {
  KeyKind kind;
  std::string id;
  KeyState from;
  KeyState to;
};

// The audit detail that carries them.
inline constexpr char kKeysDetail[] = "keys";

// "kind:id:from>to" joined with ";", e.g.
// "epoch:491000-491004:active>destroyed;epoch:491725-491729:pre-active>active".
std::string FormatKeyTransitions(const std::vector<KeyTransition>& transitions);
// The inverse; false (and `why`) on anything malformed, including an unknown
// kind or state, an id that does not fit its kind, or a transition that
// IsAllowedTransition refuses.
bool ParseKeyTransitions(std::string_view text, std::vector<KeyTransition>* out,
                         std::string* why);

// Ids.
inline constexpr uint64_t kEveryLaterEpoch = UINT64_MAX;
// "7", "7-9", or with last == kEveryLaterEpoch "7-".
std::string EpochRangeId(uint64_t first, uint64_t last);
// Parses an epoch id ("7-" gives last = kEveryLaterEpoch); false if
// malformed or last <= first in a range.
bool ParseEpochRange(std::string_view id, uint64_t* first, uint64_t* last);
std::string ShareDealingId(std::string_view case_id, int64_t dealt_at_ms);

}  // namespace vault

#endif  // VAULT_COMMON_KEY_STATE_H_
