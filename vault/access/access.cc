#include "vault/access.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <vector>

namespace vault {

namespace {

constexpr size_t kMaxServiceName = 64;

bool IsServiceName(std::string_view s) {
  if (s.empty() || s.size() > kMaxServiceName) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
  });
}

std::optional<uint32_t> ParseId(std::string_view s) {
  uint32_t value = 0;
  if (s.empty() || s.size() > 10) return std::nullopt;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// getpwnam_r / getgrnam_r, growing the buffer on ERANGE.
std::optional<uint32_t> LookUpUser(const std::string& name) {
  std::vector<char> buffer(4096);
  for (int attempt = 0; attempt < 6; ++attempt) {
    passwd entry;
    passwd* result = nullptr;
    const int rc = getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &result);
    if (rc == ERANGE) {
      buffer.resize(buffer.size() * 4);
      continue;
    }
    if (rc != 0 || result == nullptr) return std::nullopt;
    return static_cast<uint32_t>(result->pw_uid);
  }
  return std::nullopt;
}

std::optional<uint32_t> LookUpGroup(const std::string& name) {
  std::vector<char> buffer(4096);
  for (int attempt = 0; attempt < 6; ++attempt) {
    group entry;
    group* result = nullptr;
    const int rc = getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &result);
    if (rc == ERANGE) {
      buffer.resize(buffer.size() * 4);
      continue;
    }
    if (rc != 0 || result == nullptr) return std::nullopt;
    return static_cast<uint32_t>(result->gr_gid);
  }
  return std::nullopt;
}

}  // namespace

const char* RoleName(Role role) {
  switch (role) {
    case Role::kWriter:
      return "writer";
    case Role::kAgent:
      return "agent";
    case Role::kOfficer:
      return "officer";
    case Role::kAuditor:
      return "auditor";
    case Role::kAdmin:
      return "admin";
    case Role::kDpo:
      return "dpo";
    case Role::kAnalyst:
      return "analyst";
  }
  return "unknown";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (Role role : kAllRoles) {
    if (name == RoleName(role)) return role;
  }
  return std::nullopt;
}

RoleSet RoleSet::All() {
  RoleSet set;
  for (Role role : kAllRoles) set.Add(role);
  return set;
}

std::string RoleSet::ToString() const {
  std::string out;
  for (Role role : kAllRoles) {
    if (!Has(role)) continue;
    if (!out.empty()) out += ',';
    out += RoleName(role);
  }
  return out;
}

bool ServiceScope::Covers(std::string_view service) const {
  return all || services.count(std::string(service)) != 0;
}

void ServiceScope::Merge(const ServiceScope& other) {
  all = all || other.all;
  if (all) {
    services.clear();
  } else {
    services.insert(other.services.begin(), other.services.end());
  }
}

Caller Caller::Trusted(std::string request_id) {
  Caller caller;
  caller.uid = static_cast<uint32_t>(getuid());
  caller.gid = static_cast<uint32_t>(getgid());
  caller.pid = static_cast<int32_t>(getpid());
  caller.roles = RoleSet::All();
  caller.write_scope = ServiceScope::Everything();
  caller.read_scope = ServiceScope::Everything();
  caller.dpo_scope = ServiceScope::Everything();
  caller.stats_scope = ServiceScope::Everything();
  caller.request_id = std::move(request_id);
  return caller;
}

NameResolver NameResolver::System() { return NameResolver{LookUpUser, LookUpGroup}; }

StatusOr<Grant> AccessPolicy::ParseGrant(Role role, std::string_view spec,
                                         const NameResolver& resolver) {
  const std::string quoted = "access." + std::string(RoleName(role)) + " = \"" +
                             std::string(spec.substr(0, 200)) + "\"";
  auto invalid = [&](const std::string& why) {
    return Status::InvalidArgument(quoted + ": " + why, "invalid_grant");
  };
  if (spec.size() > 4096) return invalid("too long");
  std::string_view rest = TrimSpaces(spec);
  const size_t space = rest.find_first_of(" \t");
  const std::string_view principal = rest.substr(0, space);
  const std::string_view options =
      space == std::string_view::npos ? std::string_view() : TrimSpaces(rest.substr(space));

  Grant grant;
  grant.role = role;
  grant.spec = std::string(TrimSpaces(spec));
  const size_t colon = principal.find(':');
  if (colon == std::string_view::npos) {
    return invalid("expected user:NAME, user:UID, group:NAME or group:GID");
  }
  const std::string_view kind = principal.substr(0, colon);
  const std::string name(principal.substr(colon + 1));
  if (name.empty()) return invalid("the user or group name is empty");
  std::optional<uint32_t> id = ParseId(name);
  if (kind == "user") {
    grant.principal = Grant::Principal::kUser;
    if (!id) id = resolver.user ? resolver.user(name) : std::nullopt;
    if (!id) return invalid("no such user '" + name + "'");
  } else if (kind == "group") {
    grant.principal = Grant::Principal::kGroup;
    if (!id) id = resolver.group ? resolver.group(name) : std::nullopt;
    if (!id) return invalid("no such group '" + name + "'");
  } else {
    return invalid("expected user:... or group:..., not '" + std::string(kind) + ":'");
  }
  grant.id = *id;

  if (!options.empty()) {
    constexpr std::string_view kServices = "services=";
    if (options.substr(0, kServices.size()) != kServices ||
        options.find_first_of(" \t") != std::string_view::npos) {
      return invalid("the only option is services=a,b,c");
    }
    if (role != Role::kWriter && role != Role::kAgent && role != Role::kDpo &&
        role != Role::kAnalyst) {
      return invalid("services= applies only to writer, agent, dpo and analyst grants");
    }
    grant.scope = ServiceScope();
    std::string_view list = options.substr(kServices.size());
    while (true) {
      const size_t comma = list.find(',');
      const std::string_view service = list.substr(0, comma);
      if (!IsServiceName(service)) {
        return invalid("'" + std::string(service.substr(0, 80)) + "' is not a service name");
      }
      grant.scope.services.insert(std::string(service));
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  return grant;
}

AccessPolicy AccessPolicy::OwnerOnly(uint32_t uid) {
  AccessPolicy policy;
  for (Role role : kAllRoles) {
    Grant grant;
    grant.principal = Grant::Principal::kUser;
    grant.id = uid;
    grant.role = role;
    grant.spec = "user:" + std::to_string(uid);
    policy.Add(std::move(grant));
  }
  return policy;
}

Caller AccessPolicy::Resolve(uint32_t uid, uint32_t gid,
                             const std::vector<uint32_t>& groups) const {
  Caller caller;
  caller.uid = uid;
  caller.gid = gid;
  for (const Grant& grant : grants_) {
    bool matches = false;
    if (grant.principal == Grant::Principal::kUser) {
      matches = grant.id == uid;
    } else {
      matches = grant.id == gid ||
                std::find(groups.begin(), groups.end(), grant.id) != groups.end();
    }
    if (!matches) continue;
    caller.roles.Add(grant.role);
    if (grant.role == Role::kWriter) {
      caller.write_scope.Merge(grant.scope);
      caller.read_scope.Merge(grant.scope);
    } else if (grant.role == Role::kAgent) {
      caller.read_scope.Merge(grant.scope);
    } else if (grant.role == Role::kDpo) {
      caller.dpo_scope.Merge(grant.scope);
    } else if (grant.role == Role::kAnalyst) {
      caller.stats_scope.Merge(grant.scope);
    }
  }
  return caller;
}

}  // namespace vault
