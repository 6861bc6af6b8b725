#include "vault/audit/report.h"

#include <boost/json.hpp>

#include "vault/common/time_format.h"

namespace vault::audit {
namespace {

namespace json = boost::json;

// "9 records (0..8)", "1 record (0)", "no record".
std::string Range(uint64_t n) {
  if (n == 0) return "no record";
  if (n == 1) return "1 record (0)";
  return std::to_string(n) + " records (0.." + std::to_string(n - 1) + ")";
}

}  // namespace

uint64_t UnsealedRecords(const VerifyReport& r) {
  if (r.checkpoints == 0) return r.records;
  return r.records - r.sealed - 1;  // minus the checkpoint record itself
}

std::string ReportText(const VerifyReport& r) {
  std::string out;
  if (!r.ok) {
    out = "FAILED (" + r.error_code + "): " + r.error + "\n";
    if (r.records > 0) out += "  " + Range(r.records) + " verified before the failure\n";
    return out;
  }
  out = "OK: " + r.origin + "\n";
  out += "  " + Range(r.records) + " verified in " + std::to_string(r.segments) + " segment(s), " +
         FormatRfc3339(r.first_time) + " to " + FormatRfc3339(r.last_time) + "\n";
  if (r.checkpoints == 0) {
    out += "  0 checkpoints: no record is sealed\n";
  } else {
    out +=
        "  " + std::to_string(r.checkpoints) + " checkpoint(s); the last, record " +
        std::to_string(r.sealed) + " at " + FormatRfc3339(r.last_checkpoint_time) + ", seals " +
        (r.sealed == 0 ? std::string("no record") : "records 0.." + std::to_string(r.sealed - 1)) +
        "\n";
  }
  out += "  " + std::to_string(UnsealedRecords(r)) +
         (r.checkpoints == 0 ? " record(s) not sealed by any checkpoint\n"
                             : " record(s) after the last checkpoint\n");
  out += "  " + std::to_string(r.restarts) + " start(s), " + std::to_string(r.recoveries) +
         " crash recovery(ies)\n";
  if (r.kept_checkpoints > 0) {
    out += "  " + std::to_string(r.kept_checkpoints) + " kept checkpoint(s) consistent\n";
  }
  return out;
}

std::string ReportJson(const VerifyReport& r) {
  json::object j;
  j["ok"] = r.ok;
  j["origin"] = r.origin;
  j["records"] = r.records;
  j["checkpoints"] = r.checkpoints;
  j["sealed"] = r.sealed;
  j["unsealed"] = UnsealedRecords(r);
  j["segments"] = r.segments;
  j["restarts"] = r.restarts;
  j["recoveries"] = r.recoveries;
  j["kept_checkpoints"] = r.kept_checkpoints;
  auto time_or_null = [](bool present, UnixMillis t) {
    return present ? json::value(FormatRfc3339(t)) : json::value(nullptr);
  };
  j["first_time"] = time_or_null(r.records > 0, r.first_time);
  j["last_time"] = time_or_null(r.records > 0, r.last_time);
  j["last_checkpoint_time"] = time_or_null(r.checkpoints > 0, r.last_checkpoint_time);
  if (!r.ok) {
    j["error_code"] = r.error_code;
    j["error"] = r.error;
    j["bad_seq"] = r.bad_seq;
    j["bad_segment"] = r.bad_segment;
    j["bad_offset"] = r.bad_offset;
  }
  return json::serialize(j);
}

}  // namespace vault::audit
