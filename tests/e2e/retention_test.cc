// Retention on a real daemon with a 3 s retention and 1 s epochs: reads
// succeed before expiry, answer 410 from the expiry on, the key is destroyed
// within one tick of its epoch's end, later transcripts stay readable, and a
// daemon restarted after downtime has shredded before it serves.
//
// These tests wait for wall-clock time to pass, because that is what they
// test; every wait polls an observable condition with a deadline.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/daemon_fixture.h"
#include "tests/support/epochs.h"

namespace vault::testing {
namespace {

// Polls `probe` every 10 ms until it returns true or `deadline_ms` passes.
template <typename Probe>
bool PollUntil(int64_t deadline_ms, Probe probe) {
  while (NowMs() <= deadline_ms) {
    if (probe()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return probe();
}

class RetentionE2eTest : public DaemonTest {
 protected:
  RetentionE2eTest() : DaemonTest({"--retention", "3s", "--epoch", "1s"}) {}
  std::string ClosedTranscript(UnixMillis* expires_at) {
    NewTranscript request;
    request.service = "helpline";
    auto created = client_->CreateTranscript(request);
    EXPECT_TRUE(created.ok());
    EXPECT_TRUE(client_->AppendMessage(created->id, MakeMessage(0, "hello")).ok());
    auto closed = client_->CloseTranscript(created->id);
    EXPECT_TRUE(closed.ok());
    *expires_at = *closed;
    return created->id;
  }
};

TEST_F(RetentionE2eTest, ReadableUntilExpiryGoneAfterAndShreddedWithinATick) {
  UnixMillis a_expires = 0;
  const std::string a = ClosedTranscript(&a_expires);
  ASSERT_OK(client_->GetTranscript(a));

  // A second transcript closed more than a second later: a later key epoch.
  ASSERT_TRUE(PollUntil(a_expires, [&] { return NowMs() >= a_expires - 3000 + 1100; }));
  UnixMillis b_expires = 0;
  const std::string b = ClosedTranscript(&b_expires);
  ASSERT_GE(b_expires, EpochEnd(a_expires)) << "b must expire in a later epoch";

  // Never late: poll A; every 200 must come before its expiry, and from the
  // expiry on the answer is 410 "expired".
  int64_t first_gone_at = 0;
  ASSERT_TRUE(PollUntil(a_expires + 2000, [&] {
    const int64_t asked_at = NowMs();
    auto reply = client_->Request("GET", "/v1/transcripts/" + a, "", "");
    if (!reply.ok()) return false;
    if (reply->status == 200) {
      EXPECT_LT(asked_at, a_expires + 50) << "a transcript was readable after its expiry";
      return false;
    }
    EXPECT_TRUE(IsJsonError(*reply, 410, "expired")) << reply->body;
    first_gone_at = NowMs();
    return true;
  }));
  EXPECT_GE(first_gone_at, a_expires);
  ASSERT_LT(NowMs(), b_expires - 200) << "too slow to check B before its own expiry";
  EXPECT_OK(client_->GetTranscript(b));  // closed later: still readable

  // The key of A's epoch is destroyed within one tick (1 s) of the epoch's
  // end, with no traffic needed.
  const uint64_t a_epoch = static_cast<uint64_t>(a_expires / kEpochMs);
  int64_t shredded_at = 0;
  ASSERT_TRUE(PollUntil(EpochEnd(a_expires) + 1000 + 500, [&] {
    auto status = client_->GetRetentionStatus();
    if (!status.ok() || status->base_epoch <= a_epoch) return false;
    shredded_at = NowMs();
    EXPECT_LE(status->base_epoch, static_cast<uint64_t>(b_expires / kEpochMs))
        << "B's key must outlive A's";
    EXPECT_EQ(status->overdue, 0u);
    EXPECT_GE(status->shredded_total, 1u);
    return true;
  })) << "the key of A's epoch was not destroyed within a tick of the epoch's end";
  EXPECT_GE(shredded_at, EpochEnd(a_expires));

  // Still 410 after the purge (tombstone); B, closed later, still reads.
  auto gone = client_->Request("GET", "/v1/transcripts/" + a, "", "");
  ASSERT_OK(gone);
  EXPECT_TRUE(IsJsonError(*gone, 410, "expired")) << gone->body;
}

TEST_F(RetentionE2eTest, AfterDowntimeTheDaemonShredsBeforeServing) {
  UnixMillis expires = 0;
  const std::string id = ClosedTranscript(&expires);
  client_.reset();
  ASSERT_EQ(daemon_.Stop(), 0);
  // Down across several epochs, until after the transcript's epoch ended.
  ASSERT_TRUE(PollUntil(EpochEnd(expires) + 3000, [&] { return NowMs() >= EpochEnd(expires) + 100; }));
  ASSERT_OK(daemon_.Start());
  Reconnect();
  // The first thing asked after READY: the key is already gone.
  auto status = client_->GetRetentionStatus();
  ASSERT_OK(status);
  EXPECT_GT(status->base_epoch, static_cast<uint64_t>(expires / kEpochMs));
  EXPECT_EQ(status->overdue, 0u);
  auto reply = client_->Request("GET", "/v1/transcripts/" + id, "", "");
  ASSERT_OK(reply);
  EXPECT_TRUE(IsJsonError(*reply, 410, "expired")) << reply->body;
}

}  // namespace
}  // namespace vault::testing
