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

void EventJournal::Publish(VaultEvent event) {
  {
    MutexLock lock(&mu_);
    event.seq = ++last_seq_;
    Ring& ring = RingOf(event.type);
    const size_t cap = IsTranscriptEvent(event.type) ? limits_.transcript_events
                                                     : limits_.vault_events;
    while (!ring.events.empty() && ring.events.size() >= cap) {
      ring.dropped_upto = ring.events.front().seq;
      ring.events.pop_front();
    }
    if (cap == 0) {
      ring.dropped_upto = event.seq;
    } else {
      ring.events.push_back(std::move(event));
    }
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
  // A gap in a ring this reader reads: start after the drop in both rings,
  // so one reset covers it and the next read finds no gap again.
  uint64_t start = after;
  if (filter.transcript_events && transcripts_.dropped_upto > after) {
    start = std::max(start, transcripts_.dropped_upto);
  }
  if (filter.vault_events && vault_.dropped_upto > after) {
    start = std::max(start, vault_.dropped_upto);
  }
  page.gap = start != after;
  page.from = start;
  page.next = std::max(start, std::min(after, last_seq_));
  // The two rings merged by number, from `start` on.
  auto first_after = [start](const std::deque<VaultEvent>& events) {
    return std::upper_bound(events.begin(), events.end(), start,
                            [](uint64_t seq, const VaultEvent& e) { return seq < e.seq; });
  };
  auto t = filter.transcript_events ? first_after(transcripts_.events) : transcripts_.events.end();
  auto v = filter.vault_events ? first_after(vault_.events) : vault_.events.end();
  while (page.events.size() < max) {
    const bool has_t = t != transcripts_.events.end();
    const bool has_v = v != vault_.events.end();
    if (!has_t && !has_v) {
      page.next = std::max(page.next, last_seq_);  // nothing more this reader could see
      break;
    }
    auto& it = (has_t && (!has_v || t->seq < v->seq)) ? t : v;
    page.next = it->seq;
    if (filter.Accepts(*it)) page.events.push_back(*it);
    ++it;
  }
  return page;
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
