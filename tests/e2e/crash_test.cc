// Crash consistency under load. Writer threads create transcripts, append
// messages and close some while a controller kills vaultd with SIGKILL at
// random moments, restarts it on the same data and checks, after every kill:
//
// - every acknowledged (2xx) transcript, message and close is there, byte for
//   byte, with seqs 0..n-1 and no holes;
// - a message in flight when the connection broke is either wholly present
//   and exact or absent, never anything else; message_count matches;
// - re-sending that message gives 200 "duplicate" if it was present and 201
//   if it was absent (never 409), so nothing is half-visible.
//
// The writers carry on with the same transcripts across rounds. The RNG seed
// is printed; set VAULT_CRASH_SEED to replay a schedule. Message text is never
// printed, only seqs and lengths.
#include <gtest/gtest.h>

#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "vault/client.h"

namespace vault::testing {
namespace {

using std::chrono::milliseconds;

constexpr int kWriters = 12;
constexpr int kRounds = 30;
constexpr int kMinAcksPerRound = 50;  // acknowledged writes since restart before the kill is armed
constexpr int kMaxKillDelayMs = 50;
constexpr size_t kOpenChatsPerWriter = 3;
constexpr uint64_t kMaxMessagesPerChat = 24;
constexpr auto kWaitLimit = std::chrono::seconds(30);

// What the daemon said about one transcript, as seen by its writer.
struct Chat {
  std::string id;
  std::vector<Message> acked;      // acked[i].seq == i
  std::optional<Message> pending;  // sent, but the connection broke before a reply
  // Set by verification after the restart: did `pending` reach the disk?
  std::optional<bool> pending_stored;
  bool closed = false;         // a close was acknowledged
  bool close_pending = false;  // a close was sent, the connection broke
};

struct Tally {
  uint64_t creates = 0, appends = 0, closes = 0;
  uint64_t broken = 0;  // requests whose connection broke: one per writer per kill
  uint64_t creates_in_flight = 0, closes_in_flight = 0;
  uint64_t appends_in_flight_stored = 0, appends_in_flight_absent = 0;
};

// Rendezvous between the writers and the controller.
class Gate {
 public:
  explicit Gate(int writers) : writers_(writers) {}

  // A writer: one more acknowledged write.
  void Acked() {
    std::lock_guard<std::mutex> lock(mu_);
    ++acked_;
    cv_.notify_all();
  }
  // A writer whose connection broke: waits until the controller resumes.
  // False when the writer should stop (the test failed).
  bool Park() {
    std::unique_lock<std::mutex> lock(mu_);
    const uint64_t generation = generation_;
    ++parked_;
    cv_.notify_all();
    cv_.wait(lock, [&] { return generation_ != generation || aborted_; });
    return !aborted_;
  }
  // The controller: wait for `n` acknowledged writes since the last resume /
  // for every writer to be parked. False on timeout or abort.
  bool WaitForAcks(int n) {
    return WaitFor([&] { return acked_ >= n; });
  }
  bool WaitForAllParked() {
    return WaitFor([&] { return parked_ == writers_; });
  }
  // Restarts counting; `finishing` tells writers to resolve what is pending
  // and stop.
  void Resume(bool finishing) {
    std::lock_guard<std::mutex> lock(mu_);
    killing_ = false;
    finishing_ = finishing;
    acked_ = 0;
    parked_ = 0;
    ++generation_;
    cv_.notify_all();
  }
  void Abort() {
    std::lock_guard<std::mutex> lock(mu_);
    aborted_ = true;
    cv_.notify_all();
  }
  // Set before SIGKILL: from then on a broken connection is expected.
  void SetKilling() { killing_ = true; }
  bool killing() const { return killing_; }
  bool aborted() const {
    std::lock_guard<std::mutex> lock(mu_);
    return aborted_;
  }
  bool finishing() const {
    std::lock_guard<std::mutex> lock(mu_);
    return finishing_;
  }

 private:
  template <typename Pred>
  bool WaitFor(Pred done) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, kWaitLimit, [&] { return done() || aborted_; }) && !aborted_;
  }

  const int writers_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  int acked_ = 0;            // guarded by mu_
  int parked_ = 0;           // guarded by mu_
  uint64_t generation_ = 0;  // guarded by mu_
  bool finishing_ = false;   // guarded by mu_
  bool aborted_ = false;     // guarded by mu_
  std::atomic<bool> killing_{false};
};

