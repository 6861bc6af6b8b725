// The v1 wire format: request parsing and validation, response encoding and
// decoding (the client's view), without a server.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "vault/common/time_format.h"
#include "vault/wire/json_util.h"
#include "vault/wire/request_json.h"
#include "vault/wire/response_json.h"

namespace vault::wire {
namespace {

constexpr uint64_t kMaxSeq = 1000000;

// The reason of a failed parse, "" if it succeeded.
template <typename T>
std::string ReasonOf(const StatusOr<T>& result) {
  return result.ok() ? "" : result.status().reason();
}
std::string ReasonOf(const Status& status) { return status.reason(); }

std::string Nested(int depth) { return std::string(depth, '[') + std::string(depth, ']'); }

TEST(ParseJsonTest, RejectsMalformedJson) {
  EXPECT_EQ(ReasonOf(ParseJson("")), "invalid_json");
  EXPECT_EQ(ReasonOf(ParseJson("{")), "invalid_json");
  EXPECT_EQ(ReasonOf(ParseJson("{\"a\":1,}")), "invalid_json");   // trailing comma
  EXPECT_EQ(ReasonOf(ParseJson("{} // c")), "invalid_json");      // comment
  EXPECT_EQ(ReasonOf(ParseJson("{\"a\":1} x")), "invalid_json");  // trailing bytes
}

TEST(ParseJsonTest, RejectsInvalidUtf8) {
  EXPECT_EQ(ReasonOf(ParseJson("{\"a\":\"\xff\"}")), "invalid_json");
  EXPECT_EQ(ReasonOf(ParseJson("{\"a\":\"\xc3\"}")), "invalid_json");          // truncated
  EXPECT_EQ(ReasonOf(ParseJson("{\"a\":\"\xed\xa0\x80\"}")), "invalid_json");  // surrogate
  EXPECT_TRUE(ParseJson("{\"a\":\"\xc3\xa9\"}").ok());
}

TEST(ParseJsonTest, CapsNestingDepth) {
  EXPECT_TRUE(ParseJson(Nested(kMaxJsonDepth)).ok());
  EXPECT_EQ(ReasonOf(ParseJson(Nested(kMaxJsonDepth + 1))), "too_deep");
  EXPECT_EQ(ReasonOf(ParseJson(Nested(10000))), "too_deep");
}

TEST(ParseNewTranscriptTest, ParsesServiceAndVisitor) {
  auto parsed = ParseNewTranscript(
      R"({"service":"kooth.chat","visitor":{"name":"A","ip":"10.0.0.1","location":"Leeds",)"
      R"("user_agent":"UA","device":"phone","ref":"v-1"}})");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->service, "kooth.chat");
  EXPECT_EQ(parsed->visitor.name, "A");
  EXPECT_EQ(parsed->visitor.ip, "10.0.0.1");
  EXPECT_EQ(parsed->visitor.location, "Leeds");
  EXPECT_EQ(parsed->visitor.user_agent, "UA");
  EXPECT_EQ(parsed->visitor.device, "phone");
  EXPECT_EQ(parsed->visitor.ref, "v-1");
}

TEST(ParseNewTranscriptTest, VisitorAndItsFieldsAreOptional) {
  auto bare = ParseNewTranscript(R"({"service":"s"})");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->visitor, Visitor());
  auto partial = ParseNewTranscript(R"({"service":"s","visitor":{"ip":"::1","name":null}})");
  ASSERT_TRUE(partial.ok());
  EXPECT_EQ(partial->visitor.ip, "::1");
  EXPECT_FALSE(partial->visitor.name.has_value());
  EXPECT_TRUE(ParseNewTranscript(R"({"service":"s","visitor":null})").ok());
}

