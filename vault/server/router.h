// Routing of the v1 API: request target -> route -> handler -> Vault call.
//
//   GET  /v1/health                       health
//   POST /v1/transcripts                  create a transcript
//   GET  /v1/transcripts/{id}             read a transcript
//   POST /v1/transcripts/{id}/messages    append a message
//   POST /v1/transcripts/{id}/close       close a transcript
//   POST /v1/transcripts/{id}/erase       erase a transcript now (admin)
//   GET  /v1/retention                    shredder status (admin, auditor)
//   POST /v1/backup                       {"dir"}: a consistent copy (admin)
//   GET  /v1/audit                        audit log status and latest checkpoint
//   GET  /v1/audit/checkpoint             the latest checkpoint (signed note, text)
//   GET  /v1/audit/records?from=N&limit=M audit records as JSON
//   GET  /v1/audit/segments/{n}           one segment file's durable bytes
//   GET  /metrics                         Prometheus metrics (server/metrics.h)
//   POST /v1/subject-access, /v1/subject-erasure, /v1/subject-restriction,
//        /v1/subject-objection, /v1/subject-rectification
//                                         a visitor's rights (dpo)
//   POST /v1/transcripts/{id}/statements  a supplementary statement (dpo)
//   GET|POST /v1/rights-requests[/{id}[/extend|complete|refuse|lift|decide]]
//                                         the rights register (dpo; GETs auditor too)
//   POST /v1/transcripts/{id}/monitoring  a visitor's monitoring form (writer)
//   GET  /v1/statistics?service=S&period=P[&format=csv]
//                                         a service's statistics (analyst, admin, auditor)
//   GET  /v1/openapi.json                 this API described in OpenAPI 3.1 (any role)
//   GET  /v1/events                       the event feed, server-sent events (writer,
//                                         auditor, admin; see HandleEvents)
//   and the legal-hold routes of safeguard_routes.cc. AllRoutes() lists them all.
//
// Order of checks: route (404 not_found) -> method (405, with Allow) ->
// authorization (403: the caller's roles, from SO_PEERCRED through the access
// policy, must include one the route needs; see RolesFor) -> id format
// (32 lowercase hex, else 404 without calling the Vault) -> Content-Type of a
// non-empty POST body (415) -> JSON shape (400) -> the Vault's Status.
//
// Thread safety: Handle is const and may run concurrently on worker threads;
// it blocks while the Vault syncs to disk. Never throws.
#ifndef VAULT_SERVER_ROUTER_H_
#define VAULT_SERVER_ROUTER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "vault/access.h"
#include "vault/server/metrics.h"
#include "vault/server/peer_cred.h"
#include "vault/server/response.h"
#include "vault/status.h"
#include "vault/vault.h"

namespace vault {

enum class RouteId {
  kNone,
  kHealth,
  kTranscripts,
  kTranscript,
  kMessages,
  kMessagesBatch,
  kClose,
  kErase,
  kRetention,
  kBackup,
  kAudit,
  kAuditCheckpoint,
  kAuditRecords,
  kAuditSegment,
  kMetrics,
  // Legal hold (safeguard_routes.cc).
  kOfficers,         // GET list, POST enrol
  kOfficerRevoke,    // POST /v1/officers/{name}/revoke
  kCases,            // GET list, POST open
  kCase,             // GET /v1/cases/{name}
  kCaseHolds,        // POST /v1/cases/{name}/holds
  kCaseShareExport,  // POST /v1/cases/{name}/share-export
  kTranscriptHolds,  // GET /v1/transcripts/{id}/holds
  kHistory,          // GET /v1/transcripts/{id}/history
  kRequests,         // POST /v1/requests
  kRequest,          // GET /v1/requests/{name}
  kApprovals,        // POST /v1/requests/{name}/approvals
  kSubjectAccess,    // POST /v1/subject-access
  kSubjectErasure,   // POST /v1/subject-erasure
  // Visitors' rights (rights_routes.cc).
  kSubjectRestriction,  // POST /v1/subject-restriction
  kSubjectObjection,    // POST /v1/subject-objection
  kRightsRequests,      // GET list, POST register: /v1/rights-requests
  kRightsRequest,       // GET /v1/rights-requests/{name}
  kRightsExtend,        // POST /v1/rights-requests/{name}/extend
  kRightsComplete,      // POST /v1/rights-requests/{name}/complete
  kRightsRefuse,        // POST /v1/rights-requests/{name}/refuse
  kRightsLift,          // POST /v1/rights-requests/{name}/lift
  kRightsDecide,        // POST /v1/rights-requests/{name}/decide
  kSubjectRectification,  // POST /v1/subject-rectification
  kStatements,            // POST /v1/transcripts/{id}/statements
  // Statistics (stats_routes.cc).
  kMonitoring,  // POST /v1/transcripts/{id}/monitoring
  kStatistics,  // GET /v1/statistics
  kOpenApi,     // GET /v1/openapi.json
  kEvents,      // GET /v1/events (server-sent events; session.cc streams them)

