// The visitors' rights routes of the Router: restriction, objection and
// rectification of a visitor's transcripts, supplementary statements, and the
// rights-request register. Wire format: vault/wire/rights_json.h; API:
// docs/api.md sections 2.5.4 to 2.5.7.
#include <boost/beast/http/verb.hpp>

#include "vault/server/router.h"
#include "vault/wire/rights_json.h"
#include "vault/wire/subject_access_json.h"

namespace vault {

namespace http = boost::beast::http;

HttpResponse Router::Rights(const Caller& caller, const RouteMatch& match,
                            const HttpRequest& request) const {
  using Action = RightsUpdate::Action;
  const std::string_view body = request.body();
  Action action = Action::kComplete;
  switch (match.id) {
    case RouteId::kSubjectRestriction:
    case RouteId::kSubjectObjection: {
      // The same body as a subject access request: identifiers in the body.
      StatusOr<SubjectAccessQuery> query = wire::ParseSubjectAccessRequest(body);
      if (!query.ok()) return ErrorResponse(query.status());
      const RightsKind kind = match.id == RouteId::kSubjectObjection ? RightsKind::kObjection
                                                                     : RightsKind::kRestriction;
      return Reply(vault_->SubjectRestriction(caller, *query, kind), 200,
                   wire::EncodeSubjectRestrictionAnswer);
    }
    case RouteId::kSubjectRectification: {
      StatusOr<wire::RectificationRequest> r = wire::ParseSubjectRectificationRequest(body);
      if (!r.ok()) return ErrorResponse(r.status());
      return Reply(vault_->SubjectRectification(caller, r->query, r->corrections), 200,
                   wire::EncodeSubjectRectificationAnswer);
    }
    case RouteId::kStatements: {
      StatusOr<StatementFiling> f = wire::ParseStatementFiling(body, max_seq_);
      if (!f.ok()) return ErrorResponse(f.status());
      return Reply(vault_->AddStatement(caller, match.transcript_id, *f), 201,
                   wire::EncodeStatementAdded);
    }
    case RouteId::kRightsRequests: {
      if (request.method() == http::verb::post) {
        StatusOr<RightsRegistration> r = wire::ParseRightsRegistration(body);
        if (!r.ok()) return ErrorResponse(r.status());
        return Reply(vault_->RegisterRightsRequest(caller, *r), 201, wire::EncodeRightsRequest);
      }
      const std::optional<std::string_view> state = QueryParam(request.target(), "state");
      StatusOr<RightsListing> which = wire::ParseRightsListing(state.value_or(""));
      if (!which.ok()) return ErrorResponse(which.status());
      return Reply(vault_->ListRightsRequests(caller, *which), 200, wire::EncodeRightsRequests);
    }
    case RouteId::kRightsRequest:
      return Reply(vault_->GetRightsRequest(caller, match.name), 200, wire::EncodeRightsRequest);
    case RouteId::kRightsExtend:
      action = Action::kExtend;
      break;
    case RouteId::kRightsComplete:
      action = Action::kComplete;
      break;
    case RouteId::kRightsRefuse:
      action = Action::kRefuse;
      break;
    case RouteId::kRightsLift:
      action = Action::kLift;
      break;
    case RouteId::kRightsDecide:
      action = Action::kDecide;
      break;
    default:
      return ErrorResponse(404, "not_found", "no such route");
  }
  StatusOr<RightsUpdate> update = wire::ParseRightsUpdate(action, body);
  if (!update.ok()) return ErrorResponse(update.status());
  return Reply(vault_->UpdateRightsRequest(caller, match.name, *update), 200,
               wire::EncodeRightsRequest);
}

}  // namespace vault
