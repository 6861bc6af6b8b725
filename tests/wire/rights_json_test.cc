// The rights register and the rights it carries out, on the wire, as a
// client sends and reads them: every body a client encodes parses back, on
// the route's own parser, to what was encoded; every answer the vault
// encodes decodes to what was encoded; answers of another shape are
// bad_response.
#include "vault/wire/rights_json.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "vault/wire/subject_access_json.h"

namespace vault::wire {
namespace {

constexpr UnixMillis kT = 1796300000123;  // 2026-12-03, with milliseconds

RightsRequest FullEntry() {
  RightsRequest e;
  e.id = "2ec3217d810e836802826ab2a9fef8bd";
  e.kind = RightsKind::kObjection;
  e.services = {"webchat", "textline"};
  e.registered_at = kT;
  e.received_at = kT - 86400000;
  e.due_at = kT + 40 * 86400000LL;
  e.extension_months = 2;
  e.extension_reason = "complex";
  e.extended_at = kT + 1;
  e.state = RightsState::kDone;
  e.closed_at = kT + 2;
  e.decision = "rejected";
  e.decision_reason = "legal_claims";
  e.lifted_at = kT + 3;
  e.lift_reason = "objection_rejected";
  e.touched = {{"8e375ba3bcee1ec221ecbf756010055f", "lifted"},
               {"9f33c6acb18992a008e454c410ba640f", "gone"}};
  e.overdue = false;
  return e;
}

TEST(RightsJsonTest, AnEntryAndAListRoundTrip) {
  const RightsRequest full = FullEntry();
  auto decoded = DecodeRightsRequest(EncodeRightsRequest(full));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, full);

  RightsRequest bare;  // open, overdue, nothing optional
  bare.id = "86b59dcbc0362e856980879f712fe85a";
  bare.kind = RightsKind::kErasure;
  bare.registered_at = kT;
  bare.received_at = kT;
  bare.due_at = kT + 1000;
  bare.overdue = true;
  RightsRequest refused = bare;
  refused.id = "e08668459e25f51f18f105971a6d0df1";
  refused.state = RightsState::kRefused;
  refused.refusal_reason = "identity_not_verified";
  refused.closed_at = kT + 5;
  refused.overdue = false;
  auto list = DecodeRightsRequests(EncodeRightsRequests({bare, full, refused}));
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(*list, (std::vector<RightsRequest>{bare, full, refused}));

  auto empty = DecodeRightsRequests(EncodeRightsRequests({}));
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(RightsJsonTest, ARegistrationParsesBackOnTheRoutesParser) {
  RightsRegistration r;
  r.kind = RightsKind::kRestriction;
  r.received_at = kT;
  r.services = {"webchat"};
  auto parsed = ParseRightsRegistration(EncodeRightsRegistration(r));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->kind, r.kind);
  EXPECT_EQ(parsed->received_at, kT);
  EXPECT_EQ(parsed->services, r.services);

  // "now" and "every service" are left out, not sent as 0 and [].
  RightsRegistration bare;
  bare.kind = RightsKind::kAccess;
  EXPECT_EQ(EncodeRightsRegistration(bare), R"({"kind":"access"})");
  parsed = ParseRightsRegistration(EncodeRightsRegistration(bare));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->received_at, 0);
  EXPECT_TRUE(parsed->services.empty());
}

TEST(RightsJsonTest, EveryActionsBodyParsesBackOnTheRoutesParser) {
  using Action = RightsUpdate::Action;
  const RightsUpdate updates[] = {
      {Action::kExtend, 2, "complex", ""},
      {Action::kComplete, 0, "", ""},
      {Action::kRefuse, 0, "identity_not_verified", ""},
      {Action::kLift, 0, "accuracy_verified", ""},
      {Action::kDecide, 0, "", "upheld_erase"},
      {Action::kDecide, 0, "legal_claims", "rejected"},
  };
  const char* names[] = {"extend", "complete", "refuse", "lift", "decide", "decide"};
  for (size_t i = 0; i < std::size(updates); ++i) {
    const RightsUpdate& u = updates[i];
    EXPECT_STREQ(RightsActionName(u.action), names[i]);
    const std::string body = EncodeRightsUpdate(u);
    auto parsed = ParseRightsUpdate(u.action, body);
    ASSERT_TRUE(parsed.ok()) << body << ": " << parsed.status().ToString();
    EXPECT_EQ(parsed->months, u.months) << body;
    EXPECT_EQ(parsed->reason, u.reason) << body;
    EXPECT_EQ(parsed->decision, u.decision) << body;
  }
  EXPECT_EQ(EncodeRightsUpdate({Action::kComplete, 0, "", ""}), "{}");
  // An upheld decision sends no reason at all (the vault refuses one).
  EXPECT_EQ(EncodeRightsUpdate({Action::kDecide, 0, "", "upheld_restricted"}),
            R"({"decision":"upheld_restricted"})");
}

