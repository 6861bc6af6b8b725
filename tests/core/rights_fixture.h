// RightsFixture: a VisitorFixture with the verbs the visitors'-rights tests
// share (rights_test.cc, rectification_test.cc): callers of the other roles,
// registering and changing register entries, restricting, reading as a
// caller, the audit log as text, histories, and releasing a case.
#ifndef VAULT_TESTS_CORE_RIGHTS_FIXTURE_H_
#define VAULT_TESTS_CORE_RIGHTS_FIXTURE_H_

#include <algorithm>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/core/visitor_fixture.h"

namespace vault::testing {

class RightsFixture : public VisitorFixture {
 protected:
  static Caller Auditor() {
    Caller c;
    c.uid = 1002;
    c.roles.Add(Role::kAuditor);
    c.request_id = "auditor";
    return c;
  }
  static Caller Admin() {
    Caller c;
    c.uid = 1003;
    c.roles.Add(Role::kAdmin);
    c.request_id = "admin";
    return c;
  }
  static Caller Writer(const std::string& service) {
    Caller c;
    c.uid = 1004;
    c.roles.Add(Role::kWriter);
    c.write_scope.services.insert(service);
    c.read_scope.services.insert(service);
    c.request_id = "writer";
    return c;
  }

  StatusOr<RightsRequest> Register(RightsKind kind, UnixMillis received = 0,
                                   const Caller& who = Dpo(),
                                   std::vector<std::string> services = {}) {
    RightsRegistration r;
    r.kind = kind;
    r.received_at = received;
    r.services = std::move(services);
    return vault_->RegisterRightsRequest(who, r);
  }
  // Registers, failing the test if it does not work.
  RightsRequest MustRegister(RightsKind kind, UnixMillis received = 0, const Caller& who = Dpo()) {
    auto r = Register(kind, received, who);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : RightsRequest{};
  }
  StatusOr<RightsRequest> Update(const std::string& id, RightsUpdate::Action action,
                                 uint32_t months = 0, const std::string& reason = "",
                                 const std::string& decision = "", const Caller& who = Dpo()) {
    RightsUpdate u;
    u.action = action;
    u.months = months;
    u.reason = reason;
    u.decision = decision;
    return vault_->UpdateRightsRequest(who, id, u);
  }
  StatusOr<RightsRequest> Extend(const std::string& id, uint32_t months, const std::string& reason) {
    return Update(id, RightsUpdate::Action::kExtend, months, reason);
  }
  StatusOr<RightsRequest> Complete(const std::string& id, const Caller& who = Dpo()) {
    return Update(id, RightsUpdate::Action::kComplete, 0, "", "", who);
  }
  StatusOr<RightsRequest> Refuse(const std::string& id, const std::string& reason) {
    return Update(id, RightsUpdate::Action::kRefuse, 0, reason);
  }
  StatusOr<RightsRequest> Lift(const std::string& id, const std::string& reason) {
    return Update(id, RightsUpdate::Action::kLift, 0, reason);
  }
  StatusOr<RightsRequest> Decide(const std::string& id, const std::string& decision,
                                 const std::string& reason = "") {
    return Update(id, RightsUpdate::Action::kDecide, 0, reason, decision);
  }
  RightsRequest Get(const std::string& id, const Caller& who = Dpo()) {
    auto r = vault_->GetRightsRequest(who, id);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : RightsRequest{};
  }
  std::vector<std::string> Listed(RightsListing which, const Caller& who = Dpo()) {
    std::vector<std::string> ids;
    auto list = vault_->ListRightsRequests(who, which);
    EXPECT_TRUE(list.ok()) << list.status().ToString();
    if (list.ok()) {
      for (const RightsRequest& r : *list) ids.push_back(r.id);
    }
    return ids;
  }
  StatusOr<SubjectRestrictionAnswer> Restrict(const SubjectAccessQuery& q,
                                              RightsKind kind = RightsKind::kRestriction,
                                              const Caller& who = Dpo()) {
    return vault_->SubjectRestriction(who, q, kind);
  }
  static SubjectAccessQuery WithRequest(SubjectAccessQuery q, const std::string& request) {
    q.request = request;
    return q;
  }
  std::string ReadReason(const Caller& who, const std::string& id) {
    auto t = vault_->GetTranscript(who, id);
    return t.ok() ? "ok" : t.status().reason();
  }
  std::string ClosedFor(const Visitor& v, const std::string& text,
                        const std::string& service = "helpline") {
    const std::string id = Open(service, v);
    Append(id, 1, text);
    EXPECT_TRUE(vault_->CloseTranscript(caller_, id).ok());
    return id;
  }
  static std::set<std::pair<std::string, std::string>> Touches(const RightsRequest& r) {
    std::set<std::pair<std::string, std::string>> out;
    for (const RightsTouch& t : r.touched) out.insert({t.id, t.outcome});
    return out;
  }
  static std::vector<std::string> Sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  }
  static std::string Objects0(const boost::json::object& p) {
    const auto& objects = p.at("objects").as_array();
    return objects.empty() ? "" : std::string(objects[0].as_string());
  }
  static std::string Outcome(const boost::json::object& p) {
    return std::string(p.at("outcome").as_string());
  }
  // Every access record's payload, one per line.
  std::string AllAuditText() {
    std::string out;
    auto records = vault_->audit_log()->Read(0, 100000);
    EXPECT_TRUE(records.ok());
    if (records.ok()) {
      for (const auto& r : *records) out += r.record.payload + "\n";
    }
    return out;
  }
  HistoryEntry HistoryEntryFor(const std::vector<HistoryEntry>& entries, const std::string& id) {
    for (const HistoryEntry& e : entries) {
      if (e.id == id) return e;
    }
    ADD_FAILURE() << id << " is not in the history";
    return HistoryEntry{};
  }
  std::vector<HistoryEntry> History(const std::string& id) {
    auto page = vault_->ListHistory(Agent("helpline"), id, HistoryQuery{});
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? page->entries : std::vector<HistoryEntry>{};
  }
};

}  // namespace vault::testing

#endif  // VAULT_TESTS_CORE_RIGHTS_FIXTURE_H_
