#include "tool_cli.h"

#include <cstdlib>
#include <iostream>

namespace po = boost::program_options;

namespace vault::cli {

std::optional<CommandLine> ParseCommandLine(int argc, char** argv,
                                            const po::options_description& options,
                                            const char* usage) {
  po::options_description all;
  all.add(options).add_options()("command", po::value<std::string>())(
      "args", po::value<std::vector<std::string>>());
  po::positional_options_description positional;
  positional.add("command", 1).add("args", -1);
  CommandLine line;
  po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), line.vm);
  po::notify(line.vm);
  if (line.vm.count("help")) {
    std::cout << usage << "\n" << options;
    return std::nullopt;
  }
  if (line.vm.count("command") == 0) throw UsageError{"no command given"};
  line.command = line.vm["command"].as<std::string>();
  if (line.vm.count("args")) line.args = line.vm["args"].as<std::vector<std::string>>();
  return line;
}

std::optional<std::string> Get(const po::variables_map& vm, const char* name) {
  if (vm.count(name) == 0) return std::nullopt;
  return vm[name].as<std::string>();
}

std::string DefaultSocket() {
  const char* env = std::getenv("VAULT_SOCKET");
  if (env != nullptr && env[0] != '\0') return env;
  return kDefaultSocket;
}

void PrintUsageError(const char* tool, const std::string& message) {
  std::cerr << tool << ": " << message << " (see " << tool << " --help)\n";
}

}  // namespace vault::cli
