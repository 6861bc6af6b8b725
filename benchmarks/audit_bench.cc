// Audit log benchmarks, each beside a baseline in the same binary:
//
//   BM_AuditAppend/threads:N   durable appends (write + fdatasync, group
//                              commit) of a typical access record from N
//                              concurrent threads
//   BM_RawAppendFdatasync      baseline: append the same number of bytes to a
//                              file and fdatasync, one thread, one sync each
//   BM_Verify                  the offline verifier over a closed log of
//                              20,000 access records (hash chain, framing,
//                              payload checks, checkpoint signatures)
//   BM_Blake2bSameBytes        baseline: raw BLAKE2b-256 over the same bytes,
//                              record by record
//
// Run: build/benchmarks/audit_bench   (figures in docs/performance.md)
// The logs live in a scratch directory under $TMPDIR (default /tmp) on the
// same file system the daemon would use for its data directory only if
// TMPDIR points there; set TMPDIR to measure a specific disk.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "vault/audit/audit_log.h"
#include "vault/audit/record.h"
#include "vault/audit/verifier.h"
#include "vault/clock.h"
#include "vault/crypto/custodian.h"

namespace vault {
namespace {

namespace fs = std::filesystem;

std::string ScratchDir(const char* name) {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp != nullptr ? tmp : "/tmp") + "/tv-bench-" + name + "-XXXXXX";
  if (mkdtemp(templ.data()) == nullptr) std::abort();
  return templ;
}

audit::AccessEvent TypicalEvent() {
  audit::AccessEvent event;
  event.actor.uid = 1001;
  event.actor.role = "agent";
  event.action = "transcript.read";
  event.objects = {"5c1f0b8e2a9d4e7f8a6b3c2d1e0f9a8b"};
  event.outcome = "ok";
  event.request_id = "00000000000004d2";
  event.details = {{"pid", "4242"}, {"gid", "1001"}};
  return event;
}

// One log shared by every thread count of BM_AuditAppend.
struct SharedLog {
  std::string dir;
  std::unique_ptr<KeyFileCustodian> custodian;
  std::unique_ptr<audit::AuditLog> log;
};

SharedLog& AppendLog() {
  static SharedLog* shared = [] {
    auto* s = new SharedLog;
    s->dir = ScratchDir("append");
    s->custodian = std::move(KeyFileCustodian::Open(s->dir + "/root.key", true)).value();
    audit::AuditOptions o;
    o.dir = s->dir + "/audit";
    o.key_path = s->dir + "/audit.key";
    fs::create_directories(o.dir);
    s->log = std::move(audit::AuditLog::Open(o, s->custodian.get(), SystemClock::Default())).value();
    return s;
  }();
  return *shared;
}

void BM_AuditAppend(benchmark::State& state) {
  audit::AuditLog* log = AppendLog().log.get();
  const audit::AccessEvent event = TypicalEvent();
  for (auto _ : state) {
    if (!log->Append(event).ok()) state.SkipWithError("append failed");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AuditAppend)->Threads(1)->Threads(8)->Threads(64)->UseRealTime();

void BM_RawAppendFdatasync(benchmark::State& state) {
  const std::string dir = ScratchDir("raw");
  const int fd = open((dir + "/raw.log").c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  // About the size of one framed access record.
  const std::string bytes(300, 'r');
  for (auto _ : state) {
    if (write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size()) ||
        fdatasync(fd) != 0) {
      state.SkipWithError("write failed");
    }
  }
  close(fd);
  fs::remove_all(dir);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawAppendFdatasync)->UseRealTime();

// A closed log of 20,000 access records with checkpoints, built once.
struct VerifyLog {
  std::string dir;
  audit::PublicKey key{};
  std::vector<std::string> record_bodies;  // the bytes each record's hash covers
  uint64_t total_bytes = 0;
};

const VerifyLog& LogToVerify() {
  static VerifyLog* built = [] {
    auto* v = new VerifyLog;
    v->dir = ScratchDir("verify");
    auto custodian = std::move(KeyFileCustodian::Open(v->dir + "/root.key", true)).value();
    audit::AuditOptions o;
    o.dir = v->dir + "/audit";
    o.key_path = v->dir + "/audit.key";
    o.start_checkpoint_thread = false;
    fs::create_directories(o.dir);
    auto log = std::move(audit::AuditLog::Open(o, custodian.get(), SystemClock::Default())).value();
    const audit::AccessEvent event = TypicalEvent();
    for (int i = 0; i < 20000; ++i) {
      if (!log->Append(event).ok()) std::abort();
      if (i % 1000 == 999 && !log->Checkpoint().ok()) std::abort();
    }
    if (!log->Close().ok()) std::abort();
    v->key = log->GenesisKey();
    for (const auto& entry : fs::directory_iterator(o.dir)) {
      v->total_bytes += fs::file_size(entry.path());
    }
    // The baseline hashes each record's body (framing length and trailing
    // hash excluded): exactly the bytes the verifier must hash.
    auto records = log->Read(0, 1 << 20);
    if (!records.ok()) std::abort();
    for (const auto& r : *records) {
      std::string encoded;
      audit::EncodeRecord(r.record, &encoded);
      v->record_bodies.push_back(encoded.substr(4, encoded.size() - 4 - audit::kHashBytes));
    }
    return v;
  }();
  return *built;
}

void BM_Verify(benchmark::State& state) {
  const VerifyLog& v = LogToVerify();
  audit::VerifyOptions options;
  options.pinned_key = v.key;
  for (auto _ : state) {
    const audit::VerifyReport report = audit::VerifyDirectory(v.dir + "/audit", options);
    if (!report.ok) state.SkipWithError(report.error.c_str());
    benchmark::DoNotOptimize(report.records);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * v.total_bytes));
}
BENCHMARK(BM_Verify)->Unit(benchmark::kMillisecond);

void BM_Blake2bSameBytes(benchmark::State& state) {
  const VerifyLog& v = LogToVerify();
  unsigned char hash[32];
  for (auto _ : state) {
    for (const std::string& r : v.record_bodies) {
      crypto_generichash(hash, sizeof hash, reinterpret_cast<const unsigned char*>(r.data()),
                         r.size(), nullptr, 0);
      benchmark::DoNotOptimize(hash);
    }
  }
  // Per byte of log, like BM_Verify: the bytes/s ratio is the time ratio.
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * v.total_bytes));
}
BENCHMARK(BM_Blake2bSameBytes)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace vault
