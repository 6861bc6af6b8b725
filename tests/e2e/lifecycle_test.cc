// The daemon's life: clean shutdown on SIGTERM, restart after kill -9,
// connection limits and timeouts, keep-alive, concurrent writers.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/exposition.h"
#include "tests/support/raw_http.h"
#include "vault/client.h"

namespace vault::testing {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

std::unique_ptr<Client> MustConnect(const Daemon& daemon) {
  auto client = daemon.Connect();
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  return client.ok() ? std::move(client).value() : nullptr;
}

// Starts `daemon`, connects `*client` to it and creates transcript `*id`.
void StartWithTranscript(Daemon& daemon, std::unique_ptr<Client>* client, std::string* id) {
  ASSERT_OK(daemon.Start());
  *client = MustConnect(daemon);
  ASSERT_NE(*client, nullptr);
  auto created = (*client)->CreateTranscript({"svc", {}});
  ASSERT_OK(created);
  *id = created->id;
}

// Sends the header of a request appending `body` to transcript `id`, with
// "Expect: 100-continue", and reads the 100: the server has read the header
// and holds the request in flight until the body comes.
void SendHeaderOfAppend(const Daemon& daemon, const std::string& id, const std::string& body,
                        std::optional<RawConnection>* raw) {
  auto opened = RawConnection::Open(daemon.socket_path());
  ASSERT_OK(opened);
  raw->emplace(std::move(opened).value());
  ASSERT_OK((*raw)->Send("POST /v1/transcripts/" + id +
                         "/messages HTTP/1.1\r\nHost: vault\r\nContent-Type: application/json\r\n"
                         "Expect: 100-continue\r\nContent-Length: " +
                         std::to_string(body.size()) + "\r\n\r\n"));
  auto proceed = (*raw)->ReadResponse();
  ASSERT_OK(proceed);
  ASSERT_EQ(StatusCodeOf(*proceed), 100) << *proceed;
}

TEST(LifecycleTest, SigtermRemovesTheSocketAndExitsZero) {
  Daemon daemon;
  ASSERT_OK(daemon.Start());
  ASSERT_TRUE(Exists(daemon.socket_path()));
  EXPECT_EQ(daemon.Stop(), 0) << daemon.ReadLog();
  EXPECT_FALSE(Exists(daemon.socket_path()));
  EXPECT_NE(daemon.ReadLog().find("\"event\":\"stopped\""), std::string::npos);
}

TEST(LifecycleTest, SigintAlsoShutsDownCleanly) {
  Daemon daemon;
  ASSERT_OK(daemon.Start());
  daemon.Signal(SIGINT);
  ASSERT_OK(daemon.WaitForNotify("STOPPING=1"));
  EXPECT_EQ(daemon.Wait(), 0);
  EXPECT_FALSE(Exists(daemon.socket_path()));
}

TEST(LifecycleTest, InFlightRequestFinishesDuringShutdown) {
  Daemon daemon;
  std::unique_ptr<Client> client;
  std::string id;
  ASSERT_NO_FATAL_FAILURE(StartWithTranscript(daemon, &client, &id));

  // The server has read this request's header once it sends 100 Continue.
  const std::string body =
      R"({"seq":0,"from":"agent","text":"in flight","sent_at":"2026-01-01T00:00:00Z"})";
  std::optional<RawConnection> raw;
  ASSERT_NO_FATAL_FAILURE(SendHeaderOfAppend(daemon, id, body, &raw));

  daemon.Signal(SIGTERM);
  ASSERT_OK(daemon.WaitForNotify("STOPPING=1"));
  ASSERT_OK(raw->Send(body));
  auto response = raw->ReadResponse();
  ASSERT_OK(response);
  EXPECT_EQ(StatusCodeOf(*response), 201) << *response;
  EXPECT_EQ(HeaderOf(*response, "Connection"), "close");
  EXPECT_EQ(daemon.Wait(), 0);
  EXPECT_FALSE(Exists(daemon.socket_path()));

  ASSERT_OK(daemon.Start());
  client = MustConnect(daemon);
  auto transcript = client->GetTranscript(id);
  ASSERT_OK(transcript);
  ASSERT_EQ(transcript->messages.size(), 1u);
  EXPECT_EQ(transcript->messages[0].text, "in flight");
}

// Each I/O thread runs its own io_context, and a new connection goes to the
// one serving the fewest (vault/server/server.h), so the client's connection
// and four more split 3 and 2 over the default two. Requests in flight on
// all four at SIGTERM, on both threads, are answered and stored, and every
// thread then ends: vaultd exits 0.
TEST(LifecycleTest, RequestsInFlightOnEveryIoThreadFinishDuringShutdown) {
  Daemon daemon;
  ASSERT_OK(daemon.Start());
  auto client = MustConnect(daemon);
  ASSERT_NE(client, nullptr);
  constexpr int kInFlight = 4;
  std::vector<std::string> ids;
  for (int i = 0; i < kInFlight; ++i) {
    auto created = client->CreateTranscript({"svc", {}});
    ASSERT_OK(created);
    ids.push_back(created->id);
  }
  auto body = [](int i) {
    return R"({"seq":0,"from":"agent","text":"in flight )" + std::to_string(i) +
           R"(","sent_at":"2026-01-01T00:00:00Z"})";
  };
  std::vector<std::optional<RawConnection>> raws(kInFlight);
  for (int i = 0; i < kInFlight; ++i) {
    ASSERT_NO_FATAL_FAILURE(SendHeaderOfAppend(daemon, ids[i], body(i), &raws[i]));
  }
  auto text = client->Metrics();
  ASSERT_OK(text);
  auto metrics = ParseExposition(*text);
  ASSERT_OK(metrics);
  ASSERT_EQ(metrics->Find("vault_io_thread_connections", {{"io_thread", "0"}}), 3.0);
  ASSERT_EQ(metrics->Find("vault_io_thread_connections", {{"io_thread", "1"}}), 2.0);

  daemon.Signal(SIGTERM);
  ASSERT_OK(daemon.WaitForNotify("STOPPING=1"));
  for (int i = 0; i < kInFlight; ++i) ASSERT_OK(raws[i]->Send(body(i)));
  for (int i = 0; i < kInFlight; ++i) {
    auto response = raws[i]->ReadResponse();
    ASSERT_OK(response);
    EXPECT_EQ(StatusCodeOf(*response), 201) << "connection " << i << ": " << *response;
    EXPECT_EQ(HeaderOf(*response, "Connection"), "close");
  }
  EXPECT_EQ(daemon.Wait(), 0);

  ASSERT_OK(daemon.Start());
  client = MustConnect(daemon);
  ASSERT_NE(client, nullptr);
  for (int i = 0; i < kInFlight; ++i) {
    auto transcript = client->GetTranscript(ids[i]);
    ASSERT_OK(transcript);
    ASSERT_EQ(transcript->messages.size(), 1u);
    EXPECT_EQ(transcript->messages[0].text, "in flight " + std::to_string(i));
  }
}

