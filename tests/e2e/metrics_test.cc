// GET /metrics against a real vaultd: the exposition parses, counts move by
// exactly the requests made, histograms are cumulative and agree with the
// counters, transcript gauges survive kill -9, and nothing names a transcript
// or a visitor. Also: each access-log line describes its request.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cmath>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/daemon_fixture.h"
#include "tests/support/exposition.h"
#include "tests/support/raw_http.h"
#include "vault/client.h"

namespace vault::testing {
namespace {

constexpr char kRequests[] = "vault_http_requests_total";
constexpr char kLatency[] = "vault_http_request_duration_seconds";
constexpr char kSynced[] = "vault_store_synced_write_duration_seconds";
constexpr char kCommits[] = "vault_append_commit_duration_seconds";

class MetricsTest : public DaemonTest {
 protected:
  explicit MetricsTest(std::vector<std::string> flags = {}) : DaemonTest(std::move(flags)) {}
  // Scrapes /metrics and parses it; fails the test if it does not parse.
  Exposition Scrape() {
    auto reply = client_->Request("GET", "/metrics", "", "");
    EXPECT_OK(reply);
    if (!reply.ok()) return {};
    EXPECT_EQ(reply->status, 200);
    EXPECT_EQ(reply->Header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
    auto parsed = ParseExposition(reply->body);
    EXPECT_OK(parsed);
    text_ = reply->body;
    return parsed.ok() ? std::move(parsed).value() : Exposition();
  }

  static double Requests(const Exposition& e, const std::string& route, int status) {
    return e.ValueOr0(kRequests, {{"route", route}, {"status", std::to_string(status)}});
  }

  std::string text_;  // the last scrape
};

TEST_F(MetricsTest, ExpositionDeclaresEveryFamily) {
  ASSERT_OK(client_->Health());
  const Exposition e = Scrape();
  const std::map<std::string, std::string> expected = {
      {"vault_build_info", "gauge"},
      {"vault_start_time_seconds", "gauge"},
      {kRequests, "counter"},
      {kLatency, "histogram"},
      {"vault_http_connections_open", "gauge"},
      {"vault_io_thread_connections", "gauge"},
      {"vault_http_connections_rejected_total", "counter"},
      {"vault_http_connections_timed_out_total", "counter"},
      {"vault_event_streams_open", "gauge"},
      {"vault_events_sent_total", "counter"},
      {"vault_event_resets_total", "counter"},
      {"vault_transcripts", "gauge"},
      {"vault_store_bytes", "gauge"},
      {"vault_store_background_jobs", "gauge"},
      {kSynced, "histogram"},
      {"vault_store_wal_syncs_total", "counter"},
      {"vault_appends_queued_total", "counter"},
      {"vault_append_groups_total", "counter"},
      {kCommits, "histogram"},
      {"vault_open_transcripts_cached", "gauge"},
      {"vault_store_write_errors_total", "counter"},
      {"vault_retention_last_shred_timestamp_seconds", "gauge"},
      {"vault_retention_last_run_timestamp_seconds", "gauge"},
      {"vault_retention_base_epoch", "gauge"},
      {"vault_retention_shredded_total", "counter"},
      {"vault_retention_overdue_transcripts", "gauge"},
      {"vault_retention_damaged_records", "gauge"},
      {"vault_store_compaction_errors_total", "counter"},
      {"vault_store_read_only", "gauge"},
      {"vault_store_background_errors_total", "counter"},
      {"vault_store_recoveries_total", "counter"},
      {"vault_storage_free_bytes", "gauge"},
      {"vault_storage_reserve_bytes", "gauge"},
      {"vault_rights_requests_open", "gauge"},
      {"vault_rights_requests_overdue", "gauge"},
      {"vault_cases_at_threshold", "gauge"},
      {"vault_cases_stranded", "gauge"},
  };
  EXPECT_EQ(e.types, expected);
  EXPECT_EQ(e.Find("vault_retention_overdue_transcripts"), 0.0);
  // The shredder ran at start-up, before the socket opened.
  EXPECT_GT(e.Find("vault_retention_last_run_timestamp_seconds"), 1.7e9);
  EXPECT_EQ(e.Find("vault_build_info", {{"version", VAULT_VERSION}}), 1.0);
  EXPECT_EQ(e.Find("vault_http_connections_open"), 1.0);  // this client's connection
  EXPECT_EQ(e.Find("vault_store_write_errors_total"), 0.0);
  EXPECT_EQ(e.Find("vault_retention_damaged_records"), 0.0);
  EXPECT_EQ(e.Find("vault_rights_requests_open"), 0.0);
  EXPECT_EQ(e.Find("vault_rights_requests_overdue"), 0.0);
  EXPECT_EQ(e.Find("vault_cases_at_threshold"), 0.0);
  EXPECT_EQ(e.Find("vault_cases_stranded"), 0.0);
  EXPECT_EQ(e.Find("vault_store_compaction_errors_total"), 0.0);
  EXPECT_EQ(e.Find("vault_store_read_only"), 0.0);
  EXPECT_EQ(e.Find("vault_storage_reserve_bytes"), 96.0 * 1024 * 1024);
  EXPECT_GT(e.Find("vault_storage_free_bytes"), 0.0);
}

TEST_F(MetricsTest, RequestCountsMoveByExactlyTheRequestsMade) {
  const Exposition before = Scrape();

  ASSERT_OK(client_->Health());
  ASSERT_OK(client_->Health());
  auto created = client_->CreateTranscript({"svc", {}});
  ASSERT_OK(created);
  ASSERT_OK(client_->AppendMessage(created->id, MakeMessage(0, "hello")));
  ASSERT_OK(client_->AppendMessage(created->id, MakeMessage(0, "hello")));  // duplicate: 200
  ASSERT_OK(client_->GetTranscript(created->id));
  EXPECT_EQ(client_->GetTranscript(std::string(32, '0')).status().code(), Status::Code::kNotFound);
  auto wrong_method = client_->Request("POST", "/v1/health", "", "");
  ASSERT_OK(wrong_method);
  ASSERT_EQ(wrong_method->status, 405);
  auto no_route = client_->Request("GET", "/v1/nothing-here", "", "");
  ASSERT_OK(no_route);
  ASSERT_EQ(no_route->status, 404);

  const Exposition after = Scrape();
  const std::vector<std::tuple<std::string, int, double>> deltas = {
      {"/v1/health", 200, 2},
      {"/v1/health", 405, 1},
      {"/v1/transcripts", 201, 1},
      {"/v1/transcripts/{id}/messages", 201, 1},
      {"/v1/transcripts/{id}/messages", 200, 1},
      {"/v1/transcripts/{id}", 200, 1},
      {"/v1/transcripts/{id}", 404, 1},
      {"-", 404, 1},
      {"/metrics", 200, 1},  // the first scrape
  };
  double total = 0;
  for (const auto& [route, status, delta] : deltas) {
    EXPECT_EQ(Requests(after, route, status) - Requests(before, route, status), delta)
        << route << " " << status;
    total += delta;
  }
  double all_before = 0;
  double all_after = 0;
  for (const MetricSample& s : before.All(kRequests)) all_before += s.value;
  for (const MetricSample& s : after.All(kRequests)) all_after += s.value;
  EXPECT_EQ(all_after - all_before, total) << text_;
}

TEST_F(MetricsTest, ProtocolErrorsAreCountedWithoutARoute) {
  const Exposition before = Scrape();
  auto garbage = RawConnection::Open(daemon_.socket_path());
  ASSERT_OK(garbage);
  ASSERT_OK(garbage->Send("NOT HTTP AT ALL\r\n\r\n"));
  auto answer = garbage->ReadUntilClose();
  ASSERT_OK(answer);
  ASSERT_EQ(StatusCodeOf(*answer), 400) << *answer;
  auto huge = RawConnection::Open(daemon_.socket_path());
  ASSERT_OK(huge);
  ASSERT_OK(huge->Send("GET /v1/health HTTP/1.1\r\nHost: vault\r\nX-Big: " +
                       std::string(16 * 1024, 'b') + "\r\n\r\n"));
  answer = huge->ReadUntilClose();
  ASSERT_OK(answer);
  ASSERT_EQ(StatusCodeOf(*answer), 431) << *answer;
  const Exposition after = Scrape();
  EXPECT_EQ(Requests(after, "-", 400) - Requests(before, "-", 400), 1.0) << text_;
  EXPECT_EQ(Requests(after, "-", 431) - Requests(before, "-", 431), 1.0) << text_;
}

TEST_F(MetricsTest, HistogramsAreCumulativeAndAgreeWithTheCounters) {
  auto created = client_->CreateTranscript({"svc", {}});
  ASSERT_OK(created);
  for (uint64_t seq = 0; seq < 5; ++seq) {
    ASSERT_OK(client_->AppendMessage(created->id, MakeMessage(seq, "m")));
  }
  ASSERT_OK(client_->Health());
  ASSERT_OK(client_->Request("GET", "/nope", "", ""));
  Scrape();  // so that /metrics itself has a series
  const Exposition e = Scrape();

  // Group the _bucket samples by their labels other than `le`.
  std::map<std::pair<std::string, Labels>, std::vector<std::pair<double, double>>> series;
  for (const char* family : {kLatency, kSynced, kCommits}) {
    for (const MetricSample& s : e.All(std::string(family) + "_bucket")) {
      Labels rest = s.labels;
      ASSERT_EQ(rest.count("le"), 1u);
      double le = 0;
      if (rest["le"] == "+Inf") {
        le = INFINITY;
      } else {
        le = std::stod(rest["le"]);
      }
      rest.erase("le");
      series[{family, rest}].emplace_back(le, s.value);
    }
  }
  std::set<std::string> routes;
  for (const auto& [key, buckets] : series) {
    const auto& [family, labels] = key;
    SCOPED_TRACE(family + " " + (labels.count("route") ? labels.at("route") : ""));
    ASSERT_GE(buckets.size(), 2u);
    for (size_t i = 1; i < buckets.size(); ++i) {
      EXPECT_LT(buckets[i - 1].first, buckets[i].first) << "le must ascend";
      EXPECT_LE(buckets[i - 1].second, buckets[i].second) << "buckets must be cumulative";
    }
    EXPECT_TRUE(std::isinf(buckets.back().first)) << "the last bucket must be +Inf";
    const std::optional<double> count = e.Find(family + "_count", labels);
    ASSERT_TRUE(count.has_value());
    EXPECT_EQ(buckets.back().second, *count);
    const std::optional<double> sum = e.Find(family + "_sum", labels);
    ASSERT_TRUE(sum.has_value());
    EXPECT_GE(*sum, 0);
    if (family == kLatency) {
      routes.insert(labels.at("route"));
      double requests = 0;
      for (const MetricSample& s : e.All(kRequests)) {
        if (s.labels.at("route") == labels.at("route")) requests += s.value;
      }
      EXPECT_EQ(*count, requests);
    }
  }
  const std::set<std::string> expected_routes = {"/v1/transcripts", "/v1/transcripts/{id}/messages",
                                                 "/v1/health", "-", "/metrics"};
  EXPECT_EQ(routes, expected_routes);
  // 1 create + 5 appends, each one synced write.
  EXPECT_EQ(e.Find(std::string(kSynced) + "_count"), 6.0);
  // Every queued append's wait is counted (which of the five were queued
  // depends on the shredder's idle-close scan: QueuedMetricsTest counts them).
  EXPECT_EQ(e.Find(std::string(kCommits) + "_count"), e.Find("vault_appends_queued_total"));
}

TEST_F(MetricsTest, SyncedWritesCountOnlyWritesAndShareFsyncs) {
  const Exposition before = Scrape();
  auto created = client_->CreateTranscript({"svc", {}});
  ASSERT_OK(created);
  ASSERT_OK(client_->AppendMessage(created->id, MakeMessage(0, "a")));
  ASSERT_OK(client_->AppendMessage(created->id, MakeMessage(0, "a")));  // duplicate: no write
  ASSERT_OK(client_->GetTranscript(created->id));                       // read: no write
  ASSERT_OK(client_->CloseTranscript(created->id));
  ASSERT_OK(client_->CloseTranscript(created->id));  // already closed: no write
  const Exposition after = Scrape();
  const std::string count = std::string(kSynced) + "_count";
  EXPECT_EQ(after.ValueOr0(count) - before.ValueOr0(count), 3.0);
  const double syncs = after.ValueOr0("vault_store_wal_syncs_total") -
                       before.ValueOr0("vault_store_wal_syncs_total");
  EXPECT_GE(syncs, 1.0);
  EXPECT_LE(syncs, 3.0);
  EXPECT_GT(after.ValueOr0("vault_store_bytes", {{"kind", "wal"}}), 0.0);
}

// The shredder's idle-close scan takes the stripes of open transcripts
// (and so forgets their cached keys, and sends an append that finds its
// stripe taken to the full path): off here, so every count is exact.
class QueuedMetricsTest : public MetricsTest {
 protected:
  QueuedMetricsTest() : MetricsTest({"--idle-close", "off"}) {}
};

TEST_F(QueuedMetricsTest, QueuedAppendsAndTheirCachedKeysAreCounted) {
  const Exposition before = Scrape();
  EXPECT_EQ(before.Find("vault_open_transcripts_cached"), 0.0);
  auto created = client_->CreateTranscript({"svc", {}});
  ASSERT_OK(created);
  for (uint64_t seq = 0; seq < 5; ++seq) {
    ASSERT_OK(client_->AppendMessage(created->id, MakeMessage(seq, "m")));
  }
  // A retry goes the full way (it is looked up): not queued.
  ASSERT_OK(client_->AppendMessage(created->id, MakeMessage(4, "m")));
  Exposition after = Scrape();
  EXPECT_EQ(after.ValueOr0("vault_appends_queued_total") -
                before.ValueOr0("vault_appends_queued_total"),
            5.0);
  const double groups = after.ValueOr0("vault_append_groups_total") -
                        before.ValueOr0("vault_append_groups_total");
  EXPECT_GE(groups, 1.0);
  EXPECT_LE(groups, 5.0);
  // Each queued append's wait for its group's sync, and only theirs.
  const std::string commits = std::string(kCommits) + "_count";
  EXPECT_EQ(after.ValueOr0(commits) - before.ValueOr0(commits), 5.0);
  EXPECT_GT(after.ValueOr0(std::string(kCommits) + "_sum"),
            before.ValueOr0(std::string(kCommits) + "_sum"));
  // The retry took the transcript's stripe, which forgets its key; the next
  // append loads it again, and the close forgets it for good.
  ASSERT_OK(client_->AppendMessage(created->id, MakeMessage(5, "m")));
  EXPECT_EQ(Scrape().Find("vault_open_transcripts_cached"), 1.0);
  ASSERT_OK(client_->CloseTranscript(created->id));
  EXPECT_EQ(Scrape().Find("vault_open_transcripts_cached"), 0.0);
}

TEST_F(MetricsTest, TranscriptGaugesFollowCreateAndCloseAndSurviveKill) {
  Exposition e = Scrape();
  EXPECT_EQ(e.Find("vault_transcripts", {{"state", "open"}}), 0.0);
  EXPECT_EQ(e.Find("vault_transcripts", {{"state", "closed"}}), 0.0);
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto created = client_->CreateTranscript({"svc", {}});
    ASSERT_OK(created);
    ids.push_back(created->id);
  }
  ASSERT_OK(client_->CloseTranscript(ids[0]));
  ASSERT_OK(client_->CloseTranscript(ids[0]));
  EXPECT_FALSE(client_->CloseTranscript(std::string(32, 'f')).ok());
  e = Scrape();
  EXPECT_EQ(e.Find("vault_transcripts", {{"state", "open"}}), 2.0);
  EXPECT_EQ(e.Find("vault_transcripts", {{"state", "closed"}}), 1.0);

