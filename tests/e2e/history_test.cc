// A visitor's history over the real socket: three visitors, two services,
// repeat visits and one held chat; clients forked under each role's uid as
// in roles_test.cc. Every listing is compared with what it must be exactly.
#include <boost/json.hpp>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/legal_hold_fixture.h"
#include "tests/support/epochs.h"

namespace vault::testing {
namespace {

namespace json = boost::json;

class HistoryE2eTest : public LegalHoldRolesTest {
 protected:
  using LegalHoldRolesTest::LegalHoldRolesTest;

  // A transcript of `service` opened by that service's writer, with one message.
  std::string Open(const std::string& service, const std::string& visitor) {
    const Identity& writer = service == "alpha" ? kWriterAlpha : kWriterBeta;
    Reply created = RunOneAs(writer, daemon_.socket_path(),
                             {"POST", "/v1/transcripts",
                              R"({"service":")" + service + R"(","visitor":)" + visitor + "}"});
    EXPECT_EQ(created.status, 201) << created.body;
    const std::string id = Field(created.body, "id");
    Reply appended = RunOneAs(writer, daemon_.socket_path(),
                              {"POST", "/v1/transcripts/" + id + "/messages", Message(0)});
    EXPECT_EQ(appended.status, 201) << appended.body;
    return id;
  }
  // The ids the agent's history of `id` lists, page by page of `limit`, and
  // the "matched" of each.
  std::vector<std::string> History(const std::string& id, std::map<std::string, std::string>* matched,
                                   int limit = 2) {
    std::vector<std::string> ids;
    std::string after;
    for (int page = 0; page < 50; ++page) {
      std::string target = "/v1/transcripts/" + id + "/history?limit=" + std::to_string(limit);
      if (!after.empty()) target += "&after=" + after;
      const std::string body = Read(kAgent, target);
      boost::system::error_code ec;
      json::value v = json::parse(body, ec);
      if (ec || !v.is_object()) {
        ADD_FAILURE() << body;
        break;
      }
      for (const json::value& t : v.at("transcripts").as_array()) {
        const std::string tid(t.at("id").as_string());
        ids.push_back(tid);
        std::string kinds;
        for (const json::value& k : t.at("matched").as_array()) {
          kinds += (kinds.empty() ? "" : ",") + std::string(k.as_string());
        }
        if (matched) (*matched)[tid] = kinds;
        if (t.at("state") == json::value("held")) {
          // Nothing from inside a held transcript.
          EXPECT_EQ(t.as_object().size(), 4u) << json::serialize(t);  // id, state, held_at, matched
        } else {
          EXPECT_TRUE(t.as_object().contains("message_count")) << json::serialize(t);
        }
      }
      const json::value* next = v.as_object().if_contains("next");
      if (next == nullptr) break;
      after = std::string(next->as_string());
    }
    return ids;
  }
};

TEST_F(HistoryE2eTest, ThreeVisitorsTwoServicesRepeatVisitsAndAHeldChat) {
  const std::string sam = R"({"ref":"sam","email":"Sam@Example.org","ip":"192.0.2.7"})";
  const std::string sam_phone = R"({"phone":"+44 7700 900123","email":"sam@example.org "})";
  const std::string kim = R"({"ref":"kim","phone":"+447700900999","ip":"192.0.2.7"})";
  const std::string lee = R"({"ref":"lee"})";
  // Opened in this order (newest last), so newest-first is the reverse.
  const std::string sam1 = Open("alpha", sam);
  const std::string kim1 = Open("alpha", kim);
  const std::string sam_beta = Open("beta", sam);
  const std::string sam2 = Open("alpha", sam_phone);
  const std::string lee1 = Open("alpha", lee);
  const std::string kim2 = Open("alpha", kim);
  const std::string sam3 = Open("alpha", sam);
  const std::string kim_beta = Open("beta", kim);
  // sam1 closed and held under a new case.
  Reply closed = RunOneAs(kWriterAlpha, daemon_.socket_path(),
                          {"POST", "/v1/transcripts/" + sam1 + "/close", ""});
  ASSERT_EQ(closed.status, 200) << closed.body;
  Reply opened = RunOneAs(kOfficer, daemon_.socket_path(), OpenCase("alice", "CASE-H"));
  ASSERT_EQ(opened.status, 201) << opened.body;
  Reply held = RunOneAs(kOfficer, daemon_.socket_path(), Hold("alice", "CASE-H", sam1));
  ASSERT_EQ(held.status, 201) << held.body;

  std::map<std::string, std::string> matched;
  // Sam's third chat: the second (by email) and the first (held, by ref and
  // email); held transcripts sort by their hold time, the newest event.
  EXPECT_EQ(History(sam3, &matched), (std::vector<std::string>{sam1, sam2}));
  EXPECT_EQ(matched[sam2], "email");
  EXPECT_EQ(matched[sam1], "ref,email");
  EXPECT_EQ(History(sam2, &matched), (std::vector<std::string>{sam1, sam3}));
  // Kim shares Sam's IP address and nothing else: only Kim's own chat.
  EXPECT_EQ(History(kim2, &matched), (std::vector<std::string>{kim1}));
  EXPECT_EQ(matched[kim1], "ref,phone");
  EXPECT_EQ(History(kim1, nullptr, 1), (std::vector<std::string>{kim2}));
  // Lee came once; the other service keeps to itself.
  EXPECT_TRUE(History(lee1, nullptr).empty());
  EXPECT_TRUE(History(sam_beta, nullptr).empty());
  EXPECT_TRUE(History(kim_beta, nullptr).empty());

  // Refused for every role but agent, and for bad queries; audited.
  for (const Identity* who : {&kWriterAlpha, &kOfficer, &kAuditor, &kAdmin}) {
    Reply r = RunOneAs(*who, daemon_.socket_path(),
                       {"GET", "/v1/transcripts/" + sam3 + "/history", ""});
    EXPECT_EQ(r.status, 403) << who->name << r.body;
    EXPECT_EQ(Field(Field(r.body, "error"), "code"), "forbidden") << r.body;
  }
  for (const char* query : {"?limit=0", "?limit=101", "?limit=x", "?after=", "?after=zz"}) {
    Reply r = RunOneAs(kAgent, daemon_.socket_path(),
                       {"GET", "/v1/transcripts/" + sam3 + "/history" + query, ""});
    EXPECT_EQ(r.status, 400) << query << r.body;
  }
  Reply unknown = RunOneAs(kAgent, daemon_.socket_path(),
                           {"GET", "/v1/transcripts/" + std::string(32, 'a') + "/history", ""});
  EXPECT_EQ(unknown.status, 404) << unknown.body;

  // Each listing is audited with its count and no identifier.
  const std::string log = Read(kAuditor, "/v1/audit/records?limit=1000");
  EXPECT_NE(log.find("transcript.history"), std::string::npos);
  for (const char* identifier : {"sam@example.org", "Sam@Example.org", "+44 7700", "447700900",
                                 "\"sam\"", "\"kim\"", "192.0.2.7"}) {
    EXPECT_EQ(log.find(identifier), std::string::npos) << identifier;
  }
  const AccessCounts counts = AccessRecords();
  const auto agent = counts.find({kAgent.uid, "transcript.history"});
  ASSERT_NE(agent, counts.end());
  EXPECT_EQ(agent->second.at("ok"), 7);  // one page each: no listing above took two
  EXPECT_EQ(agent->second.at("invalid_cursor"), 1);
  EXPECT_EQ(counts.at({kAdmin.uid, "transcript.history"}).at("forbidden"), 1);
}

// vaultd with a 3 s retention and 1 s epochs: a held chat is still listed
// (as held) once the epoch its key was wrapped under before the hold has
// been shredded, while a chat that expired beside it is not.
class ShortRetentionHistoryE2eTest : public HistoryE2eTest {
 protected:
  ShortRetentionHistoryE2eTest() : HistoryE2eTest({"--retention", "3s", "--epoch", "1s"}) {}
};

TEST_F(ShortRetentionHistoryE2eTest, AHeldChatOutlivesItsPreHoldEpochInTheHistory) {
  const std::string sam = R"({"ref":"sam"})";
  const std::string held = Open("alpha", sam);
  const std::string lapsed = Open("alpha", sam);
  for (const std::string& id : {held, lapsed}) {
    Reply closed = RunOneAs(kWriterAlpha, daemon_.socket_path(),
                            {"POST", "/v1/transcripts/" + id + "/close", ""});
    ASSERT_EQ(closed.status, 200) << closed.body;
  }
  // Both keys are wrapped under an epoch no later than this one.
  const uint64_t doomed = static_cast<uint64_t>((NowMs() + 3000) / kEpochMs);
  Reply opened = RunOneAs(kOfficer, daemon_.socket_path(), OpenCase("alice", "CASE-H"));
  ASSERT_EQ(opened.status, 201) << opened.body;
  Reply placed = RunOneAs(kOfficer, daemon_.socket_path(), Hold("alice", "CASE-H", held));
  ASSERT_EQ(placed.status, 201) << placed.body;

  const int64_t deadline = NowMs() + 10000;
  while (true) {
    const std::string status = Read(kAdmin, "/v1/retention");
    boost::system::error_code ec;
    json::value v = json::parse(status, ec);
    ASSERT_FALSE(ec) << status;
    if (v.at("base_epoch").to_number<uint64_t>() > doomed) break;
    ASSERT_LT(NowMs(), deadline) << "no shred in time: " << status;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const std::string latest = Open("alpha", sam);
  EXPECT_EQ(History(latest, nullptr), (std::vector<std::string>{held}));
}

}  // namespace
}  // namespace vault::testing
