// HoldHost: what legal hold (vault/hold/legal_hold.h) asks of the vault it
// serves. VaultImpl implements it privately, as it implements RetentionHost.
//
// Legal hold owns officers, cases, requests and the holds column of the
// store; a transcript's key, state, records, counters and the audit log's
// callers belong to the transcript path, and are reached only through here.
//
// Thread safety: every method may be called from any thread. Methods marked
// "under the transcript's lock" must be called holding TranscriptMutex() of
// that transcript; the lock order is the shredder's run mutex, then legal
// hold's mutex, then a transcript's.
#ifndef VAULT_HOLD_HOLD_HOST_H_
#define VAULT_HOLD_HOLD_HOST_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vault/access.h"
#include "vault/clock.h"
#include "vault/common/stripe_mutex.h"
#include "vault/common/thread_annotations.h"
#include "vault/crypto/secret.h"
#include "vault/status.h"
#include "vault/types.h"

namespace vault {

class CaseIndexKey;
class Store;
class WriteBatch;

using AuditDetails = std::vector<std::pair<std::string, std::string>>;

// Where an audit record went: its sequence number, its time and its hash
// (hex), as an executed request reports them.
struct AuditStamp {
  uint64_t seq = 0;
  UnixMillis time = 0;
  std::string hash;
};

// A transcript that may be put on hold: its DEK, the epoch its wrapped key
// is filed under, whether it is closed, and its service.
struct HoldCandidate {
  std::string raw_id;
  uint64_t key_epoch = 0;
  SecretBytes dek;
  bool closed = false;
  std::string service;
};

// A case's latest dealing as another vault's verified audit log records it
// (a recovery's check; vault/audit/key_life.h).
struct LoggedDealing {
  bool found = false;   // the log holds a case.open, case.reshare or case.recover of the case
  std::string digest;   // that record's `dealing` detail ("" in logs of older vaults)
  uint64_t seq = 0;
  bool released = false;  // a case.release follows it
};

// What a release did to a transcript.
enum class ReleaseFate { kReturned, kDestroyed };

class HoldHost {
 public:
  virtual ~HoldHost() = default;

  // Appends an access record for `caller`. Unavailable "audit_unavailable"
  // if it cannot be made durable: the step must then not happen (fail
  // closed). With `stamp`, the record is read back into it.
  virtual Status AuditCaller(const Caller& caller, std::string_view action,
                             std::string_view object_id, std::string_view outcome,
                             AuditDetails details = {}, AuditStamp* stamp = nullptr) = 0;

  // The lock that serialises read-modify-write of transcript `raw_id`.
  virtual StripeMutex* TranscriptMutex(std::string_view raw_id) = 0;
  // Under the transcript's lock: its key and state, as the transcript path
  // loads them (NotFound, Gone "expired"/"erased", FailedPrecondition
  // "legal_hold", ... otherwise).
  virtual StatusOr<HoldCandidate> LoadForHold(std::string_view id) = 0;
  // Under the transcript's lock: stages the transcript side of a hold: the
  // ordinary wrapped key replaced by the held marker, its expiry entry
  // removed, its visitor-index entries moved from its key's epoch to the
  // key space of the case whose index key is `index_key`, and one
  // transcript moved from the closed to the held counter.
  virtual Status StageHold(const HoldCandidate& t, const CaseIndexKey& index_key, UnixMillis now,
                           WriteBatch* batch) = 0;
  // Under the transcript's lock: a held transcript's records, opened with
  // its DEK (for an unseal).
  virtual StatusOr<Transcript> ReadHeld(std::string_view id, std::string_view raw_id,
                                        const SecretBytes& dek) = 0;
  // Stages the transcript side of a release: one transcript out of the held
  // counter, its visitor-index entries out of the key space of its case
  // (whose index key is `index_key`; null for a case that never had one),
  // and a transcript whose retention has not passed gets its DEK wrapped
  // again under the epoch it expires in, its index entries under the same
  // epoch, and is counted closed; any other is purged, leaving the usual
  // tombstone. (Called with the shredder's run mutex held.)
  virtual StatusOr<ReleaseFate> StageRelease(std::string_view raw_id, const SecretBytes& dek,
                                             const CaseIndexKey* index_key, UnixMillis now,
                                             WriteBatch* batch) = 0;
  // Stages the deletion of the whole visitor-index key space of a case being
  // released, so that nothing of it is left, not even an entry that no
  // visitor record names (its index key is about to be deleted, and with it
  // every way to name one).
  virtual void StageCaseIndexDrop(const CaseIndexKey& index_key, WriteBatch* batch) = 0;
  // Verifies the audit log in `dir` against `vault_id` (another vault's
  // id) and reads the latest dealing of `case_id` from it.
  // FailedPrecondition "audit_log_invalid", InvalidArgument
  // "invalid_vault_id".
  virtual StatusOr<LoggedDealing> LatestDealing(const std::string& dir, std::string_view vault_id,
                                                std::string_view case_id) = 0;
  // Stages the transcript side of recovering held transcript `raw_id` from
  // `backup` (another vault's backup, opened read-only): its sealed records
  // and held marker copied unchanged, after checking its state and visitor
  // records open with `dek`; its visitor-index entries tagged under the
  // case's `index_key`; one more held transcript. AlreadyExists
  // "transcript_exists" if this vault has a transcript with its id.
  virtual Status StageRecovered(const Store& backup, std::string_view raw_id,
                                const SecretBytes& dek, const CaseIndexKey& index_key,
                                WriteBatch* batch) = 0;
  // A hold or release batch is durable: the vault's held and closed
  // counters move by these amounts.
  virtual void OnHoldsMoved(int64_t held, int64_t closed) = 0;
  // Transcript `id` (hex) of `service` is now held (the event feed).
  virtual void OnHeld(std::string_view id, std::string_view service) = 0;
  // The compaction after a committed hold or release (`after`: "hold",
  // "release") failed: counted, logged, and retried by the next retention
  // run, as after an erasure.
  virtual void CompactionFailed(std::string_view after, const Status& why) = 0;
};

}  // namespace vault

#endif  // VAULT_HOLD_HOLD_HOST_H_