  daemon_.Kill();
  ASSERT_OK(daemon_.Start());
  e = Scrape();  // the client reconnects
  EXPECT_EQ(e.Find("vault_transcripts", {{"state", "open"}}), 2.0);
  EXPECT_EQ(e.Find("vault_transcripts", {{"state", "closed"}}), 1.0);
  // Request counters are per process: this scrape is the first request.
  EXPECT_EQ(e.All(kRequests).size(), 0u) << text_;
}

TEST_F(MetricsTest, NoTranscriptIdsOrVisitorDataInTheExposition) {
  auto created = client_->CreateTranscript(MarkedVisitorRequest("svc-marker"));
  ASSERT_OK(created);
  ASSERT_OK(client_->AppendMessage(created->id, MakeMessage(0, "TEXT-MARKER")));
  ASSERT_OK(client_->Request("GET", "/v1/transcripts/" + created->id + "/MARKER-PATH", "", ""));
  ASSERT_OK(client_->Request("GET", "/v1/health?q=QUERY-MARKER", "", ""));
  Scrape();
  EXPECT_NE(text_.find("/v1/transcripts/{id}/messages"), std::string::npos) << text_;
  EXPECT_EQ(text_.find(created->id), std::string::npos) << text_;
  EXPECT_EQ(text_.find("MARKER"), std::string::npos) << text_;
  EXPECT_EQ(text_.find("marker"), std::string::npos) << text_;
  EXPECT_EQ(text_.find("203.0.113.99"), std::string::npos) << text_;
}

TEST_F(MetricsTest, EachAccessLogLineDescribesItsRequest) {
  auto created = client_->CreateTranscript({"svc", {}});
  ASSERT_OK(created);
  auto reply = client_->Request("POST", "/v1/transcripts/" + created->id + "/close", "", "");
  ASSERT_OK(reply);
  ASSERT_EQ(reply->status, 200);
  const std::string request_id = reply->Header("X-Request-Id");
  ASSERT_FALSE(request_id.empty());
  ASSERT_EQ(daemon_.Stop(), 0);

  std::istringstream log(daemon_.ReadLog());
  std::string line;
  int matched = 0;
  while (std::getline(log, line)) {
    if (line.empty() || line.front() != '{') continue;  // the plain start-up banner
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(line, ec);
    ASSERT_FALSE(ec) << line;
    const boost::json::object& o = v.as_object();
    if (o.at("event") != "request" || o.at("request_id") != request_id.c_str()) continue;
    ++matched;
    EXPECT_EQ(o.at("method"), "POST");
    EXPECT_EQ(o.at("route"), "/v1/transcripts/{id}/close");
    EXPECT_EQ(o.at("status").to_number<int>(), 200);
    EXPECT_GE(o.at("latency_us").to_number<int64_t>(), 0);
    EXPECT_EQ(o.at("uid").to_number<int64_t>(), static_cast<int64_t>(getuid()));
    EXPECT_EQ(line.find(created->id), std::string::npos) << line;
    std::set<std::string> keys;
    for (const auto& field : o) keys.insert(std::string(field.key()));
    const std::set<std::string> expected = {"ts",    "level",  "event",      "request_id", "method",
                                            "route", "status", "latency_us", "uid"};
    EXPECT_EQ(keys, expected) << line;
  }
  EXPECT_EQ(matched, 1);
}

TEST(MetricsConnectionsTest, RejectedConnectionsAndOpenConnectionsAreCounted) {
  Daemon daemon({"--max-connections", "2"});
  ASSERT_OK(daemon.Start());
  auto client = daemon.Connect();  // connection 1
  ASSERT_OK(client);
  ASSERT_OK((*client)->Health());
  auto held = RawConnection::Open(daemon.socket_path());  // connection 2
  ASSERT_OK(held);
  ASSERT_OK(held->Send("GET /v1/health HTTP/1.1\r\nHost: vault\r\n\r\n"));
  ASSERT_OK(held->ReadResponse());
  for (int i = 0; i < 2; ++i) {
    auto refused = RawConnection::Open(daemon.socket_path());
    ASSERT_OK(refused);
    auto answer = refused->ReadUntilClose();
    ASSERT_OK(answer);
    ASSERT_EQ(StatusCodeOf(*answer), 503) << *answer;
  }
  auto text = (*client)->Metrics();
  ASSERT_OK(text);
  auto e = ParseExposition(*text);
  ASSERT_OK(e);
  EXPECT_EQ(e->Find("vault_http_connections_rejected_total", {{"reason", "max_connections"}}), 2.0);
  EXPECT_EQ(e->Find("vault_http_connections_rejected_total", {{"reason", "no_peer_credentials"}}),
            0.0);
  EXPECT_EQ(e->Find("vault_http_connections_open"), 2.0);
}

// Each I/O thread serves the connections given to it for their life, and a
// new connection goes to the thread serving the fewest, the first of those
// tied (vault/server/server.h). With the default two threads: the scraping
// client lands on thread 0 and four more alternate, 3 and 2. Once two of
// thread 0's close, the next two both go to thread 0 (taking turns would
// have put one on each), back to 3 and 2.
TEST(MetricsConnectionsTest, ANewConnectionGoesToTheIoThreadServingTheFewest) {
  Daemon daemon;
  ASSERT_OK(daemon.Start());
  auto scraper = daemon.Connect();
  ASSERT_OK(scraper);
  ASSERT_OK((*scraper)->Health());  // accepted: thread 0
  auto scrape = [&]() -> Exposition {
    auto text = (*scraper)->Metrics();
    EXPECT_OK(text);
    auto e = ParseExposition(text.ok() ? *text : "");
    EXPECT_OK(e);
    return e.ok() ? *e : Exposition{};
  };
  auto open = [&]() -> std::optional<RawConnection> {
    auto raw = RawConnection::Open(daemon.socket_path());
    EXPECT_OK(raw);
    if (!raw.ok()) return std::nullopt;
    EXPECT_OK(raw->Send("GET /v1/health HTTP/1.1\r\nHost: vault\r\n\r\n"));
    EXPECT_OK(raw->ReadResponse());  // accepted and counted
    return std::move(raw).value();
  };
  std::vector<std::optional<RawConnection>> raws;
  for (int i = 0; i < 4; ++i) raws.push_back(open());  // threads 1, 0, 1, 0
  Exposition e = scrape();
  EXPECT_EQ(e.Find("vault_io_thread_connections", {{"io_thread", "0"}}), 3.0);
  EXPECT_EQ(e.Find("vault_io_thread_connections", {{"io_thread", "1"}}), 2.0);
  EXPECT_EQ(e.Find("vault_io_thread_connections", {{"io_thread", "2"}}), std::nullopt);
  EXPECT_EQ(e.Find("vault_http_connections_open"), 5.0);

  raws[1].reset();  // thread 0's two raw connections
  raws[3].reset();
  // Their sessions end once vaultd reads the close; wait for that.
  for (int tries = 0; tries < 600 && scrape().Find("vault_http_connections_open") != 3.0; ++tries) {
    usleep(10000);
  }
  e = scrape();
  ASSERT_EQ(e.Find("vault_http_connections_open"), 3.0);
  EXPECT_EQ(e.Find("vault_io_thread_connections", {{"io_thread", "0"}}), 1.0);
  EXPECT_EQ(e.Find("vault_io_thread_connections", {{"io_thread", "1"}}), 2.0);

  raws.push_back(open());  // thread 0: 1 against 2
  raws.push_back(open());  // thread 0 again: 2 against 2, the first tied
  e = scrape();
  EXPECT_EQ(e.Find("vault_io_thread_connections", {{"io_thread", "0"}}), 3.0);
  EXPECT_EQ(e.Find("vault_io_thread_connections", {{"io_thread", "1"}}), 2.0);
}

// The reader above is what makes "the format parses" mean something.
TEST(ExpositionReaderTest, RejectsWhatIsNotTheTextFormat) {
  const std::string ok = "# HELP a_total A.\n# TYPE a_total counter\na_total{x=\"1\"} 2\n";
  EXPECT_OK(ParseExposition(ok));
  for (const std::string& bad : {
           std::string("a_total 1\n"),                        // no TYPE
           ok + "a_total{x=\"1\"} 3\n",                       // repeated sample
           ok.substr(0, ok.size() - 1),                       // no final newline
           ok + "# TYPE b gauge\nb 1\na_total{x=\"2\"} 1\n",  // not contiguous
           std::string("# TYPE a gauge\na{x=1} 1\n"),         // unquoted label
           std::string("# TYPE a gauge\na{x=\"1\"}1\n"),      // no space
           std::string("# TYPE a gauge\na twelve\n"),         // not a number
           std::string("# TYPE a gauge\n\na 1\n"),            // empty line
           std::string("# TYPE h histogram\nh_total 1\n"),    // not a histogram suffix
       }) {
    EXPECT_FALSE(ParseExposition(bad).ok()) << bad;
  }
  auto histogram = ParseExposition(
      "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 0.5\nh_count 2\n"
      "# TYPE g gauge\ng{s=\"a\\\\b\\\"c\"} +Inf\n");
  ASSERT_OK(histogram);
  EXPECT_EQ(histogram->Find("h_bucket", {{"le", "+Inf"}}), 2.0);
  EXPECT_EQ(histogram->Find("h_count"), 2.0);
  EXPECT_TRUE(std::isinf(*histogram->Find("g", {{"s", "a\\b\"c"}})));
}

}  // namespace
}  // namespace vault::testing
