#include "vault/core/vault_impl.h"

#include <sodium.h>

#include <algorithm>

#include "vault/common/encoding.h"
#include "vault/common/file_util.h"
#include "vault/common/time_format.h"
#include "vault/common/utf8.h"
#include "vault/crypto/aead.h"

namespace vault {
namespace {

constexpr size_t kMaxServiceBytes = 64;
// Store counters (vault/storage/store.h): transcripts by state.
constexpr std::string_view kOpenCounter = "transcripts.open";
constexpr std::string_view kClosedCounter = "transcripts.closed";
constexpr size_t kMaxSentAtBytes = 64;

Status ValidateService(const std::string& s) {
  if (s.empty() || s.size() > kMaxServiceBytes) {
    return Status::InvalidArgument("service must be 1 to 64 characters", "invalid_service");
  }
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return Status::InvalidArgument("service may contain only letters, digits, '.', '_' and '-'",
                                     "invalid_service");
    }
  }
  return Status::OK();
}

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

Status NoSuchTranscript() { return Status::NotFound("no transcript with this id", "not_found"); }

}  // namespace

const char* TranscriptStateName(TranscriptState s) {
  return s == TranscriptState::kOpen ? "open" : "closed";
}

StatusOr<std::unique_ptr<Vault>> Vault::Open(const Options& options, Clock* clock) {
  VAULT_ASSIGN_OR_RETURN(std::unique_ptr<VaultImpl> v, VaultImpl::Open(options, clock));
  return std::unique_ptr<Vault>(std::move(v));
}

VaultImpl::VaultImpl(Options options, Clock* clock, std::unique_ptr<RootKeyCustodian> custodian,
                     std::unique_ptr<Keyring> keyring, std::unique_ptr<Store> store, int64_t open,
                     int64_t closed)
    : options_(std::move(options)), clock_(clock), custodian_(std::move(custodian)),
      keyring_(std::move(keyring)), store_(std::move(store)), open_count_(open),
      closed_count_(closed) {}

StatusOr<std::unique_ptr<VaultImpl>> VaultImpl::Open(const Options& options, Clock* clock) {
  VAULT_RETURN_IF_ERROR(InitCrypto());
  if (options.data_dir.empty()) return Status::InvalidArgument("data_dir is required");
  if (options.retention_ms <= 0 || options.epoch_ms <= 0) {
    return Status::InvalidArgument("retention and epoch must be positive");
  }
  if (options.epoch_ms > options.retention_ms) {
    return Status::InvalidArgument("the epoch must not be longer than the retention period");
  }
  if (options.retention_ms / options.epoch_ms > 1000000) {
    return Status::InvalidArgument("retention / epoch must be at most 1,000,000 epochs");
  }
  const std::string keys_dir = options.data_dir + "/keys";
  VAULT_RETURN_IF_ERROR(EnsureDirectory(options.data_dir, 0700));
  VAULT_RETURN_IF_ERROR(EnsureDirectory(keys_dir, 0700));
  const std::string key_file =
      options.root_key_file.empty() ? keys_dir + "/root.key" : options.root_key_file;
  const std::string keyring_file = keys_dir + "/keyring";
  // A brand-new vault has neither keyring nor store. Only then may keys be
  // created: a missing key next to existing data is an operator error to
  // report, never a reason to start a new key chain that reads nothing.
  const bool fresh = !FileExists(keyring_file) && !FileExists(options.data_dir + "/db/CURRENT");
  // Only the default root key location is created on demand.
  VAULT_ASSIGN_OR_RETURN(std::unique_ptr<KeyFileCustodian> custodian,
                         KeyFileCustodian::Open(key_file, fresh && options.root_key_file.empty()));
  Keyring::Params kp{keyring_file, options.epoch_ms, options.retention_ms};
  VAULT_ASSIGN_OR_RETURN(std::unique_ptr<Keyring> keyring,
                         Keyring::Open(kp, custodian.get(), clock, fresh));
  VAULT_ASSIGN_OR_RETURN(std::unique_ptr<Store> store, Store::Open(options.data_dir + "/db"));
  VAULT_ASSIGN_OR_RETURN(const int64_t open, store->ReadCounter(kOpenCounter));
  VAULT_ASSIGN_OR_RETURN(const int64_t closed, store->ReadCounter(kClosedCounter));
  return std::unique_ptr<VaultImpl>(new VaultImpl(options, clock, std::move(custodian),
                                                  std::move(keyring), std::move(store), open,
                                                  closed));
}

std::mutex& VaultImpl::StripeFor(std::string_view raw_id) {
  return stripes_[static_cast<unsigned char>(raw_id[0]) % stripes_.size()];
}

Status VaultImpl::SealInto(const SecretBytes& dek, std::string_view raw_id, RecordKind kind,
                           uint64_t seq, std::string_view plain, std::string* out) {
  out->clear();
  return aead::Seal(dek, plain, RecordAd(raw_id, kind, seq), out);
}

