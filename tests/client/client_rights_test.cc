// The client's visitors' rights calls (dpo role) against a real vaultd:
// each returns, typed, what the vault did, and the vault's state agrees; ids
// that cannot name an entry or a transcript are answered locally, as the
// vault would, without a request; the vault's refusals come back as its
// codes. (That calls registering or changing an entry are never sent twice:
// client_reconnect_test.cc.)
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "tests/client/client_fixture.h"

namespace vault::testing {
namespace {

constexpr char kSam[] = "sam@example.org";

class ClientRightsTest : public ClientTest {
 protected:
  // A transcript of service "svc" of the visitor with `email`, message 0.
  std::string VisitorTranscript(const std::string& email) {
    vault::NewTranscript request;
    request.service = "svc";
    request.visitor.email = email;
    request.visitor.name = "Sam";
    auto created = client().CreateTranscript(request);
    EXPECT_OK(created);
    if (!created.ok()) return "";
    EXPECT_OK(client().AppendMessage(created->id, MakeMessage(0, "hello")));
    return created->id;
  }

  std::string Register(RightsKind kind, UnixMillis received_at = 0) {
    RightsRegistration r;
    r.kind = kind;
    r.received_at = received_at;
    auto entry = client().RegisterRightsRequest(r);
    EXPECT_OK(entry);
    return entry.ok() ? entry->id : "";
  }

  static SubjectAccessQuery Sam(const std::string& request = "") {
    SubjectAccessQuery q;
    q.email = kSam;
    q.request = request;
    return q;
  }

  // Requests vaultd has answered on the visitors' rights routes (the
  // register, subject-*, statements) or on none ("-"), from its
  // metrics.
  double RightsRequestsSoFar() {
    double total = 0;
    for (const MetricSample& s : Metrics().All("vault_http_requests_total")) {
      const auto route = s.labels.find("route");
      if (route == s.labels.end()) continue;
      const std::string& r = route->second;
      const bool rights = r.find("/v1/rights-requests") == 0 || r.find("/v1/subject-") == 0 ||
                          r.find("/statements") != std::string::npos || r == "-";
      total += rights ? s.value : 0;
    }
    return total;
  }
};

TEST_F(ClientRightsTest, TheRegisterRoundTrips) {
  const UnixMillis received = SystemClock::Default()->NowMillis() - 40LL * 86400000;
  RightsRegistration r;
  r.kind = RightsKind::kErasure;
  r.received_at = received;
  r.services = {"svc"};
  auto registered = client().RegisterRightsRequest(r);
  ASSERT_OK(registered);
  EXPECT_EQ(registered->kind, RightsKind::kErasure);
  EXPECT_EQ(registered->received_at, received);
  EXPECT_EQ(registered->services, std::vector<std::string>{"svc"});
  EXPECT_EQ(registered->state, RightsState::kOpen);
  const std::string open = Register(RightsKind::kAccess);

  auto got = client().GetRightsRequest(registered->id);
  ASSERT_OK(got);
  EXPECT_TRUE(got->overdue);  // received 40 days ago
  auto overdue = client().ListRightsRequests(RightsListing::kOverdue);
  ASSERT_OK(overdue);
  ASSERT_EQ(overdue->size(), 1u);
  EXPECT_EQ((*overdue)[0], *got);
  auto listed = client().ListRightsRequests();  // open
  ASSERT_OK(listed);
  EXPECT_EQ(listed->size(), 2u);

  using Action = RightsUpdate::Action;
  // Overdue: too late to extend (the visitor is told within the first
  // month); the one in time is extended.
  auto late = client().UpdateRightsRequest(got->id, {Action::kExtend, 2, "complex", ""});
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().reason(), "too_late");
  auto in_time = client().GetRightsRequest(open);
  ASSERT_OK(in_time);
  auto extended = client().UpdateRightsRequest(open, {Action::kExtend, 2, "complex", ""});
  ASSERT_OK(extended);
  EXPECT_EQ(extended->extension_months, 2u);
  EXPECT_GT(extended->due_at, in_time->due_at);
  auto refused = client().UpdateRightsRequest(open, {Action::kRefuse, 0, "excessive", ""});
  ASSERT_OK(refused);
  EXPECT_EQ(refused->state, RightsState::kRefused);
  auto completed = client().UpdateRightsRequest(got->id, {Action::kComplete, 0, "", ""});
  ASSERT_OK(completed);
  EXPECT_EQ(completed->state, RightsState::kDone);
  auto all = client().ListRightsRequests(RightsListing::kAll);
  ASSERT_OK(all);
  EXPECT_EQ(all->size(), 2u);
  listed = client().ListRightsRequests(RightsListing::kOpen);
  ASSERT_OK(listed);
  EXPECT_TRUE(listed->empty());

