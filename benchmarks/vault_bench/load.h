// vaultd under load over its Unix socket, as chat servers and agents use it.
//
//   writers  each runs transcripts end to end: open (create), appends of
//            `message_bytes` of text, close; then the next transcript.
//            With `rate` > 0 the writers together send at most `rate`
//            appends per second, on a fixed schedule, and an append's
//            latency counts from when it was due, so a backlog shows. Each
//            transcript's schedule starts after its open.
//   readers  agents reading whole transcripts of `read_messages` messages
//            (written before the phase starts) over and over.
//   lookups  agents listing a returning visitor's history and a dpo's
//            subject access requests for that visitor, taking turns, over
//            `lookup_ids` (that visitor's transcripts, by `lookup_ref`).
//   pingers  clients sending GET /v1/health over and over: the least a
//            request over the socket costs vaultd (reading and parsing it,
//            routing, the response, the access log line), with no Vault
//            call behind it.
// With `identifiers`, writers open each transcript with a visitor's ref,
// e-mail, phone and IP address (indexed), each visitor coming back for
// about one transcript in eight; without, with no visitor fields at all, or
// (`same_bytes`) with as many bytes in fields that are never indexed.
#ifndef VAULT_BENCHMARKS_VAULT_BENCH_LOAD_H_
#define VAULT_BENCHMARKS_VAULT_BENCH_LOAD_H_

#include <sys/types.h>

#include <string>
#include <vector>

#include "benchmarks/vault_bench/raw_baseline.h"

namespace vault::bench {

struct LoadConfig {
  std::string socket;
  pid_t pid = 0;  // vaultd, for CPU time and RSS; 0: not measured
  int writers = 64;
  int readers = 0;
  double seconds = 5;
  double rate = 0;  // appends per second over all writers; 0: as fast as possible
  size_t message_bytes = 1024;
  int messages_per_transcript = 100;
  int read_messages = 100;
  bool identifiers = false;
  bool same_bytes = false;
  // In every visitor's identifiers, so that each phase has its own visitors.
  std::string visitor_salt;
  int lookups = 0;
  int pingers = 0;
  std::vector<std::string> lookup_ids;
  std::string lookup_ref;
  std::string phase = "vault";
};

struct LoadResult {
  PhaseResult appends, opens, closes, reads, history, subject_access, pings;
  double seconds = 0;  // wall-clock length of the phase
  double server_cpu_seconds = 0;
  // This process's CPU over the phase: the clients' (vault/client.h), as a
  // chat server's threads would spend it, on the same cores as vaultd.
  double client_cpu_seconds = 0;
  uint64_t server_hwm_kib = 0;
  double server_cpu_us_per_append() const {
    return appends.ops > 0 ? server_cpu_seconds * 1e6 / appends.ops : 0;
  }
  double client_cpu_us_per_append() const {
    return appends.ops > 0 ? client_cpu_seconds * 1e6 / appends.ops : 0;
  }
  double server_cpu_us_per_ping() const {
    return pings.ops > 0 ? server_cpu_seconds * 1e6 / pings.ops : 0;
  }
};

// Transcripts for the readers: `count` closed transcripts of
// `messages` messages each. Returns their ids.
std::vector<std::string> PrepareReadTranscripts(const std::string& socket, int count, int messages,
                                                size_t message_bytes);

// `count` closed transcripts of one returning visitor (ref `ref`, no other
// identifier), one message each, for the lookups. Returns their ids.
std::vector<std::string> PrepareVisitor(const std::string& socket, const std::string& ref,
                                        int count);

LoadResult RunLoad(const LoadConfig& config, const std::vector<std::string>& read_ids);

}  // namespace vault::bench

#endif  // VAULT_BENCHMARKS_VAULT_BENCH_LOAD_H_
