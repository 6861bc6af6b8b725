#include "vault/server/router.h"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>
#include <exception>

#include "vault/server/request_json.h"
#include "vault/server/response_json.h"

namespace vault {

namespace http = boost::beast::http;
using wire::EncodeAppended;
using wire::EncodeClosed;
using wire::EncodeCreated;
using wire::EncodeHealth;
using wire::EncodeTranscript;
using wire::ParseCloseBody;
using wire::ParseMessage;
using wire::ParseNewTranscript;

namespace {

constexpr std::string_view kTranscriptsPrefix = "/v1/transcripts/";

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const char x = (a[i] >= 'A' && a[i] <= 'Z') ? static_cast<char>(a[i] - 'A' + 'a') : a[i];
    if (x != b[i]) return false;
  }
  return true;
}

RouteMatch Match(RouteId id, std::string_view route, std::string_view method,
                 std::string_view transcript_id = {}) {
  RouteMatch match;
  match.id = id;
  match.route = route;
  match.method = method;
  match.transcript_id = transcript_id;
  return match;
}

HttpResponse NotFound() { return ErrorResponse(404, "not_found", "no such transcript or route"); }

}  // namespace

RouteMatch MatchRoute(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  if (path == "/v1/health") return Match(RouteId::kHealth, "/v1/health", "GET");
  if (path == "/v1/transcripts") return Match(RouteId::kTranscripts, "/v1/transcripts", "POST");
  if (path == "/metrics") return Match(RouteId::kMetrics, "/metrics", "GET");
  if (path.substr(0, kTranscriptsPrefix.size()) != kTranscriptsPrefix) return RouteMatch();
  path.remove_prefix(kTranscriptsPrefix.size());
  const size_t slash = path.find('/');
  const std::string_view id = path.substr(0, slash);
  if (slash == std::string_view::npos) {
    return Match(RouteId::kTranscript, "/v1/transcripts/{id}", "GET", id);
  }
  const std::string_view rest = path.substr(slash);
  if (rest == "/messages") {
    return Match(RouteId::kMessages, "/v1/transcripts/{id}/messages", "POST", id);
  }
  if (rest == "/close") return Match(RouteId::kClose, "/v1/transcripts/{id}/close", "POST", id);
  return RouteMatch();
}

bool IsTranscriptId(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool IsJsonContentType(std::string_view content_type) {
  return EqualsIgnoreCase(Trim(content_type.substr(0, content_type.find(';'))), "application/json");
}

HttpResponse Router::Handle(const HttpRequest& request, const RequestContext& context,
                            std::string_view* route) const {
  const RouteMatch match = MatchRoute(request.target());
  *route = match.route;
  try {
    return Dispatch(match, request, context);
  } catch (const std::exception&) {
    // The Vault does not throw by contract; allocation failure still can.
    return ErrorResponse(500, "internal", "internal error");
  }
}

HttpResponse Router::Dispatch(const RouteMatch& match, const HttpRequest& request,
                              const RequestContext& context) const {
  if (match.id == RouteId::kNone) return NotFound();
  if (request.method_string() != match.method) {
    HttpResponse response = ErrorResponse(405, "method_not_allowed",
                                          "this route accepts only " + std::string(match.method));
    response.set(http::field::allow, match.method);
    return response;
  }
  if (Status status = Authorize(match, context); !status.ok()) return ErrorResponse(status);
  if (match.id != RouteId::kHealth && match.id != RouteId::kTranscripts &&
      match.id != RouteId::kMetrics && !IsTranscriptId(match.transcript_id)) {
    return NotFound();
  }
  if (request.method() == http::verb::post && !request.body().empty() &&
      !IsJsonContentType(request[http::field::content_type])) {
    return ErrorResponse(415, "unsupported_media_type",
                         "request body must have Content-Type: application/json");
  }
  switch (match.id) {
    case RouteId::kHealth:
      return JsonResponse(200, EncodeHealth());
    case RouteId::kTranscripts:
      return CreateTranscript(request);
    case RouteId::kTranscript:
      return GetTranscript(match.transcript_id);
    case RouteId::kMessages:
      return AppendMessage(match.transcript_id, request);
    case RouteId::kClose:
      return CloseTranscript(match.transcript_id, request);
    case RouteId::kMetrics:
      return Metrics();
    case RouteId::kNone:
      break;
  }
  return NotFound();
}

Status Router::Authorize(const RouteMatch& match, const RequestContext& context) const {
  return Status::OK();
}

HttpResponse Router::CreateTranscript(const HttpRequest& request) const {
  StatusOr<NewTranscript> parsed = ParseNewTranscript(request.body());
  if (!parsed.ok()) return ErrorResponse(parsed.status());
  StatusOr<CreatedTranscript> created = vault_->CreateTranscript(*parsed);
  if (!created.ok()) return ErrorResponse(created.status());
  return JsonResponse(201, EncodeCreated(*created));
}

HttpResponse Router::AppendMessage(std::string_view id, const HttpRequest& request) const {
  StatusOr<Message> message = ParseMessage(request.body(), max_seq_);
  if (!message.ok()) return ErrorResponse(message.status());
  StatusOr<AppendOutcome> outcome = vault_->AppendMessage(id, *message);
  if (!outcome.ok()) return ErrorResponse(outcome.status());
  return JsonResponse(*outcome == AppendOutcome::kStored ? 201 : 200,
                      EncodeAppended(message->seq, *outcome));
}

HttpResponse Router::CloseTranscript(std::string_view id, const HttpRequest& request) const {
  if (Status status = ParseCloseBody(request.body()); !status.ok()) return ErrorResponse(status);
  StatusOr<UnixMillis> expires_at = vault_->CloseTranscript(id);
  if (!expires_at.ok()) return ErrorResponse(expires_at.status());
  return JsonResponse(200, EncodeClosed(id, *expires_at));
}

HttpResponse Router::GetTranscript(std::string_view id) const {
  StatusOr<Transcript> transcript = vault_->GetTranscript(id);
  if (!transcript.ok()) return ErrorResponse(transcript.status());
  return JsonResponse(200, EncodeTranscript(*transcript));
}

HttpResponse Router::Metrics() const {
  if (metrics_ == nullptr) return NotFound();
  HttpResponse response;
  response.result(200);
  response.set(http::field::content_type, kPrometheusContentType);
  response.set(http::field::cache_control, "no-store");
  response.body() = metrics_->Render(vault_->Metrics());
  return response;
}

}  // namespace vault
