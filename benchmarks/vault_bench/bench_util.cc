#include "benchmarks/vault_bench/bench_util.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <sstream>

#include "vault/client.h"

extern char** environ;

namespace vault::bench {

namespace {

// The vaultds this process started and has not stopped yet (by pid, with
// their socket directories), for Die: ending without its destructors,
// vault-bench would otherwise leave them running, their data directories
// locked and their sockets behind.
std::mutex children_mu;
std::map<pid_t, std::string> children;

void RememberChild(pid_t pid, const std::string& socket_dir) {
  std::lock_guard<std::mutex> lock(children_mu);
  children[pid] = socket_dir;
}

// Whether it was still remembered: if not, Die's StopChildren has taken
// (and reaped) it.
bool ForgetChild(pid_t pid) {
  std::lock_guard<std::mutex> lock(children_mu);
  return children.erase(pid) == 1;
}

// Whether the child has exited; if so it is reaped and forgotten at once,
// under the lock, so that Die never signals its pid once another process
// may have it.
bool ReapIfExited(pid_t pid) {
  std::lock_guard<std::mutex> lock(children_mu);
  if (waitpid(pid, nullptr, WNOHANG) != pid) return false;
  children.erase(pid);
  return true;
}

// Each: SIGTERM, then up to 10 s for a clean stop, then SIGKILL. A pid here
// is still this process's unreaped child, so it cannot name another.
void StopChildren() {
  std::lock_guard<std::mutex> lock(children_mu);
  for (const auto& [pid, socket_dir] : children) {
    kill(pid, SIGTERM);
    const auto deadline = SteadyClock::now() + std::chrono::seconds(10);
    while (waitpid(pid, nullptr, WNOHANG) == 0) {
      if (SteadyClock::now() >= deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // polls waitpid
    }
    std::error_code ignored;
    std::filesystem::remove_all(socket_dir, ignored);
  }
  children.clear();
}

}  // namespace

void Die(const std::string& what) {
  // Many threads may fail at once (every writer, when the vaultd they drive
  // dies). The first to get here prints its reason and ends the process at
  // once: std::exit would run static destructors while the others still
  // use what they destroy (it corrupted the heap). The others wait here.
  static std::mutex dying;
  dying.lock();
  // The program's name as run: "vault-bench" or "ingest_bench".
  std::fprintf(stderr, "%s: %s\n", program_invocation_short_name, what.c_str());
  std::fflush(nullptr);
  StopChildren();
  std::_Exit(1);
}

std::string Payload(size_t bytes, uint64_t salt) {
  std::string text(bytes, ' ');
  uint64_t x = salt * 0x9E3779B97F4A7C15ull + 1;
  for (char& c : text) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    c = static_cast<char>('a' + x % 26);
  }
  return text;
}

std::vector<uint32_t> Merge(const std::vector<std::vector<uint32_t>>& per_thread) {
  std::vector<uint32_t> all;
  for (const auto& v : per_thread) all.insert(all.end(), v.begin(), v.end());
  return all;
}

Summary Summarize(std::vector<uint32_t> all) {
  Summary s;
  s.count = all.size();
  if (all.empty()) return s;
  std::sort(all.begin(), all.end());
  auto at = [&](double q) {
    return static_cast<double>(all[std::min(all.size() - 1, static_cast<size_t>(all.size() * q))]);
  };
  s.p50_us = at(0.5);
  s.p99_us = at(0.99);
  s.p999_us = at(0.999);
  s.max_us = all.back();
  return s;
}

namespace {

// User + system seconds from a /proc .../stat file, and the thread's or
// process's name (its "comm", field 2) into `name` when given.
double CpuOfStatFile(const std::string& path, std::string* name = nullptr) {
  std::ifstream stat_file(path);
  std::string stat((std::istreambuf_iterator<char>(stat_file)), std::istreambuf_iterator<char>());
  const size_t open = stat.find('(');
  const size_t paren = stat.rfind(')');
  if (open == std::string::npos || paren == std::string::npos || paren < open) return 0;
  if (name != nullptr) *name = stat.substr(open + 1, paren - open - 1);
  std::istringstream fields(stat.substr(paren + 2));  // from field 3, "state"
  std::string field;
  unsigned long long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoull(field);
    if (i == 15) stime = std::stoull(field);
  }
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

}  // namespace

ProcStats ReadProcStats(pid_t pid) {
  ProcStats out;
  const std::string dir = "/proc/" + std::to_string(pid);
  out.cpu_seconds = CpuOfStatFile(dir + "/stat");
  std::ifstream status(dir + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) out.rss_kib = std::strtoull(line.c_str() + 6, nullptr, 10);
    if (line.rfind("VmHWM:", 0) == 0) out.hwm_kib = std::strtoull(line.c_str() + 6, nullptr, 10);
  }
  return out;
}

