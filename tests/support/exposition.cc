#include "tests/support/exposition.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <limits>
#include <set>

namespace vault::testing {

namespace {

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }

// Reads a metric or label name from the front of *in.
bool TakeName(std::string_view* in, std::string* name, bool label) {
  size_t n = 0;
  while (n < in->size() && (n == 0 ? IsNameStart((*in)[n]) : IsNameChar((*in)[n])) &&
         !(label && (*in)[n] == ':')) {
    ++n;
  }
  if (n == 0) return false;
  *name = std::string(in->substr(0, n));
  in->remove_prefix(n);
  return true;
}

// Reads `"escaped value"` from the front of *in.
bool TakeQuoted(std::string_view* in, std::string* value) {
  if (in->empty() || in->front() != '"') return false;
  in->remove_prefix(1);
  value->clear();
  while (!in->empty()) {
    const char c = in->front();
    in->remove_prefix(1);
    if (c == '"') return true;
    if (c == '\n') return false;
    if (c != '\\') {
      *value += c;
      continue;
    }
    if (in->empty()) return false;
    const char e = in->front();
    in->remove_prefix(1);
    if (e == '\\' || e == '"') {
      *value += e;
    } else if (e == 'n') {
      *value += '\n';
    } else {
      return false;
    }
  }
  return false;
}

bool ParseValue(std::string_view text, double* value) {
  if (text == "+Inf" || text == "-Inf" || text == "NaN") {
    constexpr double kInf = std::numeric_limits<double>::infinity();
    *value =
        text == "NaN" ? std::numeric_limits<double>::quiet_NaN() : (text == "+Inf" ? kInf : -kInf);
    return true;
  }
  if (text.empty()) return false;
  const std::string s(text);
  char* end = nullptr;
  *value = std::strtod(s.c_str(), &end);
  return end == s.c_str() + s.size();
}

bool ParseSample(std::string_view line, MetricSample* sample) {
  if (!TakeName(&line, &sample->name, false)) return false;
  if (!line.empty() && line.front() == '{') {
    line.remove_prefix(1);
    while (!line.empty() && line.front() != '}') {
      std::string name;
      std::string value;
      if (!TakeName(&line, &name, true)) return false;
      if (line.empty() || line.front() != '=') return false;
      line.remove_prefix(1);
      if (!TakeQuoted(&line, &value)) return false;
      if (!sample->labels.emplace(name, value).second) return false;  // repeated label
      if (!line.empty() && line.front() == ',') line.remove_prefix(1);
    }
    if (line.empty()) return false;
    line.remove_prefix(1);  // '}'
  }
  if (line.empty() || line.front() != ' ') return false;
  line.remove_prefix(1);
  return ParseValue(line, &sample->value);
}

// The family a sample belongs to, given the declared types.
std::string FamilyOf(const std::string& name, const std::map<std::string, std::string>& types) {
  if (types.count(name)) return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string_view s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      const std::string base = name.substr(0, name.size() - s.size());
      auto it = types.find(base);
      if (it != types.end() && (it->second == "histogram" || it->second == "summary")) {
        return base;
      }
    }
  }
  return "";
}

}  // namespace

std::optional<double> Exposition::Find(std::string_view name, const Labels& labels) const {
  for (const MetricSample& s : samples) {
    if (s.name == name && s.labels == labels) return s.value;
  }
  return std::nullopt;
}

double Exposition::ValueOr0(std::string_view name, const Labels& labels) const {
  return Find(name, labels).value_or(0);
}

std::vector<MetricSample> Exposition::All(std::string_view name) const {
  std::vector<MetricSample> out;
  for (const MetricSample& s : samples) {
    if (s.name == name) out.push_back(s);
  }
  return out;
}

StatusOr<Exposition> ParseExposition(std::string_view text) {
  Exposition out;
  if (text.empty() || text.back() != '\n') {
    return Status::InvalidArgument("the exposition must end with a newline");
  }
  std::set<std::string> closed_families;
  std::set<std::string> seen_samples;
  std::string current;
  size_t line_number = 0;
  while (!text.empty()) {
    const size_t eol = text.find('\n');
    const std::string_view line = text.substr(0, eol);
    text.remove_prefix(eol + 1);
    ++line_number;
    auto bad = [&](const std::string& why) {
      return Status::InvalidArgument("line " + std::to_string(line_number) + " (" +
                                     std::string(line) + "): " + why);
    };
    if (line.empty()) return bad("empty line");
    if (line.front() == '#') {
      std::string_view rest = line.substr(1);
      const bool help = rest.substr(0, 6) == " HELP ";
      const bool type = rest.substr(0, 6) == " TYPE ";
      if (!help && !type) continue;  // a plain comment
      rest.remove_prefix(6);
      std::string name;
      if (!TakeName(&rest, &name, false) || rest.empty() || rest.front() != ' ') {
        return bad("malformed " + std::string(help ? "HELP" : "TYPE"));
      }
      rest.remove_prefix(1);
      if (type) {
        static const std::set<std::string_view> kTypes = {"counter", "gauge", "histogram",
                                                          "summary", "untyped"};
        if (!kTypes.count(rest)) return bad("unknown type");
        if (!out.types.emplace(name, std::string(rest)).second) return bad("second TYPE");
      }
      if (name != current) {
        if (closed_families.count(name)) return bad("family " + name + " is not contiguous");
        if (!current.empty()) closed_families.insert(current);
        current = name;
      }
      continue;
    }
    MetricSample sample;
    if (!ParseSample(line, &sample)) return bad("not `name{labels} value`");
    const std::string family = FamilyOf(sample.name, out.types);
    if (family.empty()) return bad("sample without a TYPE before it");
    if (family != current) return bad("sample outside its family's block");
    std::string key = sample.name;
    for (const auto& [k, v] : sample.labels) key += "\x1f" + k + "=" + v;
    if (!seen_samples.insert(key).second) return bad("repeated sample");
    out.samples.push_back(std::move(sample));
  }
  return out;
}

double ScrapeMetric(Client& client, std::string_view name, const Labels& labels) {
  StatusOr<std::string> text = client.Metrics();
  EXPECT_TRUE(text.ok()) << text.status().ToString();
  if (!text.ok()) return -1;
  StatusOr<Exposition> exposition = ParseExposition(*text);
  EXPECT_TRUE(exposition.ok()) << exposition.status().ToString();
  return exposition.ok() ? exposition->ValueOr0(name, labels) : -1;
}

}  // namespace vault::testing
