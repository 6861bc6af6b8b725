// Small pieces shared by the test helpers that run child processes (Daemon
// and RunVaultd in daemon.h, RunProgram in run_program.h): the child's
// environment, posix_spawn with string arguments, and reaping.
#ifndef VAULT_TESTS_SUPPORT_SPAWN_H_
#define VAULT_TESTS_SUPPORT_SPAWN_H_

#include <spawn.h>
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace vault::testing {

// This process's environment with `changes` applied: "NAME=VALUE" sets NAME
// (in place of any value it had), "NAME" removes it.
std::vector<std::string> ChildEnvironment(const std::vector<std::string>& changes);

// posix_spawn of `path` with argv {path, args...}, environment `env` and
// `actions` on its file descriptors. Returns posix_spawn's result: 0, or an
// errno value (then *pid is unchanged).
int SpawnProcess(const std::string& path, const std::vector<std::string>& args,
                 std::vector<std::string> env, const posix_spawn_file_actions_t* actions,
                 pid_t* pid);

// waitpid(status) decoded: the exit status, 128 + signal if it died of a
// signal, or -1.
int DecodeWaitStatus(int status);

// Reaps `pid` (blocking, retrying on EINTR); its status as DecodeWaitStatus.
int WaitForExit(pid_t pid);

// Milliseconds from now until `deadline` (0 once it has passed), for poll().
int MillisUntil(std::chrono::steady_clock::time_point deadline);

}  // namespace vault::testing

#endif  // VAULT_TESTS_SUPPORT_SPAWN_H_
