// Visitors' rights on request (docs/data-protection.md) on a real store with
// a manual clock: the rights-request register (who may register, see and
// change entries; the one-month clock, its extension and overdue count),
// subject access and erasure recorded in it, restriction and objection of a
// visitor's transcripts (agents refused, histories emptied, the dpo still
// answered, retention unchanged), and the register's own retention.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "tests/core/rights_fixture.h"
#include "tests/support/durations.h"
#include "vault/rights/calendar.h"
#include "vault/rights/rights_register.h"

namespace vault::testing {
namespace {


class RightsTest : public RightsFixture {};

constexpr RightsKind kKinds[] = {RightsKind::kAccess, RightsKind::kRectification,
                                 RightsKind::kErasure, RightsKind::kRestriction,
                                 RightsKind::kObjection};

// --- The register ---

TEST_F(RightsTest, ADpoRegistersEveryKindReceivedNowAndDueInOneCalendarMonth) {
  const UnixMillis now = clock_.NowMillis();
  std::vector<std::string> ids;
  for (RightsKind kind : kKinds) {
    SCOPED_TRACE(RightsKindName(kind));
    auto r = Register(kind);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->id.size(), 32u);
    EXPECT_EQ(r->id.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(r->kind, kind);
    EXPECT_EQ(r->state, RightsState::kOpen);
    EXPECT_EQ(r->registered_at, now);
    EXPECT_EQ(r->received_at, now);
    EXPECT_EQ(r->due_at, rights::DueAt(now, 1));
    EXPECT_EQ(r->extension_months, 0u);
    EXPECT_EQ(r->closed_at, 0);
    EXPECT_TRUE(r->services.empty());  // a dpo of every service
    EXPECT_TRUE(r->touched.empty());
    EXPECT_FALSE(r->overdue);
    EXPECT_EQ(Get(r->id), *r);
    ids.push_back(r->id);
  }
  // 15 January 2027, 08:00: due by the end of 15 February.
  EXPECT_EQ(rights::DueDate(Get(ids[0]).due_at), "2027-02-15");
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
  EXPECT_EQ(Sorted(Listed(RightsListing::kAll)), Sorted(ids));
  EXPECT_EQ(Sorted(Listed(RightsListing::kOpen)), Sorted(ids));
  EXPECT_EQ(vault_->Metrics().rights_requests_open, 5u);
  EXPECT_EQ(vault_->Metrics().rights_requests_overdue, 0u);

  // A letter that reached the dpo ten days ago: its clock started then.
  const UnixMillis letter = now - 10 * kDay;
  auto late = Register(RightsKind::kErasure, letter);
  ASSERT_TRUE(late.ok()) << late.status().ToString();
  EXPECT_EQ(late->received_at, letter);
  EXPECT_EQ(late->registered_at, now);
  EXPECT_EQ(late->due_at, rights::DueAt(letter, 1));
  // Up to a year back is accepted.
  EXPECT_TRUE(Register(RightsKind::kAccess, now - 365 * kDay).ok());

  // A dpo of some services: the entry concerns those.
  auto scoped = Register(RightsKind::kAccess, 0, Dpo({"helpline"}));
  ASSERT_TRUE(scoped.ok());
  EXPECT_EQ(scoped->services, std::vector<std::string>{"helpline"});
  auto named = Register(RightsKind::kAccess, 0, Dpo(), {"textline"});
  ASSERT_TRUE(named.ok());
  EXPECT_EQ(named->services, std::vector<std::string>{"textline"});
}

TEST_F(RightsTest, AReceiptInTheFutureOrOverAYearAgoIsRefusedAndRegistersNothing) {
  const UnixMillis now = clock_.NowMillis();
  for (UnixMillis received : {now + 1, now + kDay, now - 367 * kDay, UnixMillis{1}}) {
    SCOPED_TRACE(received);
    auto r = Register(RightsKind::kAccess, received);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(r.status().reason(), "invalid_received_at");
  }
  EXPECT_TRUE(Listed(RightsListing::kAll).empty());
  EXPECT_EQ(vault_->Metrics().rights_requests_open, 0u);
  const auto audited = AuditPayloads("rights.register");
  ASSERT_EQ(audited.size(), 4u);
  for (const auto& p : audited) {
    EXPECT_EQ(Outcome(p), "invalid_received_at");
    EXPECT_TRUE(p.at("objects").as_array().empty());
  }
}

TEST_F(RightsTest, OnlyADpoRegistersAndOnlyForItsServices) {
  Caller no_scope = Dpo({"helpline"});
  no_scope.dpo_scope = ServiceScope{};  // the role without any service
  struct Case {
    Caller who;
    std::vector<std::string> services;
    const char* reason;
  };
  const Case cases[] = {
      {Agent("helpline"), {}, "forbidden"},
      {Writer("helpline"), {}, "forbidden"},
      {Auditor(), {}, "forbidden"},
      {Admin(), {}, "forbidden"},
      {Dpo({"helpline"}), {"textline"}, "service_forbidden"},
      {Dpo({"helpline"}), {"helpline", "textline"}, "service_forbidden"},
      {no_scope, {}, "service_forbidden"},
      {Dpo(), {"not a service!"}, "invalid_service"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.reason);
    auto r = Register(RightsKind::kAccess, 0, c.who, c.services);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().reason(), c.reason);
  }
  EXPECT_TRUE(Listed(RightsListing::kAll).empty());
  EXPECT_EQ(vault_->Metrics().rights_requests_open, 0u);
  const auto audited = AuditPayloads("rights.register");
  ASSERT_EQ(audited.size(), std::size(cases));
  for (size_t i = 0; i < audited.size(); ++i) EXPECT_EQ(Outcome(audited[i]), cases[i].reason);
}

TEST_F(RightsTest, ADpoSeesAndChangesOnlyEntriesOfItsServicesAnAuditorReadsAll) {
  const RightsRequest a = MustRegister(RightsKind::kAccess, 0, Dpo({"helpline"}));
  const RightsRequest b = MustRegister(RightsKind::kErasure, 0, Dpo({"textline"}));
  const RightsRequest every = MustRegister(RightsKind::kObjection);  // every service
  auto both = Register(RightsKind::kAccess, 0, Dpo(), {"helpline", "textline"});
  ASSERT_TRUE(both.ok());

  const Caller helpline = Dpo({"helpline"});
  EXPECT_TRUE(vault_->GetRightsRequest(helpline, a.id).ok());
  for (const std::string& id : {b.id, every.id, both->id}) {
    auto hidden = vault_->GetRightsRequest(helpline, id);
    ASSERT_FALSE(hidden.ok());
    EXPECT_EQ(hidden.status().code(), Status::Code::kNotFound);
    EXPECT_EQ(hidden.status().reason(), "unknown_request");
  }
  EXPECT_EQ(Listed(RightsListing::kAll, helpline), std::vector<std::string>{a.id});
  // Nor may it change another service's entry: answered as if there were none.
  auto changed = Complete(b.id, helpline);
  ASSERT_FALSE(changed.ok());
  EXPECT_EQ(changed.status().reason(), "unknown_request");
  EXPECT_EQ(Get(b.id).state, RightsState::kOpen);
  // A dpo of both services sees both, and the entry spanning them; not the
  // one of every service.
  EXPECT_EQ(Sorted(Listed(RightsListing::kAll, Dpo({"helpline", "textline"}))),
            Sorted({a.id, b.id, both->id}));
  // The dpo of every service sees all.
  EXPECT_EQ(Listed(RightsListing::kAll).size(), 4u);

  // An auditor reads every entry, and changes none.
  EXPECT_EQ(Listed(RightsListing::kAll, Auditor()).size(), 4u);
  EXPECT_EQ(Get(b.id, Auditor()).id, b.id);
  EXPECT_EQ(Get(every.id, Auditor()).kind, RightsKind::kObjection);
  auto by_auditor = Complete(a.id, Auditor());
  ASSERT_FALSE(by_auditor.ok());
  EXPECT_EQ(by_auditor.status().reason(), "forbidden");
  EXPECT_EQ(Get(a.id).state, RightsState::kOpen);

  // Agents, writers and admins see nothing of it.
  for (const Caller& who : {Agent("helpline"), Writer("helpline"), Admin()}) {
    auto list = vault_->ListRightsRequests(who, RightsListing::kAll);
    ASSERT_FALSE(list.ok());
    EXPECT_EQ(list.status().reason(), "forbidden");
    auto one = vault_->GetRightsRequest(who, a.id);
    ASSERT_FALSE(one.ok());
    EXPECT_EQ(one.status().reason(), "forbidden");
    auto change = Complete(a.id, who);
    ASSERT_FALSE(change.ok());
    EXPECT_EQ(change.status().reason(), "forbidden");
  }
  EXPECT_EQ(Get(a.id).state, RightsState::kOpen);
}

TEST_F(RightsTest, AnExtensionIsMadeWithinTheFirstMonthOnly) {
  const RightsRequest in_time = MustRegister(RightsKind::kAccess);
  const RightsRequest late = MustRegister(RightsKind::kAccess);
  clock_.Set(in_time.due_at - 1);
  auto extended = Extend(in_time.id, 1, "complex");
  ASSERT_TRUE(extended.ok()) << extended.status().ToString();
  EXPECT_EQ(extended->due_at, rights::DueAt(in_time.received_at, 2));
  clock_.Set(late.due_at);
  const size_t audited = AuditPayloads("rights.extend").size();
  auto refused = Extend(late.id, 1, "complex");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(refused.status().reason(), "too_late");
  RightsRequest now_late = late;
  now_late.overdue = true;
  EXPECT_EQ(Get(late.id), now_late) << "a refused extension changed the entry";
  ASSERT_EQ(AuditPayloads("rights.extend").size(), audited + 1) << "the refusal is audited";
  EXPECT_EQ(vault_->Metrics().rights_requests_overdue, 1u);
}

TEST_F(RightsTest, UnknownAndMalformedIdsAreUnknownRequests) {
  MustRegister(RightsKind::kAccess);
  for (const std::string& id : {std::string(32, 'a'), std::string("xyz"), std::string(31, '0'),
                               std::string(33, '0'), std::string(""),
                               std::string("../../etc/passwd")}) {
    SCOPED_TRACE(id);
    auto got = vault_->GetRightsRequest(Dpo(), id);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), Status::Code::kNotFound);
    EXPECT_EQ(got.status().reason(), "unknown_request");
    auto done = Complete(id);
    ASSERT_FALSE(done.ok());
    EXPECT_EQ(done.status().reason(), "unknown_request");
    if (id.empty()) continue;  // an empty request means: register a new one
    auto access = vault_->SubjectAccess(Dpo(), WithRequest(Q("sam-1"), id));
    ASSERT_FALSE(access.ok());
    EXPECT_EQ(access.status().reason(), "unknown_request");
  }
  EXPECT_EQ(Listed(RightsListing::kAll).size(), 1u);
  // Malformed ids never reach the audit log (caller input).
  const std::string audit = AllAuditText();
  EXPECT_EQ(audit.find("etc/passwd"), std::string::npos);
}

