#include "vault/stats/publication.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <vector>

#include "vault/stats/disclosure.h"

namespace vault::stats {

namespace {

Status InvalidPeriod() {
  return Status::InvalidArgument(
      "period must be a week (2026-11-w2), a month (2026-11), a quarter (2026-q4) or a year (2026)",
      "invalid_period");
}

bool ParseInt(std::string_view s, int* out) {
  if (s.empty() || s.size() > 4) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

int32_t MonthEnd(int year, int month) {
  return month == 12 ? DaysFromCivil(year + 1, 1, 1) - 1
                     : DaysFromCivil(year, static_cast<unsigned>(month + 1), 1) - 1;
}

// One table's shape in one period: its rows, columns and the id of the
// cell it sums to.
struct Shape {
  std::string name;
  std::string title;
  std::vector<std::string> rows;
  std::vector<std::string> columns;
  std::string total;  // a cell id
};

// A period's own cells (and, for a week, its days' chat counts), the lines
// that bind them, and once decided, which are suppressed.
struct Decided {
  Period period;
  std::vector<Shape> shapes;
  std::map<std::string, int64_t> values;
  std::vector<std::pair<std::string, std::vector<std::string>>> lines;
  std::map<std::string, bool> suppressed;
  std::vector<std::string> children;  // names
  std::vector<std::string> days;      // a week's day cells, in order
};

std::string Id(std::string_view period, std::string_view table, std::string_view row,
               std::string_view column) {
  std::string id(period);
  id += '|';
  id += table;
  id += '|';
  id += row;
  id += '|';
  id += column;
  return id;
}

// Rows: `configured` first, in order, then any other stored, sorted.
std::vector<std::string> Rows(std::vector<std::string> configured,
                              const std::set<std::string>& stored) {
  for (const std::string& s : stored) {
    if (std::find(configured.begin(), configured.end(), s) == configured.end()) {
      configured.push_back(s);
    }
  }
  return configured;
}

class Publisher {
 public:
  Publisher(const StatisticsOptions& options, const DayCountsByDay& days)
      : options_(options), days_(days) {}

  StatusOr<const Decided*> Decide(const Period& p) {
    const std::string name = PeriodName(p);
    if (auto it = memo_.find(name); it != memo_.end()) return it->second.get();
    for (const Period& c : Children(p)) {
      VAULT_ASSIGN_OR_RETURN(const Decided* child, Decide(c));
      (void)child;
    }
    auto d = std::make_unique<Decided>(Build(p));
    VAULT_RETURN_IF_ERROR(Protect(d.get()));
    const Decided* out = d.get();
    memo_.emplace(name, std::move(d));
    return out;
  }

  const Decided* Find(const std::string& name) const {
    auto it = memo_.find(name);
    return it == memo_.end() ? nullptr : it->second.get();
  }

 private:
  // Sums the day counts of [first, last].
  CellCounts Sum(int32_t first, int32_t last) const {
    CellCounts out;
    for (auto it = days_.lower_bound(first); it != days_.end() && it->first <= last; ++it) {
      for (const auto& [cell, n] : it->second) out[cell] += n;
    }
    return out;
  }

  // Labels stored from the start of the year to `last`, by table.
  std::map<std::string, std::set<std::string>> Labels(int32_t first, int32_t last) const {
    std::map<std::string, std::set<std::string>> out;
    for (auto it = days_.lower_bound(first); it != days_.end() && it->first <= last; ++it) {
      for (const auto& [cell, n] : it->second) {
        if (n != 0) out[cell.table].insert(cell.row);
      }
    }
    return out;
  }

  Decided Build(const Period& p) const {
    Decided d;
    d.period = p;
    const std::string name = PeriodName(p);
    const CellCounts sums = Sum(FirstDay(p), LastDay(p));
    auto labels = Labels(YearStart(p), LastDay(p));
    auto get = [&](const std::string& table, const std::string& row, const std::string& col) {
      auto it = sums.find(Cell{table, row, col});
      return it == sums.end() ? int64_t{0} : it->second;
    };
    const std::string chats = Id(name, "chats", "", "");
    d.values[chats] = get("chats", "", "");
    auto one_column = [&](std::string table, std::string title, std::vector<std::string> rows,
                          std::string total) {
      Shape s{table, std::move(title), std::move(rows), {"count"}, std::move(total)};
      for (const std::string& r : s.rows) d.values[Id(name, table, r, "")] = get(table, r, "");
      d.shapes.push_back(std::move(s));
    };
    one_column("agent_reply", "Chats an agent replied to", {"replied", "not_replied"}, chats);
    std::vector<std::string> reply_bands, duration_bands;
    for (size_t i = 0; i <= options_.first_reply_bands_ms.size(); ++i) {
      reply_bands.push_back(BandLabel(options_.first_reply_bands_ms, i));
    }
    for (size_t i = 0; i <= options_.duration_bands_ms.size(); ++i) {
      duration_bands.push_back(BandLabel(options_.duration_bands_ms, i));
    }
    one_column("first_reply", "Time to the first agent reply",
               Rows(reply_bands, labels["first_reply"]), Id(name, "agent_reply", "replied", ""));
    one_column("duration", "How long chats lasted", Rows(duration_bands, labels["duration"]),
               chats);
    one_column("returning", "New and returning visitors", {"new", "returning"}, chats);
    one_column("device", "Devices", {"mobile", "tablet", "desktop", "unknown"}, chats);
    const std::string messages = Id(name, "messages", "", "");
    one_column("messages", "Messages by sender", {"visitor", "agent", "system"}, messages);
    d.values[messages] = 0;
    for (const char* r : {"visitor", "agent", "system"}) d.values[messages] += get("messages", r, "");

    // Hour of day (banded) x weekday.
    Shape hw{"hour_weekday", "When chats started", {}, {}, chats};
    for (size_t i = 0; i < options_.hour_bands.size(); ++i) {
      hw.rows.push_back(HourBandLabel(options_.hour_bands, i));
    }
    for (const char* wd : kWeekdayNames) hw.columns.push_back(wd);
    std::map<std::pair<size_t, std::string>, int64_t> banded;
    for (const auto& [cell, n] : sums) {
      if (cell.table != "hour_weekday") continue;
      int hour = 0;
      if (!ParseInt(cell.row, &hour) || hour > 23) continue;
      const size_t band = static_cast<size_t>(
          std::upper_bound(options_.hour_bands.begin(), options_.hour_bands.end(), hour) -
          options_.hour_bands.begin() - 1);
      banded[{band, cell.column}] += n;
    }
    for (size_t i = 0; i < hw.rows.size(); ++i) {
      for (const std::string& wd : hw.columns) {
        auto it = banded.find({i, wd});
        d.values[Id(name, "hour_weekday", hw.rows[i], wd)] = it == banded.end() ? 0 : it->second;
      }
    }
    d.shapes.push_back(std::move(hw));

    // The monitoring form: one table per question, configured or stored.
    std::vector<std::pair<std::string, std::string>> questions;  // id, title
    for (const MonitoringQuestion& q : options_.questions) questions.emplace_back(q.id, q.text);
    for (const auto& [table, rows] : labels) {
      if (table.rfind("question:", 0) != 0) continue;
      const std::string id = table.substr(9);
      if (std::none_of(questions.begin(), questions.end(),
                       [&](const auto& q) { return q.first == id; })) {
        questions.emplace_back(id, id);
      }
    }
    if (!questions.empty()) {
      const std::string forms = Id(name, "forms", "", "");
      d.values[forms] = get("forms", "", "");
      for (const auto& [id, title] : questions) {
        const std::string table = "question:" + id;
        std::vector<std::string> answers;
        for (const MonitoringQuestion& q : options_.questions) {
          if (q.id == id) answers = q.answers;
        }
        std::set<std::string> stored = labels[table];
        stored.erase("no_answer");
        answers = Rows(answers, stored);
        int64_t answered = 0;
        for (const std::string& a : answers) answered += get(table, a, "");
        answers.push_back("no_answer");
        Shape s{table, title, answers, {"count"}, forms};
        for (const std::string& a : answers) {
          d.values[Id(name, table, a, "")] =
              a == "no_answer" ? std::max<int64_t>(0, d.values[forms] - answered) : get(table, a, "");
        }
        d.shapes.push_back(std::move(s));
      }
    }

    // Each table sums to its total.
    for (const Shape& s : d.shapes) {
      std::vector<std::string> parts;
      for (const std::string& r : s.rows) {
        for (const std::string& c : s.columns) {
          parts.push_back(Id(name, s.name, r, s.columns.size() == 1 ? "" : c));
        }
      }
      d.lines.emplace_back(s.total, std::move(parts));
    }
    // Each own cell is the sum of the same cell in the periods inside.
    if (p.kind == Period::Kind::kWeek) {
      std::vector<std::string> parts;
      for (int32_t day = FirstDay(p); day <= LastDay(p); ++day) {
        const std::string id = Id(DayName(day), "chats", "", "");
        auto it = days_.find(day);
        int64_t n = 0;
        if (it != days_.end()) {
          auto c = it->second.find(Cell{"chats", "", ""});
          if (c != it->second.end()) n = c->second;
        }
        d.values[id] = n;
        d.days.push_back(id);
        parts.push_back(id);
      }
      d.lines.emplace_back(chats, std::move(parts));
    } else {
      const std::vector<Period> children = Children(p);
      for (const Period& c : children) d.children.push_back(PeriodName(c));
      const size_t prefix = name.size();
      for (const auto& [id, value] : d.values) {
        std::vector<std::string> parts;
        for (const std::string& c : d.children) parts.push_back(c + id.substr(prefix));
        d.lines.emplace_back(id, std::move(parts));
      }
    }
    return d;
  }

  // Every decided period inside `d`, deepest first.
  void Inside(const Decided& d, std::vector<const Decided*>* out) const {
    for (const std::string& c : d.children) {
      const Decided* child = Find(c);
      if (child == nullptr) continue;
      Inside(*child, out);
      out->push_back(child);
    }
  }

  Status Protect(Decided* d) const {
    std::vector<const Decided*> inside;
    Inside(*d, &inside);
    DisclosureProblem problem;
    std::map<std::string, uint32_t> index;
    auto add = [&](const std::string& id, int64_t value, CellState state) {
      auto [it, added] = index.emplace(id, static_cast<uint32_t>(problem.values.size()));
      if (added) {
        problem.values.push_back(value);
        problem.states.push_back(state);
      }
      return it->second;
    };
    for (const Decided* x : inside) {
      for (const auto& [id, v] : x->values) {
        add(id, v, x->suppressed.at(id) ? CellState::kSuppressed : CellState::kPublished);
      }
    }
    // A table's cells before the totals: when a total and one of its parts
    // are equally good to hide (the same count), the engine takes the
    // first, and the total (chats, messages, forms) is what readers want.
    auto is_total = [&](const std::string& id) {
      for (const char* t : {"|chats||", "|messages||", "|forms||"}) {
        const std::string_view tail(t);
        if (id.size() >= tail.size() && id.compare(id.size() - tail.size(), tail.size(), tail) == 0) {
          return true;
        }
      }
      return false;
    };
    for (const auto& [id, v] : d->values) {
      if (!is_total(id)) add(id, v, CellState::kOpen);
    }
    for (const auto& [id, v] : d->values) {
      if (is_total(id)) add(id, v, CellState::kOpen);
    }
    auto add_lines = [&](const Decided& x) {
      for (const auto& [total, parts] : x.lines) {
        DisclosureProblem::Line line;
        // A cell a period inside lacks (a label first stored after it
        // ended) is a zero everyone can see.
        line.total = add(total, 0, CellState::kPublished);
        for (const std::string& part : parts) line.parts.push_back(add(part, 0, CellState::kPublished));
        problem.lines.push_back(std::move(line));
      }
    };
    for (const Decided* x : inside) add_lines(*x);
    add_lines(*d);
    VAULT_ASSIGN_OR_RETURN(std::vector<bool> suppressed, stats::Protect(problem, options_.threshold));
    for (const auto& [id, v] : d->values) d->suppressed[id] = suppressed[index.at(id)];
    return Status::OK();
  }

  const StatisticsOptions& options_;
  const DayCountsByDay& days_;
  std::map<std::string, std::unique_ptr<Decided>> memo_;
};

std::optional<int64_t> Shown(const Decided& d, const std::string& id) {
  auto v = d.values.find(id);
  auto s = d.suppressed.find(id);
  if (v == d.values.end() || s == d.suppressed.end() || s->second) return std::nullopt;
  return v->second;
}

}  // namespace

StatusOr<Period> ParsePeriod(std::string_view text) {
  Period p;
  if (text.size() < 4 || !ParseInt(text.substr(0, 4), &p.year) || p.year < 1970) {
    return InvalidPeriod();
  }
  std::string_view rest = text.substr(4);
  if (rest.empty()) {
    p.kind = Period::Kind::kYear;
    return p;
  }
  if (rest.size() == 3 && rest[0] == '-' && rest[1] == 'q' && rest[2] >= '1' && rest[2] <= '4') {
    p.kind = Period::Kind::kQuarter;
    p.quarter = rest[2] - '0';
    return p;
  }
  if (rest.size() < 3 || rest[0] != '-' || !ParseInt(rest.substr(1, 2), &p.month) ||
      p.month < 1 || p.month > 12) {
    return InvalidPeriod();
  }
  rest.remove_prefix(3);
  if (rest.empty()) {
    p.kind = Period::Kind::kMonth;
    return p;
  }
  if (rest.size() == 3 && rest[0] == '-' && rest[1] == 'w' && rest[2] >= '1' && rest[2] <= '4') {
    p.kind = Period::Kind::kWeek;
    p.week = rest[2] - '0';
    return p;
  }
  return InvalidPeriod();
}

const char* PeriodKindName(Period::Kind kind) {
  switch (kind) {
    case Period::Kind::kWeek:
      return "week";
    case Period::Kind::kMonth:
      return "month";
    case Period::Kind::kQuarter:
      return "quarter";
    case Period::Kind::kYear:
      return "year";
  }
  return "month";
}

std::string PeriodName(const Period& p) {
  char buf[32];
  switch (p.kind) {
    case Period::Kind::kWeek:
      std::snprintf(buf, sizeof buf, "%04d-%02d-w%d", p.year, p.month, p.week);
      break;
    case Period::Kind::kMonth:
      std::snprintf(buf, sizeof buf, "%04d-%02d", p.year, p.month);
      break;
    case Period::Kind::kQuarter:
      std::snprintf(buf, sizeof buf, "%04d-q%d", p.year, p.quarter);
      break;
    case Period::Kind::kYear:
      std::snprintf(buf, sizeof buf, "%04d", p.year);
      break;
  }
  return buf;
}

int32_t FirstDay(const Period& p) {
  switch (p.kind) {
    case Period::Kind::kWeek:
      return DaysFromCivil(p.year, static_cast<unsigned>(p.month),
                           static_cast<unsigned>(1 + 7 * (p.week - 1)));
    case Period::Kind::kMonth:
      return DaysFromCivil(p.year, static_cast<unsigned>(p.month), 1);
    case Period::Kind::kQuarter:
      return DaysFromCivil(p.year, static_cast<unsigned>(3 * (p.quarter - 1) + 1), 1);
    case Period::Kind::kYear:
      return DaysFromCivil(p.year, 1, 1);
  }
  return 0;
}

int32_t LastDay(const Period& p) {
  switch (p.kind) {
    case Period::Kind::kWeek:
      return p.week < 4 ? FirstDay(p) + 6 : MonthEnd(p.year, p.month);
    case Period::Kind::kMonth:
      return MonthEnd(p.year, p.month);
    case Period::Kind::kQuarter:
      return MonthEnd(p.year, 3 * p.quarter);
    case Period::Kind::kYear:
      return MonthEnd(p.year, 12);
  }
  return 0;
}

int32_t YearStart(const Period& p) { return DaysFromCivil(p.year, 1, 1); }

std::vector<Period> Children(const Period& p) {
  std::vector<Period> out;
  Period c;
  c.year = p.year;
  switch (p.kind) {
    case Period::Kind::kWeek:
      break;
    case Period::Kind::kMonth:
      c.kind = Period::Kind::kWeek;
      c.month = p.month;
      for (int w = 1; w <= 4; ++w) {
        c.week = w;
        out.push_back(c);
      }
      break;
    case Period::Kind::kQuarter:
      c.kind = Period::Kind::kMonth;
      for (int m = 1; m <= 3; ++m) {
        c.month = 3 * (p.quarter - 1) + m;
        out.push_back(c);
      }
      break;
    case Period::Kind::kYear:
      c.kind = Period::Kind::kQuarter;
      for (int q = 1; q <= 4; ++q) {
        c.quarter = q;
        out.push_back(c);
      }
      break;
  }
  return out;
}

bool Publishable(const StatisticsOptions& options, const Period& p, UnixMillis now) {
  const int64_t end_local = (int64_t{LastDay(p)} + 1) * kMillisPerDay;
  const int64_t end_utc = end_local - int64_t{options.utc_offset_minutes} * 60000;
  return now >= end_utc + options.publish_delay_ms;
}

StatusOr<StatisticsReport> Publish(const StatisticsOptions& options, std::string_view service,
                                   const Period& p, const DayCountsByDay& days) {
  Publisher publisher(options, days);
  VAULT_ASSIGN_OR_RETURN(const Decided* d, publisher.Decide(p));
  StatisticsReport report;
  report.service = std::string(service);
  report.period = PeriodName(p);
  report.kind = PeriodKindName(p.kind);
  report.first_day = DayName(FirstDay(p));
  report.last_day = DayName(LastDay(p));
  const int32_t off = options.utc_offset_minutes;
  char offset[16];
  std::snprintf(offset, sizeof offset, "%c%02d:%02d", off < 0 ? '-' : '+', std::abs(off) / 60,
                std::abs(off) % 60);
  report.utc_offset = offset;
  report.threshold = options.threshold;
  const std::string name = PeriodName(p);

  // Chats per week (per day for a week): cells decided where they belong.
  StatisticsTable series;
  series.name = "chats_by_week";
  series.columns = {"chats"};
  series.total = Shown(*d, Id(name, "chats", "", ""));
  if (p.kind == Period::Kind::kWeek) {
    series.title = "Chats per day";
    for (const std::string& id : d->days) {
      series.rows.push_back(id.substr(0, id.find('|')));
      series.cells.push_back({Shown(*d, id)});
    }
  } else {
    series.title = "Chats per week";
    std::vector<const Decided*> weeks;
    std::function<void(const Decided&)> collect = [&](const Decided& x) {
      for (const std::string& c : x.children) {
        const Decided* child = publisher.Find(c);
        if (child == nullptr) continue;
        if (child->period.kind == Period::Kind::kWeek) {
          weeks.push_back(child);
        } else {
          collect(*child);
        }
      }
    };
    collect(*d);
    for (const Decided* w : weeks) {
      const std::string wn = PeriodName(w->period);
      series.rows.push_back(wn);
      series.cells.push_back({Shown(*w, Id(wn, "chats", "", ""))});
    }
  }
  report.tables.push_back(std::move(series));

  for (const Shape& s : d->shapes) {
    StatisticsTable t;
    t.name = s.name;
    t.title = s.title;
    t.rows = s.rows;
    t.columns = s.columns;
    for (const std::string& r : s.rows) {
      std::vector<std::optional<int64_t>> row;
      for (const std::string& c : s.columns) {
        row.push_back(Shown(*d, Id(name, s.name, r, s.columns.size() == 1 ? "" : c)));
      }
      t.cells.push_back(std::move(row));
    }
    t.total = Shown(*d, s.total);
    report.tables.push_back(std::move(t));
  }
  return report;
}

}  // namespace vault::stats
