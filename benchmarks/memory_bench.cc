// memory_bench: does vaultd's resident set come back after many large reads?
//
// Starts a real vaultd (--vaultd PATH) in a scratch directory under --dir,
// fills --transcripts transcripts of about --transcript-bytes each (messages
// of 60,000 bytes), then has --connections clients read over the Unix socket
// until --reads reads have been answered: alternately an audit page
// (GET /v1/audit/records?from=F&limit=1000, F spread over the whole log) and a
// whole transcript (GET /v1/transcripts/{id}), --audit-percent of them audit
// pages. --warmup reads come first and are not counted: what a read costs
// once every worker thread and cache has been used is the starting point.
//
// The reads run in rounds of --round reads (default 5,000); between rounds
// every connection is idle, and vaultd's VmRSS (/proc/<pid>/status) is read
// then: what it keeps, not what requests in flight hold. A thread also reads
// it every 50 ms during the rounds for the peak. It prints the resident set
// after the warm-up (start), the peak, the end (after the last round), and
// the growth per 10,000 reads over the second half (least-squares slope of
// the between-round samples), and checks them against
//   --end-bound-mib    end - start           (default 16)
//   --peak-bound-mib   peak - start          (default 48)
//   --slope-bound-mib  growth per 10,000 reads, second half (default 1;
//                      checked only with 80,000 reads or more: over fewer,
//                      the few MiB the samples vary by dominate it)
// Exit status: 0 within every bound, 1 if one is exceeded or on an error (a
// read that did not answer 200, vaultd gone: "memory_bench: ..." on stderr),
// 2 for bad arguments. It measures memory, not speed;
// the reads per second it prints are for orientation only. Not run by ctest
// (a smoke test runs it for a few hundred reads, without bounds).
// Figures and the command behind them: docs/performance.md, section 8.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "benchmarks/vault_bench/bench_util.h"
#include "vault/client.h"

namespace vault::bench {
namespace {

constexpr size_t kMessageBytes = 60000;
constexpr double kMiB = 1024.0;  // samples are in KiB
// The growth bound is checked only when the second half has this many reads.
constexpr uint64_t kMinSlopeReads = 40000;

struct Config {
  uint64_t reads = 100000;
  uint64_t warmup = 2000;
  uint64_t round = 5000;
  int connections = 8;
  int transcripts = 4;
  size_t transcript_bytes = 1500000;
  int audit_percent = 50;
  double end_bound_mib = 16;
  double peak_bound_mib = 48;
  double slope_bound_mib = 1.0;
  bool check = true;
  std::string dir = ".";
  std::string vaultd = VAULTD_PATH;
  std::vector<std::string> vaultd_args;
};

void Usage() {
  std::fprintf(stderr,
               "usage: memory_bench [--reads N] [--warmup N] [--round N] [--connections N]\n"
               "  [--transcripts N] [--transcript-bytes N] [--audit-percent P]\n"
               "  [--end-bound-mib M] [--peak-bound-mib M] [--slope-bound-mib M]\n"
               "  [--no-check] [--dir DIR] [--vaultd PATH] [--vaultd-arg ARG]...\n");
  std::exit(2);
}

Config ParseArgs(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--no-check") {
      c.check = false;
      continue;
    }
    if (i + 1 >= argc) Usage();
    const std::string value = argv[++i];
    if (arg == "--reads") {
      c.reads = std::stoull(value);
    } else if (arg == "--warmup") {
      c.warmup = std::stoull(value);
    } else if (arg == "--round") {
      c.round = std::max<uint64_t>(1, std::stoull(value));
    } else if (arg == "--connections") {
      c.connections = std::max(1, std::stoi(value));
    } else if (arg == "--transcripts") {
      c.transcripts = std::max(1, std::stoi(value));
    } else if (arg == "--transcript-bytes") {
      c.transcript_bytes = std::stoull(value);
    } else if (arg == "--audit-percent") {
      c.audit_percent = std::clamp(std::stoi(value), 0, 100);
    } else if (arg == "--end-bound-mib") {
      c.end_bound_mib = std::stod(value);
    } else if (arg == "--peak-bound-mib") {
      c.peak_bound_mib = std::stod(value);
    } else if (arg == "--slope-bound-mib") {
      c.slope_bound_mib = std::stod(value);
    } else if (arg == "--dir") {
      c.dir = value;
    } else if (arg == "--vaultd") {
      c.vaultd = value;
    } else if (arg == "--vaultd-arg") {
      c.vaultd_args.push_back(value);
    } else {
      Usage();
    }
  }
  return c;
}