// --- The one-month clock on the manual clock ---

TEST_F(RightsTest, OverdueFromItsDueTimeUntilExtendedInTimeOrAnswered) {
  const RightsRequest r = MustRegister(RightsKind::kAccess);
  EXPECT_EQ(vault_->Metrics().rights_requests_open, 1u);
  EXPECT_EQ(vault_->Metrics().rights_requests_overdue, 0u);

  clock_.Set(r.due_at - 1);
  EXPECT_EQ(vault_->Metrics().rights_requests_overdue, 0u);
  EXPECT_FALSE(Get(r.id).overdue);
  EXPECT_TRUE(Listed(RightsListing::kOverdue).empty());

  clock_.Set(r.due_at);
  EXPECT_EQ(vault_->Metrics().rights_requests_overdue, 1u);
  EXPECT_EQ(vault_->Metrics().rights_requests_open, 1u);
  EXPECT_TRUE(Get(r.id).overdue);
  auto overdue = vault_->ListRightsRequests(Dpo(), RightsListing::kOverdue);
  ASSERT_TRUE(overdue.ok());
  ASSERT_EQ(overdue->size(), 1u);
  EXPECT_EQ((*overdue)[0].id, r.id);
  EXPECT_TRUE((*overdue)[0].overdue);
  EXPECT_EQ(Listed(RightsListing::kOpen), std::vector<std::string>{r.id});

  // Extended by two months, for its complexity, on the first month's last
  // day (once overdue it is too late: AnExtensionIsMadeWithinTheFirstMonthOnly):
  // due three months after receipt.
  clock_.Set(r.due_at - 1);
  auto extended = Extend(r.id, 2, "complex");
  ASSERT_TRUE(extended.ok()) << extended.status().ToString();
  EXPECT_EQ(extended->due_at, rights::DueAt(r.received_at, 3));
  EXPECT_EQ(rights::DueDate(extended->due_at), "2027-04-15");
  EXPECT_EQ(extended->extension_months, 2u);
  EXPECT_EQ(extended->extension_reason, "complex");
  EXPECT_EQ(extended->extended_at, clock_.NowMillis());
  EXPECT_EQ(extended->received_at, r.received_at);
  EXPECT_FALSE(extended->overdue);
  EXPECT_EQ(Get(r.id), *extended);
  EXPECT_EQ(vault_->Metrics().rights_requests_overdue, 0u);
  EXPECT_TRUE(Listed(RightsListing::kOverdue).empty());

  // Only once.
  auto again = Extend(r.id, 1, "numerous");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(again.status().reason(), "already_extended");
  EXPECT_EQ(Get(r.id).due_at, extended->due_at);

  // Overdue again from the extended due time.
  clock_.Set(extended->due_at - 1);
  EXPECT_EQ(vault_->Metrics().rights_requests_overdue, 0u);
  clock_.Set(extended->due_at);
  EXPECT_EQ(vault_->Metrics().rights_requests_overdue, 1u);

  // Answered (late): neither open nor overdue, however much later.
  clock_.Advance(5 * kDay);
  auto done = Complete(r.id);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->state, RightsState::kDone);
  EXPECT_EQ(done->closed_at, clock_.NowMillis());
  EXPECT_FALSE(done->overdue);
  clock_.Advance(30 * kDay);
  EXPECT_EQ(vault_->Metrics().rights_requests_open, 0u);
  EXPECT_EQ(vault_->Metrics().rights_requests_overdue, 0u);
  EXPECT_FALSE(Get(r.id).overdue);
  EXPECT_TRUE(Listed(RightsListing::kOverdue).empty());
  EXPECT_TRUE(Listed(RightsListing::kOpen).empty());
  EXPECT_EQ(Listed(RightsListing::kAll), std::vector<std::string>{r.id});
  // And closed for good.
  auto complete_again = Complete(r.id);
  ASSERT_FALSE(complete_again.ok());
  EXPECT_EQ(complete_again.status().reason(), "request_closed");
}

TEST_F(RightsTest, AnExtensionIsByOneOrTwoMonthsForAReasonCode) {
  const RightsRequest r = MustRegister(RightsKind::kErasure);
  struct Case {
    uint32_t months;
    const char* reason;
    const char* refused;
  };
  const Case cases[] = {
      {0, "complex", "invalid_months"},  {3, "complex", "invalid_months"},
      {12, "numerous", "invalid_months"}, {1, "", "invalid_reason"},
      {1, "because", "invalid_reason"},   {2, "Complex", "invalid_reason"},
      {1, "sam@example.org", "invalid_reason"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::to_string(c.months) + " " + c.reason);
    auto e = Extend(r.id, c.months, c.reason);
    ASSERT_FALSE(e.ok());
    EXPECT_EQ(e.status().code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(e.status().reason(), c.refused);
  }
  // Nothing changed: an extension is still possible.
  EXPECT_EQ(Get(r.id), r);
  auto one = Extend(r.id, 1, "numerous");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->due_at, rights::DueAt(r.received_at, 2));
  EXPECT_EQ(one->extension_reason, "numerous");
  // No free text reaches the audit log.
  EXPECT_EQ(AllAuditText().find("sam@example.org"), std::string::npos);
  // A closed request is not extended.
  const RightsRequest closed = MustRegister(RightsKind::kAccess);
  ASSERT_TRUE(Complete(closed.id).ok());
  auto late = Extend(closed.id, 1, "complex");
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().reason(), "request_closed");
}