TEST(LifecycleTest, NoNewConnectionIsServedOnceStoppingBegins) {
  Daemon daemon;
  std::unique_ptr<Client> client;
  std::string id;
  ASSERT_NO_FATAL_FAILURE(StartWithTranscript(daemon, &client, &id));
  // Hold a request in flight (header read, body not yet sent) so the daemon
  // cannot finish stopping while we probe it.
  const std::string body =
      R"({"seq":0,"from":"agent","text":"late","sent_at":"2026-01-01T00:00:00Z"})";
  std::optional<RawConnection> raw;
  ASSERT_NO_FATAL_FAILURE(SendHeaderOfAppend(daemon, id, body, &raw));

  daemon.Signal(SIGTERM);
  ASSERT_OK(daemon.WaitForNotify("STOPPING=1"));
  // A connection made now is refused (socket gone or listener closed) or
  // accepted and closed at once: either way it gets no answer.
  auto late = RawConnection::Open(daemon.socket_path());
  if (late.ok()) {
    (void)late->Send("GET /v1/health HTTP/1.1\r\nHost: vault\r\n\r\n");
    auto answer = late->ReadUntilClose();
    ASSERT_OK(answer);
    EXPECT_EQ(*answer, "");
  } else {
    EXPECT_EQ(late.status().code(), Status::Code::kUnavailable) << late.status().ToString();
  }

  // The request in flight is still served.
  ASSERT_OK(raw->Send(body));
  auto response = raw->ReadResponse();
  ASSERT_OK(response);
  EXPECT_EQ(StatusCodeOf(*response), 201) << *response;
  EXPECT_EQ(daemon.Wait(), 0);
  EXPECT_FALSE(Exists(daemon.socket_path()));
}

TEST(LifecycleTest, IdleConnectionsAreClosedAtShutdown) {
  Daemon daemon;
  ASSERT_OK(daemon.Start());
  auto raw = RawConnection::Open(daemon.socket_path());
  ASSERT_OK(raw);
  ASSERT_OK(raw->Send("GET /v1/health HTTP/1.1\r\nHost: vault\r\n\r\n"));
  ASSERT_OK(raw->ReadResponse());  // the connection is registered and idle now
  daemon.Signal(SIGTERM);
  auto rest = raw->ReadUntilClose();
  ASSERT_OK(rest);
  EXPECT_EQ(*rest, "");
  EXPECT_EQ(daemon.Wait(), 0);
}

