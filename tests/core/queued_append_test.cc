// The appends' fast path (VaultImpl::TryAppendQueued, docs/design.md section
// 7.3): a chat's next message queued for a group commit, with the open
// transcript's key and state kept between appends, beside the full path
// (AppendMessage) and every other path that takes the transcript's stripe.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/core/vault_fixture.h"

namespace vault::testing {
namespace {

// Collects the answers of queued appends and waits for them.
class Answers {
 public:
  Vault::AppendDone Expect(uint64_t seq) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      ++outstanding_;
    }
    return [this, seq](StatusOr<AppendOutcome> outcome) {
      std::lock_guard<std::mutex> lock(mu_);
      if (outcome.ok()) {
        EXPECT_EQ(*outcome, AppendOutcome::kStored) << "seq " << seq;
        stored_.insert(seq);
      } else {
        failed_[seq] = outcome.status();
      }
      order_.push_back(seq);
      if (--outstanding_ == 0) cv_.notify_all();
    };
  }
  void Wait() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return outstanding_ == 0; });
  }
  std::set<uint64_t> stored() {
    std::lock_guard<std::mutex> lock(mu_);
    return stored_;
  }
  std::map<uint64_t, Status> failed() {
    std::lock_guard<std::mutex> lock(mu_);
    return failed_;
  }
  std::vector<uint64_t> order() {
    std::lock_guard<std::mutex> lock(mu_);
    return order_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int outstanding_ = 0;
  std::set<uint64_t> stored_;
  std::map<uint64_t, Status> failed_;
  std::vector<uint64_t> order_;
};

// Holds the group committer's next group before its write until Release(),
// so that what is queued meanwhile waits behind it (one group).
class GroupHold {
 public:
  explicit GroupHold(GroupCommitter* committer)
      : committer_(committer), state_(std::make_shared<State>()) {
    committer_->SetBeforeWriteForTesting([state = state_] {
      std::unique_lock<std::mutex> lock(state->mu);
      if (state->held) return;  // only the first group waits
      state->held = true;
      state->cv.notify_all();
      state->cv.wait(lock, [&state] { return state->released; });
    });
  }
  ~GroupHold() {
    Release();
    committer_->SetBeforeWriteForTesting(nullptr);
  }
  void WaitHeld() {
    std::unique_lock<std::mutex> lock(state_->mu);
    state_->cv.wait(lock, [this] { return state_->held; });
  }
  void Release() {
    {
      std::lock_guard<std::mutex> lock(state_->mu);
      state_->released = true;
    }
    state_->cv.notify_all();
  }

 private:
  // Shared with the hook: the committer may still be in it, or about to
  // run its copy of it, when this object is gone.
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    bool held = false, released = false;
  };
  GroupCommitter* const committer_;
  const std::shared_ptr<State> state_;
};

class QueuedAppendTest : public VaultFixture {
 protected:
  // Queues seq `seq` of `id`; false if the fast path declined it.
  bool Queue(const std::string& id, uint64_t seq, Answers* answers,
             const std::string& text = "") {
    const Message m = Msg(seq, text.empty() ? "message " + std::to_string(seq) : text);
    Vault::AppendDone done = answers->Expect(seq);
    const bool queued = vault_->TryAppendQueued(caller_, id, m, done);
    if (!queued) done(Status::Internal("declined", "declined"));  // balances Expect
    return queued;
  }
  Transcript Read(const std::string& id) {
    auto t = vault_->GetTranscript(caller_, id);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() ? *t : Transcript{};
  }
  static std::set<uint64_t> Seqs(const Transcript& t) {
    std::set<uint64_t> seqs;
    for (const Message& m : t.messages) seqs.insert(m.seq);
    return seqs;
  }
};