TEST_F(RightsTest, ARefusalNeedsAReasonCodeAndClosesTheRequest) {
  const RightsRequest r = MustRegister(RightsKind::kErasure);
  for (const std::string reason : {"", "no", "Excessive", "spam from sam-1"}) {
    auto bad = Refuse(r.id, reason);
    ASSERT_FALSE(bad.ok()) << reason;
    EXPECT_EQ(bad.status().code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(bad.status().reason(), "invalid_reason");
  }
  EXPECT_EQ(Get(r.id).state, RightsState::kOpen);
  clock_.Advance(3 * kDay);
  auto refused = Refuse(r.id, "manifestly_unfounded");
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_EQ(refused->state, RightsState::kRefused);
  EXPECT_EQ(refused->refusal_reason, "manifestly_unfounded");
  EXPECT_EQ(refused->closed_at, clock_.NowMillis());
  EXPECT_EQ(Get(r.id).state, RightsState::kRefused);
  EXPECT_EQ(vault_->Metrics().rights_requests_open, 0u);
  // A closed request takes no further change.
  for (RightsUpdate::Action action : {RightsUpdate::Action::kRefuse,
                                      RightsUpdate::Action::kComplete,
                                      RightsUpdate::Action::kExtend}) {
    auto again = Update(r.id, action, 1, action == RightsUpdate::Action::kExtend
                                             ? "complex" : "excessive");
    ASSERT_FALSE(again.ok());
    EXPECT_EQ(again.status().code(), Status::Code::kFailedPrecondition);
    EXPECT_EQ(again.status().reason(), "request_closed");
  }
  EXPECT_EQ(Get(r.id).refusal_reason, "manifestly_unfounded");
  // Every reason code of the list is accepted.
  for (const char* reason : {"excessive", "identity_not_verified", "exemption"}) {
    const RightsRequest other = MustRegister(RightsKind::kAccess);
    auto ok = Refuse(other.id, reason);
    ASSERT_TRUE(ok.ok()) << reason << ": " << ok.status().ToString();
    EXPECT_EQ(ok->refusal_reason, reason);
  }
}

TEST_F(RightsTest, ActionsTheKindDoesNotHaveAreWrongKind) {
  const RightsRequest access = MustRegister(RightsKind::kAccess);
  const RightsRequest objection = MustRegister(RightsKind::kObjection);
  auto lift = Lift(access.id, "accuracy_verified");
  ASSERT_FALSE(lift.ok());
  EXPECT_EQ(lift.status().reason(), "wrong_kind");
  auto decide = Decide(access.id, "upheld_restricted");
  ASSERT_FALSE(decide.ok());
  EXPECT_EQ(decide.status().reason(), "wrong_kind");
  auto lift_objection = Lift(objection.id, "accuracy_verified");
  ASSERT_FALSE(lift_objection.ok());
  EXPECT_EQ(lift_objection.status().reason(), "wrong_kind");
  auto complete_objection = Complete(objection.id);
  ASSERT_FALSE(complete_objection.ok());
  EXPECT_EQ(complete_objection.status().reason(), "decision_required");
  EXPECT_EQ(Get(access.id).state, RightsState::kOpen);
  EXPECT_EQ(Get(objection.id).state, RightsState::kOpen);
}

// --- The audit log: every change, never an identifier ---

TEST_F(RightsTest, EveryChangeIsAuditedAndNothingHoldsAnIdentifier) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  Visitor sam = V("sam-ref-4471", "sam.rights@example.org", "+447700900555", "198.51.100.23");
  sam.name = "Samuel Rightsholder";
  const std::string t1 = ClosedFor(sam, "the first chat");
  const std::string t2 = ClosedFor(V("sam-ref-4471"), "the second chat");
  const std::string held = ClosedFor(V(nullptr, "sam.rights@example.org"), "held chat");
  ASSERT_TRUE(Hold("alice", "CASE-1", held).ok());
  const SubjectAccessQuery q =
      Q("sam-ref-4471", "Sam.Rights@example.org", "+44 7700 900555", "198.51.100.23");

  // register, extend, complete
  const RightsRequest access = MustRegister(RightsKind::kAccess);
  ASSERT_TRUE(Extend(access.id, 2, "numerous").ok());
  auto answered = vault_->SubjectAccess(Dpo(), WithRequest(q, access.id));
  ASSERT_TRUE(answered.ok()) << answered.status().ToString();
  ASSERT_TRUE(Complete(access.id).ok());
  // register, refuse
  const RightsRequest refused = MustRegister(RightsKind::kRectification);
  ASSERT_TRUE(Refuse(refused.id, "identity_not_verified").ok());
  // restriction, lift
  auto restricted = Restrict(q);
  ASSERT_TRUE(restricted.ok()) << restricted.status().ToString();
  ASSERT_TRUE(Lift(restricted->request, "accuracy_verified").ok());
  // objection, decide
  auto objected = Restrict(q, RightsKind::kObjection);
  ASSERT_TRUE(objected.ok()) << objected.status().ToString();
  ASSERT_TRUE(Decide(objected->request, "rejected", "legal_claims").ok());
  // erasure, registered by the request itself
  auto erased = vault_->SubjectErasure(Dpo(), q);
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  EXPECT_EQ(Sorted(erased->erased), Sorted({t1, t2}));

  // One record per change, naming the entry, with kinds, dates and codes.
  const auto registers = AuditPayloads("rights.register");
  ASSERT_EQ(registers.size(), 5u);
  std::set<std::string> registered;
  for (const auto& p : registers) {
    EXPECT_EQ(Outcome(p), "ok");
    registered.insert(Objects0(p));
    EXPECT_FALSE(Detail(p, "kind").empty());
    EXPECT_FALSE(Detail(p, "due").empty());
  }
  EXPECT_EQ(registered, (std::set<std::string>{access.id, refused.id, restricted->request,
                                               objected->request, erased->request}));
  EXPECT_EQ(Detail(registers[0], "kind"), "access");
  EXPECT_EQ(Detail(registers[0], "due"), "2027-02-15");
  EXPECT_EQ(Detail(registers[0], "received_at"), std::to_string(access.received_at));

  const auto extends = AuditPayloads("rights.extend");
  ASSERT_EQ(extends.size(), 1u);
  EXPECT_EQ(Objects0(extends[0]), access.id);
  EXPECT_EQ(Detail(extends[0], "months"), "2");
  EXPECT_EQ(Detail(extends[0], "reason"), "numerous");
  EXPECT_EQ(Detail(extends[0], "due"), "2027-04-15");

  // Completed: the access request by hand; the restriction and the erasure
  // by the requests that registered them.
  std::set<std::string> completed;
  for (const auto& p : AuditPayloads("rights.complete")) {
    EXPECT_EQ(Outcome(p), "ok");
    completed.insert(Objects0(p));
  }
  EXPECT_EQ(completed,
            (std::set<std::string>{access.id, restricted->request, erased->request}));

  const auto refusals = AuditPayloads("rights.refuse");
  ASSERT_EQ(refusals.size(), 1u);
  EXPECT_EQ(Objects0(refusals[0]), refused.id);
  EXPECT_EQ(Detail(refusals[0], "reason"), "identity_not_verified");
  EXPECT_EQ(Detail(refusals[0], "kind"), "rectification");

  const auto lifts = AuditPayloads("rights.lift");
  ASSERT_EQ(lifts.size(), 1u);
  EXPECT_EQ(Objects0(lifts[0]), restricted->request);
  EXPECT_EQ(Detail(lifts[0], "reason"), "accuracy_verified");

  const auto decisions = AuditPayloads("rights.decide");
  ASSERT_EQ(decisions.size(), 1u);
  EXPECT_EQ(Objects0(decisions[0]), objected->request);
  EXPECT_EQ(Detail(decisions[0], "decision"), "rejected");
  EXPECT_EQ(Detail(decisions[0], "reason"), "legal_claims");

  // Each restriction of a transcript and each lifting, naming the entry.
  const auto restricts = AuditPayloads("transcript.restrict");
  ASSERT_EQ(restricts.size(), 4u);  // t1 and t2, twice
  for (const auto& p : restricts) EXPECT_FALSE(Detail(p, "request").empty());
  EXPECT_EQ(AuditPayloads("transcript.unrestrict").size(), 4u);
  // The subject requests name their entries.
  const auto sar = AuditPayloads("subject.access");
  ASSERT_EQ(sar.size(), 1u);
  EXPECT_EQ(Objects0(sar[0]), access.id);
  const auto erasure = AuditPayloads("subject.erasure");
  ASSERT_EQ(erasure.size(), 1u);
  EXPECT_EQ(Objects0(erasure[0]), erased->request);

  // No identifier in any audit record, in any form given or normalised.
  const char* secrets[] = {"sam-ref-4471", "sam.rights@example.org", "Sam.Rights",
                           "7700900555",   "7700 900555",            "198.51.100.23",
                           "Rightsholder"};
  const std::string audit = AllAuditText();
  for (const char* secret : secrets) {
    EXPECT_EQ(audit.find(secret), std::string::npos) << secret;
  }
  // Nor in any register entry, as listed or as its plaintext layout.
  auto entries = vault_->ListRightsRequests(Auditor(), RightsListing::kAll);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 5u);
  for (const RightsRequest& e : *entries) {
    std::string text = EncodeRightsEntry(e);
    for (const std::string& s : e.services) text += "|" + s;
    text += "|" + e.extension_reason + "|" + e.refusal_reason + "|" + e.decision + "|" +
            e.decision_reason + "|" + e.lift_reason;
    for (const RightsTouch& t : e.touched) text += "|" + t.id + ":" + t.outcome;
    for (const char* secret : secrets) {
      EXPECT_EQ(text.find(secret), std::string::npos) << secret;
    }
  }
  // Nor anywhere in the store's files, where the register lives.
  ASSERT_TRUE(vault_->CompactAll().ok());
  for (const char* secret : secrets) EXPECT_FALSE(StoreFilesHold(secret)) << secret;
}

// --- Subject access and erasure in the register ---

