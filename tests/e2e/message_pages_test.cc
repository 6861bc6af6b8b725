// Range reads over the socket: GET /v1/transcripts/{id}?from_seq=N&limit=M
// returns the messages with seq >= N, at most M, each with its
// supplementary statements, and next_from_seq while more follow; walking the
// pages visits every message once, in order, whatever the page size. Bad
// parameters are refused before anything is read; each page is audited as a
// read.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon_fixture.h"
#include "vault/client.h"

namespace vault::testing {
namespace {

namespace json = boost::json;

constexpr int kMessages = 50;
constexpr uint64_t kStep = 3;  // seqs 0, 3, 6, ...: pages may start between them

class MessagePagesTest : public DaemonTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DaemonTest::SetUp());
    auto created = client_->CreateTranscript({"svc", {}});
    ASSERT_OK(created);
    id_ = created->id;
    for (int i = 0; i < kMessages; ++i) {
      const uint64_t seq = kStep * i;
      ASSERT_OK(client_->AppendMessage(id_, MakeMessage(seq, "m" + std::to_string(seq))));
    }
    // Two statements on one message and one on the next: a page boundary
    // must never part a message from its statements.
    for (const auto& [seq, text] : std::vector<std::pair<uint64_t, std::string>>{
             {9, "s9a"}, {9, "s9b"}, {12, "s12"}}) {
      ASSERT_OK(client_->AddStatement(id_, {seq, text, ""}));
    }
  }

  json::object Page(const std::string& query) {
    auto reply = client_->Request("GET", "/v1/transcripts/" + id_ + query, "", "");
    EXPECT_OK(reply);
    if (!reply.ok()) return {};
    EXPECT_EQ(reply->status, 200) << query << ": " << reply->body;
    return json::parse(reply->body).as_object();
  }

  uint64_t AuditSize() {
    auto status = client_->GetAuditStatus();
    EXPECT_OK(status);
    return status.ok() ? status->size : 0;
  }

  std::string id_;
};

// The statements a message should carry, by its seq.
std::vector<std::string> StatementsOf(uint64_t seq) {
  if (seq == 9) return {"s9a", "s9b"};
  if (seq == 12) return {"s12"};
  return {};
}

TEST_F(MessagePagesTest, PagesVisitEveryMessageOnceInOrderWithItsStatements) {
  for (uint64_t limit : {1, 2, 3, 7, 49, 50, 51, 10000}) {
    std::vector<uint64_t> seen;
    uint64_t from = 0;
    int pages = 0;
    for (;;) {
      const json::object page =
          Page("?from_seq=" + std::to_string(from) + "&limit=" + std::to_string(limit));
      ++pages;
      ASSERT_LE(pages, kMessages + 1) << "limit " << limit << ": the walk does not end";
      EXPECT_EQ(page.at("message_count").as_int64(), kMessages) << "the whole count, every page";
      const json::array& messages = page.at("messages").as_array();
      EXPECT_LE(messages.size(), limit);
      for (const json::value& v : messages) {
        const json::object& m = v.as_object();
        const uint64_t seq = m.at("seq").to_number<uint64_t>();
        EXPECT_GE(seq, from);
        EXPECT_EQ(m.at("text").as_string(), ("m" + std::to_string(seq)).c_str());
        std::vector<std::string> statements;
        if (const json::value* list = m.if_contains("statements")) {
          for (const json::value& st : list->as_array()) {
            statements.emplace_back(st.at("text").as_string());
          }
        }
        EXPECT_EQ(statements, StatementsOf(seq)) << "seq " << seq << ", limit " << limit;
        seen.push_back(seq);
      }
      const json::value* next = page.if_contains("next_from_seq");
      if (next == nullptr) break;
      EXPECT_EQ(messages.size(), limit) << "a short page says there is more";
      const uint64_t next_seq = next->to_number<uint64_t>();
      ASSERT_FALSE(messages.empty());
      EXPECT_GT(next_seq, messages.back().at("seq").to_number<uint64_t>());
      from = next_seq;
    }
    std::vector<uint64_t> all;
    for (int i = 0; i < kMessages; ++i) all.push_back(kStep * i);
    EXPECT_EQ(seen, all) << "limit " << limit;
    EXPECT_EQ(pages, static_cast<int>((kMessages + limit - 1) / limit)) << "limit " << limit;
  }
}