TEST(ParseNewTranscriptTest, RejectsWrongShapes) {
  EXPECT_EQ(ReasonOf(ParseNewTranscript("[]")), "invalid_type");
  EXPECT_EQ(ReasonOf(ParseNewTranscript("\"s\"")), "invalid_type");
  EXPECT_EQ(ReasonOf(ParseNewTranscript("{}")), "missing_field");
  EXPECT_EQ(ReasonOf(ParseNewTranscript(R"({"service":5})")), "invalid_type");
  EXPECT_EQ(ReasonOf(ParseNewTranscript(R"({"service":"s","extra":1})")), "unknown_field");
  EXPECT_EQ(ReasonOf(ParseNewTranscript(R"({"service":"s","visitor":"x"})")), "invalid_type");
  EXPECT_EQ(ReasonOf(ParseNewTranscript(R"({"service":"s","visitor":{"age":3}})")),
            "unknown_field");
  EXPECT_EQ(ReasonOf(ParseNewTranscript(R"({"service":"s","visitor":{"ip":1}})")), "invalid_type");
}

TEST(ParseNewTranscriptTest, ErrorMessagesDoNotEchoTheRequest) {
  auto result = ParseNewTranscript(R"({"service":"s","secret-key-name":"secret value"})");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message().find("secret"), std::string::npos)
      << result.status().message();
}

TEST(ParseMessageTest, ParsesAllFields) {
  auto parsed = ParseMessage(
      R"({"seq":7,"from":"agent","text":"hi \"there\"\n","sent_at":"2026-01-02T03:04:05Z"})",
      kMaxSeq);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->seq, 7u);
  EXPECT_EQ(parsed->from, "agent");
  EXPECT_EQ(parsed->text, "hi \"there\"\n");
  EXPECT_EQ(parsed->sent_at, "2026-01-02T03:04:05Z");
}

TEST(ParseMessageTest, SeqMustBeANonNegativeIntegerWithinMax) {
  auto with_seq = [](const std::string& seq) {
    return ParseMessage(R"({"seq":)" + seq + R"(,"from":"agent","text":"t","sent_at":"x"})",
                        kMaxSeq);
  };
  EXPECT_TRUE(with_seq("0").ok());
  EXPECT_TRUE(with_seq("1000000").ok());
  EXPECT_EQ(ReasonOf(with_seq("1000001")), "invalid_seq");
  EXPECT_EQ(ReasonOf(with_seq("-1")), "invalid_seq");
  EXPECT_EQ(ReasonOf(with_seq("1.5")), "invalid_seq");
  EXPECT_EQ(ReasonOf(with_seq("1.0")), "invalid_seq");
  EXPECT_EQ(ReasonOf(with_seq("1e3")), "invalid_seq");
  EXPECT_EQ(ReasonOf(with_seq("\"5\"")), "invalid_seq");
  EXPECT_EQ(ReasonOf(with_seq("true")), "invalid_seq");
  EXPECT_EQ(ReasonOf(with_seq("null")), "invalid_seq");
  EXPECT_EQ(ReasonOf(with_seq("18446744073709551615")), "invalid_seq");
  EXPECT_EQ(ReasonOf(with_seq("99999999999999999999999")), "invalid_seq");
}

TEST(ParseMessageTest, RejectsMissingWrongAndUnknownFields) {
  EXPECT_EQ(ReasonOf(ParseMessage(R"({"from":"agent","text":"t","sent_at":"x"})", kMaxSeq)),
            "missing_field");
  EXPECT_EQ(ReasonOf(ParseMessage(R"({"seq":1,"text":"t","sent_at":"x"})", kMaxSeq)),
            "missing_field");
  EXPECT_EQ(ReasonOf(ParseMessage(R"({"seq":1,"from":"agent","sent_at":"x"})", kMaxSeq)),
            "missing_field");
  EXPECT_EQ(ReasonOf(ParseMessage(R"({"seq":1,"from":"agent","text":"t"})", kMaxSeq)),
            "missing_field");
  EXPECT_EQ(ReasonOf(ParseMessage(R"({"seq":1,"from":2,"text":"t","sent_at":"x"})", kMaxSeq)),
            "invalid_type");
  EXPECT_EQ(ReasonOf(ParseMessage(R"({"seq":1,"from":"a","text":["t"],"sent_at":"x"})", kMaxSeq)),
            "invalid_type");
  EXPECT_EQ(
      ReasonOf(ParseMessage(R"({"seq":1,"from":"a","text":"t","sent_at":"x","y":0})", kMaxSeq)),
      "unknown_field");
}

