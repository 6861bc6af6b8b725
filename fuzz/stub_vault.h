// A Vault with canned answers, for fuzzing the server's request handling
// without RocksDB, keys or fsync: every call succeeds with a small fixed
// value, except for ids and names that begin with 'f', which are NotFound,
// so both the success and the error paths of each route are reached.
#ifndef VAULT_FUZZ_STUB_VAULT_H_
#define VAULT_FUZZ_STUB_VAULT_H_

#include <string>
#include <string_view>
#include <vector>

#include "vault/vault.h"

namespace vault::fuzz {

class StubVault final : public Vault {
 public:
  StatusOr<CreatedTranscript> CreateTranscript(const Caller&, const NewTranscript&) override {
    return CreatedTranscript{std::string(32, 'a'), 1795341600000};
  }
  StatusOr<AppendOutcome> AppendMessage(const Caller&, std::string_view id,
                                        const Message& m) override {
    if (Missing(id)) return NotFound();
    return m.seq % 2 == 0 ? AppendOutcome::kStored : AppendOutcome::kDuplicate;
  }
  StatusOr<std::vector<AppendOutcome>> AppendMessages(
      const Caller&, std::string_view id, const std::vector<Message>& messages) override {
    if (Missing(id)) return NotFound();
    std::vector<AppendOutcome> outcomes;
    for (const Message& m : messages) {
      outcomes.push_back(m.seq % 2 == 0 ? AppendOutcome::kStored : AppendOutcome::kDuplicate);
    }
    return outcomes;
  }
  StatusOr<UnixMillis> CloseTranscript(const Caller&, std::string_view id) override {
    if (Missing(id)) return NotFound();
    return 1795341600000;
  }
  StatusOr<Transcript> GetTranscript(const Caller&, std::string_view id) override {
    if (Missing(id)) return NotFound();
    Transcript t;
    t.info.id = std::string(id);
    t.info.service = "webchat";
    t.info.created_at = 1795341600000;
    t.info.last_activity = 1795341600000;
    t.visitor.name = "Sam";
    t.messages.push_back({1, "visitor", "hello", "2026-11-22T10:00:00Z"});
    t.info.message_count = 1;
    return t;
  }
  // The router's parsing of a page is what is fuzzed; the page is the whole.
  StatusOr<Transcript> GetTranscriptPage(const Caller& caller, std::string_view id,
                                         const MessageRange&) override {
    return GetTranscript(caller, id);
  }
  StatusOr<HistoryPage> ListHistory(const Caller&, std::string_view id,
                                    const HistoryQuery& query) override {
    if (Missing(id)) return NotFound();
    if (query.limit < 1 || query.limit > 100) {
      return Status::InvalidArgument("limit must be from 1 to 100", "invalid_limit");
    }
    HistoryPage page;
    HistoryEntry held;
    held.id = "0123456789abcdef0123456789abcdef";
    held.state = "held";
    held.held_at = 1795341600000;
    held.matched = {"ref"};
    page.entries.push_back(held);
    return page;
  }
  StatusOr<SubjectAccessAnswer> SubjectAccess(const Caller&,
                                              const SubjectAccessQuery& query) override {
    if (!query.ref && !query.email && !query.phone && !query.ip) {
      return Status::InvalidArgument("give at least one identifier", "no_identifier");
    }
    if (query.email && !query.email->empty() && query.email->front() == 'f') return NotFound();
    SubjectAccessAnswer answer;
    answer.answered_at = 1795341600000;
    answer.searched = {"email"};
    SubjectAccessItem shown;
    shown.id = std::string(32, 'a');
    shown.matched = {"email"};
    shown.transcript.info.id = shown.id;
    shown.transcript.info.service = "webchat";
    shown.accesses.push_back({7, 1795341600000, 1000, "agent", "transcript.read", "ok", ""});
    answer.items.push_back(shown);
    SubjectAccessItem held;
    held.id = "0123456789abcdef0123456789abcdef";
    held.matched = {"email"};
    held.withheld = true;
    held.held_at = 1795341600000;
    answer.items.push_back(held);
    return answer;
  }
  Status RecordRefusal(const Caller&, std::string_view, std::string_view,
                       std::string_view) override {
    return Status::OK();
  }
  StatusOr<EventSubscription> SubscribeEvents(const Caller&,
                                              std::optional<EventPosition> last) override {
    // As the vault: a position later than this journal's is unknown.
    if (last.has_value() && (last->origin > journal_->origin() ||
                             (last->origin == journal_->origin() && last->seq > 0))) {
      return Status::InvalidArgument("unknown event id", "unknown_event_id");
    }
    EventSubscription sub;
    sub.journal = journal_;
    sub.filter.transcript_events = true;
    sub.filter.all_services = true;
    return sub;
  }
  StatusOr<AuditStatus> GetAuditStatus(const Caller&) override {
    AuditStatus s;
    s.origin = "vault";
    s.size = 3;
    s.segments.push_back({1, 100});
    return s;
  }
  StatusOr<std::vector<AuditRecordView>> ReadAuditRecords(const Caller&, uint64_t from,
                                                          size_t limit) override {
    std::vector<AuditRecordView> records;
    if (limit > 0) records.push_back({from, "access", 1795341600000, "00", "11", "{}"});
    return records;
  }
  StatusOr<std::string> ReadAuditSegment(const Caller&, uint64_t number) override {
    if (number != 1) return NotFound();
    return std::string("segment bytes");
  }
  StatusOr<RightsRequest> RegisterRightsRequest(const Caller&,
                                                const RightsRegistration& r) override {
    RightsRequest e;
    e.id = std::string(32, 'c');
    e.kind = r.kind;
    return e;
  }
  StatusOr<std::vector<RightsRequest>> ListRightsRequests(const Caller&, RightsListing) override {
    return std::vector<RightsRequest>(1);
  }
  StatusOr<RightsRequest> GetRightsRequest(const Caller&, std::string_view id) override {
    if (Missing(id)) return NotFound();
    return RightsRequest{};
  }
  StatusOr<RightsRequest> UpdateRightsRequest(const Caller&, std::string_view id,
                                              const RightsUpdate&) override {
    if (Missing(id)) return NotFound();
    return RightsRequest{};
  }
  StatusOr<SubjectRestrictionAnswer> SubjectRestriction(const Caller&, const SubjectAccessQuery&,
                                                        RightsKind) override {
    return SubjectRestrictionAnswer{};
  }
  StatusOr<SubjectRectificationAnswer> SubjectRectification(
      const Caller&, const SubjectAccessQuery&, const std::vector<VisitorCorrection>&) override {
    return SubjectRectificationAnswer{};
  }
  StatusOr<StatementAdded> AddStatement(const Caller&, std::string_view id,
                                        const StatementFiling& f) override {
    if (Missing(id)) return NotFound();
    StatementAdded a;
    a.id = std::string(id);
    a.seq = f.seq;
    return a;
  }
  Status SubmitMonitoring(const Caller&, std::string_view id, const MonitoringAnswers&) override {
    if (Missing(id)) return NotFound();
    return Status::OK();
  }
  StatusOr<StatisticsReport> GetStatistics(const Caller&, const StatisticsQuery& q) override {
    StatisticsReport r;
    r.service = q.service;
    r.period = q.period;
    StatisticsTable t;
    t.name = "device";
    t.rows = {"mobile", "tablet"};
    t.columns = {"count"};
    t.cells = {{12}, {std::nullopt}};
    r.tables.push_back(std::move(t));
    return r;
  }
  StatusOr<SubjectErasureAnswer> SubjectErasure(const Caller&,
                                                const SubjectAccessQuery& query) override {
    if (query.ref.has_value() && Missing(*query.ref)) return NotFound();
    SubjectErasureAnswer answer;
    answer.searched = {"ref"};
    answer.erased = {std::string(32, 'a')};
    answer.withheld = {std::string(32, 'b')};
    return answer;
  }
  Status EraseTranscript(const Caller&, std::string_view id, EraseReason) override {
    return Missing(id) ? NotFound() : Status::OK();
  }
  Status Backup(const Caller&, const std::string& dir) override {
    return Missing(dir) ? NotFound() : Status::OK();
  }
  Status RunRetention() override { return Status::OK(); }
  StatusOr<RetentionStatus> GetRetentionStatus(const Caller&) override { return RetentionStatus{}; }
  StatusOr<OfficerList> ListOfficers(const Caller&) override { return OfficerList{"v1", {}}; }
  StatusOr<OfficerInfo> EnrolOfficer(const Caller&, std::string_view id,
                                     std::string_view key) override {
    if (Missing(id)) return NotFound();
    return OfficerInfo{std::string(id), std::string(key), "0000", 1, 0, 0, false};
  }
  StatusOr<OfficerInfo> RevokeOfficer(const Caller&, std::string_view id,
                                      const vault::Revocation& how) override {
    if (Missing(id)) return NotFound();
    return OfficerInfo{std::string(id), "", "0000", 1, 0, 2, how.compromised};
  }
  StatusOr<CaseInfo> OpenCase(const Caller&, const CaseOpening& o) override {
    if (Missing(o.case_id)) return NotFound();
    CaseInfo c;
    c.id = o.case_id;
    c.state = "open";
    return c;
  }
  StatusOr<std::vector<CaseInfo>> ListCases(const Caller&) override {
    return std::vector<CaseInfo>{};
  }
  StatusOr<CaseDetail> GetCase(const Caller&, std::string_view id) override {
    if (Missing(id)) return NotFound();
    CaseDetail d;
    d.info.id = std::string(id);
    return d;
  }
  StatusOr<HoldInfo> PlaceHold(const Caller&, const HoldPlacement& h) override {
    if (Missing(h.case_id)) return NotFound();
    return HoldInfo{h.case_id, h.transcript_id, h.signed_by.officer, 1};
  }
  StatusOr<std::vector<HoldInfo>> ListHolds(const Caller&, std::string_view id) override {
    if (Missing(id)) return NotFound();
    return std::vector<HoldInfo>{};
  }
  StatusOr<RequestInfo> FileRequest(const Caller&, const RequestFiling& f) override {
    if (Missing(f.case_id)) return NotFound();
    RequestInfo r;
    r.id = std::string(32, 'b');
    r.case_id = f.case_id;
    r.state = "pending";
    return r;
  }
  StatusOr<RequestInfo> GetRequest(const Caller&, std::string_view id, std::string_view) override {
    if (Missing(id)) return NotFound();
    RequestInfo r;
    r.id = std::string(id);
    r.state = "pending";
    return r;
  }
  StatusOr<ApprovalResult> Approve(const Caller&, std::string_view id, const Approval&) override {
    if (Missing(id)) return NotFound();
    ApprovalResult a;
    a.request.id = std::string(id);
    return a;
  }
  StatusOr<ShareExport> ExportShare(const Caller&, const ShareExportRequest& r) override {
    if (Missing(r.case_id)) return NotFound();
    ShareExport e;
    e.dealing.case_id = r.case_id;
    return e;
  }
  Status CompactAll() override { return Status::OK(); }
  VaultMetrics Metrics() override { return VaultMetrics{}; }

 private:
  std::shared_ptr<EventJournal> journal_ = std::make_shared<EventJournal>(1795341600000);
  static bool Missing(std::string_view id) { return !id.empty() && id[0] == 'f'; }
  static Status NotFound() { return Status::NotFound("no such thing", "not_found"); }
};

}  // namespace vault::fuzz

#endif  // VAULT_FUZZ_STUB_VAULT_H_
