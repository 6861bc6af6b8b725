#include "vaultd_statistics.h"

#include <charconv>
#include <string_view>
#include <vector>

namespace po = boost::program_options;

namespace vaultd {

namespace {

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return std::string(s);
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  while (true) {
    const size_t at = s.find(sep);
    out.push_back(Trim(s.substr(0, at)));
    if (at == std::string_view::npos) break;
    s.remove_prefix(at + 1);
  }
  return out;
}

bool ParseInt(const std::string& s, int64_t* out) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return !s.empty() && ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

po::options_description StatisticsFileOptions() {
  po::options_description options(
      "Statistics (section [statistics] of the config file; question may repeat)");
  auto text = [] { return po::value<std::string>(); };
  // clang-format off
  options.add_options()
      ("statistics.enabled", text(), "count closed chats and take monitoring forms: on or off "
                                     "(default on)")
      ("statistics.threshold", text(), "k: published counts below it are suppressed (default 10)")
      ("statistics.publish-delay", text(), "a period is published this long after it ends "
                                           "(default 1d)")
      ("statistics.utc-offset", text(), "days and hours are counted in this offset, e.g. +01:00 "
                                        "(default +00:00)")
      ("statistics.duration-bands", text(), "chat duration band bounds (default 5m,15m,30m,1h)")
      ("statistics.first-reply-bands", text(), "time to first agent reply band bounds "
                                               "(default 1m,5m,15m)")
      ("statistics.hour-bands", text(), "first hour of each hour-of-day band "
                                        "(default 0,6,9,12,15,18,21)")
      ("statistics.monitoring-window", text(), "how long after a chat closes its monitoring form "
                                               "is taken (default 1h)")
      ("statistics.question", po::value<std::vector<std::string>>()->composing(),
       "a monitoring question: ID | text | answer | answer ...");
  // clang-format on
  return options;
}

std::optional<std::string> BuildStatistics(const po::variables_map& vm,
                                           const std::function<std::string(const char*)>& describe,
                                           vault::StatisticsOptions* s) {
  auto get = [&](const char* name) -> std::optional<std::string> {
    if (vm.count(name) == 0) return std::nullopt;
    return vm[name].as<std::string>();
  };
  auto bad = [&](const char* name, const std::string& value, const std::string& expected) {
    return "invalid value '" + value + "' for " + describe(name) + ": expected " + expected;
  };
  if (auto v = get("statistics.enabled")) {
    if (*v != "on" && *v != "off") return bad("statistics.enabled", *v, "on or off");
    s->enabled = *v == "on";
  }
  if (auto v = get("statistics.threshold")) {
    if (!ParseInt(*v, &s->threshold)) return bad("statistics.threshold", *v, "an integer");
  }
  auto duration = [&](const char* name, int64_t* out) -> std::optional<std::string> {
    if (auto v = get(name)) {
      if (!vault::ParseDuration(*v, out)) return bad(name, *v, "a duration such as 1d or 30m");
    }
    return std::nullopt;
  };
  if (auto e = duration("statistics.publish-delay", &s->publish_delay_ms)) return e;
  if (auto e = duration("statistics.monitoring-window", &s->monitoring_window_ms)) return e;
  if (auto v = get("statistics.utc-offset")) {
    const std::string& t = *v;
    int64_t hours = 0, minutes = 0;
    if (t.size() != 6 || (t[0] != '+' && t[0] != '-') || t[3] != ':' ||
        !ParseInt(t.substr(1, 2), &hours) || !ParseInt(t.substr(4, 2), &minutes) ||
        minutes > 59) {
      return bad("statistics.utc-offset", t, "+HH:MM or -HH:MM");
    }
    s->utc_offset_minutes = static_cast<int32_t>((t[0] == '-' ? -1 : 1) * (hours * 60 + minutes));
  }
  auto bands = [&](const char* name, std::vector<int64_t>* out) -> std::optional<std::string> {
    if (auto v = get(name)) {
      out->clear();
      for (const std::string& part : Split(*v, ',')) {
        int64_t ms = 0;
        if (!vault::ParseDuration(part, &ms)) {
          return bad(name, *v, "durations separated by commas, such as 5m,15m,1h");
        }
        out->push_back(ms);
      }
    }
    return std::nullopt;
  };
  if (auto e = bands("statistics.duration-bands", &s->duration_bands_ms)) return e;
  if (auto e = bands("statistics.first-reply-bands", &s->first_reply_bands_ms)) return e;
  if (auto v = get("statistics.hour-bands")) {
    s->hour_bands.clear();
    for (const std::string& part : Split(*v, ',')) {
      int64_t h = 0;
      if (!ParseInt(part, &h) || h < 0 || h > 23) {
        return bad("statistics.hour-bands", *v, "hours from 0 to 23 separated by commas");
      }
      s->hour_bands.push_back(static_cast<int>(h));
    }
  }
  if (vm.count("statistics.question")) {
    for (const std::string& spec : vm["statistics.question"].as<std::vector<std::string>>()) {
      std::vector<std::string> parts = Split(spec, '|');
      if (parts.size() < 3) {
        return bad("statistics.question", spec, "ID | question text | answer | answer ...");
      }
      vault::MonitoringQuestion q;
      q.id = parts[0];
      q.text = parts[1];
      q.answers.assign(parts.begin() + 2, parts.end());
      s->questions.push_back(std::move(q));
    }
  }
  if (vault::Status valid = vault::ValidateStatisticsOptions(*s); !valid.ok()) {
    return "invalid [statistics] configuration: " + valid.message();
  }
  return std::nullopt;
}

}  // namespace vaultd
