// index_bench: the visitor index at scale (issue 14, acceptance point 6;
// docs/design.md section 24).
//
// Drives VaultImpl in process (through the Vault interface, default epoch of
// 1 hour and retention of 30 days, so a lookup spans 721 epochs; every call
// durable as in vaultd, no background shredder) on a real RocksDB directory
// in a scratch directory under --dir. It fills --transcripts transcripts
// (default 1,000,000) of distinct visitors, each with a ref, an email, a
// phone number and an IPv4 address (4 index entries each), and, spread
// among them, --targets visitors with --per-target transcripts each (default
// 100 and 20), by --threads concurrent creators (default 64) that share the
// group commit. With --spread-hours N (720 for a vault that has run a whole
// retention period) the vault's clock moves through N hours during the fill
// and each transcript is closed at its hour, so every live epoch holds
// entries. After the fill has settled, the vault is restarted (its index
// filter is built from disk, as after any restart) and, in the same run:
//
//  1. history: ListHistory (limit 100) of a random target transcript,
//     --calls times (default 1,000), from one thread; each answer must list
//     the visitor's other per-target - 1 transcripts. Baseline beside it:
//     ListHistory of a transcript whose visitor has no indexed identifier
//     (the same load, audit record and fsync; no index work).
//  2. subject access lookup, as a subject access request does it before it
//     reads a transcript: VisitorIndex::Find with a target's four
//     identifiers, then VisitorIndex::InService for each match (a
//     VisitorIndex on the vault's own keyring and store); each must find
//     the visitor's per-target transcripts by all four. --calls times.
//  3. index cost: open + close throughput (transcripts/s, --threads
//     concurrent) of visitors with the four indexed identifiers against
//     visitors with none (no index entry) whose records are as large (the
//     same bytes in location and device), in --rounds rounds of
//     --round-seconds (default 8 of 5 s) alternating A B B A A B B A, on the
//     same filled vault.
//
// Prints p50/p99/max of 1 and 2, the rate of each round of 3 and the ratio of
// the totals, and the targets (history p99 <= 5 ms, lookup p99 <= 50 ms,
// cost <= 10 %). With --round-times, each round's start and end on
// CLOCK_MONOTONIC, the clock of `perf record -k mono`, so that a profile of
// the whole run can be cut into the two kinds of round (docs/performance.md
// section 9.12). Exit status 0, 1 on an error ("index_bench: ..." on
// stderr), 2 for bad arguments. Not run by ctest (a smoke test runs a tiny
// N). Figures and the command: docs/performance.md, section 9.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "benchmarks/vault_bench/bench_util.h"
#include "vault/common/monotonic.h"
#include "vault/core/vault_impl.h"
#include "vault/index/identifiers.h"
#include "vault/index/visitor_index.h"

namespace vault::bench {
namespace {

constexpr char kService[] = "bench";

struct Config {
  uint64_t transcripts = 1000000;
  int targets = 100;
  int per_target = 20;
  int threads = 64;
  int calls = 1000;
  int rounds = 8;
  double round_seconds = 5;
  std::string dir = ".";
  bool keep = false;
  // Print each round's start and end on CLOCK_MONOTONIC (the clock of
  // `perf record -k mono`), so that a profile can be cut by round kind.
  bool round_times = false;
  // 0: every transcript is opened at the same hour, so the index's entries
  // lie in one or two epochs. N: the fill's clock moves through N hours as
  // it goes (transcript k of T is opened and closed at hour k * N / T), so
  // with N = 720 every live epoch holds entries, as in a vault that has run
  // for a whole retention period; the lookups then run at the last hour.
  int spread_hours = 0;
};

void Usage() {
  std::fprintf(stderr,
               "usage: index_bench [--transcripts N] [--targets N] [--per-target N]\n"
               "  [--threads N] [--calls N] [--rounds N] [--round-seconds S] [--spread-hours N]\n"
               "  [--dir DIR] [--keep] [--round-times]\n");
  std::exit(2);
}

Config ParseArgs(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--keep") {
      c.keep = true;
      continue;
    }
    if (arg == "--round-times") {
      c.round_times = true;
      continue;
    }
    if (i + 1 >= argc) Usage();
    const std::string value = argv[++i];
    if (arg == "--transcripts") {
      c.transcripts = std::stoull(value);
    } else if (arg == "--targets") {
      c.targets = std::max(1, std::stoi(value));
    } else if (arg == "--per-target") {
      c.per_target = std::max(2, std::stoi(value));
    } else if (arg == "--threads") {
      c.threads = std::max(1, std::stoi(value));
    } else if (arg == "--calls") {
      c.calls = std::max(1, std::stoi(value));
    } else if (arg == "--rounds") {
      c.rounds = std::max(2, std::stoi(value));
    } else if (arg == "--round-seconds") {
      c.round_seconds = std::stod(value);
    } else if (arg == "--spread-hours") {
      c.spread_hours = std::max(0, std::stoi(value));
    } else if (arg == "--dir") {
      c.dir = value;
    } else {
      Usage();
    }
  }
  return c;
}

