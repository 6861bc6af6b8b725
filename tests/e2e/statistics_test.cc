// Statistics end to end: a real vaultd on its real socket serving a
// service's statistics to an analyst (JSON and CSV), taking monitoring
// forms from its writer, refusing everyone else, auditing every read, never
// counting a close twice across a SIGKILL, and putting its counts in
// backups; with clients forked under the uids of the roles fixture.
//
// Publication needs periods that have ended. The daemon runs on the real
// clock, so the months published here (October and November 2025) are
// filled before it starts, by the same vault library under a manual clock
// in the same data directory: chats opened, answered and closed on those
// days, with monitoring forms. By the time vaultd starts, every one of those
// transcripts has expired, and its first retention run shreds them all: the
// statistics outlive them.
//
// The unique visitor: one chat whose monitoring answers nobody else gave.
// Every published table of 2025 (its 48 weeks, 12 months, 4 quarters and
// the year) is read back and attacked by an interval-propagation attacker
// written here, separately from the vault's engine: it combines every
// table's total, every sum over weeks, months and quarters, and finds no
// suppressed count it can bound below k, nor any count below k published.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e/roles_fixture.h"
#include "tests/support/run_program.h"
#include "vault/common/time_format.h"
#include "vault/core/vault_impl.h"
#include "vault/stats/day_counts.h"
#include "vault/storage/store.h"

namespace vault::testing {
namespace {

namespace json = boost::json;

constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kK = 10;

const Identity kAnalystAlpha{"analyst(alpha)", 50011, 50011, {kSocketGroup}};

UnixMillis At(int year, unsigned month, unsigned day, int hour = 0, int minute = 0) {
  return int64_t{stats::DaysFromCivil(year, month, day)} * kDay + hour * kHour + minute * kMinute;
}

StatisticsOptions Questions() {
  StatisticsOptions s;
  s.questions = {{"age", "How old are you?", {"under 11", "11-13", "14-16", "17-18", "over 18"}},
                 {"helped", "Did the chat help?", {"yes", "partly", "no"}}};
  return s;
}

// The same questions as vaultd flags.
// Day-long key epochs, for the fill and the daemon alike: the fill walks
// the clock through two months of 2025 and the daemon then catches up to
// today, one keyring advance (a rewrite and two audit records) per epoch
// boundary; statistics count by day, so nothing here needs shorter epochs.
constexpr int64_t kEpochMs = 24 * 3600 * 1000;

std::vector<std::string> QuestionFlags() {
  return {"--epoch", "24h",
          "--statistics.question", "age | How old are you? | under 11 | 11-13 | 14-16 | 17-18 | over 18",
          "--statistics.question", "helped | Did the chat help? | yes | partly | no",
          "--access.analyst",      "user:50011 services=alpha",
          // The test itself, for vaultctl.
          "--access.analyst",      "user:0 services=alpha"};
}

json::object Obj(const std::string& body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << "not a JSON object: " << body;
    return {};
  }
  return std::move(v.as_object());
}

std::string ErrorCode(const Reply& r) {
  const json::object o = Obj(r.body);
  const json::value* e = o.if_contains("error");
  if (e == nullptr || !e->is_object()) return "";
  const json::value* c = e->as_object().if_contains("code");
  return c != nullptr && c->is_string() ? std::string(c->as_string()) : "";
}

// ---- The attacker: every published number, every sum it knows. ----

struct Attacker {
  std::map<std::string, std::optional<int64_t>> vars;  // nullopt: suppressed
  std::set<std::string> published;                      // shown in some table
  std::vector<std::pair<std::string, std::vector<std::string>>> lines;