TEST_F(RightsTest, ASubjectAccessWithoutARequestRegistersADoneEntryOfWhatItTouched) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string a = ClosedFor(V("sam-1"), "first");
  const std::string b = Open("helpline", V(nullptr, "sam@example.org"));
  const std::string held = ClosedFor(V("sam-1"), "held");
  ASSERT_TRUE(Hold("alice", "CASE-1", held).ok());
  const std::string other = ClosedFor(V("alex-9"), "someone else");

  auto answer = vault_->SubjectAccess(Dpo(), Q("sam-1", "sam@example.org"));
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_FALSE(answer->request.empty());
  const RightsRequest r = Get(answer->request);
  EXPECT_EQ(r.kind, RightsKind::kAccess);
  EXPECT_EQ(r.state, RightsState::kDone);
  EXPECT_EQ(r.received_at, clock_.NowMillis());
  EXPECT_EQ(r.closed_at, clock_.NowMillis());
  EXPECT_EQ(r.due_at, rights::DueAt(r.received_at, 1));
  EXPECT_EQ(Touches(r), (std::set<std::pair<std::string, std::string>>{
                            {a, "disclosed"}, {b, "disclosed"}, {held, "withheld"}}));
  EXPECT_EQ(Listed(RightsListing::kAll), std::vector<std::string>{r.id});
  EXPECT_EQ(vault_->Metrics().rights_requests_open, 0u);
  EXPECT_NE(answer->audit_seq, 0u);
  (void)other;

  // An erasure likewise, of what it erased and what it withheld.
  auto erased = vault_->SubjectErasure(Dpo(), Q("sam-1", "sam@example.org"));
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  ASSERT_FALSE(erased->request.empty());
  EXPECT_NE(erased->request, r.id);
  const RightsRequest e = Get(erased->request);
  EXPECT_EQ(e.kind, RightsKind::kErasure);
  EXPECT_EQ(e.state, RightsState::kDone);
  EXPECT_EQ(Touches(e), (std::set<std::pair<std::string, std::string>>{
                            {a, "erased"}, {b, "erased"}, {held, "withheld"}}));
  EXPECT_EQ(Listed(RightsListing::kAll).size(), 2u);
  EXPECT_EQ(ReadReason(caller_, a), "erased");
  EXPECT_EQ(ReadReason(caller_, other), "ok");
  // The erasures name the entry they carried out.
  const auto erasures = AuditPayloads("transcript.erase");
  ASSERT_EQ(erasures.size(), 2u);
  for (const auto& p : erasures) EXPECT_EQ(Detail(p, "request"), e.id);
}

TEST_F(RightsTest, ARequestNamedByItsIdIsCarriedOutAndStaysOpen) {
  const std::string a = ClosedFor(V("sam-1"), "first");
  const std::string c = ClosedFor(V("sam-1"), "on another service", "textline");
  // Received by post three days ago, for the helpline only.
  const RightsRequest access =
      *Register(RightsKind::kAccess, clock_.NowMillis() - 3 * kDay, Dpo(), {"helpline"});

  auto answer = vault_->SubjectAccess(Dpo(), WithRequest(Q("sam-1"), access.id));
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->request, access.id);
  // The entry's services are searched: not the textline chat.
  EXPECT_EQ(answer->services, std::vector<std::string>{"helpline"});
  ASSERT_EQ(answer->items.size(), 1u);
  EXPECT_EQ(answer->items[0].id, a);
  RightsRequest after = Get(access.id);
  EXPECT_EQ(after.state, RightsState::kOpen);
  EXPECT_EQ(after.received_at, access.received_at);
  EXPECT_EQ(after.due_at, access.due_at);
  EXPECT_EQ(Touches(after), (std::set<std::pair<std::string, std::string>>{{a, "disclosed"}}));
  EXPECT_EQ(Listed(RightsListing::kAll), std::vector<std::string>{access.id});  // none new
  EXPECT_EQ(vault_->Metrics().rights_requests_open, 1u);
  EXPECT_TRUE(AuditPayloads("rights.complete").empty());

  // Of the wrong kind: refused, nothing done.
  auto as_erasure = vault_->SubjectErasure(Dpo(), WithRequest(Q("sam-1"), access.id));
  ASSERT_FALSE(as_erasure.ok());
  EXPECT_EQ(as_erasure.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(as_erasure.status().reason(), "wrong_kind");
  EXPECT_EQ(ReadReason(caller_, a), "ok");
  auto as_restriction = Restrict(WithRequest(Q("sam-1"), access.id));
  ASSERT_FALSE(as_restriction.ok());
  EXPECT_EQ(as_restriction.status().reason(), "wrong_kind");
  EXPECT_EQ(ReadReason(Agent("helpline"), a), "ok");
  EXPECT_EQ(Listed(RightsListing::kAll).size(), 1u);

  // An open erasure request carried out: erased, still open until completed.
  const RightsRequest erasure = MustRegister(RightsKind::kErasure);
  auto erased = vault_->SubjectErasure(Dpo(), WithRequest(Q("sam-1"), erasure.id));
  ASSERT_TRUE(erased.ok()) << erased.status().ToString();
  EXPECT_EQ(erased->request, erasure.id);
  EXPECT_EQ(Sorted(erased->erased), Sorted({a, c}));  // every service: the entry's
  EXPECT_EQ(Get(erasure.id).state, RightsState::kOpen);
  EXPECT_EQ(Touches(Get(erasure.id)),
            (std::set<std::pair<std::string, std::string>>{{a, "erased"}, {c, "erased"}}));
  auto wrong = vault_->SubjectAccess(Dpo(), WithRequest(Q("sam-1"), erasure.id));
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.status().reason(), "wrong_kind");

  // Closed: refused.
  ASSERT_TRUE(Complete(access.id).ok());
  auto closed = vault_->SubjectAccess(Dpo(), WithRequest(Q("sam-1"), access.id));
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(closed.status().reason(), "request_closed");
  // Another service's dpo cannot carry it out: it does not exist for them.
  const RightsRequest textline_only = MustRegister(RightsKind::kAccess, 0, Dpo({"textline"}));
  auto foreign = vault_->SubjectAccess(Dpo({"helpline"}), WithRequest(Q("sam-1"), textline_only.id));
  ASSERT_FALSE(foreign.ok());
  EXPECT_EQ(foreign.status().reason(), "unknown_request");
  EXPECT_TRUE(Get(textline_only.id).touched.empty());
}