TEST_F(QueuedAppendTest, QueuedAppendsAreDurableInOrderAndReadBack) {
  const std::string id = Create();
  Answers answers;
  {
    // The first append's group is held while the other 199 queue behind it.
    GroupHold hold(vault_->committer());
    ASSERT_TRUE(Queue(id, 0, &answers));
    hold.WaitHeld();
    for (uint64_t seq = 1; seq < 200; ++seq) ASSERT_TRUE(Queue(id, seq, &answers)) << seq;
  }
  answers.Wait();
  EXPECT_TRUE(answers.failed().empty());
  // Answered in the order queued.
  std::vector<uint64_t> expected(200);
  for (uint64_t i = 0; i < 200; ++i) expected[i] = i;
  EXPECT_EQ(answers.order(), expected);
  EXPECT_EQ(vault_->cached_open_transcripts(), 1u);
  // Two synced writes: the held one, and the 199 queued behind it.
  EXPECT_EQ(vault_->committer()->batches(), 200u);
  EXPECT_EQ(vault_->committer()->groups(), 2u);

  const Transcript t = Read(id);
  EXPECT_EQ(t.info.message_count, 200u);
  ASSERT_EQ(t.messages.size(), 200u);
  for (uint64_t i = 0; i < 200; ++i) {
    EXPECT_EQ(t.messages[i].seq, i);
    EXPECT_EQ(t.messages[i].text, "message " + std::to_string(i));
  }
  // The read took the stripe: the key it kept is forgotten.
  EXPECT_EQ(vault_->cached_open_transcripts(), 0u);

  // And all of it survives a restart.
  Reopen();
  EXPECT_EQ(Seqs(Read(id)).size(), 200u);
}

TEST_F(QueuedAppendTest, TheFastPathDeclinesWhatOnlyTheFullPathAnswers) {
  const std::string id = Create();
  Answers answers;
  ASSERT_TRUE(Queue(id, 0, &answers));
  ASSERT_TRUE(Queue(id, 1, &answers));
  answers.Wait();

  auto declined = [&](const Caller& caller, const std::string& tid, const Message& m) {
    bool called = false;
    const bool queued = vault_->TryAppendQueued(
        caller, tid, m, [&called](StatusOr<AppendOutcome>) { called = true; });
    EXPECT_FALSE(called);
    return !queued;
  };
  // A retry and a conflict (below the bound): the full path looks them up.
  EXPECT_TRUE(declined(caller_, id, Msg(1, "message 1")));
  EXPECT_TRUE(declined(caller_, id, Msg(0, "something else")));
  // Bad input, an unknown or malformed id, a caller who may not write.
  EXPECT_TRUE(declined(caller_, id, Message{2, "robot", "x", "2026-11-22T10:00:00Z", {}}));
  EXPECT_TRUE(declined(caller_, id, Message{2, "visitor", "x", "yesterday", {}}));
  EXPECT_TRUE(declined(caller_, id, Message{2, "visitor", "\xff", "2026-11-22T10:00:00Z", {}}));
  EXPECT_TRUE(declined(caller_, std::string(32, '0'), Msg(2, "x")));
  EXPECT_TRUE(declined(caller_, "not-an-id", Msg(2, "x")));
  AccessPolicy policy;
  Grant grant;
  grant.id = 9;
  grant.role = Role::kWriter;
  grant.scope = ServiceScope{false, {"webchat"}};
  policy.Add(grant);
  EXPECT_TRUE(declined(policy.Resolve(9, 9, {}), id, Msg(2, "x")));  // another service's writer
  Grant agent = grant;
  agent.role = Role::kAgent;
  agent.scope = ServiceScope{true, {}};
  AccessPolicy agents;
  agents.Add(agent);
  EXPECT_TRUE(declined(agents.Resolve(9, 9, {}), id, Msg(2, "x")));  // no writer role

  // The full path gives each its answer; nothing above changed anything.
  EXPECT_EQ(*vault_->AppendMessage(caller_, id, Msg(1, "message 1")), AppendOutcome::kDuplicate);
  EXPECT_EQ(vault_->AppendMessage(caller_, id, Msg(0, "something else")).status().reason(),
            "seq_conflict");
  EXPECT_EQ(Read(id).info.message_count, 2u);

  // A gap in seq is still a next message.
  ASSERT_TRUE(Queue(id, 10, &answers));
  answers.Wait();
  EXPECT_EQ(Seqs(Read(id)), (std::set<uint64_t>{0, 1, 10}));

  // A closed transcript: declined, and the full path says why.
  ASSERT_TRUE(vault_->CloseTranscript(caller_, id).ok());
  EXPECT_TRUE(declined(caller_, id, Msg(11, "late")));
  EXPECT_EQ(vault_->AppendMessage(caller_, id, Msg(11, "late")).status().reason(),
            "transcript_closed");
}