// Valid UTF-8 of random length mixing 1- to 4-byte characters and characters
// JSON must escape, prefixed with a tag unique to (writer, chat, seq).
std::string MakeText(std::mt19937_64& rng, int writer, size_t chat, uint64_t seq) {
  static const char* const kPieces[] = {
      "a",           "q", "Z", "0", " ",        "\"",           "\\",       "\n",
      "\t",          "/", "<", "&", "\xc3\xa9", "\xe2\x82\xac", "\xd7\xa9", "\xf0\x9f\x98\x80",
      "\xe2\x80\x8f"};
  std::string text =
      std::to_string(writer) + "." + std::to_string(chat) + "." + std::to_string(seq) + ":";
  const size_t length = rng() % 600;
  while (text.size() < length) text += kPieces[rng() % std::size(kPieces)];
  return text;
}

std::string MessageJson(const Message& m) {
  boost::json::object body;
  body["seq"] = m.seq;
  body["from"] = m.from;
  body["text"] = m.text;
  body["sent_at"] = m.sent_at;
  return boost::json::serialize(body);
}

class Writer {
 public:
  Writer(int index, uint64_t seed, const Daemon* daemon, Gate* gate)
      : index_(index), rng_(seed), daemon_(daemon), gate_(gate) {}

  // The thread body: write until told to finish; park whenever the daemon
  // dies under a request.
  void Run() {
    auto client = daemon_->Connect();
    if (!client.ok()) return Fail("connect", client.status());
    client_ = std::move(client).value();
    while (!gate_->aborted()) {
      const bool finishing = gate_->finishing();
      const Outcome outcome = ResolvePending();
      if (outcome == Outcome::kAcked && finishing) return;
      const Outcome next = outcome == Outcome::kAcked ? Step() : outcome;
      if (next == Outcome::kFailed) return;
      if (next == Outcome::kBroken && !gate_->Park()) return;
    }
  }

  std::vector<Chat>& chats() { return chats_; }
  const Tally& tally() const { return tally_; }

 private:
  enum class Outcome { kAcked, kBroken, kFailed };

  Outcome Classify(const Status& status, const char* what) {
    if (status.ok()) return Outcome::kAcked;
    const bool transport =
        status.code() == Status::Code::kUnavailable || status.code() == Status::Code::kIOError;
    if (transport && gate_->killing()) {
      ++tally_.broken;
      return Outcome::kBroken;
    }
    Fail(what, status);
    return Outcome::kFailed;
  }

  void Fail(const char* what, const Status& status) {
    ADD_FAILURE() << "writer " << index_ << ": " << what << ": " << status.ToString();
    gate_->Abort();
  }

  // Re-sends whatever was in flight at the last kill, now that verification
  // has seen whether it reached the disk.
  Outcome ResolvePending() {
    for (Chat& chat : chats_) {
      if (chat.pending.has_value()) {
        const Message& m = *chat.pending;
        auto reply =
            client_->Request("POST", "/v1/transcripts/" + chat.id + "/messages", MessageJson(m));
        const Outcome outcome = Classify(reply.status(), "re-send");
        if (outcome != Outcome::kAcked) return outcome;
        const bool stored = chat.pending_stored.value_or(false);
        const int want = stored ? 200 : 201;
        if (!chat.pending_stored.has_value() || reply->status != want) {
          ADD_FAILURE() << "writer " << index_ << " re-sent seq " << m.seq << " of " << chat.id
                        << ": HTTP " << reply->status << ", expected " << want
                        << (stored ? " (it was stored before the kill)" : " (it was absent)")
                        << "; error code '" << ErrorCodeOf(reply->body) << "'";
          gate_->Abort();
          return Outcome::kFailed;
        }
        ++(stored ? tally_.appends_in_flight_stored : tally_.appends_in_flight_absent);
        chat.acked.push_back(m);
        chat.pending.reset();
        chat.pending_stored.reset();
        ++tally_.appends;
        gate_->Acked();
      }
      if (chat.close_pending) {
        const Outcome outcome = Classify(client_->CloseTranscript(chat.id).status(), "re-close");
        if (outcome != Outcome::kAcked) return outcome;
        chat.close_pending = false;
        chat.closed = true;
        ++tally_.closes;
        gate_->Acked();
      }
    }
    return Outcome::kAcked;
  }

  // One write: open a chat, append to one, or close one.
  Outcome Step() {
    std::vector<size_t> open;
    for (size_t i = 0; i < chats_.size(); ++i) {
      if (!chats_[i].closed) open.push_back(i);
    }
    if (open.size() < kOpenChatsPerWriter && rng_() % 4 == 0) return Create();
    if (open.empty()) return Create();
    Chat& chat = chats_[open[rng_() % open.size()]];
    const uint64_t seq = chat.acked.size();
    if (seq >= kMaxMessagesPerChat || (seq >= 3 && rng_() % 16 == 0)) return Close(chat);
    return Append(chat, seq);
  }

