// The route table of the v1 API: matching a request target to a route, the
// roles and audit action of each route, and the checks on ids, query strings
// and Content-Type that come before a handler (router.h). The handlers are in
// router.cc and safeguard_routes.cc.
#include "vault/server/router.h"

#include <initializer_list>
#include <iterator>
#include <utility>
#include <optional>

namespace vault {

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

// /v1/officers[/{name}/revoke], /v1/cases[/{name}[/holds|/share-export]],
// /v1/requests[/{name}[/approvals]].
RouteMatch MatchSafeguardingRoute(std::string_view path) {
  struct Family {
    std::string_view prefix;
    RouteId list;
    std::string_view list_route;
    std::string_view list_methods;
    RouteId item;  // kNone: no GET of one item
    std::string_view item_route;
    std::string_view sub;
    RouteId sub_id;
    std::string_view sub_route;
    // A second POST under an item; empty: none.
    std::string_view sub2 = {};
    RouteId sub2_id = RouteId::kNone;
    std::string_view sub2_route = {};
  };
  static constexpr Family kFamilies[] = {
      {"/v1/officers", RouteId::kOfficers, "/v1/officers", "GET, POST", RouteId::kNone, "",
       "/revoke", RouteId::kOfficerRevoke, "/v1/officers/{name}/revoke"},
      {"/v1/cases", RouteId::kCases, "/v1/cases", "GET, POST", RouteId::kCase, "/v1/cases/{name}",
       "/holds", RouteId::kCaseHolds, "/v1/cases/{name}/holds", "/share-export",
       RouteId::kCaseShareExport, "/v1/cases/{name}/share-export"},
      {"/v1/requests", RouteId::kRequests, "/v1/requests", "POST", RouteId::kRequest,
       "/v1/requests/{name}", "/approvals", RouteId::kApprovals, "/v1/requests/{name}/approvals"},
  };
  for (const Family& f : kFamilies) {
    if (path == f.prefix) return Match(f.list, f.list_route, f.list_methods);
    if (path.size() <= f.prefix.size() + 1 || path.substr(0, f.prefix.size()) != f.prefix ||
        path[f.prefix.size()] != '/') {
      continue;
    }
    std::string_view rest = path.substr(f.prefix.size() + 1);
    const size_t slash = rest.find('/');
    RouteMatch match;
    if (slash == std::string_view::npos) {
      if (f.item == RouteId::kNone) return RouteMatch();
      match = Match(f.item, f.item_route, "GET");
    } else if (rest.substr(slash) == f.sub) {
      match = Match(f.sub_id, f.sub_route, "POST");
    } else if (!f.sub2.empty() && rest.substr(slash) == f.sub2) {
      match = Match(f.sub2_id, f.sub2_route, "POST");
    } else {
      return RouteMatch();
    }
    match.name = rest.substr(0, slash);
    if (match.name.empty()) return RouteMatch();
    return match;
  }
  return RouteMatch();
}

// /v1/rights-requests[/{name}[/{action}]].
RouteMatch MatchRightsRoute(std::string_view path) {
  constexpr std::string_view kPrefix = "/v1/rights-requests";
  if (path == kPrefix) return Match(RouteId::kRightsRequests, kPrefix, "GET, POST");
  if (path.size() <= kPrefix.size() + 1 || path.substr(0, kPrefix.size()) != kPrefix ||
      path[kPrefix.size()] != '/') {
    return RouteMatch();
  }
  const std::string_view rest = path.substr(kPrefix.size() + 1);
  const size_t slash = rest.find('/');
  RouteMatch match;
  if (slash == std::string_view::npos) {
    match = Match(RouteId::kRightsRequest, "/v1/rights-requests/{name}", "GET");
  } else {
    static constexpr std::pair<std::string_view, RouteId> kActions[] = {
        {"/extend", RouteId::kRightsExtend},     {"/complete", RouteId::kRightsComplete},
        {"/refuse", RouteId::kRightsRefuse},     {"/lift", RouteId::kRightsLift},
        {"/decide", RouteId::kRightsDecide},
    };
    static constexpr std::string_view kRoutes[] = {
        "/v1/rights-requests/{name}/extend", "/v1/rights-requests/{name}/complete",
        "/v1/rights-requests/{name}/refuse", "/v1/rights-requests/{name}/lift",
        "/v1/rights-requests/{name}/decide",
    };
    for (size_t i = 0; i < std::size(kActions); ++i) {
      if (rest.substr(slash) == kActions[i].first) match = Match(kActions[i].second, kRoutes[i], "POST");
    }
    if (match.id == RouteId::kNone) return RouteMatch();
  }
  match.name = rest.substr(0, slash);
  if (match.name.empty()) return RouteMatch();
  return match;
}

}  // namespace

