// The event feed over the socket (GET /v1/events, docs/api.md section 9):
// a writer's transcript events with no content nor visitor data, resuming
// with Last-Event-ID (exactly the events after it), a reset after a restart,
// bad and unknown ids refused with 400, the per-uid limit of open feeds and
// its slot freed when a reader goes, heartbeats, shutdown with a feed open,
// and the access.refused events an auditor sees, matched to the audit log.
//
// Each stream is read by SseStream below, over a raw socket: every read is
// bounded by a deadline through poll(); nothing sleeps in place of waiting
// for what it expects.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon_fixture.h"
#include "tests/support/exposition.h"
#include "tests/support/raw_http.h"
#include "tests/support/response_recorder.h"
#include "vault/client.h"
#include "vault/types.h"

namespace vault::testing {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// One SSE block: an event (id, event, data), or a comment, or the retry
// field that opens every stream.
struct SseBlock {
  std::string id;
  std::string event;
  std::string data;
  std::string retry;
  std::string comment;
  bool is_event() const { return !event.empty() || !data.empty(); }
  json::object Data() const {
    boost::system::error_code ec;
    json::value v = json::parse(data, ec);
    if (ec || !v.is_object()) {
      ADD_FAILURE() << "data is not a JSON object: " << data;
      return {};
    }
    return v.as_object();
  }
};

// A reader of one event feed over its own connection.
class SseStream {
 public:
  // Connects, sends GET /v1/events with `headers` ("Name: value" each), and
  // reads the response header (and an error's body). Fails the test and
  // returns null if that cannot be done within 10 s.
  static std::unique_ptr<SseStream> Open(const std::string& socket,
                                         const std::vector<std::string>& headers = {}) {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      ADD_FAILURE() << "socket: " << std::strerror(errno);
      return nullptr;
    }
    std::unique_ptr<SseStream> s(new SseStream(fd));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket.c_str(), sizeof(addr.sun_path) - 1);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ADD_FAILURE() << "connect: " << std::strerror(errno);
      return nullptr;
    }
    std::string request = "GET /v1/events HTTP/1.1\r\nHost: vault\r\nAccept: text/event-stream\r\n";
    for (const std::string& h : headers) request += h + "\r\n";
    request += "\r\n";
    if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      ADD_FAILURE() << "send: " << std::strerror(errno);
      return nullptr;
    }
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    size_t end = std::string::npos;
    while ((end = s->pending_.find("\r\n\r\n")) == std::string::npos) {
      if (!s->ReadMore(deadline)) {
        ADD_FAILURE() << "no response header: " << s->pending_;
        return nullptr;
      }
    }
    s->header_ = s->pending_.substr(0, end + 4);
    s->pending_.erase(0, end + 4);
    s->status_ = StatusCodeOf(s->header_);
    const std::string length = HeaderOf(s->header_, "Content-Length");
    if (s->status_ != 200 && !length.empty()) {
      const size_t n = std::stoul(length);
      while (s->pending_.size() < n) {
        if (!s->ReadMore(deadline)) {
          ADD_FAILURE() << "short error body: " << s->header_ << s->pending_;
          return nullptr;
        }
      }
      s->body_ = s->pending_.substr(0, n);
      s->pending_.erase(0, n);
      RecordResponse("GET", "/v1/events", s->header_ + s->body_);
    } else {
      // The header alone: its Content-Type is checked, never the stream.
      RecordResponse("GET", "/v1/events", s->header_);
    }
    return s;
  }

  ~SseStream() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  int status() const { return status_; }
  const std::string& header() const { return header_; }
  // An error response's body.
  const std::string& body() const { return body_; }
  // Every byte of the stream's body received so far.
  const std::string& raw() const { return raw_; }
  bool eof() const { return eof_; }

  // The next block, or nullopt if none came by the deadline or the stream
  // ended (eof()).
  std::optional<SseBlock> NextBlock(Clock::time_point deadline) {
    for (;;) {
      const size_t end = pending_.find("\n\n");
      if (end != std::string::npos) {
        SseBlock block = Parse(pending_.substr(0, end));
        pending_.erase(0, end + 2);
        // Every event is checked against docs/openapi.json (its data schema).
        if (block.is_event()) RecordEvent("/v1/events", block.event, block.data);
        return block;
      }
      if (!ReadMore(deadline)) return std::nullopt;
    }
  }
  // The next event, passing over comments and the retry field.
  std::optional<SseBlock> NextEvent(milliseconds timeout = milliseconds(10000)) {
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      std::optional<SseBlock> block = NextBlock(deadline);
      if (!block.has_value() || block->is_event()) return block;
    }
  }
  // True if the server closes the stream by the deadline.
  bool WaitForEof(milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    while (ReadMore(deadline)) {
    }
    return eof_;
  }

 private:
  explicit SseStream(int fd) : fd_(fd) {}

  static SseBlock Parse(const std::string& text) {
    SseBlock block;
    size_t pos = 0;
    while (pos <= text.size()) {
      size_t nl = text.find('\n', pos);
      if (nl == std::string::npos) nl = text.size();
      const std::string line = text.substr(pos, nl - pos);
      pos = nl + 1;
      if (line.empty()) continue;
      if (line[0] == ':') {
        block.comment = line.substr(line.size() > 1 && line[1] == ' ' ? 2 : 1);
        continue;
      }
      const size_t colon = line.find(':');
      const std::string field = line.substr(0, colon);
      std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
      if (!value.empty() && value[0] == ' ') value.erase(0, 1);
      if (field == "id") block.id = value;
      if (field == "event") block.event = value;
      if (field == "data") block.data += value;
      if (field == "retry") block.retry = value;
    }
    return block;
  }

  // Appends what arrives by the deadline; false on timeout, EOF or error.
  bool ReadMore(Clock::time_point deadline) {
    if (fd_ < 0 || eof_) return false;
    for (;;) {
      const auto left =
          std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
      pollfd p = {fd_, POLLIN, 0};
      const int ready = poll(&p, 1, left < 0 ? 0 : static_cast<int>(left));
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) return false;
      char buffer[16384];
      const ssize_t n = recv(fd_, buffer, sizeof buffer, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        eof_ = true;
        return false;
      }
      pending_.append(buffer, static_cast<size_t>(n));
      if (status_ != 0) {
        raw_.append(buffer, static_cast<size_t>(n));
      } else if (const size_t end = pending_.find("\r\n\r\n"); end != std::string::npos) {
        raw_ = pending_.substr(end + 4);
      }
      return true;
    }
  }

  int fd_ = -1;
  int status_ = 0;
  bool eof_ = false;
  std::string header_;
  std::string body_;
  std::string pending_;
  std::string raw_;
};