  Outcome Create() {
    NewTranscript request;
    request.service = "crash-" + std::to_string(index_);
    request.visitor.ref = "visitor-" + std::to_string(chats_.size());
    auto created = client_->CreateTranscript(request);
    const Outcome outcome = Classify(created.status(), "create");
    if (outcome == Outcome::kBroken) ++tally_.creates_in_flight;  // its id is unknown
    if (outcome != Outcome::kAcked) return outcome;
    chats_.emplace_back();
    chats_.back().id = created->id;
    ++tally_.creates;
    gate_->Acked();
    return outcome;
  }

  Outcome Append(Chat& chat, uint64_t seq) {
    const size_t chat_index = static_cast<size_t>(&chat - chats_.data());
    Message m = MakeMessage(seq, MakeText(rng_, index_, chat_index, seq));
    m.sent_at = "2026-11-22T10:" + std::to_string(10 + rng_() % 50) + ":00." +
                std::to_string(100 + rng_() % 900) + "+01:00";
    const Outcome outcome = Classify(client_->AppendMessage(chat.id, m).status(), "append");
    if (outcome == Outcome::kBroken) chat.pending = std::move(m);
    if (outcome != Outcome::kAcked) return outcome;
    chat.acked.push_back(std::move(m));
    ++tally_.appends;
    gate_->Acked();
    return outcome;
  }

  Outcome Close(Chat& chat) {
    const Outcome outcome = Classify(client_->CloseTranscript(chat.id).status(), "close");
    if (outcome == Outcome::kBroken) {
      chat.close_pending = true;
      ++tally_.closes_in_flight;
    }
    if (outcome != Outcome::kAcked) return outcome;
    chat.closed = true;
    ++tally_.closes;
    gate_->Acked();
    return outcome;
  }

  const int index_;
  std::mt19937_64 rng_;
  const Daemon* const daemon_;
  Gate* const gate_;
  std::unique_ptr<Client> client_;
  std::vector<Chat> chats_;
  Tally tally_;
};

// Checks one transcript against what its writer was told; records whether a
// pending message reached the disk. Returns false on the first mismatch.
::testing::AssertionResult VerifyChat(Client* client, Chat* chat) {
  auto got = client->GetTranscript(chat->id);
  if (!got.ok()) {
    return ::testing::AssertionFailure() << chat->id << ": " << got.status().ToString();
  }
  const std::vector<Message>& messages = got->messages;
  if (got->info.message_count != messages.size()) {
    return ::testing::AssertionFailure()
           << chat->id << ": message_count " << got->info.message_count << " but "
           << messages.size() << " messages";
  }
  const size_t acked = chat->acked.size();
  const bool may_have_pending = chat->pending.has_value();
  if (messages.size() < acked || messages.size() > acked + (may_have_pending ? 1 : 0)) {
    return ::testing::AssertionFailure()
           << chat->id << ": " << messages.size() << " messages, " << acked << " acknowledged"
           << (may_have_pending ? " and 1 in flight" : "");
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    const Message& want = i < acked ? chat->acked[i] : *chat->pending;
    if (messages[i].seq != i) {
      return ::testing::AssertionFailure()
             << chat->id << ": message " << i << " has seq " << messages[i].seq << " (a hole)";
    }
    if (!(messages[i] == want)) {
      return ::testing::AssertionFailure()
             << chat->id << ": seq " << i << (i < acked ? " (acknowledged)" : " (in flight)")
             << " differs: " << messages[i].text.size() << " text bytes, expected "
             << want.text.size();
    }
  }
  if (may_have_pending) chat->pending_stored = messages.size() == acked + 1;
  const bool closed = got->info.state == TranscriptState::kClosed;
  if (chat->closed && (!closed || got->info.closed_at == 0)) {
    return ::testing::AssertionFailure() << chat->id << ": close was acknowledged, still open";
  }
  if (closed && !chat->closed && !chat->close_pending) {
    return ::testing::AssertionFailure() << chat->id << ": closed, but no close was sent";
  }
  return ::testing::AssertionSuccess();
}

