#include "vault/core/records.h"

#include <cstring>

#include "vault/common/encoding.h"

namespace vault {
namespace {

constexpr char kAdPrefix[] = "TV-rec-v1";

enum class From : uint8_t { kVisitor = 1, kAgent = 2, kSystem = 3 };

Status Malformed() { return Status::Corruption("record plaintext is malformed"); }

bool GetI64(std::string_view* in, int64_t* out) {
  if (in->size() < 8) return false;
  *out = static_cast<int64_t>(GetU64(in->data()));
  in->remove_prefix(8);
  return true;
}

}  // namespace

RecordAd::RecordAd(std::string_view id, RecordKind kind, uint64_t seq) {
  // The prefix with its NUL separator, version, kind, id and seq; written
  // in place when a statement's byte still fits after them, else on the heap.
  const size_t size = sizeof(kAdPrefix) + 2 + id.size() + 8;
  char* p = bytes_;
  if (size + 1 > kInline) {
    spill_.resize(size);
    p = spill_.data();
  } else {
    size_ = size;
  }
  std::memcpy(p, kAdPrefix, sizeof(kAdPrefix));
  p += sizeof(kAdPrefix);
  *p++ = static_cast<char>(kRecordVersion);
  *p++ = static_cast<char>(kind);
  if (!id.empty()) std::memcpy(p, id.data(), id.size());
  EncodeU64(p + id.size(), seq);
}

void RecordAd::Append(uint8_t byte) {
  if (spill_.empty() && size_ < kInline) {
    bytes_[size_++] = static_cast<char>(byte);  // the constructor keeps room for one
    return;
  }
  if (spill_.empty()) spill_.assign(bytes_, size_);
  spill_.push_back(static_cast<char>(byte));
}

RecordAd StatementAd(std::string_view id, uint64_t seq, uint8_t n) {
  RecordAd ad(id, RecordKind::kStatement, seq);
  ad.Append(n);
  return ad;
}

std::string EncodeStatement(const Statement& s) {
  std::string out;
  out.push_back(static_cast<char>(kRecordVersion));
  PutU64(&out, static_cast<uint64_t>(s.added_at));
  out.append(s.text);
  return out;
}

StatusOr<StatementView> DecodeStatementView(std::string_view in) {
  if (in.size() < 1 + 8 || static_cast<uint8_t>(in[0]) != kRecordVersion) return Malformed();
  StatementView s;
  in.remove_prefix(1);
  GetI64(&in, &s.added_at);
  s.text = in;
  return s;
}

std::string EncodeState(const StateRecord& r) {
  std::string out;
  // Every field below, so that the encoding grows its string once.
  out.reserve(1 + 4 + r.service.size() + 1 + 5 * 8 + 1 + r.restrictions.size() * kIdBytes +
              4 * 8 + 2 + 8);
  out.push_back(static_cast<char>(r.seq_bound_known ? kStateVersionSeqBound
                                                    : kStateVersionActivity));
  PutLengthPrefixed(&out, r.service);
  out.push_back(r.state == TranscriptState::kOpen ? 1 : 2);
  PutU64(&out, static_cast<uint64_t>(r.created_at));
  PutU64(&out, static_cast<uint64_t>(r.closed_at));
  PutU64(&out, static_cast<uint64_t>(r.last_activity));
  PutU64(&out, static_cast<uint64_t>(r.expires_at));
  PutU64(&out, r.message_count);
  out.push_back(static_cast<char>(r.restrictions.size()));
  for (const std::string& id : r.restrictions) out += id;
  PutU64(&out, r.visitor_messages);
  PutU64(&out, r.agent_messages);
  PutU64(&out, r.system_messages);
  PutU64(&out, static_cast<uint64_t>(r.first_agent_at));
  out.push_back(static_cast<char>(r.device_class));
  out.push_back(static_cast<char>((r.returning ? 1 : 0) | (r.form_submitted ? 2 : 0) |
                                  (r.activity_known ? 4 : 0) | (r.counted ? 8 : 0)));
  if (r.seq_bound_known) PutU64(&out, r.seq_bound);
  return out;
}

StatusOr<StateRecord> DecodeState(std::string_view in) {
  StateRecord r;
  std::string_view service;
  if (in.size() < 1) return Malformed();
  const uint8_t version = static_cast<uint8_t>(in[0]);
  if (version != kRecordVersion && version != kStateVersionRestricted &&
      version != kStateVersionActivity && version != kStateVersionSeqBound) {
    return Malformed();
  }
  in.remove_prefix(1);
  if (!GetLengthPrefixed(&in, &service) || in.size() < 1 + 5 * 8) return Malformed();
  if (version == kRecordVersion && in.size() != 1 + 5 * 8) return Malformed();
  std::string_view tail = in.substr(1 + 5 * 8);
  if (version != kRecordVersion) {
    const size_t n = tail.empty() ? 0 : static_cast<uint8_t>(tail[0]);
    if (tail.empty() || n > kMaxRestrictions || tail.size() < 1 + n * kIdBytes) return Malformed();
    if (version == kStateVersionRestricted && (n == 0 || tail.size() != 1 + n * kIdBytes)) {
      return Malformed();
    }
    for (size_t i = 0; i < n; ++i) r.restrictions.emplace_back(tail.substr(1 + i * kIdBytes, kIdBytes));
    tail.remove_prefix(1 + n * kIdBytes);
  }
  if (version == kStateVersionActivity || version == kStateVersionSeqBound) {
    constexpr size_t kActivityBytes = 4 * 8 + 2;
    const size_t bound_bytes = version == kStateVersionSeqBound ? 8 : 0;
    if (tail.size() != kActivityBytes + bound_bytes) return Malformed();
    if (bound_bytes != 0) {
      r.seq_bound_known = true;
      r.seq_bound = GetU64(tail.data() + kActivityBytes);
    }
    r.visitor_messages = GetU64(tail.data());
    r.agent_messages = GetU64(tail.data() + 8);
    r.system_messages = GetU64(tail.data() + 16);
    r.first_agent_at = static_cast<UnixMillis>(GetU64(tail.data() + 24));
    r.device_class = static_cast<uint8_t>(tail[32]);
    const uint8_t flags = static_cast<uint8_t>(tail[33]);
    if (r.device_class > 3 || (flags & ~15u) != 0) return Malformed();
    r.activity_known = (flags & 4) != 0;
    r.counted = (flags & 8) != 0;
    r.returning = (flags & 1) != 0;
    r.form_submitted = (flags & 2) != 0;
  }
  r.service = std::string(service);
  const uint8_t st = static_cast<uint8_t>(in[0]);
  if (st != 1 && st != 2) return Malformed();
  r.state = st == 1 ? TranscriptState::kOpen : TranscriptState::kClosed;
  in.remove_prefix(1);
  int64_t count = 0;
  GetI64(&in, &r.created_at);
  GetI64(&in, &r.closed_at);
  GetI64(&in, &r.last_activity);
  GetI64(&in, &r.expires_at);
  GetI64(&in, &count);
  r.message_count = static_cast<uint64_t>(count);
  return r;
}

std::string EncodeVisitor(const Visitor& v) {
  const std::optional<std::string>* fields[] = {&v.name,   &v.ip,  &v.location, &v.user_agent,
                                                &v.device, &v.ref, &v.email,    &v.phone};
  std::string out;
  out.push_back(static_cast<char>(kRecordVersion));
  uint8_t present = 0;
  for (int i = 0; i < 8; ++i) {
    if (fields[i]->has_value()) present |= static_cast<uint8_t>(1u << i);
  }
  out.push_back(static_cast<char>(present));
  for (auto* f : fields) {
    if (f->has_value()) PutLengthPrefixed(&out, **f);
  }
  return out;
}

StatusOr<Visitor> DecodeVisitor(std::string_view in) {
  Visitor v;
  // Bits 0-5 since the first version; email (6) and phone (7) since the
  // visitor index. A record without them decodes as before.
  std::optional<std::string>* fields[] = {&v.name,   &v.ip,  &v.location, &v.user_agent,
                                          &v.device, &v.ref, &v.email,    &v.phone};
  if (in.size() < 2 || static_cast<uint8_t>(in[0]) != kRecordVersion) return Malformed();
  const uint8_t present = static_cast<uint8_t>(in[1]);
  in.remove_prefix(2);
  for (int i = 0; i < 8; ++i) {
    if ((present & (1u << i)) == 0) continue;
    std::string_view f;
    if (!GetLengthPrefixed(&in, &f)) return Malformed();
    *fields[i] = std::string(f);
  }
  if (!in.empty()) return Malformed();
  return v;
}

std::string EncodeMessage(const Message& m) {
  std::string out;
  out.reserve(2 + 4 + m.sent_at.size() + 4 + m.text.size());
  out.push_back(static_cast<char>(kRecordVersion));
  From f = m.from == "visitor" ? From::kVisitor : m.from == "agent" ? From::kAgent : From::kSystem;
  out.push_back(static_cast<char>(f));
  PutLengthPrefixed(&out, m.sent_at);
  PutLengthPrefixed(&out, m.text);
  return out;
}

StatusOr<MessageView> DecodeMessageView(std::string_view in) {
  if (in.size() < 2 || static_cast<uint8_t>(in[0]) != kRecordVersion) return Malformed();
  MessageView m;
  switch (static_cast<From>(in[1])) {
    case From::kVisitor: m.from = "visitor"; break;
    case From::kAgent: m.from = "agent"; break;
    case From::kSystem: m.from = "system"; break;
    default: return Malformed();
  }
  in.remove_prefix(2);
  if (!GetLengthPrefixed(&in, &m.sent_at) || !GetLengthPrefixed(&in, &m.text) || !in.empty()) {
    return Malformed();
  }
  return m;
}

}  // namespace vault