TEST_F(QueuedAppendTest, ACloseWaitsForQueuedAppendsAndForgetsTheKey) {
  const std::string id = Create();
  Answers answers;
  StripeMutex& stripe = vault_->stripe_of(RawId(id));
  const uint64_t waits = stripe.drain_waits();
  GroupHold hold(vault_->committer());
  for (uint64_t seq = 0; seq < 64; ++seq) ASSERT_TRUE(Queue(id, seq, &answers));
  hold.WaitHeld();
  EXPECT_EQ(vault_->cached_open_transcripts(), 1u);
  // The close comes while every append is still queued: it must take the
  // stripe only once they are durable, and seal the state they left.
  StatusOr<UnixMillis> closed = Status::Internal("not run");
  std::thread closer([&] { closed = vault_->CloseTranscript(caller_, id); });
  // Synchronised on the stripe's own count: the close is waiting for the
  // queued writes.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (stripe.drain_waits() == waits && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_EQ(stripe.drain_waits(), waits + 1) << "the close did not wait for the queued appends";
  hold.Release();
  closer.join();
  ASSERT_TRUE(closed.ok()) << closed.status().ToString();
  EXPECT_EQ(vault_->cached_open_transcripts(), 0u);
  answers.Wait();
  EXPECT_EQ(answers.stored().size(), 64u);
  const Transcript t = Read(id);
  EXPECT_EQ(t.info.state, TranscriptState::kClosed);
  EXPECT_EQ(t.info.message_count, 64u);
  EXPECT_EQ(t.messages.size(), 64u);
}

// Transcripts whose ids fall in one stripe: more than its cache holds.
TEST_F(QueuedAppendTest, AStripeKeepsAtMostFourAndDeclinesWhenAllHaveWritesQueued) {
  std::map<size_t, std::vector<std::string>> by_stripe;
  std::vector<std::string> same;
  for (int i = 0; i < 5000 && same.empty(); ++i) {
    const std::string id = Create("v" + std::to_string(i));
    std::vector<std::string>& ids = by_stripe[vault_->stripe_index(RawId(id))];
    ids.push_back(id);
    if (ids.size() == 5) same = ids;
  }
  ASSERT_EQ(same.size(), 5u);
  Answers answers;
  // One after another, each answered before the next: the fifth evicts an
  // idle one, so the stripe keeps four.
  for (const std::string& id : same) {
    ASSERT_TRUE(Queue(id, 0, &answers));
    answers.Wait();
  }
  EXPECT_EQ(vault_->cached_open_transcripts(), 4u);
  // Every cached one with a write queued (held): a fifth cannot be kept,
  // and takes the full path.
  {
    GroupHold hold(vault_->committer());
    for (size_t i = 1; i < 5; ++i) ASSERT_TRUE(Queue(same[i], 1, &answers)) << i;
    hold.WaitHeld();
    EXPECT_FALSE(Queue(same[0], 1, &answers));
    EXPECT_EQ(vault_->cached_open_transcripts(), 4u);
  }
  answers.Wait();
  EXPECT_TRUE(vault_->AppendMessage(caller_, same[0], Msg(1, "message 1")).ok());
  for (const std::string& id : same) {
    const Transcript t = Read(id);
    EXPECT_EQ(Seqs(t), (std::set<uint64_t>{0, 1}));
    EXPECT_EQ(t.info.message_count, 2u);
  }
}