TEST_F(RightsTest, ABadQueryWithoutARequestRegistersNothing) {
  const std::string a = ClosedFor(V("sam-1"), "first");
  SubjectAccessQuery other_service = Q("sam-1");
  other_service.services = {"textline"};
  Caller agent = Agent("helpline");
  struct Case {
    Caller who;
    SubjectAccessQuery query;
    const char* reason;
  };
  const Case cases[] = {
      {Dpo(), Q(std::nullopt), "no_identifier"},
      {Dpo(), Q(std::nullopt, "not an email"), "invalid_email"},
      {Dpo(), Q(std::nullopt, std::nullopt, "call me"), "invalid_phone"},
      {Dpo({"helpline"}), other_service, "service_forbidden"},
      {agent, Q("sam-1"), "forbidden"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.reason);
    auto access = vault_->SubjectAccess(c.who, c.query);
    ASSERT_FALSE(access.ok());
    EXPECT_EQ(access.status().reason(), c.reason);
    auto erasure = vault_->SubjectErasure(c.who, c.query);
    ASSERT_FALSE(erasure.ok());
    EXPECT_EQ(erasure.status().reason(), c.reason);
    for (RightsKind kind : {RightsKind::kRestriction, RightsKind::kObjection}) {
      auto restriction = Restrict(c.query, kind, c.who);
      ASSERT_FALSE(restriction.ok());
      EXPECT_EQ(restriction.status().reason(), c.reason);
    }
  }
  EXPECT_TRUE(Listed(RightsListing::kAll).empty());
  EXPECT_EQ(vault_->Metrics().rights_requests_open, 0u);
  EXPECT_TRUE(AuditPayloads("rights.register").empty());
  EXPECT_TRUE(AuditPayloads("transcript.restrict").empty());
  EXPECT_EQ(ReadReason(Agent("helpline"), a), "ok");
  // SubjectRestriction takes only a restriction or an objection.
  auto access_kind = Restrict(Q("sam-1"), RightsKind::kAccess);
  ASSERT_FALSE(access_kind.ok());
  EXPECT_EQ(access_kind.status().code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(Listed(RightsListing::kAll).empty());
}

// --- Restriction ---

TEST_F(RightsTest, ARestrictedTranscriptIsRefusedToAgentsListedEmptyAndDisclosedToTheDpo) {
  // Sam's chats: t0 and t2 by phone only, t1 by ref and phone (so a
  // restriction by ref leaves t0 and t2 alone, and t2's history finds both).
  const std::string t0 = ClosedFor(V(nullptr, nullptr, "+447700900123"), "oldest chat");
  clock_.Advance(1000);
  const std::string t1 = ClosedFor(V("sam-1", nullptr, "+447700900123"), "restricted chat");
  clock_.Advance(1000);
  const std::string t2 = ClosedFor(V(nullptr, nullptr, "+447700900123"), "other chat");
  const TranscriptInfo before = vault_->GetTranscript(caller_, t1)->info;
  const uint64_t epoch_before = WrappedEpochOf(t1);

  auto answer = Restrict(Q("sam-1"));
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->restricted, std::vector<std::string>{t1});
  EXPECT_TRUE(answer->withheld.empty());
  EXPECT_EQ(answer->searched, std::vector<std::string>{"ref"});
  EXPECT_NE(answer->audit_seq, 0u);
  const RightsRequest entry = Get(answer->request);
  EXPECT_EQ(entry.kind, RightsKind::kRestriction);
  EXPECT_EQ(entry.state, RightsState::kDone);
  EXPECT_EQ(entry.lifted_at, 0);
  EXPECT_EQ(Touches(entry), (std::set<std::pair<std::string, std::string>>{{t1, "restricted"}}));

  // Agents (and chat servers, and every other reader) are refused.
  for (const Caller& who : {Agent("helpline"), Writer("helpline"), caller_}) {
    auto read = vault_->GetTranscript(who, t1);
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.status().code(), Status::Code::kFailedPrecondition);
    EXPECT_EQ(read.status().reason(), "restricted");
  }
  EXPECT_EQ(ReadReason(Agent("helpline"), t2), "ok");
  // The refusal is audited.
  bool refused_read = false;
  for (const auto& p : AuditPayloads("transcript.read")) {
    refused_read |= Objects0(p) == t1 && Outcome(p) == "restricted";
  }
  EXPECT_TRUE(refused_read);
  // Its retention is what it was: the key under the same epoch.
  EXPECT_EQ(WrappedEpochOf(t1), epoch_before);

  // The history of t2 lists t1 as restricted, with nothing from inside it,
  // after every other (newer than t0, but it has no date to sort by).
  const std::vector<HistoryEntry> history = History(t2);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0].id, t0);
  EXPECT_EQ(history[1].id, t1);
  const HistoryEntry listed = HistoryEntryFor(history, t1);
  EXPECT_EQ(listed.state, "restricted");
  EXPECT_EQ(listed.created_at, 0);
  EXPECT_EQ(listed.closed_at, 0);
  EXPECT_EQ(listed.expires_at, 0);
  EXPECT_EQ(listed.held_at, 0);
  EXPECT_EQ(listed.message_count, 0u);
  EXPECT_EQ(listed.matched, std::vector<std::string>{"phone"});
  // The history of t1 itself is refused.
  auto from_t1 = vault_->ListHistory(Agent("helpline"), t1, HistoryQuery{});
  ASSERT_FALSE(from_t1.ok());
  EXPECT_EQ(from_t1.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(from_t1.status().reason(), "restricted");

  // The dpo still discloses it to its visitor, marked restricted.
  auto sar = vault_->SubjectAccess(Dpo(), Q("sam-1", std::nullopt, "+447700900123"));
  ASSERT_TRUE(sar.ok()) << sar.status().ToString();
  ASSERT_EQ(sar->items.size(), 3u);
  for (const SubjectAccessItem& item : sar->items) {
    EXPECT_EQ(item.restricted, item.id == t1) << item.id;
    if (item.id == t1) {
      ASSERT_EQ(item.transcript.messages.size(), 1u);
      EXPECT_EQ(item.transcript.messages[0].text, "restricted chat");
      EXPECT_EQ(item.transcript.info.expires_at, before.expires_at);
    }
  }

  // Lifting needs a reason code.
  for (const std::string reason : {"", "ok", "Accuracy_verified"}) {
    auto bad = Lift(entry.id, reason);
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.status().reason(), "invalid_reason");
  }
  EXPECT_EQ(ReadReason(Agent("helpline"), t1), "restricted");
  clock_.Advance(1000);
  auto lifted = Lift(entry.id, "accuracy_verified");
  ASSERT_TRUE(lifted.ok()) << lifted.status().ToString();
  EXPECT_EQ(lifted->lifted_at, clock_.NowMillis());
  EXPECT_EQ(lifted->lift_reason, "accuracy_verified");
  EXPECT_EQ(lifted->state, RightsState::kDone);
  EXPECT_EQ(Touches(*lifted), (std::set<std::pair<std::string, std::string>>{{t1, "lifted"}}));
  EXPECT_EQ(Get(entry.id), *lifted);
  // Readable again, listed with its dates again.
  auto back = vault_->GetTranscript(Agent("helpline"), t1);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->info.expires_at, before.expires_at);
  const std::vector<HistoryEntry> rehistory = History(t2);
  ASSERT_EQ(rehistory.size(), 2u);
  EXPECT_EQ(rehistory[0].id, t1);  // by its creation time again: newest first
  const HistoryEntry relisted = HistoryEntryFor(rehistory, t1);
  EXPECT_EQ(relisted.state, "closed");
  EXPECT_EQ(relisted.message_count, 1u);
  EXPECT_EQ(relisted.created_at, before.created_at);
  EXPECT_TRUE(vault_->ListHistory(Agent("helpline"), t1, HistoryQuery{}).ok());
  // Lifting again: not in force any more.
  auto again = Lift(entry.id, "accuracy_verified");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(again.status().reason(), "request_closed");

  // Audited: the restriction and its lifting, naming the entry.
  const auto restricts = AuditPayloads("transcript.restrict");
  ASSERT_EQ(restricts.size(), 1u);
  EXPECT_EQ(Objects0(restricts[0]), t1);
  EXPECT_EQ(Detail(restricts[0], "request"), entry.id);
  const auto unrestricts = AuditPayloads("transcript.unrestrict");
  ASSERT_EQ(unrestricts.size(), 1u);
  EXPECT_EQ(Objects0(unrestricts[0]), t1);
  EXPECT_EQ(Detail(unrestricts[0], "request"), entry.id);
  const auto requests = AuditPayloads("subject.restriction");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(Objects0(requests[0]), entry.id);
  EXPECT_EQ(Detail(requests[0], "restricted"), "1");
}

TEST_F(RightsTest, ARestrictedTranscriptCanStillBeErasedAndAHeldOneIsWithheld) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string t1 = ClosedFor(V("sam-1"), "to be erased");
  const std::string held = ClosedFor(V("sam-1"), "held");
  ASSERT_TRUE(Hold("alice", "CASE-1", held).ok());

  auto answer = Restrict(Q("sam-1"));
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->restricted, std::vector<std::string>{t1});
  EXPECT_EQ(answer->withheld, std::vector<std::string>{held});
  EXPECT_EQ(Touches(Get(answer->request)),
            (std::set<std::pair<std::string, std::string>>{{t1, "restricted"},
                                                           {held, "withheld"}}));
  // The held one is held, not restricted.
  EXPECT_EQ(ReadReason(caller_, held), "legal_hold");
  auto sar = vault_->SubjectAccess(Dpo(), Q("sam-1"));
  ASSERT_TRUE(sar.ok());
  for (const SubjectAccessItem& item : sar->items) {
    if (item.id == held) {
      EXPECT_TRUE(item.withheld);
      EXPECT_FALSE(item.restricted);
    }
  }

  // An admin erases a restricted transcript all the same.
  ASSERT_EQ(ReadReason(caller_, t1), "restricted");
  const Status erased = vault_->EraseTranscript(Admin(), t1, EraseReason::kNone);
  ASSERT_TRUE(erased.ok()) << erased.ToString();
  EXPECT_EQ(ReadReason(caller_, t1), "erased");
  // Lifting finds nothing left to lift on the erased one; the held one's
  // restriction, which would have applied at its release, is lifted in the
  // register.
  auto lifted = Lift(answer->request, "no_longer_applies");
  ASSERT_TRUE(lifted.ok()) << lifted.status().ToString();
  for (const RightsTouch& t : lifted->touched) {
    if (t.id == t1) {
      EXPECT_EQ(t.outcome, "gone");
    } else if (t.id == held) {
      EXPECT_EQ(t.outcome, "lifted");
    }
  }
  EXPECT_EQ(ReadReason(caller_, held), "legal_hold");
}

TEST_F(RightsTest, AnOpenRestrictedChatTakesAppendsAndClosesAndStaysRestricted) {
  const std::string t = Open("helpline", V("sam-1"));
  Append(t, 1, "before");
  auto answer = Restrict(Q("sam-1"));
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_EQ(answer->restricted, std::vector<std::string>{t});

  // The chat server goes on writing it.
  auto more = vault_->AppendMessage(caller_, t, Msg(2, "after"));
  ASSERT_TRUE(more.ok()) << more.status().ToString();
  EXPECT_EQ(*more, AppendOutcome::kStored);
  EXPECT_EQ(ReadReason(Agent("helpline"), t), "restricted");
  clock_.Advance(500);
  auto closed = vault_->CloseTranscript(caller_, t);  // its expiry
  ASSERT_TRUE(closed.ok()) << closed.status().ToString();
  EXPECT_EQ(*closed, clock_.NowMillis() + kRetention);
  EXPECT_EQ(ReadReason(Agent("helpline"), t), "restricted");

  auto sar = vault_->SubjectAccess(Dpo(), Q("sam-1"));
  ASSERT_TRUE(sar.ok());
  ASSERT_EQ(sar->items.size(), 1u);
  EXPECT_TRUE(sar->items[0].restricted);
  EXPECT_EQ(sar->items[0].transcript.messages.size(), 2u);
  EXPECT_EQ(sar->items[0].transcript.info.state, TranscriptState::kClosed);
  // Kept exactly as long as any closed chat.
  EXPECT_EQ(sar->items[0].transcript.info.closed_at, clock_.NowMillis());
  EXPECT_EQ(sar->items[0].transcript.info.expires_at, *closed);

  ASSERT_TRUE(Lift(answer->request, "visitor_withdrew").ok());
  auto back = vault_->GetTranscript(Agent("helpline"), t);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->messages.size(), 2u);
  EXPECT_EQ(back->info.state, TranscriptState::kClosed);
}

