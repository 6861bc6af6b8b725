// What `vaultctl stats report` makes of a statistics report
// (include/vault/statistics.h): one HTML document for a funder to look at
// and print. Kept out of vaultctl so that the rendering can be tested alone,
// in a real browser (tests/tools/stats_report_render_test.cc).
//
// The document is self-contained: inline CSS and inline SVG, no script,
// nothing fetched from elsewhere; every string of the report (service,
// labels, question texts) is HTML-escaped. It prints on A4 portrait, each
// section on a new page. In order: a title block (service, period, dates,
// the threshold k and what suppression means), key figures (chats, replied,
// returning share), chats per week ("chats_by_week", vertical bars), chats
// by hour and weekday ("hour_weekday", a heat map), one horizontal bar chart
// per monitoring question ("question:ID"), smaller bar charts of the other
// tables, then every table's figures as an HTML table.
//
// A suppressed count is drawn as a hatched, outlined placeholder labelled
// "<k" ("<10"), and written "<k" in the tables; never as 0, never as an
// empty bar. A legend says so. Each kind of chart has its own fill colour
// (below), which nothing else in the document uses, so that a screenshot
// shows which charts are there.
//
// Thread safety: pure functions.
#ifndef VAULT_TOOLS_STATS_REPORT_RENDER_H_
#define VAULT_TOOLS_STATS_REPORT_RENDER_H_

#include <string>
#include <string_view>

#include "vault/statistics.h"

namespace vault::stats {

inline constexpr char kWeeklyBarFill[] = "#1f5fa8";    // chats per week
inline constexpr char kHeatMapFill[] = "#c0392b";      // the heat map's largest count;
                                                       // smaller ones mix it with white
inline constexpr char kQuestionBarFill[] = "#2e8b57";  // monitoring questions
inline constexpr char kOtherBarFill[] = "#7b4f9d";     // duration, device, ...
inline constexpr char kSuppressedInk[] = "#777777";    // hatch and outline of "<k"

// `&`, `<`, `>`, `"` and `'` as character references (sar::EscapeHtml, the
// subject access documents' escaping).
std::string EscapeHtml(std::string_view text);

// The document, UTF-8. Tables it does not know by name are drawn as small
// bar charts; a table whose cells are not rows x columns is left out of the
// charts and shown only as a table of what it has.
std::string RenderStatisticsHtml(const StatisticsReport& report);

}  // namespace vault::stats

#endif  // VAULT_TOOLS_STATS_REPORT_RENDER_H_