TEST(RightsJsonTest, RestrictionErasureAndRectificationAnswersRoundTrip) {
  SubjectRestrictionAnswer restriction;
  restriction.answered_at = kT;
  restriction.audit_seq = 24;
  restriction.request = "2ec3217d810e836802826ab2a9fef8bd";
  restriction.searched = {"email"};
  restriction.services = {"webchat"};
  restriction.restricted = {"8e375ba3bcee1ec221ecbf756010055f"};
  restriction.withheld = {"9f33c6acb18992a008e454c410ba640f"};
  auto r = DecodeSubjectRestrictionAnswer(EncodeSubjectRestrictionAnswer(restriction));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->answered_at, kT);
  EXPECT_EQ(r->audit_seq, 24u);
  EXPECT_EQ(r->request, restriction.request);
  EXPECT_EQ(r->searched, restriction.searched);
  EXPECT_EQ(r->services, restriction.services);
  EXPECT_EQ(r->restricted, restriction.restricted);
  EXPECT_EQ(r->withheld, restriction.withheld);

  SubjectErasureAnswer erasure;
  erasure.answered_at = kT;
  erasure.audit_seq = 1843;
  erasure.searched = {"email", "phone"};
  erasure.erased = {"0c3e0000000000000000000000000000", "9a410000000000000000000000000000"};
  erasure.withheld = {"5d7f0000000000000000000000000000"};
  erasure.request = "5b0c0000000000000000000000000000";
  auto e = DecodeSubjectErasureAnswer(EncodeSubjectErasureAnswer(erasure));
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->answered_at, kT);
  EXPECT_EQ(e->audit_seq, 1843u);
  EXPECT_EQ(e->searched, erasure.searched);
  EXPECT_TRUE(e->services.empty());
  EXPECT_EQ(e->erased, erasure.erased);
  EXPECT_EQ(e->withheld, erasure.withheld);
  EXPECT_EQ(e->request, erasure.request);

  SubjectRectificationAnswer rectification;
  rectification.answered_at = kT;
  rectification.audit_seq = 412;
  rectification.request = "e08668459e25f51f18f105971a6d0df1";
  rectification.searched = {"email"};
  rectification.fields = {"name", "location"};
  rectification.rectified = {"55d11547e61f4a9f969db09c22f590cd"};
  auto c = DecodeSubjectRectificationAnswer(EncodeSubjectRectificationAnswer(rectification));
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->answered_at, kT);
  EXPECT_EQ(c->audit_seq, 412u);
  EXPECT_EQ(c->request, rectification.request);
  EXPECT_EQ(c->searched, rectification.searched);
  EXPECT_EQ(c->fields, rectification.fields);
  EXPECT_EQ(c->rectified, rectification.rectified);
  EXPECT_TRUE(c->withheld.empty());
}

TEST(RightsJsonTest, ARectificationRequestParsesBackWithItsCorrectionsInOrder) {
  RectificationRequest request;
  request.query.email = "sam@example.org";
  request.query.ref = "v-4821";
  request.query.services = {"webchat"};
  request.query.request = "e08668459e25f51f18f105971a6d0df1";
  request.corrections = {
      {"name", "Sam Taylor"}, {"location", std::nullopt}, {"email", "sam.taylor@example.org"}};
  const std::string body = EncodeSubjectRectificationRequest(request);
  auto parsed = ParseSubjectRectificationRequest(body);
  ASSERT_TRUE(parsed.ok()) << body << ": " << parsed.status().ToString();
  EXPECT_EQ(parsed->query.email, request.query.email);
  EXPECT_EQ(parsed->query.ref, request.query.ref);
  EXPECT_FALSE(parsed->query.phone.has_value());
  EXPECT_EQ(parsed->query.services, request.query.services);
  EXPECT_EQ(parsed->query.request, request.query.request);
  EXPECT_EQ(parsed->corrections, request.corrections);
  EXPECT_NE(body.find(R"("location":null)"), std::string::npos) << body;
}

TEST(RightsJsonTest, AStatementParsesBackAndItsAnswerRoundTrips) {
  StatementFiling filing{1, "The visitor states that the address given was a former one.",
                         "e08668459e25f51f18f105971a6d0df1"};
  auto parsed = ParseStatementFiling(EncodeStatementFiling(filing), 1000000);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->seq, 1u);
  EXPECT_EQ(parsed->text, filing.text);
  EXPECT_EQ(parsed->request, filing.request);
  // Without a request, none is sent (the vault registers one).
  EXPECT_EQ(EncodeStatementFiling({7, "x", ""}), R"({"seq":7,"text":"x"})");

  StatementAdded added{"8e375ba3bcee1ec221ecbf756010055f", 1, kT, filing.request};
  auto decoded = DecodeStatementAdded(EncodeStatementAdded(added));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->id, added.id);
  EXPECT_EQ(decoded->seq, 1u);
  EXPECT_EQ(decoded->added_at, kT);
  EXPECT_EQ(decoded->request, added.request);
}

TEST(RightsJsonTest, AnswersOfAnotherShapeAreBadResponses) {
  const auto is_bad = [](const Status& s) {
    return s.code() == Status::Code::kInternal && s.reason() == "bad_response";
  };
  EXPECT_TRUE(is_bad(DecodeRightsRequests("[]").status()));
  EXPECT_TRUE(is_bad(DecodeRightsRequests(R"({"requests":[1]})").status()));
  EXPECT_TRUE(is_bad(DecodeRightsRequests(R"({"requests":[{"id":"x"}]})").status()));
  EXPECT_TRUE(is_bad(DecodeRightsRequest(R"({"error":{"code":"x"}})").status()));
  EXPECT_TRUE(is_bad(DecodeSubjectRestrictionAnswer(R"({"request":"x"})").status()));
  EXPECT_TRUE(is_bad(DecodeSubjectErasureAnswer("not json").status()));
  EXPECT_TRUE(is_bad(DecodeSubjectRectificationAnswer(R"({"fields":"name"})").status()));
  EXPECT_TRUE(is_bad(DecodeStatementAdded(R"({"id":"x","seq":-1})").status()));
}

}  // namespace
}  // namespace vault::wire