// ParseMessage and ParseMessageBatch parse into their wiped arena
// (request_json.cc, ParseArena): malformed bodies get the reasons
// ParseJson's heap parse gives, whether they fit the arena's 4 KiB on the
// stack or outgrow it into heap blocks.
TEST(ParseMessageTest, MalformedBodiesGetTheSameReasonsSmallOrLarge) {
  for (size_t pad : {size_t{0}, size_t{6000}, size_t{70000}}) {
    const std::string text(pad, 'x');
    const std::string start = R"({"seq":1,"from":"agent","text":")" + text + R"(",)";
    const std::string valid = start + R"("sent_at":"x"})";
    ASSERT_TRUE(ParseMessage(valid, kMaxSeq).ok()) << pad;
    const std::vector<std::pair<std::string, std::string>> cases = {
        {start + R"("sent_at":"x")", "invalid_json"},       // unterminated
        {valid + "x", "invalid_json"},                      // trailing bytes
        {valid + " // c", "invalid_json"},                  // a comment
        {start + R"("sent_at":"x",})", "invalid_json"},     // trailing comma
        {start + "\"sent_at\":\"\xff\"}", "invalid_json"},  // invalid UTF-8
        {start + R"("sent_at":"x","n":)" + Nested(kMaxJsonDepth + 1) + "}", "too_deep"},
        {start + R"("sent_at":5})", "invalid_type"},
        {start + R"("sent_on":"x"})", "unknown_field"},
        {R"({"seq":-0,"from":"agent","text":")" + text + R"(","sent_at":"x"})", "invalid_seq"},
    };
    for (const auto& [body, reason] : cases) {
      EXPECT_EQ(ReasonOf(ParseJson(body)), body.find("-0") == std::string::npos &&
                                                   reason != "invalid_type" &&
                                                   reason != "unknown_field"
                                               ? reason
                                               : "")
          << pad << " " << reason;
      EXPECT_EQ(ReasonOf(ParseMessage(body, kMaxSeq)), reason) << pad;
      EXPECT_EQ(ReasonOf(ParseMessageBatch(R"({"messages":[)" + body + "]}", kMaxSeq, 10)), reason)
          << pad;
    }
  }
}

TEST(ParseCloseBodyTest, AcceptsEmptyOrEmptyObjectOnly) {
  EXPECT_TRUE(ParseCloseBody("").ok());
  EXPECT_TRUE(ParseCloseBody("{}").ok());
  EXPECT_TRUE(ParseCloseBody(" { } ").ok());
  EXPECT_EQ(ReasonOf(ParseCloseBody(R"({"force":true})")), "unknown_field");
  EXPECT_EQ(ReasonOf(ParseCloseBody("[]")), "invalid_type");
  EXPECT_EQ(ReasonOf(ParseCloseBody("{")), "invalid_json");
}

TEST(ParseEraseBodyTest, AcceptsNoReasonOrTheVisitorsRequestAndNamesTheEraseBody) {
  EXPECT_EQ(*ParseEraseBody(""), EraseReason::kNone);
  EXPECT_EQ(*ParseEraseBody("{}"), EraseReason::kNone);
  EXPECT_EQ(*ParseEraseBody(R"({"reason":"visitor_request"})"), EraseReason::kVisitorRequest);
  const Status refused = ParseEraseBody(R"({"force":true})").status();
  EXPECT_EQ(refused.reason(), "unknown_field");
  EXPECT_EQ(refused.message().rfind("erase request body", 0), 0u) << refused.message();
  EXPECT_EQ(ParseEraseBody(R"({"reason":"admin"})").status().reason(), "invalid_reason");
  EXPECT_EQ(ParseEraseBody(R"({"reason":"Visitor_Request"})").status().reason(), "invalid_reason");
  EXPECT_EQ(ParseEraseBody(R"({"reason":1})").status().reason(), "invalid_type");
  EXPECT_EQ(ParseEraseBody(R"({"reason":null})").status().reason(), "invalid_type");
  EXPECT_EQ(ParseEraseBody("[]").status().reason(), "invalid_type");
}