  void Var(const std::string& name, const json::value& v) {
    std::optional<int64_t> value;
    if (!v.is_null()) {
      value = v.as_int64();
      published.insert(name);
    }
    auto [it, added] = vars.emplace(name, value);
    if (!added && it->second != value) {
      ADD_FAILURE() << name << " is published two ways";
    }
  }
  // Adds a report: each table's cells sum to its total.
  void Add(const json::object& report) {
    const std::string p(report.at("period").as_string());
    for (const json::value& tv : report.at("tables").as_array()) {
      const json::object& t = tv.as_object();
      const std::string name(t.at("name").as_string());
      std::string total;
      if (name == "first_reply") total = p + "|agent_reply|replied";
      else if (name == "messages") total = p + "|messages";
      else if (name.rfind("question:", 0) == 0) total = p + "|forms";
      else total = p + "|chats";
      Var(total, t.at("total"));
      std::vector<std::string> parts;
      const json::array& rows = t.at("rows").as_array();
      const json::array& columns = t.at("columns").as_array();
      for (size_t r = 0; r < rows.size(); ++r) {
        for (size_t c = 0; c < columns.size(); ++c) {
          const std::string row(rows[r].as_string());
          std::string var = name == "chats_by_week"
                                ? row + "|chats"
                                : p + "|" + name + "|" + row +
                                      (columns.size() == 1 ? "" : "|" + std::string(columns[c].as_string()));
          Var(var, t.at("cells").as_array()[r].as_array()[c]);
          parts.push_back(var);
        }
      }
      lines.emplace_back(total, parts);
    }
  }
  // Each cell of `parent` is the sum of the same cell of `children`.
  void Nest(const std::string& parent, const std::vector<std::string>& children) {
    for (const auto& [name, value] : vars) {
      if (name.rfind(parent + "|", 0) != 0) continue;
      const std::string rest = name.substr(parent.size());
      std::vector<std::string> parts;
      for (const std::string& c : children) {
        parts.push_back(c + rest);
        vars.emplace(c + rest, int64_t{0});  // a row a child lacks is a zero
      }
      lines.emplace_back(name, parts);
    }
  }
  // Interval propagation to a fixpoint; the bounds of every suppressed cell.
  std::map<std::string, std::pair<int64_t, int64_t>> Bounds() const {
    constexpr int64_t kInf = std::numeric_limits<int64_t>::max() / 4;
    std::map<std::string, std::pair<int64_t, int64_t>> b;
    for (const auto& [name, v] : vars) b[name] = v ? std::make_pair(*v, *v) : std::make_pair(int64_t{0}, kInf);
    for (bool changed = true; changed;) {
      changed = false;
      for (const auto& [total, parts] : lines) {
        int64_t lo = 0, hi = 0;
        for (const std::string& p : parts) {
          lo += b[p].first;
          hi = std::min(kInf, hi + b[p].second);
        }
        auto& t = b[total];
        if (lo > t.first) { t.first = lo; changed = true; }
        if (hi < t.second) { t.second = hi; changed = true; }
        for (const std::string& p : parts) {
          auto& x = b[p];
          const int64_t others_lo = lo - x.first;
          const int64_t others_hi = hi >= kInf || x.second >= kInf ? kInf : hi - x.second;
          const int64_t new_lo = others_hi >= kInf ? 0 : t.first - others_hi;
          const int64_t new_hi = t.second >= kInf ? kInf : t.second - others_lo;
          if (new_lo > x.first) { x.first = new_lo; changed = true; }
          if (new_hi < x.second) { x.second = new_hi; changed = true; }
        }
      }
    }
    return b;
  }
};

class StatisticsE2eTest : public RolesTest {
 protected:
  StatisticsE2eTest() : RolesTest(QuestionFlags()) {}

