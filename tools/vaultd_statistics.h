// vaultd's [statistics] section (docs/operations.md, "Statistics"): the
// options, and StatisticsOptions from their values.
#ifndef TOOLS_VAULTD_STATISTICS_H_
#define TOOLS_VAULTD_STATISTICS_H_

#include <boost/program_options.hpp>
#include <functional>
#include <optional>
#include <string>

#include "vault/options.h"

namespace vaultd {

boost::program_options::options_description StatisticsFileOptions();

// Fills `out` from `vm`. Returns an error message naming the option (as
// `describe` spells it) when a value does not parse or the whole is not
// valid (vault::ValidateStatisticsOptions); nullopt when all is well.
std::optional<std::string> BuildStatistics(
    const boost::program_options::variables_map& vm,
    const std::function<std::string(const char*)>& describe, vault::StatisticsOptions* out);

}  // namespace vaultd

#endif  // TOOLS_VAULTD_STATISTICS_H_