TEST_F(QueuedAppendTest, AReWrapOrAnExpiryTakesTheFullPath) {
  const std::string id = Create();
  Answers answers;
  ASSERT_TRUE(Queue(id, 0, &answers));
  answers.Wait();
  // An epoch later the key must move to a later epoch, which is audited:
  // declined here, done by the full path.
  const uint64_t epoch = WrappedEpochOf(id);
  clock_.Advance(kEpoch);
  EXPECT_FALSE(Queue(id, 1, &answers));
  answers.Wait();
  EXPECT_EQ(WrappedEpochOf(id), epoch);
  ASSERT_TRUE(vault_->AppendMessage(caller_, id, Msg(1, "message 1")).ok());
  EXPECT_GT(WrappedEpochOf(id), epoch);
  // Within the new epoch, the fast path again.
  ASSERT_TRUE(Queue(id, 2, &answers));
  answers.Wait();
  // Past its expiry (the manual clock moved on): declined, and the full
  // path says why.
  clock_.Advance(kRetention + 1);
  EXPECT_FALSE(Queue(id, 3, &answers));
  answers.Wait();
  EXPECT_EQ(vault_->AppendMessage(caller_, id, Msg(3, "late")).status().reason(), "expired");
}

TEST_F(QueuedAppendTest, AFailedWriteFailsTheAppendsStagedOnItAndTheFullPathRecovers) {
  const std::string id = Create();
  Answers answers;
  ASSERT_TRUE(Queue(id, 0, &answers));
  answers.Wait();
  // The next group (seq 1) is held before its write, which will fail, while
  // seqs 2-10 are staged on top of it and queued behind it.
  std::mutex mu;
  std::condition_variable cv;
  bool holding = false, release = false;
  vault_->committer()->SetBeforeWriteForTesting([&] {
    std::unique_lock<std::mutex> lock(mu);
    if (holding) return;  // only the first group waits
    holding = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  });
  vault_->store()->InjectFaultsForTesting(Store::Op::kWrite, 1);
  ASSERT_TRUE(Queue(id, 1, &answers));
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return holding; });
  }
  for (uint64_t seq = 2; seq <= 10; ++seq) ASSERT_TRUE(Queue(id, seq, &answers)) << seq;
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  answers.Wait();
  vault_->committer()->SetBeforeWriteForTesting(nullptr);

  const std::map<uint64_t, Status> failed = answers.failed();
  ASSERT_EQ(failed.size(), 10u);
  EXPECT_EQ(failed.at(1).reason(), "injected_fault");
  for (uint64_t seq = 2; seq <= 10; ++seq) {
    EXPECT_EQ(failed.at(seq).reason(), "earlier_write_failed") << seq;
    EXPECT_EQ(failed.at(seq).code(), Status::Code::kUnavailable) << seq;
  }
  // Now the fast path sends this transcript to the full path.
  EXPECT_FALSE(Queue(id, 11, &answers));
  answers.Wait();
  // Nothing failed was written, and the stored state counts exactly what is
  // stored: no write staged on the failed one reached the store.
  Transcript t = Read(id);
  EXPECT_EQ(Seqs(t), (std::set<uint64_t>{0}));
  EXPECT_EQ(t.info.message_count, 1u);

  // Retried through the full path (as a client retries an error), every
  // message is stored once, and the count is exact.
  for (uint64_t seq = 0; seq <= 10; ++seq) {
    auto r = vault_->AppendMessage(caller_, id, Msg(seq, "message " + std::to_string(seq)));
    ASSERT_TRUE(r.ok()) << seq << ": " << r.status().ToString();
  }
  t = Read(id);
  EXPECT_EQ(t.messages.size(), 11u);
  EXPECT_EQ(t.info.message_count, 11u);
  // And the fast path works again.
  ASSERT_TRUE(Queue(id, 11, &answers));
  answers.Wait();
  EXPECT_EQ(Read(id).info.message_count, 12u);
}

