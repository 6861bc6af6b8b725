// Access policy parsing and resolution, service scopes enforced by the vault,
// and the data-directory guards (lock file, permissions).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/core/vault_fixture.h"
#include "vault/access.h"

namespace vault::testing {
namespace {

NameResolver FakeNames() {
  return NameResolver{
      [](const std::string& name) -> std::optional<uint32_t> {
        if (name == "chat") return 2001;
        return std::nullopt;
      },
      [](const std::string& name) -> std::optional<uint32_t> {
        if (name == "agents") return 3001;
        return std::nullopt;
      }};
}

TEST(AccessPolicyTest, ParsesUsersGroupsNumbersAndServices) {
  auto g = AccessPolicy::ParseGrant(Role::kWriter, " user:chat services=webchat,sms ", FakeNames());
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(g->principal, Grant::Principal::kUser);
  EXPECT_EQ(g->id, 2001u);
  EXPECT_FALSE(g->scope.all);
  EXPECT_EQ(g->scope.services, (std::set<std::string>{"webchat", "sms"}));

  auto n = AccessPolicy::ParseGrant(Role::kAuditor, "user:1002", FakeNames());
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->id, 1002u);
  EXPECT_TRUE(n->scope.all);

  auto grp = AccessPolicy::ParseGrant(Role::kAgent, "group:agents", FakeNames());
  ASSERT_TRUE(grp.ok());
  EXPECT_EQ(grp->principal, Grant::Principal::kGroup);
  EXPECT_EQ(grp->id, 3001u);
}

TEST(AccessPolicyTest, RejectsBadGrantsNamingThem) {
  const char* bad[] = {"chat",       "user:",          "host:chat",
                       "user:nobody-such", "group:nope", "user:chat services=",
                       "user:chat services=a,,b", "user:chat services=a b", "user:chat color=red",
                       "user:99999999999"};
  for (const char* spec : bad) {
    auto g = AccessPolicy::ParseGrant(Role::kWriter, spec, FakeNames());
    ASSERT_FALSE(g.ok()) << spec;
    EXPECT_EQ(g.status().reason(), "invalid_grant") << spec;
    EXPECT_NE(g.status().message().find("access.writer"), std::string::npos) << spec;
  }
  // Service scopes apply to writer and agent grants only.
  auto officer = AccessPolicy::ParseGrant(Role::kOfficer, "user:chat services=a", FakeNames());
  EXPECT_FALSE(officer.ok());
}

TEST(AccessPolicyTest, ResolveUnitesMatchingGrantsOnly) {
  AccessPolicy policy;
  policy.Add(*AccessPolicy::ParseGrant(Role::kWriter, "user:2001 services=a", FakeNames()));
  policy.Add(*AccessPolicy::ParseGrant(Role::kWriter, "group:4000 services=b", FakeNames()));
  policy.Add(*AccessPolicy::ParseGrant(Role::kAgent, "group:agents services=c", FakeNames()));
  policy.Add(*AccessPolicy::ParseGrant(Role::kAuditor, "user:1002", FakeNames()));

  const Caller writer = policy.Resolve(2001, 100, {4000});
  EXPECT_EQ(writer.roles.ToString(), "writer");
  EXPECT_TRUE(writer.MayWrite("a"));
  EXPECT_TRUE(writer.MayWrite("b"));  // through a supplementary group
  EXPECT_FALSE(writer.MayWrite("c"));
  EXPECT_TRUE(writer.MayRead("a"));
  EXPECT_FALSE(writer.MayRead("c"));

  const Caller agent = policy.Resolve(5000, 3001, {});  // primary group
  EXPECT_EQ(agent.roles.ToString(), "agent");
  EXPECT_TRUE(agent.MayRead("c"));
  EXPECT_FALSE(agent.MayRead("a"));
  EXPECT_FALSE(agent.MayWrite("c"));

  const Caller stranger = policy.Resolve(7777, 7777, {1, 2, 3});
  EXPECT_TRUE(stranger.roles.empty());
  EXPECT_FALSE(stranger.MayRead("a"));

  const Caller owner = AccessPolicy::OwnerOnly(42).Resolve(42, 42, {});
  EXPECT_EQ(owner.roles, RoleSet::All());
  EXPECT_TRUE(owner.MayWrite("anything"));
}

class ServiceScopeTest : public VaultFixture {
 protected:
  static Caller Scoped(Role role, std::set<std::string> services) {
    AccessPolicy policy;
    Grant grant;
    grant.id = 9;
    grant.role = role;
    grant.scope = ServiceScope{false, std::move(services)};
    policy.Add(grant);
    return policy.Resolve(9, 9, {});
  }
};

TEST_F(ServiceScopeTest, WritersTouchOnlyTheirServicesAndAgentsOnlyRead) {
  const std::string id = Create();  // service "helpline"
  Append(id, 1, "hello");
  const Caller other_writer = Scoped(Role::kWriter, {"webchat"});
  const Caller own_writer = Scoped(Role::kWriter, {"helpline"});
  const Caller agent = Scoped(Role::kAgent, {"helpline"});
  const Caller other_agent = Scoped(Role::kAgent, {"webchat"});
  Caller auditor;
  auditor.roles.Add(Role::kAuditor);

  NewTranscript req;
  req.service = "helpline";
  EXPECT_EQ(vault_->CreateTranscript(other_writer, req).status().reason(), "service_forbidden");
  EXPECT_EQ(vault_->CreateTranscript(agent, req).status().code(),
            Status::Code::kPermissionDenied);
  EXPECT_EQ(vault_->AppendMessage(other_writer, id, Msg(2, "x")).status().reason(),
            "service_forbidden");
  EXPECT_EQ(vault_->AppendMessage(agent, id, Msg(2, "x")).status().code(),
            Status::Code::kPermissionDenied);
  EXPECT_EQ(vault_->CloseTranscript(other_writer, id).status().code(),
            Status::Code::kPermissionDenied);
  EXPECT_EQ(vault_->CloseTranscript(agent, id).status().code(), Status::Code::kPermissionDenied);
  EXPECT_EQ(vault_->GetTranscript(other_writer, id).status().code(),
            Status::Code::kPermissionDenied);
  EXPECT_EQ(vault_->GetTranscript(other_agent, id).status().code(),
            Status::Code::kPermissionDenied);
  EXPECT_EQ(vault_->GetTranscript(auditor, id).status().code(), Status::Code::kPermissionDenied);

  // Nothing changed.
  auto t = vault_->GetTranscript(agent, id);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->messages.size(), 1u);
  EXPECT_EQ(t->info.state, TranscriptState::kOpen);

