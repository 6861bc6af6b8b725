#include "vault/audit/record.h"

#include <cstring>

#include "vault/common/encoding.h"
#include "vault/crypto/hash.h"

namespace vault::audit {
namespace {

constexpr std::string_view kPersonal = "TV-audit-rec-v1";  // zero-padded to 16 bytes

}  // namespace

const char* RecordTypeName(RecordType t) {
  switch (t) {
    case RecordType::kGenesis: return "genesis";
    case RecordType::kSegment: return "segment";
    case RecordType::kAccess: return "access";
    case RecordType::kCheckpoint: return "checkpoint";
    case RecordType::kStart: return "start";
    case RecordType::kRecovery: return "recovery";
    case RecordType::kStop: return "stop";
  }
  return "unknown";
}

Hash HashBody(std::string_view body) {
  const std::string digest = Blake2b(kPersonal, body, kHashBytes);
  Hash h;
  std::memcpy(h.data(), digest.data(), kHashBytes);
  return h;
}

Hash EncodeRecord(const Record& r, std::string* out) {
  const size_t start = out->size();
  PutU32(out, static_cast<uint32_t>(kBodyHeaderBytes + r.payload.size()));
  out->push_back(static_cast<char>(kRecordVersion));
  out->push_back(static_cast<char>(r.type));
  PutU64(out, r.seq);
  PutU64(out, static_cast<uint64_t>(r.time_ms));
  out->append(reinterpret_cast<const char*>(r.prev.data()), r.prev.size());
  out->append(r.payload);
  const Hash h = HashBody(std::string_view(*out).substr(start + 4));
  out->append(reinterpret_cast<const char*>(h.data()), h.size());
  return h;
}

ParseResult DecodeRecord(std::string_view in, Record* r, Hash* hash, size_t* consumed,
                         std::string* why) {
  if (in.size() < 4) return ParseResult::kIncomplete;
  const uint32_t len = GetU32(in.data());
  if (len < kBodyHeaderBytes || len > kBodyHeaderBytes + kMaxPayloadBytes) {
    *why = "record length " + std::to_string(len) + " is out of range";
    return ParseResult::kBad;
  }
  if (in.size() < 4 + static_cast<size_t>(len) + kHashBytes) return ParseResult::kIncomplete;
  const std::string_view body = in.substr(4, len);
  const Hash h = HashBody(body);
  if (std::memcmp(h.data(), in.data() + 4 + len, kHashBytes) != 0) {
    *why = "record hash does not match its contents";
    return ParseResult::kBad;
  }
  if (static_cast<uint8_t>(body[0]) != kRecordVersion) {
    *why = "unknown record version";
    return ParseResult::kBad;
  }
  const uint8_t type = static_cast<uint8_t>(body[1]);
  if (type < 1 || type > 7) {
    *why = "unknown record type " + std::to_string(type);
    return ParseResult::kBad;
  }
  r->type = static_cast<RecordType>(type);
  r->seq = GetU64(body.data() + 2);
  r->time_ms = static_cast<UnixMillis>(GetU64(body.data() + 10));
  std::memcpy(r->prev.data(), body.data() + 18, kHashBytes);
  r->payload.assign(body.substr(kBodyHeaderBytes));
  *hash = h;
  *consumed = 4 + len + kHashBytes;
  return ParseResult::kOk;
}

std::string HashHex(const Hash& h) {
  return ToHex(std::string_view(reinterpret_cast<const char*>(h.data()), h.size()));
}

}  // namespace vault::audit
