// Daemon: a real vaultd process for black-box tests.
//
// Each Daemon gets a fresh test directory under VAULT_TEST_TMPDIR holding the
// data directory ("data/") and the daemon's stdout+stderr ("vaultd.log"), and
// a short socket directory /tmp/tv-XXXXXX (sun_path holds only 108 bytes)
// holding the API socket and the notify socket.
//
// Start() spawns vaultd with --data-dir, --socket and the extra flags, and
// waits for "READY=1" on NOTIFY_SOCKET (the systemd protocol), bounded by a
// timeout and aborted early if the process exits. Stop() sends SIGTERM and
// reaps it; Kill() sends SIGKILL; Restart() starts it again on the same data.
//
// The destructor kills a running daemon, removes the socket directory, and
// removes the test directory unless the test failed (kept for post-mortem).
#ifndef VAULT_TESTS_SUPPORT_DAEMON_H_
#define VAULT_TESTS_SUPPORT_DAEMON_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vault/client.h"
#include "vault/status.h"

namespace vault::testing {

class Daemon {
 public:
  explicit Daemon(std::vector<std::string> extra_flags = {});
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Spawns vaultd and waits until it reports READY=1.
  Status Start(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Start() with the failpoint `name` armed (VAULT_FAILPOINT, see
  // vault/common/failpoint.h) for this process only: the daemon kills itself
  // when it reaches that point. Later starts run without it.
  Status StartWithFailpoint(const char* name);
  // SIGTERM, then waits for exit. Returns the exit status, 128 + signal if it
  // died of a signal, or -1 if it did not exit in time (it is then killed).
  int Stop(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // SIGKILL, then reaps it.
  void Kill();
  // Sends `signal_number` and returns at once.
  void Signal(int signal_number);
  // SIGSTOP, then waits until the kernel reports every thread of vaultd
  // stopped (waitid WSTOPPED): kill() alone returns while a thread running on
  // another core may still answer a request.
  Status Freeze();
  // SIGCONT.
  void Thaw();
  // Waits for a notify datagram containing `state` (e.g. "STOPPING=1").
  Status WaitForNotify(std::string_view state,
                       std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Waits for the process to exit; its exit status as for Stop(), or -1 on
  // timeout (the process keeps running).
  int Wait(std::chrono::milliseconds timeout = std::chrono::seconds(60));
  // Stop() (if running) and Start() on the same data directory.
  Status Restart();

  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  const std::string& socket_path() const { return socket_path_; }
  const std::string& data_dir() const { return data_dir_; }
  const std::string& log_path() const { return log_path_; }
  const std::string& test_dir() const { return test_dir_; }
  std::string ReadLog() const;
  // Waits until the log holds `text`, woken by inotify as the log grows:
  // vaultd writes info lines from its log thread, a few milliseconds after
  // the request that caused them (vault/server/logging.h).
  Status WaitForLog(std::string_view text,
                    std::chrono::milliseconds timeout = std::chrono::seconds(30)) const;

  // A client connected to this daemon's socket.
  StatusOr<std::unique_ptr<Client>> Connect() const;

 private:
  // Reaps the child if it exited; returns true and sets *exit_status then.
  bool Reap(int timeout_ms, int* exit_status);

  std::vector<std::string> extra_flags_;
  std::string test_dir_;
  std::string data_dir_;
  std::string log_path_;
  std::string socket_dir_;
  std::string socket_path_;
  std::string notify_path_;
  int notify_fd_ = -1;
  pid_t pid_ = -1;
  int pidfd_ = -1;
};

// A fresh directory under VAULT_TEST_TMPDIR named after the running test.
std::string MakeTestDir();

// Runs vaultd with `args` to completion (bounded), capturing stdout+stderr.
struct RunResult {
  int exit_status = -1;
  std::string output;
};
RunResult RunVaultd(const std::vector<std::string>& args,
                    std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace vault::testing

#endif  // VAULT_TESTS_SUPPORT_DAEMON_H_
