// What `vaultctl stats report` renders for funders
// (tools/stats_report_render.h): a suppressed count reads "<k" in every
// chart and table and is never drawn or written as 0; every string is
// escaped; the document is self-contained and prints on A4. And, in the real
// headless Chromium from Debian: the page is drawn, and each chart is on it,
// found by its own fill colour in a screenshot.
#include "stats_report_render.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <png.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"

extern char** environ;

namespace vault::stats {
namespace {

using vault::testing::ReadFileBytes;
using vault::testing::TempDir;

constexpr char kChromium[] = "/usr/bin/chromium";
constexpr std::nullopt_t kHidden = std::nullopt;

StatisticsTable Table(std::string name, std::string title, std::vector<std::string> rows,
                      std::vector<std::optional<int64_t>> counts, std::optional<int64_t> total,
                      std::string column = "chats") {
  StatisticsTable t;
  t.name = std::move(name);
  t.title = std::move(title);
  t.rows = std::move(rows);
  t.columns = {std::move(column)};
  for (const auto& c : counts) t.cells.push_back({c});
  t.total = total;
  return t;
}

StatisticsTable HourWeekday() {
  StatisticsTable t;
  t.name = "hour_weekday";
  t.title = "Chats by time of day and weekday";
  t.rows = {"00-06", "06-09", "09-12", "12-15", "15-18", "18-21", "21-24"};
  t.columns = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
  for (int r = 0; r < 7; ++r) {
    std::vector<std::optional<int64_t>> row;
    for (int c = 0; c < 7; ++c) {
      if ((r == 0 && c % 2 == 0) || (r == 6 && c == 5)) {
        row.push_back(kHidden);  // quiet nights: fewer than k
      } else {
        row.push_back(10 + (r * 13 + c * 7) % 40);
      }
    }
    t.cells.push_back(row);
  }
  t.cells[4][2] = 95;  // the busiest: drawn in the ramp's full colour
  t.total = 1840;
  return t;
}

// A month of a small helpline, with suppressed cells in most tables and a
// question whose one rare answer is suppressed.
StatisticsReport FunderReport() {
  StatisticsReport r;
  r.service = "Helpline <script>alert('x')</script> & Co";
  r.period = "2026-11";
  r.kind = "month";
  r.first_day = "2026-11-01";
  r.last_day = "2026-11-30";
  r.utc_offset = "+00:00";
  r.threshold = 10;
  r.tables = {
      Table("chats_by_week", "Chats per week", {"2026-11-w1", "2026-11-w2", "2026-11-w3", "2026-11-w4"},
            {412, 388, kHidden, 451}, 1840),
      Table("agent_reply", "Did an agent reply?", {"replied", "not_replied"}, {1701, 139}, 1840),
      Table("first_reply", "Time to the first reply",
            {"under_1m", "1m_to_5m", "5m_to_15m", "over_15m"}, {1203, 455, 43, kHidden}, 1701),
      Table("duration", "How long the chats lasted",
            {"under_5m", "5m_to_15m", "15m_to_30m", "over_30m"}, {300, 811, 512, 217}, 1840),
      Table("returning", "New and returning visitors", {"new", "returning"}, {1288, 552}, 1840),
      Table("device", "Devices", {"mobile", "tablet", "desktop", "unknown"},
            {1402, kHidden, 431, kHidden}, 1840),
      Table("messages", "Messages", {"visitor", "agent", "system"}, {20113, 22840, 1840}, 44793,
            "messages"),
      HourWeekday(),
      Table("question:age", "How old are you?", {"under_18", "18_to_25", "26_to_40", "over_40",
                                                 "no_answer"},
            {122, 380, 411, 250, 77}, 1240, "forms"),
      Table("question:heard", "Where did you hear about us? <b>bold</b>",
            {"search", "friend", "Other: my <i>uncle's</i> radio & TV show", "no_answer"},
            {512, 431, kHidden, 290}, kHidden, "forms"),
  };
  return r;
}

size_t Occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// The <tr> of row `row` in the figures table captioned `caption`.
std::string FiguresRow(const std::string& html, const std::string& caption, const std::string& row) {
  const size_t table = html.find("<caption>" + caption + "</caption>");
  if (table == std::string::npos) return "";
  const size_t end = html.find("</table>", table);
  const size_t at = html.find("<th scope=\"row\">" + row + "</th>", table);
  if (at == std::string::npos || at > end) return "";
  const size_t start = html.rfind("<tr", at);
  return html.substr(start, html.find("</tr>", at) - start);
}

// --- The document ------------------------------------------------------------

TEST(StatsReportRenderTest, EverySuppressedCountReadsLessThanK) {
  const StatisticsReport report = FunderReport();
  const std::string html = RenderStatisticsHtml(report);
  size_t hidden_cells = 0, hidden_totals = 0;
  for (const StatisticsTable& t : report.tables) {
    hidden_totals += t.total ? 0 : 1;
    for (const auto& row : t.cells) {
      for (const auto& c : row) hidden_cells += c ? 0 : 1;
    }
  }
  ASSERT_EQ(hidden_cells, 10u);
  // In the tables of figures: each hidden cell and total, as "<10".
  EXPECT_EQ(Occurrences(html, "<td class=\"suppressed\">&lt;10</td>") +
                Occurrences(html, "<td colspan=\"1\" class=\"suppressed\">&lt;10</td>"),
            hidden_cells + hidden_totals);
  // In the charts: each hidden cell as a hatched box labelled "<10".
  EXPECT_EQ(Occurrences(html, "class=\"value hidden\" text-anchor=\"middle\">&lt;10</text>") +
                Occurrences(html, "class=\"value hidden\">&lt;10</text>"),
            hidden_cells);
  EXPECT_EQ(Occurrences(html, "<rect class=\"suppressed\""), hidden_cells + Occurrences(html, "class=\"legend\""));
}

TEST(StatsReportRenderTest, NoSuppressedCountIsWrittenAsZero) {
  const std::string html = RenderStatisticsHtml(FunderReport());
  for (const auto& [caption, row] : std::vector<std::pair<std::string, std::string>>{
           {"Chats per week", "2026-11-w3"},
           {"Time to the first reply", "over_15m"},
           {"Devices", "tablet"},
           {"Devices", "unknown"},
           {"Where did you hear about us? &lt;b&gt;bold&lt;/b&gt;",
            "Other: my &lt;i&gt;uncle&#39;s&lt;/i&gt; radio &amp; TV show"},
           {"Where did you hear about us? &lt;b&gt;bold&lt;/b&gt;", "Total"}}) {
    const std::string tr = FiguresRow(html, caption, row);
    ASSERT_FALSE(tr.empty()) << caption << " / " << row;
    EXPECT_NE(tr.find("&lt;10"), std::string::npos) << tr;
    EXPECT_EQ(tr.find(">0<"), std::string::npos) << tr;
  }
  // A real zero is a zero, not hidden.
  StatisticsReport zero = FunderReport();
  zero.tables[0].cells[2][0] = 0;
  const std::string tr = FiguresRow(RenderStatisticsHtml(zero), "Chats per week", "2026-11-w3");
  EXPECT_NE(tr.find("<td>0</td>"), std::string::npos) << tr;
  EXPECT_EQ(tr.find("&lt;10"), std::string::npos) << tr;
}

TEST(StatsReportRenderTest, TheKeyFiguresComeFromTheTables) {
  const std::string html = RenderStatisticsHtml(FunderReport());
  EXPECT_NE(html.find("<div class=\"value\">1,840</div>"), std::string::npos);  // chats
  EXPECT_NE(html.find("<div class=\"value\">1,701</div>"), std::string::npos);  // replied
  EXPECT_NE(html.find("answered by an agent (92%)"), std::string::npos);
  EXPECT_NE(html.find("<div class=\"value\">30%</div>"), std::string::npos);  // 552 of 1840
  StatisticsReport hidden = FunderReport();
  hidden.tables[4].cells[1][0] = kHidden;  // returning visitors hidden
  const std::string html2 = RenderStatisticsHtml(hidden);
  EXPECT_NE(html2.find("Returning visitors</div><div class=\"value suppressed\">&lt;10</div>"),
            std::string::npos);
}

TEST(StatsReportRenderTest, EveryStringIsEscaped) {
  const std::string html = RenderStatisticsHtml(FunderReport());
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<b>"), std::string::npos);
  EXPECT_EQ(html.find("<i>"), std::string::npos);
  EXPECT_NE(html.find("<h1>Helpline &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Co</h1>"),
            std::string::npos);
  EXPECT_NE(html.find("<h3>Where did you hear about us? &lt;b&gt;bold&lt;/b&gt;</h3>"),
            std::string::npos);
  EXPECT_EQ(EscapeHtml("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
}

TEST(StatsReportRenderTest, TheDocumentIsSelfContainedAndPrintsOnA4) {
  const std::string html = RenderStatisticsHtml(FunderReport());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  for (const char* active : {"<script", "http:", "https:", "src=", "<link", "@import", "<iframe",
                             "<object", "<embed", "javascript:"}) {
    EXPECT_EQ(html.find(active), std::string::npos) << active;
  }
  EXPECT_EQ(Occurrences(html, "url("), Occurrences(html, "url(#hatch-"));  // patterns only
  EXPECT_NE(html.find("size: A4 portrait"), std::string::npos);
  EXPECT_NE(html.find("@media print"), std::string::npos);
  EXPECT_NE(html.find("section.page { break-before: page;"), std::string::npos);
  EXPECT_GE(Occurrences(html, "<section class=\"page"), 5u);
}

TEST(StatsReportRenderTest, EachChartIsDrawnInItsOwnColourInOrder) {
  const std::string html = RenderStatisticsHtml(FunderReport());
  const size_t weekly = html.find(std::string("fill=\"") + kWeeklyBarFill);
  const size_t heat = html.find(std::string("fill=\"") + kHeatMapFill);
  const size_t question = html.find(std::string("fill=\"") + kQuestionBarFill);
  const size_t other = html.find(std::string("fill=\"") + kOtherBarFill);
  ASSERT_NE(weekly, std::string::npos);
  ASSERT_NE(heat, std::string::npos);
  ASSERT_NE(question, std::string::npos);
  ASSERT_NE(other, std::string::npos);
  EXPECT_LT(weekly, heat);
  EXPECT_LT(heat, question);
  EXPECT_LT(question, other);
  EXPECT_EQ(Occurrences(html, std::string("fill=\"") + kWeeklyBarFill), 3u);  // w3 is hidden
  EXPECT_EQ(Occurrences(html, "<svg class=\"chart bars\""), 8u);  // 2 questions, 6 others
  EXPECT_EQ(Occurrences(html, "<table class=\"numbers\">"), FunderReport().tables.size());
}

TEST(StatsReportRenderTest, PeriodsAreNamedForPeople) {
  StatisticsReport r = FunderReport();
  EXPECT_NE(RenderStatisticsHtml(r).find("<p class=\"period\">November 2026</p>"), std::string::npos);
  EXPECT_NE(RenderStatisticsHtml(r).find("1 November 2026 to 30 November 2026"), std::string::npos);
  r.period = "2026-11-w2";
  EXPECT_NE(RenderStatisticsHtml(r).find("Week 2 of November 2026"), std::string::npos);
  r.period = "2026-q4";
  EXPECT_NE(RenderStatisticsHtml(r).find("Quarter 4 of 2026 (October to December)"),
            std::string::npos);
  r.period = "2026";
  EXPECT_NE(RenderStatisticsHtml(r).find("The year 2026"), std::string::npos);
}

TEST(StatsReportRenderTest, AnEmptyOrMisshapenReportStillRenders) {
  StatisticsReport r = FunderReport();
  r.tables.clear();
  const std::string empty = RenderStatisticsHtml(r);
  EXPECT_NE(empty.find("</html>"), std::string::npos);
  EXPECT_EQ(empty.find("<svg class=\"chart"), std::string::npos);
  r = FunderReport();
  r.tables[0].cells.pop_back();  // a row short: no chart, the table shows what there is
  const std::string html = RenderStatisticsHtml(r);
  EXPECT_EQ(html.find("<svg class=\"chart weekly\""), std::string::npos);
  EXPECT_NE(html.find("<caption>Chats per week</caption>"), std::string::npos);
}

// --- In Chromium -------------------------------------------------------------

struct Image {
  int width = 0, height = 0;
  std::vector<unsigned char> rgb;  // row by row, 3 bytes a pixel
  const unsigned char* At(int x, int y) const { return &rgb[(size_t(y) * width + x) * 3]; }
};

std::optional<Image> ReadPng(const std::string& path) {
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&png, path.c_str())) return std::nullopt;
  png.format = PNG_FORMAT_RGB;
  Image image;
  image.width = static_cast<int>(png.width);
  image.height = static_cast<int>(png.height);
  image.rgb.resize(PNG_IMAGE_SIZE(png));
  const png_color white{255, 255, 255};
  if (!png_image_finish_read(&png, &white, image.rgb.data(), 0, nullptr)) {
    png_image_free(&png);
    return std::nullopt;
  }
  return image;
}

bool Near(const unsigned char* p, const char* hex, int tolerance = 4) {
  const long v = std::strtol(hex + 1, nullptr, 16);
  const int want[] = {int(v >> 16) & 0xff, int(v >> 8) & 0xff, int(v) & 0xff};
  for (int i = 0; i < 3; ++i) {
    if (std::abs(p[i] - want[i]) > tolerance) return false;
  }
  return true;
}

// Pixels of colour `hex`, and their mean row.
struct Found {
  size_t pixels = 0;
  double mean_y = 0;
};

Found FindColour(const Image& image, const char* hex) {
  Found f;
  for (int y = 0; y < image.height; ++y) {
    for (int x = 0; x < image.width; ++x) {
      if (!Near(image.At(x, y), hex)) continue;
      ++f.pixels;
      f.mean_y += y;
    }
  }
  if (f.pixels) f.mean_y /= f.pixels;
  return f;
}

// Runs `argv` with stdout and stderr into `log`; its exit status.
int RunProcess(const std::vector<std::string>& argv, const std::string& log) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  const int err = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (err != 0) return -1;
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(StatsReportRenderTest, ChromiumDrawsEveryChart) {
  ASSERT_TRUE(std::filesystem::exists(kChromium))
      << "chromium is required by this test (" << kChromium
      << " is missing); it is installed by `scripts/vault-dev deps` (Debian package chromium)";
  TempDir dir;
  const std::string html_path = dir.path() + "/report.html";
  const std::string png_path = dir.path() + "/report.png";
  const std::string log_path = dir.path() + "/chromium.log";
  std::ofstream(html_path, std::ios::binary) << RenderStatisticsHtml(FunderReport());
  const int rc = RunProcess({"timeout", "60", kChromium, "--headless", "--no-sandbox", "--disable-gpu",
                      "--hide-scrollbars", "--no-first-run", "--user-data-dir=" + dir.path() + "/profile",
                      "--window-size=1240,3508", "--screenshot=" + png_path,
                      "file://" + html_path},
                     log_path);
  ASSERT_EQ(rc, 0) << "chromium failed; its output:\n" << ReadFileBytes(log_path);
  const std::optional<Image> image = ReadPng(png_path);
  ASSERT_TRUE(image.has_value()) << "no readable PNG; chromium said:\n" << ReadFileBytes(log_path);
  EXPECT_EQ(image->width, 1240);
  EXPECT_EQ(image->height, 3508);

  size_t ink = 0;
  for (int y = 0; y < image->height; ++y) {
    for (int x = 0; x < image->width; ++x) ink += Near(image->At(x, y), "#ffffff", 8) ? 0 : 1;
  }
  EXPECT_GT(ink, size_t(image->width) * image->height / 20) << "the page is (nearly) blank";

  const Found weekly = FindColour(*image, kWeeklyBarFill);
  const Found heat = FindColour(*image, kHeatMapFill);
  const Found question = FindColour(*image, kQuestionBarFill);
  const Found other = FindColour(*image, kOtherBarFill);
  EXPECT_GT(weekly.pixels, 10000u) << "no weekly bar chart";
  EXPECT_GT(heat.pixels, 2000u) << "no heat map (its busiest cell)";
  EXPECT_GT(question.pixels, 5000u) << "no question bar charts";
  EXPECT_GT(other.pixels, 2000u) << "no small bar charts";
  EXPECT_LT(weekly.mean_y, heat.mean_y);
  EXPECT_LT(heat.mean_y, question.mean_y);
  EXPECT_LT(question.mean_y, other.mean_y);

  // The heat map's ramp: many shades of its one hue between white and full.
  std::vector<bool> shades(256);
  for (int y = 0; y < image->height; ++y) {
    for (int x = 0; x < image->width; ++x) {
      const unsigned char* p = image->At(x, y);
      // On the ramp: (255 - 63t, 255 - 198t, 255 - 212t) for t in (0, 1).
      const double t = (255.0 - p[1]) / 198.0;
      if (t < 0.05 || t > 0.95) continue;
      if (std::abs(255 - 63 * t - p[0]) < 3 && std::abs(255 - 212 * t - p[2]) < 3) shades[p[1]] = true;
    }
  }
  EXPECT_GE(std::count(shades.begin(), shades.end(), true), 8) << "no heat map ramp";

  // Suppressed placeholders: solid 2x2 blocks of the hatch ink (antialiased
  // text never makes those), in the charts below the title block.
  size_t hatch = 0;
  for (int y = 600; y + 1 < image->height; ++y) {
    for (int x = 0; x + 1 < image->width; ++x) {
      if (Near(image->At(x, y), kSuppressedInk, 2) && Near(image->At(x + 1, y), kSuppressedInk, 2) &&
          Near(image->At(x, y + 1), kSuppressedInk, 2) &&
          Near(image->At(x + 1, y + 1), kSuppressedInk, 2)) {
        ++hatch;
      }
    }
  }
  EXPECT_GT(hatch, 500u) << "no hatched placeholders for suppressed counts";
}

}  // namespace
}  // namespace vault::stats