TEST(LifecycleTest, StaleSocketAfterKillIsReplacedAndAcknowledgedWritesSurvive) {
  Daemon daemon;
  std::unique_ptr<Client> client;
  std::string id;
  ASSERT_NO_FATAL_FAILURE(StartWithTranscript(daemon, &client, &id));
  for (uint64_t seq = 0; seq < 20; ++seq) {
    ASSERT_OK(client->AppendMessage(id, MakeMessage(seq, "acked " + std::to_string(seq))));
  }
  daemon.Kill();
  ASSERT_TRUE(Exists(daemon.socket_path()));  // left behind by kill -9

  ASSERT_OK(daemon.Start());
  auto transcript = client->GetTranscript(id);  // the client reconnects
  ASSERT_OK(transcript);
  ASSERT_EQ(transcript->messages.size(), 20u);
  EXPECT_EQ(transcript->messages[19].text, "acked 19");
}

TEST(LifecycleTest, ClientReconnectsAfterARestart) {
  Daemon daemon;
  ASSERT_OK(daemon.Start());
  auto client = MustConnect(daemon);
  ASSERT_NE(client, nullptr);
  ASSERT_OK(client->Health());
  ASSERT_OK(daemon.Restart());
  EXPECT_OK(client->Health());
  EXPECT_OK(client->CreateTranscript({"svc", {}}));
}

TEST(LifecycleTest, IdleTimeoutClosesTheConnection) {
  Daemon daemon({"--idle-timeout", "200ms", "--header-timeout", "200ms"});
  ASSERT_OK(daemon.Start());
  auto raw = RawConnection::Open(daemon.socket_path());
  ASSERT_OK(raw);
  auto received = raw->ReadUntilClose(std::chrono::seconds(30));
  ASSERT_OK(received);
  EXPECT_EQ(*received, "");
  // A slow request (header never finished) is cut off too.
  auto slow = RawConnection::Open(daemon.socket_path());
  ASSERT_OK(slow);
  ASSERT_OK(slow->Send("GET /v1/health HTTP/1.1\r\nHost: va"));
  auto cut = slow->ReadUntilClose(std::chrono::seconds(30));
  ASSERT_OK(cut);
  EXPECT_EQ(*cut, "");
  // The client library reconnects transparently.
  auto client = MustConnect(daemon);
  ASSERT_NE(client, nullptr);
  ASSERT_OK(client->Health());
  auto again = RawConnection::Open(daemon.socket_path());  // outlives the client's idle time
  ASSERT_OK(again);
  ASSERT_OK(again->ReadUntilClose(std::chrono::seconds(30)));
  EXPECT_OK(client->Health());
}

TEST(LifecycleTest, ConnectionsOverTheCapGet503AndAClose) {
  Daemon daemon({"--max-connections", "2"});
  ASSERT_OK(daemon.Start());
  std::vector<RawConnection> held;
  for (int i = 0; i < 2; ++i) {
    auto raw = RawConnection::Open(daemon.socket_path());
    ASSERT_OK(raw);
    ASSERT_OK(raw->Send("GET /v1/health HTTP/1.1\r\nHost: vault\r\n\r\n"));
    auto response = raw->ReadResponse();
    ASSERT_OK(response);
    EXPECT_EQ(StatusCodeOf(*response), 200);
    held.push_back(std::move(raw).value());
  }
  auto third = RawConnection::Open(daemon.socket_path());
  ASSERT_OK(third);
  (void)third->Send("GET /v1/health HTTP/1.1\r\nHost: vault\r\n\r\n");
  auto refused = third->ReadUntilClose();
  ASSERT_OK(refused);
  EXPECT_TRUE(IsRawJsonError(*refused, 503, "too_many_connections")) << *refused;
  EXPECT_EQ(HeaderOf(*refused, "Connection"), "close");
  // The held connections still work.
  ASSERT_OK(held[0].Send("GET /v1/health HTTP/1.1\r\nHost: vault\r\n\r\n"));
  auto response = held[0].ReadResponse();
  ASSERT_OK(response);
  EXPECT_EQ(StatusCodeOf(*response), 200);
}

TEST(LifecycleTest, PipelinedRequestsOnOneConnection) {
  Daemon daemon;
  ASSERT_OK(daemon.Start());
  auto raw = RawConnection::Open(daemon.socket_path());
  ASSERT_OK(raw);
  const std::string get = "GET /v1/health HTTP/1.1\r\nHost: vault\r\n\r\n";
  const std::string create_body = R"({"service":"svc"})";
  const std::string create =
      "POST /v1/transcripts HTTP/1.1\r\nHost: vault\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(create_body.size()) + "\r\n\r\n" + create_body;
  ASSERT_OK(raw->Send(get + create + "GET /nope HTTP/1.1\r\nHost: vault\r\n\r\n" + get));
  for (int expected : {200, 201, 404, 200}) {
    auto response = raw->ReadResponse();
    ASSERT_OK(response);
    EXPECT_EQ(StatusCodeOf(*response), expected) << *response;
  }
}