  kCount,  // not a route: the number of ids above; keep last
};

// One route of the API: its id, its path template (as logged, and as in
// docs/openapi.json) and the methods it accepts.
struct RouteInfo {
  RouteId id;
  std::string_view route;
  std::string_view methods;  // "GET", "POST" or "GET, POST"
};

// Every route, one entry per RouteId but kNone and kCount, in RouteId order.
// MatchRoute answers only these templates and methods.
std::span<const RouteInfo> AllRoutes();

struct RouteMatch {
  RouteId id = RouteId::kNone;
  // The route template, safe to log ("-" when nothing matched).
  std::string_view route = "-";
  // The {id} segment exactly as sent (not validated; never log it).
  std::string_view transcript_id;
  // The {n} of /v1/audit/segments/{n}, as sent.
  std::string_view segment;
  // The {name} of an officer, case or request route, as sent.
  std::string_view name;
  // The methods the route accepts: "GET", "POST" or "GET, POST".
  std::string_view method;
};

// docs/openapi.json as it was when vaultd was built (served at
// GET /v1/openapi.json; generated by cmake/EmbedFile.cmake).
std::string_view OpenApiDocument();

// Matches the path of `target` (the query string is ignored).
RouteMatch MatchRoute(std::string_view target);

// The roles of which a caller needs one to use a route: health needs any
// role; writing needs writer; reading a transcript needs writer or agent (the
// vault then checks the service scope); metrics need any role, like health.
RoleSet RolesFor(RouteId route);
// The roles one method of a route needs: POST /v1/officers (enrolment) is
// for admins only, though its GET (the list) is open to officers and
// auditors too. Every other route needs the same roles for its one method.
RoleSet RolesFor(RouteId route, std::string_view method);

// The audit action of a route ("transcript.read", "audit.read", ...).
const char* ActionFor(RouteId route);
// The same, telling apart the two methods of a GET-and-POST route.
const char* ActionFor(RouteId route, std::string_view method);

// True for 32 lowercase hex characters.
bool IsTranscriptId(std::string_view id);

// True for "application/json", any case, with optional parameters.
bool IsJsonContentType(std::string_view content_type);

// The value of `key` in the query string of `target`, if present (as sent,
// not percent-decoded).
std::optional<std::string_view> QueryParam(std::string_view target, std::string_view key);

// What the session knows about the caller of one request.
struct RequestContext {
  PeerCred peer;
  std::string request_id;
};

// The most messages one page of GET /v1/transcripts/{id}?limit= may ask for.
inline constexpr uint64_t kMaxMessagesPerPage = 10000;

class Router {
 public:
  // `vault` (and `metrics`, if given) must outlive the Router. `max_seq`
  // bounds message seq numbers. Without `metrics`, GET /metrics is 404.
  Router(Vault* vault, uint64_t max_seq, AccessPolicy access,
         const ServerMetrics* metrics = nullptr)
      : vault_(vault), max_seq_(max_seq), access_(std::move(access)), metrics_(metrics) {}
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // Handles one complete request. Sets *route to the matched template.
  HttpResponse Handle(const HttpRequest& request, const RequestContext& context,
                      std::string_view* route) const;

  // The fast path of an append (docs/design.md section 7.3): true if
  // `request` is an append the Vault queued for a group commit (then
  // *route is set and `done` gets the response, once, on the committer's
  // thread); false, having done nothing, for any other request and any
  // append that needs more than that (a refusal, bad input, a retry): then
  // Handle() it. Only checks and queues: never waits for the disk.
  using ResponseDone = std::function<void(HttpResponse)>;
  bool TryQueueAppend(const HttpRequest& request, const RequestContext& context,
                      std::string_view* route, ResponseDone done) const;

