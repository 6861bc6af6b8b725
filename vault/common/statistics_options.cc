// ValidateStatisticsOptions (include/vault/options.h): the [statistics]
// configuration vaultd and Vault::Open accept.
#include <algorithm>
#include <set>

#include "vault/common/utf8.h"
#include "vault/options.h"

namespace vault {

namespace {

Status Invalid(const std::string& what) {
  return Status::InvalidArgument("statistics: " + what, "invalid_statistics");
}

bool IsQuestionId(std::string_view id) {
  if (id.empty() || id.size() > 32) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// Printable UTF-8 without control characters or the separators the
// configuration and the store use.
bool IsLabel(std::string_view s, size_t max) {
  if (s.empty() || s.size() > max || !IsValidUtf8(s)) return false;
  return std::none_of(s.begin(), s.end(), [](char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f || c == '|';
  });
}

Status Bands(const std::vector<int64_t>& bands, const char* what) {
  if (bands.size() > 12) return Invalid(std::string(what) + ": at most 12 bounds");
  for (size_t i = 0; i < bands.size(); ++i) {
    if (bands[i] <= 0 || (i > 0 && bands[i] <= bands[i - 1])) {
      return Invalid(std::string(what) + ": bounds must be positive and ascending");
    }
  }
  return Status::OK();
}

}  // namespace

Status ValidateStatisticsOptions(const StatisticsOptions& s) {
  if (s.threshold < 1 || s.threshold > 1000) return Invalid("threshold must be from 1 to 1000");
  if (s.publish_delay_ms < 0) return Invalid("publish-delay must not be negative");
  if (s.utc_offset_minutes < -14 * 60 || s.utc_offset_minutes > 14 * 60) {
    return Invalid("utc-offset must be from -14:00 to +14:00");
  }
  if (s.monitoring_window_ms <= 0) return Invalid("monitoring-window must be positive");
  VAULT_RETURN_IF_ERROR(Bands(s.duration_bands_ms, "duration-bands"));
  VAULT_RETURN_IF_ERROR(Bands(s.first_reply_bands_ms, "first-reply-bands"));
  if (s.hour_bands.empty() || s.hour_bands[0] != 0 || s.hour_bands.size() > 24) {
    return Invalid("hour-bands must start at 0");
  }
  for (size_t i = 1; i < s.hour_bands.size(); ++i) {
    if (s.hour_bands[i] <= s.hour_bands[i - 1] || s.hour_bands[i] > 23) {
      return Invalid("hour-bands must be ascending hours from 0 to 23");
    }
  }
  if (s.questions.size() > 16) return Invalid("at most 16 questions");
  std::set<std::string> ids;
  for (const MonitoringQuestion& q : s.questions) {
    if (!IsQuestionId(q.id)) {
      return Invalid("question id '" + q.id.substr(0, 40) + "' must be 1 to 32 of a-z 0-9 _ -");
    }
    if (!ids.insert(q.id).second) return Invalid("question '" + q.id + "' is declared twice");
    if (!IsLabel(q.text, 200)) return Invalid("question '" + q.id + "' needs a text (at most 200 bytes)");
    if (q.answers.empty() || q.answers.size() > 32) {
      return Invalid("question '" + q.id + "' needs 1 to 32 answers");
    }
    std::set<std::string> answers;
    for (const std::string& a : q.answers) {
      if (!IsLabel(a, 64) || a == "no_answer") {
        return Invalid("question '" + q.id + "': answer '" + a.substr(0, 40) +
                       "' must be 1 to 64 bytes of text, not no_answer");
      }
      if (!answers.insert(a).second) return Invalid("question '" + q.id + "' repeats an answer");
    }
  }
  return Status::OK();
}

}  // namespace vault
