// vault::Client against a real vaultd: the transcript calls, the errors the
// vault answers coming back as a Status with the vault's reason code, the
// generic Request, and the client's own limits.
#include <gtest/gtest.h>

#include <set>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <string>

#include "tests/client/client_fixture.h"
#include "vault/options.h"

namespace vault::testing {
namespace {

int64_t NowMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

constexpr char kUnknownId[] = "0123456789abcdef0123456789abcdef";
const int64_t kRetentionMs = Options{}.retention_ms;

TEST_F(ClientTest, CreateAppendCloseGetRoundTrip) {
  vault::NewTranscript request;
  request.service = "helpline.web-1";
  request.visitor.name = "Zo\xc3\xab";
  request.visitor.ref = "visitor-42";
  const int64_t before = NowMillis();
  auto created = client().CreateTranscript(request);
  ASSERT_OK(created);
  const int64_t after = NowMillis();
  EXPECT_EQ(created->id.size(), 32u);
  EXPECT_EQ(created->id.find_first_not_of("0123456789abcdef"), std::string::npos) << created->id;
  EXPECT_GE(created->expires_at, before + kRetentionMs);
  EXPECT_LE(created->expires_at, after + kRetentionMs);

  const Message first = MakeMessage(0, "hello \xf0\x9f\x91\x8b \"quoted\"\n");
  const Message second = MakeMessage(5, "");  // seqs need not be contiguous
  auto stored = client().AppendMessage(created->id, second);
  ASSERT_OK(stored);
  EXPECT_EQ(*stored, AppendOutcome::kStored);
  ASSERT_OK(client().AppendMessage(created->id, first));
  // The same message again is a duplicate, not an error.
  auto duplicate = client().AppendMessage(created->id, first);
  ASSERT_OK(duplicate);
  EXPECT_EQ(*duplicate, AppendOutcome::kDuplicate);

  auto open = client().GetTranscript(created->id);
  ASSERT_OK(open);
  ExpectTranscriptOf(*open, created->id, request, TranscriptState::kOpen, 2u);
  EXPECT_EQ(open->messages, (std::vector<Message>{first, second}));

  auto expires = client().CloseTranscript(created->id);
  ASSERT_OK(expires);
  auto closed = client().GetTranscript(created->id);
  ASSERT_OK(closed);
  EXPECT_EQ(closed->info.state, TranscriptState::kClosed);
  EXPECT_EQ(*expires, closed->info.closed_at + kRetentionMs);
  EXPECT_EQ(closed->info.expires_at, *expires);
  // Closing again is idempotent and gives the same expiry.
  auto again = client().CloseTranscript(created->id);
  ASSERT_OK(again);
  EXPECT_EQ(*again, *expires);
}

TEST_F(ClientTest, AnUnknownTranscriptIsNotFoundWithTheVaultsReason) {
  auto read = client().GetTranscript(kUnknownId);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), Status::Code::kNotFound) << read.status().ToString();
  EXPECT_EQ(read.status().reason(), "not_found");
  EXPECT_FALSE(read.status().message().empty());
  EXPECT_EQ(client().AppendMessage(kUnknownId, MakeMessage(0, "x")).status().reason(), "not_found");
  EXPECT_EQ(client().CloseTranscript(kUnknownId).status().reason(), "not_found");
  // Holds are the exception (docs/api.md 3.8): none for an unknown id.
  auto holds = client().ListHolds(kUnknownId);
  ASSERT_OK(holds);
  EXPECT_TRUE(holds->empty());
  EXPECT_EQ(client().ListHolds("not-an-id").status().reason(), "not_found");
  // A malformed id is answered the same way, without reaching the vault.
  for (const char* bad : {"", "XYZ", "0123456789ABCDEF0123456789ABCDEF", "../../v1/health"}) {
    auto status = client().GetTranscript(bad).status();
    EXPECT_EQ(status.code(), Status::Code::kNotFound) << bad;
    EXPECT_EQ(status.reason(), "not_found") << bad;
  }
  // The connection is still good after the errors.
  EXPECT_OK(client().Health());
}

