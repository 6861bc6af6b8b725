// Access: who is calling, and what they may do.
//
// The vault has six roles:
//   writer   chat servers: open transcripts, append messages, close them, and
//            read back transcripts of their own services
//   agent    helpline staff: read transcripts (of the services they serve)
//   officer  safeguarding officers: legal holds and unseal requests
//   auditor  read the audit log and its checkpoints
//   admin    operate the vault (metrics, erasure, officer enrolment); an
//            admin cannot read transcripts
//   dpo      the data-protection lead: answers visitors' requests (subject
//            access) for the services granted
//   analyst  prepares reports for funders: reads the anonymous statistics
//            of the services granted (admins and auditors read them too)
//
// vaultd maps the Unix credentials of each connection (SO_PEERCRED uid and
// gid, SO_PEERGROUPS supplementary groups) to roles through grants in its
// configuration:
//
//   [access]
//   writer  = user:chat-server services=webchat,sms
//   agent   = group:helpline-agents
//   auditor = user:1002
//
// A grant names a user or a group (by name or number) and, for writer, agent,
// dpo and analyst, optionally the services it covers (default: every service). A caller
// holds the union of the grants that match it; a caller no grant matches has
// no role and is refused everything.
#ifndef VAULT_ACCESS_H_
#define VAULT_ACCESS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "vault/status.h"

namespace vault {

enum class Role : uint8_t { kWriter = 0, kAgent, kOfficer, kAuditor, kAdmin, kDpo, kAnalyst };
inline constexpr Role kAllRoles[] = {Role::kWriter, Role::kAgent, Role::kOfficer, Role::kAuditor,
                                     Role::kAdmin,  Role::kDpo,   Role::kAnalyst};

const char* RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

class RoleSet {
 public:
  RoleSet() = default;
  static RoleSet All();
  void Add(Role role) { bits_ |= Bit(role); }
  bool Has(Role role) const { return (bits_ & Bit(role)) != 0; }
  bool empty() const { return bits_ == 0; }
  // "writer,agent" in role order; "" when empty.
  std::string ToString() const;
  bool operator==(const RoleSet&) const = default;

 private:
  static uint8_t Bit(Role role) { return static_cast<uint8_t>(1u << static_cast<unsigned>(role)); }
  uint8_t bits_ = 0;
};

// The services a grant covers: every service, or the listed ones.
struct ServiceScope {
  bool all = false;
  std::set<std::string> services;

  static ServiceScope Everything() { return ServiceScope{true, {}}; }
  bool Covers(std::string_view service) const;
  bool empty() const { return !all && services.empty(); }
  void Merge(const ServiceScope& other);
};

// The identity and rights of the caller of one request.
struct Caller {
  uint32_t uid = 0;
  uint32_t gid = 0;
  int32_t pid = 0;
  RoleSet roles;
  ServiceScope write_scope;  // services the caller may write (writer grants)
  ServiceScope read_scope;   // services the caller may read (writer and agent grants)
  ServiceScope dpo_scope;    // services whose visitors' requests the caller answers (dpo grants)
  ServiceScope stats_scope;  // services whose statistics the caller reads (analyst grants)
  std::string request_id;    // for logs and audit records
  bool system = false;       // the vault itself (retention jobs), audited as "system"

  bool Has(Role role) const { return roles.Has(role); }
  bool MayWrite(std::string_view service) const {
    return Has(Role::kWriter) && write_scope.Covers(service);
  }
  bool MayRead(std::string_view service) const {
    return (Has(Role::kWriter) || Has(Role::kAgent)) && read_scope.Covers(service);
  }

  bool MayAnswerFor(std::string_view service) const {
    return Has(Role::kDpo) && dpo_scope.Covers(service);
  }
  // Statistics: admins and auditors of every service, analysts of theirs.
  bool MayReadStatistics(std::string_view service) const {
    return Has(Role::kAdmin) || Has(Role::kAuditor) ||
           (Has(Role::kAnalyst) && stats_scope.Covers(service));
  }

  // A caller with every role over every service: in-process tools and tests.
  static Caller Trusted(std::string request_id = "internal");
};

struct Grant {
  enum class Principal { kUser, kGroup };
  Principal principal = Principal::kUser;
  uint32_t id = 0;
  Role role = Role::kWriter;
  ServiceScope scope = ServiceScope::Everything();
  std::string spec;  // as configured, for messages
};

// Looks up user and group names (getpwnam_r/getgrnam_r by default).
struct NameResolver {
  std::function<std::optional<uint32_t>(const std::string&)> user;
  std::function<std::optional<uint32_t>(const std::string&)> group;
  static NameResolver System();
};

class AccessPolicy {
 public:
  AccessPolicy() = default;

  // Parses "user:NAME|UID" or "group:NAME|GID", optionally followed by
  // " services=a,b,c". InvalidArgument naming the spec on any error (unknown
  // user or group, a services list on a role it does not apply to, ...).
  static StatusOr<Grant> ParseGrant(Role role, std::string_view spec,
                                    const NameResolver& resolver);
  // Every role over every service to one uid: the embedded default, where
  // the user who runs vaultd is the only one who may call it.
  static AccessPolicy OwnerOnly(uint32_t uid);

  void Add(Grant grant) { grants_.push_back(std::move(grant)); }
  bool empty() const { return grants_.empty(); }
  const std::vector<Grant>& grants() const { return grants_; }

  // The caller with these credentials; no roles if no grant matches.
  Caller Resolve(uint32_t uid, uint32_t gid, const std::vector<uint32_t>& groups) const;

 private:
  std::vector<Grant> grants_;
};

}  // namespace vault

#endif  // VAULT_ACCESS_H_