// "<origin>-<seq>" split.
std::pair<uint64_t, uint64_t> SplitId(const std::string& id) {
  const size_t dash = id.find('-');
  EXPECT_NE(dash, std::string::npos) << id;
  if (dash == std::string::npos) return {0, 0};
  return {std::stoull(id.substr(0, dash)), std::stoull(id.substr(dash + 1))};
}

// Checks a transcript event's message and data: the data repeats the id and
// type, and holds exactly id, type, at, transcript and service.
void ExpectTranscriptEvent(const SseBlock& e, const std::string& type, const std::string& id,
                           const std::string& service) {
  EXPECT_EQ(e.event, type) << e.data;
  const json::object data = e.Data();
  std::set<std::string> keys;
  for (const auto& kv : data) keys.insert(std::string(kv.key()));
  EXPECT_EQ(keys, (std::set<std::string>{"id", "type", "at", "transcript", "service"})) << e.data;
  if (keys.size() != 5) return;
  EXPECT_EQ(data.at("id").as_string(), e.id);
  EXPECT_EQ(data.at("type").as_string(), type);
  EXPECT_EQ(data.at("transcript").as_string(), id);
  EXPECT_EQ(data.at("service").as_string(), service);
  const std::string at(data.at("at").as_string());
  EXPECT_TRUE(at.size() >= 20 && at.back() == 'Z') << at;
}

class EventsTest : public DaemonTest {
 protected:
  explicit EventsTest(std::vector<std::string> flags = {}) : DaemonTest(std::move(flags)) {}