double OwnThreadsCpuSeconds(std::string_view name_prefix) {
  double total = 0;
  std::error_code ec;
  for (const auto& task : std::filesystem::directory_iterator("/proc/self/task", ec)) {
    std::string name;
    const double cpu = CpuOfStatFile(task.path().string() + "/stat", &name);
    if (name.rfind(name_prefix, 0) == 0) total += cpu;
  }
  return total;
}

double ProcessCpuSeconds() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  const auto secs = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

Vaultd::Vaultd(const std::string& binary, const std::string& data_dir,
               const std::vector<std::string>& extra_args) {
  char socket_dir[] = "/tmp/vault-bench-XXXXXX";  // sun_path holds only 108 bytes
  if (mkdtemp(socket_dir) == nullptr) Die("mkdtemp /tmp");
  socket_dir_ = socket_dir;
  socket_ = socket_dir_ + "/vaultd.sock";
  std::vector<std::string> args = {binary, "--data-dir", data_dir, "--socket", socket_};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = data_dir + ".log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  const auto start = SteadyClock::now();
  const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) Die("spawn " + binary + ": " + std::strerror(rc));
  RememberChild(pid_, socket_dir_);
  // Polls: readiness is observable only by connecting. Each attempt is a
  // real check (connect + health), the pause only spaces them.
  const auto deadline = start + std::chrono::seconds(120);
  while (SteadyClock::now() < deadline) {
    auto client = Client::Connect(socket_);
    if (client.ok() && (*client)->Health().ok()) {
      ready_seconds_ = std::chrono::duration<double>(SteadyClock::now() - start).count();
      return;
    }
    if (ReapIfExited(pid_)) {
      std::error_code ignored;
      std::filesystem::remove_all(socket_dir_, ignored);
      Die("vaultd exited; see " + log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  Die("vaultd did not answer within 120 s; see " + log);
}

Vaultd::~Vaultd() { Stop(); }

void Vaultd::Stop() {
  if (pid_ < 0) return;
  if (ForgetChild(pid_)) {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  std::filesystem::remove_all(socket_dir_);
}

Progress::Progress(std::string phase, pid_t pid)
    : phase_(std::move(phase)), pid_(pid), thread_([this] { Loop(); }) {}

Progress::~Progress() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Progress::Loop() {
  uint64_t last_writes = 0, last_reads = 0;
  double last_cpu = pid_ > 0 ? ReadProcStats(pid_).cpu_seconds : 0;
  auto last = SteadyClock::now();
  int second = 0;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (cv_.wait_until(lock, last + std::chrono::seconds(1), [this] { return stop_; })) return;
    const auto now = SteadyClock::now();
    const double dt = std::chrono::duration<double>(now - last).count();
    const uint64_t w = writes.load(), r = reads.load();
    std::string line = "[" + phase_ + "] t=" + std::to_string(++second) + "s";
    char buf[160];
    std::snprintf(buf, sizeof buf, "  writes %.0f/s  reads %.0f/s  errors %llu",
                  (w - last_writes) / dt, (r - last_reads) / dt,
                  static_cast<unsigned long long>(errors.load()));
    line += buf;
    if (pid_ > 0) {
      const ProcStats p = ReadProcStats(pid_);
      std::snprintf(buf, sizeof buf, "  vaultd cpu %.0f%%  rss %.0f MiB",
                    100 * (p.cpu_seconds - last_cpu) / dt, p.rss_kib / 1024.0);
      line += buf;
      last_cpu = p.cpu_seconds;
    }
    std::fprintf(stderr, "%s\n", line.c_str());
    last_writes = w, last_reads = r, last = now;
  }
}

}  // namespace vault::bench