  // Fills October and November 2025 before vaultd starts.
  void SetUp() override {
    {
      ManualClock clock(At(2025, 10, 1, 8));
      Options o;
      o.data_dir = daemon_.data_dir();
      o.retention_tick_ms = 0;
      o.epoch_ms = kEpochMs;
      o.statistics = Questions();
      auto opened = VaultImpl::Open(o, &clock);
      ASSERT_TRUE(opened.ok()) << opened.status().ToString();
      std::unique_ptr<VaultImpl> vault = std::move(opened).value();
      Caller writer = Caller::Trusted("fill");
      auto chat = [&](UnixMillis start, bool reply, const char* age, const char* helped) {
        clock.Set(start);
        ASSERT_TRUE(vault->RunRetention().ok());
        NewTranscript req;
        req.service = "alpha";
        req.visitor.ref = "fill-" + std::to_string(start);
        auto created = vault->CreateTranscript(writer, req);
        ASSERT_TRUE(created.ok()) << created.status().ToString() << " at " << FormatRfc3339(start);
        ASSERT_TRUE(vault->AppendMessage(writer, created->id,
                                         vault::Message{0, "visitor", "hi", "2025-10-01T08:00:00Z", {}})
                        .ok());
        if (reply) {
          clock.Set(start + 2 * kMinute);
          ASSERT_TRUE(vault->AppendMessage(writer, created->id,
                                           vault::Message{1, "agent", "hello", "2025-10-01T08:02:00Z", {}})
                          .ok());
        }
        clock.Set(start + 12 * kMinute);
        ASSERT_TRUE(vault->CloseTranscript(writer, created->id).ok());
        if (age != nullptr) {
          ASSERT_TRUE(vault->SubmitMonitoring(writer, created->id,
                                              MonitoringAnswers{{{"age", age}, {"helped", helped}}})
                          .ok());
        }
      };
      // Sixty chats a month, two a day at 10:00 and 19:00; the morning's
      // forms say 14-16 and yes, half the evening's 11-13 and partly.
      for (unsigned month : {10u, 11u}) {
        for (unsigned day = 1; day <= 30; ++day) {
          // The unique visitor: under 11 and not helped, on 13 October.
          if (month == 10 && day == 13) chat(At(2025, 10, 13, 3), false, "under 11", "no");
          chat(At(2025, month, day, 10), true, "14-16", "yes");
          chat(At(2025, month, day, 19), day % 3 != 0, day % 2 ? "11-13" : nullptr, "partly");
        }
      }
    }
    RolesTest::SetUp();
  }