RouteMatch MatchRoute(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  if (path == "/v1/health") return Match(RouteId::kHealth, "/v1/health", "GET");
  if (path == "/v1/transcripts") return Match(RouteId::kTranscripts, "/v1/transcripts", "POST");
  if (path == "/v1/audit") return Match(RouteId::kAudit, "/v1/audit", "GET");
  if (path == "/v1/retention") return Match(RouteId::kRetention, "/v1/retention", "GET");
  if (path == "/v1/backup") return Match(RouteId::kBackup, "/v1/backup", "POST");
  if (path == "/v1/audit/checkpoint") {
    return Match(RouteId::kAuditCheckpoint, "/v1/audit/checkpoint", "GET");
  }
  if (path == "/v1/audit/records") return Match(RouteId::kAuditRecords, "/v1/audit/records", "GET");
  constexpr std::string_view kSegmentsPrefix = "/v1/audit/segments/";
  if (path.substr(0, kSegmentsPrefix.size()) == kSegmentsPrefix) {
    RouteMatch match = Match(RouteId::kAuditSegment, "/v1/audit/segments/{n}", "GET");
    match.segment = path.substr(kSegmentsPrefix.size());
    return match;
  }
  if (path == "/metrics") return Match(RouteId::kMetrics, "/metrics", "GET");
  if (path == "/v1/statistics") return Match(RouteId::kStatistics, "/v1/statistics", "GET");
  if (path == "/v1/subject-access") {
    return Match(RouteId::kSubjectAccess, "/v1/subject-access", "POST");
  }
  if (path == "/v1/subject-erasure") {
    return Match(RouteId::kSubjectErasure, "/v1/subject-erasure", "POST");
  }
  if (path == "/v1/subject-restriction") {
    return Match(RouteId::kSubjectRestriction, "/v1/subject-restriction", "POST");
  }
  if (path == "/v1/subject-rectification") {
    return Match(RouteId::kSubjectRectification, "/v1/subject-rectification", "POST");
  }
  if (path == "/v1/subject-objection") {
    return Match(RouteId::kSubjectObjection, "/v1/subject-objection", "POST");
  }
  if (RouteMatch rights = MatchRightsRoute(path); rights.id != RouteId::kNone) return rights;
  if (RouteMatch safeguarding = MatchSafeguardingRoute(path); safeguarding.id != RouteId::kNone) {
    return safeguarding;
  }
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
  if (rest == "/messages/batch") {
    return Match(RouteId::kMessagesBatch, "/v1/transcripts/{id}/messages/batch", "POST", id);
  }
  if (rest == "/close") return Match(RouteId::kClose, "/v1/transcripts/{id}/close", "POST", id);
  if (rest == "/erase") return Match(RouteId::kErase, "/v1/transcripts/{id}/erase", "POST", id);
  if (rest == "/statements") {
    return Match(RouteId::kStatements, "/v1/transcripts/{id}/statements", "POST", id);
  }
  if (rest == "/monitoring") {
    return Match(RouteId::kMonitoring, "/v1/transcripts/{id}/monitoring", "POST", id);
  }
  if (rest == "/history") {
    return Match(RouteId::kHistory, "/v1/transcripts/{id}/history", "GET", id);
  }
  if (rest == "/holds") {
    return Match(RouteId::kTranscriptHolds, "/v1/transcripts/{id}/holds", "GET", id);
  }
  return RouteMatch();
}

namespace {

RoleSet Roles(std::initializer_list<Role> list) {
  RoleSet roles;
  for (Role role : list) roles.Add(role);
  return roles;
}

}  // namespace

RoleSet RolesFor(RouteId route) {
  switch (route) {
    case RouteId::kHealth:
    case RouteId::kMetrics:
      return RoleSet::All();
    case RouteId::kTranscripts:
    case RouteId::kMessages:
    case RouteId::kMessagesBatch:
    case RouteId::kClose:
    case RouteId::kMonitoring:
      return Roles({Role::kWriter});
    case RouteId::kStatistics:
      return Roles({Role::kAnalyst, Role::kAdmin, Role::kAuditor});
    case RouteId::kTranscript:
      return Roles({Role::kWriter, Role::kAgent});
    case RouteId::kHistory:
      return Roles({Role::kAgent});
    case RouteId::kSubjectAccess:
    case RouteId::kSubjectErasure:
    case RouteId::kSubjectRestriction:
    case RouteId::kSubjectObjection:
    case RouteId::kSubjectRectification:
    case RouteId::kStatements:
    case RouteId::kRightsExtend:
    case RouteId::kRightsComplete:
    case RouteId::kRightsRefuse:
    case RouteId::kRightsLift:
    case RouteId::kRightsDecide:
      return Roles({Role::kDpo});
    case RouteId::kRightsRequests:  // the GET; registering (POST) is the dpo's alone
    case RouteId::kRightsRequest:
      return Roles({Role::kDpo, Role::kAuditor});
    case RouteId::kErase:  // a writer only at the visitor's request (VaultImpl)
      return Roles({Role::kAdmin, Role::kWriter});
    case RouteId::kBackup:
    case RouteId::kOfficerRevoke:
      return Roles({Role::kAdmin});
    case RouteId::kRetention:
      return Roles({Role::kAdmin, Role::kAuditor});
    case RouteId::kAudit:
    case RouteId::kAuditCheckpoint:
    case RouteId::kAuditRecords:
    case RouteId::kAuditSegment:
      return Roles({Role::kAuditor});
    case RouteId::kOfficers:  // the GET; enrolment (POST) is admin-only, RolesFor(route, method)
      return Roles({Role::kAdmin, Role::kOfficer, Role::kAuditor});
    case RouteId::kCases:
    case RouteId::kCase:
    case RouteId::kCaseHolds:
    case RouteId::kCaseShareExport:
    case RouteId::kTranscriptHolds:
    case RouteId::kRequests:
    case RouteId::kRequest:
    case RouteId::kApprovals:
      return Roles({Role::kOfficer});
    case RouteId::kNone:
      break;
  }
  return RoleSet();
}

