// A statistics report on the wire: what the vault encodes parses back to
// what was encoded; a suppressed count stays suppressed (null, "<k"), never
// 0; the CSV is RFC 4180 with CRLF and defused for spreadsheets; a body of
// another shape, or too large, is refused before it becomes a report.
#include "vault/wire/stats_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

namespace vault::wire {
namespace {

namespace json = boost::json;

StatisticsReport Report() {
  StatisticsReport r;
  r.service = "webchat";
  r.period = "2026-11";
  r.kind = "month";
  r.first_day = "2026-11-01";
  r.last_day = "2026-11-30";
  r.utc_offset = "+00:00";
  r.threshold = 10;
  StatisticsTable weeks;
  weeks.name = "chats_by_week";
  weeks.title = "Chats per week";
  weeks.rows = {"2026-11-w1", "2026-11-w2", "2026-11-w3", "2026-11-w4"};
  weeks.columns = {"chats"};
  weeks.cells = {{31}, {std::nullopt}, {0}, {std::nullopt}};
  weeks.total = 52;
  StatisticsTable question;
  question.name = "question:age";
  question.title = "How old are you?";
  question.rows = {"under_18", "18_25", "no_answer"};
  question.columns = {"forms"};
  question.cells = {{12}, {std::nullopt}, {20}};
  question.total = std::nullopt;
  r.tables = {weeks, question};
  return r;
}

// The CSV line of table `table`, row `row` (or "" if there is none).
std::string CsvLineOf(const std::string& csv, const std::string& prefix) {
  const size_t at = csv.find(prefix);
  if (at == std::string::npos) return "";
  return csv.substr(at, csv.find("\r\n", at) - at);
}

TEST(StatsJsonTest, AReportRoundTrips) {
  const StatisticsReport report = Report();
  auto parsed = ParseStatisticsReport(EncodeStatisticsReport(report));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, report);

