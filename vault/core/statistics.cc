// VaultImpl: anonymous statistics (docs/design.md, "Statistics"). What a
// chat adds to its service's day counts at close, the monitoring form, and
// the publication of a completed period (vault/stats).
#include <algorithm>
#include <chrono>
#include <iterator>
#include <map>
#include <set>
#include <string>

#include "vault/common/encoding.h"
#include "vault/core/vault_impl.h"
#include "vault/core/records.h"
#include "vault/core/vault_internal.h"
#include "vault/crypto/keyring.h"
#include "vault/storage/schema.h"
#include "vault/index/identifiers.h"
#include "vault/stats/day_counts.h"
#include "vault/stats/publication.h"

namespace vault {

namespace {

// Enough to know the visitor is not new.
constexpr size_t kReturningMatches = 2;

void StageCells(std::string_view service, int32_t day, const stats::CellCounts& cells,
                WriteBatch* batch) {
  for (const auto& [cell, n] : cells) {
    if (n != 0) batch->AddToCount(Column::kStatistics, stats::CellKey(service, day, cell), n);
  }
}

}  // namespace

void StageChatCells(std::string_view service, int32_t day, const StatisticsOptions& options,
                    const stats::ClosedChat& chat, WriteBatch* batch) {
  struct Staging {
    std::string key;
    size_t prefix;
    WriteBatch* batch;
  } s{stats::DayPrefix(service, day), 0, batch};
  s.prefix = s.key.size();
  // One pointer captured: held inside the std::function, not allocated.
  stats::ForEachChatCell(
      options, chat,
      [p = &s](std::string_view table, std::string_view row, std::string_view column, int64_t n) {
        if (n == 0) return;
        p->key.resize(p->prefix);
        stats::AppendCell(&p->key, table, row, column);
        p->batch->AddToCount(Column::kStatistics, p->key, n);
      });
}

StatusOr<bool> VaultImpl::IsReturning(const std::vector<Identifier>& indexed,
                                       std::string_view service) {
  // As for a history: an IP address alone is nobody in particular (the
  // presence table does not count it either).
  const auto person = [](const Identifier& i) { return i.kind != IdentifierKind::kIp; };
  if (std::none_of(indexed.begin(), indexed.end(), person)) return false;
  // From memory when it can tell (vault/index/visitor_presence.h): a
  // search of every live epoch's tags costs over a millisecond in a vault
  // that has run a whole retention period. Held transcripts are not in it:
  // when it finds none under an epoch, only the open cases' key spaces are
  // searched.
  const VisitorPresence::Answer known =
      presence_->Lookup(service, indexed, keyring_->base_epoch());
  if (known == VisitorPresence::Answer::kPresent) return true;
  const VisitorIndex::CaseKeys cases = hold_->OpenCaseIndexKeys();
  if (known == VisitorPresence::Answer::kAbsent && cases.empty()) return false;
  std::vector<Identifier> ids;
  std::copy_if(indexed.begin(), indexed.end(), std::back_inserter(ids), person);
  StatusOr<std::vector<VisitorIndex::Match>> matches =
      known == VisitorPresence::Answer::kAbsent
          ? index_.FindHeld(ids, kReturningMatches * ids.size(), cases)
          : index_.Find(ids, kReturningMatches * ids.size(), cases);
  if (!matches.ok()) {
    // Many earlier chats: returning.
    if (matches.status().code() == Status::Code::kResourceExhausted) return true;
    return matches.status();
  }
  for (const VisitorIndex::Match& m : *matches) {
    VAULT_ASSIGN_OR_RETURN(bool same_service, index_.InService(m, service));
    if (same_service) return true;
  }
  return false;
}

void VaultImpl::RebuildPresence() {
  const auto start = std::chrono::steady_clock::now();
  uint64_t noted = 0;
  Status failed;
  bool stopped = false;
  // Every transcript whose key is wrapped under an epoch, as of the scan's
  // snapshot; those opened, closed or removed meanwhile note themselves
  // (an older epoch noted here lowers nothing: slots keep the latest). In
  // chunks of ids taken in key order, whose state and visitor records are
  // then read in one ordered pass over the transcripts column: a point
  // read of each costs several times more (docs/performance.md 9.9).
  struct Pending {
    std::string raw_id;
    std::string wrapped;
    std::string state;    // sealed
    std::string visitor;  // sealed
  };
  // Held transcripts by the epoch their key was under before the hold (0:
  // not recorded): a hold placed before cases had index keys left their
  // entries there, where the table does not count them.
  std::map<uint64_t, std::set<std::string>> held;
  constexpr size_t kChunk = 1024;
  std::vector<Pending> chunk;
  chunk.reserve(kChunk);
  auto note_chunk = [&]() -> Status {
    if (chunk.empty()) return Status::OK();
    size_t k = 0;
    VAULT_RETURN_IF_ERROR(store_->ScanRange(
        Column::kTranscripts, chunk.front().raw_id, PrefixRangeEnd(chunk.back().raw_id),
        [&](std::string_view key, std::string_view value) {
          if (key.size() != kIdBytes + 1) return true;
          const std::string_view id = key.substr(0, kIdBytes);
          while (k < chunk.size() && std::string_view(chunk[k].raw_id) < id) ++k;
          if (k == chunk.size()) return false;
          if (std::string_view(chunk[k].raw_id) != id) return true;
          const auto kind = static_cast<RecordKind>(key[kIdBytes]);
          if (kind == RecordKind::kState) chunk[k].state.assign(value);
          if (kind == RecordKind::kVisitor) chunk[k].visitor.assign(value);
          return true;
        }));
    for (const Pending& p : chunk) {
      if (p.state.empty() || p.visitor.empty()) continue;  // erased or destroyed since
      StatusOr<SecretBytes> dek = keyring_->UnwrapKey(p.wrapped, p.raw_id);
      if (!dek.ok()) {
        if (dek.status().code() == Status::Code::kGone) continue;  // its epoch is destroyed
        return dek.status();
      }
      VAULT_ASSIGN_OR_RETURN(const uint64_t epoch, Keyring::WrappedEpoch(p.wrapped));
      VAULT_ASSIGN_OR_RETURN(StateRecord state, OpenState(p.raw_id, *dek, p.state));
      VAULT_ASSIGN_OR_RETURN(Visitor visitor, OpenVisitor(p.raw_id, *dek, p.visitor));
      presence_->NoteFound(state.service, IndexedIdentifiers(visitor), epoch);
      ++noted;
    }
    chunk.clear();
    return Status::OK();
  };
  const Status scanned =
      store_->Scan(Column::kWrappedKeys, "", [&](std::string_view key, std::string_view value) {
        if (stop_index_filter_.load(std::memory_order_relaxed)) {
          stopped = true;
          return false;
        }
        if (key.size() != kIdBytes || IsTombstone(value)) return true;
        if (IsHeldMarker(value)) {
          held[HeldMarkerKeyEpoch(value)].insert(std::string(key));
          return true;
        }
        chunk.push_back(Pending{std::string(key), std::string(value), {}, {}});
        if (chunk.size() < kChunk) return true;
        failed = note_chunk();
        return failed.ok();
      });
  if (stopped) return;
  if (failed.ok()) failed = scanned;
  if (failed.ok()) failed = note_chunk();
  if (failed.ok() && !held.empty()) failed = NoteHeldEntriesLeftInEpochs(held);
  if (!failed.ok()) {
    // Every lookup then searches the index, as before the table existed.
    presence_->Disable();
    Log("visitor_presence_failed", {{"error", OutcomeOf(failed)}});
    return;
  }
  presence_->MarkReady();
  const VisitorPresence::Size size = presence_->size();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  Log("visitor_presence_ready", {{"transcripts", std::to_string(noted)},
                                 {"fingerprints", std::to_string(size.used)},
                                 {"bytes", std::to_string(size.bytes)},
                                 {"ms", std::to_string(ms)}});
}

Status VaultImpl::NoteHeldEntriesLeftInEpochs(
    const std::map<uint64_t, std::set<std::string>>& held) {
  // Held transcripts whose entries are still under an epoch's key: while
  // that epoch lives, the table cannot say a visitor is absent (IsReturning
  // then searches every epoch, as before the table). A held transcript whose
  // pre-hold epoch is not recorded may have them in any live epoch.
  const uint64_t base = keyring_->base_epoch();
  auto scan = [&](uint64_t from, std::string_view end, const std::set<std::string>& ids) {
    return store_->ScanRange(Column::kVisitorIndex, VisitorIndexPrefix(from, ""), end,
                             [&](std::string_view key, std::string_view) {
                               if (key.size() == kVisitorIndexKeyBytes &&
                                   ids.count(std::string(key.substr(key.size() - kIdBytes))) != 0) {
                                 presence_->UnknownUntil(GetU64(key.data()));
                               }
                               return true;
                             });
  };
  for (const auto& [epoch, ids] : held) {
    if (epoch == 0) {
      VAULT_RETURN_IF_ERROR(scan(base, kHeldIndexSpace, ids));
    } else if (epoch >= base) {
      VAULT_RETURN_IF_ERROR(scan(epoch, VisitorIndexPrefix(epoch + 1, ""), ids));
    }
  }
  return Status::OK();
}

void VaultImpl::StageStatistics(StateRecord* state, UnixMillis closed_at, WriteBatch* batch) {
  const StatisticsOptions& o = options_.statistics;
  const StateRecord& st = *state;
  if (!o.enabled || !st.activity_known || st.restricted()) return;
  state->counted = true;
  stats::ClosedChat chat;
  chat.created_at = st.created_at;
  chat.closed_at = closed_at;
  chat.visitor_messages = st.visitor_messages;
  chat.agent_messages = st.agent_messages;
  chat.system_messages = st.system_messages;
  if (st.first_agent_at != 0) chat.first_reply_ms = st.first_agent_at - st.created_at;
  chat.returning = st.returning;
  chat.device = static_cast<stats::DeviceClass>(std::min<uint8_t>(st.device_class, 3));
  // Counted on the day it is written, so a period that has ended never
  // changes again (an idle chat is closed as of its last activity, which
  // may be in a period already published).
  const int32_t day = stats::LocalDay(clock_->NowMillis(), o.utc_offset_minutes);
  StageChatCells(st.service, day, o, chat, batch);
}

Status VaultImpl::SubmitMonitoring(const Caller& caller, std::string_view id,
                                   const MonitoringAnswers& form) {
  bool audited = false;
  const Status result = DoSubmitMonitoring(caller, id, form, &audited);
  if (!audited) VAULT_RETURN_IF_ERROR(AuditOutcome(caller, "transcript.monitoring", id, result));
  return result;
}

Status VaultImpl::DoSubmitMonitoring(const Caller& caller, std::string_view id,
                                     const MonitoringAnswers& form, bool* audited) {
  if (!caller.Has(Role::kWriter)) return MayNotWrite();
  const StatisticsOptions& o = options_.statistics;
  VAULT_RETURN_IF_ERROR(stats::ValidateAnswers(o, form));
  std::string raw_id;
  if (!ParseId(id, &raw_id)) return NoSuchTranscript();
  StripeLock lock(&StripeFor(raw_id));
  VAULT_ASSIGN_OR_RETURN(Loaded t, Load(id));
  if (!caller.MayWrite(t.state.service)) return MayNotWrite();
  if (t.state.state == TranscriptState::kOpen) {
    return Status::FailedPrecondition("the chat is still open: the form comes after it closes",
                                      "transcript_open");
  }
  if (t.state.restricted()) return Restricted();
  // Only a chat counted at its close takes a form: the forms of a period
  // are those of its counted chats.
  if (!o.enabled || !t.state.counted) {
    return Status::FailedPrecondition("this chat is not counted in the statistics",
                                      "not_counted");
  }
  if (t.state.form_submitted) {
    return Status::FailedPrecondition("this chat's monitoring form was counted already",
                                      "already_submitted");
  }
  const UnixMillis now = clock_->NowMillis();
  if (now - t.state.closed_at > o.monitoring_window_ms) {
    return Status::FailedPrecondition("the monitoring form is taken for " +
                                          FormatDuration(o.monitoring_window_ms) +
                                          " after the chat closed",
                                      "too_late");
  }
  // The flag in the transcript's own sealed state and the counts in one
  // atomic write: never counted twice, never the flag without the counts.
  t.state.form_submitted = true;
  WriteBatch batch;
  VAULT_RETURN_IF_ERROR(StageState(&t, &batch));
  StageCells(t.state.service, stats::LocalDay(now, o.utc_offset_minutes),
             stats::FormCells(o, form), &batch);
  *audited = true;
  VAULT_RETURN_IF_ERROR(Audit(caller, "transcript.monitoring", id, "ok"));
  if (Status written = store_->Write(&batch); !written.ok()) {
    const Status noted = Audit(caller, "transcript.monitoring", id, "write_failed");
    (void)noted;
    return written;
  }
  return Status::OK();
}

StatusOr<StatisticsReport> VaultImpl::GetStatistics(const Caller& caller,
                                                    const StatisticsQuery& query) {
  StatusOr<StatisticsReport> report = DoGetStatistics(caller, query);
  AuditDetails details;
  if (ValidateService(query.service).ok()) details.emplace_back("service", query.service);
  if (stats::ParsePeriod(query.period).ok()) details.emplace_back("period", query.period);
  // What is read is what is disclosed: the record first, nothing without it.
  VAULT_RETURN_IF_ERROR(Audit(caller, "statistics.read", "",
                              report.ok() ? "ok" : report.status().reason(), std::move(details)));
  return report;
}

StatusOr<StatisticsReport> VaultImpl::DoGetStatistics(const Caller& caller,
                                                      const StatisticsQuery& query) {
  if (!caller.Has(Role::kAnalyst) && !caller.Has(Role::kAdmin) && !caller.Has(Role::kAuditor)) {
    return Status::PermissionDenied("only analysts, admins and auditors read statistics",
                                    "forbidden");
  }
  VAULT_RETURN_IF_ERROR(ValidateService(query.service));
  if (!caller.MayReadStatistics(query.service)) {
    return Status::PermissionDenied("this caller may not read this service's statistics",
                                    "service_forbidden");
  }
  VAULT_ASSIGN_OR_RETURN(stats::Period period, stats::ParsePeriod(query.period));
  const StatisticsOptions& o = options_.statistics;
  if (!stats::Publishable(o, period, clock_->NowMillis())) {
    return Status::FailedPrecondition(
        "this period is published " + FormatDuration(std::max<int64_t>(o.publish_delay_ms, 1)) +
            " after it ends, not before",
        "not_published");
  }
  stats::DayCountsByDay days;
  Status bad = Status::OK();
  VAULT_RETURN_IF_ERROR(store_->ScanRange(
      Column::kStatistics, stats::DayPrefix(query.service, stats::YearStart(period)),
      stats::DayPrefix(query.service, stats::LastDay(period) + 1),
      [&](std::string_view key, std::string_view value) {
        std::string service;
        int32_t day = 0;
        stats::Cell cell;
        if (!stats::ParseCellKey(key, &service, &day, &cell) || service != query.service ||
            value.size() != 8) {
          bad = Status::Corruption("a statistics count is malformed", "corrupt_statistics");
          return false;
        }
        days[day][cell] += static_cast<int64_t>(GetU64(value.data()));
        return true;
      }));
  VAULT_RETURN_IF_ERROR(bad);
  return stats::Publish(o, query.service, period, days);
}

}  // namespace vault
