// What vaultctl and vault-officer share on their command lines: the
// `[OPTIONS] COMMAND [ARGS...]` shape, --help, usage errors and the default
// socket. Wiring only, like the tools themselves.
#ifndef VAULT_TOOLS_TOOL_CLI_H_
#define VAULT_TOOLS_TOOL_CLI_H_

#include <boost/program_options.hpp>
#include <optional>
#include <string>
#include <vector>

namespace vault::cli {

// The socket of the systemd unit in packaging/.
inline constexpr char kDefaultSocket[] = "/run/transcript-vault/vaultd.sock";

// A bad command line; main() prints it with a pointer to --help.
struct UsageError {
  std::string message;
};

// A parsed `[OPTIONS] COMMAND [ARGS...]`.
struct CommandLine {
  boost::program_options::variables_map vm;
  std::string command;
  std::vector<std::string> args;
};

// Parses argv against `options` plus the positional COMMAND and ARGS. With
// --help prints `usage` and the options to stdout and returns nullopt.
// Throws boost::program_options::error, or UsageError if no command is given.
std::optional<CommandLine> ParseCommandLine(int argc, char** argv,
                                            const boost::program_options::options_description& options,
                                            const char* usage);

// The value of string option `name`, if given.
std::optional<std::string> Get(const boost::program_options::variables_map& vm, const char* name);

// $VAULT_SOCKET if set and not empty, else kDefaultSocket.
std::string DefaultSocket();

// Prints "<tool>: <message> (see <tool> --help)" to stderr.
void PrintUsageError(const char* tool, const std::string& message);

}  // namespace vault::cli

#endif  // VAULT_TOOLS_TOOL_CLI_H_
