// Router: dispatch of a matched request to its handler and the handlers of
// the transcript, retention, backup, audit and metrics routes. The route
// table is in routes.cc, the legal-hold handlers in safeguard_routes.cc.
#include "vault/server/router.h"

#include <algorithm>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <boost/json.hpp>
#include <exception>
#include <optional>

#include "vault/common/wipe.h"
#include "vault/wire/events_json.h"
#include "vault/wire/json_util.h"
#include "vault/wire/request_json.h"
#include "vault/wire/response_json.h"
#include "vault/wire/subject_access_json.h"

namespace vault {

namespace http = boost::beast::http;
using wire::EncodeAppended;
using wire::EncodeClosed;
using wire::EncodeCreated;
using wire::EncodeHealth;
using wire::EncodeAuditRecords;
using wire::ParseCloseBody;
using wire::ParseMessage;
using wire::ParseNewTranscript;

namespace {

HttpResponse NotFound() { return ErrorResponse(404, "not_found", "no such transcript or route"); }

constexpr std::string_view kIdempotencyKey = "Idempotency-Key";
constexpr std::string_view kLastEventId = "Last-Event-ID";

bool MethodAllowed(std::string_view allowed, std::string_view method) {
  while (!allowed.empty()) {
    const size_t comma = allowed.find(',');
    if (allowed.substr(0, comma) == method) return true;
    if (comma == std::string_view::npos) break;
    allowed.remove_prefix(comma + 1);
    while (!allowed.empty() && allowed.front() == ' ') allowed.remove_prefix(1);
  }
  return false;
}

bool HasTranscriptId(RouteId route) {
  return route == RouteId::kTranscript || route == RouteId::kMessages ||
         route == RouteId::kMessagesBatch || route == RouteId::kClose ||
         route == RouteId::kErase || route == RouteId::kTranscriptHolds ||
         route == RouteId::kHistory || route == RouteId::kStatements ||
         route == RouteId::kMonitoring;
}

// The object a refusal's audit record names: the transcript id, or the
// officer, case or request name as sent; a rights request's id only when it
// has the form of one (it is not checked against the register here).
std::string_view RefusedObject(const RouteMatch& match) {
  if (!match.transcript_id.empty()) return match.transcript_id;
  switch (match.id) {
    case RouteId::kRightsRequest:
    case RouteId::kRightsExtend:
    case RouteId::kRightsComplete:
    case RouteId::kRightsRefuse:
    case RouteId::kRightsLift:
    case RouteId::kRightsDecide:
      return IsTranscriptId(match.name) ? match.name : std::string_view();
    default:
      return match.name;
  }
}

// A decimal number of at most 19 digits.
std::optional<uint64_t> ParseNumber(std::string_view text) {
  if (text.empty() || text.size() > 19) return std::nullopt;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

// Query parameter `key` of `target` as a number from `lo` to `hi`:
// `fallback` when it is absent, nullopt when it is there but not such a
// number.
std::optional<uint64_t> NumberParam(std::string_view target, std::string_view key,
                                    uint64_t fallback, uint64_t lo, uint64_t hi) {
  const std::optional<std::string_view> text = QueryParam(target, key);
  if (!text) return fallback;
  const std::optional<uint64_t> number = ParseNumber(*text);
  if (!number || *number < lo || *number > hi) return std::nullopt;
  return number;
}

}  // namespace

HttpResponse Router::Handle(const HttpRequest& request, const RequestContext& context,
                            std::string_view* route) const {
  // What the request's handling left on this thread's stack (its body's
  // parse, the records sealed and opened) goes when it returns.
  const ScrubStackOnExit scrub;
  const RouteMatch match = MatchRoute(request.target());
  *route = match.route;
  try {
    return Dispatch(match, request, context);
  } catch (const std::exception&) {
    // The Vault does not throw by contract; allocation failure still can.
    return ErrorResponse(500, "internal", "internal error");
  }
}

Router::EventStreamStart Router::HandleEvents(const HttpRequest& request,
                                             const RequestContext& context,
                                             std::string_view* route,
                                             const std::function<bool()>& reserve) const {
  const RouteMatch match = MatchRoute(request.target());
  *route = match.route;
  EventStreamStart start;
  try {
    const EventOpening opening{&reserve, &start.subscription};
    start.response = Dispatch(match, request, context, &opening);
  } catch (const std::exception&) {
    start.subscription.reset();
    start.response = ErrorResponse(500, "internal", "internal error");
  }
  return start;
}

Caller Router::CallerOf(const RequestContext& context) const {
  Caller caller = access_.Resolve(context.peer.uid, context.peer.gid, context.peer.groups);
  caller.pid = context.peer.pid;
  caller.request_id = context.request_id;
  return caller;
}

Router::Path Router::PathOf(const HttpRequest& request) {
  // Other methods go to Handle(), which refuses them where a route does not
  // take them (405); they pay no route match here.
  const http::verb method = request.method();
  if (method != http::verb::post && method != http::verb::get && method != http::verb::head) {
    return Path::kWorkers;
  }
  const RouteId id = MatchRoute(request.target()).id;
  if (method == http::verb::post) {
    return id == RouteId::kMessages ? Path::kQueueable : Path::kWorkers;
  }
  if (id == RouteId::kHealth) return Path::kInline;
  if (method == http::verb::get && id == RouteId::kEvents) return Path::kEventStream;
  return Path::kWorkers;
}

bool Router::TryQueueAppend(const HttpRequest& request, const RequestContext& context,
                            std::string_view* route, ResponseDone done) const {
  const ScrubStackOnExit scrub;  // as in Handle
  try {
    const RouteMatch match = MatchRoute(request.target());
    if (match.id != RouteId::kMessages || request.method() != http::verb::post) return false;
    // The checks of Dispatch, in its order; any that fails is Dispatch's
    // to answer (and to audit).
    const Caller caller = CallerOf(context);
    if (!Authorize(match, request.method_string(), caller).ok()) return false;
    if (!IsTranscriptId(match.transcript_id)) return false;
    if (!IsJsonContentType(request[http::field::content_type])) return false;
    StatusOr<Message> message = ParseMessage(request.body(), max_seq_);
    if (!message.ok()) return false;
    const uint64_t seq = message->seq;
    const bool queued = vault_->TryAppendQueued(
        caller, match.transcript_id, *message,
        [seq, done = std::move(done)](StatusOr<AppendOutcome> outcome) {
          HttpResponse response;
          try {
            response = outcome.ok() ? JsonResponse(201, EncodeAppended(seq, *outcome))
                                    : ErrorResponse(outcome.status());
          } catch (const std::exception&) {
            response = ErrorResponse(500, "internal", "internal error");
          }
          done(std::move(response));
        });
    if (queued) *route = match.route;
    return queued;
  } catch (const std::exception&) {
    return false;  // Handle() answers it (with its 500 if it fails again)
  }
}

HttpResponse Router::Dispatch(const RouteMatch& match, const HttpRequest& request,
                              const RequestContext& context,
                              const EventOpening* events) const {
  if (match.id == RouteId::kNone) return NotFound();
  if (!MethodAllowed(match.method, request.method_string())) {
    HttpResponse response = ErrorResponse(405, "method_not_allowed",
                                          "this route accepts only " + std::string(match.method));
    response.set(http::field::allow, match.method);
    return response;
  }
  const Caller caller = CallerOf(context);
  if (Status status = Authorize(match, request.method_string(), caller); !status.ok()) {
    // Refusals are audited too (health excepted: it reveals nothing). The
    // refusal stands whether or not the record could be written.
    if (match.id != RouteId::kHealth && match.id != RouteId::kMetrics &&
        match.id != RouteId::kOpenApi) {
      const Status recorded = vault_->RecordRefusal(caller,
                                                    ActionFor(match.id, request.method_string()),
                                                    RefusedObject(match),
                                                    status.reason());
      (void)recorded;
    }
    return ErrorResponse(status);
  }
  if (HasTranscriptId(match.id) && !IsTranscriptId(match.transcript_id)) return NotFound();
  if (request.method() == http::verb::post && !request.body().empty() &&
      !IsJsonContentType(request[http::field::content_type])) {
    return ErrorResponse(415, "unsupported_media_type",
                         "request body must have Content-Type: application/json");
  }
  switch (match.id) {
    case RouteId::kHealth:
      return JsonResponse(200, EncodeHealth());
    case RouteId::kOpenApi:
      return BodyResponse(200, "application/json", std::string(OpenApiDocument()));
    case RouteId::kEvents:
      return Events(caller, request, events);
    case RouteId::kTranscripts:
      return CreateTranscript(caller, request);
    case RouteId::kTranscript:
      return GetTranscript(caller, match.transcript_id, request);
    case RouteId::kHistory:
      return History(caller, match.transcript_id, request);
    case RouteId::kSubjectAccess:
      return SubjectAccess(caller, request);
    case RouteId::kSubjectErasure:
      return SubjectErasure(caller, request);
    case RouteId::kMessages:
      return AppendMessage(caller, match.transcript_id, request);
    case RouteId::kMessagesBatch:
      return AppendMessages(caller, match.transcript_id, request);
    case RouteId::kClose:
      return CloseTranscript(caller, match.transcript_id, request);
    case RouteId::kErase:
      return EraseTranscript(caller, match.transcript_id, request);
    case RouteId::kRetention:
      return Retention(caller);
    case RouteId::kBackup:
      return Backup(caller, request);
    case RouteId::kAudit:
    case RouteId::kAuditCheckpoint:
    case RouteId::kAuditRecords:
    case RouteId::kAuditSegment:
      return Audit(caller, match, request);
    case RouteId::kMetrics:
      return Metrics();
    case RouteId::kOfficers:
    case RouteId::kOfficerRevoke:
    case RouteId::kCases:
    case RouteId::kCase:
    case RouteId::kCaseHolds:
    case RouteId::kCaseShareExport:
    case RouteId::kTranscriptHolds:
    case RouteId::kRequests:
    case RouteId::kRequest:
    case RouteId::kApprovals:
      return Safeguarding(caller, match, request);
    case RouteId::kSubjectRestriction:
    case RouteId::kSubjectObjection:
    case RouteId::kSubjectRectification:
    case RouteId::kStatements:
    case RouteId::kRightsRequests:
    case RouteId::kRightsRequest:
    case RouteId::kRightsExtend:
    case RouteId::kRightsComplete:
    case RouteId::kRightsRefuse:
    case RouteId::kRightsLift:
    case RouteId::kRightsDecide:
      return Rights(caller, match, request);
    case RouteId::kMonitoring:
    case RouteId::kStatistics:
      return Statistics(caller, match, request);
    case RouteId::kNone:
    case RouteId::kCount:
      break;
  }
  return NotFound();
}

HttpResponse Router::Events(const Caller& caller, const HttpRequest& request,
                           const EventOpening* events) const {
  std::optional<EventPosition> last;
  if (request.count(kLastEventId) > 1) {
    return ErrorResponse(400, "invalid_event_id", "only one Last-Event-ID header");
  }
  if (const auto field = request.find(kLastEventId); field != request.end()) {
    last = ParseEventId(field->value());
    if (!last.has_value()) {
      return ErrorResponse(400, "invalid_event_id",
                           "Last-Event-ID must be an event's id as sent: <origin>-<number>");
    }
  }
  if (events != nullptr && !(*events->reserve)()) {
    return ErrorResponse(429, "too_many_event_streams",
                         "this user has as many event feeds open as --max-event-streams-per-uid "
                         "allows; close one first");
  }
  StatusOr<EventSubscription> subscription = vault_->SubscribeEvents(caller, last);
  if (!subscription.ok()) return ErrorResponse(subscription.status());
  HttpResponse response(http::status::ok, 11);
  response.set(http::field::content_type, "text/event-stream");
  response.set(http::field::cache_control, "no-store");
  if (events != nullptr) *events->subscription = std::move(*subscription);
  return response;
}

Status Router::Authorize(const RouteMatch& match, std::string_view method,
                         const Caller& caller) {
  if (caller.roles.empty()) {
    return Status::PermissionDenied(
        "no role is granted to uid " + std::to_string(caller.uid) + " (see [access] in the config)",
        "unknown_caller");
  }
  const RoleSet needed = RolesFor(match.id, method);
  for (Role role : kAllRoles) {
    if (needed.Has(role) && caller.Has(role)) return Status::OK();
  }
  return Status::PermissionDenied("this call needs the role " + needed.ToString() +
                                      "; the caller has " + caller.roles.ToString(),
                                  "forbidden");
}

HttpResponse Router::CreateTranscript(const Caller& caller, const HttpRequest& request) const {
  // Idempotency-Key (docs/api.md, section 2.2.1): at most one, 1 to 255
  // visible ASCII characters. It is never logged nor audited.
  std::string_view key;
  if (request.count(kIdempotencyKey) > 1) {
    return ErrorResponse(400, "invalid_idempotency_key", "only one Idempotency-Key header");
  }
  if (const auto field = request.find(kIdempotencyKey); field != request.end()) {
    key = field->value();
    if (!wire::IsIdempotencyKey(key)) {
      return ErrorResponse(400, "invalid_idempotency_key",
                           "Idempotency-Key must be 1 to 255 visible ASCII characters");
    }
  }
  StatusOr<NewTranscript> parsed = ParseNewTranscript(request.body());
  if (!parsed.ok()) return ErrorResponse(parsed.status());
  parsed->idempotency_key = std::string(key);
  StatusOr<CreatedTranscript> created = vault_->CreateTranscript(caller, *parsed);
  if (!created.ok()) return ErrorResponse(created.status());
  HttpResponse response = JsonResponse(201, EncodeCreated(*created));
  if (created->replayed) response.set("Idempotent-Replayed", "true");
  return response;
}

HttpResponse Router::AppendMessage(const Caller& caller, std::string_view id,
                                   const HttpRequest& request) const {
  StatusOr<Message> message = ParseMessage(request.body(), max_seq_);
  if (!message.ok()) return ErrorResponse(message.status());
  StatusOr<AppendOutcome> outcome = vault_->AppendMessage(caller, id, *message);
  if (!outcome.ok()) return ErrorResponse(outcome.status());
  return JsonResponse(*outcome == AppendOutcome::kStored ? 201 : 200,
                      EncodeAppended(message->seq, *outcome));
}

HttpResponse Router::AppendMessages(const Caller& caller, std::string_view id,
                                    const HttpRequest& request) const {
  StatusOr<std::vector<Message>> messages =
      wire::ParseMessageBatch(request.body(), max_seq_, kMaxBatchMessages);
  if (!messages.ok()) return ErrorResponse(messages.status());
  StatusOr<std::vector<AppendOutcome>> outcomes = vault_->AppendMessages(caller, id, *messages);
  if (!outcomes.ok()) return ErrorResponse(outcomes.status());
  const bool stored = std::find(outcomes->begin(), outcomes->end(), AppendOutcome::kStored) !=
                      outcomes->end();
  return JsonResponse(stored ? 201 : 200, wire::EncodeAppendedBatch(*messages, *outcomes));
}

HttpResponse Router::CloseTranscript(const Caller& caller, std::string_view id,
                                     const HttpRequest& request) const {
  if (Status status = ParseCloseBody(request.body()); !status.ok()) return ErrorResponse(status);
  StatusOr<UnixMillis> expires_at = vault_->CloseTranscript(caller, id);
  if (!expires_at.ok()) return ErrorResponse(expires_at.status());
  return JsonResponse(200, EncodeClosed(id, *expires_at));
}

HttpResponse Router::GetTranscript(const Caller& caller, std::string_view id,
                                   const HttpRequest& request) const {
  // ?from_seq=N&limit=M: a page of the messages (docs/api.md, section 2.3).
  const std::string_view target = request.target();
  const std::optional<uint64_t> from = NumberParam(target, "from_seq", 0, 0, max_seq_);
  if (!from) {
    return ErrorResponse(400, "invalid_query",
                         "from_seq must be a seq from 0 to " + std::to_string(max_seq_));
  }
  const std::optional<uint64_t> limit = NumberParam(target, "limit", 0, 1, kMaxMessagesPerPage);
  if (!limit) {
    return ErrorResponse(400, "invalid_query",
                         "limit must be a number from 1 to " + std::to_string(kMaxMessagesPerPage));
  }
  const MessageRange range{*from, static_cast<size_t>(*limit)};  // limit 0 (absent): all
  // Written as it is read: no message is held decoded. On an error the
  // writer wipes what it was given.
  wire::TranscriptJson body;
  if (Status status = vault_->ReadTranscriptPage(caller, id, range, &body); !status.ok()) {
    return ErrorResponse(status);
  }
  return JsonResponse(200, body.Take());
}

HttpResponse Router::History(const Caller& caller, std::string_view id,
                             const HttpRequest& request) const {
  const std::string_view target = request.target();
  const std::optional<uint64_t> limit = NumberParam(target, "limit", 20, 1, 100);
  if (!limit) {
    return ErrorResponse(400, "invalid_query", "limit must be a number from 1 to 100");
  }
  HistoryQuery query;
  query.limit = static_cast<size_t>(*limit);
  if (const std::optional<std::string_view> after = QueryParam(target, "after")) {
    if (after->empty() || after->size() > 64) {
      return ErrorResponse(400, "invalid_query", "after must be the next of an earlier page");
    }
    query.after = std::string(*after);
  }
  StatusOr<HistoryPage> page = vault_->ListHistory(caller, id, query);
  if (!page.ok()) return ErrorResponse(page.status());
  return JsonResponse(200, wire::EncodeHistoryPage(*page));
}

HttpResponse Router::SubjectAccess(const Caller& caller, const HttpRequest& request) const {
  // Identifiers travel in the body only, never in the target (which is
  // logged as its route template anyway).
  StatusOr<SubjectAccessQuery> query = wire::ParseSubjectAccessRequest(request.body());
  if (!query.ok()) return ErrorResponse(query.status());
  StatusOr<SubjectAccessAnswer> answer = vault_->SubjectAccess(caller, *query);
  if (!answer.ok()) return ErrorResponse(answer.status());
  return JsonResponse(200, wire::EncodeSubjectAccessAnswer(*answer));
}

HttpResponse Router::SubjectErasure(const Caller& caller, const HttpRequest& request) const {
  // The same request as a subject access request, identifiers in the body.
  StatusOr<SubjectAccessQuery> query = wire::ParseSubjectAccessRequest(request.body());
  if (!query.ok()) return ErrorResponse(query.status());
  StatusOr<SubjectErasureAnswer> answer = vault_->SubjectErasure(caller, *query);
  if (!answer.ok()) return ErrorResponse(answer.status());
  return JsonResponse(200, wire::EncodeSubjectErasureAnswer(*answer));
}

HttpResponse Router::EraseTranscript(const Caller& caller, std::string_view id,
                                     const HttpRequest& request) const {
  StatusOr<EraseReason> reason = wire::ParseEraseBody(request.body());
  if (!reason.ok()) return ErrorResponse(reason.status());
  if (Status status = vault_->EraseTranscript(caller, id, *reason); !status.ok()) {
    return ErrorResponse(status);
  }
  boost::json::object body;
  body["id"] = id;
  body["state"] = "erased";
  return JsonResponse(200, boost::json::serialize(body));
}

HttpResponse Router::Backup(const Caller& caller, const HttpRequest& request) const {
  StatusOr<boost::json::object> body = wire::ParseJsonObject(request.body(), "request body");
  if (!body.ok()) return ErrorResponse(body.status());
  if (Status known = wire::CheckKnownFields(*body, "request body", {"dir"}); !known.ok()) {
    return ErrorResponse(known);
  }
  StatusOr<std::string> dir = wire::RequiredString(*body, "dir");
  if (!dir.ok()) return ErrorResponse(dir.status());
  if (Status status = vault_->Backup(caller, *dir); !status.ok()) return ErrorResponse(status);
  boost::json::object reply;
  reply["dir"] = *dir;
  return JsonResponse(201, boost::json::serialize(reply));
}

HttpResponse Router::Retention(const Caller& caller) const {
  StatusOr<RetentionStatus> status = vault_->GetRetentionStatus(caller);
  if (!status.ok()) return ErrorResponse(status.status());
  return JsonResponse(200, wire::EncodeRetentionStatus(*status));
}

HttpResponse Router::Audit(const Caller& caller, const RouteMatch& match,
                          const HttpRequest& request) const {
  if (match.id == RouteId::kAuditRecords) {
    const std::string_view target = request.target();
    const std::optional<uint64_t> from = NumberParam(target, "from", 0, 0, UINT64_MAX);
    const std::optional<uint64_t> limit = NumberParam(target, "limit", 100, 1, 1000);
    if (!from || !limit) {
      return ErrorResponse(400, "invalid_query",
                           "from must be a record number and limit a number from 1 to 1000");
    }
    StatusOr<std::vector<AuditRecordView>> records =
        vault_->ReadAuditRecords(caller, *from, static_cast<size_t>(*limit));
    if (!records.ok()) return ErrorResponse(records.status());
    const uint64_t next = records->empty() ? *from : records->back().seq + 1;
    return JsonResponse(200, wire::EncodeAuditRecords(*records, next));
  }
  if (match.id == RouteId::kAuditSegment) {
    const std::optional<uint64_t> number = ParseNumber(match.segment);
    if (!number) return ErrorResponse(404, "not_found", "no audit segment with this number");
    StatusOr<std::string> bytes = vault_->ReadAuditSegment(caller, *number);
    if (!bytes.ok()) return ErrorResponse(bytes.status());
    return BodyResponse(200, "application/octet-stream", std::move(bytes).value());
  }
  StatusOr<AuditStatus> status = vault_->GetAuditStatus(caller);
  if (!status.ok()) return ErrorResponse(status.status());
  if (match.id == RouteId::kAuditCheckpoint) {
    return BodyResponse(200, "text/plain; charset=utf-8", status->checkpoint);
  }
  return JsonResponse(200, wire::EncodeAuditStatus(*status));
}

HttpResponse Router::Metrics() const {
  if (metrics_ == nullptr) return NotFound();
  return BodyResponse(200, kPrometheusContentType, metrics_->Render(vault_->Metrics()));
}

}  // namespace vault