StatusOr<CreatedTranscript> VaultImpl::CreateTranscript(const NewTranscript& req) {
  VAULT_RETURN_IF_ERROR(ValidateService(req.service));
  const Visitor& v = req.visitor;
  const size_t cap = options_.max_field_bytes;
  VAULT_RETURN_IF_ERROR(ValidateField(v.name, "name", cap));
  VAULT_RETURN_IF_ERROR(ValidateField(v.ip, "ip", cap));
  VAULT_RETURN_IF_ERROR(ValidateField(v.location, "location", cap));
  VAULT_RETURN_IF_ERROR(ValidateField(v.user_agent, "user_agent", cap));
  VAULT_RETURN_IF_ERROR(ValidateField(v.device, "device", cap));
  VAULT_RETURN_IF_ERROR(ValidateField(v.ref, "ref", cap));

  std::string raw_id(kIdBytes, '\0');
  randombytes_buf(raw_id.data(), raw_id.size());
  VAULT_ASSIGN_OR_RETURN(SecretBytes dek, SecretBytes::Random(aead::kKeyBytes));

  const UnixMillis now = clock_->NowMillis();
  StateRecord st;
  st.service = req.service;
  st.created_at = now;
  st.last_activity = now;
  st.expires_at = now + options_.retention_ms;  // earliest possible expiry
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
  batch.AddToCounter(kOpenCounter, 1);
  VAULT_RETURN_IF_ERROR(store_->Write(&batch));
  open_count_.fetch_add(1, std::memory_order_relaxed);
  return CreatedTranscript{ToHex(raw_id), st.expires_at};
}

StatusOr<VaultImpl::Loaded> VaultImpl::Load(std::string_view external_id) {
  Loaded t;
  if (!ParseId(external_id, &t.raw_id)) return NoSuchTranscript();
  auto wrapped = store_->Get(Column::kWrappedKeys, t.raw_id);
  if (!wrapped.ok()) {
    return wrapped.status().code() == Status::Code::kNotFound ? NoSuchTranscript()
                                                              : wrapped.status();
  }
  VAULT_ASSIGN_OR_RETURN(t.key_epoch, Keyring::WrappedEpoch(*wrapped));
  auto dek = keyring_->UnwrapKey(*wrapped, t.raw_id);
  if (!dek.ok()) {
    if (dek.status().code() == Status::Code::kGone) {
      return Status::Gone("this transcript has expired and has been destroyed", "expired");
    }
    return dek.status();
  }
  t.dek = std::move(dek).value();
  VAULT_ASSIGN_OR_RETURN(std::string sealed,
                         store_->Get(Column::kTranscripts, TranscriptKey(t.raw_id, RecordKind::kState)));
  VAULT_ASSIGN_OR_RETURN(std::string plain,
                         aead::Open(t.dek, sealed, RecordAd(t.raw_id, RecordKind::kState, 0)));
  VAULT_ASSIGN_OR_RETURN(t.state, DecodeState(plain));
  if (clock_->NowMillis() >= t.state.expires_at) {
    return Status::Gone("this transcript has expired", "expired");
  }
  return t;
}

Status VaultImpl::StageState(Loaded* t, WriteBatch* batch) {
  std::string sealed;
  VAULT_RETURN_IF_ERROR(
      SealInto(t->dek, t->raw_id, RecordKind::kState, 0, EncodeState(t->state), &sealed));
  batch->Put(Column::kTranscripts, TranscriptKey(t->raw_id, RecordKind::kState), sealed);
  const uint64_t epoch = keyring_->EpochOf(t->state.expires_at);
  if (epoch != t->key_epoch) {
    VAULT_ASSIGN_OR_RETURN(std::string wrapped, keyring_->WrapKey(epoch, t->dek, t->raw_id));
    batch->Put(Column::kWrappedKeys, t->raw_id, wrapped);
    batch->Delete(Column::kExpiryIndex, ExpiryKey(t->key_epoch, t->raw_id));
    batch->Put(Column::kExpiryIndex, ExpiryKey(epoch, t->raw_id), "");
    t->key_epoch = epoch;
  }
  return Status::OK();
}

StatusOr<AppendOutcome> VaultImpl::AppendMessage(std::string_view id, const Message& m) {
  VAULT_RETURN_IF_ERROR(ValidateMessage(m, options_));
  std::string raw_id;
  if (!ParseId(id, &raw_id)) return NoSuchTranscript();
  std::lock_guard<std::mutex> lock(StripeFor(raw_id));
  VAULT_ASSIGN_OR_RETURN(Loaded t, Load(id));
  const std::string key = MessageKey(t.raw_id, m.seq);
  auto existing = store_->Get(Column::kMessages, key);
  if (existing.ok()) {
    VAULT_ASSIGN_OR_RETURN(std::string plain,
                           aead::Open(t.dek, *existing, RecordAd(t.raw_id, RecordKind::kMessage, m.seq)));
    VAULT_ASSIGN_OR_RETURN(Message stored, DecodeMessage(plain, m.seq));
    if (stored == m) return AppendOutcome::kDuplicate;
    return Status::AlreadyExists("a different message is already stored with this seq",
                                 "seq_conflict");
  }
  if (existing.status().code() != Status::Code::kNotFound) return existing.status();
  if (t.state.state != TranscriptState::kOpen) {
    return Status::FailedPrecondition("the transcript is closed", "transcript_closed");
  }
  const UnixMillis now = clock_->NowMillis();
  t.state.last_activity = now;
  t.state.message_count += 1;
  t.state.expires_at = now + options_.retention_ms;  // open: earliest possible expiry
  WriteBatch batch;
  std::string sealed;
  VAULT_RETURN_IF_ERROR(
      SealInto(t.dek, t.raw_id, RecordKind::kMessage, m.seq, EncodeMessage(m), &sealed));
  batch.Put(Column::kMessages, key, sealed);
  VAULT_RETURN_IF_ERROR(StageState(&t, &batch));
  VAULT_RETURN_IF_ERROR(store_->Write(&batch));
  return AppendOutcome::kStored;
}

