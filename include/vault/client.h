// Client: a small synchronous client of vaultd's HTTP/1.1 + JSON API over its
// Unix socket, for chat servers written in C++ and for tests and tools.
//
// One Client holds one keep-alive connection. If the server has closed it
// (idle timeout, restart), the next request reconnects; a request that failed
// on a reused connection before any byte of a response arrived is sent once
// more on a fresh one (vaultd only closes a connection between requests, so
// such a request was normally never processed) — except creates, backups,
// request filings and approvals, and every POST of the visitors' rights
// (registering and changing register entries, subject access, erasure,
// restriction, objection, rectification, statements): if vaultd died while
// processing one, repeating it would make a second transcript, request,
// register entry or statement, or fail (409 after a change that happened),
// so those fail with Unavailable and the caller decides (for the register:
// read the entry first, docs/api.md section 2.5.4.4).
// Appends and closes are idempotent and are retried.
//
// The typed helpers map error responses back to a Status: the HTTP status
// gives the code, the JSON error code becomes Status::reason(), the JSON
// message the message. Transport failures are Unavailable; malformed
// responses are Internal "bad_response".
//
// Thread safety: a Client is not thread-safe; use one per thread.
#ifndef VAULT_CLIENT_H_
#define VAULT_CLIENT_H_

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vault/clock.h"
#include "vault/statistics.h"
#include "vault/status.h"
#include "vault/types.h"

