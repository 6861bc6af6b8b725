// JSON-lines logging: one JSON object per line on stderr, through spdlog.
//
// InitJsonLogging() replaces spdlog's default logger with one whose formatter
// writes {"ts": RFC 3339 UTC, "level": ..., "event": ..., <fields>}. Plain
// spdlog::info("text") calls from anywhere still come out as valid JSON
// ({"event": "log", "message": "text"}).
//
// Redaction is the caller's duty: fields must never carry transcript text,
// visitor data, request bodies, raw request paths or key bytes.
//
// Thread safety: LogEvent may be called from any thread (spdlog's _mt sink).
// InitJsonLogging should be called once, before other threads log.
#ifndef VAULT_SERVER_LOGGING_H_
#define VAULT_SERVER_LOGGING_H_

#include <spdlog/common.h>

#include <boost/json/object.hpp>
#include <string_view>

namespace vault {

void InitJsonLogging(spdlog::level::level_enum level = spdlog::level::info);

// Writes {"ts", "level", "event": event, ...fields} if `level` is enabled.
void LogEvent(spdlog::level::level_enum level, std::string_view event,
              const boost::json::object& fields = {});

// Whether events of `level` are written.
bool LogEnabled(spdlog::level::level_enum level);

// Like LogEvent, with the fields already written as JSON object members,
// each with its leading comma (",\"status\":200,..."): for a line written
// on every request, without building a boost::json object (access_log.h).
void LogEventMembers(spdlog::level::level_enum level, std::string_view event,
                     std::string_view members);

}  // namespace vault

#endif  // VAULT_SERVER_LOGGING_H_