  // Where the session runs a request, from its method and route (matched
  // once, here):
  //   kQueueable  POST of a message: TryQueueAppend may take it, on the
  //               connection's thread (else the worker pool's Handle());
  //   kInline     GET or HEAD of /v1/health: Handle() answers it from
  //               memory alone, never waiting on another request's lock or
  //               on the disk (a refusal of it is not audited), so the
  //               connection's own thread runs it;
  //   kEventStream  GET of the event feed: HandleEvents();
  //   kWorkers    anything else, which may wait on an fsync: Handle() on
  //               the worker pool.
  enum class Path { kQueueable, kInline, kEventStream, kWorkers };
  static Path PathOf(const HttpRequest& request);

  // The event feed (GET /v1/events): the route's checks (404, 405, 403 and
  // its refusal audited), then Last-Event-ID (400 invalid_event_id when not
  // "<origin>-<seq>" or sent twice), then `reserve` (the caller's feed slot;
  // false: 429 too_many_event_streams, not audited), then
  // Vault::SubscribeEvents (400 unknown_event_id; audited). On success the
  // response is the stream's header (200, text/event-stream, no body) and
  // `subscription` is set: the session writes the header and then the
  // events. Handle() answers the same header alone, a stream that ends at
  // once.
  struct EventStreamStart {
    HttpResponse response;
    std::optional<EventSubscription> subscription;
  };
  EventStreamStart HandleEvents(const HttpRequest& request, const RequestContext& context,
                                std::string_view* route,
                                const std::function<bool()>& reserve) const;

 private:
  // An event feed's opening (HandleEvents): its slot and its subscription.
  struct EventOpening {
    const std::function<bool()>* reserve;
    std::optional<EventSubscription>* subscription;
  };
  // `events`: set by HandleEvents, null from Handle().
  HttpResponse Dispatch(const RouteMatch& match, const HttpRequest& request,
                        const RequestContext& context,
                        const EventOpening* events = nullptr) const;
  // The caller of a request: its peer's roles and scopes (from the access
  // policy), pid and request id.
  Caller CallerOf(const RequestContext& context) const;
  // 403 unless the caller holds one of the roles the route needs.
  static Status Authorize(const RouteMatch& match, std::string_view method, const Caller& caller);

  HttpResponse CreateTranscript(const Caller& caller, const HttpRequest& request) const;
  HttpResponse AppendMessage(const Caller& caller, std::string_view id,
                             const HttpRequest& request) const;
  HttpResponse AppendMessages(const Caller& caller, std::string_view id,
                              const HttpRequest& request) const;
  HttpResponse CloseTranscript(const Caller& caller, std::string_view id,
                               const HttpRequest& request) const;
  HttpResponse GetTranscript(const Caller& caller, std::string_view id,
                             const HttpRequest& request) const;
  HttpResponse SubjectAccess(const Caller& caller, const HttpRequest& request) const;
  HttpResponse SubjectErasure(const Caller& caller, const HttpRequest& request) const;
  HttpResponse History(const Caller& caller, std::string_view id,
                       const HttpRequest& request) const;
  HttpResponse Retention(const Caller& caller) const;
  HttpResponse Backup(const Caller& caller, const HttpRequest& request) const;
  HttpResponse EraseTranscript(const Caller& caller, std::string_view id,
                               const HttpRequest& request) const;
  HttpResponse Audit(const Caller& caller, const RouteMatch& match,
                     const HttpRequest& request) const;
  HttpResponse Metrics() const;
  HttpResponse Events(const Caller& caller, const HttpRequest& request,
                      const EventOpening* events) const;
  HttpResponse Safeguarding(const Caller& caller, const RouteMatch& match,
                            const HttpRequest& request) const;
  HttpResponse Rights(const Caller& caller, const RouteMatch& match,
                      const HttpRequest& request) const;
  HttpResponse Statistics(const Caller& caller, const RouteMatch& match,
                          const HttpRequest& request) const;

  Vault* const vault_;
  const uint64_t max_seq_;
  const AccessPolicy access_;
  const ServerMetrics* const metrics_;
};

}  // namespace vault

#endif  // VAULT_SERVER_ROUTER_H_
