#include "tests/support/daemon.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/inotify.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/response_recorder.h"
#include "tests/support/spawn.h"

namespace vault::testing {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

std::string MakeTempDir(const std::string& prefix) {
  std::string templ = prefix + "-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) {
    ADD_FAILURE() << Errno("mkdtemp " + templ);
    return "";
  }
  return templ;
}

// Spawns vaultd with `args`; stdout and stderr go to `out_fd`, stdin is
// /dev/null. Its environment is ours with NOTIFY_SOCKET set to
// `notify_path`, or removed when that is empty. Returns the pid or -1.
pid_t SpawnVaultd(const std::vector<std::string>& args, const std::string& notify_path, int out_fd,
                  std::string* error) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 1);
  posix_spawn_file_actions_adddup2(&actions, out_fd, 2);
  pid_t pid = -1;
  const int rc = SpawnProcess(
      VAULTD_PATH, args,
      ChildEnvironment({notify_path.empty() ? "NOTIFY_SOCKET" : "NOTIFY_SOCKET=" + notify_path}),
      &actions, &pid);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    *error = std::string("posix_spawn " VAULTD_PATH ": ") + std::strerror(rc);
    return -1;
  }
  return pid;
}

std::string Tail(const std::string& text, size_t max = 4000) {
  return text.size() <= max ? text : "..." + text.substr(text.size() - max);
}

}  // namespace

std::string MakeTestDir() {
  std::string name = "daemon";
  if (const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info()) {
    name = std::string(info->test_suite_name()) + "." + info->name();
  }
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  return MakeTempDir(std::string(VAULT_TEST_TMPDIR) + "/" + name);
}

Daemon::Daemon(std::vector<std::string> extra_flags) : extra_flags_(std::move(extra_flags)) {
  InstallResponseRecorder();
  test_dir_ = MakeTestDir();
  data_dir_ = test_dir_ + "/data";
  log_path_ = test_dir_ + "/vaultd.log";
  socket_dir_ = MakeTempDir("/tmp/tv");
  socket_path_ = socket_dir_ + "/vaultd.sock";
  notify_path_ = socket_dir_ + "/notify";

  notify_fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, notify_path_.c_str(), sizeof(addr.sun_path) - 1);
  if (notify_fd_ < 0 || bind(notify_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ADD_FAILURE() << Errno("notify socket " + notify_path_);
  }
}

Daemon::~Daemon() {
  if (running()) Kill();
  if (notify_fd_ >= 0) close(notify_fd_);
  std::error_code ec;
  if (!socket_dir_.empty()) fs::remove_all(socket_dir_, ec);
  if (!test_dir_.empty() && !::testing::Test::HasFailure()) fs::remove_all(test_dir_, ec);
}

Status Daemon::StartWithFailpoint(const char* name) {
  if (::setenv("VAULT_FAILPOINT", name, 1) != 0) {
    return Status::Internal("cannot set VAULT_FAILPOINT");
  }
  const Status started = Start();
  ::unsetenv("VAULT_FAILPOINT");
  return started;
}