std::unique_ptr<Client> Connect(const std::string& socket) {
  auto client = Client::Connect(socket);
  if (!client.ok()) Die("connect: " + client.status().ToString());
  return std::move(client).value();
}

// Transcripts of about `bytes` each, closed (what an agent reads later).
std::vector<std::string> Fill(Client& client, const Config& config) {
  std::vector<std::string> ids;
  const uint64_t messages = std::max<uint64_t>(1, config.transcript_bytes / kMessageBytes);
  for (int t = 0; t < config.transcripts; ++t) {
    auto created = client.CreateTranscript({"bench", {}});
    if (!created.ok()) Die("create: " + created.status().ToString());
    const std::string text = Payload(kMessageBytes, t);
    for (uint64_t seq = 0; seq < messages; ++seq) {
      Message m{seq, seq % 2 == 0 ? "visitor" : "agent", text, "2026-11-22T10:00:00Z", {}};
      auto appended = client.AppendMessage(created->id, m);
      if (!appended.ok()) Die("append: " + appended.status().ToString());
    }
    if (auto closed = client.CloseTranscript(created->id); !closed.ok()) {
      Die("close: " + closed.status().ToString());
    }
    ids.push_back(created->id);
  }
  return ids;
}

// One keep-alive connection that sends a GET and reads the answer into a
// fixed buffer, keeping only the status and the body's size: the bench's
// own memory and CPU stay small next to vaultd's (vault::Client parses and
// keeps every body, which took more CPU than vaultd itself here).
class RawConnection {
 public:
  explicit RawConnection(const std::string& socket) : buffer_(256 * 1024) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socket.c_str());
    if (fd_ < 0 || ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      Die("connect " + socket + ": " + std::strerror(errno));
    }
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // The status of GET `target` and the size of its body; status 0 if the
  // connection failed or the answer was not framed by Content-Length.
  std::pair<int, uint64_t> Get(const std::string& target) {
    const std::string request = "GET " + target + " HTTP/1.1\r\nHost: vault\r\n\r\n";
    if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) !=
        static_cast<ssize_t>(request.size())) {
      return {0, 0};
    }
    size_t have = 0;
    std::string_view head;
    while (head.empty()) {
      if (have == buffer_.size()) return {0, 0};
      const ssize_t n = ::recv(fd_, buffer_.data() + have, buffer_.size() - have, 0);
      if (n <= 0) return {0, 0};
      have += static_cast<size_t>(n);
      const std::string_view got(buffer_.data(), have);
      if (const size_t end = got.find("\r\n\r\n"); end != std::string_view::npos) {
        head = got.substr(0, end + 4);
      }
    }
    const int status = head.size() > 12 ? std::atoi(head.data() + 9) : 0;
    const size_t length_at = head.find("Content-Length: ");
    if (length_at == std::string_view::npos) return {0, 0};
    const uint64_t length = std::strtoull(head.data() + length_at + 16, nullptr, 10);
    uint64_t body = have - head.size();
    while (body < length) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(buffer_.size(), length - body));
      const ssize_t n = ::recv(fd_, buffer_.data(), want, 0);
      if (n <= 0) return {0, 0};
      body += static_cast<uint64_t>(n);
    }
    return {body == length ? status : 0, length};
  }

 private:
  int fd_ = -1;
  std::vector<char> buffer_;
};

struct Sample {
  uint64_t reads;
  uint64_t rss_kib;
};