  // The right callers succeed.
  EXPECT_TRUE(vault_->AppendMessage(own_writer, id, Msg(2, "y")).ok());
  EXPECT_TRUE(vault_->GetTranscript(own_writer, id).ok());
  EXPECT_TRUE(vault_->CloseTranscript(own_writer, id).ok());
  EXPECT_TRUE(vault_->CreateTranscript(own_writer, req).ok());
}

TEST_F(ServiceScopeTest, ASecondVaultOnTheSameDirectoryIsRefused) {
  Options o;
  o.data_dir = dir_.path() + "/data";
  o.epoch_ms = kEpoch;
  o.retention_ms = kRetention;
  auto second = VaultImpl::Open(o, &clock_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().reason(), "data_dir_locked");
  // Once the first closes, the lock is free.
  vault_.reset();
  auto third = VaultImpl::Open(o, &clock_);
  EXPECT_TRUE(third.ok()) << third.status().ToString();
}

TEST_F(ServiceScopeTest, ADataDirectoryWritableByOthersIsRefused) {
  vault_.reset();
  const std::string data = dir_.path() + "/data";
  ASSERT_EQ(chmod(data.c_str(), 0707), 0);
  Options o;
  o.data_dir = data;
  o.epoch_ms = kEpoch;
  o.retention_ms = kRetention;
  auto v = VaultImpl::Open(o, &clock_);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().reason(), "writable_by_others");
  EXPECT_NE(v.status().message().find("0707"), std::string::npos) << v.status().ToString();
  ASSERT_EQ(chmod(data.c_str(), 0700), 0);
  EXPECT_TRUE(VaultImpl::Open(o, &clock_).ok());
}

}  // namespace
}  // namespace vault::testing
