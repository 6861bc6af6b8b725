#include "vault/storage/schema.h"

namespace vault {

std::string TranscriptKey(std::string_view id, RecordKind kind) {
  std::string k(id);
  k.push_back(static_cast<char>(kind));
  return k;
}

std::string MessageKey(std::string_view id, uint64_t seq) {
  std::string k(id);
  PutU64(&k, seq);
  return k;
}

std::string StatementKey(std::string_view id, uint64_t seq, uint8_t n) {
  std::string k = MessageKey(id, seq);
  k.push_back(static_cast<char>(n));
  return k;
}

std::string ExpiryKey(uint64_t epoch, std::string_view id) {
  std::string k;
  PutU64(&k, epoch);
  k.append(id);
  return k;
}

bool ParseId(std::string_view text, std::string* raw) {
  return text.size() == 2 * kIdBytes && FromHex(text, raw);
}

}  // namespace vault