  std::unique_ptr<SseStream> Open(const std::vector<std::string>& headers = {}) {
    return SseStream::Open(daemon_.socket_path(), headers);
  }
  std::unique_ptr<SseStream> OpenOk(const std::vector<std::string>& headers = {}) {
    std::unique_ptr<SseStream> s = Open(headers);
    EXPECT_NE(s, nullptr);
    if (s != nullptr) {
      EXPECT_EQ(s->status(), 200) << s->header() << s->body();
    }
    return s;
  }
  // A new closed transcript of `service` with one message.
  std::string Closed(const std::string& service = "svc") {
    auto created = client_->CreateTranscript(MarkedVisitorRequest(service));
    EXPECT_OK(created);
    if (!created.ok()) return "";
    EXPECT_OK(client_->AppendMessage(created->id, MakeMessage(0, "CONTENT-MARKER-7f3a")));
    EXPECT_OK(client_->CloseTranscript(created->id));
    return created->id;
  }
  // Scrapes /metrics until `name` is `want`, for at most 10 s: the feed
  // counts what it wrote after the write completes, which may be just after
  // the reader has it. The last value seen.
  double MetricBecomes(std::string_view name, double want) {
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    double seen = ScrapeMetric(*client_, name);
    while (seen != want && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      seen = ScrapeMetric(*client_, name);
    }
    return seen;
  }
  // Erases `id` (as an admin when `body` is empty).
  void Erase(const std::string& id, const std::string& body = "") {
    auto reply = client_->Request("POST", "/v1/transcripts/" + id + "/erase", body,
                                  body.empty() ? "" : "application/json");
    ASSERT_OK(reply);
    ASSERT_EQ(reply->status, 200) << reply->body;
  }
  // Reads the next event, which must be the erasure of `id`: its SSE id.
  std::string ExpectErased(SseStream& s, const std::string& id) {
    std::optional<SseBlock> e = s.NextEvent();
    EXPECT_TRUE(e.has_value()) << "no event; eof=" << s.eof() << " so far: " << s.raw();
    if (!e.has_value()) return "";
    ExpectTranscriptEvent(*e, "transcript.erased", id, "svc");
    return e->id;
  }
};

TEST_F(EventsTest, TheFeedIsAnEventStreamThatStartsWithRetry) {
  std::unique_ptr<SseStream> s = OpenOk();
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(HeaderOf(s->header(), "Content-Type"), "text/event-stream");
  EXPECT_EQ(HeaderOf(s->header(), "Cache-Control"), "no-store");
  EXPECT_EQ(HeaderOf(s->header(), "Connection"), "close");
  EXPECT_EQ(HeaderOf(s->header(), "Content-Length"), "") << s->header();
  EXPECT_EQ(HeaderOf(s->header(), "Transfer-Encoding"), "") << s->header();
  std::optional<SseBlock> first = s->NextBlock(Clock::now() + std::chrono::seconds(10));
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->retry, "3000");
  EXPECT_EQ(s->raw().substr(0, 13), "retry: 3000\n\n");
  // Events published after the header are delivered; the first numbered
  // event of this start is 1 and later ones count up.
  const std::string a = Closed();
  const std::string b = Closed();
  Erase(a);
  Erase(b);
  const std::string first_id = ExpectErased(*s, a);
  const std::string second_id = ExpectErased(*s, b);
  const auto [o1, n1] = SplitId(first_id);
  const auto [o2, n2] = SplitId(second_id);
  EXPECT_EQ(o1, o2);
  EXPECT_GT(o1, 1700000000000u) << "the origin is the start's Unix time in ms";
  EXPECT_EQ(n2, n1 + 1);
}

TEST_F(EventsTest, AResumedFeedSendsExactlyTheEventsAfterItsLastEventId) {
  std::vector<std::string> ids;
  for (int i = 0; i < 6; ++i) ids.push_back(Closed());
  std::unique_ptr<SseStream> s = OpenOk();
  ASSERT_NE(s, nullptr);
  for (int i = 0; i < 3; ++i) Erase(ids[i]);
  std::vector<std::string> seen;
  for (int i = 0; i < 3; ++i) seen.push_back(ExpectErased(*s, ids[i]));
  s->Close();
  Erase(ids[3]);
  Erase(ids[4]);
  // Resumed from the second event: the third, then the two erased while
  // no reader was connected.
  std::unique_ptr<SseStream> resumed = OpenOk({"Last-Event-ID: " + seen[1]});
  ASSERT_NE(resumed, nullptr);
  EXPECT_EQ(ExpectErased(*resumed, ids[2]), seen[2]) << "the same id as first sent";
  const std::string fourth = ExpectErased(*resumed, ids[3]);
  const std::string fifth = ExpectErased(*resumed, ids[4]);
  // Nothing else in between: the next event is the next erasure.
  Erase(ids[5]);
  const std::string sixth = ExpectErased(*resumed, ids[5]);
  EXPECT_EQ(resumed->raw().find("reset"), std::string::npos) << resumed->raw();
  // Resumed from the latest: nothing until something new happens.
  std::unique_ptr<SseStream> latest = OpenOk({"Last-Event-ID: " + sixth});
  ASSERT_NE(latest, nullptr);
  const std::string extra = Closed();
  Erase(extra);
  const std::string latest_id = ExpectErased(*latest, extra);
  EXPECT_EQ(ExpectErased(*resumed, extra), latest_id);
  EXPECT_EQ(SplitId(latest_id).second, SplitId(sixth).second + 1);
  EXPECT_EQ(SplitId(fifth).second, SplitId(fourth).second + 1);
}

