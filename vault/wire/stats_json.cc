#include "vault/wire/stats_json.h"

#include <boost/json.hpp>
#include <cstdint>
#include <limits>
#include <optional>
#include <utility>
#include <vector>

#include "vault/wire/json_util.h"

namespace vault::wire {

namespace json = boost::json;

namespace {

json::value CountOrNull(const std::optional<int64_t>& count) {
  if (!count) return nullptr;
  return json::value(*count);
}

json::object TableObject(const StatisticsTable& t) {
  json::object o;
  o["name"] = t.name;
  o["title"] = t.title;
  o["rows"] = StringArray(t.rows);
  o["columns"] = StringArray(t.columns);
  json::array cells;
  for (const auto& row : t.cells) {
    json::array line;
    for (const std::optional<int64_t>& cell : row) line.push_back(CountOrNull(cell));
    cells.emplace_back(std::move(line));
  }
  o["cells"] = std::move(cells);
  o["total"] = CountOrNull(t.total);
  return o;
}

// --- CSV -------------------------------------------------------------------

// One RFC 4180 field, defused for spreadsheets (see stats_json.h).
std::string CsvField(std::string_view text) {
  std::string field;
  if (!text.empty() && (text[0] == '=' || text[0] == '+' || text[0] == '-' || text[0] == '@' ||
                        text[0] == '\t' || text[0] == '\r')) {
    field += '\'';
  }
  field += text;
  if (field.find_first_of(",\"\r\n") == std::string::npos) return field;
  std::string quoted = "\"";
  for (char c : field) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string CsvCount(const std::optional<int64_t>& count, int64_t threshold) {
  return count ? std::to_string(*count) : "<" + std::to_string(threshold);
}

void CsvLine(std::initializer_list<std::string_view> fields, std::string* out) {
  const char* sep = "";
  for (std::string_view f : fields) {
    *out += sep;
    *out += CsvField(f);
    sep = ",";
  }
  *out += "\r\n";
}

// --- Parsing ---------------------------------------------------------------

Status Invalid(std::string message, std::string reason) {
  return Status::InvalidArgument("statistics report: " + std::move(message), std::move(reason));
}

StatusOr<const json::value*> Field(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(JsonView(key));
  if (v == nullptr) return Invalid("missing field '" + std::string(key) + "'", "missing_field");
  return v;
}

StatusOr<std::string> StringField(const json::object& o, std::string_view key) {
  VAULT_ASSIGN_OR_RETURN(const json::value* v, Field(o, key));
  if (!v->is_string()) return Invalid("'" + std::string(key) + "' is not a string", "invalid_type");
  return std::string(v->as_string());
}

StatusOr<std::vector<std::string>> StringsField(const json::object& o, std::string_view key) {
  VAULT_ASSIGN_OR_RETURN(const json::value* v, Field(o, key));
  const Status bad = Invalid("'" + std::string(key) + "' is not an array of strings",
                             "invalid_type");
  if (!v->is_array()) return bad;
  std::vector<std::string> out;
  for (const json::value& item : v->as_array()) {
    if (!item.is_string()) return bad;
    out.emplace_back(item.as_string());
  }
  return out;
}

// A JSON integer >= 0 (not a float, not a string), or nullopt for null.
StatusOr<std::optional<int64_t>> Count(const json::value& v, std::string_view what) {
  if (v.is_null()) return std::optional<int64_t>();
  if (v.is_int64() && v.as_int64() >= 0) return std::optional<int64_t>(v.as_int64());
  if (v.is_uint64() && v.as_uint64() <= uint64_t{std::numeric_limits<int64_t>::max()}) {
    return std::optional<int64_t>(static_cast<int64_t>(v.as_uint64()));
  }
  if (v.is_int64() || v.is_uint64()) {
    return Invalid(std::string(what) + " is out of range", "invalid_count");
  }
  return Invalid(std::string(what) + " is not an integer or null", "invalid_type");
}

StatusOr<StatisticsTable> TableFrom(const json::value& v) {
  if (!v.is_object()) return Invalid("a table is not an object", "invalid_type");
  const json::object& o = v.as_object();
  StatisticsTable t;
  VAULT_ASSIGN_OR_RETURN(t.name, StringField(o, "name"));
  VAULT_ASSIGN_OR_RETURN(t.title, StringField(o, "title"));
  VAULT_ASSIGN_OR_RETURN(t.rows, StringsField(o, "rows"));
  VAULT_ASSIGN_OR_RETURN(t.columns, StringsField(o, "columns"));
  VAULT_ASSIGN_OR_RETURN(const json::value* cells, Field(o, "cells"));
  if (!cells->is_array()) return Invalid("'cells' is not an array", "invalid_type");
  if (cells->as_array().size() != t.rows.size()) {
    return Invalid("'cells' does not have one line per row", "invalid_shape");
  }
  for (const json::value& line : cells->as_array()) {
    if (!line.is_array()) return Invalid("a line of 'cells' is not an array", "invalid_type");
    if (line.as_array().size() != t.columns.size()) {
      return Invalid("a line of 'cells' does not have one cell per column", "invalid_shape");
    }
    std::vector<std::optional<int64_t>> row;
    for (const json::value& cell : line.as_array()) {
      VAULT_ASSIGN_OR_RETURN(std::optional<int64_t> count, Count(cell, "a cell"));
      row.push_back(count);
    }
    t.cells.push_back(std::move(row));
  }
  VAULT_ASSIGN_OR_RETURN(const json::value* total, Field(o, "total"));
  VAULT_ASSIGN_OR_RETURN(t.total, Count(*total, "'total'"));
  return t;
}

}  // namespace

std::string EncodeStatisticsReport(const StatisticsReport& report) {
  json::object o;
  o["service"] = report.service;
  o["period"] = report.period;
  o["kind"] = report.kind;
  o["first_day"] = report.first_day;
  o["last_day"] = report.last_day;
  o["utc_offset"] = report.utc_offset;
  o["threshold"] = report.threshold;
  json::array tables;
  for (const StatisticsTable& t : report.tables) tables.emplace_back(TableObject(t));
  o["tables"] = std::move(tables);
  return json::serialize(o);
}

std::string EncodeStatisticsCsv(const StatisticsReport& report) {
  std::string out;
  CsvLine({"service", "period", "table", "row", "column", "count"}, &out);
  for (const StatisticsTable& t : report.tables) {
    for (size_t r = 0; r < t.rows.size() && r < t.cells.size(); ++r) {
      for (size_t c = 0; c < t.columns.size() && c < t.cells[r].size(); ++c) {
        CsvLine({report.service, report.period, t.name, t.rows[r], t.columns[c],
                 CsvCount(t.cells[r][c], report.threshold)},
                &out);
      }
    }
    CsvLine({report.service, report.period, t.name, "total", "",
             CsvCount(t.total, report.threshold)},
            &out);
  }
  return out;
}

StatusOr<StatisticsReport> ParseStatisticsReport(std::string_view text) {
  if (text.size() > kMaxStatisticsJsonBytes) {
    return Status::ResourceExhausted("statistics report is larger than " +
                                         std::to_string(kMaxStatisticsJsonBytes) + " bytes",
                                     "too_large");
  }
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  options.allow_comments = false;
  options.allow_trailing_commas = false;
  options.allow_invalid_utf8 = false;
  boost::system::error_code ec;
  const json::value v = json::parse(JsonView(text), ec, json::storage_ptr(), options);
  if (ec) return Invalid("not valid JSON (" + ec.message() + ")", "invalid_json");
  if (!v.is_object()) return Invalid("not a JSON object", "invalid_type");
  const json::object& o = v.as_object();
  StatisticsReport r;
  VAULT_ASSIGN_OR_RETURN(r.service, StringField(o, "service"));
  VAULT_ASSIGN_OR_RETURN(r.period, StringField(o, "period"));
  VAULT_ASSIGN_OR_RETURN(r.kind, StringField(o, "kind"));
  VAULT_ASSIGN_OR_RETURN(r.first_day, StringField(o, "first_day"));
  VAULT_ASSIGN_OR_RETURN(r.last_day, StringField(o, "last_day"));
  VAULT_ASSIGN_OR_RETURN(r.utc_offset, StringField(o, "utc_offset"));
  VAULT_ASSIGN_OR_RETURN(const json::value* threshold, Field(o, "threshold"));
  VAULT_ASSIGN_OR_RETURN(std::optional<int64_t> k, Count(*threshold, "'threshold'"));
  if (!k || *k < 1) return Invalid("'threshold' is not a positive integer", "invalid_count");
  r.threshold = *k;
  VAULT_ASSIGN_OR_RETURN(const json::value* tables, Field(o, "tables"));
  if (!tables->is_array()) return Invalid("'tables' is not an array", "invalid_type");
  for (const json::value& t : tables->as_array()) {
    VAULT_ASSIGN_OR_RETURN(StatisticsTable table, TableFrom(t));
    r.tables.push_back(std::move(table));
  }
  return r;
}

}  // namespace vault::wire
