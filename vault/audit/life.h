// A transcript's life, read from a verified audit log alone
// (docs/audit-format.md, section 9.4): when it was opened and closed, every
// access and refusal that names it, its holds, unseals and release, every
// epoch its key was wrapped under, and when that key was destroyed (the
// retention.advance past its epoch) or the transcript erased, each with the
// record number.
//
// TranscriptLife reads records [0, records) of `dir`; the caller verifies
// them first (VerifyDirectory) and passes the verified count. Access payloads
// are read in the dialect of json_strict.h; a record that names the
// transcript but is not well formed cannot occur in a verified log.
//
// Thread safety: stateless functions.
#ifndef VAULT_AUDIT_LIFE_H_
#define VAULT_AUDIT_LIFE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/clock.h"
#include "vault/status.h"

namespace vault::audit {

struct LifeEvent {
  uint64_t seq = 0;
  UnixMillis time = 0;
  std::string text;  // one line, without the record number and time
};

struct LifeMark {
  uint64_t seq = 0;
  UnixMillis time = 0;
  std::string note;
};

struct LifeReport {
  std::string id;
  uint64_t records = 0;  // records read: [0, records)
  std::vector<LifeEvent> events;
  std::optional<LifeMark> opened, closed, held, released, erased, key_destroyed;
  std::optional<uint64_t> key_epoch;  // the last epoch its key was wrapped under
  std::string expires_at;             // the last expiry recorded (RFC 3339), or ""
  // "live", "held", "key destroyed", "erased", or "not in the log".
  std::string fate;
};

// `id` must be 32 lowercase hex digits (InvalidArgument otherwise).
StatusOr<LifeReport> TranscriptLife(const std::string& dir, std::string_view id,
                                    uint64_t records);
// Several lines, each ending in a newline.
std::string LifeText(const LifeReport& r);

}  // namespace vault::audit

#endif  // VAULT_AUDIT_LIFE_H_