TEST_F(EventsTest, AnIdFromBeforeARestartBeginsWithAResetThenThisStartsEvents) {
  const std::string before = Closed();
  std::unique_ptr<SseStream> s = OpenOk();
  ASSERT_NE(s, nullptr);
  Erase(before);
  const std::string old_id = ExpectErased(*s, before);
  s->Close();
  client_.reset();
  ASSERT_OK(daemon_.Restart());
  ASSERT_NO_FATAL_FAILURE(Reconnect());
  const std::string after = Closed();
  Erase(after);
  std::unique_ptr<SseStream> resumed = OpenOk({"Last-Event-ID: " + old_id});
  ASSERT_NE(resumed, nullptr);
  std::optional<SseBlock> reset = resumed->NextEvent();
  ASSERT_TRUE(reset.has_value()) << resumed->raw();
  EXPECT_EQ(reset->event, "reset");
  const json::object data = reset->Data();
  EXPECT_EQ(data.at("type").as_string(), "reset");
  EXPECT_EQ(data.at("reason").as_string(), "restart");
  EXPECT_EQ(data.at("id").as_string(), reset->id);
  const auto [old_origin, old_seq] = SplitId(old_id);
  const auto [new_origin, new_seq] = SplitId(reset->id);
  EXPECT_GT(new_origin, old_origin);
  EXPECT_EQ(new_seq, 0u) << "every event of this start follows";
  // Then every event of this start: the erasure made before reconnecting.
  const std::string erased_id = ExpectErased(*resumed, after);
  EXPECT_EQ(SplitId(erased_id).first, new_origin);
  // The metrics of this start: one feed open, one reset and one event sent.
  EXPECT_EQ(MetricBecomes("vault_event_streams_open", 1.0), 1.0);
  EXPECT_EQ(MetricBecomes("vault_event_resets_total", 1.0), 1.0);
  EXPECT_EQ(MetricBecomes("vault_events_sent_total", 1.0), 1.0);
  resumed->Close();
  EXPECT_EQ(MetricBecomes("vault_event_streams_open", 0.0), 0.0);
}

