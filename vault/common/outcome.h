// OutcomeOf: how a failed call is named in an audit record or a log line:
// the status's stable reason code, never its message (which may quote
// input, and so visitor data).
//
// Thread safety: a pure function.
#ifndef VAULT_COMMON_OUTCOME_H_
#define VAULT_COMMON_OUTCOME_H_

#include <string>

#include "vault/status.h"

namespace vault {

// The outcome of a failed call as an audit record states it: the stable
// reason code, never the message (which may quote input).
inline std::string OutcomeOf(const Status& status) {
  if (!status.reason().empty()) return status.reason();
  switch (status.code()) {
    case Status::Code::kCorruption:
      return "corruption";
    case Status::Code::kIOError:
      return "io_error";
    case Status::Code::kNotFound:
      return "not_found";
    default:
      return "error";
  }
}

}  // namespace vault

#endif  // VAULT_COMMON_OUTCOME_H_
