// Record formats: the plaintexts that are sealed under a transcript's DEK,
// and the associated data that binds each to its place (the keys are in
// vault/storage/schema.h). Spec: docs/formats/rocksdb-schema.md.
// Changing a layout needs a new version byte.
#ifndef VAULT_CORE_RECORDS_H_
#define VAULT_CORE_RECORDS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vault/status.h"
#include "vault/storage/schema.h"
#include "vault/types.h"

namespace vault {

constexpr uint8_t kRecordVersion = 1;
// A state record that lists restrictions.
constexpr uint8_t kStateVersionRestricted = 2;
// A state record with the facts statistics count at close (every state
// written since statistics; versions 1 and 2 are still read).
constexpr uint8_t kStateVersionActivity = 3;
// Version 3 followed by the seq bound (StateRecord::seq_bound): every state
// written since 2026-12-05 whose transcript's bound is known.
constexpr uint8_t kStateVersionSeqBound = 4;
// At most this many restrictions on one transcript.
constexpr size_t kMaxRestrictions = 64;

// Associated data: "TV-rec-v1" NUL version kind id(16) seq(8 BE); a
// statement's (StatementAd) has one byte more. Built in place: sealing or
// opening a record allocates nothing for it (a read opens one per message).
// Pass it where a std::string_view is taken; it must outlive that use.
class RecordAd {
 public:
  RecordAd(std::string_view id, RecordKind kind, uint64_t seq);

  void Append(uint8_t byte);
  std::string_view view() const {
    return spill_.empty() ? std::string_view(bytes_, size_) : std::string_view(spill_);
  }
  operator std::string_view() const { return view(); }  // NOLINT: used as the AD itself

 private:
  // The prefix, version, kind, a 16-byte id, seq and a statement's byte
  // take 37 bytes; an id longer than 43 bytes spills to the heap.
  static constexpr size_t kInline = 64;
  char bytes_[kInline];
  size_t size_ = 0;
  std::string spill_;
};

// The mutable per-transcript state (sealed, kind kState, seq 0).
struct StateRecord {
  std::string service;
  TranscriptState state = TranscriptState::kOpen;
  UnixMillis created_at = 0;
  UnixMillis closed_at = 0;
  UnixMillis last_activity = 0;
  UnixMillis expires_at = 0;
  uint64_t message_count = 0;
  // The rights-register entries (raw ids, kIdBytes each) that restrict it
  // (docs/data-protection.md); empty: not restricted. Written as state
  // version 2, and as version 1 when empty.
  std::vector<std::string> restrictions;
  bool restricted() const { return !restrictions.empty(); }

  // What statistics count at close (vault/stats/day_counts.h), kept in the
  // transcript's own sealed state and shredded with it. activity_known is
  // false for a chat opened before statistics (it is not counted).
  bool activity_known = false;
  uint64_t visitor_messages = 0;
  uint64_t agent_messages = 0;
  uint64_t system_messages = 0;
  UnixMillis first_agent_at = 0;  // vault time of the first agent message; 0: none
  uint8_t device_class = 3;       // stats::DeviceClass, at open
  bool returning = false;         // the visitor had another transcript of the service at open
  bool counted = false;           // counted in the statistics at its close
  bool form_submitted = false;    // its monitoring form was counted (once only)

  // One more than the highest seq stored in the transcript, 0 when none is:
  // an append of a seq at or above it cannot be a retry, so it needs no
  // look-up of a stored message (docs/performance.md, section 10.3).
  // Unknown for a transcript opened before state version 4: its appends
  // always look (written as version 3 until then).
  bool seq_bound_known = false;
  uint64_t seq_bound = 0;
};

std::string EncodeState(const StateRecord& r);
StatusOr<StateRecord> DecodeState(std::string_view plain);
std::string EncodeVisitor(const Visitor& v);
StatusOr<Visitor> DecodeVisitor(std::string_view plain);
std::string EncodeMessage(const Message& m);  // seq lives in the key and AD
// A supplementary statement (kind kStatement): version, added_at, text.
// Its associated data is RecordAd(id, kStatement, seq) followed by n.
std::string EncodeStatement(const Statement& s);
// A statement's text (a view into `plain`) and when it was added.
struct StatementView {
  std::string_view text;
  UnixMillis added_at = 0;
};
StatusOr<StatementView> DecodeStatementView(std::string_view plain);
RecordAd StatementAd(std::string_view id, uint64_t seq, uint8_t n);
// At most this many statements on one message.
constexpr size_t kMaxStatementsPerMessage = 16;
// A message record's fields: `sent_at` and `text` point into `plain`, and
// `from` is a constant ("visitor", "agent" or "system"); its seq is in the
// key and the associated data.
struct MessageView {
  std::string_view from;
  std::string_view text;
  std::string_view sent_at;
};
StatusOr<MessageView> DecodeMessageView(std::string_view plain);

}  // namespace vault

#endif  // VAULT_CORE_RECORDS_H_