StatusOr<UnixMillis> VaultImpl::CloseTranscript(std::string_view id) {
  std::string raw_id;
  if (!ParseId(id, &raw_id)) return NoSuchTranscript();
  std::lock_guard<std::mutex> lock(StripeFor(raw_id));
  VAULT_ASSIGN_OR_RETURN(Loaded t, Load(id));
  if (t.state.state == TranscriptState::kClosed) return t.state.expires_at;
  const UnixMillis now = clock_->NowMillis();
  t.state.state = TranscriptState::kClosed;
  t.state.closed_at = now;
  t.state.last_activity = now;
  t.state.expires_at = now + options_.retention_ms;
  WriteBatch batch;
  VAULT_RETURN_IF_ERROR(StageState(&t, &batch));
  batch.AddToCounter(kOpenCounter, -1);
  batch.AddToCounter(kClosedCounter, 1);
  VAULT_RETURN_IF_ERROR(store_->Write(&batch));
  open_count_.fetch_sub(1, std::memory_order_relaxed);
  closed_count_.fetch_add(1, std::memory_order_relaxed);
  return t.state.expires_at;
}

StatusOr<Transcript> VaultImpl::GetTranscript(std::string_view id) {
  std::string raw_id;
  if (!ParseId(id, &raw_id)) return NoSuchTranscript();
  // Reads take the stripe too, so a transcript is never seen half-updated.
  std::lock_guard<std::mutex> lock(StripeFor(raw_id));
  VAULT_ASSIGN_OR_RETURN(Loaded t, Load(id));
  Transcript out;
  out.info.id = std::string(id);
  out.info.service = t.state.service;
  out.info.state = t.state.state;
  out.info.created_at = t.state.created_at;
  out.info.closed_at = t.state.closed_at;
  out.info.last_activity = t.state.last_activity;
  out.info.expires_at = t.state.expires_at;
  out.info.message_count = t.state.message_count;

  VAULT_ASSIGN_OR_RETURN(std::string sealed, store_->Get(Column::kTranscripts,
                                                         TranscriptKey(t.raw_id, RecordKind::kVisitor)));
  VAULT_ASSIGN_OR_RETURN(std::string plain,
                         aead::Open(t.dek, sealed, RecordAd(t.raw_id, RecordKind::kVisitor, 0)));
  VAULT_ASSIGN_OR_RETURN(out.visitor, DecodeVisitor(plain));

  Status inner;
  Status scan = store_->Scan(Column::kMessages, t.raw_id, [&](std::string_view k,
                                                              std::string_view v) {
    if (k.size() != kIdBytes + 8) {
      inner = Status::Corruption("message key has the wrong length");
      return false;
    }
    const uint64_t seq = GetU64(k.data() + kIdBytes);
    auto p = aead::Open(t.dek, v, RecordAd(t.raw_id, RecordKind::kMessage, seq));
    if (!p.ok()) { inner = p.status(); return false; }
    auto msg = DecodeMessage(*p, seq);
    if (!msg.ok()) { inner = msg.status(); return false; }
    out.messages.push_back(std::move(msg).value());
    return true;
  });
  VAULT_RETURN_IF_ERROR(scan);
  VAULT_RETURN_IF_ERROR(inner);
  if (out.messages.size() != t.state.message_count) {
    return Status::Corruption("the number of stored messages does not match the transcript state");
  }
  return out;
}

Status VaultImpl::CompactAll() { return store_->FlushAndCompact(); }

VaultMetrics VaultImpl::Metrics() {
  const Store::Stats stats = store_->GetStats();
  VaultMetrics m;
  // A negative count could only come from a damaged counter; show 0, not 2^64.
  m.open_transcripts = static_cast<uint64_t>(std::max<int64_t>(0, open_count_.load()));
  m.closed_transcripts = static_cast<uint64_t>(std::max<int64_t>(0, closed_count_.load()));
  m.sst_bytes = stats.sst_bytes;
  m.wal_bytes = stats.wal_bytes;
  m.synced_writes = stats.synced_writes;
  m.failed_writes = stats.failed_writes;
  m.wal_syncs = stats.wal_syncs;
  return m;
}

}  // namespace vault