TEST(RequestEncodingTest, EncodedRequestsParseBack) {
  NewTranscript request;
  request.service = "svc";
  request.visitor.location = "S\xc3\xa3o Paulo";
  request.visitor.ref = "r\"1\\";
  auto transcript = ParseNewTranscript(EncodeNewTranscript(request));
  ASSERT_TRUE(transcript.ok());
  EXPECT_EQ(transcript->service, request.service);
  EXPECT_EQ(transcript->visitor, request.visitor);

  Message message{42, "visitor", std::string("nul\0tab\tbell\x07", 13), "2026-01-01T00:00:00Z", {}};
  auto parsed = ParseMessage(EncodeMessage(message), kMaxSeq);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, message);
}

// ParseMessage parses into an arena whose first 4 KiB are on the stack and
// the rest from the heap (request_json.cc, ParseArena): messages on both
// sides of that, with text that is escaped, multi-byte and plain, parse back
// whole.
TEST(RequestEncodingTest, MessagesOfEverySizeParseBack) {
  const std::string piece = "plain \"quoted\" back\\slash\ttab\nnl\x01 \xc3\xa3\xf0\x9f\x98\x80 ";
  for (size_t size : {size_t{0}, size_t{1}, size_t{1000}, size_t{2900}, size_t{4096}, size_t{5000},
                      size_t{70000}, size_t{300000}}) {
    std::string text;
    while (text.size() < size) text += piece;
    text.resize(size);
    // A cut in the middle of a multi-byte character would be invalid UTF-8.
    while (!text.empty() && (static_cast<unsigned char>(text.back()) & 0x80) != 0) text.pop_back();
    const Message message{7, "agent", text, "2026-01-01T00:00:00Z", {}};
    auto parsed = ParseMessage(EncodeMessage(message), kMaxSeq);
    ASSERT_TRUE(parsed.ok()) << size << ": " << parsed.status().ToString();
    EXPECT_EQ(*parsed, message) << size;
  }
}

TEST(RequestEncodingTest, BatchesLargerThanTheParseBufferParseBack) {
  std::string body = R"({"messages":[)";
  std::vector<Message> messages;
  for (uint64_t seq = 0; seq < 200; ++seq) {
    messages.push_back({seq,
                        seq % 2 == 0 ? "visitor" : "agent",
                        std::to_string(seq) + std::string(1000, 'x') + "\"\\",
                        "2026-01-01T00:00:00Z",
                        {}});
    if (seq > 0) body += ',';
    body += EncodeMessage(messages.back());
  }
  body += "]}";
  ASSERT_GT(body.size(), 200u * 1000);
  auto parsed = ParseMessageBatch(body, kMaxSeq, 1000);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, messages);
}

Transcript SampleTranscript(TranscriptState state) {
  Transcript t;
  t.info.id = std::string(32, 'a');
  t.info.service = "svc";
  t.info.state = state;
  t.info.created_at = 1700000000123;
  t.info.closed_at = state == TranscriptState::kClosed ? 1700000100456 : 0;
  t.info.last_activity = 1700000050789;
  t.info.expires_at = 1702592100456;
  t.info.message_count = 2;
  t.visitor.name = "N";
  t.messages.push_back({0, "visitor", "\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85", "2026-01-01T00:00:00Z", {}});
  t.messages.push_back({5, "agent", "\xf0\x9f\x98\x80 \"q\" \\", "2026-01-01T00:00:01.5+01:00", {}});
  return t;
}

void ExpectSameTranscript(const Transcript& a, const Transcript& b) {
  EXPECT_EQ(a.info.id, b.info.id);
  EXPECT_EQ(a.info.service, b.info.service);
  EXPECT_EQ(a.info.state, b.info.state);
  EXPECT_EQ(a.info.created_at, b.info.created_at);
  EXPECT_EQ(a.info.closed_at, b.info.closed_at);
  EXPECT_EQ(a.info.last_activity, b.info.last_activity);
  EXPECT_EQ(a.info.expires_at, b.info.expires_at);
  EXPECT_EQ(a.info.message_count, b.info.message_count);
  EXPECT_EQ(a.visitor, b.visitor);
  EXPECT_EQ(a.messages, b.messages);
}

