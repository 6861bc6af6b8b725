#include "benchmarks/vault_bench/startup.h"

#include <atomic>
#include <chrono>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "benchmarks/vault_bench/bench_util.h"
#include "vault/client.h"
#include "vault/vault.h"

namespace vault::bench {
namespace {

// The ids of a filled vault, one per line, beside the data directory, so
// later start-up runs can read transcripts that exist.
std::string IdsFile(const std::string& data_dir) { return data_dir + ".ids"; }

}  // namespace

FillResult FillVault(const std::string& data_dir, uint64_t count, int messages,
                     size_t message_bytes, int threads) {
  Options options;
  options.data_dir = data_dir;
  options.retention_tick_ms = 0;  // no background shredder while filling
  auto opened = Vault::Open(options, SystemClock::Default());
  if (!opened.ok()) Die("open vault: " + opened.status().ToString());
  std::unique_ptr<Vault> vault = std::move(opened).value();
  std::ofstream ids(IdsFile(data_dir), std::ios::app);
  std::mutex ids_mu;
  std::atomic<uint64_t> next{0};
  Progress progress("fill", 0);
  const auto start = SteadyClock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      const Caller caller = Caller::Trusted("bench-fill");
      const std::string text = Payload(message_bytes, t);
      std::string batch;
      for (uint64_t n; (n = next.fetch_add(1)) < count;) {
        // Each visitor with the four indexed identifiers, as a chat
        // platform passes them, so the start also rebuilds the index filter
        // and the presence table of a vault this size (in the background).
        NewTranscript request{"bench", {}};
        const std::string who = std::to_string(n);
        request.visitor.ref = "fill-visitor-" + who;
        request.visitor.email = "visitor." + who + "@example.org";
        request.visitor.phone = "+44 7" + std::to_string(100000000 + n);
        request.visitor.ip = "10." + std::to_string((n >> 16) & 255) + "." +
                             std::to_string((n >> 8) & 255) + "." + std::to_string(n & 255);
        auto created = vault->CreateTranscript(caller, request);
        if (!created.ok()) Die("create: " + created.status().ToString());
        for (int m = 0; m < messages; ++m) {
          Message message{static_cast<uint64_t>(m), "visitor", text, "2026-11-22T10:00:00Z", {}};
          auto appended = vault->AppendMessage(caller, created->id, message);
          if (!appended.ok()) Die("append: " + appended.status().ToString());
          progress.writes.fetch_add(1, std::memory_order_relaxed);
        }
        auto closed = vault->CloseTranscript(caller, created->id);
        if (!closed.ok()) Die("close: " + closed.status().ToString());
        progress.writes.fetch_add(2, std::memory_order_relaxed);
        batch += created->id;
        batch += '\n';
        if (batch.size() > 64 * 1024) {
          std::lock_guard<std::mutex> lock(ids_mu);
          ids << batch;
          batch.clear();
        }
      }
      std::lock_guard<std::mutex> lock(ids_mu);
      ids << batch;
    });
  }
  for (std::thread& thread : pool) thread.join();
  FillResult result;
  result.transcripts = count;
  result.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  return result;
}

PresenceRebuilds PresenceRebuildsLogged(const std::string& data_dir) {
  std::ifstream file(data_dir + ".log");
  PresenceRebuilds n;
  for (std::string line; std::getline(file, line);) {
    n.ready += line.find("visitor_presence_ready") != std::string::npos;
    n.failed += line.find("visitor_presence_failed") != std::string::npos;
  }
  return n;
}

std::optional<PresenceRebuilds> AwaitPresenceRebuild(const std::string& data_dir,
                                                     const PresenceRebuilds& before,
                                                     SteadyClock::time_point since) {
  for (;;) {
    const PresenceRebuilds now = PresenceRebuildsLogged(data_dir);
    if (now.ended() != before.ended()) return now;
    if (SteadyClock::now() - since > std::chrono::minutes(10)) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

StartupResult TimeStartup(const std::string& vaultd, const std::string& data_dir, int reads,
                          int read_threads) {
  std::vector<std::string> ids;
  {
    std::ifstream file(IdsFile(data_dir));
    for (std::string line; std::getline(file, line);) ids.push_back(line);
  }
  StartupResult result;
  const PresenceRebuilds rebuilds_before = PresenceRebuildsLogged(data_dir);
  const auto spawned = SteadyClock::now();
  Vaultd daemon(vaultd, data_dir, {});
  result.ready_seconds = daemon.ready_seconds();
  result.hwm_ready_kib = ReadProcStats(daemon.pid()).hwm_kib;
  if (!ids.empty() && reads > 0) {
    std::atomic<uint64_t> done{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < read_threads; ++t) {
      pool.emplace_back([&, t] {
        auto client = Client::Connect(daemon.socket());
        if (!client.ok()) Die("connect: " + client.status().ToString());
        uint64_t x = 0x9E3779B97F4A7C15ull * (t + 1);
        while (done.fetch_add(1) < static_cast<uint64_t>(reads)) {
          x ^= x << 13, x ^= x >> 7, x ^= x << 17;
          auto transcript = (*client)->GetTranscript(ids[x % ids.size()]);
          if (!transcript.ok()) Die("read: " + transcript.status().ToString());
        }
      });
    }
    for (std::thread& thread : pool) thread.join();
    result.reads = static_cast<uint64_t>(reads);
  }
  result.hwm_after_kib = ReadProcStats(daemon.pid()).hwm_kib;
  result.stored = ids.size();
  // Then until the background builds have ended.
  if (!AwaitPresenceRebuild(data_dir, rebuilds_before, spawned)) return result;
  result.built_seconds = std::chrono::duration<double>(SteadyClock::now() - spawned).count();
  result.hwm_built_kib = ReadProcStats(daemon.pid()).hwm_kib;
  return result;
}

}  // namespace vault::bench
