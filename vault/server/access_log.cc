#include "vault/server/access_log.h"

#include <string>

#include "vault/server/logging.h"
#include "vault/wire/json_text.h"

namespace vault {

std::string AccessLogMembers(const AccessRecord& record) {
  // Written directly (wire::AppendJsonString escapes as boost::json does):
  // this is written for every request.
  std::string out;
  out.reserve(96 + record.request_id.size() + record.route.size());
  out += ",\"request_id\":";
  wire::AppendJsonString(&out, record.request_id);
  out += ",\"method\":";
  wire::AppendJsonString(&out, record.method);
  out += ",\"route\":";
  wire::AppendJsonString(&out, record.route);
  out += ",\"status\":";
  out += std::to_string(record.status);
  out += ",\"latency_us\":";
  out += std::to_string(record.latency_us);
  out += ",\"uid\":";
  out += std::to_string(record.uid);
  return out;
}

void LogAccess(const AccessRecord& record) {
  const auto level = record.status >= 500 ? spdlog::level::warn : spdlog::level::info;
  if (!LogEnabled(level)) return;
  LogEventMembers(level, "request", AccessLogMembers(record));
}

}  // namespace vault