TEST_F(RightsTest, ARestrictionNeverExtendsRetention) {
  // A closed chat restricted, and an open one restricted before it closes.
  const std::string closed = ClosedFor(V("sam-1"), "closed then restricted");
  const std::string open = Open("helpline", V("sam-1"));
  Append(open, 1, "restricted while open");
  auto answer = Restrict(Q("sam-1"));
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_EQ(Sorted(answer->restricted), Sorted({closed, open}));
  clock_.Advance(2000);
  ASSERT_TRUE(vault_->CloseTranscript(caller_, open).ok());

  auto sar = vault_->SubjectAccess(Dpo(), Q("sam-1"));
  ASSERT_TRUE(sar.ok());
  UnixMillis last_expiry = 0;
  for (const SubjectAccessItem& item : sar->items) {
    EXPECT_TRUE(item.restricted);
    EXPECT_EQ(item.transcript.info.expires_at, item.transcript.info.closed_at + kRetention);
    last_expiry = std::max(last_expiry, item.transcript.info.expires_at);
  }
  const uint64_t closed_epoch = WrappedEpochOf(closed);
  const uint64_t open_epoch = WrappedEpochOf(open);

  // Past both expiries and the end of their epochs: destroyed on time.
  clock_.Set(last_expiry + 2 * kEpoch);
  ASSERT_TRUE(vault_->RunRetention().ok());
  for (const std::string& id : {closed, open}) {
    auto read = vault_->GetTranscript(caller_, id);
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.status().code(), Status::Code::kGone) << id;
  }
  auto status = vault_->GetRetentionStatus(caller_);
  ASSERT_TRUE(status.ok());
  EXPECT_GT(status->base_epoch, std::max(closed_epoch, open_epoch));
  EXPECT_EQ(status->overdue, 0u);
  // The dpo finds nothing left of them.
  auto after = vault_->SubjectAccess(Dpo(), Q("sam-1"));
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->items.empty());
  // And lifting the restriction now changes nothing, and says so.
  auto lifted = Lift(answer->request, "no_longer_applies");
  ASSERT_TRUE(lifted.ok()) << lifted.status().ToString();
  for (const RightsTouch& t : lifted->touched) EXPECT_NE(t.outcome, "lifted") << t.id;
}

TEST_F(RightsTest, ATranscriptUnderTwoRestrictionsIsReadableOnlyOnceBothAreLifted) {
  const std::string t = ClosedFor(V("sam-1", "sam@example.org"), "twice restricted");
  auto first = Restrict(Q("sam-1"));
  ASSERT_TRUE(first.ok());
  // The second: registered first (received by letter), carried out after.
  const RightsRequest second = MustRegister(RightsKind::kRestriction);
  auto carried = Restrict(WithRequest(Q(std::nullopt, "sam@example.org"), second.id));
  ASSERT_TRUE(carried.ok()) << carried.status().ToString();
  EXPECT_EQ(carried->request, second.id);
  EXPECT_EQ(carried->restricted, std::vector<std::string>{t});
  // Carried out under its own entry: still open until completed.
  EXPECT_EQ(Get(second.id).state, RightsState::kOpen);
  EXPECT_EQ(Touches(Get(second.id)),
            (std::set<std::pair<std::string, std::string>>{{t, "restricted"}}));
  ASSERT_TRUE(Complete(second.id).ok());
  EXPECT_EQ(ReadReason(Agent("helpline"), t), "restricted");  // completing lifts nothing

  ASSERT_TRUE(Lift(first->request, "accuracy_verified").ok());
  EXPECT_EQ(ReadReason(Agent("helpline"), t), "restricted");
  // A completed restriction is still lifted.
  auto lifted = Lift(second.id, "no_longer_applies");
  ASSERT_TRUE(lifted.ok()) << lifted.status().ToString();
  EXPECT_EQ(lifted->state, RightsState::kDone);
  EXPECT_EQ(ReadReason(Agent("helpline"), t), "ok");
}

TEST_F(RightsTest, RefusingAnOpenRestrictionLiftsWhatItRestricted) {
  const std::string t = ClosedFor(V("sam-1"), "restricted, then refused");
  const RightsRequest r = MustRegister(RightsKind::kRestriction);
  ASSERT_TRUE(Restrict(WithRequest(Q("sam-1"), r.id)).ok());
  ASSERT_EQ(ReadReason(Agent("helpline"), t), "restricted");
  auto refused = Refuse(r.id, "identity_not_verified");
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_EQ(refused->state, RightsState::kRefused);
  EXPECT_EQ(Touches(*refused), (std::set<std::pair<std::string, std::string>>{{t, "lifted"}}));
  EXPECT_EQ(ReadReason(Agent("helpline"), t), "ok");
  // A refused restriction is not in force: nothing to lift.
  auto lift = Lift(r.id, "accuracy_verified");
  ASSERT_FALSE(lift.ok());
  EXPECT_EQ(lift.status().reason(), "request_closed");
}

TEST_F(RightsTest, LiftingARestrictionOfAChatHeldSinceFreesItOnceTheHoldIsReleased) {
  // Restricted, then placed under legal hold, then the restriction is lifted
  // while it is held. Once the hold is released, the chat must be readable
  // again: nothing restricts it any more.
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string t = ClosedFor(V("sam-1"), "restricted, held, lifted, released");
  auto answer = Restrict(Q("sam-1"));
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_EQ(answer->restricted, std::vector<std::string>{t});
  ASSERT_TRUE(Hold("alice", "CASE-1", t).ok());
  auto lifted = Lift(answer->request, "accuracy_verified");
  ASSERT_TRUE(lifted.ok()) << lifted.status().ToString();
  ASSERT_NO_FATAL_FAILURE(ReleaseCase("CASE-1"));
  EXPECT_EQ(ReadReason(Agent("helpline"), t), "ok")
      << "the restriction was lifted while the chat was held, but it is still restricted; "
         "the entry says: "
      << (lifted->touched.empty() ? "" : lifted->touched[0].outcome);
  // And if it is still restricted, nothing can lift it any more.
  auto again = Lift(answer->request, "accuracy_verified");
  EXPECT_FALSE(again.ok());
}

TEST_F(RightsTest, ARestrictionAskedForWhileHeldAppliesOnceTheHoldIsReleased) {
  // The hold takes precedence while it lasts; the visitor's restriction is
  // theirs all the same, and the register says what applies at release.
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string restricted = ClosedFor(V("sam-1"), "held, then restricted");
  const std::string objected = ClosedFor(V("kim-2"), "held, objected to, upheld");
  const std::string rejected = ClosedFor(V("lee-3"), "held, objected to, rejected");
  for (const std::string& t : {restricted, objected, rejected}) {
    ASSERT_TRUE(Hold("alice", "CASE-1", t).ok());
  }
  auto restriction = Restrict(Q("sam-1"));
  ASSERT_TRUE(restriction.ok()) << restriction.status().ToString();
  EXPECT_EQ(restriction->withheld, std::vector<std::string>{restricted});
  auto upheld = Restrict(Q("kim-2"), RightsKind::kObjection);
  ASSERT_TRUE(upheld.ok()) << upheld.status().ToString();
  auto decided = Decide(upheld->request, "upheld_erase");
  ASSERT_TRUE(decided.ok()) << decided.status().ToString();
  EXPECT_EQ(Touches(*decided),
            (std::set<std::pair<std::string, std::string>>{{objected, "withheld"}}));
  auto rejection = Restrict(Q("lee-3"), RightsKind::kObjection);
  ASSERT_TRUE(rejection.ok()) << rejection.status().ToString();
  auto rejected_now = Decide(rejection->request, "rejected", "legal_claims");
  ASSERT_TRUE(rejected_now.ok()) << rejected_now.status().ToString();
  EXPECT_EQ(Touches(*rejected_now),
            (std::set<std::pair<std::string, std::string>>{{rejected, "lifted"}}));

  ASSERT_NO_FATAL_FAILURE(ReleaseCase("CASE-1"));
  EXPECT_EQ(ReadReason(Agent("helpline"), restricted), "restricted");
  EXPECT_EQ(ReadReason(Agent("helpline"), objected), "restricted");
  EXPECT_EQ(ReadReason(Agent("helpline"), rejected), "ok");
  // Each restriction applied at the release is audited, with its request.
  std::set<std::pair<std::string, std::string>> applied;
  for (const auto& p : AuditPayloads("transcript.restrict")) {
    if (Detail(p, "at") == "release") applied.insert({Objects0(p), Detail(p, "request")});
  }
  EXPECT_EQ(applied, (std::set<std::pair<std::string, std::string>>{
                         {restricted, restriction->request}, {objected, upheld->request}}));
  // And the first restriction can be lifted as any other.
  auto lifted = Lift(restriction->request, "no_longer_applies");
  ASSERT_TRUE(lifted.ok()) << lifted.status().ToString();
  EXPECT_EQ(ReadReason(Agent("helpline"), restricted), "ok");
}

