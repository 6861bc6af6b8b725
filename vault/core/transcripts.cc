// VaultImpl's transcript path: create, append, close and read a transcript,
// and the loading, sealing and staging they share.
#include <algorithm>
#include <optional>
#include <set>
#include <string>

#include "vault/common/encoding.h"
#include "vault/common/time_format.h"
#include "vault/common/utf8.h"
#include "vault/core/vault_impl.h"
#include "vault/core/vault_internal.h"
#include "vault/crypto/aead.h"
#include "vault/crypto/random.h"
#include "vault/index/identifiers.h"
#include "vault/stats/day_counts.h"

namespace vault {
namespace {

constexpr size_t kMaxSentAtBytes = 64;

Status ValidateField(const std::optional<std::string>& v, const char* name, size_t cap) {
  if (!v.has_value()) return Status::OK();
  if (v->size() > cap) {
    return Status::InvalidArgument(std::string("visitor.") + name + " is longer than " +
                                   std::to_string(cap) + " bytes", "field_too_long");
  }
  if (!IsValidUtf8(*v)) {
    return Status::InvalidArgument(std::string("visitor.") + name + " is not valid UTF-8",
                                   "invalid_utf8");
  }
  return Status::OK();
}

Status ValidateMessage(const Message& m, const Options& o) {
  if (m.seq > o.max_seq) {
    return Status::InvalidArgument("seq must be an integer from 0 to " + std::to_string(o.max_seq),
                                   "invalid_seq");
  }
  if (m.from != "visitor" && m.from != "agent" && m.from != "system") {
    return Status::InvalidArgument("from must be \"visitor\", \"agent\" or \"system\"",
                                   "invalid_from");
  }
  if (m.text.size() > o.max_text_bytes) {
    return Status::ResourceExhausted("text is longer than " + std::to_string(o.max_text_bytes) +
                                     " bytes", "text_too_long");
  }
  if (!IsValidUtf8(m.text)) return Status::InvalidArgument("text is not valid UTF-8", "invalid_utf8");
  if (m.sent_at.size() > kMaxSentAtBytes || !ParseRfc3339(m.sent_at, nullptr)) {
    return Status::InvalidArgument("sent_at must be an RFC 3339 date-time", "invalid_sent_at");
  }
  return Status::OK();
}

// What a stored append changes in its transcript's state (both paths).
void CountAppend(const Message& m, UnixMillis now, int64_t retention_ms, StateRecord* st) {
  st->last_activity = now;
  st->message_count += 1;
  if (m.from == "visitor") st->visitor_messages += 1;
  if (m.from == "agent") {
    st->agent_messages += 1;
    if (st->first_agent_at == 0) st->first_agent_at = now;
  }
  if (m.from == "system") st->system_messages += 1;
  if (st->seq_bound_known) {
    st->seq_bound = std::max(st->seq_bound, m.seq == UINT64_MAX ? m.seq : m.seq + 1);
  }
  st->expires_at = now + retention_ms;  // open: earliest possible expiry
}

}  // namespace

Status VaultImpl::SealInto(const SecretBytes& dek, std::string_view raw_id, RecordKind kind,
                           uint64_t seq, std::string_view plain, std::string* out) {
  out->clear();
  return aead::Seal(dek, plain, RecordAd(raw_id, kind, seq), out);
}

Status VaultImpl::CheckFreeSpace(uint64_t reserve, std::string_view what) {
  if (reserve == 0 || disk_space_.AvailableBytes() >= reserve) return Status::OK();
  const std::string amount = reserve % (1 << 20) == 0 ? std::to_string(reserve >> 20) + " MiB"
                                                      : std::to_string(reserve) + " bytes";
  return Status::InsufficientStorage("the data directory's file system has less than " + amount +
                                     " free; " + std::string(what) +
                                     " refused until space is freed");
}

Status VaultImpl::ValidateVisitor(const Visitor& v) const {
  const size_t cap = options_.max_field_bytes;
  VAULT_RETURN_IF_ERROR(ValidateField(v.name, "name", cap));
  VAULT_RETURN_IF_ERROR(ValidateField(v.ip, "ip", cap));
  VAULT_RETURN_IF_ERROR(ValidateField(v.location, "location", cap));
  VAULT_RETURN_IF_ERROR(ValidateField(v.user_agent, "user_agent", cap));
  VAULT_RETURN_IF_ERROR(ValidateField(v.device, "device", cap));
  VAULT_RETURN_IF_ERROR(ValidateField(v.ref, "ref", cap));
  VAULT_RETURN_IF_ERROR(ValidateField(v.email, "email", cap));
  VAULT_RETURN_IF_ERROR(ValidateField(v.phone, "phone", cap));
  return ValidateVisitorIdentifiers(v);
}

StatusOr<CreatedTranscript> VaultImpl::CreateTranscript(const Caller& caller,
                                                        const NewTranscript& req) {
  if (!req.idempotency_key.empty()) return CreateIdempotently(caller, req);
  bool audited = false;
  std::string id;
  StatusOr<CreatedTranscript> result = DoCreate(caller, req, &audited, &id);
  if (!audited) VAULT_RETURN_IF_ERROR(AuditOutcome(caller, "transcript.open", id, result.status()));
  return result;
}

StatusOr<CreatedTranscript> VaultImpl::CreateIdempotently(const Caller& caller,
                                                          const NewTranscript& req) {
  // A key is the caller's, but grants come from groups too: the checks of
  // an open come first, for a replay as for a new open.
  if (Status allowed = ValidateService(req.service); !allowed.ok() || !caller.MayWrite(req.service)) {
    const Status refused = allowed.ok() ? MayNotWrite() : allowed;
    VAULT_RETURN_IF_ERROR(AuditOutcome(caller, "transcript.open", "", refused));
    return refused;
  }
  // At most two rounds: a replayed transcript that is gone frees its key.
  for (int round = 0;; ++round) {
    IdempotentOpens::Claim claim =
        idempotent_opens_->Begin(caller.uid, req.idempotency_key, req, clock_->NowMillis());
    Status refused;
    switch (claim.found) {
      case IdempotentOpens::Found::kNew: {
        NewTranscript plain = req;
        plain.idempotency_key.clear();
        StatusOr<CreatedTranscript> created = CreateTranscript(caller, plain);
        if (created.ok()) {
          idempotent_opens_->Finish(caller.uid, req.idempotency_key, claim.generation, *created);
        } else {
          idempotent_opens_->Abandon(caller.uid, req.idempotency_key, claim.generation);
        }
        return created;
      }
      case IdempotentOpens::Found::kReplay: {
        // Erased (perhaps before its open had finished), or expired: the
        // key no longer answers with it.
        if (round == 0 && TranscriptGone(claim.created.id)) {
          idempotent_opens_->Abandon(caller.uid, req.idempotency_key, claim.generation);
          continue;
        }
        // The answer the first open gave; its id again, to a caller with
        // the same uid. Recorded like any open.
        VAULT_RETURN_IF_ERROR(
            Audit(caller, "transcript.open", claim.created.id, "ok", {{"replayed", "true"}}));
        claim.created.replayed = true;
        return claim.created;
      }
      case IdempotentOpens::Found::kReused:
        refused = Status::FailedPrecondition(
            "this Idempotency-Key opened a transcript with another request",
            "idempotency_key_reused");
        break;
      case IdempotentOpens::Found::kInProgress:
        refused = Status::FailedPrecondition(
            "an open with this Idempotency-Key has not answered yet; retry when it has",
            "idempotency_key_in_use");
        break;
      case IdempotentOpens::Found::kFull:
        refused = Status::Unavailable("too many opens with an Idempotency-Key are in progress",
                                      "unavailable");
        break;
    }
    VAULT_RETURN_IF_ERROR(AuditOutcome(caller, "transcript.open", "", refused));
    return refused;
  }
}

bool VaultImpl::TranscriptGone(std::string_view id) {
  std::string raw_id;
  if (!ParseId(id, &raw_id)) return true;
  StripeLock lock(&StripeFor(raw_id));
  const StatusOr<Loaded> t = Load(id);
  return !t.ok() && (t.status().code() == Status::Code::kNotFound ||
                     t.status().code() == Status::Code::kGone);
}

StatusOr<CreatedTranscript> VaultImpl::DoCreate(const Caller& caller, const NewTranscript& req,
                                                bool* audited, std::string* id) {
  VAULT_RETURN_IF_ERROR(ValidateService(req.service));
  if (!caller.MayWrite(req.service)) return MayNotWrite();
  const Visitor& v = req.visitor;
  VAULT_RETURN_IF_ERROR(ValidateVisitor(v));

  // The reserve keeps room for the chats already open, their closes, the
  // audit log, the shredder and a restart (up to Store::kMaxWalBytes).
  VAULT_RETURN_IF_ERROR(CheckFreeSpace(options_.storage_reserve_bytes, "new transcripts are"));

  // The visitor's indexed identifiers, normalised once: for the check
  // below and for the index entries.
  const std::vector<Identifier> ids = IndexedIdentifiers(v);
  // For statistics (counted at close, never here): whether this visitor
  // has been here before, and the kind of device.
  bool returning = false;
  if (options_.statistics.enabled) {
    VAULT_ASSIGN_OR_RETURN(returning, IsReturning(ids, req.service));
  }

  const std::string raw_id = RandomBytes(kIdBytes);
  VAULT_ASSIGN_OR_RETURN(SecretBytes dek, SecretBytes::Random(aead::kKeyBytes));

  const UnixMillis now = clock_->NowMillis();
  StateRecord st;
  st.service = req.service;
  st.created_at = now;
  st.last_activity = now;
  st.expires_at = now + options_.retention_ms;  // earliest possible expiry
  st.activity_known = true;
  st.seq_bound_known = true;  // no message yet: seq_bound 0
  st.returning = returning;
  st.device_class = static_cast<uint8_t>(stats::ClassifyDevice(v.device, v.user_agent));
  const uint64_t epoch = keyring_->EpochOf(st.expires_at);
  VAULT_ASSIGN_OR_RETURN(std::string wrapped, keyring_->WrapKey(epoch, dek, raw_id));

  WriteBatch batch;
  std::string sealed;
  VAULT_RETURN_IF_ERROR(SealInto(dek, raw_id, RecordKind::kVisitor, 0, EncodeVisitor(v), &sealed));
  batch.Put(Column::kTranscripts, TranscriptKey(raw_id, RecordKind::kVisitor), sealed);
  VAULT_RETURN_IF_ERROR(SealInto(dek, raw_id, RecordKind::kState, 0, EncodeState(st), &sealed));
  batch.Put(Column::kTranscripts, TranscriptKey(raw_id, RecordKind::kState), sealed);
  batch.Put(Column::kWrappedKeys, raw_id, wrapped);
  batch.Put(Column::kExpiryIndex, ExpiryKey(epoch, raw_id), "");
  batch.Put(Column::kExpiryIndex, OpenIndexKey(raw_id), "");
  VAULT_RETURN_IF_ERROR(index_.StageAdd(epoch, raw_id, req.service, ids, &batch));
  batch.AddToCounter(kOpenCounter, 1);
  *id = ToHex(raw_id);
  // Every check has passed: the record goes first, then the write.
  *audited = true;
  VAULT_RETURN_IF_ERROR(Audit(caller, "transcript.open", *id, "ok", KeyFacts(epoch, st.expires_at)));
  if (Status written = store_->Write(&batch); !written.ok()) {
    const Status noted = Audit(caller, "transcript.open", *id, "write_failed");
    (void)noted;  // the write's own error is what the caller needs
    return written;
  }
  open_count_.fetch_add(1, std::memory_order_relaxed);
  return CreatedTranscript{*id, st.expires_at};
}

StatusOr<VaultImpl::Loaded> VaultImpl::Load(std::string_view external_id) {
  std::string raw_id;
  if (!ParseId(external_id, &raw_id)) return NoSuchTranscript();
  auto wrapped = store_->Get(Column::kWrappedKeys, raw_id);
  if (!wrapped.ok()) {
    return wrapped.status().code() == Status::Code::kNotFound ? NoSuchTranscript()
                                                              : wrapped.status();
  }
  return LoadWrapped(std::move(raw_id), *wrapped);
}

StatusOr<VaultImpl::Loaded> VaultImpl::LoadWrapped(std::string raw_id, const std::string& wrapped,
                                                   bool even_if_expired) {
  Loaded t;
  t.raw_id = std::move(raw_id);
  if (IsErasedTombstone(wrapped)) {
    return Status::Gone("this transcript was erased", "erased");
  }
  if (IsHeldMarker(wrapped)) {
    return Status::FailedPrecondition(
        "this transcript is on legal hold: only two safeguarding officers together can open it",
        "legal_hold");
  }
  if (IsTombstone(wrapped)) {
    return Status::Gone("this transcript has expired and has been destroyed", "expired");
  }
  VAULT_ASSIGN_OR_RETURN(t.key_epoch, Keyring::WrappedEpoch(wrapped));
  auto dek = keyring_->UnwrapKey(wrapped, t.raw_id);
  if (!dek.ok()) {
    if (dek.status().code() == Status::Code::kGone) {
      return Status::Gone("this transcript has expired and has been destroyed", "expired");
    }
    return dek.status();
  }
  t.dek = std::move(dek).value();
  VAULT_ASSIGN_OR_RETURN(t.state, ReadState(t.raw_id, t.dek));
  if (!even_if_expired && clock_->NowMillis() >= t.state.expires_at) {
    return Status::Gone("this transcript has expired", "expired");
  }
  return t;
}

Status VaultImpl::StageState(Loaded* t, WriteBatch* batch) {
  std::string sealed;
  VAULT_RETURN_IF_ERROR(
      SealInto(t->dek, t->raw_id, RecordKind::kState, 0, EncodeState(t->state), &sealed));
  batch->Put(Column::kTranscripts, TranscriptKey(t->raw_id, RecordKind::kState), sealed);
  // Never under an earlier epoch than the one already written: that copy
  // may survive in an old SST file or a backup, and must not outlive the
  // live one. A shortened --retention or a clock stepped back therefore
  // leaves the key where it is; reads still stop at expires_at.
  const uint64_t epoch = std::max(keyring_->EpochOf(t->state.expires_at), t->key_epoch);
  if (epoch != t->key_epoch) {
    VAULT_ASSIGN_OR_RETURN(std::string wrapped, keyring_->WrapKey(epoch, t->dek, t->raw_id));
    batch->Put(Column::kWrappedKeys, t->raw_id, wrapped);
    batch->Delete(Column::kExpiryIndex, ExpiryKey(t->key_epoch, t->raw_id));
    batch->Put(Column::kExpiryIndex, ExpiryKey(epoch, t->raw_id), "");
    VAULT_RETURN_IF_ERROR(
        StageIndexMove(t->raw_id, t->dek, t->state.service, t->key_epoch, epoch, batch));
    t->key_epoch = epoch;
  }
  return Status::OK();
}

StatusOr<AppendOutcome> VaultImpl::AppendMessage(const Caller& caller, std::string_view id,
                                                 const Message& m) {
  // Appends themselves are not audited (docs/design.md); refusals are.
  StatusOr<AppendOutcome> result = DoAppend(caller, id, m);
  if (!result.ok() && result.status().code() == Status::Code::kPermissionDenied) {
    VAULT_RETURN_IF_ERROR(AuditOutcome(caller, "transcript.append", id, result.status()));
  }
  return result;
}

StatusOr<AppendOutcome> VaultImpl::DoAppend(const Caller& caller, std::string_view id,
                                            const Message& m) {
  if (!caller.Has(Role::kWriter)) return MayNotWrite();
  VAULT_RETURN_IF_ERROR(ValidateMessage(m, options_));
  std::string raw_id;
  if (!ParseId(id, &raw_id)) return NoSuchTranscript();
  StripeLock lock(&StripeFor(raw_id));
  VAULT_ASSIGN_OR_RETURN(Loaded t, Load(id));
  if (!caller.MayWrite(t.state.service)) return MayNotWrite();
  const std::string key = MessageKey(t.raw_id, m.seq);
  // A seq at or above the bound was never stored: no look-up (the usual
  // case, a chat's next message). Below it, or with no bound known, this
  // may be a retry or a conflict.
  if (!t.state.seq_bound_known || m.seq < t.state.seq_bound) {
    const Status stored = CheckStored(t, m);
    if (stored.ok()) return AppendOutcome::kDuplicate;
    if (stored.code() != Status::Code::kNotFound) return stored;
  }
  if (t.state.state != TranscriptState::kOpen) {
    return Status::FailedPrecondition("the transcript is closed", "transcript_closed");
  }
  // Open chats may use the first half of the reserve; the rest is kept for
  // closes, the audit log, the shredder and a restart.
  VAULT_RETURN_IF_ERROR(CheckFreeSpace(options_.storage_reserve_bytes / 2, "appends are"));
  CountAppend(m, clock_->NowMillis(), options_.retention_ms, &t.state);
  WriteBatch batch;
  std::string sealed;
  VAULT_RETURN_IF_ERROR(
      SealInto(t.dek, t.raw_id, RecordKind::kMessage, m.seq, EncodeMessage(m), &sealed));
  batch.Put(Column::kMessages, key, sealed);
  VAULT_RETURN_IF_ERROR(FinishAppend(caller, id, &t, &batch));
  return AppendOutcome::kStored;
}

Status VaultImpl::CheckStored(const Loaded& t, const Message& m) {
  VAULT_ASSIGN_OR_RETURN(std::string existing,
                         store_->Get(Column::kMessages, MessageKey(t.raw_id, m.seq)));
  std::string plain;
  const aead::WipeOnExit wipe(&plain);
  VAULT_RETURN_IF_ERROR(
      aead::OpenInto(t.dek, existing, RecordAd(t.raw_id, RecordKind::kMessage, m.seq), &plain));
  VAULT_ASSIGN_OR_RETURN(const MessageView stored, DecodeMessageView(plain));
  // A message to append has no statements: the fields are all it is.
  if (stored.from == m.from && stored.text == m.text && stored.sent_at == m.sent_at) {
    return Status::OK();
  }
  return Status::AlreadyExists("a different message is already stored with this seq",
                               "seq_conflict");
}

Status VaultImpl::FinishAppend(const Caller& caller, std::string_view id, Loaded* t,
                               WriteBatch* batch) {
  const uint64_t from_epoch = t->key_epoch;
  VAULT_RETURN_IF_ERROR(StageState(t, batch));
  // Appends are not audited, but a re-wrap is: at most once per epoch
  // boundary an open chat crosses (docs/audit-format.md, section 5.1).
  if (t->key_epoch != from_epoch) {
    AuditDetails facts = KeyFacts(t->key_epoch, t->state.expires_at);
    facts.emplace(facts.begin(), "from_epoch", std::to_string(from_epoch));
    VAULT_RETURN_IF_ERROR(Audit(caller, "transcript.rewrap", id, "ok", std::move(facts)));
  }
  return store_->Write(batch);
}

StatusOr<std::vector<AppendOutcome>> VaultImpl::AppendMessages(
    const Caller& caller, std::string_view id, const std::vector<Message>& messages) {
  StatusOr<std::vector<AppendOutcome>> result = DoAppendBatch(caller, id, messages);
  if (!result.ok() && result.status().code() == Status::Code::kPermissionDenied) {
    VAULT_RETURN_IF_ERROR(AuditOutcome(caller, "transcript.append", id, result.status()));
  }
  return result;
}

StatusOr<std::vector<AppendOutcome>> VaultImpl::DoAppendBatch(
    const Caller& caller, std::string_view id, const std::vector<Message>& messages) {
  if (!caller.Has(Role::kWriter)) return MayNotWrite();
  if (messages.empty()) return Status::InvalidArgument("the batch is empty", "empty_batch");
  if (messages.size() > kMaxBatchMessages) {
    return Status::InvalidArgument(
        "a batch holds at most " + std::to_string(kMaxBatchMessages) + " messages",
        "batch_too_large");
  }
  std::set<uint64_t> seqs;
  for (const Message& m : messages) {
    VAULT_RETURN_IF_ERROR(ValidateMessage(m, options_));
    if (!seqs.insert(m.seq).second) {
      return Status::InvalidArgument("seq " + std::to_string(m.seq) + " is twice in the batch",
                                     "duplicate_seq");
    }
  }
  std::string raw_id;
  if (!ParseId(id, &raw_id)) return NoSuchTranscript();
  StripeLock lock(&StripeFor(raw_id));
  VAULT_ASSIGN_OR_RETURN(Loaded t, Load(id));
  if (!caller.MayWrite(t.state.service)) return MayNotWrite();
  // First every retry and conflict, as AppendMessage finds them: a
  // conflict anywhere refuses the whole batch before anything is staged.
  std::vector<AppendOutcome> outcomes(messages.size(), AppendOutcome::kStored);
  bool any_new = false;
  for (size_t i = 0; i < messages.size(); ++i) {
    const Message& m = messages[i];
    if (t.state.seq_bound_known && m.seq >= t.state.seq_bound) {
      any_new = true;
      continue;
    }
    const Status stored = CheckStored(t, m);
    if (stored.ok()) {
      outcomes[i] = AppendOutcome::kDuplicate;
      continue;
    }
    if (stored.code() == Status::Code::kAlreadyExists) {
      return Status::AlreadyExists("seq " + std::to_string(m.seq) + ": " + stored.message(),
                                   stored.reason());
    }
    if (stored.code() != Status::Code::kNotFound) return stored;
    any_new = true;
  }
  if (!any_new) return outcomes;  // a replay of what is stored: nothing to write
  if (t.state.state != TranscriptState::kOpen) {
    return Status::FailedPrecondition("the transcript is closed", "transcript_closed");
  }
  VAULT_RETURN_IF_ERROR(CheckFreeSpace(options_.storage_reserve_bytes / 2, "appends are"));
  const UnixMillis now = clock_->NowMillis();
  WriteBatch batch;
  std::string sealed;
  for (size_t i = 0; i < messages.size(); ++i) {
    if (outcomes[i] != AppendOutcome::kStored) continue;
    const Message& m = messages[i];
    CountAppend(m, now, options_.retention_ms, &t.state);
    sealed.clear();
    VAULT_RETURN_IF_ERROR(
        SealInto(t.dek, t.raw_id, RecordKind::kMessage, m.seq, EncodeMessage(m), &sealed));
    batch.Put(Column::kMessages, MessageKey(t.raw_id, m.seq), sealed);
  }
  VAULT_RETURN_IF_ERROR(FinishAppend(caller, id, &t, &batch));
  return outcomes;
}

bool VaultImpl::TryAppendQueued(const Caller& caller, std::string_view id, const Message& m,
                                AppendDone done) {
  // Whatever is not the plain case goes back to AppendMessage, which
  // answers it (and audits what it audits): no error is reported here.
  if (!caller.Has(Role::kWriter) || !ValidateMessage(m, options_).ok()) return false;
  std::string raw_id;
  if (!ParseId(id, &raw_id)) return false;
  if (!CheckFreeSpace(options_.storage_reserve_bytes / 2, "appends are").ok()) return false;
  const size_t index = StripeIndex(raw_id);
  StripeMutex& stripe = stripes_[index];
  if (!stripe.TryLockForAppend()) return false;
  bool queued = false;
  try {
    queued = QueueAppend(caller, raw_id, index, m, &done);
  } catch (...) {
    stripe.Unlock();
    throw;
  }
  stripe.Unlock();
  return queued;
}

bool VaultImpl::QueueAppend(const Caller& caller, const std::string& raw_id, size_t index,
                            const Message& m, AppendDone* done) {
  std::vector<std::shared_ptr<OpenEntry>>& cache = open_cache_[index];
  std::shared_ptr<OpenEntry> entry;
  for (const std::shared_ptr<OpenEntry>& e : cache) {
    if (e->t.raw_id == raw_id) {
      entry = e;
      break;
    }
  }
  if (entry == nullptr) {
    StatusOr<std::string> wrapped = store_->Get(Column::kWrappedKeys, raw_id);
    if (!wrapped.ok()) return false;
    StatusOr<Loaded> loaded = LoadWrapped(raw_id, *wrapped);
    // Only a transcript this caller may write, open, with a bound, is kept.
    if (!loaded.ok() || loaded->state.state != TranscriptState::kOpen ||
        !loaded->state.seq_bound_known || !caller.MayWrite(loaded->state.service)) {
      return false;
    }
    if (cache.size() >= kOpenPerStripe) {
      // Room is made by forgetting a transcript with no write queued (only
      // the cache holds it); if every one has, this append takes the full
      // path.
      auto idle = std::find_if(cache.begin(), cache.end(),
                               [](const std::shared_ptr<OpenEntry>& e) { return e.use_count() == 1; });
      if (idle == cache.end()) return false;
      cache.erase(idle);
      open_cached_.fetch_sub(1, std::memory_order_relaxed);
    }
    entry = std::make_shared<OpenEntry>();
    entry->t = std::move(loaded).value();
    cache.push_back(entry);
    open_cached_.fetch_add(1, std::memory_order_relaxed);
  }
  if (entry->failed.load(std::memory_order_acquire)) return false;
  Loaded& t = entry->t;
  if (!caller.MayWrite(t.state.service)) return false;
  // Only a chat's next message: a seq below the bound may be a retry or a
  // conflict, which AppendMessage looks up.
  if (t.state.state != TranscriptState::kOpen || !t.state.seq_bound_known ||
      m.seq < t.state.seq_bound) {
    return false;
  }
  const UnixMillis now = clock_->NowMillis();
  if (now >= t.state.expires_at) return false;
  StateRecord st = t.state;  // the entry's, once the write is queued
  CountAppend(m, now, options_.retention_ms, &st);
  // A move of the key to a later epoch is audited: AppendMessage does it.
  if (keyring_->EpochOf(st.expires_at) > t.key_epoch) return false;

  auto batch = std::make_unique<WriteBatch>();
  std::string sealed;
  if (!SealInto(t.dek, raw_id, RecordKind::kMessage, m.seq, EncodeMessage(m), &sealed).ok()) {
    return false;
  }
  batch->Put(Column::kMessages, MessageKey(raw_id, m.seq), sealed);
  if (!SealInto(t.dek, raw_id, RecordKind::kState, 0, EncodeState(st), &sealed).ok()) return false;
  batch->Put(Column::kTranscripts, TranscriptKey(raw_id, RecordKind::kState), sealed);

  StripeMutex& stripe = stripes_[index];
  stripe.AddPending();
  const std::atomic<bool>* failed = &entry->failed;
  try {
    committer_->Submit(
        std::move(batch),
        [this, index, entry, done = std::move(*done)](const Status& written) mutable {
          if (!written.ok()) entry->failed.store(true, std::memory_order_release);
          // Let go of the entry before the stripe can be taken: its holder
          // then forgets and wipes it.
          entry.reset();
          stripes_[index].DonePending();
          if (written.ok()) {
            done(AppendOutcome::kStored);
          } else {
            done(written);
          }
        },
        failed);
  } catch (...) {
    stripe.DonePending();
    throw;
  }
  t.state = std::move(st);
  return true;
}

void VaultImpl::ForgetOpen(size_t index) {
  open_cached_.fetch_sub(open_cache_[index].size(), std::memory_order_relaxed);
  open_cache_[index].clear();
}

StatusOr<UnixMillis> VaultImpl::CloseTranscript(const Caller& caller, std::string_view id) {
  bool audited = false;
  StatusOr<UnixMillis> result = DoClose(caller, id, &audited);
  if (!audited) VAULT_RETURN_IF_ERROR(AuditOutcome(caller, "transcript.close", id, result.status()));
  return result;
}

StatusOr<UnixMillis> VaultImpl::DoClose(const Caller& caller, std::string_view id, bool* audited) {
  if (!caller.Has(Role::kWriter)) return MayNotWrite();
  std::string raw_id;
  if (!ParseId(id, &raw_id)) return NoSuchTranscript();
  StripeLock lock(&StripeFor(raw_id));
  VAULT_ASSIGN_OR_RETURN(Loaded t, Load(id));
  if (!caller.MayWrite(t.state.service)) return MayNotWrite();
  if (t.state.state == TranscriptState::kClosed) return t.state.expires_at;
  const UnixMillis now = clock_->NowMillis();
  WriteBatch batch;
  VAULT_RETURN_IF_ERROR(StageClose(&t, now, &batch));
  *audited = true;
  VAULT_RETURN_IF_ERROR(
      Audit(caller, "transcript.close", id, "ok", KeyFacts(t.key_epoch, t.state.expires_at)));
  if (Status written = store_->Write(&batch); !written.ok()) {
    const Status noted = Audit(caller, "transcript.close", id, "write_failed");
    (void)noted;
    return written;
  }
  open_count_.fetch_sub(1, std::memory_order_relaxed);
  closed_count_.fetch_add(1, std::memory_order_relaxed);
  return t.state.expires_at;
}

Status VaultImpl::StageClose(Loaded* t, UnixMillis closed_at, WriteBatch* batch) {
  t->state.state = TranscriptState::kClosed;
  t->state.closed_at = closed_at;
  t->state.last_activity = std::max(t->state.last_activity, closed_at);
  t->state.expires_at = closed_at + options_.retention_ms;
  // In the same atomic write as the close: counted once, never twice, even
  // after a crash; the state says whether it was.
  StageStatistics(&t->state, closed_at, batch);
  VAULT_RETURN_IF_ERROR(StageState(t, batch));
  batch->Delete(Column::kExpiryIndex, OpenIndexKey(t->raw_id));
  batch->AddToCounter(kOpenCounter, -1);
  batch->AddToCounter(kClosedCounter, 1);
  return Status::OK();
}

namespace {

// A sink that keeps the whole page: GetTranscriptPage, the holds' export
// and subject access answers hold their transcripts as values.
class TranscriptCollector final : public TranscriptSink {
 public:
  explicit TranscriptCollector(Transcript* out) : out_(out) {}
  void Begin(const TranscriptInfo& info, const Visitor& visitor, size_t messages) override {
    out_->info = info;
    out_->visitor = visitor;
    // At most a page's worth at first: the count comes from a stored state.
    out_->messages.reserve(std::min<size_t>(messages, 1000));
  }
  void AddMessage(uint64_t seq, std::string_view from, std::string_view text,
                  std::string_view sent_at) override {
    Message& m = out_->messages.emplace_back();
    m.seq = seq;
    m.from = std::string(from);
    m.text = std::string(text);
    m.sent_at = std::string(sent_at);
  }
  void AddStatement(std::string_view text, UnixMillis added_at) override {
    out_->messages.back().statements.push_back(Statement{std::string(text), added_at});
  }
  void End(std::optional<uint64_t> next_from_seq) override { out_->next_from_seq = next_from_seq; }