TEST_F(EventsTest, BadAndUnknownLastEventIdsAreRefusedAndChangeNothing) {
  const std::string a = Closed();
  const std::string b = Closed();
  std::unique_ptr<SseStream> s = OpenOk();
  ASSERT_NE(s, nullptr);
  Erase(a);
  const std::string good = ExpectErased(*s, a);
  const auto [origin, seq] = SplitId(good);

  const std::vector<std::string> malformed = {
      "",
      "abc",
      "12345",
      "12345-",
      "-5",
      "0-1",
      "00-1",
      std::to_string(origin) + "-" + std::to_string(seq) + "-1",
      std::to_string(origin) + "_" + std::to_string(seq),
      "+" + std::to_string(origin) + "-1",
      std::to_string(origin) + "-+1",
      std::to_string(origin) + "--1",
      std::to_string(origin) + "-1x",
      "0x10-1",
      "99999999999999999999-1",              // beyond a 64-bit signed origin
      std::to_string(origin) + "-99999999999999999999",  // beyond 64 bits
      "1-" + std::string(40, '0'),           // 42 bytes
      std::to_string(origin) + "-" + std::string(21, '1'),
  };
  for (const std::string& id : malformed) {
    SCOPED_TRACE("Last-Event-ID: '" + id + "'");
    std::unique_ptr<SseStream> bad = Open({"Last-Event-ID: " + id});
    ASSERT_NE(bad, nullptr);
    EXPECT_TRUE(IsRawJsonError(bad->header() + bad->body(), 400, "invalid_event_id"))
        << bad->header() << bad->body();
  }
  {
    SCOPED_TRACE("two Last-Event-ID headers");
    std::unique_ptr<SseStream> twice =
        Open({"Last-Event-ID: " + good, "Last-Event-ID: " + good});
    ASSERT_NE(twice, nullptr);
    EXPECT_TRUE(IsRawJsonError(twice->header() + twice->body(), 400, "invalid_event_id"))
        << twice->header() << twice->body();
  }
  const std::vector<std::string> unknown = {
      std::to_string(origin) + "-" + std::to_string(seq + 1000),
      std::to_string(origin + 1) + "-0",
      std::to_string(origin + 86400000) + "-" + std::to_string(seq),
  };
  for (const std::string& id : unknown) {
    SCOPED_TRACE("Last-Event-ID: " + id);
    std::unique_ptr<SseStream> bad = Open({"Last-Event-ID: " + id});
    ASSERT_NE(bad, nullptr);
    EXPECT_TRUE(IsRawJsonError(bad->header() + bad->body(), 400, "unknown_event_id"))
        << bad->header() << bad->body();
  }
  // Unknown ids are audited, as events.subscribe.
  int audited = 0;
  for (const json::object& r : AuditRecords(*client_)) {
    if (r.at("type") != json::value("access")) continue;
    const json::object& p = r.at("payload").as_object();
    if (p.at("action") == json::value("events.subscribe") &&
        p.at("outcome") == json::value("unknown_event_id")) {
      ++audited;
    }
  }
  EXPECT_EQ(audited, static_cast<int>(unknown.size()));

  // Nothing changed: the open feed goes on, and the good id still resumes.
  Erase(b);
  const std::string next = ExpectErased(*s, b);
  EXPECT_EQ(s->raw().find("reset"), std::string::npos);
  std::unique_ptr<SseStream> resumed = OpenOk({"Last-Event-ID: " + good});
  ASSERT_NE(resumed, nullptr);
  EXPECT_EQ(ExpectErased(*resumed, b), next);
}

class EventStreamLimitTest : public EventsTest {
 protected:
  EventStreamLimitTest() : EventsTest({"--max-event-streams-per-uid", "2"}) {}
};

TEST_F(EventStreamLimitTest, AUidHoldsAtMostItsFeedsAndAClosedOneFreesItsSlot) {
  std::unique_ptr<SseStream> first = OpenOk();
  std::unique_ptr<SseStream> second = OpenOk();
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  std::unique_ptr<SseStream> third = Open();
  ASSERT_NE(third, nullptr);
  EXPECT_TRUE(IsRawJsonError(third->header() + third->body(), 429, "too_many_event_streams"))
      << third->header() << third->body();
  // Other calls of the same uid are not limited by it.
  EXPECT_OK(client_->Health());

  // The reader of the first goes: its slot is freed without any event to
  // write, once the server sees the connection end.
  first->Close();
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  std::unique_ptr<SseStream> replacement;
  int refused = 0;
  while (Clock::now() < deadline) {
    std::unique_ptr<SseStream> attempt = Open();
    ASSERT_NE(attempt, nullptr);
    if (attempt->status() == 200) {
      replacement = std::move(attempt);
      break;
    }
    EXPECT_TRUE(IsRawJsonError(attempt->header() + attempt->body(), 429, "too_many_event_streams"))
        << attempt->header() << attempt->body();
    ++refused;
  }
  ASSERT_NE(replacement, nullptr) << "the closed feed's slot was not freed in 10 s";
  // Both live feeds work.
  const std::string id = Closed();
  Erase(id);
  ExpectErased(*second, id);
  ExpectErased(*replacement, id);
  // And the limit holds again.
  std::unique_ptr<SseStream> over = Open();
  ASSERT_NE(over, nullptr);
  EXPECT_EQ(over->status(), 429) << over->header();
}

class EventHeartbeatTest : public EventsTest {
 protected:
  EventHeartbeatTest() : EventsTest({"--event-heartbeat", "200ms"}) {}
};

