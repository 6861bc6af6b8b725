// audit_corpus_seed OUT_DIR: writes the seed log of the mutation corpus
// (tests/audit/corpus/README.md) with the real AuditLog, as vaultd would:
// two runs with a clean stop after each, 4 KiB segments, access records shaped
// like vaultd's (no visitor data), and two kept checkpoints. Prints public key
// 0. Run by hand when the corpus is regenerated; the output is committed.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "vault/audit/audit_log.h"
#include "vault/crypto/custodian.h"

using namespace vault;

namespace {

audit::AccessEvent Event(int i) {
  static const char* kActions[] = {"transcript.open", "transcript.read", "transcript.close",
                                   "audit.read", "retention.status"};
  audit::AccessEvent e;
  e.actor = {1001u + static_cast<uint32_t>(i % 3), i % 3 == 0 ? "writer" : "agent", ""};
  e.action = kActions[i % 5];
  char id[40];
  std::snprintf(id, sizeof id, "%032x", 0x5eed0000 + i);
  if (i % 5 < 3) e.objects = {id};
  e.outcome = i % 7 == 6 ? "forbidden" : "ok";
  char req[20];
  std::snprintf(req, sizeof req, "%016x", 0x100 + i);
  e.request_id = req;
  e.details = {{"pid", std::to_string(4000 + i)}, {"gid", std::to_string(1001 + i % 3)}};
  return e;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: audit_corpus_seed OUT_DIR\n";
    return 2;
  }
  const std::string out = argv[1];
  std::filesystem::create_directories(out + "/audit");
  auto custodian = KeyFileCustodian::Open(out + "/root.key", true);
  if (!custodian.ok()) return 1;
  ManualClock clock(1'800'000'000'000);
  audit::AuditOptions o;
  o.dir = out + "/audit";
  o.key_path = out + "/audit.key";
  o.segment_bytes = 4096;
  o.start_checkpoint_thread = false;
  int n = 0;
  for (int run = 0; run < 2; ++run) {
    auto log = audit::AuditLog::Open(o, custodian->get(), &clock);
    if (!log.ok()) {
      std::cerr << log.status().ToString() << "\n";
      return 1;
    }
    for (int half = 0; half < 2; ++half) {
      for (int i = 0; i < 7; ++i, ++n) {
        clock.Advance(1000);
        if (!(*log)->Append(Event(n)).ok()) return 1;
      }
      clock.Advance(1000);
      if (half == 0) {
        if (!(*log)->Checkpoint().ok()) return 1;
        std::ofstream(out + "/kept-" + std::to_string(run + 1) + ".note", std::ios::binary)
            << (*log)->LatestCheckpoint();
      }
    }
    if (!(*log)->Close().ok()) return 1;
    const audit::PublicKey k = (*log)->GenesisKey();
    std::ofstream(out + "/pubkey") << audit::PublicKeyBase64(k) << "\n";
    clock.Advance(600'000);
  }
  std::filesystem::remove(out + "/root.key");
  std::filesystem::remove(out + "/audit.key");
  return 0;
}
