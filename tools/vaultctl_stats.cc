#include "vaultctl_stats.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstring>
#include <set>
#include <string_view>

#include "stats_report_render.h"
#include "tool_cli.h"
#include "vault/common/file_util.h"
#include "vault/wire/stats_json.h"

namespace vault::ctl {

namespace po = boost::program_options;
namespace json = boost::json;
using cli::Get;
using cli::UsageError;

const char kStatsUsage[] = R"(
Anonymous service statistics (docs/statistics.md); PERIOD is a week
2026-11-w2, a month 2026-11, a quarter 2026-q4 or a year 2026:
  stats show --service S --period PERIOD [--format json|csv]
                              print one service's figures for a completed period
  stats report --service S --period PERIOD --out DIR
                              write DIR/report.html (charts, for funders; prints
                              on A4), report.json and report.csv; DIR is
                              created 0700 if missing; existing files are
                              never overwritten
)";

namespace {

bool Digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// "2026", "2026-q4", "2026-11" or "2026-11-w2".
bool IsPeriod(std::string_view p) {
  if (p.size() < 4 || !Digits(p.substr(0, 4))) return false;
  if (p.size() == 4) return true;
  if (p.size() == 7 && p.substr(4, 2) == "-q") return p[6] >= '1' && p[6] <= '4';
  if (p.size() < 7 || p[4] != '-' || !Digits(p.substr(5, 2))) return false;
  const int month = (p[5] - '0') * 10 + (p[6] - '0');
  if (month < 1 || month > 12) return false;
  if (p.size() == 7) return true;
  return p.size() == 10 && p.substr(7, 2) == "-w" && p[9] >= '1' && p[9] <= '4';
}

// Creates `path` (it must not exist) with mode 0600 and writes `contents`.
Status WriteNewFile(const std::string& path, std::string_view contents) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {
    return Status::AlreadyExists(path + " exists; refusing to overwrite it", "out_exists");
  }
  if (fd < 0) return Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  size_t done = 0;
  while (done < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return Status::IOError("cannot write " + path + ": " + std::strerror(err));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    return Status::IOError("cannot write " + path + ": " + std::strerror(errno));
  }
  return Status::OK();
}

Status CheckNoReportFiles(const std::string& dir) {
  for (const char* name : kReportFiles) {
    const std::string path = dir + "/" + name;
    if (FileExists(path)) {
      return Status::AlreadyExists(path + " exists; refusing to overwrite it", "out_exists");
    }
  }
  return Status::OK();
}

}  // namespace

void AddStatsOptions(po::options_description* options) {
  auto text = [] { return po::value<std::string>(); };
  // clang-format off
  options->add_options()
      ("period", text(), "stats: 2026-11-w2 (week), 2026-11 (month), 2026-q4 (quarter) or 2026")
      ("format", text(), "stats show: json (default) or csv");
  // clang-format on
}

bool IsStatsCommand(const std::string& command) { return command == "stats"; }

StatsCall PrepareStatsCall(const std::vector<std::string>& args, const po::variables_map& vm) {
  if (args.size() != 1 || (args[0] != "show" && args[0] != "report")) {
    throw UsageError{"usage: stats show|report --service S --period PERIOD ..."};
  }
  StatsCall call;
  call.action = args[0] == "show" ? StatsCall::Action::kShow : StatsCall::Action::kReport;
  const std::set<std::string> accepted =
      call.action == StatsCall::Action::kShow
          ? std::set<std::string>{"service", "period", "format"}
          : std::set<std::string>{"service", "period", "out"};
  for (const auto& [name, value] : vm) {
    if (name == "command" || name == "args" || name == "socket" || name == "raw") continue;
    if (accepted.count(name) == 0) {
      throw UsageError{"option --" + name + " does not apply to stats " + args[0]};
    }
  }
  const std::vector<std::string> services =
      vm.count("service") ? vm["service"].as<std::vector<std::string>>() : std::vector<std::string>{};
  if (services.size() != 1 || services[0].empty()) {
    throw UsageError{"stats " + args[0] + " takes one --service"};
  }
  call.query.service = services[0];
  const std::optional<std::string> period = Get(vm, "period");
  if (!period) throw UsageError{"stats " + args[0] + " needs --period"};
  if (!IsPeriod(*period)) {
    throw UsageError{"invalid value '" + *period +
                     "' for --period: expected 2026-11-w2, 2026-11, 2026-q4 or 2026"};
  }
  call.query.period = *period;
  if (call.action == StatsCall::Action::kShow) {
    const std::string format = Get(vm, "format").value_or("json");
    if (format != "json" && format != "csv") {
      throw UsageError{"invalid value '" + format + "' for --format: expected json or csv"};
    }
    call.csv = format == "csv";
  } else {
    const std::optional<std::string> out = Get(vm, "out");
    if (!out || out->empty()) throw UsageError{"stats report needs --out DIR"};
    call.out = *out;
    while (call.out.size() > 1 && call.out.back() == '/') call.out.pop_back();
  }
  return call;
}

bool StatsOutputIsJson(const StatsCall& call) { return !call.csv; }

Status WriteReportDirectory(const std::string& dir, const StatisticsReport& report) {
  VAULT_RETURN_IF_ERROR(EnsureDirectory(dir, 0700));
  const std::string contents[] = {stats::RenderStatisticsHtml(report),
                                  wire::EncodeStatisticsReport(report),
                                  wire::EncodeStatisticsCsv(report)};
  for (size_t i = 0; i < std::size(kReportFiles); ++i) {
    VAULT_RETURN_IF_ERROR(WriteNewFile(dir + "/" + kReportFiles[i], contents[i]));
  }
  return FsyncDirectory(dir);
}

StatusOr<std::string> RunStatsCall(const StatsCall& call, Client* client) {
  if (call.action == StatsCall::Action::kShow) {
    if (call.csv) return client->GetStatisticsCsv(call.query);
    VAULT_ASSIGN_OR_RETURN(StatisticsReport report, client->GetStatistics(call.query));
    return wire::EncodeStatisticsReport(report);
  }
  // Checked first, so that nothing is asked for a report that cannot be kept.
  VAULT_RETURN_IF_ERROR(CheckNoReportFiles(call.out));
  VAULT_ASSIGN_OR_RETURN(StatisticsReport report, client->GetStatistics(call.query));
  VAULT_RETURN_IF_ERROR(WriteReportDirectory(call.out, report));
  json::object summary;
  summary["dir"] = call.out;
  json::array files;
  for (const char* name : kReportFiles) files.emplace_back(name);
  summary["files"] = std::move(files);
  summary["service"] = report.service;
  summary["period"] = report.period;
  return json::serialize(summary);
}

}  // namespace vault::ctl