TEST_F(EventHeartbeatTest, HeartbeatsComeWhenThereIsNothingToSay) {
  std::unique_ptr<SseStream> s = OpenOk();
  ASSERT_NE(s, nullptr);
  const auto start = Clock::now();
  int heartbeats = 0;
  while (heartbeats < 3) {
    std::optional<SseBlock> block = s->NextBlock(start + std::chrono::seconds(10));
    ASSERT_TRUE(block.has_value()) << "only " << heartbeats << " heartbeats: " << s->raw();
    if (block->comment == "heartbeat") ++heartbeats;
    EXPECT_FALSE(block->is_event()) << block->data;
  }
  // Three heartbeats 200 ms apart take at least about 600 ms.
  EXPECT_GE(Clock::now() - start, milliseconds(500));
  EXPECT_NE(s->raw().find(": heartbeat\n\n"), std::string::npos);
  // An event still comes through between heartbeats.
  const std::string id = Closed();
  Erase(id);
  ExpectErased(*s, id);
}

TEST_F(EventsTest, SigtermEndsAnOpenFeedAndVaultdExitsZero) {
  std::unique_ptr<SseStream> s = OpenOk();
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->NextBlock(Clock::now() + std::chrono::seconds(10)).has_value());  // retry
  daemon_.Signal(SIGTERM);
  EXPECT_TRUE(s->WaitForEof(milliseconds(20000))) << "the feed did not end: " << s->raw();
  EXPECT_EQ(daemon_.Wait(), 0) << daemon_.ReadLog();
}

// A writer only, with a fast heartbeat: events it does not see (refusals,
// for auditors) neither put its heartbeat off nor leave its position behind.
class QuietWriterEventsTest : public EventsTest {
 protected:
  QuietWriterEventsTest()
      : EventsTest({"--access.writer", "user:0", "--event-heartbeat", "300ms"}) {}
  // A call root is refused (it is a writer only): an access.refused event.
  void Refused() {
    auto reply = client_->Request("GET", "/v1/retention", "", "");
    ASSERT_OK(reply);
    ASSERT_EQ(reply->status, 403) << reply->body;
  }
};

TEST_F(QuietWriterEventsTest, AHeartbeatCarriesThePositionPastEventsTheReaderDoesNotSee) {
  std::unique_ptr<SseStream> s = OpenOk();
  ASSERT_NE(s, nullptr);
  const std::string a = Closed();
  Erase(a, R"({"reason":"visitor_request"})");
  const std::string erased = ExpectErased(*s, a);
  for (int i = 0; i < 5; ++i) ASSERT_NO_FATAL_FAILURE(Refused());
  // A heartbeat names the position after the five refusals (one may come
  // between them, naming fewer), with no event: the reader's last event id
  // moves on without anything to handle.
  const auto [origin, seq] = SplitId(erased);
  const auto deadline = Clock::now() + std::chrono::seconds(10);
  std::optional<SseBlock> moved;
  while (!moved.has_value()) {
    std::optional<SseBlock> block = s->NextBlock(deadline);
    ASSERT_TRUE(block.has_value()) << s->raw();
    ASSERT_FALSE(block->is_event()) << "a writer sees no refusal: " << block->data;
    if (block->id.empty()) continue;
    EXPECT_EQ(block->comment, "heartbeat");
    const auto [o, n] = SplitId(block->id);
    EXPECT_EQ(o, origin);
    ASSERT_GT(n, seq);
    ASSERT_LE(n, seq + 5);
    if (n == seq + 5) moved = block;
  }
  // Resuming from it: no reset, and the next event is the next erasure.
  s->Close();
  std::unique_ptr<SseStream> resumed = OpenOk({"Last-Event-ID: " + moved->id});
  ASSERT_NE(resumed, nullptr);
  const std::string b = Closed();
  Erase(b, R"({"reason":"visitor_request"})");
  EXPECT_EQ(SplitId(ExpectErased(*resumed, b)).second, seq + 6);
  EXPECT_EQ(resumed->raw().find("reset"), std::string::npos) << resumed->raw();
}

