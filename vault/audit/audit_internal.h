// Private to vault/audit: what the log's writer (audit_log.cc) and its
// recovery (recovery.cc) both report.
#ifndef VAULT_AUDIT_AUDIT_INTERNAL_H_
#define VAULT_AUDIT_AUDIT_INTERNAL_H_

#include <cerrno>
#include <cstring>
#include <string>

#include "vault/status.h"

namespace vault::audit {

// Unavailable "audit_unavailable": `what` failed with the current errno.
inline Status ErrnoUnavailable(const std::string& what) {
  return Status::Unavailable(what + ": " + std::strerror(errno), "audit_unavailable");
}

}  // namespace vault::audit

#endif  // VAULT_AUDIT_AUDIT_INTERNAL_H_