  Reply Get(const Identity& who, const std::string& target) {
    return RunOneAs(who, daemon_.socket_path(), {"GET", target, ""});
  }
  json::object Published(const std::string& period) {
    const Reply r = Get(kAnalystAlpha, "/v1/statistics?service=alpha&period=" + period);
    EXPECT_EQ(r.status, 200) << period << ": " << r.body;
    return Obj(r.body);
  }
};

TEST_F(StatisticsE2eTest, AnAnalystReadsAMonthAsJsonAndCsvWithSmallCountsSuppressed) {
  const json::object month = Published("2025-10");
  EXPECT_EQ(month.at("service"), "alpha");
  EXPECT_EQ(month.at("kind"), "month");
  EXPECT_EQ(month.at("first_day"), "2025-10-01");
  EXPECT_EQ(month.at("last_day"), "2025-10-31");
  EXPECT_EQ(month.at("threshold"), kK);
  std::map<std::string, json::object> tables;
  for (const json::value& t : month.at("tables").as_array()) {
    tables[std::string(t.at("name").as_string())] = t.as_object();
  }
  for (const char* name : {"chats_by_week", "agent_reply", "first_reply", "duration", "returning",
                           "device", "messages", "hour_weekday", "question:age", "question:helped"}) {
    EXPECT_EQ(tables.count(name), 1u) << name;
  }
  EXPECT_EQ(tables["chats_by_week"].at("total"), 61) << json::serialize(month);
  const json::object& age = tables["question:age"];
  std::map<std::string, json::value> cells;
  for (size_t r = 0; r < age.at("rows").as_array().size(); ++r) {
    cells[std::string(age.at("rows").as_array()[r].as_string())] = age.at("cells").as_array()[r].as_array()[0];
  }
  // 30 x 14-16, 15 x 11-13, 1 x under 11: the unique answer is hidden, and
  // so is 11-13, or 46 - 30 - 15 would give it away.
  EXPECT_EQ(age.at("total"), 46);
  EXPECT_TRUE(cells.at("under 11").is_null()) << json::serialize(age);
  EXPECT_TRUE(cells.at("11-13").is_null()) << json::serialize(age);
  EXPECT_EQ(cells.at("14-16"), 30);
  // CSV: the same numbers, suppressed cells as "<10", never 0.
  const Reply csv = Get(kAnalystAlpha, "/v1/statistics?service=alpha&period=2025-10&format=csv");
  ASSERT_EQ(csv.status, 200) << csv.body;
  EXPECT_EQ(csv.body.rfind("service,period,table,row,column,count\r\n", 0), 0u) << csv.body;
  EXPECT_NE(csv.body.find("alpha,2025-10,question:age,under 11,count,<10\r\n"), std::string::npos)
      << csv.body;
  EXPECT_NE(csv.body.find("alpha,2025-10,question:age,14-16,count,30\r\n"), std::string::npos);
}

TEST_F(StatisticsE2eTest, NoPublishedTableOfTheYearRevealsACountBelowK) {
  Attacker attacker;
  const std::vector<std::string> quarters = {"2025-q1", "2025-q2", "2025-q3", "2025-q4"};
  attacker.Add(Published("2025"));
  for (int q = 1; q <= 4; ++q) {
    std::vector<std::string> months;
    attacker.Add(Published(quarters[q - 1]));
    for (int m = 3 * q - 2; m <= 3 * q; ++m) {
      char name[16];
      std::snprintf(name, sizeof name, "2025-%02d", m);
      months.push_back(name);
      attacker.Add(Published(name));
      std::vector<std::string> weeks;
      for (int w = 1; w <= 4; ++w) {
        weeks.push_back(std::string(name) + "-w" + std::to_string(w));
        attacker.Add(Published(weeks.back()));
      }
      attacker.Nest(name, weeks);
    }
    attacker.Nest(quarters[q - 1], months);
  }
  attacker.Nest("2025", quarters);
  // The unique visitor's answer is hidden in every period that holds it.
  for (const char* p : {"2025-10-w2", "2025-10", "2025-q4", "2025"}) {
    EXPECT_FALSE(attacker.vars.at(std::string(p) + "|question:age|under 11").has_value()) << p;
    EXPECT_FALSE(attacker.vars.at(std::string(p) + "|question:helped|no").has_value()) << p;
  }
  size_t suppressed = 0;
  for (const std::string& name : attacker.published) {
    EXPECT_GE(*attacker.vars.at(name), kK) << name << " is published";
  }
  for (const auto& [name, bounds] : attacker.Bounds()) {
    if (attacker.vars.at(name).has_value()) continue;
    ++suppressed;
    EXPECT_GE(bounds.second, kK) << name << " is worked out to be at most " << bounds.second;
  }
  EXPECT_GT(suppressed, 100u);
}

TEST_F(StatisticsE2eTest, UnfinishedPeriodsAndBadQueriesAreRefusedAndEveryReadIsAudited) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char month[16];
  std::strftime(month, sizeof month, "%Y-%m", &utc);
  Reply r = Get(kAnalystAlpha, std::string("/v1/statistics?service=alpha&period=") + month);
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(ErrorCode(r), "not_published");
  r = Get(kAnalystAlpha, "/v1/statistics?service=alpha&period=2025-13");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorCode(r), "invalid_period");
  r = Get(kAnalystAlpha, "/v1/statistics?period=2025-10");
  EXPECT_EQ(ErrorCode(r), "invalid_service");
  r = Get(kAnalystAlpha, "/v1/statistics?service=alpha&period=2025-10&format=xml");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(ErrorCode(r), "invalid_query");
  r = Get(kAnalystAlpha, "/v1/statistics?service=beta&period=2025-10");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorCode(r), "service_forbidden");
  EXPECT_EQ(Get(kAdmin, "/v1/statistics?service=beta&period=2025-10").status, 200);
  EXPECT_EQ(Get(kAuditor, "/v1/statistics?service=alpha&period=2025-10").status, 200);
  for (const Identity* who : {&kWriterAlpha, &kAgent, &kOfficer, &kDpo}) {
    r = Get(*who, "/v1/statistics?service=alpha&period=2025-10");
    EXPECT_EQ(r.status, 403) << who->name;
    EXPECT_EQ(ErrorCode(r), "forbidden") << who->name;
  }
  EXPECT_EQ(Get(kUnknown, "/v1/statistics?service=alpha&period=2025-10").status, 403);
  // The event feed is not an analyst's (roles_test.cc has every other role).
  r = Get(kAnalystAlpha, "/v1/events");
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(ErrorCode(r), "forbidden");

  // The audit log: every read and refusal, with service and period, and
  // nothing else.
  const Reply audit = Get(kAuditor, "/v1/audit/records?from=0&limit=1000");
  ASSERT_EQ(audit.status, 200);
  const json::object records = Obj(audit.body);
  int ok = 0, refused = 0;
  for (const json::value& rec : records.at("records").as_array()) {
    const std::string text = json::serialize(rec);
    if (text.find("statistics.read") == std::string::npos) continue;
    if (text.find("\"outcome\":\"ok\"") != std::string::npos) ++ok;
    else ++refused;
  }
  EXPECT_EQ(ok, 2);
  EXPECT_GE(refused, 10);
}