TEST_F(ClientTest, AppendErrorsCarryTheVaultsReasons) {
  const std::string id = NewTranscript(1);
  Message bad_seq = MakeMessage(0, "x");
  bad_seq.seq = 1000001;  // over the default max_seq
  auto out_of_range = client().AppendMessage(id, bad_seq);
  EXPECT_EQ(out_of_range.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(out_of_range.status().reason(), "invalid_seq");

  auto conflict = client().AppendMessage(id, MakeMessage(0, "not message 0"));
  EXPECT_EQ(conflict.status().code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(conflict.status().reason(), "seq_conflict");

  Message bad_from = MakeMessage(1, "x");
  bad_from.from = "robot";
  EXPECT_EQ(client().AppendMessage(id, bad_from).status().reason(), "invalid_from");
  Message bad_time = MakeMessage(1, "x");
  bad_time.sent_at = "yesterday";
  EXPECT_EQ(client().AppendMessage(id, bad_time).status().reason(), "invalid_sent_at");

  ASSERT_OK(client().CloseTranscript(id));
  auto after_close = client().AppendMessage(id, MakeMessage(1, "late"));
  EXPECT_EQ(after_close.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(after_close.status().reason(), "transcript_closed");
  // Nothing above was stored.
  auto transcript = client().GetTranscript(id);
  ASSERT_OK(transcript);
  EXPECT_EQ(transcript->messages.size(), 1u);
}

TEST_F(ClientTest, CreateErrorsCarryTheVaultsReasons) {
  vault::NewTranscript bad;
  bad.service = "no spaces allowed";
  auto created = client().CreateTranscript(bad);
  EXPECT_EQ(created.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(created.status().reason(), "invalid_service");
}

TEST_F(ClientTest, EraseThroughRequestThenTheTypedCallsSayGone) {
  const std::string id = NewTranscript(2, /*close=*/true);
  auto erased = client().Request("POST", "/v1/transcripts/" + id + "/erase", "", "");
  ASSERT_OK(erased);
  EXPECT_EQ(erased->status, 200) << erased->body;
  EXPECT_NE(erased->body.find("\"erased\""), std::string::npos) << erased->body;
  auto read = client().GetTranscript(id);
  EXPECT_EQ(read.status().code(), Status::Code::kGone) << read.status().ToString();
  EXPECT_EQ(read.status().reason(), "erased");
  EXPECT_EQ(client().AppendMessage(id, MakeMessage(9, "x")).status().reason(), "erased");
  EXPECT_EQ(client().CloseTranscript(id).status().reason(), "erased");
  // An erase of an erased transcript is the same success.
  auto again = client().Request("POST", "/v1/transcripts/" + id + "/erase", "{}");
  ASSERT_OK(again);
  EXPECT_EQ(again->status, 200) << again->body;
  auto unknown = client().Request("POST", std::string("/v1/transcripts/") + kUnknownId + "/erase");
  ASSERT_OK(unknown);
  EXPECT_TRUE(IsJsonError(*unknown, 404, "not_found")) << unknown->body;
}

TEST_F(ClientTest, RequestReturnsAnyStatusWithHeaders) {
  auto health = client().Request("GET", "/v1/health", "", "");
  ASSERT_OK(health);
  EXPECT_EQ(health->status, 200);
  // Header() finds a header whatever its case; "" when absent.
  const std::string request_id = health->Header("x-request-id");
  EXPECT_EQ(request_id.size(), 16u) << request_id;
  EXPECT_EQ(health->Header("X-REQUEST-ID"), request_id);
  EXPECT_EQ(health->Header("Cache-Control"), "no-store");
  EXPECT_EQ(health->Header("X-No-Such-Header"), "");

  auto missing = client().Request("GET", "/v1/no-such-route", "", "");
  ASSERT_OK(missing);
  EXPECT_TRUE(IsJsonError(*missing, 404)) << missing->body;
  auto wrong_method = client().Request("DELETE", "/v1/health", "", "");
  ASSERT_OK(wrong_method);
  EXPECT_EQ(wrong_method->status, 405) << wrong_method->body;
  EXPECT_EQ(wrong_method->Header("Allow"), "GET");
  auto bad_json = client().Request("POST", "/v1/transcripts", "{not json");
  ASSERT_OK(bad_json);
  EXPECT_TRUE(IsJsonError(*bad_json, 400, "invalid_json")) << bad_json->body;
  auto wrong_type = client().Request("POST", "/v1/transcripts", R"({"service":"s"})", "text/plain");
  ASSERT_OK(wrong_type);
  EXPECT_EQ(wrong_type->status, 415) << wrong_type->body;
  // Nothing else reached vaultd meanwhile: each call was sent exactly once.
  auto next = client().Request("GET", "/v1/health", "", "");
  ASSERT_OK(next);
  EXPECT_EQ(std::stoull(next->Header("X-Request-Id"), nullptr, 16),
            std::stoull(request_id, nullptr, 16) + 5);
}

TEST_F(ClientTest, HealthAndMetrics) {
  EXPECT_OK(client().Health());
  NewTranscript(0);
  auto text = client().Metrics();
  ASSERT_OK(text);
  auto metrics = ParseExposition(*text);
  ASSERT_OK(metrics);
  EXPECT_EQ(metrics->Find("vault_transcripts", {{"state", "open"}}), 1.0) << *text;
  EXPECT_GE(metrics->ValueOr0("vault_http_connections_open"), 1.0);
}

TEST_F(ClientTest, AResponseOverTheClientsLimitFailsAndTheNextCallWorks) {
  const std::string id = NewTranscript(0);
  ASSERT_OK(client().AppendMessage(id, MakeMessage(0, std::string(4096, 'x'))));
  ClientOptions options;
  options.max_response_bytes = 1024;
  auto small = Client::Connect(daemon_.socket_path(), options);
  ASSERT_OK(small);
  auto big = (*small)->GetTranscript(id);
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), Status::Code::kUnavailable) << big.status().ToString();
  // It dropped that connection; a small answer on a fresh one is fine.
  EXPECT_OK((*small)->Health());
}

// History and subject access through the client: the same visitor's other
// chats for an agent, everything about them for a dpo (the test's user holds
// every role), with typed errors carrying the vault's codes.
TEST_F(ClientTest, ListsHistoryAndAnswersASubjectAccessRequest) {
  vault::NewTranscript request;
  request.service = "svc";
  request.visitor.ref = "visitor-42";
  request.visitor.email = "v42@example.org";
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto created = client().CreateTranscript(request);
    ASSERT_OK(created);
    ids.push_back(created->id);
  }
  request.visitor = {};
  request.visitor.ref = "someone-else";
  ASSERT_OK(client().CreateTranscript(request));

  HistoryQuery query;
  query.limit = 1;
  auto first = client().ListHistory(ids[0], query);
  ASSERT_OK(first);
  ASSERT_EQ(first->entries.size(), 1u);
  ASSERT_FALSE(first->next.empty());
  EXPECT_EQ(first->entries[0].state, "open");
  EXPECT_EQ(first->entries[0].matched, (std::vector<std::string>{"ref", "email"}));
  query.after = first->next;
  auto second = client().ListHistory(ids[0], query);
  ASSERT_OK(second);
  ASSERT_EQ(second->entries.size(), 1u);
  EXPECT_TRUE(second->next.empty());
  std::set<std::string> listed = {first->entries[0].id, second->entries[0].id};
  EXPECT_EQ(listed, (std::set<std::string>{ids[1], ids[2]}));
  query.after = "not-a-cursor";
  EXPECT_EQ(client().ListHistory(ids[0], query).status().reason(), "invalid_cursor");

  SubjectAccessQuery sar;
  sar.email = " V42@Example.org ";
  auto answer = client().SubjectAccess(sar);
  ASSERT_OK(answer);
  std::set<std::string> found;
  for (const SubjectAccessItem& item : answer->items) {
    found.insert(item.id);
    EXPECT_FALSE(item.withheld);
    EXPECT_EQ(item.transcript.visitor.ref, std::optional<std::string>("visitor-42"));
    ASSERT_FALSE(item.accesses.empty());
    EXPECT_EQ(item.accesses.front().action, "transcript.open");
    EXPECT_EQ(item.accesses.back().purpose, "subject_access");
  }
  EXPECT_EQ(found, (std::set<std::string>(ids.begin(), ids.end())));
  EXPECT_GT(answer->audit_seq, 0u);
  EXPECT_FALSE(answer->statement.retention.empty());

  sar.email = "not-an-address";
  auto bad = client().SubjectAccess(sar);
  EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(bad.status().reason(), "invalid_email");
  EXPECT_EQ(client().SubjectAccess(SubjectAccessQuery{}).status().reason(), "no_identifier");
}

// A vaultd that stops answering (SIGSTOP: the process is alive, its socket
// accepts, nothing replies) costs the client its timeout, not a hang; once
// vaultd runs again, the next call reconnects.
TEST_F(ClientTest, AFrozenVaultdTimesOutAndTheClientRecovers) {
  ClientOptions options;
  options.timeout = std::chrono::milliseconds(300);
  auto client = Client::Connect(daemon_.socket_path(), options);
  ASSERT_OK(client);
  ASSERT_OK((*client)->Health());
  ASSERT_OK(daemon_.Freeze());
  const auto start = std::chrono::steady_clock::now();
  const Status frozen = (*client)->Health();
  const auto waited = std::chrono::steady_clock::now() - start;
  daemon_.Thaw();
  EXPECT_EQ(frozen.code(), Status::Code::kUnavailable) << frozen.ToString();
  EXPECT_NE(frozen.message().find(daemon_.socket_path()), std::string::npos) << frozen.message();
  EXPECT_GE(waited, std::chrono::milliseconds(300));
  EXPECT_LT(waited, std::chrono::seconds(20));
  // Recovers: the next calls reconnect. The resumed vaultd first runs what
  // came due while it was stopped (timers, the shredder), and on a loaded
  // machine the first call can exceed the 300 ms timeout again; it must
  // succeed within a few attempts, not at once.
  Status recovered = (*client)->Health();
  for (int attempt = 1; !recovered.ok() && attempt < 20; ++attempt) {
    EXPECT_EQ(recovered.code(), Status::Code::kUnavailable) << recovered.ToString();
    recovered = (*client)->Health();
  }
  EXPECT_OK(recovered);
}

TEST(ClientConnectTest, AMissingSocketFailsWithAClearStatus) {
  const std::string path = "/tmp/no-such-dir-for-vault-client/vaultd.sock";
  auto client = Client::Connect(path);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.status().code(), Status::Code::kUnavailable) << client.status().ToString();
  EXPECT_NE(client.status().message().find(path), std::string::npos) << client.status().message();
  // A path that exists but is no socket fails the same way.
  const std::string dir = MakeTestDir();
  auto not_a_socket = Client::Connect(dir);
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(not_a_socket.ok());
  EXPECT_EQ(not_a_socket.status().code(), Status::Code::kUnavailable);
}

}  // namespace
}  // namespace vault::testing