 private:
  Transcript* out_;
};

}  // namespace

StatusOr<Transcript> VaultImpl::GetTranscript(const Caller& caller, std::string_view id) {
  return GetTranscriptPage(caller, id, MessageRange{});
}

StatusOr<Transcript> VaultImpl::GetTranscriptPage(const Caller& caller, std::string_view id,
                                                  const MessageRange& range) {
  Transcript out;
  TranscriptCollector collector(&out);
  VAULT_RETURN_IF_ERROR(ReadTranscriptPage(caller, id, range, &collector));
  return out;
}

Status VaultImpl::ReadTranscriptPage(const Caller& caller, std::string_view id,
                                     const MessageRange& range, TranscriptSink* sink) {
  const Status result = DoGet(caller, id, range, sink);
  // Reads change nothing: the record can follow the read, and an audit
  // failure discards what was read.
  return AuditOutcome(caller, "transcript.read", id, result);
}

Status VaultImpl::DoGet(const Caller& caller, std::string_view id, const MessageRange& range,
                        TranscriptSink* sink) {
  if (!caller.Has(Role::kWriter) && !caller.Has(Role::kAgent)) return MayNotRead();
  std::string raw_id;
  if (!ParseId(id, &raw_id)) return NoSuchTranscript();
  // Reads take the stripe too, so a transcript is never seen half-updated.
  StripeLock lock(&StripeFor(raw_id));
  VAULT_ASSIGN_OR_RETURN(Loaded t, Load(id));
  if (!caller.MayRead(t.state.service)) return MayNotRead();
  if (t.state.restricted()) return Restricted();
  return ReadRecords(id, t.raw_id, t.dek, t.state, range, sink);
}

StatusOr<StateRecord> VaultImpl::OpenState(const std::string& raw_id, const SecretBytes& dek,
                                           std::string_view sealed) {
  VAULT_ASSIGN_OR_RETURN(std::string plain,
                         aead::Open(dek, sealed, RecordAd(raw_id, RecordKind::kState, 0)));
  return DecodeState(plain);
}

StatusOr<Visitor> VaultImpl::OpenVisitor(const std::string& raw_id, const SecretBytes& dek,
                                         std::string_view sealed) {
  VAULT_ASSIGN_OR_RETURN(std::string plain,
                         aead::Open(dek, sealed, RecordAd(raw_id, RecordKind::kVisitor, 0)));
  return DecodeVisitor(plain);
}

StatusOr<StateRecord> VaultImpl::ReadState(const std::string& raw_id, const SecretBytes& dek) {
  VAULT_ASSIGN_OR_RETURN(std::string sealed,
                         store_->Get(Column::kTranscripts, TranscriptKey(raw_id, RecordKind::kState)));
  return OpenState(raw_id, dek, sealed);
}

StatusOr<Visitor> VaultImpl::ReadVisitor(const std::string& raw_id, const SecretBytes& dek) {
  VAULT_ASSIGN_OR_RETURN(std::string sealed, store_->Get(Column::kTranscripts,
                                                         TranscriptKey(raw_id, RecordKind::kVisitor)));
  return OpenVisitor(raw_id, dek, sealed);
}

Status VaultImpl::StageIndexMove(const std::string& raw_id, const SecretBytes& dek,
                                 std::string_view service, uint64_t from, uint64_t to,
                                 WriteBatch* batch) {
  if (from == to) return Status::OK();
  VAULT_ASSIGN_OR_RETURN(Visitor visitor, ReadVisitor(raw_id, dek));
  const std::vector<Identifier> ids = IndexedIdentifiers(visitor);
  if (ids.empty()) return Status::OK();
  VAULT_RETURN_IF_ERROR(index_.StageRemove(from, raw_id, ids, batch));
  return index_.StageAdd(to, raw_id, service, ids, batch);
}

StatusOr<Transcript> VaultImpl::ReadRecords(std::string_view id, const std::string& raw_id,
                                            const SecretBytes& dek, const StateRecord& state,
                                            const MessageRange& range) {
  Transcript out;
  TranscriptCollector collector(&out);
  VAULT_RETURN_IF_ERROR(ReadRecords(id, raw_id, dek, state, range, &collector));
  return out;
}

Status VaultImpl::ReadRecords(std::string_view id, const std::string& raw_id,
                              const SecretBytes& dek, const StateRecord& state,
                              const MessageRange& range, TranscriptSink* sink) {
  TranscriptInfo info;
  info.id = std::string(id);
  info.service = state.service;
  info.state = state.state;
  info.created_at = state.created_at;
  info.closed_at = state.closed_at;
  info.last_activity = state.last_activity;
  info.expires_at = state.expires_at;
  info.message_count = state.message_count;
  const bool whole = range.from_seq == 0 && range.limit == 0;
  {
    VAULT_ASSIGN_OR_RETURN(const Visitor visitor, ReadVisitor(raw_id, dek));
    const uint64_t most = range.limit == 0 ? state.message_count
                                           : std::min<uint64_t>(range.limit, state.message_count);
    sink->Begin(info, visitor, static_cast<size_t>(most));
  }
  // Each record's plaintext in turn, in one buffer wiped at the end; the
  // sink is given views into it.
  std::string plain;
  const aead::WipeOnExit wipe(&plain);
  Status inner;
  uint64_t messages = 0;
  std::optional<uint64_t> last_seq;
  std::optional<uint64_t> next_from_seq;
  const auto visit = [&](std::string_view k, std::string_view v) {
    if (k.size() == kIdBytes + 9) {
      // A supplementary statement, right after the message it supplements.
      const uint64_t seq = GetU64(k.data() + kIdBytes);
      if (last_seq != seq) {
        inner = Status::Corruption("a statement without its message");
        return false;
      }
      inner = aead::OpenInto(dek, v, StatementAd(raw_id, seq, static_cast<uint8_t>(k.back())),
                             &plain);
      if (!inner.ok()) return false;
      auto statement = DecodeStatementView(plain);
      if (!statement.ok()) { inner = statement.status(); return false; }
      sink->AddStatement(statement->text, statement->added_at);
      return true;
    }
    if (k.size() != kIdBytes + 8) {
      inner = Status::Corruption("message key has the wrong length");
      return false;
    }
    const uint64_t seq = GetU64(k.data() + kIdBytes);
    if (range.limit != 0 && messages == range.limit) {
      next_from_seq = seq;
      return false;
    }
    inner = aead::OpenInto(dek, v, RecordAd(raw_id, RecordKind::kMessage, seq), &plain);
    if (!inner.ok()) return false;
    auto msg = DecodeMessageView(plain);
    if (!msg.ok()) { inner = msg.status(); return false; }
    sink->AddMessage(seq, msg->from, msg->text, msg->sent_at);
    ++messages;
    last_seq = seq;
    return true;
  };
  // Message keys are the id and a big-endian seq, a statement's one byte
  // more: a page runs from its first seq to past every key of this
  // transcript.
  VAULT_RETURN_IF_ERROR(whole ? store_->Scan(Column::kMessages, raw_id, visit)
                              : store_->ScanRange(Column::kMessages,
                                                  MessageKey(raw_id, range.from_seq),
                                                  raw_id + std::string(10, '\xff'), visit));
  VAULT_RETURN_IF_ERROR(inner);
  if (whole ? messages != state.message_count : messages > state.message_count) {
    return Status::Corruption("the number of stored messages does not match the transcript state");
  }
  sink->End(next_from_seq);
  return Status::OK();
}

}  // namespace vault
