#include "vault/audit/key_life.h"

#include <charconv>

#include "vault/audit/access_record.h"
#include "vault/audit/note.h"
#include "vault/audit/payload.h"
#include "vault/audit/record.h"
#include "vault/audit/verifier.h"
#include "vault/common/time_format.h"

namespace vault::audit {
namespace {

std::string StateText(KeyState s) { return std::string(KeyStateName(s)); }

class KeyLifeReader {
 public:
  explicit KeyLifeReader(uint64_t records) { r_.records = records; }

  void Genesis(uint64_t seq, UnixMillis t) {
    Apply(seq, t, "genesis", {KeyKind::kAuditSigning, "0", KeyState::kPreActive, KeyState::kActive});
  }

  void Checkpoint(uint64_t seq, UnixMillis t, uint64_t key_index) {
    const std::string i = std::to_string(key_index);
    Apply(seq, t, "checkpoint", {KeyKind::kAuditSigning, i, KeyState::kActive, KeyState::kDestroyed});
    Apply(seq, t, "checkpoint",
          {KeyKind::kAuditSigning, std::to_string(key_index + 1), KeyState::kPreActive,
           KeyState::kActive});
  }

  void Access(uint64_t seq, UnixMillis t, const AccessRecord& a) {
    // A failed keyring rewrite: the destruction its `started` record
    // announced did not happen.
    if (a.action == "retention.advance" && a.outcome != "ok" && a.outcome != "started") {
      Revert(seq, a);
      return;
    }
    const std::string text = a.Detail(kKeysDetail);
    if (text.empty()) return;
    std::vector<KeyTransition> transitions;
    std::string why;
    if (!ParseKeyTransitions(text, &transitions, &why)) {
      Problem(seq, a.action + ": malformed keys detail: " + why);
      return;
    }
    const std::optional<uint64_t> destroyed_below = r_.epochs_destroyed_below;
    for (const KeyTransition& k : transitions) Apply(seq, t, a.action, k);
    if (a.action == "retention.advance") {
      last_advance_ = Advance{a.Detail("from_epoch"), a.Detail("to_epoch"), destroyed_below};
    }
  }

  KeyReport Finish() { return std::move(r_); }

 private:
  // The last announced destruction of epoch keys, to withdraw if the
  // keyring rewrite then failed.
  struct Advance {
    std::string from, to;
    std::optional<uint64_t> destroyed_below;  // before it
  };

  void Problem(uint64_t seq, const std::string& what) {
    r_.problems.push_back("record " + std::to_string(seq) + ": " + what);
  }

  void Apply(uint64_t seq, UnixMillis t, const std::string& action, const KeyTransition& k) {
    const KeyEvent event{seq, t, k.id, k.from, k.to, action};
    if (!IsAllowedTransition(k.from, k.to)) {
      Problem(seq, action + ": " + std::string(KeyKindName(k.kind)) + " " + k.id + " " +
                       StateText(k.from) + " > " + StateText(k.to) + " is not a transition");
      return;
    }
    if (k.kind == KeyKind::kEpoch) {
      ApplyEpochs(event);
      return;
    }
    auto [it, fresh] = r_.keys.try_emplace({k.kind, k.id});
    KeyHistory& h = it->second;
    // A key first seen here may predate the log's knowledge of it (a log
    // begun before key states were recorded): its state is taken as given.
    if (!fresh && h.state != k.from) {
      Problem(seq, action + ": " + std::string(KeyKindName(k.kind)) + " " + k.id + " goes from " +
                       StateText(k.from) + " but was " + StateText(h.state));
    }
    h.state = k.to;
    h.events.push_back(event);
  }

  void ApplyEpochs(const KeyEvent& e) {
    uint64_t first = 0, last = 0;
    ParseEpochRange(e.id, &first, &last);  // checked by ParseKeyTransitions
    if (e.to == KeyState::kActive && last == kEveryLaterEpoch) {
      if (r_.epochs_from.has_value()) Problem(e.seq, e.action + ": a second key chain created");
      r_.epochs_from = first;
      if (!r_.epochs_destroyed_below) r_.epochs_destroyed_below = first;
    } else if (e.to == KeyState::kDestroyed && last != kEveryLaterEpoch) {
      const std::optional<uint64_t> below = r_.epochs_destroyed_below;
      if (below && first < *below) {
        Problem(e.seq, e.action + ": epochs " + e.id + " destroyed again (every epoch below " +
                           std::to_string(*below) + " was destroyed already)");
      } else if (below && first > *below) {
        Problem(e.seq, e.action + ": epochs " + std::to_string(*below) + " to " +
                           std::to_string(first - 1) + " were destroyed with no record");
      }
      r_.epochs_destroyed_below = last + 1;
    } else {
      Problem(e.seq, e.action + ": epoch keys " + e.id + " " + StateText(e.from) + " > " +
                         StateText(e.to) + " is not a transition the vault makes");
      return;
    }
    r_.epoch_events.push_back(e);
  }

