// VaultImpl and the event feed (vault/events.h): subscribing, and what the
// vault publishes to the journal (idle closes, expiries, erasures, holds,
// retention runs, refusals). Only ids, service names, roles, uids, actions
// and outcomes go in; never content or visitor data.
#include <string>
#include <utility>
#include <vector>

#include "vault/common/encoding.h"
#include "vault/common/outcome.h"
#include "vault/core/vault_impl.h"
#include "vault/core/vault_internal.h"

namespace vault {

namespace {

// The audit outcomes of a call refused for the caller's rights: these are
// the access.refused events auditors and admins see.
bool IsRefusal(std::string_view outcome) {
  return outcome == "forbidden" || outcome == "service_forbidden" ||
         outcome == "unknown_caller" || outcome == "officer_revoked" ||
         outcome == "unknown_officer" || outcome == "bad_signature" || outcome == "unknown_key";
}

}  // namespace

StatusOr<EventSubscription> VaultImpl::SubscribeEvents(const Caller& caller,
                                                       std::optional<EventPosition> last) {
  constexpr std::string_view kAction = "events.subscribe";
  EventSubscription sub;
  sub.journal = events_;
  sub.filter.transcript_events = caller.Has(Role::kWriter) && !caller.write_scope.empty();
  sub.filter.all_services = caller.write_scope.all;
  sub.filter.services = caller.write_scope.services;
  sub.filter.vault_events = caller.Has(Role::kAuditor) || caller.Has(Role::kAdmin);
  AuditDetails details;
  if (last.has_value()) details.emplace_back("after", FormatEventId(*last));
  if (!sub.filter.transcript_events && !sub.filter.vault_events) {
    VAULT_RETURN_IF_ERROR(Audit(caller, kAction, "", "forbidden", std::move(details)));
    return Status::PermissionDenied(
        "the event feed is for writers (their services' transcripts) and for auditors and "
        "admins (retention runs and refusals)",
        "forbidden");
  }
  const uint64_t now = events_->last_seq();
  if (!last.has_value()) {
    sub.after = now;
  } else if (last->origin > events_->origin() ||
             (last->origin == events_->origin() && last->seq > now)) {
    VAULT_RETURN_IF_ERROR(Audit(caller, kAction, "", "unknown_event_id", std::move(details)));
    return Status::InvalidArgument(
        "Last-Event-ID " + FormatEventId(*last) +
            " was never sent by this vault; reconnect without it to read from now on",
        "unknown_event_id");
  } else if (last->origin < events_->origin()) {
    // From an earlier start: what happened in between is not known here.
    sub.after = 0;
    sub.reset = "restart";
  } else {
    sub.after = last->seq;
    // Whether events since it were dropped is the stream's first read to
    // tell (EventJournal::Page::gap), as more may drop before it.
  }
  VAULT_RETURN_IF_ERROR(Audit(caller, kAction, "", "ok", std::move(details)));
  return sub;
}

void VaultImpl::PublishTranscriptEvent(EventType type, std::string_view id,
                                       std::string_view service) {
  VaultEvent event;
  event.type = type;
  event.at = clock_->NowMillis();
  event.transcript = std::string(id);
  event.service = std::string(service);
  events_->Publish(std::move(event));
}

void VaultImpl::PublishRefusal(const Caller& caller, std::string_view action,
                               std::string_view outcome, uint64_t record) {
  if (caller.system || !IsRefusal(outcome)) return;
  VaultEvent event;
  event.type = EventType::kRefusal;
  event.at = clock_->NowMillis();
  event.facts = {{"uid", std::to_string(caller.uid)},
                 {"role", caller.roles.empty() ? "none" : caller.roles.ToString()},
                 {"action", std::string(action)},
                 {"outcome", std::string(outcome)},
                 {"record", std::to_string(record)}};
  events_->Publish(std::move(event));
}

void VaultImpl::OnHeld(std::string_view id, std::string_view service) {
  PublishTranscriptEvent(EventType::kHeld, id, service);
}

std::vector<std::pair<std::string, std::string>> VaultImpl::ServicesOf(
    const std::vector<std::string>& raw_ids) {
  std::vector<std::pair<std::string, std::string>> named;
  named.reserve(raw_ids.size());
  for (const std::string& raw_id : raw_ids) {
    // Past their expiry by now, but their epoch's key is not destroyed yet.
    // No stripe lock: nothing writes an expired transcript but its erasure
    // (then it is skipped), and taking the stripe would empty the append
    // cache of the live chats that share it.
    StatusOr<std::string> wrapped = store_->Get(Column::kWrappedKeys, raw_id);
    if (!wrapped.ok()) continue;  // counted, not named
    StatusOr<Loaded> t = LoadWrapped(raw_id, *wrapped, /*even_if_expired=*/true);
    if (!t.ok()) continue;
    named.emplace_back(ToHex(raw_id), std::move(t->state.service));
  }
  return named;
}

void VaultImpl::OnShredded(const std::vector<std::pair<std::string, std::string>>& named,
                           uint64_t unnamed) {
  // The unnamed first: their numbers, below the named ones, are the gap a
  // reader is told of, and every named event after it is still delivered.
  events_->Skip(EventType::kExpired, unnamed);
  std::vector<VaultEvent> expired;
  expired.reserve(named.size());
  const UnixMillis now = clock_->NowMillis();
  for (const auto& [id, service] : named) {
    VaultEvent event;
    event.type = EventType::kExpired;
    event.at = now;
    event.transcript = id;
    event.service = service;
    expired.push_back(std::move(event));
  }
  events_->Publish(std::move(expired));
}

void VaultImpl::OnRetentionRunEnded(const Status& outcome, uint64_t shredded) {
  // Runs come every retention tick (a second by default): the feed names
  // those that destroyed keys, those that failed, and the first that
  // succeeded after a failure, not every quiet one.
  const bool failed_before = retention_run_failed_.exchange(!outcome.ok());
  if (outcome.ok() && shredded == 0 && !failed_before) return;
  VaultEvent event;
  event.type = EventType::kRetentionRun;
  event.at = clock_->NowMillis();
  event.facts = {{"outcome", outcome.ok() ? "ok" : OutcomeOf(outcome)},
                 {"shredded", std::to_string(shredded)}};
  events_->Publish(std::move(event));
}

}  // namespace vault
