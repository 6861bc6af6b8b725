#include "stats_report_render.h"

#include "subject_access_render.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

namespace vault::stats {
namespace {

using Count = std::optional<int64_t>;

constexpr const char* kMonths[] = {"January", "February", "March",     "April",
                                   "May",     "June",     "July",      "August",
                                   "September", "October", "November", "December"};
constexpr const char* kQuarterMonths[] = {"January to March", "April to June",
                                          "July to September", "October to December"};
// The tables drawn as small charts, in this order; unknown ones follow.
constexpr const char* kSmallCharts[] = {"agent_reply", "first_reply", "duration",
                                        "returning",   "device",      "messages"};

std::string E(std::string_view text) { return EscapeHtml(text); }
std::string I(double v) { return std::to_string(std::lround(v)); }

// 1234567 -> "1,234,567".
std::string Num(int64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  const size_t first = digits[0] == '-' ? 1 : 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > first && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Percent(int64_t part, int64_t whole) {
  if (whole <= 0) return "";
  return std::to_string(std::lround(100.0 * static_cast<double>(part) / whole)) + "%";
}

bool WellFormed(const StatisticsTable& t) {
  if (t.cells.size() != t.rows.size() || t.rows.empty() || t.columns.empty()) return false;
  for (const auto& row : t.cells) {
    if (row.size() != t.columns.size()) return false;
  }
  return true;
}

const StatisticsTable* Find(const StatisticsReport& r, std::string_view name) {
  for (const StatisticsTable& t : r.tables) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

// The first column's count of row `row`, if the table has that row.
std::optional<Count> CellOf(const StatisticsTable* t, std::string_view row) {
  if (t == nullptr || !WellFormed(*t)) return std::nullopt;
  for (size_t r = 0; r < t->rows.size(); ++r) {
    if (t->rows[r] == row) return t->cells[r][0];
  }
  return std::nullopt;
}

// "no_answer" -> "No answer", "under_18" -> "Under 18".
std::string Humanise(std::string_view id) {
  std::string out(id);
  std::replace(out.begin(), out.end(), '_', ' ');
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
  return out;
}

// At most `max` characters (code points), an ellipsis when cut.
std::string Shorten(const std::string& text, size_t max) {
  size_t chars = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (chars++ == max) return text.substr(0, i) + "\u2026";
  }
  return text;
}

struct Ymd {
  int y = 0, m = 0, d = 0;
};

bool Digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "2026-11-08", "2026-11" (d 0) or "2026" (m 0).
std::optional<Ymd> ParseDate(std::string_view s) {
  Ymd out;
  if (s.size() < 4 || !Digits(s.substr(0, 4))) return std::nullopt;
  out.y = std::stoi(std::string(s.substr(0, 4)));
  if (s.size() == 4) return out;
  if (s.size() < 7 || s[4] != '-' || !Digits(s.substr(5, 2))) return std::nullopt;
  out.m = std::stoi(std::string(s.substr(5, 2)));
  if (out.m < 1 || out.m > 12) return std::nullopt;
  if (s.size() == 7) return out;
  if (s.size() != 10 || s[7] != '-' || !Digits(s.substr(8, 2))) return std::nullopt;
  out.d = std::stoi(std::string(s.substr(8, 2)));
  return out;
}

int DaysInMonth(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

std::string ReadableDay(std::string_view day) {
  const std::optional<Ymd> d = ParseDate(day);
  if (!d || d->d == 0) return std::string(day);
  return std::to_string(d->d) + " " + kMonths[d->m - 1] + " " + std::to_string(d->y);
}

// A week "2026-11-w2": {month, first day, last day}.
std::optional<std::pair<Ymd, int>> ParseWeek(std::string_view s) {
  if (s.size() != 10 || s.substr(7, 2) != "-w" || s[9] < '1' || s[9] > '4') return std::nullopt;
  std::optional<Ymd> month = ParseDate(s.substr(0, 7));
  if (!month) return std::nullopt;
  const int week = s[9] - '0';
  month->d = 7 * (week - 1) + 1;
  const int last = week == 4 ? DaysInMonth(month->y, month->m) : month->d + 6;
  return std::make_pair(*month, last);
}

std::string PeriodText(std::string_view period) {
  if (const auto week = ParseWeek(period)) {
    return "Week " + std::string(1, period[9]) + " of " + kMonths[week->first.m - 1] + " " +
           std::to_string(week->first.y);
  }
  if (period.size() == 7 && period.substr(4, 2) == "-q" && period[6] >= '1' && period[6] <= '4' &&
      Digits(period.substr(0, 4))) {
    return "Quarter " + std::string(1, period[6]) + " of " + std::string(period.substr(0, 4)) +
           " (" + kQuarterMonths[period[6] - '1'] + ")";
  }
  const std::optional<Ymd> d = ParseDate(period);
  if (d && d->d == 0 && d->m != 0) return std::string(kMonths[d->m - 1]) + " " + std::to_string(d->y);
  if (d && d->m == 0) return "The year " + std::to_string(d->y);
  return std::string(period);
}

// A row of "chats_by_week": a label and a second line.
std::pair<std::string, std::string> WeekLabel(const std::string& row) {
  if (const auto week = ParseWeek(row)) {
    const std::string month = std::string(kMonths[week->first.m - 1]).substr(0, 3);
    return {"Week " + std::string(1, row[9]),
            std::to_string(week->first.d) + "\u2013" + std::to_string(week->second) + " " + month};
  }
  const std::optional<Ymd> d = ParseDate(row);
  if (d && d->d != 0) return {std::to_string(d->d) + " " + std::string(kMonths[d->m - 1]).substr(0, 3), ""};
  return {row, ""};
}

// A round number at least `v`: 1, 2 or 5 times a power of ten.
double NiceCeil(double v) {
  if (v <= 1) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * p >= v) return m * p;
  }
  return 10 * p;
}

// The heat map's ramp: `t` 0 is white, 1 is kHeatMapFill.
std::string Ramp(double t) {
  static constexpr int kTo[] = {0xc0, 0x39, 0x2b};
  char out[8];
  int c[3];
  for (int i = 0; i < 3; ++i) c[i] = static_cast<int>(std::lround(255 + (kTo[i] - 255) * t));
  std::snprintf(out, sizeof out, "#%02x%02x%02x", c[0], c[1], c[2]);
  return out;
}

// Writes the document; one per report.
class Renderer {
 public:
  explicit Renderer(const StatisticsReport& r) : r_(r), k_("<" + std::to_string(r.threshold)) {}

