// RunProgram: runs a program to completion for black-box tests of
// command-line tools, with its own environment changes and standard input,
// capturing standard output and standard error apart. Bounded by a timeout
// (the program is killed when it expires); nothing sleeps.
#ifndef VAULT_TESTS_SUPPORT_RUN_PROGRAM_H_
#define VAULT_TESTS_SUPPORT_RUN_PROGRAM_H_

#include <chrono>
#include <string>
#include <vector>

namespace vault::testing {

struct ProgramResult {
  int exit_status = -1;  // 128 + signal if killed by one; -1 if it could not run or timed out
  std::string out;
  std::string err;
};

// `env`: "NAME=VALUE" sets NAME, "NAME" removes it; the rest of this
// process's environment is passed on.
ProgramResult RunProgram(const std::string& path, const std::vector<std::string>& args,
                         const std::vector<std::string>& env = {},
                         const std::string& stdin_text = "",
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace vault::testing

#endif  // VAULT_TESTS_SUPPORT_RUN_PROGRAM_H_