// --- Objection ---

TEST_F(RightsTest, AnObjectionRestrictsUntilDecidedAndUpheldRestrictedKeepsItSo) {
  const std::string t = ClosedFor(V("sam-1"), "objected to");
  auto answer = Restrict(Q("sam-1"), RightsKind::kObjection);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->restricted, std::vector<std::string>{t});
  const RightsRequest entry = Get(answer->request);
  EXPECT_EQ(entry.kind, RightsKind::kObjection);
  EXPECT_EQ(entry.state, RightsState::kOpen);  // until decided
  EXPECT_EQ(Touches(entry), (std::set<std::pair<std::string, std::string>>{{t, "restricted"}}));
  EXPECT_EQ(vault_->Metrics().rights_requests_open, 1u);
  EXPECT_EQ(ReadReason(Agent("helpline"), t), "restricted");
  EXPECT_EQ(AuditPayloads("subject.objection").size(), 1u);

  auto complete = Complete(entry.id);
  ASSERT_FALSE(complete.ok());
  EXPECT_EQ(complete.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(complete.status().reason(), "decision_required");
  struct Bad {
    const char* decision;
    const char* reason;
    const char* refused;
  };
  const Bad bad[] = {
      {"", "", "invalid_decision"},
      {"maybe", "", "invalid_decision"},
      {"UPHELD_ERASE", "", "invalid_decision"},
      {"rejected", "", "invalid_reason"},
      {"rejected", "because", "invalid_reason"},
      {"rejected", "accuracy_verified", "invalid_reason"},
      {"upheld_restricted", "legal_claims", "invalid_reason"},
      {"upheld_erase", "complex", "invalid_reason"},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(std::string(b.decision) + "/" + b.reason);
    auto d = Decide(entry.id, b.decision, b.reason);
    ASSERT_FALSE(d.ok());
    EXPECT_EQ(d.status().code(), Status::Code::kInvalidArgument);
    EXPECT_EQ(d.status().reason(), b.refused);
  }
  EXPECT_EQ(Get(entry.id), entry);

  clock_.Advance(1000);
  auto upheld = Decide(entry.id, "upheld_restricted");
  ASSERT_TRUE(upheld.ok()) << upheld.status().ToString();
  EXPECT_EQ(upheld->state, RightsState::kDone);
  EXPECT_EQ(upheld->decision, "upheld_restricted");
  EXPECT_EQ(upheld->closed_at, clock_.NowMillis());
  EXPECT_EQ(upheld->lifted_at, 0);
  EXPECT_EQ(ReadReason(Agent("helpline"), t), "restricted");
  EXPECT_EQ(vault_->Metrics().rights_requests_open, 0u);
  auto twice = Decide(entry.id, "rejected", "legal_claims");
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().reason(), "request_closed");
  EXPECT_EQ(ReadReason(Agent("helpline"), t), "restricted");
}

TEST_F(RightsTest, AnObjectionRejectedForAReasonLiftsItsRestriction) {
  const std::string t = ClosedFor(V("sam-1"), "objected to, rejected");
  auto answer = Restrict(Q("sam-1"), RightsKind::kObjection);
  ASSERT_TRUE(answer.ok());
  auto no_reason = Decide(answer->request, "rejected");
  ASSERT_FALSE(no_reason.ok());
  EXPECT_EQ(no_reason.status().reason(), "invalid_reason");
  EXPECT_EQ(ReadReason(Agent("helpline"), t), "restricted");

  auto rejected = Decide(answer->request, "rejected", "legal_claims");
  ASSERT_TRUE(rejected.ok()) << rejected.status().ToString();
  EXPECT_EQ(rejected->state, RightsState::kDone);
  EXPECT_EQ(rejected->decision, "rejected");
  EXPECT_EQ(rejected->decision_reason, "legal_claims");
  EXPECT_EQ(rejected->lifted_at, clock_.NowMillis());
  EXPECT_EQ(rejected->lift_reason, "objection_rejected");
  EXPECT_EQ(Touches(*rejected), (std::set<std::pair<std::string, std::string>>{{t, "lifted"}}));
  auto back = vault_->GetTranscript(Agent("helpline"), t);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->messages.at(0).text, "objected to, rejected");
  // The other rejection reason is accepted too.
  ClosedFor(V("kim-2"), "another objection");
  auto other = Restrict(Q("kim-2"), RightsKind::kObjection);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(Decide(other->request, "rejected", "compelling_legitimate_grounds").ok());
}

TEST_F(RightsTest, AnObjectionUpheldByErasureErasesWhatItRestrictedButNotHeldChats) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  const std::string closed = ClosedFor(V("sam-1"), "closed");
  const std::string open = Open("helpline", V(nullptr, "sam@example.org"));
  Append(open, 1, "still open");
  const std::string held_before = ClosedFor(V("sam-1"), "held before");
  ASSERT_TRUE(Hold("alice", "CASE-1", held_before).ok());
  const std::string held_after = ClosedFor(V("sam-1"), "held after");
  const std::string bystander = ClosedFor(V("alex-9"), "someone else");
  const std::string sealed = SealedMessage(closed);

  auto answer = Restrict(Q("sam-1", "sam@example.org"), RightsKind::kObjection);
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(Sorted(answer->restricted), Sorted({closed, open, held_after}));
  EXPECT_EQ(answer->withheld, std::vector<std::string>{held_before});
  // Held after it was restricted, before the decision.
  ASSERT_TRUE(Hold("alice", "CASE-1", held_after).ok());

  auto upheld = Decide(answer->request, "upheld_erase");
  ASSERT_TRUE(upheld.ok()) << upheld.status().ToString();
  EXPECT_EQ(upheld->state, RightsState::kDone);
  EXPECT_EQ(upheld->decision, "upheld_erase");
  EXPECT_EQ(Touches(*upheld), (std::set<std::pair<std::string, std::string>>{
                                  {closed, "erased"},
                                  {open, "erased"},
                                  {held_before, "withheld"},
                                  {held_after, "withheld"}}));
  EXPECT_EQ(ReadReason(caller_, closed), "erased");
  EXPECT_EQ(ReadReason(caller_, open), "erased");
  EXPECT_EQ(ReadReason(caller_, held_before), "legal_hold");
  EXPECT_EQ(ReadReason(caller_, held_after), "legal_hold");
  EXPECT_EQ(ReadReason(Agent("helpline"), bystander), "ok");
  EXPECT_FALSE(StoreFilesHold(sealed));  // compacted away, as any erasure
  std::set<std::string> erased;
  for (const auto& p : AuditPayloads("transcript.erase")) {
    EXPECT_EQ(Detail(p, "purpose"), "objection");
    EXPECT_EQ(Detail(p, "request"), answer->request);
    erased.insert(Objects0(p));
  }
  EXPECT_EQ(erased, (std::set<std::string>{closed, open}));
}

// --- The register's own retention ---

// One-minute epochs, so that a register entry's key is never wrapped
// further ahead than the keyring allows, and a one-day register retention.
class RightsRetentionTest : public RightsTest {
 protected:
  static constexpr int64_t kMinute = 60'000;
  static constexpr int64_t kKeep = kDay;

  void SetUp() override { ASSERT_NO_FATAL_FAILURE(ReopenWith(kKeep)); }
  void ReopenWith(int64_t rights_retention_ms) {
    auto v = OpenWith(rights_retention_ms);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    vault_ = std::move(v).value();
  }
  StatusOr<std::unique_ptr<VaultImpl>> OpenWith(int64_t rights_retention_ms) {
    vault_.reset();
    Options o;
    o.data_dir = dir_.path() + "/data";
    o.epoch_ms = kMinute;
    o.retention_ms = transcript_retention_ms_;
    o.retention_tick_ms = 0;
    o.rights_retention_ms = rights_retention_ms;
    return VaultImpl::Open(o, &clock_);
  }
  // The first instant of the epoch after the one holding `t`.
  static UnixMillis EpochAfter(UnixMillis t) { return (t / kMinute + 1) * kMinute; }
  int64_t transcript_retention_ms_ = 30 * kMinute;  // Options::retention_ms
  std::string StoredEntry(const std::string& id) {
    std::string raw;
    EXPECT_TRUE(ParseId(id, &raw));
    auto v = vault_->store()->Get(Column::kRights, raw);
    return v.ok() ? *v : std::string();
  }
};

