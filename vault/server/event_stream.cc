// Session's event feed (GET /v1/events): opening it (the uid's slot and the
// Router's checks) and streaming it. The rest of the session is session.cc.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <array>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "vault/server/session.h"
#include "vault/wire/events_json.h"

namespace vault {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

// The most events one write of an event feed carries: a feed's buffer is
// bounded whatever the journal holds.
constexpr size_t kMaxEventsPerWrite = 256;
// What an event feed tells EventSource clients to wait before reconnecting.
constexpr std::string_view kEventRetry = "retry: 3000\n\n";

}  // namespace

void Session::WakeStream() {
  wake_posted_.store(false, std::memory_order_release);
  notified_ = true;
  if (wake_ != nullptr) wake_->cancel();
}

asio::awaitable<Router::EventStreamStart> Session::OpenEvents(
    const HttpRequest& request, const RequestContext& context, std::string_view* route,
    std::optional<UidConnections::Slot>* slot) {
  // The slot is taken by the Router once the route's own checks have passed
  // (so a refused or malformed request is answered as such, not 429), on a
  // worker; this coroutine waits meanwhile, so *slot is not shared.
  const size_t max = hub_->limits().max_event_streams_per_uid;
  UidConnections& streams = hub_->event_streams();
  const uid_t uid = peer_.uid;
  const std::function<bool()> reserve = [&streams, uid, max, slot] {
    std::optional<UidConnections::Slot> reserved = streams.TryReserve(uid, max);
    if (!reserved.has_value()) return false;
    slot->emplace(std::move(*reserved));
    return true;
  };
  co_return co_await asio::co_spawn(
      hub_->workers(),
      [&]() -> asio::awaitable<Router::EventStreamStart> {
        co_return hub_->router().HandleEvents(request, context, route, reserve);
      },
      asio::use_awaitable);
}

namespace {

// Removes a feed's listener from its journal however the feed ends.
class ListenerGuard {
 public:
  ListenerGuard(EventJournal* journal, uint64_t id) : journal_(journal), id_(id) {}
  ~ListenerGuard() { journal_->Unlisten(id_); }
  ListenerGuard(const ListenerGuard&) = delete;
  ListenerGuard& operator=(const ListenerGuard&) = delete;

 private:
  EventJournal* const journal_;
  const uint64_t id_;
};

}  // namespace

asio::awaitable<void> Session::StreamEvents(EventSubscription subscription) {
  const std::shared_ptr<Session> self = shared_from_this();
  wake_ = std::make_unique<asio::steady_timer>(stream_.get_executor());
  // The peer sends nothing more on an event feed: a read that ends means it
  // has gone, and the feed ends at once rather than at its next write.
  asio::co_spawn(
      stream_.get_executor(),
      [self]() -> asio::awaitable<void> {
        std::array<char, 512> scratch;
        for (;;) {
          auto [ec, n] = co_await self->stream_.socket().async_read_some(asio::buffer(scratch),
                                                                        kAwaitTuple);
          if (ec) break;
        }
        self->peer_gone_ = true;
        if (self->wake_ != nullptr) self->wake_->cancel();
      },
      asio::detached);
  EventJournal& journal = *subscription.journal;
  // The listener holds nothing but a weak pointer: it may outlive the feed
  // for the length of one Notify, and must not keep the session (or its
  // executor) alive from inside the journal.
  const std::weak_ptr<Session> weak = self;
  const ListenerGuard listening(&journal, journal.Listen([weak] {
    const std::shared_ptr<Session> session = weak.lock();
    if (session == nullptr || session->wake_posted_.exchange(true, std::memory_order_acq_rel)) {
      return;
    }
    asio::post(session->executor(), [weak] {
      if (const std::shared_ptr<Session> s = weak.lock()) s->WakeStream();
    });
  }));
  const SessionLimits& limits = hub_->limits();
  ServerMetrics& metrics = hub_->metrics();
  metrics.RecordEventStream(+1);
  const UnixMillis origin = journal.origin();
  uint64_t after = subscription.after;
  // The position of the last id written: a heartbeat carries the reader's
  // position when it has moved past events the reader does not see, so that
  // a reader that reconnects resumes from there, not from before them.
  uint64_t sent_position = after;
  std::string out(kEventRetry);
  uint64_t events = 0;  // in `out`, not yet written
  uint64_t resets = 0;
  if (!subscription.reset.empty()) {
    out += EncodeResetMessage(origin, after, subscription.reset, SystemClock::Default()->NowMillis());
    ++resets;
  }
  // Only a write moves the heartbeat: wake-ups for events the reader does
  // not see must not put it off.
  auto next_heartbeat = std::chrono::steady_clock::now() + limits.event_heartbeat;
  for (;;) {
    if (hub_->stopping() || peer_gone_) break;
    notified_ = false;
    const EventJournal::Page page = journal.Read(after, subscription.filter, kMaxEventsPerWrite);
    for (size_t i = 0; i <= page.events.size(); ++i) {
      if (page.gap && i == page.gap_at) {
        out += EncodeResetMessage(origin, page.from, "overflow",
                                  SystemClock::Default()->NowMillis());
        ++resets;
        sent_position = page.from;
      }
      if (i == page.events.size()) break;
      out += EncodeEventMessage(origin, page.events[i]);
      sent_position = page.events[i].seq;
    }
    events += page.events.size();
    after = page.next;
    if (out.empty() && std::chrono::steady_clock::now() >= next_heartbeat) {
      out = ": heartbeat\n";
      if (after > sent_position) {
        out += "id: " + FormatEventId({origin, after}) + "\n";
        sent_position = after;
      }
      out += "\n";
    }
    if (!out.empty()) {
      stream_.expires_after(limits.idle_timeout);
      auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(out), kAwaitTuple);
      if (ec == beast::error::timeout) metrics.RecordTimeout(TimeoutPhase::kWrite);
      if (ec) break;
      metrics.RecordEventsSent(events, resets);
      events = 0;
      resets = 0;
      out.clear();
      next_heartbeat = std::chrono::steady_clock::now() + limits.event_heartbeat;
      if (page.events.size() == kMaxEventsPerWrite) continue;  // more may be waiting
    }
    if (notified_ || hub_->stopping() || peer_gone_) continue;
    wake_->expires_at(next_heartbeat);
    auto [ec] = co_await wake_->async_wait(kAwaitTuple);
    (void)ec;  // woken (news, shutdown, the peer gone) or the heartbeat is due
  }
  metrics.RecordEventStream(-1);
  stream_.expires_never();
}

}  // namespace vault
