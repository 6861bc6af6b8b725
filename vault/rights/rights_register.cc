#include "vault/rights/rights_register.h"

#include <algorithm>

#include "vault/common/encoding.h"
#include "vault/crypto/aead.h"
#include "vault/crypto/keyring.h"
#include "vault/crypto/random.h"
#include "vault/crypto/secret.h"
#include "vault/storage/schema.h"
#include "vault/storage/store.h"

namespace vault {
namespace {

constexpr uint8_t kValueVersion = 1;
constexpr uint8_t kEntryVersion = 1;
constexpr std::string_view kWrapBinding("TV-rights\0", 10);
constexpr std::string_view kEntryAd("TV-rights-v1\0", 13);
constexpr size_t kWrappedBytes = 1 + 8 + aead::kOverhead + aead::kKeyBytes;
// Caps on what an entry's strings may be when decoded (reason codes, service
// names, outcomes are short).
constexpr size_t kMaxShortString = 1024;
constexpr size_t kMaxServices = 64;

std::string Binding(std::string_view raw_id) { return std::string(kWrapBinding) + std::string(raw_id); }
std::string EntryAd(std::string_view raw_id) { return std::string(kEntryAd) + std::string(raw_id); }

Status Malformed() { return Status::Corruption("rights register entry is malformed"); }

void PutI64(std::string* out, int64_t v) { PutU64(out, static_cast<uint64_t>(v)); }

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool U8(uint8_t* v) {
    if (in_.empty()) return false;
    *v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return true;
  }
  bool U32(uint32_t* v) {
    if (in_.size() < 4) return false;
    *v = GetU32(in_.data());
    in_.remove_prefix(4);
    return true;
  }
  bool I64(int64_t* v) {
    if (in_.size() < 8) return false;
    *v = static_cast<int64_t>(GetU64(in_.data()));
    in_.remove_prefix(8);
    return true;
  }
  bool Str(std::string* v, size_t max = kMaxShortString) {
    std::string_view s;
    if (!GetLengthPrefixed(&in_, &s) || s.size() > max) return false;
    v->assign(s);
    return true;
  }
  bool Raw(size_t n, std::string* v) {
    if (in_.size() < n) return false;
    v->assign(in_.substr(0, n));
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace

std::string EncodeRightsEntry(const RightsRequest& e) {
  std::string out;
  out.push_back(static_cast<char>(kEntryVersion));
  out.push_back(static_cast<char>(e.kind));
  out.push_back(static_cast<char>(e.state));
  PutU32(&out, static_cast<uint32_t>(e.services.size()));
  for (const std::string& s : e.services) PutLengthPrefixed(&out, s);
  PutI64(&out, e.registered_at);
  PutI64(&out, e.received_at);
  PutI64(&out, e.due_at);
  out.push_back(static_cast<char>(e.extension_months));
  PutLengthPrefixed(&out, e.extension_reason);
  PutI64(&out, e.extended_at);
  PutI64(&out, e.closed_at);
  PutLengthPrefixed(&out, e.refusal_reason);
  PutLengthPrefixed(&out, e.decision);
  PutLengthPrefixed(&out, e.decision_reason);
  PutI64(&out, e.lifted_at);
  PutLengthPrefixed(&out, e.lift_reason);
  PutU32(&out, static_cast<uint32_t>(e.touched.size()));
  for (const RightsTouch& t : e.touched) {
    std::string raw;
    FromHex(t.id, &raw);
    raw.resize(kIdBytes);
    out += raw;
    PutLengthPrefixed(&out, t.outcome);
  }
  return out;
}

StatusOr<RightsRequest> DecodeRightsEntry(std::string_view plain, std::string_view expected_id) {
  Reader r(plain);
  RightsRequest e;
  e.id = ToHex(expected_id);
  uint8_t version = 0;
  uint8_t kind = 0;
  uint8_t state = 0;
  uint32_t n = 0;
  if (!r.U8(&version) || version != kEntryVersion || !r.U8(&kind) ||
      kind > static_cast<uint8_t>(RightsKind::kObjection) || !r.U8(&state) ||
      state > static_cast<uint8_t>(RightsState::kRefused) || !r.U32(&n) || n > kMaxServices) {
    return Malformed();
  }
  e.kind = static_cast<RightsKind>(kind);
  e.state = static_cast<RightsState>(state);
  e.services.resize(n);
  for (std::string& s : e.services) {
    if (!r.Str(&s)) return Malformed();
  }
  uint8_t months = 0;
  if (!r.I64(&e.registered_at) || !r.I64(&e.received_at) || !r.I64(&e.due_at) ||
      !r.U8(&months) || months > 2 || !r.Str(&e.extension_reason) || !r.I64(&e.extended_at) ||
      !r.I64(&e.closed_at) || !r.Str(&e.refusal_reason) || !r.Str(&e.decision) ||
      !r.Str(&e.decision_reason) || !r.I64(&e.lifted_at) || !r.Str(&e.lift_reason) ||
      !r.U32(&n) || n > RightsRegister::kMaxTouched) {
    return Malformed();
  }
  e.extension_months = months;
  e.touched.resize(n);
  for (RightsTouch& t : e.touched) {
    std::string raw;
    if (!r.Raw(kIdBytes, &raw) || !r.Str(&t.outcome)) return Malformed();
    t.id = ToHex(raw);
  }
  if (!r.done()) return Malformed();
  return e;
}

StatusOr<std::unique_ptr<RightsRegister>> RightsRegister::Open(Store* store, Keyring* keyring,
                                                               const Clock* clock, Params params) {
  if (params.retention_ms <= 0) return Status::InvalidArgument("rights retention must be > 0");
  std::unique_ptr<RightsRegister> reg(new RightsRegister(store, keyring, clock, params));
  Status failed = Status::OK();
  const Status scanned =
      store->Scan(Column::kRights, "", [&](std::string_view key, std::string_view value) {
        if (key.size() != kIdBytes || value.size() < 1 + kWrappedBytes ||
            static_cast<uint8_t>(value[0]) != kValueVersion) {
          failed = Malformed();
          return false;
        }
        const std::string_view wrapped = value.substr(1, kWrappedBytes);
        StatusOr<SecretBytes> key_bytes = keyring->UnwrapKey(wrapped, Binding(key));
        if (!key_bytes.ok()) {
          if (key_bytes.status().code() == Status::Code::kGone) return true;  // for Purge
          failed = key_bytes.status();
          return false;
        }
        StatusOr<std::string> plain =
            aead::Open(*key_bytes, value.substr(1 + kWrappedBytes), EntryAd(key));
        if (!plain.ok()) {
          failed = plain.status();
          return false;
        }
        StatusOr<RightsRequest> entry = DecodeRightsEntry(*plain, key);
        if (!entry.ok()) {
          failed = entry.status();
          return false;
        }
        MutexLock lock(&reg->mu_);
        reg->entries_[std::string(key)] =
            Live{std::move(entry).value(), Keyring::WrappedEpoch(wrapped).value()};
        return true;
      });
  VAULT_RETURN_IF_ERROR(scanned);
  VAULT_RETURN_IF_ERROR(failed);
  return reg;
}

std::string RightsRegister::NewId() { return ToHex(RandomBytes(kIdBytes)); }

namespace {

bool IsOverdue(const RightsRequest& e, UnixMillis now) {
  return e.state == RightsState::kOpen && now >= e.due_at;
}

}  // namespace

std::optional<RightsRequest> RightsRegister::Get(std::string_view id, UnixMillis now) const {
  std::string raw;
  if (id.size() != 2 * kIdBytes || !FromHex(id, &raw)) return std::nullopt;
  MutexLock lock(&mu_);
  auto it = entries_.find(raw);
  if (it == entries_.end()) return std::nullopt;
  RightsRequest e = it->second.entry;
  e.overdue = IsOverdue(e, now);
  return e;
}

std::vector<RightsRequest> RightsRegister::List(RightsListing which, UnixMillis now) const {
  std::vector<RightsRequest> out;
  {
    MutexLock lock(&mu_);
    for (const auto& [raw, live] : entries_) {
      const RightsRequest& e = live.entry;
      const bool overdue = IsOverdue(e, now);
      if (which == RightsListing::kOpen && e.state != RightsState::kOpen) continue;
      if (which == RightsListing::kOverdue && !overdue) continue;
      out.push_back(e);
      out.back().overdue = overdue;
    }
  }
  std::sort(out.begin(), out.end(), [](const RightsRequest& a, const RightsRequest& b) {
    return a.due_at != b.due_at ? a.due_at < b.due_at : a.id < b.id;
  });
  return out;
}

size_t RightsRegister::OpenCount() const {
  MutexLock lock(&mu_);
  size_t n = 0;
  for (const auto& [raw, live] : entries_) n += live.entry.state == RightsState::kOpen ? 1 : 0;
  return n;
}

size_t RightsRegister::OverdueCount(UnixMillis now) const {
  MutexLock lock(&mu_);
  size_t n = 0;
  for (const auto& [raw, live] : entries_) n += IsOverdue(live.entry, now) ? 1 : 0;
  return n;
}

UnixMillis RightsRegister::KeepUntil(const RightsRequest& e) const {
  const UnixMillis in_force = InForce(e) ? clock_->NowMillis() : 0;
  return std::max({e.due_at, e.closed_at, e.lifted_at, in_force}) + params_.retention_ms;
}

bool RightsRegister::InForce(const RightsRequest& e) {
  if (e.state == RightsState::kOpen) return true;
  if (e.kind != RightsKind::kRestriction && e.kind != RightsKind::kObjection) return false;
  return std::any_of(e.touched.begin(), e.touched.end(), [](const RightsTouch& t) {
    return t.outcome == "restricted" || t.outcome == "withheld";
  });
}

std::vector<std::string> RightsRegister::RestrictionsOf(std::string_view id) const {
  std::vector<std::string> out;
  MutexLock lock(&mu_);
  for (const auto& [raw, live] : entries_) {
    const RightsRequest& e = live.entry;
    if (e.kind != RightsKind::kRestriction && e.kind != RightsKind::kObjection) continue;
    for (const RightsTouch& t : e.touched) {
      if (t.id == id && (t.outcome == "restricted" || t.outcome == "withheld")) {
        out.push_back(raw);
        break;
      }
    }
  }
  return out;  // the map is ordered by raw id
}

std::vector<RightsRequest> RightsRegister::DueForRenewal(UnixMillis now) const {
  const uint64_t horizon = keyring_->EpochOf(now + params_.retention_ms / 2);
  std::vector<RightsRequest> out;
  MutexLock lock(&mu_);
  for (const auto& [raw, live] : entries_) {
    if (live.key_epoch < horizon && InForce(live.entry)) out.push_back(live.entry);
  }
  return out;
}

Status RightsRegister::Put(const RightsRequest& entry) {
  std::string raw;
  if (entry.id.size() != 2 * kIdBytes || !FromHex(entry.id, &raw)) {
    return Status::InvalidArgument("malformed register entry id");
  }
  if (entry.touched.size() > kMaxTouched) {
    return Status::InvalidArgument("a request may touch at most 20000 transcripts",
                                   "too_many_matches");
  }
  uint64_t written = 0;  // the epoch of the copy written before, if any
  {
    MutexLock lock(&mu_);
    const auto it = entries_.find(raw);
    if (it == entries_.end() && entries_.size() >= params_.max_entries) {
      return Status::ResourceExhausted("the rights register is full", "register_full");
    }
    if (it != entries_.end()) written = it->second.key_epoch;
  }
  // Never under an earlier epoch than the copy written before: that copy
  // may survive in an old table file or a backup, and must not outlive the
  // live one (an entry no longer in force keeps its renewed time).
  const uint64_t epoch =
      std::max(written, std::min(keyring_->EpochOf(KeepUntil(entry)),
                                 keyring_->EpochOf(clock_->NowMillis()) +
                                     params_.max_epochs_ahead));
  VAULT_ASSIGN_OR_RETURN(SecretBytes key, SecretBytes::Random(aead::kKeyBytes));
  VAULT_ASSIGN_OR_RETURN(std::string wrapped, keyring_->WrapKey(epoch, key, Binding(raw)));
  std::string value(1, static_cast<char>(kValueVersion));
  value += wrapped;
  RightsRequest stored = entry;
  stored.overdue = false;
  VAULT_RETURN_IF_ERROR(aead::Seal(key, EncodeRightsEntry(stored), EntryAd(raw), &value));
  WriteBatch batch;
  batch.Put(Column::kRights, raw, value);
  VAULT_RETURN_IF_ERROR(store_->Write(&batch));
  MutexLock lock(&mu_);
  entries_[raw] = Live{std::move(stored), epoch};
  return Status::OK();
}

StatusOr<size_t> RightsRegister::Purge() {
  const uint64_t base = keyring_->base_epoch();
  std::vector<std::string> dead;
  VAULT_RETURN_IF_ERROR(
      store_->Scan(Column::kRights, "", [&](std::string_view key, std::string_view value) {
        StatusOr<uint64_t> epoch = value.size() >= 1 + kWrappedBytes
                                       ? Keyring::WrappedEpoch(value.substr(1, kWrappedBytes))
                                       : StatusOr<uint64_t>(Malformed());
        if (epoch.ok() && *epoch < base) dead.emplace_back(key);
        return true;
      }));
  if (!dead.empty()) {
    WriteBatch batch;
    for (const std::string& key : dead) batch.Delete(Column::kRights, key);
    VAULT_RETURN_IF_ERROR(store_->Write(&batch));
  }
  MutexLock lock(&mu_);
  for (auto it = entries_.begin(); it != entries_.end();) {
    it = it->second.key_epoch < base ? entries_.erase(it) : std::next(it);
  }
  return dead.size();
}

}  // namespace vault