TEST_F(QuietWriterEventsTest, EventsTheReaderDoesNotSeeDoNotPutItsHeartbeatOff) {
  std::unique_ptr<SseStream> s = OpenOk();
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->NextBlock(Clock::now() + std::chrono::seconds(10)).has_value());  // retry
  // Refusals every few milliseconds, for longer than two heartbeats: each
  // wakes the feed, and still a heartbeat comes every 300 ms.
  const auto start = Clock::now();
  int heartbeats = 0;
  while (Clock::now() - start < std::chrono::milliseconds(1500)) {
    ASSERT_NO_FATAL_FAILURE(Refused());
    std::optional<SseBlock> block = s->NextBlock(Clock::now() + std::chrono::milliseconds(5));
    if (block.has_value() && block->comment == "heartbeat") ++heartbeats;
  }
  while (std::optional<SseBlock> block = s->NextBlock(Clock::now())) {
    if (block->comment == "heartbeat") ++heartbeats;
  }
  EXPECT_GE(heartbeats, 3) << s->raw();
}

// A writer of one service: the feed names its transcripts as they are
// closed for idleness, erased at the visitor's request and expired; never
// their content nor their visitor's data.
class WriterEventsTest : public EventsTest {
 protected:
  WriterEventsTest()
      : EventsTest({"--access.writer", "user:0 services=svc", "--retention", "3s", "--epoch", "1s",
                    "--idle-close", "1s"}) {}
};

TEST_F(WriterEventsTest, AWriterSeesItsTranscriptsIdleClosedErasedAndExpired) {
  std::unique_ptr<SseStream> s = OpenOk();
  ASSERT_NE(s, nullptr);
  // Left open: closed for idleness, then expired.
  auto idle = client_->CreateTranscript(MarkedVisitorRequest("svc"));
  ASSERT_OK(idle);
  ASSERT_OK(client_->AppendMessage(idle->id, MakeMessage(0, "CONTENT-MARKER-7f3a")));
  // Erased at the visitor's request (the writer's own way to erase).
  const std::string erased = Closed();
  Erase(erased, R"({"reason":"visitor_request"})");
  // Closed: expires.
  const std::string expired = Closed();

  std::map<std::string, std::set<std::string>> seen;  // type -> transcripts
  std::vector<std::string> order;
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  auto done = [&] {
    return seen["transcript.idle_closed"].count(idle->id) &&
           seen["transcript.erased"].count(erased) && seen["transcript.expired"].count(expired) &&
           seen["transcript.expired"].count(idle->id);
  };
  while (!done()) {
    std::optional<SseBlock> e = s->NextBlock(deadline);
    ASSERT_TRUE(e.has_value()) << "eof=" << s->eof() << "; so far:\n" << s->raw();
    if (!e->is_event()) continue;
    ASSERT_NE(e->event, "reset") << s->raw();
    const json::object data = e->Data();
    const std::string transcript(data.contains("transcript") ? data.at("transcript").as_string()
                                                             : "");
    ExpectTranscriptEvent(*e, e->event, transcript, "svc");
    seen[e->event].insert(transcript);
    order.push_back(e->event + " " + transcript);
  }
  // Each once, in the order they happened to each transcript.
  EXPECT_EQ(order.size(), 4u) << ::testing::PrintToString(order);
  const auto at = [&](const std::string& what) {
    return std::find(order.begin(), order.end(), what) - order.begin();
  };
  EXPECT_LT(at("transcript.idle_closed " + idle->id), at("transcript.expired " + idle->id));
  EXPECT_EQ(seen["transcript.expired"].count(erased), 0u) << "an erased chat does not expire";
  EXPECT_TRUE(seen["transcript.held"].empty());
  // Nothing of what was said nor of who said it.
  for (const char* secret : {"CONTENT-MARKER-7f3a", "VISITOR-NAME-MARKER", "203.0.113.99"}) {
    EXPECT_EQ(s->raw().find(secret), std::string::npos) << secret << " in:\n" << s->raw();
  }
}

// Root as a writer of one service and an auditor: a call refused for its
// role is an access.refused event naming its audit record.
class AuditorEventsTest : public EventsTest {
 protected:
  AuditorEventsTest()
      : EventsTest({"--access.writer", "user:0 services=svc", "--access.auditor", "user:0"}) {}
};