// The reads of all connections; a Run returns once every connection is idle.
class Reader {
 public:
  Reader(const Config& config, std::string socket, std::vector<std::string> ids,
         uint64_t audit_size)
      : config_(config), socket_(std::move(socket)), ids_(std::move(ids)), audit_base_(audit_size) {
    for (int c = 0; c < config_.connections; ++c) {
      clients_.push_back(std::make_unique<RawConnection>(socket_));
      rngs_.emplace_back(c + 1);
    }
  }

  // Runs `count` more reads over the connections. Returns wall-clock seconds.
  double Run(uint64_t count, Progress* progress) {
    next_.store(0);
    const auto start = SteadyClock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < config_.connections; ++c) {
      threads.emplace_back([this, c, count, progress] { Loop(c, count, progress); });
    }
    for (std::thread& t : threads) t.join();
    if (failed_.load()) Die("a read failed: " + failure_);
    return std::chrono::duration<double>(SteadyClock::now() - start).count();
  }

 private:
  void Loop(int connection, uint64_t count, Progress* progress) {
    RawConnection& client = *clients_[connection];
    std::mt19937_64& rng = rngs_[connection];
    for (;;) {
      const uint64_t n = next_.fetch_add(1);
      if (n >= count || failed_.load()) return;
      const bool audit = static_cast<int>((total_.load() + n) % 100) < config_.audit_percent;
      std::string target;
      if (audit) {
        // The log grows by one record per read: pages from all over it.
        const uint64_t size = audit_base_ + total_.load();
        target = "/v1/audit/records?from=" + std::to_string(rng() % size) + "&limit=1000";
      } else {
        target = "/v1/transcripts/" + ids_[rng() % ids_.size()];
      }
      const auto [status, bytes] = client.Get(target);
      // A transcript's answer holds all of its text; an audit page, records.
      if (status != 200 || bytes < (audit ? 2 : config_.transcript_bytes / 2)) {
        Fail(target + ": status " + std::to_string(status) + ", " + std::to_string(bytes) +
             " bytes");
        return;
      }
      total_.fetch_add(1);
      progress->reads.fetch_add(1);
    }
  }

  void Fail(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failed_.exchange(true)) failure_ = what;
  }

  const Config& config_;
  const std::string socket_;
  const std::vector<std::string> ids_;
  const uint64_t audit_base_;
  std::vector<std::unique_ptr<RawConnection>> clients_;  // one per connection, kept
  std::vector<std::mt19937_64> rngs_;
  std::atomic<uint64_t> next_{0}, total_{0};
  std::atomic<bool> failed_{false};
  std::mutex mu_;
  std::string failure_;  // guarded by mu_
};

// The largest VmRSS of `pid` seen every 50 ms while it lives.
class PeakWatch {
 public:
  explicit PeakWatch(pid_t pid)
      : pid_(pid), thread_([this] {
          std::unique_lock<std::mutex> lock(mu_);
          for (;;) {
            const uint64_t rss = ReadProcStats(pid_).rss_kib;
            peak_kib_ = std::max(peak_kib_, rss);
            // Pacing of the samples, not synchronisation.
            if (cv_.wait_for(lock, std::chrono::milliseconds(50), [this] { return stop_; })) return;
          }
        }) {}
  ~PeakWatch() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  uint64_t peak_kib() {
    std::lock_guard<std::mutex> lock(mu_);
    return peak_kib_;
  }

 private:
  const pid_t pid_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;      // guarded by mu_
  uint64_t peak_kib_ = 0;  // guarded by mu_
  std::thread thread_;
};

// Least-squares slope of RSS (KiB) per read over samples[from..].
double Slope(const std::vector<Sample>& samples, size_t from) {
  const size_t n = samples.size() - from;
  if (n < 2) return 0;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t i = from; i < samples.size(); ++i) {
    const double x = samples[i].reads, y = samples[i].rss_kib;
    sx += x, sy += y, sxx += x * x, sxy += x * y;
  }
  const double denominator = n * sxx - sx * sx;
  return denominator == 0 ? 0 : (n * sxy - sx * sy) / denominator;
}

