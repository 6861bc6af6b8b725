// Retention on a real daemon with a 3 s retention and 1 s epochs: reads
// succeed before expiry, answer 410 from the expiry on, the key is destroyed
// within one tick of its epoch's end, later transcripts stay readable, and a
// daemon restarted after downtime has shredded before it serves.
//
// These tests wait for wall-clock time to pass, because that is what they
// test; every wait polls an observable condition with a deadline.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/daemon_fixture.h"
#include "tests/support/epochs.h"
#include "vault/common/time_format.h"

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

// The register of rights requests under a 2 s rights-retention: a finished
// entry goes once its time is over; one that still restricts a transcript
// lives on until that transcript is shredded, however long ago it finished.
class RightsRetentionE2eTest : public DaemonTest {
 protected:
  RightsRetentionE2eTest()
      : DaemonTest({"--retention", "3s", "--epoch", "1s", "--rights-retention", "2s"}) {}

  HttpReply Call(const std::string& method, const std::string& target,
                 const std::string& body = "") {
    auto reply = client_->Request(method, target, body, body.empty() ? "" : "application/json");
    EXPECT_OK(reply);
    return reply.ok() ? *reply : HttpReply{};
  }
  // A request received 40 days ago: overdue at once, its due time long
  // more than a rights-retention ago.
  std::string RegisterLate(const std::string& kind) {
    const HttpReply r = Call("POST", "/v1/rights-requests",
                             R"({"kind":")" + kind + R"(","received_at":")" +
                                 FormatRfc3339(NowMs() - 40 * kMillisPerDay) + R"("})");
    EXPECT_EQ(r.status, 201) << r.body;
    return Field(r.body, "id");
  }
  static std::string Field(const std::string& body, const char* name) {
    boost::system::error_code ec;
    const boost::json::value v = boost::json::parse(body, ec);
    if (ec || !v.is_object() || !v.as_object().contains(name)) return "";
    const boost::json::value& f = v.as_object().at(name);
    return f.is_string() ? std::string(f.as_string()) : boost::json::serialize(f);
  }
  static Visitor RefOnly(const std::string& ref) {
    Visitor v;
    v.ref = ref;
    return v;
  }
  int EntryStatus(const std::string& id) { return Call("GET", "/v1/rights-requests/" + id).status; }
  size_t DestroyRecords() {
    size_t n = 0;
    for (const boost::json::object& r : AuditRecords(*client_)) {
      const boost::json::value* payload = r.if_contains("payload");
      if (payload == nullptr || !payload->is_object()) continue;
      const boost::json::value* action = payload->as_object().if_contains("action");
      if (action != nullptr && *action == "rights.destroy") ++n;
    }
    return n;
  }
};

TEST_F(RightsRetentionE2eTest, AnOpenEntryIsKeptAndAFinishedOneDestroyedItsRetentionAfter) {
  // Open (unanswered, however overdue): kept, renewed past its due time
  // plus the rights-retention and past its own first keep-until epoch.
  const UnixMillis registered = NowMs();
  const std::string id = RegisterLate("access");
  ASSERT_FALSE(id.empty());
  const int64_t first_epoch_gone = EpochEnd(registered + 2000) + 1500;
  ASSERT_TRUE(PollUntil(first_epoch_gone, [&] { return NowMs() >= first_epoch_gone; }));
  EXPECT_EQ(EntryStatus(id), 200) << "an open request was destroyed";
  const HttpReply done = Call("POST", "/v1/rights-requests/" + id + "/complete");
  ASSERT_EQ(done.status, 200) << done.body;
  UnixMillis closed_at = 0;
  ASSERT_TRUE(ParseRfc3339(Field(done.body, "closed_at"), &closed_at)) << done.body;
  EXPECT_EQ(EntryStatus(id), 200);
  // Gone within a tick of the end of the epoch holding closed_at + 2 s.
  const int64_t due_gone = EpochEnd(closed_at + 2000);
  int64_t gone_at = 0;
  ASSERT_TRUE(PollUntil(due_gone + 1000 + 1000, [&] {
    if (EntryStatus(id) != 404) return false;
    gone_at = NowMs();
    return true;
  })) << "the entry outlived its rights-retention";
  EXPECT_GE(gone_at, closed_at + 2000) << "the entry went before its rights-retention";
  EXPECT_TRUE(IsJsonError(Call("GET", "/v1/rights-requests/" + id), 404, "unknown_request"));
  EXPECT_GE(DestroyRecords(), 1u);
}

TEST_F(RightsRetentionE2eTest, AnEntryThatStillRestrictsLivesUntilItsTranscriptIsShredded) {
  auto created = client_->CreateTranscript(
      NewTranscript{"helpline", RefOnly("rights-retention-1")});
  ASSERT_OK(created);
  ASSERT_OK(client_->AppendMessage(created->id, MakeMessage(0, "hello")));
  auto expires = client_->CloseTranscript(created->id);
  ASSERT_OK(expires);
  const std::string id = RegisterLate("restriction");
  const HttpReply restricted =
      Call("POST", "/v1/subject-restriction",
           R"({"identifiers":{"ref":"rights-retention-1"},"request":")" + id + R"("})");
  ASSERT_EQ(restricted.status, 200) << restricted.body;
  ASSERT_EQ(Field(restricted.body, "restricted"), "[\"" + created->id + "\"]");
  // Carried out: the request is done, its restriction in force.
  const HttpReply entry = Call("POST", "/v1/rights-requests/" + id + "/complete");
  ASSERT_EQ(entry.status, 200) << entry.body;
  UnixMillis closed_at = 0;
  ASSERT_TRUE(ParseRfc3339(Field(entry.body, "closed_at"), &closed_at)) << entry.body;

  // Well past the time an entry that restricts nothing would have gone (a
  // tick after the epoch of closed_at + 2 s), it is still there: the
  // transcript it restricts still lives (or has only just been shredded).
  const int64_t would_be_gone = EpochEnd(closed_at + 2000) + 1500;
  ASSERT_TRUE(PollUntil(would_be_gone, [&] { return NowMs() >= would_be_gone; }));
  EXPECT_EQ(EntryStatus(id), 200) << "an entry in force was destroyed";
  // Restriction never extends retention: the transcript is shredded on
  // time, and then the entry ends a rights-retention later.
  ASSERT_TRUE(PollUntil(EpochEnd(*expires) + 2000, [&] {
    auto status = client_->GetRetentionStatus();
    return status.ok() && status->base_epoch > static_cast<uint64_t>(*expires / kEpochMs);
  })) << "the restricted transcript's key was not destroyed on time";
  auto gone = client_->Request("GET", "/v1/transcripts/" + created->id, "", "");
  ASSERT_OK(gone);
  EXPECT_TRUE(IsJsonError(*gone, 410, "expired")) << gone->body;
  ASSERT_TRUE(PollUntil(NowMs() + 8000, [&] { return EntryStatus(id) == 404; }))
      << "the entry outlived its transcript by more than its rights-retention";
}

}  // namespace
}  // namespace vault::testing