  // The vault's refusals, as its codes.
  auto again = client().UpdateRightsRequest(got->id, {Action::kComplete, 0, "", ""});
  EXPECT_EQ(again.status().reason(), "request_closed");
  auto lift = client().UpdateRightsRequest(open, {Action::kLift, 0, "visitor_withdrew", ""});
  EXPECT_EQ(lift.status().reason(), "wrong_kind");  // not a restriction
  r.services = {"bad name"};
  EXPECT_EQ(client().RegisterRightsRequest(r).status().reason(), "invalid_service");
}

TEST_F(ClientRightsTest, EraseRestrictObjectRectifyAndStatement) {
  const std::string chat = VisitorTranscript(kSam);
  const std::string restriction = Register(RightsKind::kRestriction);
  auto restricted = client().SubjectRestriction(Sam(restriction), RightsKind::kRestriction);
  ASSERT_OK(restricted);
  EXPECT_EQ(restricted->request, restriction);
  EXPECT_EQ(restricted->restricted, std::vector<std::string>{chat});
  EXPECT_EQ(client().GetTranscript(chat).status().reason(), "restricted");
  ASSERT_OK(client().UpdateRightsRequest(
      restriction, {RightsUpdate::Action::kLift, 0, "accuracy_verified", ""}));
  EXPECT_OK(client().GetTranscript(chat));

  auto objection = client().SubjectRestriction(Sam(), RightsKind::kObjection);
  ASSERT_OK(objection);
  EXPECT_EQ(objection->restricted, std::vector<std::string>{chat});
  auto entry = client().GetRightsRequest(objection->request);
  ASSERT_OK(entry);
  EXPECT_EQ(entry->kind, RightsKind::kObjection);
  EXPECT_EQ(entry->state, RightsState::kOpen);
  ASSERT_OK(client().UpdateRightsRequest(
      objection->request, {RightsUpdate::Action::kDecide, 0, "legal_claims", "rejected"}));
  EXPECT_OK(client().GetTranscript(chat));

  auto rectified = client().SubjectRectification(
      Sam(), {{"name", "Sam Taylor"}, {"email", "sam.taylor@example.org"}});
  ASSERT_OK(rectified);
  EXPECT_EQ(rectified->fields, (std::vector<std::string>{"name", "email"}));
  EXPECT_EQ(rectified->rectified, std::vector<std::string>{chat});
  auto t = client().GetTranscript(chat);
  ASSERT_OK(t);
  EXPECT_EQ(t->visitor.name, std::optional<std::string>("Sam Taylor"));

  const std::string rectification = Register(RightsKind::kRectification);
  auto added = client().AddStatement(chat, {0, "A statement.", rectification});
  ASSERT_OK(added);
  EXPECT_EQ(added->id, chat);
  EXPECT_EQ(added->request, rectification);
  t = client().GetTranscript(chat);
  ASSERT_OK(t);
  ASSERT_EQ(t->messages[0].statements.size(), 1u);
  EXPECT_EQ(t->messages[0].statements[0].text, "A statement.");
  EXPECT_EQ(client().AddStatement(chat, {5, "x", ""}).status().reason(), "no_such_message");

  // Subject access carries its register entry.
  const std::string access = Register(RightsKind::kAccess);
  SubjectAccessQuery now_found = Sam(access);
  now_found.email = "sam.taylor@example.org";
  auto answer = client().SubjectAccess(now_found);
  ASSERT_OK(answer);
  EXPECT_EQ(answer->request, access);
  ASSERT_EQ(answer->items.size(), 1u);
  entry = client().GetRightsRequest(access);
  ASSERT_OK(entry);
  EXPECT_EQ(entry->touched, (std::vector<RightsTouch>{{chat, "disclosed"}}));

  const std::string erasure = Register(RightsKind::kErasure);
  now_found.request = erasure;
  auto erased = client().SubjectErasure(now_found);
  ASSERT_OK(erased);
  EXPECT_EQ(erased->request, erasure);
  EXPECT_EQ(erased->erased, std::vector<std::string>{chat});
  EXPECT_TRUE(erased->withheld.empty());
  EXPECT_EQ(client().GetTranscript(chat).status().reason(), "erased");
  // A wrong kind of entry: refused, nothing done.
  EXPECT_EQ(client().SubjectErasure(Sam(access)).status().reason(), "wrong_kind");
}

TEST_F(ClientRightsTest, IdsThatNameNothingAreAnsweredWithoutARequest) {
  const std::string chat = VisitorTranscript(kSam);
  const double before = RightsRequestsSoFar();
  using Action = RightsUpdate::Action;
  const std::vector<std::string> bad_ids = {"", "x", std::string(32, 'A'), "../../v1/backup",
                                            std::string(32, '0') + "/complete"};
  for (const std::string& bad : bad_ids) {
    EXPECT_EQ(client().GetRightsRequest(bad).status().reason(), "unknown_request") << bad;
    EXPECT_EQ(client().UpdateRightsRequest(bad, {Action::kComplete, 0, "", ""}).status().reason(),
              "unknown_request")
        << bad;
    EXPECT_EQ(client().AddStatement(bad, {0, "x", ""}).status().reason(), "not_found") << bad;
  }
  auto wrong = client().SubjectRestriction(Sam(), RightsKind::kErasure);
  EXPECT_EQ(wrong.status().code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(wrong.status().reason(), "wrong_kind");
  // None reached the vault; the transcript is untouched.
  EXPECT_EQ(RightsRequestsSoFar(), before);
  EXPECT_OK(client().GetTranscript(chat));
}

}  // namespace
}  // namespace vault::testing