const char* ActionFor(RouteId route) {
  switch (route) {
    case RouteId::kHealth:
      return "health";
    case RouteId::kMetrics:
      return "metrics";
    case RouteId::kTranscripts:
      return "transcript.open";
    case RouteId::kTranscript:
      return "transcript.read";
    case RouteId::kHistory:
      return "transcript.history";
    case RouteId::kSubjectAccess:
      return "subject.access";
    case RouteId::kSubjectErasure:
      return "subject.erasure";
    case RouteId::kSubjectRestriction:
      return "subject.restriction";
    case RouteId::kSubjectObjection:
      return "subject.objection";
    case RouteId::kSubjectRectification:
      return "subject.rectification";
    case RouteId::kStatements:
      return "transcript.statement";
    case RouteId::kMonitoring:
      return "transcript.monitoring";
    case RouteId::kStatistics:
      return "statistics.read";
    case RouteId::kRightsRequests:
      return "rights.list";
    case RouteId::kRightsRequest:
      return "rights.read";
    case RouteId::kRightsExtend:
      return "rights.extend";
    case RouteId::kRightsComplete:
      return "rights.complete";
    case RouteId::kRightsRefuse:
      return "rights.refuse";
    case RouteId::kRightsLift:
      return "rights.lift";
    case RouteId::kRightsDecide:
      return "rights.decide";
    case RouteId::kMessages:
    case RouteId::kMessagesBatch:
      return "transcript.append";
    case RouteId::kClose:
      return "transcript.close";
    case RouteId::kErase:
      return "transcript.erase";
    case RouteId::kRetention:
      return "retention.status";
    case RouteId::kBackup:
      return "vault.backup";
    case RouteId::kAudit:
    case RouteId::kAuditCheckpoint:
    case RouteId::kAuditRecords:
    case RouteId::kAuditSegment:
      return "audit.read";
    case RouteId::kOfficers:
      return "officer.list";
    case RouteId::kOfficerRevoke:
      return "officer.revoke";
    case RouteId::kCases:
      return "case.list";
    case RouteId::kCase:
      return "case.read";
    case RouteId::kCaseHolds:
      return "hold.place";
    case RouteId::kCaseShareExport:
      return "case.share_export";
    case RouteId::kTranscriptHolds:
      return "hold.list";
    case RouteId::kRequests:
      return "request.file";
    case RouteId::kRequest:
      return "request.read";
    case RouteId::kApprovals:
      return "request.approve";
    case RouteId::kNone:
      break;
  }
  return "unknown";
}

RoleSet RolesFor(RouteId route, std::string_view method) {
  if (route == RouteId::kOfficers && method == "POST") return Roles({Role::kAdmin});
  if (route == RouteId::kRightsRequests && method == "POST") return Roles({Role::kDpo});
  return RolesFor(route);
}

const char* ActionFor(RouteId route, std::string_view method) {
  if (method == "POST" && route == RouteId::kOfficers) return "officer.enrol";
  if (method == "POST" && route == RouteId::kCases) return "case.open";
  if (method == "POST" && route == RouteId::kRightsRequests) return "rights.register";
  return ActionFor(route);
}

bool IsTranscriptId(std::string_view id) {
  if (id.size() != 32) return false;
  for (char c : id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::optional<std::string_view> QueryParam(std::string_view target, std::string_view key) {
  const size_t q = target.find('?');
  if (q == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    const size_t eq = pair.find('=');
    if (pair.substr(0, eq) == key) {
      return eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return std::nullopt;
}

bool IsJsonContentType(std::string_view content_type) {
  return EqualsIgnoreCase(Trim(content_type.substr(0, content_type.find(';'))), "application/json");
}

}  // namespace vault