TEST(ResponseJsonTest, TranscriptRoundTrips) {
  for (TranscriptState state : {TranscriptState::kOpen, TranscriptState::kClosed}) {
    const Transcript original = SampleTranscript(state);
    const std::string body = EncodeTranscript(original);
    EXPECT_EQ(body.find("closed_at") != std::string::npos, state == TranscriptState::kClosed);
    auto decoded = DecodeTranscript(body);
    ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
    ExpectSameTranscript(*decoded, original);
  }
}

TEST(ResponseJsonTest, VisitorHoldsOnlyPresentFields) {
  Transcript t = SampleTranscript(TranscriptState::kOpen);
  const std::string body = EncodeTranscript(t);
  EXPECT_NE(body.find(R"("visitor":{"name":"N"})"), std::string::npos) << body;
}

TEST(ResponseJsonTest, SmallResponsesRoundTrip) {
  auto created = DecodeCreated(EncodeCreated({std::string(32, 'b'), 1700000000001}));
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->id, std::string(32, 'b'));
  EXPECT_EQ(created->expires_at, 1700000000001);

  EXPECT_EQ(EncodeAppended(3, AppendOutcome::kStored), R"({"seq":3})");
  EXPECT_EQ(EncodeAppended(3, AppendOutcome::kDuplicate), R"({"seq":3,"duplicate":true})");
  EXPECT_EQ(*DecodeAppended(EncodeAppended(3, AppendOutcome::kDuplicate)),
            AppendOutcome::kDuplicate);
  EXPECT_EQ(*DecodeAppended(EncodeAppended(3, AppendOutcome::kStored)), AppendOutcome::kStored);

  const std::string closed = EncodeClosed(std::string(32, 'c'), 1700000000002);
  EXPECT_NE(closed.find(R"("state":"closed")"), std::string::npos);
  EXPECT_NE(closed.find(FormatRfc3339(1700000000002)), std::string::npos);
  EXPECT_EQ(*DecodeClosed(closed), 1700000000002);

  EXPECT_EQ(EncodeHealth(), std::string(R"({"status":"ok","version":")") + VAULT_VERSION + "\"}");
}

// EncodeAppended writes its JSON itself: the bytes json::serialize writes
// for the same object, for every width of seq.
TEST(ResponseJsonTest, AnAppendsAnswerIsWhatSerializingItsObjectGives) {
  std::vector<uint64_t> seqs = {0, UINT64_MAX - 1, UINT64_MAX};
  for (uint64_t power = 10; power <= 10000000000000000000u; power *= 10) {
    seqs.push_back(power - 1);
    seqs.push_back(power);
    if (power > UINT64_MAX / 10) break;
  }
  for (uint64_t seq : seqs) {
    for (AppendOutcome outcome : {AppendOutcome::kStored, AppendOutcome::kDuplicate}) {
      boost::json::object object;
      object["seq"] = seq;
      if (outcome == AppendOutcome::kDuplicate) object["duplicate"] = true;
      EXPECT_EQ(EncodeAppended(seq, outcome), boost::json::serialize(object)) << seq;
      EXPECT_EQ(*DecodeAppended(EncodeAppended(seq, outcome)), outcome) << seq;
    }
  }
}

TEST(ResponseJsonTest, MalformedResponsesAreBadResponse) {
  EXPECT_EQ(ReasonOf(DecodeTranscript("nope")), "bad_response");
  EXPECT_EQ(ReasonOf(DecodeTranscript(R"({"id":"x"})")), "bad_response");
  EXPECT_EQ(ReasonOf(DecodeCreated(R"({"id":"x","expires_at":"yesterday"})")), "bad_response");
}

}  // namespace
}  // namespace vault::wire
