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
// vaultd's VmRSS (/proc/<pid>/status) is sampled after every 1,000 reads. It
// prints the resident set after the warm-up (start), the largest sample
// (peak), the last one (end), and the growth per 10,000 reads over the second
// half (least-squares slope of the samples), and checks them against
//   --end-bound-mib    end - start           (default 16)
//   --peak-bound-mib   peak - start          (default 48)
//   --slope-bound-mib  growth per 10,000 reads, second half (default 0.5)
// Exit status: 0 within every bound, 1 if one is exceeded, 2 on an error (a
// read that did not answer 200, vaultd gone). It measures memory, not speed;
// the reads per second it prints are for orientation only. Not run by ctest
// (a smoke test runs it for a few hundred reads, without bounds).
// Figures and the command behind them: docs/performance.md, section 8.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "benchmarks/vault_bench/bench_util.h"
#include "vault/client.h"

namespace vault::bench {
namespace {

constexpr size_t kMessageBytes = 60000;
constexpr uint64_t kSampleEvery = 1000;
constexpr double kMiB = 1024.0;  // samples are in KiB

struct Config {
  uint64_t reads = 100000;
  uint64_t warmup = 2000;
  int connections = 8;
  int transcripts = 4;
  size_t transcript_bytes = 1500000;
  int audit_percent = 50;
  double end_bound_mib = 16;
  double peak_bound_mib = 48;
  double slope_bound_mib = 0.5;
  bool check = true;
  std::string dir = ".";
  std::string vaultd = VAULTD_PATH;
  std::vector<std::string> vaultd_args;
};

void Usage() {
  std::fprintf(stderr,
               "usage: memory_bench [--reads N] [--warmup N] [--connections N]\n"
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
      Message m{seq, seq % 2 == 0 ? "visitor" : "agent", text, "2026-11-22T10:00:00Z"};
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

struct Sample {
  uint64_t reads;
  uint64_t rss_kib;
};

// The reads of all connections, with a sample of vaultd's RSS every
// kSampleEvery answered reads.
class Reader {
 public:
  Reader(const Config& config, pid_t pid, std::string socket, std::vector<std::string> ids,
         uint64_t audit_size)
      : config_(config),
        pid_(pid),
        socket_(std::move(socket)),
        ids_(std::move(ids)),
        audit_base_(audit_size) {}

  // Runs `count` reads over config_.connections connections; `sample` turns
  // the RSS samples on. Returns wall-clock seconds.
  double Run(uint64_t count, bool sample, Progress* progress) {
    next_.store(0);
    done_.store(0);
    const auto start = SteadyClock::now();
    std::vector<std::thread> threads;
    for (int c = 0; c < config_.connections; ++c) {
      threads.emplace_back([&, c] { Loop(c, count, sample, progress); });
    }
    for (std::thread& t : threads) t.join();
    if (failed_.load()) Die("a read failed: " + failure_);
    return std::chrono::duration<double>(SteadyClock::now() - start).count();
  }

  std::vector<Sample> samples() {
    std::lock_guard<std::mutex> lock(mu_);
    std::sort(samples_.begin(), samples_.end(),
              [](const Sample& a, const Sample& b) { return a.reads < b.reads; });
    return samples_;
  }

 private:
  void Loop(int connection, uint64_t count, bool sample, Progress* progress) {
    std::unique_ptr<Client> client = Connect(socket_);
    std::mt19937_64 rng(connection + 1);
    for (;;) {
      const uint64_t n = next_.fetch_add(1);
      if (n >= count || failed_.load()) return;
      const bool audit = static_cast<int>(n % 100) < config_.audit_percent;
      std::string target;
      if (audit) {
        // The log grows by one record per read: pages from all over it.
        const uint64_t size = audit_base_ + total_.load();
        target = "/v1/audit/records?from=" + std::to_string(rng() % size) + "&limit=1000";
      } else {
        target = "/v1/transcripts/" + ids_[rng() % ids_.size()];
      }
      auto reply = client->Request("GET", target);
      if (!reply.ok() || reply->status != 200) {
        Fail(target + ": " +
             (reply.ok() ? std::to_string(reply->status) + " " + reply->body
                         : reply.status().ToString()));
        return;
      }
      total_.fetch_add(1);
      progress->reads.fetch_add(1);
      const uint64_t done = done_.fetch_add(1) + 1;
      if (sample && done % kSampleEvery == 0) {
        const uint64_t rss = ReadProcStats(pid_).rss_kib;
        std::lock_guard<std::mutex> lock(mu_);
        samples_.push_back({done, rss});
      }
    }
  }

  void Fail(const std::string& what) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!failed_.exchange(true)) failure_ = what;
  }

  const Config& config_;
  const pid_t pid_;
  const std::string socket_;
  const std::vector<std::string> ids_;
  const uint64_t audit_base_;
  std::atomic<uint64_t> next_{0}, done_{0}, total_{0};
  std::atomic<bool> failed_{false};
  std::mutex mu_;
  std::vector<Sample> samples_;  // guarded by mu_
  std::string failure_;          // guarded by mu_
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
    Reader reader(config, pid, vaultd.socket(), std::move(ids), audit->size);

    std::printf(
        "memory_bench: %llu reads (%d%% audit pages of 1000 records, the rest whole "
        "transcripts of %zu bytes), %d connections, %d transcripts\n",
        static_cast<unsigned long long>(config.reads), config.audit_percent,
        config.transcript_bytes, config.connections, config.transcripts);
    {
      Progress progress("warm-up", pid);
      reader.Run(config.warmup, false, &progress);
    }
    const double start = ReadProcStats(pid).rss_kib / kMiB;
    double seconds;
    {
      Progress progress("reads", pid);
      seconds = reader.Run(config.reads, true, &progress);
    }
    const std::vector<Sample> samples = reader.samples();
    const ProcStats after = ReadProcStats(pid);
    double peak = start;
    for (const Sample& s : samples) peak = std::max(peak, s.rss_kib / kMiB);
    const double end = after.rss_kib / kMiB;
    peak = std::max(peak, end);
    const double slope = Slope(samples, samples.size() / 2) * 10000 / kMiB;

    std::printf("vaultd RSS: ready %.1f MiB, after fill and %llu warm-up reads (start) %.1f MiB\n",
                rss_ready, static_cast<unsigned long long>(config.warmup), start);
    std::printf(
        "vaultd RSS over %llu reads: peak %.1f MiB (+%.1f), end %.1f MiB (%+.1f); "
        "VmHWM %.1f MiB\n",
        static_cast<unsigned long long>(config.reads), peak, peak - start, end, end - start,
        after.hwm_kib / kMiB);
    std::printf("growth per 10,000 reads, second half: %+.3f MiB (%zu samples)\n", slope,
                samples.size() - samples.size() / 2);
    std::printf("reads: %.0f/s over %.1f s\n", config.reads / seconds, seconds);
    if (config.check) {
      const bool end_ok = end - start <= config.end_bound_mib;
      const bool peak_ok = peak - start <= config.peak_bound_mib;
      const bool slope_ok = slope <= config.slope_bound_mib;
      std::printf(
          "bounds: end - start <= %.1f MiB %s; peak - start <= %.1f MiB %s; "
          "growth <= %.2f MiB per 10,000 reads %s\n",
          config.end_bound_mib, end_ok ? "ok" : "EXCEEDED", config.peak_bound_mib,
          peak_ok ? "ok" : "EXCEEDED", config.slope_bound_mib, slope_ok ? "ok" : "EXCEEDED");
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