TEST_F(StatisticsE2eTest, AWriterSubmitsAFormOnceAndBadFormsChangeNothing) {
  const std::string& socket = daemon_.socket_path();
  const std::string id = NewAlphaTranscript();
  const std::string form = "/v1/transcripts/" + id + "/monitoring";
  Reply r = RunOneAs(kWriterAlpha, socket, {"POST", form, R"({"answers":{"age":"11-13"}})"});
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(ErrorCode(r), "transcript_open");
  ASSERT_EQ(RunOneAs(kWriterAlpha, socket, {"POST", "/v1/transcripts/" + id + "/close", ""}).status, 200);
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"answers":{"shoe":"9"}})", "unknown_question"},
      {R"({"answers":{"age":"42"}})", "unknown_answer"},
      {R"({"answers":{}})", "no_answers"},
      {R"({"answers":["age"]})", "invalid_type"},
      {R"({"answers":{"age":7}})", "invalid_type"},
      {R"({"age":"11-13"})", "unknown_field"},
      {R"({)", "invalid_json"},
      {"", "invalid_json"},
  };
  for (const auto& [body, code] : bad) {
    r = RunOneAs(kWriterAlpha, socket, {"POST", form, body});
    EXPECT_EQ(r.status, 400) << body << ": " << r.body;
    EXPECT_EQ(ErrorCode(r), code) << body;
  }
  r = RunOneAs(kWriterBeta, socket, {"POST", form, R"({"answers":{"age":"11-13"}})"});
  EXPECT_EQ(r.status, 403);
  for (const Identity* who : {&kAgent, &kAdmin, &kAuditor, &kDpo, &kAnalystAlpha, &kOfficer}) {
    r = RunOneAs(*who, socket, {"POST", form, R"({"answers":{"age":"11-13"}})"});
    EXPECT_EQ(r.status, 403) << who->name;
    EXPECT_EQ(ErrorCode(r), "forbidden") << who->name;
  }
  r = RunOneAs(kWriterAlpha, socket, {"POST", form, R"({"answers":{"age":"11-13","helped":"yes"}})"});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Field(r.body, "counted"), "true");
  r = RunOneAs(kWriterAlpha, socket, {"POST", form, R"({"answers":{"age":"11-13"}})"});
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(ErrorCode(r), "already_submitted");
  r = RunOneAs(kWriterAlpha, socket,
               {"POST", "/v1/transcripts/0123456789abcdef0123456789abcdef/monitoring",
                R"({"answers":{"age":"11-13"}})"});
  EXPECT_EQ(r.status, 404);

  // Exactly one form counted today, and the audit log holds no answer.
  ASSERT_EQ(daemon_.Stop(), 0);
  auto store = Store::Open(daemon_.data_dir() + "/db");
  ASSERT_TRUE(store.ok());
  const int32_t today = stats::LocalDay(SystemClock::Default()->NowMillis(), 0);
  auto forms = (*store)->Get(Column::kStatistics, stats::CellKey("alpha", today, {"forms", "", ""}));
  ASSERT_TRUE(forms.ok());
  EXPECT_EQ(GetU64(forms->data()), 1u);
  auto answer =
      (*store)->Get(Column::kStatistics, stats::CellKey("alpha", today, {"question:age", "11-13", ""}));
  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(GetU64(answer->data()), 1u);
  for (const auto& entry : std::filesystem::directory_iterator(daemon_.data_dir() + "/audit")) {
    std::string bytes;
    FILE* f = std::fopen(entry.path().c_str(), "rb");
    ASSERT_NE(f, nullptr);
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.append(buf, n);
    std::fclose(f);
    // (Not "11-13" alone: a time such as 10:11:13 holds it.)
    EXPECT_EQ(bytes.find("\"11-13\""), std::string::npos) << entry.path();
    EXPECT_EQ(bytes.find("helped"), std::string::npos) << entry.path();
    EXPECT_EQ(bytes.find("\"answers\""), std::string::npos) << entry.path();
  }
}

