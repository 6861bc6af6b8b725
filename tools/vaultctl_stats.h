// vaultctl's statistics commands (docs/statistics.md): the anonymous
// service figures for funders, from GET /v1/statistics.
//
//   vaultctl stats show --service NAME --period P [--format json|csv]
//       prints the report: JSON (indented unless --raw) or the CSV
//   vaultctl stats report --service NAME --period P --out DIR
//       writes DIR/report.html (tools/stats_report_render.h), report.json
//       and report.csv, all three from one answer of the vault
//
// Periods: "2026-11-w2", "2026-11", "2026-q4" or "2026". Wiring only, like
// vaultctl.cc: the command line is checked whole before vaultd is asked
// (usage errors exit 2); the vault's errors exit 1 with its error code.
//
// `stats report` creates DIR (and missing parents) with mode 0700 and
// each file with mode 0600, exclusively: it never overwrites. If any of the
// three files already exists it stops before asking the vault (AlreadyExists
// "out_exists"); a file that appears meanwhile stops it at that file, and
// the files written before it are left.
//
// Thread safety: pure functions, except RunStatsCall (the client and the
// file system).
#ifndef VAULT_TOOLS_VAULTCTL_STATS_H_
#define VAULT_TOOLS_VAULTCTL_STATS_H_

#include <boost/program_options.hpp>
#include <string>
#include <vector>

#include "vault/client.h"
#include "vault/statistics.h"
#include "vault/status.h"

namespace vault::ctl {

// The part of `vaultctl --help` about these commands.
extern const char kStatsUsage[];

// Adds --period and --format to vaultctl's options (--service and --out
// are vaultctl's own and shared).
void AddStatsOptions(boost::program_options::options_description* options);

// Whether `command` (the first word) is "stats".
bool IsStatsCommand(const std::string& command);

// One statistics command, checked and ready to run.
struct StatsCall {
  enum class Action { kShow, kReport };
  Action action = Action::kShow;
  StatisticsQuery query;
  bool csv = false;  // show --format csv
  std::string out;   // report: the directory
};

// Builds the call from `args` (the words after "stats") and `vm`. Throws
// cli::UsageError: no or an unknown action, extra words, an option that does
// not apply, no or several --service, no --period or one of another shape,
// --format not json or csv, report without --out.
StatsCall PrepareStatsCall(const std::vector<std::string>& args,
                           const boost::program_options::variables_map& vm);

// Whether RunStatsCall's output is JSON (for vaultctl to indent unless
// --raw); otherwise it is printed exactly as returned.
bool StatsOutputIsJson(const StatsCall& call);

// Runs `call`: for show, the report (JSON) or the CSV as received; for
// report, one line of JSON naming the directory and the files written.
StatusOr<std::string> RunStatsCall(const StatsCall& call, Client* client);

// The files `stats report` writes into `dir`, from `report`.
inline constexpr const char* kReportFiles[] = {"report.html", "report.json", "report.csv"};
Status WriteReportDirectory(const std::string& dir, const StatisticsReport& report);

}  // namespace vault::ctl

#endif  // VAULT_TOOLS_VAULTCTL_STATS_H_