TEST_F(MessagePagesTest, APageStartsAtTheFirstSeqAtOrAfterFromSeq) {
  json::object page = Page("?from_seq=10&limit=2");
  json::array& messages = page.at("messages").as_array();
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].at("seq").as_int64(), 12);
  EXPECT_EQ(messages[1].at("seq").as_int64(), 15);
  EXPECT_EQ(page.at("next_from_seq").as_int64(), 18);

  // From the last message: one, and no next. Past it: none, and no next.
  page = Page("?from_seq=" + std::to_string(kStep * (kMessages - 1)));
  EXPECT_EQ(page.at("messages").as_array().size(), 1u);
  EXPECT_EQ(page.if_contains("next_from_seq"), nullptr);
  page = Page("?from_seq=1000000&limit=5");
  EXPECT_TRUE(page.at("messages").as_array().empty());
  EXPECT_EQ(page.if_contains("next_from_seq"), nullptr);
  EXPECT_EQ(page.at("message_count").as_int64(), kMessages);

  // No parameters: the whole transcript, as before; the same messages as
  // one page large enough for all.
  const json::object whole = Page("");
  EXPECT_EQ(whole.if_contains("next_from_seq"), nullptr);
  EXPECT_EQ(whole.at("messages"), Page("?limit=10000").at("messages"));
  EXPECT_EQ(whole.at("messages").as_array().size(), static_cast<size_t>(kMessages));
}

TEST_F(MessagePagesTest, BadPageParametersAreRefusedAndReadNothing) {
  const uint64_t before = AuditSize();
  const uint64_t reading_adds = AuditSize() - before;  // what reading the size adds
  for (const std::string query :
       {"?from_seq=abc", "?from_seq=-1", "?from_seq=", "?from_seq=1e3",
        "?from_seq=99999999999999999999999", "?limit=0", "?limit=10001", "?limit=",
        "?limit=ten", "?limit=-5", "?from_seq=0&limit=0"}) {
    const uint64_t start = AuditSize();
    auto reply = client_->Request("GET", "/v1/transcripts/" + id_ + query, "", "");
    ASSERT_OK(reply);
    EXPECT_EQ(reply->status, 400) << query;
    EXPECT_TRUE(IsJsonError(*reply, 400, "invalid_query")) << query << ": " << reply->body;
    // Refused before the vault was asked: no read, so no audit record.
    EXPECT_EQ(AuditSize() - start, reading_adds) << query;
  }
}

TEST_F(MessagePagesTest, EachPageIsAuditedAsARead) {
  const uint64_t before = AuditSize();
  const uint64_t reading_adds = AuditSize() - before;
  const uint64_t start = AuditSize();
  Page("?limit=5");
  Page("?from_seq=15&limit=5");
  Page("?from_seq=30");
  EXPECT_EQ(AuditSize() - start, 3 + reading_adds);
  auto records = client_->Request("GET", "/v1/audit/records?from=" + std::to_string(start) +
                                             "&limit=100", "", "");
  ASSERT_OK(records);
  int reads = 0;
  const json::value parsed = json::parse(records->body);
  for (const json::value& r : parsed.at("records").as_array()) {
    const json::value& payload = r.at("payload");
    if (payload.is_object() && payload.as_object().if_contains("action") != nullptr &&
        payload.at("action") == "transcript.read") {
      EXPECT_EQ(payload.at("outcome"), "ok");
      ++reads;
    }
  }
  EXPECT_EQ(reads, 3);
}

}  // namespace
}  // namespace vault::testing
