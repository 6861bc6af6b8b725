#include "vault/server/access_log.h"

#include <boost/json.hpp>

#include "vault/server/logging.h"

namespace vault {

void LogAccess(const AccessRecord& record) {
  auto sv = [](std::string_view s) { return boost::json::string_view(s.data(), s.size()); };
  boost::json::object fields;
  fields["request_id"] = sv(record.request_id);
  fields["method"] = sv(record.method);
  fields["route"] = sv(record.route);
  fields["status"] = record.status;
  fields["latency_us"] = record.latency_us;
  fields["uid"] = record.uid;
  const auto level = record.status >= 500 ? spdlog::level::warn : spdlog::level::info;
  LogEvent(level, "request", fields);
}

}  // namespace vault
