// The route table of the v1 API: matching a request target to a route, the
// roles and audit action of each route, and the checks on ids, query strings
// and Content-Type that come before a handler (router.h). The handlers are in
// router.cc and safeguard_routes.cc.
#include "vault/server/router.h"

#include <initializer_list>
#include <iterator>
#include <optional>
#include <span>
#include <utility>

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

// In RouteId order; checked at compile time below.
constexpr RouteInfo kRoutes[] = {
    {RouteId::kHealth, "/v1/health", "GET"},
    {RouteId::kTranscripts, "/v1/transcripts", "POST"},
    {RouteId::kTranscript, "/v1/transcripts/{id}", "GET"},
    {RouteId::kMessages, "/v1/transcripts/{id}/messages", "POST"},
    {RouteId::kMessagesBatch, "/v1/transcripts/{id}/messages/batch", "POST"},
    {RouteId::kClose, "/v1/transcripts/{id}/close", "POST"},
    {RouteId::kErase, "/v1/transcripts/{id}/erase", "POST"},
    {RouteId::kRetention, "/v1/retention", "GET"},
    {RouteId::kBackup, "/v1/backup", "POST"},
    {RouteId::kAudit, "/v1/audit", "GET"},
    {RouteId::kAuditCheckpoint, "/v1/audit/checkpoint", "GET"},
    {RouteId::kAuditRecords, "/v1/audit/records", "GET"},
    {RouteId::kAuditSegment, "/v1/audit/segments/{n}", "GET"},
    {RouteId::kMetrics, "/metrics", "GET"},
    {RouteId::kOfficers, "/v1/officers", "GET, POST"},
    {RouteId::kOfficerRevoke, "/v1/officers/{name}/revoke", "POST"},
    {RouteId::kCases, "/v1/cases", "GET, POST"},
    {RouteId::kCase, "/v1/cases/{name}", "GET"},
    {RouteId::kCaseHolds, "/v1/cases/{name}/holds", "POST"},
    {RouteId::kCaseShareExport, "/v1/cases/{name}/share-export", "POST"},
    {RouteId::kTranscriptHolds, "/v1/transcripts/{id}/holds", "GET"},
    {RouteId::kHistory, "/v1/transcripts/{id}/history", "GET"},
    {RouteId::kRequests, "/v1/requests", "POST"},
    {RouteId::kRequest, "/v1/requests/{name}", "GET"},
    {RouteId::kApprovals, "/v1/requests/{name}/approvals", "POST"},
    {RouteId::kSubjectAccess, "/v1/subject-access", "POST"},
    {RouteId::kSubjectErasure, "/v1/subject-erasure", "POST"},
    {RouteId::kSubjectRestriction, "/v1/subject-restriction", "POST"},
    {RouteId::kSubjectObjection, "/v1/subject-objection", "POST"},
    {RouteId::kRightsRequests, "/v1/rights-requests", "GET, POST"},
    {RouteId::kRightsRequest, "/v1/rights-requests/{name}", "GET"},
    {RouteId::kRightsExtend, "/v1/rights-requests/{name}/extend", "POST"},
    {RouteId::kRightsComplete, "/v1/rights-requests/{name}/complete", "POST"},
    {RouteId::kRightsRefuse, "/v1/rights-requests/{name}/refuse", "POST"},
    {RouteId::kRightsLift, "/v1/rights-requests/{name}/lift", "POST"},
    {RouteId::kRightsDecide, "/v1/rights-requests/{name}/decide", "POST"},
    {RouteId::kSubjectRectification, "/v1/subject-rectification", "POST"},
    {RouteId::kStatements, "/v1/transcripts/{id}/statements", "POST"},
    {RouteId::kMonitoring, "/v1/transcripts/{id}/monitoring", "POST"},
    {RouteId::kStatistics, "/v1/statistics", "GET"},
    {RouteId::kOpenApi, "/v1/openapi.json", "GET"},
    {RouteId::kEvents, "/v1/events", "GET"},
};

constexpr bool InRouteIdOrder() {
  for (size_t i = 0; i < std::size(kRoutes); ++i) {
    if (static_cast<size_t>(kRoutes[i].id) != i + 1) return false;
  }
  return true;
}
static_assert(std::size(kRoutes) + 1 == static_cast<size_t>(RouteId::kCount),
              "every RouteId has one entry in kRoutes");
static_assert(InRouteIdOrder(), "kRoutes is in RouteId order");

RouteMatch Match(RouteId id, std::string_view transcript_id = {}) {
  const RouteInfo& info = kRoutes[static_cast<size_t>(id) - 1];
  RouteMatch match;
  match.id = id;
  match.route = info.route;
  match.method = info.methods;
  match.transcript_id = transcript_id;
  return match;
}

