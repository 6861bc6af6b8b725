// Audit records: framing, hashing and the chain rule. Spec:
// docs/formats/audit-log.md, "Records". An independent verifier needs only that
// document.
//
//   record  = len:u32be body hash:32
//   body    = version:u8(=1) type:u8 seq:u64be time_ms:i64be prev:32 payload
//   hash    = BLAKE2b-256(body, personal "TV-audit-rec-v1\0")
//   payload = UTF-8 JSON object (type-specific fields), <= kMaxPayloadBytes
//
// The chain: record n's `prev` is record n-1's hash (zeros for record 0);
// `seq` increases by exactly one; `time_ms` never decreases.
//
// Thread safety: stateless functions.
#ifndef VAULT_AUDIT_RECORD_H_
#define VAULT_AUDIT_RECORD_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "vault/clock.h"
#include "vault/status.h"

namespace vault::audit {

constexpr uint8_t kRecordVersion = 1;
constexpr size_t kHashBytes = 32;
constexpr size_t kBodyHeaderBytes = 1 + 1 + 8 + 8 + kHashBytes;  // 50
constexpr size_t kMaxPayloadBytes = 16 * 1024;
constexpr size_t kMaxRecordBytes = 4 + kBodyHeaderBytes + kMaxPayloadBytes + kHashBytes;

using Hash = std::array<uint8_t, kHashBytes>;

enum class RecordType : uint8_t {
  kGenesis = 1,     // first record of the log: pins nothing, names the first key
  kSegment = 2,     // first record of every later segment file
  kAccess = 3,      // one access (or attempted access) to the vault
  kCheckpoint = 4,  // a signed note over everything before it
  kStart = 5,       // the daemon started (after a clean stop or a crash)
  kRecovery = 6,    // a torn tail was cut off at start-up
  kStop = 7,        // clean shutdown
};
const char* RecordTypeName(RecordType t);

struct Record {
  RecordType type = RecordType::kAccess;
  uint64_t seq = 0;
  UnixMillis time_ms = 0;
  Hash prev{};
  std::string payload;  // JSON object text
};

// BLAKE2b-256 of `body` under the record personalisation.
Hash HashBody(std::string_view body);
// Appends the framed record to *out and returns its hash.
Hash EncodeRecord(const Record& r, std::string* out);

// Result of reading one framed record from the front of `in`.
enum class ParseResult { kOk, kIncomplete, kBad };
// On kOk fills *r, *hash and *consumed. kIncomplete: `in` ends inside the
// record (a torn tail). kBad: malformed framing or a hash mismatch; *why says
// which.
ParseResult DecodeRecord(std::string_view in, Record* r, Hash* hash, size_t* consumed,
                         std::string* why);

std::string HashHex(const Hash& h);

}  // namespace vault::audit

#endif  // VAULT_AUDIT_RECORD_H_