namespace vault {

struct ClientOptions {
  // Bound on each connect, write and read; on expiry the call fails with
  // Unavailable and the connection is dropped. Taken as at least 1 ms and
  // at most a year.
  std::chrono::milliseconds timeout{60000};
  // Largest response body accepted.
  size_t max_response_bytes = size_t{1} << 30;
};

struct HttpReply {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // The first header named `name` (any case), or "".
  std::string Header(std::string_view name) const;
};

// Called with every reply any Client in this process reads, after it is read
// and before the call returns: for tracing, or for a test harness that checks
// every response against docs/openapi.json. It may be called from several
// threads at once (one per Client in use). Set it before clients are in use;
// an empty function removes it.
using ReplyObserver =
    std::function<void(std::string_view method, std::string_view target, const HttpReply& reply)>;
void SetReplyObserver(ReplyObserver observer);

class Client {
 public:
  // Connects to vaultd at `socket_path`. Unavailable if nothing listens.
  static StatusOr<std::unique_ptr<Client>> Connect(const std::string& socket_path,
                                                   ClientOptions options = {});
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends one request and returns whatever the server answered (any HTTP
  // status). `method` is sent as given ("GET", "POST", ...). An empty
  // `content_type` sends no Content-Type header; an empty body is sent with
  // Content-Length: 0, except by GET and HEAD, which then send none. A
  // method that is not a token, or a target that is empty or holds a space
  // or a control character, is InvalidArgument "invalid_request"; a content
  // type holding CR, LF or NUL is "invalid_header"; nothing is sent.
  StatusOr<HttpReply> Request(std::string_view method, std::string_view target,
                              std::string_view body = {},
                              std::string_view content_type = "application/json");
  // The same, with extra request headers, sent in the order given with the
  // spaces and tabs around each value left out. A name that is not an HTTP
  // token, a value holding CR, LF or NUL, a Content-Length or
  // Transfer-Encoding header (the client frames the body itself) and an
  // Expect header (it sends the body at once) are InvalidArgument
  // "invalid_header", and nothing is sent. A
  // POST /v1/transcripts with an Idempotency-Key header is repeated once on
  // a connection the server closed before answering, as reads are
  // (docs/api.md, section 2.2.1); no other request is made repeatable by it.
  using Headers = std::vector<std::pair<std::string, std::string>>;
  StatusOr<HttpReply> Request(std::string_view method, std::string_view target,
                              std::string_view body, std::string_view content_type,
                              const Headers& headers);

  // With request.idempotency_key set (1 to 255 visible ASCII characters,
  // else InvalidArgument "invalid_idempotency_key" and nothing is sent), the
  // open is sent with that Idempotency-Key: a retry answers with the same
  // transcript and `replayed` set (docs/api.md, section 2.2.1).
  StatusOr<CreatedTranscript> CreateTranscript(const NewTranscript& request);
  StatusOr<AppendOutcome> AppendMessage(std::string_view id, const Message& message);
  // Returns the transcript's expiry.
  StatusOr<UnixMillis> CloseTranscript(std::string_view id);
  StatusOr<Transcript> GetTranscript(std::string_view id);
  // The same visitor's other transcripts in transcript `id`'s service, one
  // page (agent role; Vault::ListHistory).
  StatusOr<HistoryPage> ListHistory(std::string_view id, const HistoryQuery& query = {});
  // A subject access request (dpo role; Vault::SubjectAccess). The
  // identifiers travel in the request body, with `query.request`, the open
  // access entry of the register it carries out (empty: the vault registers
  // one, done at once).
  StatusOr<SubjectAccessAnswer> SubjectAccess(const SubjectAccessQuery& query);
  // The same, with the answer's body exactly as received (it is checked to
  // decode first): what `vaultctl subject-access` keeps as the portable copy.
  StatusOr<std::string> SubjectAccessJson(const SubjectAccessQuery& query);

  // Visitors' rights (dpo role; docs/api.md sections 2.5.3 to 2.5.7 and
  // docs/data-protection.md), named and typed as in Vault. Each that carries
  // out a right takes the register entry in `query.request` (or
  // `filing.request`); empty: the vault registers one. Identifiers travel
  // in request bodies only. A register id or a transcript id that is not 32
  // lowercase hex characters is answered here, as the vault would answer it
  // (NotFound "unknown_request", "not_found"), and never sent.
  //
  // Erases every transcript the query finds, but held ones (withheld).
  StatusOr<SubjectErasureAnswer> SubjectErasure(const SubjectAccessQuery& query);
  // The register: POST /v1/rights-requests, GET /v1/rights-requests?state=,
  // GET /v1/rights-requests/{id} (listing and reading also the auditor).
  StatusOr<RightsRequest> RegisterRightsRequest(const RightsRegistration& registration);
  StatusOr<std::vector<RightsRequest>> ListRightsRequests(
      RightsListing which = RightsListing::kOpen);
  StatusOr<RightsRequest> GetRightsRequest(std::string_view id);
  // POST /v1/rights-requests/{id}/extend|complete|refuse|lift|decide, as
  // `update.action` says; the entry after the change.
  StatusOr<RightsRequest> UpdateRightsRequest(std::string_view id, const RightsUpdate& update);
  // POST /v1/subject-restriction (`kind` kRestriction) or
  // /v1/subject-objection (kObjection); any other kind is InvalidArgument
  // "wrong_kind", not sent.
  StatusOr<SubjectRestrictionAnswer> SubjectRestriction(const SubjectAccessQuery& query,
                                                        RightsKind kind);
  // Corrects (a value) or removes (none) the visitor fields `corrections`
  // names, in every transcript the query finds but held ones.
  StatusOr<SubjectRectificationAnswer> SubjectRectification(
      const SubjectAccessQuery& query, const std::vector<VisitorCorrection>& corrections);
  // Attaches a supplementary statement to message `filing.seq` of
  // transcript `id`.
  StatusOr<StatementAdded> AddStatement(std::string_view id, const StatementFiling& filing);
  // Anonymous service statistics (docs/api.md, "Statistics"): GET
  // /v1/statistics?service=&period= for one service and one completed
  // period ("2026-11-w2", "2026-11", "2026-q4", "2026"), as a report
  // (format=json) or as the server's CSV (format=csv, exactly as received).
  // Suppressed counts are nullopt, "<k" in the CSV. The query's values are
  // percent-encoded; the vault checks them.
  StatusOr<StatisticsReport> GetStatistics(const StatisticsQuery& query);
  StatusOr<std::string> GetStatisticsCsv(const StatisticsQuery& query);
  // OK if the server answers GET /v1/health with 200.
  Status Health();
  // The body of GET /metrics: Prometheus text exposition format 0.0.4.
  StatusOr<std::string> Metrics();

  // A consistent backup into `dir` on the vault's host (admin role).
  Status Backup(const std::string& dir);

  // Shredder status (admin or auditor role).
  StatusOr<RetentionStatus> GetRetentionStatus();

  // The audit log (auditor role).
  StatusOr<AuditStatus> GetAuditStatus();
  // One segment file's durable bytes.
  StatusOr<std::string> GetAuditSegment(uint64_t number);
  // Writes what `vault-audit verify --dir DIR` reads into `dir` (created
  // 0700 if missing): every segment file as audit-NNNNNNNN.log, the latest
  // checkpoint as checkpoint.note and the genesis key as genesis.key (for
  // reference only: an auditor verifies against the key pinned earlier).
  // Returns what was exported.
  StatusOr<AuditStatus> ExportAudit(const std::string& dir);

  // Legal hold (docs/api.md section 3). Officer actions carry the officer's
  // signature, made with vault/officer/officer_actions.h.
  StatusOr<OfficerList> ListOfficers();
  StatusOr<OfficerInfo> EnrolOfficer(std::string_view officer_id, std::string_view key);
  // Revocation::force: even if it strands a case ("would_strand_cases");
  // Revocation::compromised: their keys may be in other hands.
  StatusOr<OfficerInfo> RevokeOfficer(std::string_view officer_id, const Revocation& how = {});
  StatusOr<CaseInfo> OpenCase(const CaseOpening& opening);
  StatusOr<std::vector<CaseInfo>> ListCases();
  StatusOr<CaseDetail> GetCase(std::string_view case_id);
  StatusOr<HoldInfo> PlaceHold(const HoldPlacement& hold);
  StatusOr<std::vector<HoldInfo>> ListHolds(std::string_view transcript_id);
  StatusOr<RequestInfo> FileRequest(const RequestFiling& filing);
  // With `officer`, the reply carries that officer's sealed case share.
  StatusOr<RequestInfo> GetRequest(std::string_view request_id, std::string_view officer = {});
  // Never retried: a second approval that carried the request out cannot
  // be repeated (the request is used), so a lost reply means filing again.
  StatusOr<ApprovalResult> Approve(std::string_view request_id, const Approval& approval);
  // The officer's share of the case, sealed to them, to keep offline.
  StatusOr<ShareExport> ExportShare(const ShareExportRequest& request);

 private:
  class Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace vault

#endif  // VAULT_CLIENT_H_
