// Batch appends over the socket: POST /v1/transcripts/{id}/messages/batch
// stores a buffer of messages as one unit. A replay of the same batch (or
// of part of it) finds what is stored and changes nothing; a conflict, a
// closed transcript or any bad message refuses the whole batch and stores
// nothing; the response names each message's outcome in the order sent.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon_fixture.h"
#include "tests/support/exposition.h"
#include "vault/client.h"
#include "vault/types.h"

namespace vault::testing {
namespace {

namespace json = boost::json;

std::string MessageJson(uint64_t seq, const std::string& text) {
  return json::serialize(json::object{{"seq", seq},
                                      {"from", seq % 2 == 0 ? "visitor" : "agent"},
                                      {"text", text},
                                      {"sent_at", "2026-12-05T10:00:00Z"}});
}

// A batch of the given seqs, each with text "m<seq>" unless `texts` says.
std::string Batch(const std::vector<uint64_t>& seqs, const std::string& suffix = "") {
  std::string body = R"({"messages":[)";
  for (size_t i = 0; i < seqs.size(); ++i) {
    if (i > 0) body += ',';
    body += MessageJson(seqs[i], "m" + std::to_string(seqs[i]) + suffix);
  }
  return body + "]}";
}

std::vector<uint64_t> Range(uint64_t from, uint64_t to) {
  std::vector<uint64_t> seqs;
  for (uint64_t s = from; s < to; ++s) seqs.push_back(s);
  return seqs;
}

class BatchAppendTest : public DaemonTest {
 protected:
  // No idle-close scan: nothing but the requests writes to the store.
  BatchAppendTest() : DaemonTest({"--idle-close", "off"}) {}

  // Synced RocksDB writes so far (the store's write-duration histogram).
  double SyncedWrites() {
    return ScrapeMetric(*client_, "vault_store_synced_write_duration_seconds_count");
  }

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DaemonTest::SetUp());
    auto created = client_->CreateTranscript({"svc", {}});
    ASSERT_OK(created);
    id_ = created->id;
  }

  HttpReply Send(const std::string& body) {
    auto reply = client_->Request("POST", "/v1/transcripts/" + id_ + "/messages/batch", body,
                                  "application/json");
    EXPECT_OK(reply);
    return reply.ok() ? *reply : HttpReply{};
  }

  // The stored messages' seqs and texts, and the count the state keeps.
  struct Stored {
    std::vector<uint64_t> seqs;
    std::vector<std::string> texts;
    uint64_t message_count = 0;
    uint64_t audit_size = 0;
  };
  Stored Read() {
    Stored out;
    auto t = client_->GetTranscript(id_);
    EXPECT_OK(t);
    if (!t.ok()) return out;
    for (const Message& m : t->messages) {
      out.seqs.push_back(m.seq);
      out.texts.push_back(m.text);
    }
    out.message_count = t->info.message_count;
    return out;
  }

  std::string id_;
};

// The outcomes a batch reply lists: the seqs, and which were duplicates.
void ExpectOutcomes(const HttpReply& reply, const std::vector<uint64_t>& seqs,
                    const std::vector<bool>& duplicate) {
  const json::object o = json::parse(reply.body).as_object();
  const json::array& results = o.at("results").as_array();
  ASSERT_EQ(results.size(), seqs.size()) << reply.body;
  uint64_t dups = 0;
  for (size_t i = 0; i < seqs.size(); ++i) {
    EXPECT_EQ(results[i].at("seq").to_number<uint64_t>(), seqs[i]) << i;
    const json::value* d = results[i].as_object().if_contains("duplicate");
    EXPECT_EQ(d != nullptr && d->as_bool(), bool(duplicate[i])) << "seq " << seqs[i];
    dups += duplicate[i] ? 1 : 0;
  }
  EXPECT_EQ(o.at("duplicates").to_number<uint64_t>(), dups);
  EXPECT_EQ(o.at("stored").to_number<uint64_t>(), seqs.size() - dups);
}

TEST_F(BatchAppendTest, ABufferIsStoredAndAReplayOfItChangesNothing) {
  const std::vector<uint64_t> first = Range(0, 100);
  const double writes_before = SyncedWrites();
  HttpReply reply = Send(Batch(first));
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(SyncedWrites() - writes_before, 1) << "100 messages, one durable write";
  ExpectOutcomes(reply, first, std::vector<bool>(100, false));
  Stored stored = Read();
  EXPECT_EQ(stored.seqs, first);
  EXPECT_EQ(stored.message_count, 100u);
  for (uint64_t s : first) EXPECT_EQ(stored.texts[s], "m" + std::to_string(s));

  // The same batch again (a retry after a lost answer): all duplicates, 200.
  const double writes_before_replay = SyncedWrites();
  reply = Send(Batch(first));
  ASSERT_EQ(reply.status, 200) << reply.body;
  ExpectOutcomes(reply, first, std::vector<bool>(100, true));
  EXPECT_EQ(SyncedWrites() - writes_before_replay, 0) << "a replay writes nothing";
  EXPECT_EQ(Read().message_count, 100u);

  // Half old, half new, out of order: the old ones are duplicates.
  std::vector<uint64_t> mixed;
  std::vector<bool> dup;
  for (uint64_t s = 150; s-- > 50;) {
    mixed.push_back(s);
    dup.push_back(s < 100);
  }
  reply = Send(Batch(mixed));
  ASSERT_EQ(reply.status, 201) << reply.body;
  ExpectOutcomes(reply, mixed, dup);
  stored = Read();
  EXPECT_EQ(stored.seqs, Range(0, 150));
  EXPECT_EQ(stored.message_count, 150u);

  // Single appends and batches agree: a single retry of a batched message
  // is a duplicate, and a batch may fill a gap left below later seqs.
  auto single = client_->Request("POST", "/v1/transcripts/" + id_ + "/messages",
                                 MessageJson(7, "m7"), "application/json");
  ASSERT_OK(single);
  EXPECT_EQ(single->status, 200) << single->body;
  ASSERT_OK(client_->AppendMessage(id_, MakeMessage(200, "after a gap")));
  reply = Send(Batch({160, 170}));
  ASSERT_EQ(reply.status, 201) << reply.body;
  EXPECT_EQ(Read().message_count, 153u);
}

