// Small pieces shared by the files that implement VaultImpl: the caller of
// the vault's own jobs. Internal to vault/core and its benchmarks. (Keys,
// markers and the answer for an unknown transcript: vault/storage/schema.h.)
#ifndef VAULT_CORE_VAULT_INTERNAL_H_
#define VAULT_CORE_VAULT_INTERNAL_H_

#include <unistd.h>

#include <string>
#include <string_view>
#include <vector>

#include "vault/access.h"
#include "vault/clock.h"
#include "vault/common/encoding.h"
#include "vault/status.h"
#include "vault/common/outcome.h"
#include "vault/storage/schema.h"

namespace vault {

class WriteBatch;
struct StatisticsOptions;
namespace stats {
struct ClosedChat;
}  // namespace stats

// A caller whose grants do not cover the transcript's service.
inline Status MayNotRead() {
  return Status::PermissionDenied("this caller may not read transcripts of this service",
                                  "service_forbidden");
}

// A caller that may not write transcripts of the service (or none).
inline Status MayNotWrite() {
  return Status::PermissionDenied("this caller may not write transcripts of this service",
                                  "service_forbidden");
}

// A transcript restricted at its visitor's request (docs/data-protection.md):
// no agent or chat server reads it, nor lists it with anything from inside it.
inline Status Restricted() {
  return Status::FailedPrecondition(
      "this transcript is restricted at the visitor's request; only the data-protection lead "
      "may see it", "restricted");
}

// A service name: 1 to 64 of letters, digits, '.', '_' and '-'.
inline Status ValidateService(std::string_view s) {
  constexpr size_t kMaxServiceBytes = 64;
  if (s.empty() || s.size() > kMaxServiceBytes) {
    return Status::InvalidArgument("service must be 1 to 64 characters", "invalid_service");
  }
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) {
      return Status::InvalidArgument("service may contain only letters, digits, '.', '_' and '-'",
                                     "invalid_service");
    }
  }
  return Status::OK();
}

// The services a dpo's request covers: those named, each one the caller
// answers for (PermissionDenied "service_forbidden" otherwise;
// InvalidArgument "invalid_service" for a bad name or more than 64), or
// else every service the caller answers for (subject_access.cc).
StatusOr<ServiceScope> DpoScopeOf(const Caller& caller, const std::vector<std::string>& services);

// Adds to `batch` what a closed chat adds to its service's counts of `day`
// (stats::ForEachChatCell), each key built in one buffer after the day's
// prefix (statistics.cc; benchmarks/stats_bench.cc).
void StageChatCells(std::string_view service, int32_t day, const StatisticsOptions& options,
                    const stats::ClosedChat& chat, WriteBatch* batch);

// The identifier kinds searched, as an audit record gives them: "ref,email".
std::string JoinKinds(const std::vector<std::string>& kinds);

// The caller of the vault's own jobs (retention, idle close): audited as
// "system".
inline Caller RetentionCaller() {
  Caller caller;
  caller.uid = static_cast<uint32_t>(getuid());
  caller.gid = static_cast<uint32_t>(getgid());
  caller.pid = static_cast<int32_t>(getpid());
  caller.system = true;
  caller.request_id = "retention";
  return caller;
}

}  // namespace vault

#endif  // VAULT_CORE_VAULT_INTERNAL_H_