TEST_F(StatisticsE2eTest, AKilledVaultNeverCountsACloseTwiceAndBackupsHoldTheCounts) {
  const std::string& socket = daemon_.socket_path();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(NewAlphaTranscript());
  for (const std::string& id : ids) {
    ASSERT_EQ(RunOneAs(kWriterAlpha, socket, {"POST", "/v1/transcripts/" + id + "/close", ""}).status,
              200);
  }
  daemon_.Kill();
  ASSERT_OK(daemon_.Start());
  // Closing again is the same success, and counts nothing.
  for (const std::string& id : ids) {
    ASSERT_EQ(RunOneAs(kWriterAlpha, socket, {"POST", "/v1/transcripts/" + id + "/close", ""}).status,
              200);
  }
  const std::string backup = daemon_.test_dir() + "/backup";
  ASSERT_EQ(RunOneAs(kAdmin, socket, {"POST", "/v1/backup", R"({"dir":")" + backup + R"("})"}).status,
            201);
  daemon_.Kill();
  const int32_t today = stats::LocalDay(SystemClock::Default()->NowMillis(), 0);
  for (const std::string& db : {daemon_.data_dir() + "/db", backup + "/db"}) {
    auto store = Store::Open(db);
    ASSERT_TRUE(store.ok()) << db;
    auto chats = (*store)->Get(Column::kStatistics, stats::CellKey("alpha", today, {"chats", "", ""}));
    ASSERT_TRUE(chats.ok()) << db;
    EXPECT_EQ(GetU64(chats->data()), 5u) << db;
  }
}

TEST_F(StatisticsE2eTest, VaultctlWritesAFundersReportOfAPublishedMonth) {
  auto ctl = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--socket", daemon_.socket_path()});
    return RunProgram(VAULTCTL_PATH, args, {"VAULT_SOCKET"});
  };
  const std::string dir = daemon_.test_dir() + "/report";
  ProgramResult r = ctl({"stats", "report", "--service", "alpha", "--period", "2025-10", "--out", dir});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  auto slurp = [](const std::string& path) {
    std::string bytes;
    FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return bytes;
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.append(buf, n);
    std::fclose(f);
    return bytes;
  };
  const std::string html = slurp(dir + "/report.html");
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("&lt;10"), std::string::npos) << "suppressed cells read fewer than k";
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("http://"), std::string::npos) << "self-contained";
  // The JSON is what the vault published to the analyst.
  EXPECT_EQ(Obj(slurp(dir + "/report.json")), Published("2025-10"));
  EXPECT_NE(slurp(dir + "/report.csv").find("question:age,under 11,count,<10"), std::string::npos);
  // Never overwritten; a month not yet published is the vault's refusal.
  r = ctl({"stats", "report", "--service", "alpha", "--period", "2025-10", "--out", dir});
  EXPECT_EQ(r.exit_status, 1) << r.out;
  r = ctl({"stats", "show", "--service", "alpha", "--period", "2999-01"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("not_published"), std::string::npos) << r.err;
  r = ctl({"stats", "show", "--service", "alpha", "--period", "2025-10", "--format", "csv"});
  EXPECT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("service,period,table,row,column,count", 0), 0u) << r.out;
}

}  // namespace
}  // namespace vault::testing
