#include "vault/server/logging.h"

#include <spdlog/formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "vault/common/time_format.h"

namespace vault {

namespace json = boost::json;

namespace {

// Marks a payload that LogEvent already rendered as JSON members.
constexpr char kStructuredMarker = '\x1e';

void Append(spdlog::memory_buf_t& dest, std::string_view s) {
  dest.append(s.data(), s.data() + s.size());
}

class JsonLineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch());
    Append(dest, "{\"ts\":\"");
    Append(dest, FormatRfc3339(millis.count()));
    Append(dest, "\",\"level\":\"");
    const auto level = spdlog::level::to_string_view(msg.level);
    Append(dest, std::string_view(level.data(), level.size()));
    Append(dest, "\",");
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    if (!payload.empty() && payload.front() == kStructuredMarker) {
      Append(dest, payload.substr(1));
    } else {
      Append(dest, "\"event\":\"log\",\"message\":");
      Append(dest, json::serialize(json::string_view(payload.data(), payload.size())));
    }
    Append(dest, "}\n");
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonLineFormatter>();
  }
};

}  // namespace

void InitJsonLogging(spdlog::level::level_enum level) {
  auto logger =
      std::make_shared<spdlog::logger>("vault", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_formatter(std::make_unique<JsonLineFormatter>());
  logger->set_level(level);
  logger->flush_on(spdlog::level::trace);  // one line per event, never buffered
  spdlog::set_default_logger(std::move(logger));
}

bool LogEnabled(spdlog::level::level_enum level) {
  return spdlog::default_logger_raw()->should_log(level);
}

void LogEventMembers(spdlog::level::level_enum level, std::string_view event,
                     std::string_view members) {
  spdlog::logger* logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  std::string line(1, kStructuredMarker);
  line += "\"event\":";
  line += json::serialize(json::string_view(event.data(), event.size()));
  line += members;
  logger->log(level, spdlog::string_view_t(line.data(), line.size()));
}

void LogEvent(spdlog::level::level_enum level, std::string_view event, const json::object& fields) {
  if (!LogEnabled(level)) return;
  std::string members;
  for (const auto& field : fields) {
    members += ',';
    members += json::serialize(field.key());
    members += ':';
    members += json::serialize(field.value());
  }
  LogEventMembers(level, event, members);
}

}  // namespace vault
