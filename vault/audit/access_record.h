// An access record's payload as the offline readers of a verified log see
// it (life.h, key_life.h): strings only, in the dialect of json_strict.h;
// and a walk over such a log's records.
//
// Thread safety: a value type and stateless functions.
#ifndef VAULT_AUDIT_ACCESS_RECORD_H_
#define VAULT_AUDIT_ACCESS_RECORD_H_

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vault/audit/record.h"
#include "vault/status.h"

namespace vault::audit {

struct AccessRecord {
  std::string uid, role, officer, action, outcome;
  std::vector<std::string> objects;
  std::vector<std::pair<std::string, std::string>> details;

  // The detail's value, or "" if absent.
  std::string Detail(std::string_view name) const {
    for (const auto& [k, v] : details) {
      if (k == name) return v;
    }
    return "";
  }
};

// False if `payload` is not a well-formed access payload (which cannot occur
// in a verified log).
bool ReadAccessRecord(std::string_view payload, AccessRecord* out);

// Calls `fn` for records [0, records) of the log in `dir`, in order; the
// caller verifies them first (VerifyDirectory). Corruption if a segment does
// not decode.
Status ForEachRecord(const std::string& dir, uint64_t records,
                     const std::function<void(const Record&)>& fn);

}  // namespace vault::audit

#endif  // VAULT_AUDIT_ACCESS_RECORD_H_