TEST_F(AuditorEventsTest, ARefusedCallIsAnAccessRefusedEventNamingItsAuditRecord) {
  std::unique_ptr<SseStream> s = OpenOk();
  ASSERT_NE(s, nullptr);
  // Backups are the admin's: refused for this caller's roles.
  auto refused = client_->Request("POST", "/v1/backup", "", "");
  ASSERT_OK(refused);
  ASSERT_TRUE(IsJsonError(*refused, 403, "forbidden")) << refused->body;
  // A transcript of another service: refused for its scope, and named.
  const std::string missing(32, 'c');
  auto other = client_->Request("GET", "/v1/transcripts/" + missing, "", "");
  ASSERT_OK(other);

  std::optional<SseBlock> e = s->NextEvent();
  ASSERT_TRUE(e.has_value()) << s->raw();
  EXPECT_EQ(e->event, "access.refused");
  const json::object data = e->Data();
  std::set<std::string> keys;
  for (const auto& kv : data) keys.insert(std::string(kv.key()));
  EXPECT_EQ(keys, (std::set<std::string>{"id", "type", "at", "uid", "role", "action", "outcome",
                                         "record"}))
      << e->data;
  EXPECT_EQ(data.at("id").as_string(), e->id);
  EXPECT_EQ(data.at("type").as_string(), "access.refused");
  EXPECT_EQ(data.at("uid").to_number<int64_t>(), 0);
  EXPECT_EQ(data.at("outcome").as_string(), "forbidden");
  const std::string role(data.at("role").as_string());
  EXPECT_NE(role.find("writer"), std::string::npos) << role;
  EXPECT_NE(role.find("auditor"), std::string::npos) << role;
  const std::string action(data.at("action").as_string());
  EXPECT_EQ(action, "vault.backup");
  const uint64_t record = data.at("record").to_number<uint64_t>();

  auto page = client_->Request("GET", "/v1/audit/records?from=" + std::to_string(record) + "&limit=1",
                               "", "");
  ASSERT_OK(page);
  ASSERT_EQ(page->status, 200) << page->body;
  const json::value parsed = json::parse(page->body);
  const json::array& records = parsed.at("records").as_array();
  ASSERT_EQ(records.size(), 1u) << page->body;
  EXPECT_EQ(records[0].at("seq").to_number<uint64_t>(), record);
  const json::object& payload = records[0].at("payload").as_object();
  EXPECT_EQ(payload.at("action").as_string(), action);
  EXPECT_EQ(payload.at("outcome").as_string(), "forbidden");
  EXPECT_EQ(payload.at("actor").at("uid").to_number<int64_t>(), 0);
  EXPECT_EQ(payload.at("actor").at("role").as_string(), role);

  // The read of a transcript that is not there is no refusal (404, not
  // 403): the next event, if any, is not about it. A refusal whose record
  // names an object (the writer's erase without a reason) leaves it out of
  // the event, which admins read too; its record has it.
  const std::string mine = Closed();
  auto erase = client_->Request("POST", "/v1/transcripts/" + mine + "/erase", "", "");
  ASSERT_OK(erase);
  ASSERT_TRUE(IsJsonError(*erase, 403, "forbidden")) << erase->body;
  for (;;) {
    std::optional<SseBlock> next = s->NextEvent();
    ASSERT_TRUE(next.has_value()) << s->raw();
    const json::object d = next->Data();
    ASSERT_EQ(next->event, "access.refused") << next->data;
    if (d.at("action").as_string() == "vault.backup") continue;
    EXPECT_EQ(d.at("action").as_string(), "transcript.erase") << next->data;
    EXPECT_FALSE(d.contains("object")) << next->data;
    EXPECT_EQ(next->data.find(mine), std::string::npos) << next->data;
    const uint64_t erase_record = d.at("record").to_number<uint64_t>();
    EXPECT_GT(erase_record, record);
    auto named = client_->Request(
        "GET", "/v1/audit/records?from=" + std::to_string(erase_record) + "&limit=1", "", "");
    ASSERT_OK(named);
    ASSERT_EQ(named->status, 200) << named->body;
    const json::value v = json::parse(named->body);
    const json::object& p = v.at("records").as_array().at(0).at("payload").as_object();
    EXPECT_EQ(p.at("action").as_string(), "transcript.erase");
    ASSERT_EQ(p.at("objects").as_array().size(), 1u) << named->body;
    EXPECT_EQ(p.at("objects").as_array()[0].as_string(), mine);
    break;
  }
}

}  // namespace
}  // namespace vault::testing
