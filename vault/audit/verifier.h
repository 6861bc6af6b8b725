// Offline verification of an audit directory: needs the segment files and the
// pinned first public key, nothing else (no daemon, no keyring, no root key).
// The rules it enforces are those of docs/audit-format.md, "Verification".
//
// Thread safety: stateless.
#ifndef VAULT_AUDIT_VERIFIER_H_
#define VAULT_AUDIT_VERIFIER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "vault/audit/note.h"
#include "vault/audit/record.h"

namespace vault::audit {

struct VerifyOptions {
  PublicKey pinned_key{};
  // Signed notes the auditor kept from earlier runs or shipped off the host.
  // Each is canonicalised first: CRLF line ends become LF, and any number of
  // final newlines (or none) becomes exactly one.
  std::vector<std::string> kept_checkpoints;
  // Optional names for them (file names), used in messages.
  std::vector<std::string> kept_checkpoint_names;
  // Longest allowed time between consecutive checkpoints without a daemon
  // restart in between. 0: twice the interval named in the genesis record.
  int64_t max_gap_ms = 0;
};

struct VerifyReport {
  bool ok = false;
  std::string origin;
  uint64_t records = 0;       // records [0, records) passed every check
  uint64_t checkpoints = 0;
  uint64_t sealed = 0;        // records [0, sealed) covered by the last valid checkpoint,
                              // which is record `sealed` itself (0: no checkpoint)
  uint64_t segments = 0;
  uint64_t restarts = 0;      // start records
  uint64_t recoveries = 0;    // torn tails cut at start-up
  uint64_t next_key_index = 0;
  UnixMillis first_time = 0;
  UnixMillis last_time = 0;
  UnixMillis last_checkpoint_time = 0;  // the last valid checkpoint's own time_ms
  uint64_t kept_checkpoints = 0;        // kept notes checked (on success)
  // On failure: a stable code, a message, and where.
  std::string error_code;
  std::string error;
  int64_t bad_seq = -1;
  uint64_t bad_segment = 0;
  uint64_t bad_offset = 0;
};

VerifyReport VerifyDirectory(const std::string& dir, const VerifyOptions& options);

}  // namespace vault::audit

#endif  // VAULT_AUDIT_VERIFIER_H_