// A visitor with all four indexed identifiers, distinct for each `n` below
// 10^8 within a `space` (0 to 9; spaces share nothing): ref, email, phone
// (+44 7, the space, 8 digits) and an IPv4 address (first octet 10 + space).
Visitor IndexedVisitor(int space, uint64_t n) {
  const std::string name = "s" + std::to_string(space) + "-" + std::to_string(n);
  Visitor v;
  v.name = "Visitor " + name;
  v.ref = "ref-" + name;
  v.email = name + "@example.org";
  char phone[32];
  std::snprintf(phone, sizeof phone, "+447%d%08llu", space,
                static_cast<unsigned long long>(n % 100000000));
  v.phone = phone;
  const uint64_t a = n % (1ull << 24);
  v.ip = std::to_string(10 + space) + "." + std::to_string(a >> 16) + "." +
         std::to_string((a >> 8) & 0xff) + "." + std::to_string(a & 0xff);
  v.user_agent = "Mozilla/5.0 (bench)";
  return v;
}
constexpr int kVisitorSpace = 0, kTargetSpace = 1, kCostSpace = 2;

// A visitor record of the same size with nothing indexed: the bytes of the
// indexed identifiers go in `location` and `device` instead, so the two
// kinds differ in the index's work only, not in what is sealed and written.
Visitor UnindexedVisitor(uint64_t n) {
  const Visitor same = IndexedVisitor(kCostSpace, n);
  Visitor v;
  v.name = same.name;
  v.user_agent = same.user_agent;
  v.location = std::string(same.ref->size() + same.email->size(), 'L');
  v.device = std::string(same.phone->size() + same.ip->size(), 'D');
  return v;
}

// The vault's clock: the system's time when the run starts, moved forward
// (never back) by the fill when --spread-hours asks for it.
class FillClock final : public Clock {
 public:
  FillClock() : now_(SystemClock::Default()->NowMillis()) {}
  UnixMillis NowMillis() const override { return now_.load(std::memory_order_acquire); }
  void AdvanceTo(UnixMillis t) {
    UnixMillis seen = now_.load(std::memory_order_acquire);
    while (seen < t && !now_.compare_exchange_weak(seen, t, std::memory_order_acq_rel)) {
    }
  }

 private:
  std::atomic<UnixMillis> now_;
};

std::string Create(Vault& vault, const Caller& caller, const Visitor& visitor) {
  NewTranscript request{kService, visitor};
  auto created = vault.CreateTranscript(caller, request);
  if (!created.ok()) Die("create: " + created.status().ToString());
  return created->id;
}

void Close(Vault& vault, const Caller& caller, const std::string& id) {
  auto closed = vault.CloseTranscript(caller, id);
  if (!closed.ok()) Die("close: " + closed.status().ToString());
}