  std::string Document();

 private:
  std::string NewHatch(std::string* svg) {
    const std::string id = "hatch-" + std::to_string(++hatches_);
    *svg += "<defs><pattern id=\"" + id +
            "\" width=\"8\" height=\"8\" patternUnits=\"userSpaceOnUse\" "
            "patternTransform=\"rotate(45)\"><rect width=\"8\" height=\"8\" fill=\"#ffffff\" "
            "shape-rendering=\"crispEdges\"/><rect width=\"3\" height=\"8\" fill=\"" +
            std::string(kSuppressedInk) + "\" shape-rendering=\"crispEdges\"/></pattern></defs>";
    return id;
  }
  std::string SuppressedBox(const std::string& hatch, double x, double y, double w, double h) {
    return "<rect class=\"suppressed\" x=\"" + I(x) + "\" y=\"" + I(y) + "\" width=\"" + I(w) +
           "\" height=\"" + I(h) + "\" fill=\"url(#" + hatch + ")\" stroke=\"" + kSuppressedInk +
           "\" stroke-width=\"2\" shape-rendering=\"crispEdges\"/>";
  }
  static std::string Text(double x, double y, const std::string& text, const char* extra = "") {
    return "<text x=\"" + I(x) + "\" y=\"" + I(y) + "\" " + extra + ">" + E(text) + "</text>";
  }
  std::string Legend();
  void TitleBlock();
  void KeyFigures();
  void WeeklyChart(const StatisticsTable& t);
  void HeatMap(const StatisticsTable& t);
  void HorizontalBars(const StatisticsTable& t, const char* fill, double width);
  void FiguresTable(const StatisticsTable& t);
  static bool AnySuppressed(const StatisticsTable& t);

