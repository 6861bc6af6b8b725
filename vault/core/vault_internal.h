// Small pieces shared by the files that implement VaultImpl: the caller of
// the vault's own jobs. Internal to vault/core. (Keys, markers and the
// answer for an unknown transcript: vault/storage/schema.h.)
#ifndef VAULT_CORE_VAULT_INTERNAL_H_
#define VAULT_CORE_VAULT_INTERNAL_H_

#include <unistd.h>

#include <string>
#include <string_view>

#include "vault/access.h"
#include "vault/clock.h"
#include "vault/common/encoding.h"
#include "vault/status.h"
#include "vault/common/outcome.h"
#include "vault/storage/schema.h"

namespace vault {

// A caller whose grants do not cover the transcript's service.
inline Status MayNotRead() {
  return Status::PermissionDenied("this caller may not read transcripts of this service",
                                  "service_forbidden");
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
