// The event feed's journal (GET /v1/events, docs/api.md section 2.15): what
// happened to transcripts that a chat server would otherwise poll for
// (idle-closed, expired, erased, held), and what an auditor or admin watches
// (retention runs, refused calls). Events name transcripts by id and
// services by name, never content nor visitor data.
//
// The journal is in memory only and bounded: two rings, one for transcript
// events and one for the vault's own (so a flood of refusals cannot push a
// chat server's events out), each dropping its oldest event when full. Every
// event has a number, increasing across both rings, unique within one start
// of vaultd (the journal's origin, the start's Unix time in milliseconds).
// A reader that falls behind a ring's oldest event, or resumes from before
// a restart, is told so (a gap) and reconciles; nothing is kept on disk, so
// nothing here outlives the transcripts it names.
//
// Thread safety: every method may be called from any thread. Listeners are
// called on the publishing thread, outside the journal's locks, and must
// only hand work on (post it), never block.
#ifndef VAULT_EVENTS_H_
#define VAULT_EVENTS_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "vault/clock.h"
#include "vault/common/thread_annotations.h"

namespace vault {

enum class EventType : uint8_t {
  kIdleClosed,    // transcript.idle_closed: the vault closed an idle chat
  kExpired,       // transcript.expired: its key was destroyed with its epoch
  kErased,        // transcript.erased: erased on request (admin or dpo)
  kHeld,          // transcript.held: placed under legal hold
  kRetentionRun,  // retention.run: one run of the shredder ended
  kRefusal,       // access.refused: a call was refused for the caller's rights
};

// "transcript.idle_closed", ..., "retention.run", "access.refused".
const char* EventTypeName(EventType type);
// The four transcript.* events, which name a transcript and its service.
bool IsTranscriptEvent(EventType type);

struct VaultEvent {
  uint64_t seq = 0;  // set by Publish
  EventType type = EventType::kIdleClosed;
  UnixMillis at = 0;
  // Transcript events: its id (32 hex) and service. A refusal: the object
  // its audit record names, if any (a transcript, request or register id).
  std::string transcript;
  std::string service;
  // retention.run: "outcome", "shredded"; access.refused: "uid", "role",
  // "action", "outcome", "record" (its audit record's number).
  std::vector<std::pair<std::string, std::string>> facts;
};

// Which events one reader sees.
struct EventFilter {
  bool transcript_events = false;  // transcript.* of the services below
  bool all_services = false;
  std::set<std::string> services;
  bool vault_events = false;  // retention.run and access.refused

  bool Accepts(const VaultEvent& event) const;
};

struct EventJournalLimits {
  size_t transcript_events = 16384;
  size_t vault_events = 4096;
};

class EventJournal {
 public:
  EventJournal(UnixMillis origin, EventJournalLimits limits = {});
  EventJournal(const EventJournal&) = delete;
  EventJournal& operator=(const EventJournal&) = delete;

  UnixMillis origin() const { return origin_; }
  const EventJournalLimits& limits() const { return limits_; }

  // Numbers the event, keeps it (dropping its ring's oldest if full), then
  // tells every listener.
  void Publish(VaultEvent event) EXCLUDES(mu_, listeners_mu_);
  // The same for several, in order, telling the listeners once.
  void Publish(std::vector<VaultEvent> events) EXCLUDES(mu_, listeners_mu_);
  // Records that `count` events of the kind of `type` happened and were not
  // kept (more than a ring holds at once): they use numbers, and a reader
  // from before them is told of a gap.
  void Skip(EventType type, uint64_t count) EXCLUDES(mu_, listeners_mu_);
  // The number of the latest event (0 before the first).
  uint64_t last_seq() const EXCLUDES(mu_);

  struct Page {
    std::vector<VaultEvent> events;  // oldest first
    // Some event after `after` that this reader might have seen was dropped:
    // the reader must reconcile. Its reset goes before events[gap_at], and
    // is numbered `from` (at or above every number dropped, below every
    // event after it).
    bool gap = false;
    size_t gap_at = 0;
    uint64_t from = 0;
    uint64_t next = 0;  // read on from here
  };
  // Up to `max` events numbered above `after` that `filter` accepts.
  Page Read(uint64_t after, const EventFilter& filter, size_t max) const EXCLUDES(mu_);

  // `listener` is called after every Publish and Skip until Unlisten.
  uint64_t Listen(std::function<void()> listener) EXCLUDES(listeners_mu_);
  void Unlisten(uint64_t id) EXCLUDES(listeners_mu_);

 private:
  struct Ring {
    std::deque<VaultEvent> events;
    uint64_t dropped_upto = 0;  // the highest number dropped or skipped
  };
  Ring& RingOf(EventType type) REQUIRES(mu_);
  void Keep(VaultEvent event) REQUIRES(mu_);
  void Notify() EXCLUDES(listeners_mu_);

  const UnixMillis origin_;
  const EventJournalLimits limits_;
  mutable Mutex mu_;
  uint64_t last_seq_ GUARDED_BY(mu_) = 0;
  Ring transcripts_ GUARDED_BY(mu_);
  Ring vault_ GUARDED_BY(mu_);

  Mutex listeners_mu_;
  uint64_t next_listener_ GUARDED_BY(listeners_mu_) = 0;
  std::map<uint64_t, std::shared_ptr<const std::function<void()>>> listeners_
      GUARDED_BY(listeners_mu_);
};

// A reader's place in the feed: the journal's origin and an event number
// (the SSE id "<origin>-<seq>").
struct EventPosition {
  UnixMillis origin = 0;
  uint64_t seq = 0;
};

// "<origin>-<seq>": the SSE id of the event at `position` (its parser, for
// Last-Event-ID, is ParseEventId in vault/wire/events_json.h).
std::string FormatEventId(const EventPosition& position);

// What a subscription (Vault::SubscribeEvents) gives the server.
struct EventSubscription {
  std::shared_ptr<EventJournal> journal;
  EventFilter filter;
  uint64_t after = 0;  // deliver events numbered above this
  // Set when the reader's Last-Event-ID cannot be resumed exactly:
  // "restart" (it is from an earlier start of vaultd) or "overflow" (events
  // since it were dropped). The stream then begins with a reset event.
  std::string reset;
};

}  // namespace vault

#endif  // VAULT_EVENTS_H_
