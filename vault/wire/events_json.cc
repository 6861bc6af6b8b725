#include "vault/wire/events_json.h"

#include <boost/json.hpp>
#include <charconv>
#include <cstdint>
#include <limits>

#include "vault/common/time_format.h"

namespace vault {

namespace json = boost::json;

namespace {

bool ParseNumber(std::string_view text, uint64_t* out) {
  if (text.empty() || text.size() > 20) return false;
  if (text.size() > 1 && text[0] == '0') return false;  // exactly as sent: no leading zero
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::string SseMessage(const std::string& id, std::string_view type, const json::object& data) {
  std::string out;
  out.reserve(64 + id.size() + type.size());
  out.append("id: ").append(id).append("\nevent: ").append(type).append("\ndata: ");
  out.append(json::serialize(data));  // one line: JSON text escapes every newline
  out.append("\n\n");
  return out;
}

int64_t FactNumber(const VaultEvent& event, std::string_view name) {
  for (const auto& [key, value] : event.facts) {
    if (key != name) continue;
    uint64_t n = 0;
    if (ParseNumber(value, &n) && n <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return static_cast<int64_t>(n);
    }
  }
  return 0;
}

std::string_view FactText(const VaultEvent& event, std::string_view name) {
  for (const auto& [key, value] : event.facts) {
    if (key == name) return value;
  }
  return "";
}

}  // namespace

std::optional<EventPosition> ParseEventId(std::string_view text) {
  if (text.size() > kMaxEventIdBytes) return std::nullopt;
  const size_t dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  uint64_t origin = 0;
  uint64_t seq = 0;
  if (!ParseNumber(text.substr(0, dash), &origin) || !ParseNumber(text.substr(dash + 1), &seq)) {
    return std::nullopt;
  }
  if (origin == 0 || origin > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return std::nullopt;
  }
  return EventPosition{static_cast<UnixMillis>(origin), seq};
}

std::string EncodeEventMessage(UnixMillis origin, const VaultEvent& event) {
  const std::string id = FormatEventId({origin, event.seq});
  const std::string_view type = EventTypeName(event.type);
  json::object data;
  data["id"] = id;
  data["type"] = type;
  data["at"] = FormatRfc3339(event.at);
  switch (event.type) {
    case EventType::kIdleClosed:
    case EventType::kExpired:
    case EventType::kErased:
    case EventType::kHeld:
      data["transcript"] = event.transcript;
      data["service"] = event.service;
      break;
    case EventType::kRetentionRun:
      data["outcome"] = FactText(event, "outcome");
      data["shredded"] = FactNumber(event, "shredded");
      break;
    case EventType::kRefusal:
      data["uid"] = FactNumber(event, "uid");
      data["role"] = FactText(event, "role");
      data["action"] = FactText(event, "action");
      data["outcome"] = FactText(event, "outcome");
      data["record"] = FactNumber(event, "record");
      break;
  }
  return SseMessage(id, type, data);
}

std::string EncodeResetMessage(UnixMillis origin, uint64_t seq, std::string_view reason,
                               UnixMillis at) {
  const std::string id = FormatEventId({origin, seq});
  json::object data;
  data["id"] = id;
  data["type"] = "reset";
  data["at"] = FormatRfc3339(at);
  data["reason"] = reason;
  return SseMessage(id, "reset", data);
}

}  // namespace vault
