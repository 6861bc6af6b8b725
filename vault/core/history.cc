// VaultImpl: a visitor's history (docs/design.md, "The visitor index").
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "vault/common/encoding.h"
#include "vault/core/vault_impl.h"
#include "vault/core/vault_internal.h"
#include "vault/index/identifiers.h"

namespace vault {
namespace {

constexpr size_t kMaxHistoryLimit = 100;
// Past this many index matches for one visitor the answer would be a
// listing of the service, not a history: refused (too_many_matches).
constexpr size_t kMaxHistoryMatches = 10000;

// Newest first; held transcripts (no creation time without the case key)
// by their hold time. Ties by id, so the order is total and pages are stable.
UnixMillis SortTime(const HistoryEntry& e) { return e.held_at != 0 ? e.held_at : e.created_at; }

bool Before(const HistoryEntry& a, const HistoryEntry& b) {
  if (SortTime(a) != SortTime(b)) return SortTime(a) > SortTime(b);
  return a.id < b.id;
}

// The cursor: the last entry's sort time (16 hex digits) and id.
std::string CursorOf(const HistoryEntry& e) {
  std::string time;
  PutU64(&time, static_cast<uint64_t>(SortTime(e)));
  return ToHex(time) + e.id;
}

// Where the previous page ended.
struct Cursor {
  UnixMillis time = 0;
  std::string id;
};

bool ParseCursor(std::string_view cursor, Cursor* last) {
  std::string raw_time;
  std::string raw_id;
  if (cursor.size() != 16 + 2 * kIdBytes || !FromHex(cursor.substr(0, 16), &raw_time) ||
      !ParseId(cursor.substr(16), &raw_id)) {
    return false;
  }
  last->time = static_cast<UnixMillis>(GetU64(raw_time.data()));
  last->id = std::string(cursor.substr(16));
  return true;
}

}  // namespace

StatusOr<HistoryPage> VaultImpl::ListHistory(const Caller& caller, std::string_view id,
                                             const HistoryQuery& query) {
  size_t results = 0;
  StatusOr<HistoryPage> page = DoListHistory(caller, id, query, &results);
  if (!page.ok()) {
    VAULT_RETURN_IF_ERROR(AuditOutcome(caller, "transcript.history", id, page.status()));
    return page;
  }
  // The listing is what is disclosed: the record comes before the answer,
  // and no answer leaves without it.
  VAULT_RETURN_IF_ERROR(Audit(caller, "transcript.history", id, "ok",
                              {{"results", std::to_string(results)}}));
  return page;
}

StatusOr<HistoryPage> VaultImpl::DoListHistory(const Caller& caller, std::string_view id,
                                               const HistoryQuery& query, size_t* results) {
  if (!caller.Has(Role::kAgent)) {
    return Status::PermissionDenied("only agents may list a visitor's history", "forbidden");
  }
  if (query.limit < 1 || query.limit > kMaxHistoryLimit) {
    return Status::InvalidArgument("limit must be from 1 to 100", "invalid_limit");
  }
  Cursor after;
  if (!query.after.empty() && !ParseCursor(query.after, &after)) {
    return Status::InvalidArgument("after is not a cursor this vault gave", "invalid_cursor");
  }
  // The transcript asked about: its service and its visitor's identifiers.
  std::string raw_id;
  if (!ParseId(id, &raw_id)) return NoSuchTranscript();
  std::string service;
  std::vector<Identifier> ids;
  {
    StripeLock lock(&StripeFor(raw_id));
    VAULT_ASSIGN_OR_RETURN(Loaded t, Load(id));
    if (!caller.MayRead(t.state.service)) return MayNotRead();
    if (t.state.restricted()) return Restricted();
    service = t.state.service;
    VAULT_ASSIGN_OR_RETURN(Visitor visitor, ReadVisitor(t.raw_id, t.dek));
    // The same visitor: the platform's reference, an email address or a
    // phone number. An IP address is shared by everyone behind one router
    // and is never enough on its own.
    for (Identifier& i : IndexedIdentifiers(visitor)) {
      if (i.kind != IdentifierKind::kIp) ids.push_back(std::move(i));
    }
  }
  // Held transcripts are found in their open cases' key spaces.
  VAULT_ASSIGN_OR_RETURN(std::vector<VisitorIndex::Match> matches,
                         index_.Find(ids, kMaxHistoryMatches, hold_->OpenCaseIndexKeys()));

  // Keep the matches in this service (the entry's service tag, so nothing
  // of another service is opened), grouped by transcript.
  std::map<std::string, std::set<IdentifierKind>> found;
  for (const VisitorIndex::Match& m : matches) {
    if (m.raw_id == raw_id) continue;
    VAULT_ASSIGN_OR_RETURN(bool same_service, index_.InService(m, service));
    if (same_service) found[m.raw_id].insert(m.kind);
  }

  std::vector<HistoryEntry> entries;
  for (const auto& [other, kinds] : found) {
    HistoryEntry e;
    e.id = ToHex(other);
    for (IdentifierKind k : kinds) e.matched.emplace_back(IdentifierKindName(k));
    StripeLock lock(&StripeFor(other));
    VAULT_ASSIGN_OR_RETURN(std::string wrapped, store_->Get(Column::kWrappedKeys, other));
    if (IsHeldMarker(wrapped)) {
      e.state = "held";
      e.held_at = static_cast<UnixMillis>(GetU64(wrapped.data() + kHeldTag.size()));
      entries.push_back(std::move(e));
      continue;
    }
    StatusOr<Loaded> t = LoadWrapped(other, wrapped);
    if (!t.ok()) {
      // Erased, expired or destroyed since it was indexed: not history.
      if (t.status().code() == Status::Code::kGone) continue;
      return t.status();
    }
    if (t->state.service != service) continue;  // the service tag said so; belt and braces
    if (t->state.restricted()) {
      // Listed, so the agent knows there is more, with nothing from inside it.
      e.state = "restricted";
      entries.push_back(std::move(e));
      continue;
    }
    e.state = TranscriptStateName(t->state.state);
    e.created_at = t->state.created_at;
    e.closed_at = t->state.closed_at;
    e.expires_at = t->state.expires_at;
    e.message_count = t->state.message_count;
    entries.push_back(std::move(e));
  }
  std::sort(entries.begin(), entries.end(), Before);

  HistoryPage page;
  auto it = entries.begin();
  if (!query.after.empty()) {
    it = std::upper_bound(entries.begin(), entries.end(), after,
                          [](const Cursor& cursor, const HistoryEntry& e) {
                            if (cursor.time != SortTime(e)) return cursor.time > SortTime(e);
                            return cursor.id < e.id;
                          });
  }
  for (; it != entries.end() && page.entries.size() < query.limit; ++it) {
    page.entries.push_back(*it);
  }
  if (it != entries.end() && !page.entries.empty()) page.next = CursorOf(page.entries.back());
  *results = page.entries.size();
  return page;
}

}  // namespace vault
