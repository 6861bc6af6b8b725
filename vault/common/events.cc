#include "vault/events.h"

#include <algorithm>
#include <utility>

namespace vault {

const char* EventTypeName(EventType type) {
  switch (type) {
    case EventType::kIdleClosed:
      return "transcript.idle_closed";
    case EventType::kExpired:
      return "transcript.expired";
    case EventType::kErased:
      return "transcript.erased";
    case EventType::kHeld:
      return "transcript.held";
    case EventType::kRetentionRun:
      return "retention.run";
    case EventType::kRefusal:
      return "access.refused";
  }
  return "unknown";
}

bool IsTranscriptEvent(EventType type) {
  return type == EventType::kIdleClosed || type == EventType::kExpired ||
         type == EventType::kErased || type == EventType::kHeld;
}

bool EventFilter::Accepts(const VaultEvent& event) const {
  if (IsTranscriptEvent(event.type)) {
    return transcript_events && (all_services || services.count(event.service) > 0);
  }
  return vault_events;
}

EventJournal::EventJournal(UnixMillis origin, EventJournalLimits limits)
    : origin_(origin), limits_(limits) {}

EventJournal::Ring& EventJournal::RingOf(EventType type) {
  return IsTranscriptEvent(type) ? transcripts_ : vault_;
}

void EventJournal::Keep(VaultEvent event) {
  event.seq = ++last_seq_;
  Ring& ring = RingOf(event.type);
  const size_t cap =
      IsTranscriptEvent(event.type) ? limits_.transcript_events : limits_.vault_events;
  while (!ring.events.empty() && ring.events.size() >= cap) {
    // Never lowered: a Skip may have dropped numbers above the oldest kept.
    ring.dropped_upto = std::max(ring.dropped_upto, ring.events.front().seq);
    ring.events.pop_front();
  }
  if (cap == 0) {
    ring.dropped_upto = event.seq;
  } else {
    ring.events.push_back(std::move(event));
  }
}

void EventJournal::Publish(VaultEvent event) {
  {
    MutexLock lock(&mu_);
    Keep(std::move(event));
  }
  Notify();
}

void EventJournal::Publish(std::vector<VaultEvent> events) {
  if (events.empty()) return;
  {
    MutexLock lock(&mu_);
    for (VaultEvent& event : events) Keep(std::move(event));
  }
  Notify();
}

void EventJournal::Skip(EventType type, uint64_t count) {
  if (count == 0) return;
  {
    MutexLock lock(&mu_);
    last_seq_ += count;
    RingOf(type).dropped_upto = last_seq_;
  }
  Notify();
}

uint64_t EventJournal::last_seq() const {
  MutexLock lock(&mu_);
  return last_seq_;
}

EventJournal::Page EventJournal::Read(uint64_t after, const EventFilter& filter,
                                      size_t max) const {
  Page page;
  MutexLock lock(&mu_);
  // A drop in a ring this reader reads, above its position: the reader is
  // told once, by a reset numbered `from`, at or above every number dropped,
  // placed among the kept events by its number (so ids keep increasing and
  // a reader resuming from the reset finds no gap again). Kept events on
  // either side of it are all delivered.
  uint64_t from = after;
  if (filter.transcript_events) from = std::max(from, transcripts_.dropped_upto);
  if (filter.vault_events) from = std::max(from, vault_.dropped_upto);
  const bool gap = from != after;
  page.from = from;
  page.next = after;
  auto first_after = [after](const std::deque<VaultEvent>& events) {
    return std::upper_bound(events.begin(), events.end(), after,
                            [](uint64_t seq, const VaultEvent& e) { return seq < e.seq; });
  };
  auto t = filter.transcript_events ? first_after(transcripts_.events) : transcripts_.events.end();
  auto v = filter.vault_events ? first_after(vault_.events) : vault_.events.end();
  while (page.events.size() < max) {
    const bool has_t = t != transcripts_.events.end();
    const bool has_v = v != vault_.events.end();
    if (!has_t && !has_v) {
      // Nothing more this reader could see: it is at the journal's end.
      if (gap && !page.gap) {
        page.gap = true;
        page.gap_at = page.events.size();
      }
      page.next = std::max(page.next, last_seq_);
      break;
    }
    auto& it = (has_t && (!has_v || t->seq < v->seq)) ? t : v;
    if (gap && !page.gap && it->seq > from) {
      page.gap = true;
      page.gap_at = page.events.size();
    }
    page.next = it->seq;
    if (filter.Accepts(*it)) page.events.push_back(*it);
    ++it;
  }
  // A page that ends before the reset's place leaves it to a later read.
  if (page.gap) page.next = std::max(page.next, from);
  return page;
}

std::string FormatEventId(const EventPosition& position) {
  return std::to_string(position.origin) + "-" + std::to_string(position.seq);
}

uint64_t EventJournal::Listen(std::function<void()> listener) {
  MutexLock lock(&listeners_mu_);
  const uint64_t id = ++next_listener_;
  listeners_.emplace(id, std::make_shared<const std::function<void()>>(std::move(listener)));
  return id;
}

void EventJournal::Unlisten(uint64_t id) {
  MutexLock lock(&listeners_mu_);
  listeners_.erase(id);
}

void EventJournal::Notify() {
  std::vector<std::shared_ptr<const std::function<void()>>> listeners;
  {
    MutexLock lock(&listeners_mu_);
    listeners.reserve(listeners_.size());
    for (const auto& [id, fn] : listeners_) listeners.push_back(fn);
  }
  for (const auto& fn : listeners) (*fn)();
}

}  // namespace vault