void PrintSummary(const char* what, const Summary& s) {
  std::printf("%-44s n=%llu  p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms\n", what,
              static_cast<unsigned long long>(s.count), s.p50_us / 1000, s.p99_us / 1000,
              s.max_us / 1000);
}

int Main(int argc, char** argv) {
  const Config config = ParseArgs(argc, argv);
  const std::string scratch =
      (std::filesystem::absolute(config.dir) / ("index-bench-" + std::to_string(getpid())))
          .string();
  std::filesystem::remove_all(scratch);
  Options options;
  options.data_dir = scratch + "/data";
  // The start-up builds' own reports: how long each took.
  std::mutex built_mu;
  std::map<std::string, std::string> built_ms;
  options.log = [&](std::string_view event, const Options::LogFields& fields) {
    for (const auto& [key, value] : fields) {
      if (key == "ms") {
        std::lock_guard<std::mutex> l(built_mu);
        built_ms[std::string(event)] = value;
      }
    }
  };
  options.retention_tick_ms = 0;  // no background shredder: nothing expires during the run
  FillClock clock;
  const UnixMillis fill_epoch_start = clock.NowMillis();
  auto opened = VaultImpl::Open(options, &clock);
  if (!opened.ok()) Die("open vault: " + opened.status().ToString());
  std::unique_ptr<VaultImpl> impl = std::move(opened).value();
  const Caller caller = Caller::Trusted("index-bench");

  // ---- Fill. Work item k is a target's transcript when k is a multiple of
  // `stride` (and targets remain), otherwise a distinct visitor's.
  const uint64_t target_items = static_cast<uint64_t>(config.targets) * config.per_target;
  const uint64_t total = config.transcripts + target_items;
  const uint64_t stride = std::max<uint64_t>(1, total / target_items);
  std::vector<std::vector<std::string>> target_ids(config.targets);
  std::mutex target_mu;
  std::atomic<uint64_t> next{0};
  std::atomic<uint64_t> next_distinct{0};
  std::printf("index_bench: %llu transcripts of distinct visitors and %d visitors with %d each, "
              "%d threads, epoch 1 h, retention 30 days, opened over %d hours\n",
              static_cast<unsigned long long>(config.transcripts), config.targets,
              config.per_target, config.threads, config.spread_hours);
  std::fflush(stdout);
  const auto fill_start = SteadyClock::now();
  {
    Progress progress("fill", 0);
    std::vector<std::thread> pool;
    for (int t = 0; t < config.threads; ++t) {
      pool.emplace_back([&] {
        for (uint64_t k; (k = next.fetch_add(1)) < total;) {
          if (config.spread_hours > 0) {
            clock.AdvanceTo(fill_epoch_start +
                            static_cast<int64_t>(k * config.spread_hours / total) * 3600000);
          }
          if (k % stride == 0 && k / stride < target_items) {
            const int who = static_cast<int>((k / stride) % config.targets);
            const std::string id = Create(*impl, caller, IndexedVisitor(kTargetSpace, who));
            if (config.spread_hours > 0) Close(*impl, caller, id);
            std::lock_guard<std::mutex> lock(target_mu);
            target_ids[who].push_back(id);
          } else {
            const std::string id =
                Create(*impl, caller, IndexedVisitor(kVisitorSpace, next_distinct.fetch_add(1)));
            if (config.spread_hours > 0) Close(*impl, caller, id);
          }
          progress.writes.fetch_add(1, std::memory_order_relaxed);
        }
      });
    }
    for (std::thread& thread : pool) thread.join();
  }
  const double fill_seconds =
      std::chrono::duration<double>(SteadyClock::now() - fill_start).count();
  for (int t = 0; t < config.targets; ++t) {
    if (target_ids[t].size() != static_cast<size_t>(config.per_target)) {
      Die("target " + std::to_string(t) + " has " + std::to_string(target_ids[t].size()) +
          " transcripts");
    }
  }
  std::printf("fill: %llu transcripts (%s, 4 index entries each) in %.1f s, %.0f/s\n",
              static_cast<unsigned long long>(total),
              config.spread_hours > 0 ? "opened and closed" : "opened", fill_seconds, total / fill_seconds);
  std::fflush(stdout);
  // A vault that reached 1,000,000 transcripts over its retention period is
  // not in the middle of compacting a two-minute bulk load: measure once the
  // fill's flushes and compactions have finished (at most 10 minutes).
  const auto settle_start = SteadyClock::now();
  while (impl->store()->GetStats().background_work > 0 &&
         MicrosSince(settle_start) < 600e6) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::printf("settled: the fill's flushes and compactions finished %.1f s after it\n",
              MicrosSince(settle_start) / 1e6);
  std::fflush(stdout);
  // Restart, as a vault that reached this size over weeks has restarted
  // since: the lookups below run on the index filter built at start-up.
  impl.reset();
  const auto reopen_start = SteadyClock::now();
  opened = VaultImpl::Open(options, &clock);
  if (!opened.ok()) Die("reopen vault: " + opened.status().ToString());
  impl = std::move(opened).value();
  const double reopen_ms = MicrosSince(reopen_start) / 1000.0;
  impl->WaitForIndexFilter();
  const double filter_ms = MicrosSince(reopen_start) / 1000.0;
  if (!impl->index_filter().ready()) Die("the index filter was not built");
  const EpochTagFilter::Size filter_size = impl->index_filter().size();
  if (!impl->visitor_presence().ready()) Die("the presence table was not rebuilt");
  const VisitorPresence::Size presence_size = impl->visitor_presence().size();
  std::map<std::string, std::string> built;
  {
    std::lock_guard<std::mutex> l(built_mu);
    built = built_ms;
  }
  std::printf("restart: open %.0f ms; index filter (%s ms) and presence table (%s ms) built "
              "%.0f ms after the open began: %zu epochs, %zu entries, %.1f MiB; "
              "%zu fingerprints, %.1f MiB\n",
              reopen_ms, built["index_filter_ready"].c_str(),
              built["visitor_presence_ready"].c_str(), filter_ms, filter_size.epochs,
              filter_size.entries, filter_size.bytes / 1048576.0, presence_size.used,
              presence_size.bytes / 1048576.0);
  std::fflush(stdout);
  Vault& vault = *impl;

  std::mt19937_64 rng(42);
  std::uniform_int_distribution<int> pick_target(0, config.targets - 1);
  std::uniform_int_distribution<int> pick_one(0, config.per_target - 1);

  // ---- 1. History, and its baseline on a visitor without identifiers.
  const std::string lone = Create(vault, caller, UnindexedVisitor(0));
  HistoryQuery first_query;
  first_query.limit = 100;
  // The first lookup derives every live epoch's key and tag key, which the
  // keyring then caches for the life of the vault: reported on its own.
  const auto first_start = SteadyClock::now();
  auto first_page = vault.ListHistory(caller, target_ids[0][0], first_query);
  if (!first_page.ok()) Die("first history: " + first_page.status().ToString());
  const double first_ms = MicrosSince(first_start) / 1000.0;
  std::vector<uint32_t> history, history_base;
  for (int i = 0; i < config.calls; ++i) {
    const std::string& id = target_ids[pick_target(rng)][pick_one(rng)];
    HistoryQuery query;
    query.limit = 100;
    auto start = SteadyClock::now();
    auto page = vault.ListHistory(caller, id, query);
    history.push_back(MicrosSince(start));
    if (!page.ok()) Die("history: " + page.status().ToString());
    if (page->entries.size() != static_cast<size_t>(config.per_target - 1)) {
      Die("history listed " + std::to_string(page->entries.size()) + " transcripts");
    }
    start = SteadyClock::now();
    auto base = vault.ListHistory(caller, lone, query);
    history_base.push_back(MicrosSince(start));
    if (!base.ok() || !base->entries.empty()) Die("baseline history: " + base.status().ToString());
  }

  // ---- 2. Subject access lookup at the index level.
  const VisitorIndex& index = impl->visitor_index();
  std::vector<uint32_t> lookup, tags_alone;
  Keyring* keyring = impl->keyring();
  const uint64_t top_epoch =
      keyring->EpochOf(clock.NowMillis() + options.retention_ms);
  for (int i = 0; i < config.calls; ++i) {
    const int who = pick_target(rng);
    const std::vector<Identifier> ids = IndexedIdentifiers(IndexedVisitor(kTargetSpace, who));
    if (ids.size() != 4) Die("a target visitor does not have 4 indexed identifiers");
    // The part of a lookup that is the keyring's: the 4 identifiers' tags
    // in every live epoch, without a seek.
    auto tags_start = SteadyClock::now();
    for (const Identifier& id : ids) {
      auto tags = keyring->VisitorTags(keyring->base_epoch(), top_epoch, IdentifierTagInput(id));
      if (!tags.ok()) Die("tags: " + tags.status().ToString());
    }
    tags_alone.push_back(MicrosSince(tags_start));
    const auto start = SteadyClock::now();
    auto matches = index.Find(ids, 10000);
    if (!matches.ok()) Die("find: " + matches.status().ToString());
    std::map<std::string, int> kinds;
    for (const VisitorIndex::Match& m : *matches) {
      auto in = index.InService(m, kService);
      if (!in.ok()) Die("in service: " + in.status().ToString());
      if (*in) ++kinds[m.raw_id];
    }
    lookup.push_back(MicrosSince(start));
    if (kinds.size() != static_cast<size_t>(config.per_target)) {
      Die("lookup found " + std::to_string(kinds.size()) + " transcripts");
    }
    for (const auto& [id, n] : kinds) {
      if (n != 4) Die("a transcript matched on " + std::to_string(n) + " identifiers, not 4");
    }
  }

  // ---- 3. Open + close throughput with and without indexed identifiers.
  // Beside each round's rate, the process's CPU time per transcript (user
  // + system, every thread), which a shared machine disturbs less than the
  // rate, and the part of it in RocksDB's flush and compaction threads.
  std::atomic<uint64_t> serial{0};
  double with_cpu = 0, without_cpu = 0, with_bg = 0, without_bg = 0;  // seconds
  // Bytes RocksDB's flushes and compactions wrote to SST files meanwhile.
  double with_written = 0, without_written = 0;
  auto sst_written = [&] {
    const Store::Stats st = impl->store()->GetStats();
    return static_cast<double>(st.flush_write_bytes + st.compact_write_bytes);
  };
  auto round = [&](bool indexed) {
    const double cpu_start = ReadProcStats(getpid()).cpu_seconds;
    const double bg_start = OwnThreadsCpuSeconds("rocksdb:");
    const double written_start = sst_written();
    std::atomic<uint64_t> done{0};
    const double seconds = RunTimed(config.threads, config.round_seconds, [&](int) {
      return [&, indexed] {
        const uint64_t n = serial.fetch_add(1);
        const Visitor v = indexed ? IndexedVisitor(kCostSpace, n) : UnindexedVisitor(n);
        const std::string id = Create(vault, caller, v);
        auto closed = vault.CloseTranscript(caller, id);
        if (!closed.ok()) Die("close: " + closed.status().ToString());
        done.fetch_add(1, std::memory_order_relaxed);
        return true;
      };
    });
    (indexed ? with_cpu : without_cpu) += ReadProcStats(getpid()).cpu_seconds - cpu_start;
    (indexed ? with_bg : without_bg) += OwnThreadsCpuSeconds("rocksdb:") - bg_start;
    (indexed ? with_written : without_written) += sst_written() - written_start;
    return std::make_pair(done.load(), seconds);
  };
  uint64_t with_n = 0, without_n = 0;
  double with_s = 0, without_s = 0;
  std::string rounds_line;
  for (int r = 0; r < config.rounds; ++r) {
    // A B B A A B B A ...: each kind comes first as often as second.
    const bool indexed = ((r + 1) / 2) % 2 == 0;
    const int64_t began = MonotonicNanos();
    const auto [n, s] = round(indexed);
    if (config.round_times) {
      std::printf("round %d %s: monotonic %.6f,%.6f\n", r, indexed ? "with" : "without",
                  began / 1e9, MonotonicNanos() / 1e9);
      std::fflush(stdout);
    }
    (indexed ? with_n : without_n) += n;
    (indexed ? with_s : without_s) += s;
    char buf[64];
    std::snprintf(buf, sizeof buf, " %s %.0f", indexed ? "with" : "without", n / s);
    rounds_line += buf;
  }

  // ---- Report.
  std::printf("vault: %llu transcripts, %d visitors with %d transcripts each\n",
              static_cast<unsigned long long>(total + 1), config.targets, config.per_target);
  const Summary h = Summarize(history);
  const Summary hb = Summarize(history_base);
  const Summary l = Summarize(lookup);
  PrintSummary("history (ListHistory of a target)", h);
  PrintSummary("baseline: history of a visitor with none", hb);
  PrintSummary("subject access lookup (Find 4 ids + InService)", l);
  PrintSummary("its keyring part: the 4 ids' tags alone", Summarize(tags_alone));
  std::printf("first history call of the run (derives and caches %llu epoch keys): %.2f ms\n",
              static_cast<unsigned long long>(top_epoch - keyring->base_epoch() + 1),
              first_ms);
  std::printf("history p99 / baseline p99: %.2f\n", h.p99_us / hb.p99_us);
  const double with_rate = with_n / with_s;
  const double without_rate = without_n / without_s;
  std::printf("open+close transcripts/s by round (%d threads, %g s each):%s\n", config.threads,
              config.round_seconds, rounds_line.c_str());
  std::printf("open+close with index %.0f/s, without %.0f/s: ratio %.3f, index cost %.1f %%\n",
              with_rate, without_rate, with_rate / without_rate,
              100 * (1 - with_rate / without_rate));
  auto per_transcript_us = [](double seconds, uint64_t n) {
    return n == 0 ? 0.0 : 1e6 * seconds / static_cast<double>(n);
  };
  const double with_cpu_us = per_transcript_us(with_cpu, with_n);
  const double without_cpu_us = per_transcript_us(without_cpu, without_n);
  std::printf("CPU per open+close (whole process): with index %.0f us, without %.0f us: "
              "ratio %.3f; of which RocksDB's flush and compaction threads %.0f / %.0f us\n",
              with_cpu_us, without_cpu_us, without_cpu_us > 0 ? with_cpu_us / without_cpu_us : 0,
              per_transcript_us(with_bg, with_n), per_transcript_us(without_bg, without_n));
  std::printf("SST bytes written by flushes and compactions per open+close: with index %.0f, "
              "without %.0f\n",
              with_n == 0 ? 0.0 : with_written / static_cast<double>(with_n),
              without_n == 0 ? 0.0 : without_written / static_cast<double>(without_n));
  std::printf("targets: history p99 %.2f ms <= 5 ms %s; lookup p99 %.2f ms <= 50 ms %s; "
              "index cost %.1f %% <= 10 %% %s\n",
              h.p99_us / 1000, h.p99_us <= 5000 ? "met" : "MISSED", l.p99_us / 1000,
              l.p99_us <= 50000 ? "met" : "MISSED", 100 * (1 - with_rate / without_rate),
              with_rate >= 0.9 * without_rate ? "met" : "MISSED");
  impl.reset();
  if (!config.keep) std::filesystem::remove_all(scratch);
  return 0;
}

}  // namespace
}  // namespace vault::bench

int main(int argc, char** argv) { return vault::bench::Main(argc, argv); }
