// Seeds of audit_segment: a real audit log written by vault/audit's AuditLog
// (genesis, accesses with details, a checkpoint, a clean stop), as the
// verifier finds it on disk, with the genesis key the auditor pins.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "fixed_keys.h"
#include "seeds.h"
#include "vault/audit/audit_log.h"
#include "vault/audit/recovery.h"

namespace vault::fuzz {
namespace {

void Check(const Status& s) {
  if (!s.ok()) {
    std::fprintf(stderr, "make_seeds: %s\n", s.ToString().c_str());
    std::exit(1);
  }
}

audit::AccessEvent Event(const std::string& action, const std::string& object) {
  audit::AccessEvent e;
  e.actor = {1001, "agent", ""};
  e.action = action;
  e.objects = {object};
  e.outcome = "ok";
  e.request_id = "req-" + action;
  return e;
}

}  // namespace

void AuditSeeds() {
  const std::string dir = ScratchDir() + "/seed-audit";
  auto custodian = KeyFileCustodian::Open(dir + "-root.key", true);
  Check(custodian.status());
  ManualClock clock(kNow);
  audit::AuditOptions options;
  options.dir = dir;
  options.key_path = dir + "-audit.key";
  options.start_checkpoint_thread = false;
  auto log = audit::AuditLog::Open(options, custodian->get(), &clock);
  Check(log.status());
  const std::string id = "0123456789abcdef0123456789abcdef";
  audit::AccessEvent open = Event("transcript.open", id);
  open.actor = {1000, "writer", ""};
  open.details = {{"epoch", "498706"}, {"expires_at", "2026-12-22T10:00:00.000Z"}};
  Check((*log)->Append(open).status());
  clock.Advance(1000);
  Check((*log)->Append(Event("transcript.read", id)).status());
  clock.Advance(1000);
  audit::AccessEvent refused = Event("transcript.erase", id);
  refused.outcome = "forbidden";
  Check((*log)->Append(refused).status());
  clock.Advance(1000);
  Check((*log)->Checkpoint());
  clock.Advance(1000);
  Check((*log)->Append(Event("audit.read", "")).status());
  const audit::PublicKey key = (*log)->GenesisKey();
  Check((*log)->Close());
  log->reset();

  std::ifstream in(audit::SegmentFilePath(dir, 1), std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string segment = buf.str();
  const std::string pinned(reinterpret_cast<const char*>(key.data()), key.size());
  WriteSeed("audit_segment", "log", 0, pinned + segment);
  WriteSeed("audit_segment", "log_torn_tail", 0, pinned + segment.substr(0, segment.size() - 7));
  WriteSeed("audit_segment", "records", 1, segment);
  WriteSeed("audit_segment", "rechained", 2, pinned + segment);
}

}  // namespace vault::fuzz