// /v1/officers[/{name}/revoke], /v1/cases[/{name}[/holds|/share-export]],
// /v1/requests[/{name}[/approvals]].
RouteMatch MatchSafeguardingRoute(std::string_view path) {
  struct Family {
    std::string_view prefix;
    RouteId list;
    RouteId item;  // kNone: no GET of one item
    std::string_view sub;
    RouteId sub_id;
    // A second POST under an item; empty: none.
    std::string_view sub2 = {};
    RouteId sub2_id = RouteId::kNone;
  };
  static constexpr Family kFamilies[] = {
      {"/v1/officers", RouteId::kOfficers, RouteId::kNone, "/revoke", RouteId::kOfficerRevoke},
      {"/v1/cases", RouteId::kCases, RouteId::kCase, "/holds", RouteId::kCaseHolds,
       "/share-export", RouteId::kCaseShareExport},
      {"/v1/requests", RouteId::kRequests, RouteId::kRequest, "/approvals", RouteId::kApprovals},
  };
  for (const Family& f : kFamilies) {
    if (path == f.prefix) return Match(f.list);
    if (path.size() <= f.prefix.size() + 1 || path.substr(0, f.prefix.size()) != f.prefix ||
        path[f.prefix.size()] != '/') {
      continue;
    }
    std::string_view rest = path.substr(f.prefix.size() + 1);
    const size_t slash = rest.find('/');
    RouteMatch match;
    if (slash == std::string_view::npos) {
      if (f.item == RouteId::kNone) return RouteMatch();
      match = Match(f.item);
    } else if (rest.substr(slash) == f.sub) {
      match = Match(f.sub_id);
    } else if (!f.sub2.empty() && rest.substr(slash) == f.sub2) {
      match = Match(f.sub2_id);
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
  if (path == kPrefix) return Match(RouteId::kRightsRequests);
  if (path.size() <= kPrefix.size() + 1 || path.substr(0, kPrefix.size()) != kPrefix ||
      path[kPrefix.size()] != '/') {
    return RouteMatch();
  }
  const std::string_view rest = path.substr(kPrefix.size() + 1);
  const size_t slash = rest.find('/');
  RouteMatch match;
  if (slash == std::string_view::npos) {
    match = Match(RouteId::kRightsRequest);
  } else {
    static constexpr std::pair<std::string_view, RouteId> kActions[] = {
        {"/extend", RouteId::kRightsExtend},     {"/complete", RouteId::kRightsComplete},
        {"/refuse", RouteId::kRightsRefuse},     {"/lift", RouteId::kRightsLift},
        {"/decide", RouteId::kRightsDecide},
    };
    for (const auto& [suffix, id] : kActions) {
      if (rest.substr(slash) == suffix) match = Match(id);
    }
    if (match.id == RouteId::kNone) return RouteMatch();
  }
  match.name = rest.substr(0, slash);
  if (match.name.empty()) return RouteMatch();
  return match;
}

}  // namespace

std::span<const RouteInfo> AllRoutes() { return kRoutes; }

RouteMatch MatchRoute(std::string_view target) {
  std::string_view path = target.substr(0, target.find('?'));
  // The routes without a parameter.
  static constexpr RouteId kFixed[] = {
      RouteId::kHealth,         RouteId::kTranscripts,       RouteId::kAudit,
      RouteId::kRetention,      RouteId::kBackup,            RouteId::kAuditCheckpoint,
      RouteId::kAuditRecords,   RouteId::kMetrics,           RouteId::kStatistics,
      RouteId::kSubjectAccess,  RouteId::kSubjectErasure,    RouteId::kSubjectRestriction,
      RouteId::kSubjectRectification, RouteId::kSubjectObjection, RouteId::kOpenApi,
      RouteId::kEvents,
  };
  for (RouteId id : kFixed) {
    if (path == kRoutes[static_cast<size_t>(id) - 1].route) return Match(id);
  }
  constexpr std::string_view kSegmentsPrefix = "/v1/audit/segments/";
  if (path.substr(0, kSegmentsPrefix.size()) == kSegmentsPrefix) {
    RouteMatch match = Match(RouteId::kAuditSegment);
    match.segment = path.substr(kSegmentsPrefix.size());
    return match;
  }
  if (RouteMatch rights = MatchRightsRoute(path); rights.id != RouteId::kNone) return rights;
  if (RouteMatch safeguarding = MatchSafeguardingRoute(path); safeguarding.id != RouteId::kNone) {
    return safeguarding;
  }
  if (path.substr(0, kTranscriptsPrefix.size()) != kTranscriptsPrefix) return RouteMatch();
  path.remove_prefix(kTranscriptsPrefix.size());
  const size_t slash = path.find('/');
  const std::string_view id = path.substr(0, slash);
  if (slash == std::string_view::npos) return Match(RouteId::kTranscript, id);
  static constexpr std::pair<std::string_view, RouteId> kUnderTranscript[] = {
      {"/messages", RouteId::kMessages},     {"/messages/batch", RouteId::kMessagesBatch},
      {"/close", RouteId::kClose},           {"/erase", RouteId::kErase},
      {"/statements", RouteId::kStatements}, {"/monitoring", RouteId::kMonitoring},
      {"/history", RouteId::kHistory},       {"/holds", RouteId::kTranscriptHolds},
  };
  const std::string_view rest = path.substr(slash);
  for (const auto& [suffix, route] : kUnderTranscript) {
    if (rest == suffix) return Match(route, id);
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
    case RouteId::kOpenApi:
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
    case RouteId::kEvents:
      return Roles({Role::kWriter, Role::kAuditor, Role::kAdmin});
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
    case RouteId::kCount:
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
    case RouteId::kOpenApi:
      return "openapi";
    case RouteId::kEvents:
      return "events.subscribe";
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
    case RouteId::kCount:
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