int Main(int argc, char** argv) {
  const Config config = ParseArgs(argc, argv);
  const std::string data =
      (std::filesystem::absolute(config.dir) / ("memory-bench-" + std::to_string(getpid())))
          .string();
  std::filesystem::remove_all(data);
  int status = 0;
  {
    Vaultd vaultd(config.vaultd, data, config.vaultd_args);
    const pid_t pid = vaultd.pid();
    const double rss_ready = ReadProcStats(pid).rss_kib / kMiB;
    std::unique_ptr<Client> admin = Connect(vaultd.socket());
    std::vector<std::string> ids = Fill(*admin, config);
    auto audit = admin->GetAuditStatus();
    if (!audit.ok()) Die("audit status: " + audit.status().ToString());
    admin.reset();
    Reader reader(config, vaultd.socket(), std::move(ids), audit->size);

    std::printf(
        "memory_bench: %llu reads (%d%% audit pages of 1000 records, the rest whole "
        "transcripts of %zu bytes), %d connections, %d transcripts, rounds of %llu\n",
        static_cast<unsigned long long>(config.reads), config.audit_percent,
        config.transcript_bytes, config.connections, config.transcripts,
        static_cast<unsigned long long>(config.round));
    if (config.warmup > 0) {
      Progress progress("warm-up", pid);
      reader.Run(config.warmup, &progress);
    }
    const double start = ReadProcStats(pid).rss_kib / kMiB;
    std::vector<Sample> samples = {{0, ReadProcStats(pid).rss_kib}};
    double seconds = 0;
    double peak = start;
    {
      Progress progress("reads", pid);
      PeakWatch watch(pid);
      for (uint64_t done = 0; done < config.reads;) {
        const uint64_t n = std::min(config.round, config.reads - done);
        seconds += reader.Run(n, &progress);
        done += n;
        samples.push_back({done, ReadProcStats(pid).rss_kib});
      }
      peak = std::max(peak, watch.peak_kib() / kMiB);
    }
    const ProcStats after = ReadProcStats(pid);
    const double end = after.rss_kib / kMiB;
    const double slope = Slope(samples, samples.size() / 2) * 10000 / kMiB;

    std::printf("vaultd RSS: ready %.1f MiB, after fill and %llu warm-up reads (start) %.1f MiB\n",
                rss_ready, static_cast<unsigned long long>(config.warmup), start);
    std::printf("between rounds (MiB):");
    for (const Sample& s : samples) std::printf(" %.1f", s.rss_kib / kMiB);
    std::printf(
        "\nvaultd RSS over %llu reads: peak %.1f MiB (%+.1f), end %.1f MiB (%+.1f); "
        "VmHWM %.1f MiB\n",
        static_cast<unsigned long long>(config.reads), peak, peak - start, end, end - start,
        after.hwm_kib / kMiB);
    std::printf("growth per 10,000 reads, second half: %+.3f MiB (%zu samples)\n", slope,
                samples.size() - samples.size() / 2);
    std::printf("reads: %.0f/s over %.1f s\n", config.reads / seconds, seconds);
    if (config.check) {
      const bool end_ok = end - start <= config.end_bound_mib;
      const bool peak_ok = peak - start <= config.peak_bound_mib;
      // Between-round samples vary by a few MiB with when the last trim ran:
      // over less than kMinSlopeReads, a slope is mostly that noise.
      const bool slope_checked = config.reads / 2 >= kMinSlopeReads;
      const bool slope_ok = !slope_checked || slope <= config.slope_bound_mib;
      std::printf(
          "bounds: end - start <= %.1f MiB %s; peak - start <= %.1f MiB %s; "
          "growth <= %.2f MiB per 10,000 reads %s\n",
          config.end_bound_mib, end_ok ? "ok" : "EXCEEDED", config.peak_bound_mib,
          peak_ok ? "ok" : "EXCEEDED", config.slope_bound_mib,
          !slope_checked ? "not checked (second half under 40,000 reads)"
          : slope_ok     ? "ok"
                         : "EXCEEDED");
      if (!end_ok || !peak_ok || !slope_ok) status = 1;
    }
  }
  std::filesystem::remove_all(data);
  std::filesystem::remove(data + ".log");
  return status;
}

}  // namespace
}  // namespace vault::bench

int main(int argc, char** argv) { return vault::bench::Main(argc, argv); }
