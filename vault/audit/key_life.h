// Every key's states, read from a verified audit log alone (`vault-audit
// keys`; docs/audit-format.md, section 9.5): the transitions the vault
// recorded in the `keys` detail of its access records (key_state.h), and the
// audit signing keys' own, from the genesis record (key 0 active) and each
// checkpoint (signed by key i, after which key i is destroyed and key i + 1
// active). Each transition is checked against the key's state before it: a
// key that changes state from one it was not in, an epoch destroyed twice or
// skipped, a transition IsAllowedTransition refuses, or a malformed `keys`
// detail is a problem, reported with its record number.
//
// KeyLives reads records [0, records) of `dir`; the caller verifies them first.
//
// Thread safety: stateless functions.
#ifndef VAULT_AUDIT_KEY_LIFE_H_
#define VAULT_AUDIT_KEY_LIFE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vault/clock.h"
#include "vault/common/key_state.h"
#include "vault/status.h"

namespace vault::audit {

struct KeyEvent {
  uint64_t seq = 0;
  UnixMillis time = 0;
  std::string id;  // for epochs, the range
  KeyState from = KeyState::kPreActive;
  KeyState to = KeyState::kPreActive;
  std::string action;  // the record's action, or "genesis" / "checkpoint"
};

struct KeyHistory {
  KeyState state = KeyState::kPreActive;
  std::vector<KeyEvent> events;
};

struct KeyReport {
  uint64_t records = 0;  // records read: [0, records)
  // Every key but the epoch keys, by kind and id.
  std::map<std::pair<KeyKind, std::string>, KeyHistory> keys;
  // The epoch keys, by range: created active from `epochs_from` (if the log
  // holds the vault's creation), destroyed below `epochs_destroyed_below`.
  std::optional<uint64_t> epochs_from;
  std::optional<uint64_t> epochs_destroyed_below;
  std::vector<KeyEvent> epoch_events;
  std::vector<std::string> problems;  // "record N: ..."
};

StatusOr<KeyReport> KeyLives(const std::string& dir, uint64_t records);

// A case's latest dealing as a log records it (a recovery's check, docs/
// design.md section 23.8): the `dealing` detail of its last successful
// case.open, case.reshare, case.recover or case.share_export record (an
// export names the dealing the vault had committed, so it supersedes a
// reshare record whose shares never took effect), and whether a successful
// case.release follows it.
struct CaseDealingRecord {
  bool found = false;    // the log holds a dealing record of the case
  std::string digest;    // its `dealing` detail; empty if it has none (older vaults)
  uint64_t seq = 0;      // that record
  bool released = false;
};
// Verifies the log in `dir` against `pinned_key` (the vault's id: its
// genesis key, base64) first: InvalidArgument "invalid_vault_id" if the key
// does not parse; FailedPrecondition "audit_log_invalid" (the verifier's
// code and message) if the log does not verify.
StatusOr<CaseDealingRecord> LatestCaseDealing(const std::string& dir, std::string_view pinned_key,
                                              std::string_view case_id);
// Several lines, each ending in a newline.
std::string KeyLivesText(const KeyReport& r);

}  // namespace vault::audit

#endif  // VAULT_AUDIT_KEY_LIFE_H_