TEST_F(RightsRetentionTest, ACompletedEntrySurvivesAReopenAndGoesWithItsKeepUntilEpoch) {
  const RightsRequest done = MustRegister(RightsKind::kAccess);
  auto completed = Complete(done.id);
  ASSERT_TRUE(completed.ok());
  // Extended, so due (and kept) two months longer.
  const RightsRequest open = MustRegister(RightsKind::kErasure);
  ASSERT_TRUE(Extend(open.id, 2, "complex").ok());
  const RightsRequest open_now = Get(open.id);

  // Persisted: the same after a restart.
  ASSERT_NO_FATAL_FAILURE(ReopenWith(kKeep));
  EXPECT_EQ(Get(done.id), *completed);
  EXPECT_EQ(Get(open.id), open_now);
  EXPECT_EQ(vault_->Metrics().rights_requests_open, 1u);
  EXPECT_FALSE(StoredEntry(done.id).empty());

  // Kept until a day after its due time (later than its closing).
  const UnixMillis keep_until = completed->due_at + kKeep;
  clock_.Set(keep_until - 1);
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_EQ(Get(done.id).id, done.id);
  EXPECT_TRUE(AuditPayloads("rights.destroy").empty());

  // Once the epoch holding that time has ended and retention has run, it
  // is gone: from the register, from the store, for every caller.
  clock_.Set(EpochAfter(keep_until));
  ASSERT_TRUE(vault_->RunRetention().ok());
  for (const Caller& who : {Dpo(), Auditor()}) {
    auto gone = vault_->GetRightsRequest(who, done.id);
    ASSERT_FALSE(gone.ok());
    EXPECT_EQ(gone.status().code(), Status::Code::kNotFound);
    EXPECT_EQ(gone.status().reason(), "unknown_request");
  }
  EXPECT_EQ(Listed(RightsListing::kAll), std::vector<std::string>{open.id});
  EXPECT_TRUE(StoredEntry(done.id).empty());
  const auto destroyed = AuditPayloads("rights.destroy");
  ASSERT_EQ(destroyed.size(), 1u);
  EXPECT_EQ(Outcome(destroyed[0]), "ok");
  EXPECT_EQ(Detail(destroyed[0], "entries"), "1");
  // A change to it now finds nothing.
  auto change = Complete(done.id);
  ASSERT_FALSE(change.ok());
  EXPECT_EQ(change.status().reason(), "unknown_request");

  // Still gone after a restart; the extended one is still there.
  ASSERT_NO_FATAL_FAILURE(ReopenWith(kKeep));
  EXPECT_EQ(vault_->GetRightsRequest(Dpo(), done.id).status().reason(), "unknown_request");
  EXPECT_EQ(Get(open.id).id, open.id);
}

TEST_F(RightsRetentionTest, AClosingOrALiftingAfterTheDueTimeKeepsTheEntryFromThen) {
  const RightsRequest refused = MustRegister(RightsKind::kRectification);
  auto restriction = Restrict(Q("nobody-1"));  // matches nothing: done at once
  ASSERT_TRUE(restriction.ok()) << restriction.status().ToString();
  EXPECT_TRUE(restriction->restricted.empty());
  const RightsRequest restricted = Get(restriction->request);
  ASSERT_EQ(restricted.state, RightsState::kDone);
  ASSERT_EQ(restricted.due_at, refused.due_at);
  const UnixMillis due = refused.due_at;

  // Refused six hours after it was due; the restriction lifted at twelve.
  clock_.Set(due + 6 * 3600'000);
  auto closed = Refuse(refused.id, "excessive");
  ASSERT_TRUE(closed.ok()) << closed.status().ToString();
  clock_.Set(due + 12 * 3600'000);
  auto lifted = Lift(restricted.id, "no_longer_applies");
  ASSERT_TRUE(lifted.ok()) << lifted.status().ToString();
  EXPECT_EQ(lifted->lifted_at, clock_.NowMillis());

  // A day after their due time: both still there.
  clock_.Set(EpochAfter(due + kKeep));
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_EQ(Listed(RightsListing::kAll).size(), 2u);
  // A day after the refusal: the refused one goes, the lifted one stays.
  clock_.Set(EpochAfter(closed->closed_at + kKeep));
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_EQ(Listed(RightsListing::kAll), std::vector<std::string>{restricted.id});
  // A day after the lifting: that one too.
  clock_.Set(EpochAfter(lifted->lifted_at + kKeep));
  ASSERT_TRUE(vault_->RunRetention().ok());
  EXPECT_TRUE(Listed(RightsListing::kAll).empty());
  const auto destroyed = AuditPayloads("rights.destroy");
  ASSERT_EQ(destroyed.size(), 2u);
  EXPECT_EQ(Detail(destroyed[0], "entries"), "1");
  EXPECT_EQ(Detail(destroyed[1], "entries"), "1");
}

TEST_F(RightsRetentionTest, ARestrictionStillInForceKeepsItsEntrySoThatItCanBeLifted) {
  // Chats kept 90 days, the register's entries a day after they end. A
  // restriction (done when carried out) and an objection (open until
  // decided) still restrict chats past their due time plus a day: their
  // entries are the only way to lift them, so they must not be destroyed
  // while they restrict anything.
  transcript_retention_ms_ = 90 * kDay;
  ASSERT_NO_FATAL_FAILURE(ReopenWith(kKeep));
  const std::string restricted = ClosedFor(V("sam-1"), "restricted for good?");
  const std::string objected = ClosedFor(V("kim-2"), "objected to");
  auto restriction = Restrict(Q("sam-1"));
  ASSERT_TRUE(restriction.ok()) << restriction.status().ToString();
  ASSERT_EQ(restriction->restricted, std::vector<std::string>{restricted});
  auto objection = Restrict(Q("kim-2"), RightsKind::kObjection);
  ASSERT_TRUE(objection.ok()) << objection.status().ToString();
  ASSERT_EQ(objection->restricted, std::vector<std::string>{objected});
  const RightsRequest entry = Get(restriction->request);

  // Two days after the due time, retention runs; the chats live on.
  clock_.Set(entry.due_at + 2 * kDay);
  ASSERT_TRUE(vault_->RunRetention().ok());
  ASSERT_EQ(ReadReason(Agent("helpline"), restricted), "restricted");
  ASSERT_EQ(ReadReason(Agent("helpline"), objected), "restricted");
  EXPECT_TRUE(vault_->GetRightsRequest(Dpo(), restriction->request).ok())
      << "the entry of a restriction still in force was destroyed";
  EXPECT_TRUE(vault_->GetRightsRequest(Dpo(), objection->request).ok())
      << "the entry of an undecided objection was destroyed";
  auto lifted = Lift(restriction->request, "no_longer_applies");
  EXPECT_TRUE(lifted.ok()) << lifted.status().ToString();
  EXPECT_EQ(ReadReason(Agent("helpline"), restricted), "ok");
  auto decided = Decide(objection->request, "rejected", "legal_claims");
  EXPECT_TRUE(decided.ok()) << decided.status().ToString();
  EXPECT_EQ(ReadReason(Agent("helpline"), objected), "ok");
}

TEST_F(RightsRetentionTest, AnEntryInForceGoesOnceItsTranscriptsAreShreddedAndItsTimeIsOver) {
  // Restriction never extends retention: the transcript is shredded on
  // schedule, and the entry that restricted it then ends like any other,
  // a register retention after the last renewal.
  const std::string t = ClosedFor(V("sam-1"), "restricted, then shredded");
  auto restriction = Restrict(Q("sam-1"));
  ASSERT_TRUE(restriction.ok()) << restriction.status().ToString();
  ASSERT_EQ(restriction->restricted, std::vector<std::string>{t});
  const RightsRequest entry = Get(restriction->request);
  UnixMillis now = clock_.NowMillis();
  // Past the transcript's retention (30 minutes) and the entry's due time
  // plus the register's retention, in steps shorter than half of it.
  bool shredded = false;
  UnixMillis entry_gone_at = 0;
  const UnixMillis end = entry.due_at + 4 * kKeep;
  while (now < end && entry_gone_at == 0) {
    now += kKeep / 4;
    clock_.Set(now);
    ASSERT_TRUE(vault_->RunRetention().ok());
    if (!shredded && ReadReason(Agent("helpline"), t) == "expired") shredded = true;
    if (!vault_->GetRightsRequest(Dpo(), restriction->request).ok()) entry_gone_at = now;
  }
  EXPECT_TRUE(shredded) << "the restricted transcript outlived its retention";
  ASSERT_NE(entry_gone_at, 0) << "the entry outlived its transcript and its time";
  // Not before its own time: due plus the register's retention.
  EXPECT_GE(entry_gone_at, entry.due_at + kKeep);
  EXPECT_EQ(StoredEntry(restriction->request), "");
}

TEST_F(RightsRetentionTest, TheRegistersRetentionMustBePositive) {
  for (int64_t bad : {int64_t{0}, int64_t{-1}}) {
    auto v = OpenWith(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.status().code(), Status::Code::kInvalidArgument);
  }
  ASSERT_NO_FATAL_FAILURE(ReopenWith(kKeep));
}

}  // namespace
}  // namespace vault::testing