Status Daemon::Start(std::chrono::milliseconds timeout) {
  if (running()) return Status::FailedPrecondition("vaultd is already running");
  const auto deadline = Clock::now() + timeout;
  char drain[512];
  while (recv(notify_fd_, drain, sizeof(drain), 0) > 0) {
  }

  const int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) return Status::IOError(Errno("open " + log_path_));
  std::vector<std::string> args = {"--data-dir", data_dir_, "--socket", socket_path_};
  args.insert(args.end(), extra_flags_.begin(), extra_flags_.end());
  std::string error;
  pid_ = SpawnVaultd(args, notify_path_, log_fd, &error);
  close(log_fd);
  if (pid_ < 0) return Status::IOError(error);
  // glibc 2.36's <sys/pidfd.h> lacks extern "C"; use the system call.
  pidfd_ = static_cast<int>(syscall(SYS_pidfd_open, pid_, 0));
  if (pidfd_ < 0) return Status::IOError(Errno("pidfd_open"));

  for (;;) {
    pollfd fds[2] = {{notify_fd_, POLLIN, 0}, {pidfd_, POLLIN, 0}};
    const int ready = poll(fds, 2, MillisUntil(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (fds[0].revents & POLLIN) {
      char message[512];
      const ssize_t n = recv(notify_fd_, message, sizeof(message), 0);
      if (n > 0 && std::string_view(message, n).find("READY=1") != std::string_view::npos) {
        return Status::OK();
      }
      continue;
    }
    if (fds[1].revents & POLLIN) {
      int exit_status = -1;
      Reap(0, &exit_status);
      return Status::Unavailable("vaultd exited with status " + std::to_string(exit_status) +
                                 " before READY=1; log:\n" + Tail(ReadLog()));
    }
    if (ready == 0) {
      Kill();
      return Status::Unavailable("vaultd not ready within " + std::to_string(timeout.count()) +
                                 " ms; log:\n" + Tail(ReadLog()));
    }
  }
}

bool Daemon::Reap(int timeout_ms, int* exit_status) {
  if (!running()) return false;
  pollfd fd = {pidfd_, POLLIN, 0};
  int ready;
  do {
    ready = poll(&fd, 1, timeout_ms);
  } while (ready < 0 && errno == EINTR);
  if (ready <= 0) return false;
  *exit_status = WaitForExit(pid_);
  close(pidfd_);
  pidfd_ = -1;
  pid_ = -1;
  return true;
}

int Daemon::Stop(std::chrono::milliseconds timeout) {
  if (!running()) return -1;
  Signal(SIGTERM);
  const int exit_status = Wait(timeout);
  if (running()) Kill();
  return exit_status;
}

void Daemon::Signal(int signal_number) {
  if (running()) kill(pid_, signal_number);
}

Status Daemon::Freeze() {
  if (!running()) return Status::Unavailable("vaultd is not running");
  if (kill(pid_, SIGSTOP) != 0) return Status::Internal(std::string("kill: ") + strerror(errno));
  for (;;) {
    siginfo_t info = {};
    if (waitid(P_PID, static_cast<id_t>(pid_), &info, WSTOPPED | WEXITED | WNOWAIT) != 0) {
      if (errno == EINTR) continue;
      return Status::Internal(std::string("waitid: ") + strerror(errno));
    }
    if (info.si_code == CLD_STOPPED) {
      // Consume the stop report so that a later wait sees the exit.
      siginfo_t consumed = {};
      waitid(P_PID, static_cast<id_t>(pid_), &consumed, WSTOPPED);
      return Status::OK();
    }
    return Status::Unavailable("vaultd exited instead of stopping");
  }
}

void Daemon::Thaw() { Signal(SIGCONT); }

int Daemon::Wait(std::chrono::milliseconds timeout) {
  int exit_status = -1;
  if (!Reap(static_cast<int>(timeout.count()), &exit_status)) return -1;
  return exit_status;
}

Status Daemon::WaitForNotify(std::string_view state, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    pollfd fd = {notify_fd_, POLLIN, 0};
    const int ready = poll(&fd, 1, MillisUntil(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) return Status::Unavailable("no " + std::string(state) + " from vaultd");
    char message[512];
    const ssize_t n = recv(notify_fd_, message, sizeof(message), 0);
    if (n > 0 && std::string_view(message, n).find(state) != std::string_view::npos) {
      return Status::OK();
    }
  }
}

void Daemon::Kill() {
  if (!running()) return;
  kill(pid_, SIGKILL);
  int exit_status = -1;
  Reap(-1, &exit_status);
}

Status Daemon::Restart() {
  if (running()) {
    const int exit_status = Stop();
    if (exit_status != 0) {
      return Status::Internal("vaultd exited with status " + std::to_string(exit_status));
    }
  }
  return Start();
}

std::string Daemon::ReadLog() const {
  std::ifstream file(log_path_);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

Status Daemon::WaitForLog(std::string_view text, std::chrono::milliseconds timeout) const {
  const int fd = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd < 0) return Status::Internal(std::string("inotify_init1: ") + std::strerror(errno));
  if (::inotify_add_watch(fd, log_path_.c_str(), IN_MODIFY) < 0) {
    ::close(fd);
    return Status::Internal("cannot watch " + log_path_);
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    // Checked after the watch is in place, so no write goes unnoticed.
    if (ReadLog().find(text) != std::string::npos) {
      ::close(fd);
      return Status::OK();
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      ::close(fd);
      return Status::Unavailable("the log never held " + std::string(text));
    }
    pollfd p{fd, POLLIN, 0};
    (void)::poll(&p, 1, static_cast<int>(left.count()));
    char events[4096];
    while (::read(fd, events, sizeof events) > 0) {
    }
  }
}

StatusOr<std::unique_ptr<Client>> Daemon::Connect() const { return Client::Connect(socket_path_); }

RunResult RunVaultd(const std::vector<std::string>& args, std::chrono::milliseconds timeout) {
  RunResult result;
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    result.output = Errno("pipe2");
    return result;
  }
  std::string error;
  const pid_t pid = SpawnVaultd(args, "", pipe_fds[1], &error);
  close(pipe_fds[1]);
  if (pid < 0) {
    close(pipe_fds[0]);
    result.output = error;
    return result;
  }
  const auto deadline = Clock::now() + timeout;
  bool timed_out = false;
  for (;;) {
    pollfd fd = {pipe_fds[0], POLLIN, 0};
    const int ready = poll(&fd, 1, MillisUntil(deadline));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      timed_out = true;
      break;
    }
    char buffer[4096];
    const ssize_t n = read(pipe_fds[0], buffer, sizeof(buffer));
    if (n <= 0) break;
    result.output.append(buffer, n);
  }
  close(pipe_fds[0]);
  if (timed_out) kill(pid, SIGKILL);
  const int exit_status = WaitForExit(pid);
  result.exit_status = timed_out ? -1 : exit_status;
  return result;
}

}  // namespace vault::testing
