// HoldsFixture with the verbs the visitor-index tests share: open a
// transcript for a visitor, build a visitor from its identifiers, and an
// agent of one service.
#ifndef VAULT_TESTS_CORE_VISITOR_FIXTURE_H_
#define VAULT_TESTS_CORE_VISITOR_FIXTURE_H_

#include <optional>
#include <set>
#include <string>
#include <utility>

#include "tests/core/holds_fixture.h"

namespace vault::testing {

class VisitorFixture : public HoldsFixture {
 protected:
  // A new transcript of `service` for visitor `v`, opened by the trusted caller.
  std::string Open(const std::string& service, const Visitor& v) {
    NewTranscript req;
    req.service = service;
    req.visitor = v;
    auto c = vault_->CreateTranscript(caller_, req);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? c->id : "";
  }
  // A visitor with the given identifiers (null: absent).
  static Visitor V(const char* ref, const char* email = nullptr, const char* phone = nullptr,
                   const char* ip = nullptr) {
    Visitor v;
    if (ref) v.ref = ref;
    if (email) v.email = email;
    if (phone) v.phone = phone;
    if (ip) v.ip = ip;
    return v;
  }
  // A dpo (uid 1005) of `services`; empty: every service.
  static Caller Dpo(std::set<std::string> services = {}) {
    Caller c;
    c.uid = 1005;
    c.roles.Add(Role::kDpo);
    c.dpo_scope.all = services.empty();
    c.dpo_scope.services = std::move(services);
    c.request_id = "sar-1";
    return c;
  }
  // A subject access (or erasure) request for these identifiers.
  static SubjectAccessQuery Q(std::optional<std::string> ref, std::optional<std::string> email = {},
                              std::optional<std::string> phone = {},
                              std::optional<std::string> ip = {}) {
    SubjectAccessQuery q;
    q.ref = std::move(ref);
    q.email = std::move(email);
    q.phone = std::move(phone);
    q.ip = std::move(ip);
    return q;
  }
  // An agent (uid 1001) of `service` only.
  static Caller Agent(const std::string& service) {
    Caller c;
    c.uid = 1001;
    c.roles.Add(Role::kAgent);
    c.read_scope.services.insert(service);
    c.request_id = "agent";
    return c;
  }
};

}  // namespace vault::testing

#endif  // VAULT_TESTS_CORE_VISITOR_FIXTURE_H_