// Verifies every acknowledged transcript of every writer; returns the count.
size_t VerifyAll(const Daemon& daemon, std::vector<std::unique_ptr<Writer>>& writers) {
  auto client = daemon.Connect();
  EXPECT_OK(client);
  if (!client.ok()) return 0;
  size_t checked = 0;
  for (auto& writer : writers) {
    for (Chat& chat : writer->chats()) {
      const ::testing::AssertionResult ok = VerifyChat(client->get(), &chat);
      EXPECT_TRUE(ok);
      if (!ok) return checked;
      ++checked;
    }
  }
  return checked;
}

uint64_t SeedFromEnvironment() {
  if (const char* text = std::getenv("VAULT_CRASH_SEED")) return std::strtoull(text, nullptr, 10);
  return std::random_device{}();
}

TEST(CrashTest, AcknowledgedWritesSurviveSigkillUnderLoadAndNothingIsHalfVisible) {
  const uint64_t seed = SeedFromEnvironment();
  std::cout << "crash test seed " << seed << " (VAULT_CRASH_SEED=" << seed << " replays it)"
            << std::endl;
  SCOPED_TRACE("VAULT_CRASH_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);

  Daemon daemon;
  ASSERT_OK(daemon.Start());
  Gate gate(kWriters);
  std::vector<std::unique_ptr<Writer>> writers;
  for (int i = 0; i < kWriters; ++i) {
    writers.push_back(std::make_unique<Writer>(i, rng(), &daemon, &gate));
  }
  std::vector<std::thread> threads;
  for (auto& writer : writers) threads.emplace_back([&writer] { writer->Run(); });
  const auto join = [&] {
    for (std::thread& t : threads) t.join();
    threads.clear();
  };

  std::uniform_int_distribution<int> delay_ms(0, kMaxKillDelayMs);
  int kills = 0;
  size_t checks = 0;
  while (kills < kRounds) {
    // Under load: enough writes acknowledged since the restart, then a
    // random moment.
    if (!gate.WaitForAcks(kMinAcksPerRound)) {
      ADD_FAILURE() << "fewer than " << kMinAcksPerRound << " writes acknowledged after " << kills
                    << " kills";
      break;
    }
    std::this_thread::sleep_for(milliseconds(delay_ms(rng)));
    gate.SetKilling();
    daemon.Kill();
    ++kills;
    if (!gate.WaitForAllParked()) {
      ADD_FAILURE() << "writers did not all stop after kill " << kills;
      break;
    }
    if (Status started = daemon.Start(); !started.ok()) {
      ADD_FAILURE() << "restart after kill " << kills << ": " << started.ToString();
      break;
    }
    const size_t checked = VerifyAll(daemon, writers);
    if (::testing::Test::HasFailure()) break;
    checks += checked;
    // After the last kill the writers re-send what was in flight and stop.
    gate.Resume(/*finishing=*/kills == kRounds);
  }
  if (::testing::Test::HasFailure()) gate.Abort();
  join();
  ASSERT_FALSE(::testing::Test::HasFailure()) << "stopped after " << kills << " kills";

  Tally total;
  size_t chats = 0;
  for (auto& writer : writers) {
    const Tally& t = writer->tally();
    total.creates += t.creates;
    total.appends += t.appends;
    total.closes += t.closes;
    total.broken += t.broken;
    total.creates_in_flight += t.creates_in_flight;
    total.closes_in_flight += t.closes_in_flight;
    total.appends_in_flight_stored += t.appends_in_flight_stored;
    total.appends_in_flight_absent += t.appends_in_flight_absent;
    chats += writer->chats().size();
    for (const Chat& chat : writer->chats()) {
      ASSERT_FALSE(chat.pending.has_value() || chat.close_pending) << chat.id << " unresolved";
    }
  }
  // Every kill left each writer with one write in flight.
  EXPECT_EQ(total.broken, static_cast<uint64_t>(kRounds) * kWriters);
  // After a clean stop too, everything acknowledged is there.
  ASSERT_EQ(daemon.Stop(), 0);
  ASSERT_OK(daemon.Start());
  EXPECT_EQ(VerifyAll(daemon, writers), chats);
  std::cout << "crash test: " << kills << " kills, " << kWriters << " writers, " << checks
            << " transcript checks after kills; acknowledged " << total.creates << " creates, "
            << total.appends << " appends, " << total.closes
            << " closes; in flight at a kill: " << total.appends_in_flight_stored
            << " appends stored, " << total.appends_in_flight_absent << " appends absent, "
            << total.closes_in_flight << " closes, " << total.creates_in_flight
            << " creates (id unknown)" << std::endl;
}

}  // namespace
}  // namespace vault::testing
