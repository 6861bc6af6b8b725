// Record formats: the plaintexts that are sealed under a transcript's DEK,
// and the associated data that binds each to its place (the keys are in
// vault/storage/schema.h). Spec: docs/formats/rocksdb-schema.md.
// Changing a layout needs a new version byte.
#ifndef VAULT_CORE_RECORDS_H_
#define VAULT_CORE_RECORDS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "vault/status.h"
#include "vault/storage/schema.h"
#include "vault/types.h"

namespace vault {

constexpr uint8_t kRecordVersion = 1;

// Associated data: "TV-rec-v1" NUL version kind id(16) seq(8 BE).
std::string RecordAd(std::string_view id, RecordKind kind, uint64_t seq);

// The mutable per-transcript state (sealed, kind kState, seq 0).
struct StateRecord {
  std::string service;
  TranscriptState state = TranscriptState::kOpen;
  UnixMillis created_at = 0;
  UnixMillis closed_at = 0;
  UnixMillis last_activity = 0;
  UnixMillis expires_at = 0;
  uint64_t message_count = 0;
};

std::string EncodeState(const StateRecord& r);
StatusOr<StateRecord> DecodeState(std::string_view plain);
std::string EncodeVisitor(const Visitor& v);
StatusOr<Visitor> DecodeVisitor(std::string_view plain);
std::string EncodeMessage(const Message& m);  // seq lives in the key and AD
StatusOr<Message> DecodeMessage(std::string_view plain, uint64_t seq);

}  // namespace vault

#endif  // VAULT_CORE_RECORDS_H_
