// The legal-hold routes of the Router: officers, cases, holds, requests.
// Wire format: vault/wire/safeguard_json.h; API: docs/api.md section 3.
#include <boost/beast/http/verb.hpp>

#include "vault/server/router.h"
#include "vault/wire/safeguard_json.h"

namespace vault {

namespace http = boost::beast::http;

HttpResponse Router::Safeguarding(const Caller& caller, const RouteMatch& match,
                                  const HttpRequest& request) const {
  const bool post = request.method() == http::verb::post;
  const std::string_view body = request.body();
  switch (match.id) {
    case RouteId::kOfficers: {
      if (!post) return Reply(vault_->ListOfficers(caller), 200, wire::EncodeOfficerList);
      StatusOr<wire::Enrolment> e = wire::ParseEnrolment(body);
      if (!e.ok()) return ErrorResponse(e.status());
      return Reply(vault_->EnrolOfficer(caller, e->id, e->key), 201, wire::EncodeOfficer);
    }
    case RouteId::kOfficerRevoke: {
      StatusOr<Revocation> how = wire::ParseRevocation(body);
      if (!how.ok()) return ErrorResponse(how.status());
      return Reply(vault_->RevokeOfficer(caller, match.name, *how), 200, wire::EncodeOfficer);
    }
    case RouteId::kCases: {
      if (!post) return Reply(vault_->ListCases(caller), 200, wire::EncodeCaseList);
      StatusOr<CaseOpening> o = wire::ParseCaseOpening(body);
      if (!o.ok()) return ErrorResponse(o.status());
      return Reply(vault_->OpenCase(caller, *o), 201, wire::EncodeCase);
    }
    case RouteId::kCase:
      return Reply(vault_->GetCase(caller, match.name), 200, wire::EncodeCaseDetail);
    case RouteId::kCaseHolds: {
      StatusOr<HoldPlacement> h = wire::ParseHoldPlacement(body, match.name);
      if (!h.ok()) return ErrorResponse(h.status());
      return Reply(vault_->PlaceHold(caller, *h), 201, wire::EncodeHold);
    }
    case RouteId::kCaseShareExport: {
      StatusOr<ShareExportRequest> r = wire::ParseShareExportRequest(body, match.name);
      if (!r.ok()) return ErrorResponse(r.status());
      return Reply(vault_->ExportShare(caller, *r), 200, wire::EncodeShareExport);
    }
    case RouteId::kTranscriptHolds:
      return Reply(vault_->ListHolds(caller, match.transcript_id), 200, wire::EncodeHoldList);
    case RouteId::kRequests: {
      StatusOr<RequestFiling> f = wire::ParseRequestFiling(body);
      if (!f.ok()) return ErrorResponse(f.status());
      return Reply(vault_->FileRequest(caller, *f), 201, wire::EncodeRequest);
    }
    case RouteId::kRequest: {
      const std::string_view officer = QueryParam(request.target(), "officer").value_or("");
      return Reply(vault_->GetRequest(caller, match.name, officer), 200, wire::EncodeRequest);
    }
    case RouteId::kApprovals: {
      StatusOr<Approval> a = wire::ParseApproval(body);
      if (!a.ok()) return ErrorResponse(a.status());
      return Reply(vault_->Approve(caller, match.name, *a), 200, wire::EncodeApprovalResult);
    }
    default:
      break;
  }
  return ErrorResponse(404, "not_found", "no such route");
}

}  // namespace vault