  void Revert(uint64_t seq, const AccessRecord& a) {
    if (!last_advance_ || last_advance_->from != a.Detail("from_epoch") ||
        last_advance_->to != a.Detail("to_epoch")) {
      return;  // a failure before anything was announced
    }
    r_.epochs_destroyed_below = last_advance_->destroyed_below;
    KeyEvent undone = r_.epoch_events.back();
    undone.seq = seq;
    undone.from = KeyState::kDestroyed;  // shown as the announcement withdrawn
    undone.to = KeyState::kActive;
    undone.action = "retention.advance " + a.outcome + " (not destroyed after all)";
    r_.epoch_events.push_back(undone);
    last_advance_.reset();
  }

  KeyReport r_;
  std::optional<Advance> last_advance_;
};

std::string EventLine(const KeyEvent& e) {
  return "    record " + std::to_string(e.seq) + " at " + FormatRfc3339(e.time) + ": " +
         StateText(e.from) + " > " + StateText(e.to) + " (" + e.action + ")\n";
}

}  // namespace

StatusOr<KeyReport> KeyLives(const std::string& dir, uint64_t records) {
  KeyLifeReader reader(records);
  VAULT_RETURN_IF_ERROR(ForEachRecord(dir, records, [&](const Record& r) {
    if (r.type == RecordType::kGenesis) {
      reader.Genesis(r.seq, r.time_ms);
    } else if (r.type == RecordType::kCheckpoint) {
      Payload p;
      std::string why;
      if (!CheckPayload(RecordType::kCheckpoint, r.payload, &p, &why)) return;
      StatusOr<CheckpointNote> note = ParseNoteText(p.note);
      if (note.ok()) reader.Checkpoint(r.seq, r.time_ms, note->key_index);
    } else if (r.type == RecordType::kAccess) {
      AccessRecord a;
      if (ReadAccessRecord(r.payload, &a)) reader.Access(r.seq, r.time_ms, a);
    }
  }));
  return reader.Finish();
}

StatusOr<CaseDealingRecord> LatestCaseDealing(const std::string& dir, std::string_view pinned_key,
                                              std::string_view case_id) {
  VerifyOptions options;
  if (!ParsePublicKey(std::string(pinned_key), &options.pinned_key)) {
    return Status::InvalidArgument("the lost vault's id must be its base64 audit genesis key",
                                   "invalid_vault_id");
  }
  const VerifyReport verified = VerifyDirectory(dir, options);
  if (!verified.ok) {
    return Status::FailedPrecondition("the lost vault's audit log does not verify against its id (" +
                                          verified.error_code + ": " + verified.error + ")",
                                      "audit_log_invalid");
  }
  CaseDealingRecord out;
  VAULT_RETURN_IF_ERROR(ForEachRecord(dir, verified.records, [&](const Record& r) {
    if (r.type != RecordType::kAccess) return;
    AccessRecord a;
    if (!ReadAccessRecord(r.payload, &a) || a.outcome != "ok" || a.Detail("case") != case_id) {
      return;
    }
    // An export names the dealing the vault held then, read from its
    // committed case file: it corrects a case.reshare record whose new
    // shares never took effect (a crash before the file was rewritten).
    if (a.action == "case.open" || a.action == "case.reshare" || a.action == "case.recover" ||
        a.action == "case.share_export") {
      out.found = true;
      out.digest = a.Detail("dealing");
      out.seq = r.seq;
      out.released = false;
    } else if (a.action == "case.release" && out.found) {
      out.released = true;
    }
  }));
  return out;
}

std::string KeyLivesText(const KeyReport& r) {
  std::string out = "key states, from records 0.." +
                    (r.records == 0 ? std::string("(none)") : std::to_string(r.records - 1)) +
                    "\n";
  // Audit signing keys, one line: there is one per checkpoint.
  uint64_t signing_destroyed = 0;
  const KeyHistory* signing_active = nullptr;
  std::string signing_active_id;
  for (const auto& [key, h] : r.keys) {
    if (key.first != KeyKind::kAuditSigning) continue;
    if (h.state == KeyState::kDestroyed) ++signing_destroyed;
    if (h.state == KeyState::kActive) {
      signing_active = &h;
      signing_active_id = key.second;
    }
  }
  out += "audit-signing: " + std::to_string(signing_destroyed) + " destroyed";
  if (signing_active != nullptr) {
    out += ", key " + signing_active_id + " active since record " +
           std::to_string(signing_active->events.back().seq);
  }
  out += "\n";
  out += "epoch:";
  if (r.epochs_from) out += " created active from epoch " + std::to_string(*r.epochs_from) + ";";
  if (r.epochs_destroyed_below) {
    out += " every epoch below " + std::to_string(*r.epochs_destroyed_below) + " destroyed";
  } else {
    out += " none destroyed in this log";
  }
  out += " (" + std::to_string(r.epoch_events.size()) + " transitions)\n";
  for (const auto& [key, h] : r.keys) {
    if (key.first == KeyKind::kAuditSigning) continue;
    out += std::string(KeyKindName(key.first)) + " " + key.second + ": " + StateText(h.state) +
           "\n";
    for (const KeyEvent& e : h.events) out += EventLine(e);
  }
  if (r.problems.empty()) {
    out += "problems: none\n";
  } else {
    out += "problems: " + std::to_string(r.problems.size()) + "\n";
    for (const std::string& p : r.problems) out += "  " + p + "\n";
  }
  return out;
}

}  // namespace vault::audit