  StatisticsReport empty = report;  // a service with no tables yet
  empty.tables.clear();
  auto parsed_empty = ParseStatisticsReport(EncodeStatisticsReport(empty));
  ASSERT_TRUE(parsed_empty.ok()) << parsed_empty.status().ToString();
  EXPECT_EQ(*parsed_empty, empty);
}

TEST(StatsJsonTest, TheJsonHasTheDocumentedShape) {
  const json::value v = json::parse(EncodeStatisticsReport(Report()));
  const json::object& o = v.as_object();
  EXPECT_EQ(o.at("service"), "webchat");
  EXPECT_EQ(o.at("kind"), "month");
  EXPECT_EQ(o.at("utc_offset"), "+00:00");
  EXPECT_EQ(o.at("threshold").as_int64(), 10);
  const json::object& weeks = o.at("tables").as_array().at(0).as_object();
  EXPECT_EQ(json::serialize(weeks.at("cells")), "[[31],[null],[0],[null]]");
  EXPECT_EQ(weeks.at("total").as_int64(), 52);
  EXPECT_TRUE(o.at("tables").as_array().at(1).as_object().at("total").is_null());
}

TEST(StatsJsonTest, NullNeverBecomesZero) {
  auto parsed = ParseStatisticsReport(EncodeStatisticsReport(Report()));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const StatisticsTable& weeks = parsed->tables[0];
  EXPECT_FALSE(weeks.cells[1][0].has_value());
  EXPECT_FALSE(weeks.cells[3][0].has_value());
  ASSERT_TRUE(weeks.cells[2][0].has_value());  // a real zero stays a zero
  EXPECT_EQ(*weeks.cells[2][0], 0);
  EXPECT_FALSE(parsed->tables[1].total.has_value());

  const std::string csv = EncodeStatisticsCsv(Report());
  EXPECT_EQ(CsvLineOf(csv, "webchat,2026-11,chats_by_week,2026-11-w2,"),
            "webchat,2026-11,chats_by_week,2026-11-w2,chats,<10");
  EXPECT_EQ(CsvLineOf(csv, "webchat,2026-11,chats_by_week,2026-11-w3,"),
            "webchat,2026-11,chats_by_week,2026-11-w3,chats,0");
  EXPECT_EQ(CsvLineOf(csv, "webchat,2026-11,question:age,total,"),
            "webchat,2026-11,question:age,total,,<10");
}

TEST(StatsJsonTest, TheCsvHasOneLinePerCellAndPerTotal) {
  const std::string csv = EncodeStatisticsCsv(Report());
  const std::string expected =
      "service,period,table,row,column,count\r\n"
      "webchat,2026-11,chats_by_week,2026-11-w1,chats,31\r\n"
      "webchat,2026-11,chats_by_week,2026-11-w2,chats,<10\r\n"
      "webchat,2026-11,chats_by_week,2026-11-w3,chats,0\r\n"
      "webchat,2026-11,chats_by_week,2026-11-w4,chats,<10\r\n"
      "webchat,2026-11,chats_by_week,total,,52\r\n"
      "webchat,2026-11,question:age,under_18,forms,12\r\n"
      "webchat,2026-11,question:age,18_25,forms,<10\r\n"
      "webchat,2026-11,question:age,no_answer,forms,20\r\n"
      "webchat,2026-11,question:age,total,,<10\r\n";
  EXPECT_EQ(csv, expected);
}

TEST(StatsJsonTest, CsvFieldsAreQuotedWhenNeeded) {
  StatisticsReport r = Report();
  r.service = "Help, \"now\"";
  r.tables.resize(1);
  r.tables[0].rows = {"line\nbreak", "cr\rhere", "plain", "x"};
  const std::string csv = EncodeStatisticsCsv(r);
  EXPECT_NE(csv.find("\r\n\"Help, \"\"now\"\"\",2026-11,chats_by_week,\"line\nbreak\",chats,31\r\n"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find(",\"cr\rhere\",chats,<10\r\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find("\r\n\"Help, \"\"now\"\"\",2026-11,chats_by_week,plain,chats,0\r\n"),
            std::string::npos)
      << csv;
}

TEST(StatsJsonTest, CsvFieldsAreDefusedForSpreadsheets) {
  StatisticsReport r = Report();
  r.service = "=HYPERLINK(\"http://x\")";
  r.tables.resize(1);
  r.tables[0].rows = {"+1", "-2", "@SUM(A1)", "\tTab"};
  const std::string csv = EncodeStatisticsCsv(r);
  EXPECT_NE(csv.find("\r\n\"'=HYPERLINK(\"\"http://x\"\")\",2026-11,chats_by_week,'+1,chats,31\r\n"),
            std::string::npos)
      << csv;
  EXPECT_NE(csv.find(",'-2,chats,<10\r\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",'@SUM(A1),chats,0\r\n"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",'\tTab,chats,<10\r\n"), std::string::npos) << csv;
  // "<10" is not a formula and stays as it is.
  EXPECT_EQ(csv.find("'<"), std::string::npos) << csv;
}

TEST(StatsJsonTest, TheThresholdNamesTheSuppressedCells) {
  StatisticsReport r = Report();
  r.threshold = 5;
  const std::string csv = EncodeStatisticsCsv(r);
  EXPECT_NE(csv.find(",chats,<5\r\n"), std::string::npos);
  EXPECT_EQ(csv.find("<10"), std::string::npos);
}

void ExpectRefused(const std::string& body, const std::string& reason) {
  auto parsed = ParseStatisticsReport(body);
  ASSERT_FALSE(parsed.ok()) << body;
  EXPECT_EQ(parsed.status().code(), Status::Code::kInvalidArgument) << body;
  EXPECT_EQ(parsed.status().reason(), reason) << body;
}

// The valid report with `key` of table 0 (or of the report, if `in_table`
// is false) replaced by `value` (JSON text), or removed if `value` is "".
std::string With(const std::string& key, const std::string& value, bool in_table = true) {
  json::object o = json::parse(EncodeStatisticsReport(Report())).as_object();
  json::object& target = in_table ? o["tables"].as_array()[0].as_object() : o;
  if (value.empty()) {
    target.erase(key);
  } else {
    target[key] = json::parse(value);
  }
  return json::serialize(o);
}

TEST(StatsJsonTest, MalformedJsonIsRefused) {
  ExpectRefused("", "invalid_json");
  ExpectRefused("{", "invalid_json");
  ExpectRefused("{\"service\": \"a\",}", "invalid_json");  // trailing comma
  ExpectRefused("{\"service\": \"\xff\"}", "invalid_json");  // not UTF-8
  ExpectRefused(std::string(40, '[') + std::string(40, ']'), "invalid_json");  // too deep
  ExpectRefused("[]", "invalid_type");
}

TEST(StatsJsonTest, WrongTypesAreRefused) {
  ExpectRefused(With("service", "", false), "missing_field");
  ExpectRefused(With("service", "7", false), "invalid_type");
  ExpectRefused(With("threshold", "\"10\"", false), "invalid_type");
  ExpectRefused(With("threshold", "null", false), "invalid_count");
  ExpectRefused(With("threshold", "0", false), "invalid_count");
  ExpectRefused(With("tables", "{}", false), "invalid_type");
  ExpectRefused(With("tables", "[1]", false), "invalid_type");
  ExpectRefused(With("rows", "[\"a\", 1, \"c\", \"d\"]"), "invalid_type");
  ExpectRefused(With("total", ""), "missing_field");
  ExpectRefused(With("total", "\"52\""), "invalid_type");
  ExpectRefused(With("total", "52.0"), "invalid_type");
  ExpectRefused(With("total", "-1"), "invalid_count");
  ExpectRefused(With("total", "true"), "invalid_type");
  ExpectRefused(With("cells", "[[1],[2],[\"3\"],[4]]"), "invalid_type");
  ExpectRefused(With("cells", "[[1],[2],[3],[-4]]"), "invalid_count");
  ExpectRefused(With("cells", "[[1],[2],[3],[18446744073709551615]]"), "invalid_count");
}

TEST(StatsJsonTest, CellsMustBeRowsByColumns) {
  ExpectRefused(With("cells", "[[1],[2],[3]]"), "invalid_shape");        // a row short
  ExpectRefused(With("cells", "[[1],[2],[3],[4],[5]]"), "invalid_shape");  // a row over
  ExpectRefused(With("cells", "[[1],[2,2],[3],[4]]"), "invalid_shape");  // a column over
  ExpectRefused(With("cells", "[[1],[],[3],[4]]"), "invalid_shape");     // a column short
  ExpectRefused(With("cells", "[1,2,3,4]"), "invalid_type");
}

TEST(StatsJsonTest, UnknownKeysAreIgnored) {
  auto parsed = ParseStatisticsReport(With("note", "\"added later\"", false));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(*parsed, Report());
}

TEST(StatsJsonTest, ABodyOverTheCapIsRefusedBeforeParsing) {
  // Valid JSON padded with whitespace to one byte over the cap.
  std::string body = EncodeStatisticsReport(Report());
  body.append(kMaxStatisticsJsonBytes + 1 - body.size(), ' ');
  auto parsed = ParseStatisticsReport(body);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.status().code(), Status::Code::kResourceExhausted);
  EXPECT_EQ(parsed.status().reason(), "too_large");
  body.pop_back();  // exactly at the cap: read
  EXPECT_TRUE(ParseStatisticsReport(body).ok());
}

}  // namespace
}  // namespace vault::wire
