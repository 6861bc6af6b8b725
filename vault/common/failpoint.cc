#include "vault/common/failpoint.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace vault {

void Failpoint(std::string_view name) {
  static const std::string armed = [] {
    const char* value = std::getenv("VAULT_FAILPOINT");
    return std::string(value != nullptr ? value : "");
  }();
  if (!armed.empty() && armed == name) kill(getpid(), SIGKILL);
}

}  // namespace vault