TEST(LifecycleTest, ConcurrentWritersEachGetTheirMessages) {
  Daemon daemon({"--workers", "8"});
  ASSERT_OK(daemon.Start());
  constexpr int kWriters = 8;
  constexpr uint64_t kMessages = 40;
  std::vector<std::string> ids(kWriters);
  std::vector<std::string> errors(kWriters);
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      auto client = daemon.Connect();
      if (!client.ok()) {
        errors[w] = client.status().ToString();
        return;
      }
      auto created = (*client)->CreateTranscript({"svc", {}});
      if (!created.ok()) {
        errors[w] = created.status().ToString();
        return;
      }
      ids[w] = created->id;
      for (uint64_t seq = 0; seq < kMessages; ++seq) {
        auto outcome = (*client)->AppendMessage(
            created->id, MakeMessage(seq, "w" + std::to_string(w) + "s" + std::to_string(seq)));
        if (!outcome.ok()) {
          errors[w] = outcome.status().ToString();
          return;
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  auto client = MustConnect(daemon);
  ASSERT_NE(client, nullptr);
  for (int w = 0; w < kWriters; ++w) {
    ASSERT_EQ(errors[w], "") << "writer " << w;
    auto transcript = client->GetTranscript(ids[w]);
    ASSERT_OK(transcript);
    ASSERT_EQ(transcript->messages.size(), kMessages);
    for (uint64_t seq = 0; seq < kMessages; ++seq) {
      EXPECT_EQ(transcript->messages[seq].text,
                "w" + std::to_string(w) + "s" + std::to_string(seq));
    }
  }
}

// Many connections appending to the same transcripts at once (the appends'
// fast path queues them for a shared sync, docs/design.md section 7.3),
// with retries of what was just acknowledged among them: each append is
// answered once, retries are duplicates, and each transcript ends up with
// every message exactly once and counts them exactly.
TEST(LifecycleTest, ConnectionsSharingTranscriptsAreEachAnsweredOnce) {
  Daemon daemon({"--workers", "4"});
  ASSERT_OK(daemon.Start());
  constexpr int kConnections = 12;
  constexpr uint64_t kEach = 30;  // seqs per connection per transcript
  auto setup = MustConnect(daemon);
  ASSERT_NE(setup, nullptr);
  std::vector<std::string> ids;
  for (int i = 0; i < 2; ++i) {
    auto created = setup->CreateTranscript({"svc", {}});
    ASSERT_OK(created);
    ids.push_back(created->id);
  }
  auto text = [](const std::string& id, uint64_t seq) {
    return id.substr(0, 6) + "/" + std::to_string(seq);
  };
  std::vector<std::string> errors(kConnections);
  std::vector<int> duplicates(kConnections, 0);
  std::vector<std::thread> threads;
  for (int c = 0; c < kConnections; ++c) {
    threads.emplace_back([&, c] {
      auto client = daemon.Connect();
      if (!client.ok()) {
        errors[c] = client.status().ToString();
        return;
      }
      for (uint64_t k = 0; k < kEach; ++k) {
        for (const std::string& id : ids) {
          const uint64_t seq = k * kConnections + c;
          const Message m = MakeMessage(seq, text(id, seq));
          auto stored = (*client)->AppendMessage(id, m);
          if (!stored.ok() || *stored != AppendOutcome::kStored) {
            errors[c] = "seq " + std::to_string(seq) + ": " +
                        (stored.ok() ? std::string("not stored") : stored.status().ToString());
            return;
          }
          if ((seq + c) % 5 == 0) {
            auto again = (*client)->AppendMessage(id, m);
            if (!again.ok() || *again != AppendOutcome::kDuplicate) {
              errors[c] = "retry of seq " + std::to_string(seq) + " was not a duplicate";
              return;
            }
            ++duplicates[c];
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  int retried = 0;
  for (int c = 0; c < kConnections; ++c) {
    ASSERT_EQ(errors[c], "") << "connection " << c;
    retried += duplicates[c];
  }
  EXPECT_GT(retried, 0);
  for (const std::string& id : ids) {
    auto transcript = setup->GetTranscript(id);
    ASSERT_OK(transcript);
    ASSERT_EQ(transcript->messages.size(), kConnections * kEach);
    EXPECT_EQ(transcript->info.message_count, kConnections * kEach);
    for (uint64_t seq = 0; seq < kConnections * kEach; ++seq) {
      EXPECT_EQ(transcript->messages[seq].seq, seq);
      EXPECT_EQ(transcript->messages[seq].text, text(id, seq));
    }
  }
}

}  // namespace
}  // namespace vault::testing