TEST_F(BatchAppendTest, AConflictAnywhereRefusesTheWholeBatch) {
  ASSERT_EQ(Send(Batch(Range(0, 10))).status, 201);
  // Nine new messages and one that differs from what seq 5 holds.
  std::string body = R"({"messages":[)";
  for (uint64_t s = 10; s < 19; ++s) body += MessageJson(s, "m" + std::to_string(s)) + ",";
  body += MessageJson(5, "not what was said") + "]}";
  const HttpReply reply = Send(body);
  EXPECT_EQ(reply.status, 409) << reply.body;
  EXPECT_TRUE(IsJsonError(reply, 409, "seq_conflict")) << reply.body;
  const Stored stored = Read();
  EXPECT_EQ(stored.seqs, Range(0, 10)) << "nothing of the refused batch was stored";
  EXPECT_EQ(stored.message_count, 10u);
  EXPECT_EQ(stored.texts[5], "m5");
}

TEST_F(BatchAppendTest, AClosedTranscriptTakesNoNewMessageButAnswersARetry) {
  ASSERT_EQ(Send(Batch(Range(0, 5))).status, 201);
  ASSERT_OK(client_->CloseTranscript(id_));
  HttpReply reply = Send(Batch(Range(0, 5)));
  EXPECT_EQ(reply.status, 200) << reply.body;  // a replay of what is stored
  ExpectOutcomes(reply, Range(0, 5), std::vector<bool>(5, true));
  reply = Send(Batch(Range(3, 8)));
  EXPECT_TRUE(IsJsonError(reply, 409, "transcript_closed")) << reply.body;
  EXPECT_EQ(Read().seqs, Range(0, 5));
}

TEST_F(BatchAppendTest, BadBatchesAreRefusedAndChangeNothing) {
  ASSERT_EQ(Send(Batch(Range(0, 3))).status, 201);
  std::string too_many = R"({"messages":[)";
  for (uint64_t s = 0; s <= kMaxBatchMessages; ++s) {
    too_many += (s > 0 ? "," : "") + MessageJson(100 + s, "x");
  }
  too_many += "]}";
  struct Bad {
    std::string body;
    int status;
    const char* code;
  };
  const std::vector<Bad> bad = {
      {"", 400, "invalid_json"},
      {"{}", 400, "missing_field"},
      {R"({"messages":{}})", 400, "invalid_type"},
      {R"({"messages":[]})", 400, "empty_batch"},
      {too_many, 400, "batch_too_large"},
      {R"({"messages":[1]})", 400, "invalid_type"},
      {R"({"messages":[)" + MessageJson(10, "a") + "," + MessageJson(10, "a") + "]}", 400,
       "duplicate_seq"},
      {R"({"messages":[)" + MessageJson(10, "a") + R"(],"extra":1})", 400, "unknown_field"},
      {R"({"messages":[{"seq":11,"from":"agent","text":"t","sent_at":"2026-12-05T10:00:00Z","x":1}]})",
       400, "unknown_field"},
      {R"({"messages":[{"seq":"12","from":"agent","text":"t","sent_at":"2026-12-05T10:00:00Z"}]})",
       400, "invalid_seq"},
      {R"({"messages":[{"seq":-0,"from":"agent","text":"t","sent_at":"2026-12-05T10:00:00Z"}]})",
       400, "invalid_seq"},
      {R"({"messages":[{"seq":13,"from":"agent","sent_at":"2026-12-05T10:00:00Z"}]})", 400,
       "missing_field"},
      {R"({"messages":[)" + MessageJson(14, "fine") + R"(,{"seq":15,"from":"agent","text":"t","sent_at":"yesterday"}]})",
       400, "invalid_sent_at"},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.body.substr(0, 120));
    const HttpReply reply = Send(b.body);
    EXPECT_TRUE(IsJsonError(reply, b.status, b.code)) << reply.status << " " << reply.body;
    const Stored stored = Read();
    EXPECT_EQ(stored.seqs, Range(0, 3));
    EXPECT_EQ(stored.message_count, 3u);
  }
  // A transcript that does not exist.
  auto reply = client_->Request("POST", "/v1/transcripts/" + std::string(32, '0') +
                                            "/messages/batch",
                                Batch({1}), "application/json");
  ASSERT_OK(reply);
  EXPECT_TRUE(IsJsonError(*reply, 404, "not_found")) << reply->body;
}

}  // namespace
}  // namespace vault::testing