  const StatisticsReport& r_;
  const std::string k_;  // "<10"
  int hatches_ = 0;
  std::string out_;
};

std::string Renderer::Legend() {
  std::string svg = "<svg class=\"swatch\" viewBox=\"0 0 34 18\" width=\"34\" height=\"18\" "
                    "aria-hidden=\"true\">";
  const std::string hatch = NewHatch(&svg);
  svg += SuppressedBox(hatch, 1, 1, 32, 16) + "</svg>";
  return "<p class=\"legend\">" + svg + " <strong>" + E(k_) +
         "</strong> hidden: fewer than " + std::to_string(r_.threshold) +
         ", or hidden so that a small number cannot be worked out. Not zero.</p>\n";
}

bool Renderer::AnySuppressed(const StatisticsTable& t) {
  if (!t.total) return true;
  for (const auto& row : t.cells) {
    for (const Count& c : row) {
      if (!c) return true;
    }
  }
  return false;
}

void Renderer::TitleBlock() {
  out_ += "<section class=\"page first\">\n<header class=\"title\">\n<p class=\"kicker\">Service "
          "statistics</p>\n<h1>" + E(r_.service) + "</h1>\n<p class=\"period\">" +
          E(PeriodText(r_.period)) + "</p>\n<p class=\"dates\">" + E(ReadableDay(r_.first_day)) +
          " to " + E(ReadableDay(r_.last_day)) + " &middot; days and hours counted at UTC" +
          E(r_.utc_offset) + " &middot; period " + E(r_.period) + "</p>\n</header>\n";
  out_ += "<div class=\"note\"><p><strong>About these numbers.</strong> They count chats, not "
          "people, and hold nothing about who anyone is. To protect the people who use the "
          "service, any number below " + std::to_string(r_.threshold) + " (k = " +
          std::to_string(r_.threshold) + ") is not shown. Some larger numbers are hidden as "
          "well, so that a hidden one cannot be worked out by adding or subtracting. A hidden "
          "number is shown as &ldquo;" + E(k_) + "&rdquo;; it is not zero. A 0 is a real "
          "zero.</p>\n" + Legend() + "</div>\n";
}

void Renderer::KeyFigures() {
  const StatisticsTable* weeks = Find(r_, "chats_by_week");
  const StatisticsTable* reply = Find(r_, "agent_reply");
  const StatisticsTable* returning = Find(r_, "returning");
  std::optional<Count> chats;
  if (weeks) chats = weeks->total;
  if (!chats && reply) chats = reply->total;
  const auto figure = [&](const std::string& label, const std::optional<Count>& value,
                          const std::string& note) {
    out_ += "<div class=\"figure\"><div class=\"label\">" + E(label) + "</div>";
    if (!value) {
      out_ += "<div class=\"value\">&ndash;</div><div class=\"sub\">not in this report</div>";
    } else if (!*value) {
      out_ += "<div class=\"value suppressed\">" + E(k_) + "</div><div class=\"sub\">hidden</div>";
    } else {
      out_ += "<div class=\"value\">" + E(Num(**value)) + "</div><div class=\"sub\">" + E(note) +
              "</div>";
    }
    out_ += "</div>\n";
  };
  out_ += "<h2>Key figures</h2>\n<div class=\"keyfigs\">\n";
  figure("Chats", chats, "in the period");
  const std::optional<Count> replied = CellOf(reply, "replied");
  std::string note = "answered by an agent";
  if (replied && *replied && reply->total) note += " (" + Percent(**replied, *reply->total) + ")";
  figure("Replied", replied, note);
  const std::optional<Count> back = CellOf(returning, "returning");
  out_ += "<div class=\"figure\"><div class=\"label\">Returning visitors</div>";
  if (back && *back && returning->total) {
    out_ += "<div class=\"value\">" + E(Percent(**back, *returning->total)) +
            "</div><div class=\"sub\">" + E(Num(**back)) + " of " + E(Num(*returning->total)) +
            " chats</div>";
  } else if (back) {
    out_ += "<div class=\"value suppressed\">" + E(k_) + "</div><div class=\"sub\">hidden</div>";
  } else {
    out_ += "<div class=\"value\">&ndash;</div><div class=\"sub\">not in this report</div>";
  }
  out_ += "</div>\n</div>\n";
}

void Renderer::WeeklyChart(const StatisticsTable& t) {
  const double W = 1000, H = 300, left = 60, right = 16, top = 28, bottom = 52;
  const double pw = W - left - right, ph = H - top - bottom;
  double max = static_cast<double>(r_.threshold);
  for (const auto& row : t.cells) max = std::max(max, static_cast<double>(row[0].value_or(0)));
  const double nice = NiceCeil(max);
  const size_t n = t.rows.size();
  const double slot = pw / n, bar = std::max(2.0, slot * 0.7);
  std::string svg = "<svg class=\"chart weekly\" viewBox=\"0 0 " + I(W) + " " + I(H) +
                    "\" role=\"img\" aria-label=\"" + E(t.title) + "\">";
  const std::string hatch = NewHatch(&svg);
  for (int g = 0; g <= 4; ++g) {
    const double y = top + ph - ph * g / 4;
    svg += "<line x1=\"" + I(left) + "\" x2=\"" + I(W - right) + "\" y1=\"" + I(y) + "\" y2=\"" +
           I(y) + "\" stroke=\"" + (g == 0 ? "#444444" : "#e3e3e3") +
           "\" shape-rendering=\"crispEdges\"/>";
    svg += Text(left - 8, y + 4, Num(std::lround(nice * g / 4)), "class=\"axis\" text-anchor=\"end\"");
  }
  for (size_t i = 0; i < n; ++i) {
    const double x = left + slot * i + (slot - bar) / 2, cx = x + bar / 2;
    const Count& v = t.cells[i][0];
    svg += "<g><title>" + E(t.rows[i]) + ": " + E(v ? Num(*v) : k_ + " (hidden)") + "</title>";
    double h = 0;
    if (!v) {
      h = std::max(ph * r_.threshold / nice, 22.0);
      svg += SuppressedBox(hatch, x, top + ph - h, bar, h);
    } else if (*v > 0) {
      h = std::max(1.0, ph * *v / nice);
      svg += "<rect x=\"" + I(x) + "\" y=\"" + I(top + ph - h) + "\" width=\"" + I(bar) +
             "\" height=\"" + I(h) + "\" fill=\"" + kWeeklyBarFill +
             "\" shape-rendering=\"crispEdges\"/>";
    }
    if (slot >= 30 || !v) {
      svg += Text(cx, top + ph - h - 6, v ? Num(*v) : k_,
                  v ? "class=\"value\" text-anchor=\"middle\""
                    : "class=\"value hidden\" text-anchor=\"middle\"");
    }
    const auto [label, sub] = WeekLabel(t.rows[i]);
    const bool first_week = t.rows[i].size() == 10 && t.rows[i].substr(7) == "-w1";
    if (n <= 16) {
      svg += Text(cx, top + ph + 18, label, "class=\"axis\" text-anchor=\"middle\"");
      if (!sub.empty()) svg += Text(cx, top + ph + 36, sub, "class=\"axis\" text-anchor=\"middle\"");
    } else if (first_week && !sub.empty()) {  // a long period: name each month once
      svg += Text(x, top + ph + 18, sub.substr(sub.size() - 3), "class=\"axis\"");
    }
    svg += "</g>";
  }
  out_ += svg + "</svg>\n";
}

void Renderer::HeatMap(const StatisticsTable& t) {
  const double cw = 118, ch = 40, left = 90, top = 30;
  const size_t rows = t.rows.size(), cols = t.columns.size();
  const double W = left + cw * cols + 10, H = top + ch * rows + 70;
  int64_t max = 0;
  for (const auto& row : t.cells) {
    for (const Count& c : row) max = std::max(max, c.value_or(0));
  }
  std::string svg = "<svg class=\"chart heatmap\" viewBox=\"0 0 " + I(W) + " " + I(H) +
                    "\" role=\"img\" aria-label=\"" + E(t.title) + "\">";
  const std::string hatch = NewHatch(&svg);
  for (size_t c = 0; c < cols; ++c) {
    svg += Text(left + cw * c + cw / 2, top - 10, t.columns[c], "class=\"axis\" text-anchor=\"middle\"");
  }
  for (size_t r = 0; r < rows; ++r) {
    const double y = top + ch * r;
    svg += Text(left - 10, y + ch / 2 + 5, t.rows[r], "class=\"axis\" text-anchor=\"end\"");
    for (size_t c = 0; c < cols; ++c) {
      const double x = left + cw * c, cx = x + cw / 2;
      const Count& v = t.cells[r][c];
      svg += "<g><title>" + E(t.columns[c]) + " " + E(t.rows[r]) + ": " +
             E(v ? Num(*v) : k_ + " (hidden)") + "</title>";
      if (!v) {
        svg += SuppressedBox(hatch, x + 2, y + 2, cw - 4, ch - 4);
        svg += "<rect x=\"" + I(cx - 22) + "\" y=\"" + I(y + ch / 2 - 10) +
               "\" width=\"44\" height=\"20\" fill=\"#ffffff\"/>";
        svg += Text(cx, y + ch / 2 + 5, k_, "class=\"value hidden\" text-anchor=\"middle\"");
      } else {
        const double s = *v == 0 || max == 0 ? 0 : 0.08 + 0.92 * static_cast<double>(*v) / max;
        svg += "<rect x=\"" + I(x + 1) + "\" y=\"" + I(y + 1) + "\" width=\"" + I(cw - 2) +
               "\" height=\"" + I(ch - 2) + "\" fill=\"" + Ramp(s) +
               "\" stroke=\"#dddddd\" stroke-width=\"0.5\" shape-rendering=\"crispEdges\"/>";
        svg += Text(cx, y + ch / 2 + 5, Num(*v),
                    s > 0.55 ? "class=\"value\" text-anchor=\"middle\" fill=\"#ffffff\""
                             : "class=\"value\" text-anchor=\"middle\"");
      }
      svg += "</g>";
    }
  }
  // The ramp's key: five steps from 0 to the largest count.
  const double ky = top + ch * rows + 24;
  svg += Text(left, ky + 15, "0", "class=\"axis\" text-anchor=\"end\"");
  for (int i = 0; i < 5; ++i) {
    const double s = i == 0 ? 0.08 : 0.08 + 0.92 * i / 4;
    svg += "<rect x=\"" + I(left + 8 + 40 * i) + "\" y=\"" + I(ky) + "\" width=\"40\" height=\"20\" fill=\"" +
           Ramp(s) + "\" shape-rendering=\"crispEdges\"/>";
  }
  svg += Text(left + 216, ky + 15, Num(max), "class=\"axis\"");
  out_ += svg + "</svg>\n";
}

void Renderer::HorizontalBars(const StatisticsTable& t, const char* fill, double W) {
  const bool wide = W > 600;
  const double label_w = wide ? 250 : 140, value_w = wide ? 130 : 128, row_h = 30, bar_h = 20;
  const double bw = W - label_w - value_w - 10, H = row_h * t.rows.size() + 8;
  double max = static_cast<double>(r_.threshold);
  for (const auto& row : t.cells) max = std::max(max, static_cast<double>(row[0].value_or(0)));
  std::string svg = "<svg class=\"chart bars\" viewBox=\"0 0 " + I(W) + " " + I(H) +
                    "\" role=\"img\" aria-label=\"" + E(t.title) + "\">";
  const std::string hatch = NewHatch(&svg);
  const double x0 = label_w + 8;
  svg += "<line x1=\"" + I(x0) + "\" x2=\"" + I(x0) + "\" y1=\"0\" y2=\"" + I(H) +
         "\" stroke=\"#444444\" shape-rendering=\"crispEdges\"/>";
  for (size_t i = 0; i < t.rows.size(); ++i) {
    const double y = row_h * i + 4 + (row_h - bar_h) / 2, ty = y + bar_h / 2 + 5;
    const Count& v = t.cells[i][0];
    const std::string label = Humanise(t.rows[i]);
    svg += "<g><title>" + E(label) + ": " + E(v ? Num(*v) : k_ + " (hidden)") + "</title>";
    svg += Text(label_w, ty, Shorten(label, wide ? 34 : 20), "class=\"axis\" text-anchor=\"end\"");
    double w = 0;
    if (!v) {
      w = std::max(bw * r_.threshold / max, 36.0);
      svg += SuppressedBox(hatch, x0 + 1, y, w, bar_h);
    } else if (*v > 0) {
      w = std::max(1.0, bw * *v / max);
      svg += "<rect x=\"" + I(x0 + 1) + "\" y=\"" + I(y) + "\" width=\"" + I(w) + "\" height=\"" +
             I(bar_h) + "\" fill=\"" + fill + "\" shape-rendering=\"crispEdges\"/>";
    }
    std::string value = v ? Num(*v) : k_;
    if (v && t.total) value += " (" + Percent(*v, *t.total) + ")";
    svg += Text(x0 + w + 8, ty, value, v ? "class=\"value\"" : "class=\"value hidden\"");
    svg += "</g>";
  }
  out_ += svg + "</svg>\n";
}

void Renderer::FiguresTable(const StatisticsTable& t) {
  const auto cell = [&](const Count& c) {
    return c ? "<td>" + E(Num(*c)) + "</td>" : "<td class=\"suppressed\">" + E(k_) + "</td>";
  };
  out_ += "<table class=\"numbers\">\n<caption>" + E(t.title.empty() ? t.name : t.title) +
          "</caption>\n<thead><tr><th scope=\"col\"></th>";
  for (const std::string& c : t.columns) out_ += "<th scope=\"col\">" + E(c) + "</th>";
  out_ += "</tr></thead>\n<tbody>\n";
  for (size_t r = 0; r < t.rows.size(); ++r) {
    out_ += "<tr><th scope=\"row\">" + E(t.rows[r]) + "</th>";
    for (size_t c = 0; c < t.columns.size(); ++c) {
      out_ += r < t.cells.size() && c < t.cells[r].size() ? cell(t.cells[r][c]) : "<td></td>";
    }
    out_ += "</tr>\n";
  }
  const std::string span = std::to_string(std::max<size_t>(1, t.columns.size()));
  out_ += "<tr class=\"total\"><th scope=\"row\">Total</th>" +
          cell(t.total).insert(3, " colspan=\"" + span + "\"") + "</tr>\n</tbody>\n</table>\n";
}

std::string Renderer::Document() {
  out_ = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
         "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>" +
         E("Service statistics: " + r_.service + ", " + r_.period) + "</title>\n<style>\n" R"(
@page { size: A4 portrait; margin: 14mm; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: #222222;
       max-width: 1060px; margin: 0 auto; padding: 20px 24px; line-height: 1.4; }
h1 { font-size: 32px; margin: 0; }
h2 { font-size: 22px; margin: 28px 0 8px; border-bottom: 2px solid #dddddd; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 18px 0 4px; }
.kicker { text-transform: uppercase; letter-spacing: 0.08em; color: #555555; margin: 0; }
.period { font-size: 22px; margin: 2px 0; }
.dates { color: #555555; margin: 0 0 12px; }
.note { border-left: 4px solid #bbbbbb; background: #f6f6f6; padding: 4px 14px; }
.legend { display: flex; align-items: center; gap: 8px; margin: 6px 0; font-size: 13px; }
.keyfigs { display: flex; gap: 16px; }
.figure { flex: 1; border: 1px solid #cccccc; border-radius: 6px; padding: 10px 16px; }
.figure .label { color: #555555; }
.figure .value { font-size: 34px; font-weight: bold; }
.figure .sub { color: #555555; font-size: 13px; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 4px 32px; }
.chart-block { break-inside: avoid; page-break-inside: avoid; }
svg.chart { display: block; width: 100%; height: auto; font-size: 14px; }
svg.chart text { fill: #222222; }
svg.chart text.axis { fill: #555555; font-size: 13px; }
svg.chart text.hidden { font-weight: bold; }
svg.chart.heatmap { max-width: 930px; }
svg.swatch { flex: none; }
.tables { display: flex; flex-wrap: wrap; align-items: flex-start; gap: 0 28px; }
table.numbers { border-collapse: collapse; margin: 8px 0 18px; font-size: 13px; min-width: 280px;
                break-inside: avoid; }
table.numbers caption { text-align: left; font-weight: bold; padding: 4px 0; }
table.numbers th, table.numbers td { border: 1px solid #cccccc; padding: 3px 8px; text-align: right; }
table.numbers th[scope=row] { text-align: left; font-weight: normal; }
table.numbers td.suppressed { font-style: italic; background: #f0f0f0; }
table.numbers tr.total th, table.numbers tr.total td { font-weight: bold; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  section.page { break-before: page; page-break-before: always; }
  section.first { break-before: auto; page-break-before: auto; }
  .keyfigs, .figure, table.numbers, h2, h3 { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
}
</style>
</head>
<body>
)";
  TitleBlock();
  KeyFigures();
  const StatisticsTable* weeks = Find(r_, "chats_by_week");
  if (weeks && WellFormed(*weeks)) {
    out_ += "<div class=\"chart-block\"><h2>" + E(weeks->title.empty() ? "Chats per week" : weeks->title) +
            "</h2>\n";
    WeeklyChart(*weeks);
    out_ += "</div>\n";
  }
  out_ += "</section>\n";
  const StatisticsTable* heat = Find(r_, "hour_weekday");
  if (heat && WellFormed(*heat)) {
    out_ += "<section class=\"page\">\n<h2>" +
            E(heat->title.empty() ? "Chats by hour and weekday" : heat->title) + "</h2>\n";
    HeatMap(*heat);
    if (AnySuppressed(*heat)) out_ += Legend();
    out_ += "</section>\n";
  }
  std::vector<const StatisticsTable*> questions, others;
  for (const char* name : kSmallCharts) {
    if (const StatisticsTable* t = Find(r_, name); t && WellFormed(*t)) others.push_back(t);
  }
  for (const StatisticsTable& t : r_.tables) {
    const bool known = t.name == "chats_by_week" || t.name == "hour_weekday" ||
                       std::find(others.begin(), others.end(), &t) != others.end();
    if (known || !WellFormed(t)) continue;
    (t.name.rfind("question:", 0) == 0 ? questions : others).push_back(&t);
  }
  if (!questions.empty()) {
    out_ += "<section class=\"page\">\n<h2>Monitoring questions</h2>\n";
    for (const StatisticsTable* t : questions) {
      out_ += "<div class=\"chart-block\"><h3>" + E(t->title.empty() ? t->name : t->title) + "</h3>\n";
      HorizontalBars(*t, kQuestionBarFill, 1000);
      out_ += "</div>\n";
    }
    out_ += Legend() + "</section>\n";
  }
  if (!others.empty()) {
    out_ += "<section class=\"page\">\n<h2>More about the chats</h2>\n<div class=\"grid\">\n";
    for (const StatisticsTable* t : others) {
      out_ += "<div class=\"chart-block\"><h3>" + E(t->title.empty() ? Humanise(t->name) : t->title) +
              "</h3>\n";
      HorizontalBars(*t, kOtherBarFill, 480);
      out_ += "</div>\n";
    }
    out_ += "</div>\n" + Legend() + "</section>\n";
  }
  out_ += "<section class=\"page\">\n<h2>The figures</h2>\n<p>Every published count, as a table. " +
          E(k_) + " marks a hidden count.</p>\n";
  out_ += "<div class=\"tables\">\n";
  for (const StatisticsTable& t : r_.tables) FiguresTable(t);
  out_ += "</div>\n</section>\n</body>\n</html>\n";
  return std::move(out_);
}

}  // namespace

std::string EscapeHtml(std::string_view text) { return sar::EscapeHtml(text); }

std::string RenderStatisticsHtml(const StatisticsReport& report) {
  return Renderer(report).Document();
}

}  // namespace vault::stats
