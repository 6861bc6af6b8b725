// The subject access request and answer on the wire: what the route
// accepts, and that an answer decodes to what was encoded.
#include <gtest/gtest.h>

#include <string>

#include "vault/wire/subject_access_json.h"

namespace vault::wire {
namespace {

TEST(ParseSubjectAccessRequestTest, TakesIdentifiersAndServices) {
  auto q = ParseSubjectAccessRequest(
      R"({"identifiers": {"email": "Sam@Example.org", "ip": "192.0.2.7", "phone": null},
          "services": ["helpline", "textline"]})");
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->email, std::optional<std::string>("Sam@Example.org"));  // normalised by the vault
  EXPECT_EQ(q->ip, std::optional<std::string>("192.0.2.7"));
  EXPECT_FALSE(q->phone.has_value());
  EXPECT_FALSE(q->ref.has_value());
  EXPECT_EQ(q->services, (std::vector<std::string>{"helpline", "textline"}));
  // An empty identifiers object parses: the vault answers no_identifier.
  auto empty = ParseSubjectAccessRequest(R"({"identifiers": {}})");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->services.empty());
}

TEST(ParseSubjectAccessRequestTest, RefusesOtherShapesWithoutEchoingThem) {
  const struct {
    const char* body;
    const char* reason;
  } cases[] = {
      {"", "invalid_json"},
      {"{", "invalid_json"},
      {"[]", "invalid_type"},
      {"{}", "missing_field"},
      {R"({"identifiers": "sam@example.org"})", "invalid_type"},
      {R"({"identifiers": {"email": 7}})", "invalid_type"},
      {R"({"identifiers": {"name": "Sam"}})", "unknown_field"},
      {R"({"identifiers": {"ref": "x"}, "service": "helpline"})", "unknown_field"},
      {R"({"identifiers": {"ref": "x"}, "services": "helpline"})", "invalid_type"},
      {R"({"identifiers": {"ref": "x"}, "services": [1]})", "invalid_type"},
  };
  for (const auto& c : cases) {
    auto q = ParseSubjectAccessRequest(c.body);
    ASSERT_FALSE(q.ok()) << c.body;
    EXPECT_EQ(q.status().code(), Status::Code::kInvalidArgument) << c.body;
    EXPECT_EQ(q.status().reason(), c.reason) << c.body;
    EXPECT_EQ(q.status().message().find("sam@example.org"), std::string::npos);
  }
}

TEST(SubjectAccessJsonTest, RequestAndAnswerRoundTrip) {
  SubjectAccessQuery q;
  q.ref = "sam-1";
  q.phone = "+447700900123";
  q.services = {"helpline"};
  auto parsed = ParseSubjectAccessRequest(EncodeSubjectAccessRequest(q));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->ref, q.ref);
  EXPECT_EQ(parsed->phone, q.phone);
  EXPECT_FALSE(parsed->email.has_value());
  EXPECT_EQ(parsed->services, q.services);

  SubjectAccessAnswer a;
  a.answered_at = 1'800'000'000'123;
  a.audit_seq = 42;
  a.searched = {"ref", "phone"};
  a.services = {"helpline"};
  a.statement.controller = "Example Helpline";
  a.statement.purposes = {"Support", "Quality"};
  a.statement.legal_basis = {"Legitimate interests"};
  a.statement.recipients = {"Agents"};
  a.statement.retention = "30 days";
  SubjectAccessItem shown;
  shown.id = std::string(32, 'a');
  shown.matched = {"ref"};
  shown.transcript.info.id = shown.id;
  shown.transcript.info.service = "helpline";
  shown.transcript.info.state = TranscriptState::kClosed;
  shown.transcript.info.created_at = 1'800'000'000'000;
  shown.transcript.info.closed_at = 1'800'000'000'050;
  shown.transcript.info.last_activity = 1'800'000'000'050;
  shown.transcript.info.expires_at = 1'800'000'030'050;
  shown.transcript.info.message_count = 1;
  shown.transcript.visitor.ref = "sam-1";
  shown.transcript.messages.push_back({1, "visitor", "hello <b>", "2026-12-03T10:00:00Z", {}});
  shown.accesses.push_back({7, 1'800'000'000'000, 1001, "writer", "transcript.open", "ok", ""});
  shown.accesses.push_back(
      {9, 1'800'000'000'100, 1005, "dpo", "transcript.read", "ok", "subject_access"});
  SubjectAccessItem held;
  held.id = std::string(32, 'b');
  held.matched = {"phone", "ref"};
  held.withheld = true;
  held.held_at = 1'800'000'000'070;
  a.items = {shown, held};

  const std::string body = EncodeSubjectAccessAnswer(a);
  EXPECT_NE(body.find("\"format\":\"transcript-vault-subject-access-v1\""), std::string::npos);
  // A withheld entry carries nothing from inside its transcript.
  const size_t held_at = body.find(held.id);
  ASSERT_NE(held_at, std::string::npos);
  EXPECT_EQ(body.find("\"transcript\"", held_at), std::string::npos);
  auto back = DecodeSubjectAccessAnswer(body);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->answered_at, a.answered_at);
  EXPECT_EQ(back->audit_seq, 42u);
  EXPECT_EQ(back->searched, a.searched);
  EXPECT_EQ(back->services, a.services);
  EXPECT_EQ(back->statement.purposes, a.statement.purposes);
  EXPECT_EQ(back->statement.retention, "30 days");
  ASSERT_EQ(back->items.size(), 2u);
  EXPECT_EQ(back->items[0].transcript.messages, shown.transcript.messages);
  EXPECT_EQ(back->items[0].transcript.visitor.ref, shown.transcript.visitor.ref);
  EXPECT_EQ(back->items[0].accesses, shown.accesses);
  EXPECT_TRUE(back->items[1].withheld);
  EXPECT_EQ(back->items[1].held_at, held.held_at);
  EXPECT_EQ(back->items[1].matched, held.matched);

  EXPECT_FALSE(DecodeSubjectAccessAnswer(R"({"format": "other"})").ok());
  EXPECT_FALSE(DecodeSubjectAccessAnswer("[]").ok());
}

}  // namespace
}  // namespace vault::wire