TEST_F(QueuedAppendTest, ManyThreadsOnBothPathsKeepEveryTranscriptExact) {
  constexpr int kTranscripts = 24;  // more than a stripe's cache holds, across stripes
  constexpr int kThreads = 6;
  constexpr uint64_t kPerThread = 40;  // seqs per thread per transcript
  std::vector<std::string> ids;
  for (int i = 0; i < kTranscripts; ++i) ids.push_back(Create("visitor " + std::to_string(i)));

  Answers answers;
  std::atomic<int> queued{0}, full{0}, duplicates{0}, errors{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < kThreads; ++w) {
    threads.emplace_back([&, w] {
      std::mt19937 rng(1000 + w);
      for (uint64_t k = 0; k < kPerThread; ++k) {
        for (int i = 0; i < kTranscripts; ++i) {
          // Thread w owns seqs w, w + kThreads, ...: distinct, interleaved.
          const uint64_t seq = k * kThreads + w;
          const Message m = Msg(seq, ids[i] + "/" + std::to_string(seq));
          const unsigned roll = rng() % 10;
          if (roll < 7) {
            Vault::AppendDone done = answers.Expect(seq);
            if (vault_->TryAppendQueued(caller_, ids[i], m, done)) {
              queued.fetch_add(1);
              continue;
            }
            done(Status::Internal("declined", "declined"));
          }
          auto r = vault_->AppendMessage(caller_, ids[i], m);
          if (!r.ok()) {
            errors.fetch_add(1);
            ADD_FAILURE() << r.status().ToString();
          } else {
            full.fetch_add(1);
          }
          if (roll == 9) {
            // A retry of what was just stored, and a read, both on the
            // full path among the queued appends.
            auto again = vault_->AppendMessage(caller_, ids[i], m);
            if (again.ok() && *again == AppendOutcome::kDuplicate) duplicates.fetch_add(1);
            EXPECT_TRUE(vault_->GetTranscript(caller_, ids[i]).ok());
          }
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  answers.Wait();
  EXPECT_EQ(errors.load(), 0);
  for (const auto& [seq, status] : answers.failed()) {
    EXPECT_EQ(status.reason(), "declined") << seq << ": " << status.ToString();
  }
  EXPECT_GT(queued.load(), 0);
  EXPECT_GT(full.load(), 0);
  EXPECT_GT(duplicates.load(), 0);
  // Every transcript holds every seq once, with its own text, and counts
  // them exactly.
  const uint64_t per_transcript = kThreads * kPerThread;
  for (const std::string& id : ids) {
    const Transcript t = Read(id);
    ASSERT_EQ(t.messages.size(), per_transcript) << id;
    EXPECT_EQ(t.info.message_count, per_transcript) << id;
    for (uint64_t i = 0; i < per_transcript; ++i) {
      EXPECT_EQ(t.messages[i].seq, i);
      EXPECT_EQ(t.messages[i].text, id + "/" + std::to_string(i));
    }
  }
  EXPECT_EQ(vault_->cached_open_transcripts(), 0u);
}

TEST_F(QueuedAppendTest, ShutdownWritesAndAnswersWhatIsQueued) {
  const std::string id = Create();
  Answers answers;
  for (uint64_t seq = 0; seq < 100; ++seq) ASSERT_TRUE(Queue(id, seq, &answers));
  vault_.reset();  // at once: the committer writes the queue before stopping
  answers.Wait();
  EXPECT_EQ(answers.stored().size(), 100u);
  Reopen();
  const Transcript t = Read(id);
  EXPECT_EQ(t.messages.size(), 100u);
  EXPECT_EQ(t.info.message_count, 100u);
}

}  // namespace
}  // namespace vault::testing
