// docs/openapi.json (as compiled into vaultd) against the router's own route
// table: the same routes and methods, nothing more, nothing less; each
// operation's x-roles are the roles RolesFor grants it; and each template,
// filled in, is matched by MatchRoute to the route it names. That every
// response the tests receive validates against it is checked after the whole
// suite (tests/openapi/check_responses.py).
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "vault/server/router.h"

namespace vault {
namespace {

using Operations = std::set<std::pair<std::string, std::string>>;  // {path, METHOD}

boost::json::object Spec() {
  boost::system::error_code ec;
  boost::json::value spec = boost::json::parse(OpenApiDocument(), ec);
  EXPECT_FALSE(ec) << "docs/openapi.json does not parse: " << ec.message();
  return spec.is_object() ? spec.as_object() : boost::json::object();
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return out;
}

std::vector<std::string> Methods(std::string_view methods) {
  std::vector<std::string> out;
  while (!methods.empty()) {
    const size_t comma = methods.find(',');
    out.emplace_back(methods.substr(0, comma));
    if (comma == std::string_view::npos) break;
    methods.remove_prefix(comma + 1);
    while (!methods.empty() && methods.front() == ' ') methods.remove_prefix(1);
  }
  return out;
}

// The template with each {parameter} given a value of its kind.
std::string Fill(std::string_view route) {
  std::string out;
  while (!route.empty()) {
    const size_t open = route.find('{');
    out += route.substr(0, open);
    if (open == std::string_view::npos) break;
    const size_t close = route.find('}', open);
    const std::string_view name = route.substr(open + 1, close - open - 1);
    out += name == "id" ? "0123456789abcdef0123456789abcdef" : name == "n" ? "7" : "case-1";
    route.remove_prefix(close + 1);
  }
  return out;
}

TEST(OpenApiTest, DescribesExactlyTheRoutesOfTheRouter) {
  const boost::json::object spec = Spec();
  ASSERT_TRUE(spec.contains("paths"));
  Operations described;
  for (const auto& [path, item] : spec.at("paths").as_object()) {
    for (const auto& [key, operation] : item.as_object()) {
      if (key == "get" || key == "post" || key == "put" || key == "delete" || key == "patch" ||
          key == "head" || key == "options") {
        described.emplace(std::string(path), Upper(key));
      }
    }
  }
  Operations routed;
  for (const RouteInfo& route : AllRoutes()) {
    for (const std::string& method : Methods(route.methods)) {
      routed.emplace(std::string(route.route), method);
    }
  }
  for (const auto& op : routed) {
    EXPECT_TRUE(described.contains(op)) << op.second << " " << op.first << " is not described";
  }
  for (const auto& op : described) {
    EXPECT_TRUE(routed.contains(op)) << op.second << " " << op.first
                                     << " is described but vaultd has no such route";
  }
  EXPECT_EQ(routed.size(), described.size());
}

TEST(OpenApiTest, EachOperationNamesTheRolesTheRouterGrantsIt) {
  const boost::json::object spec = Spec();
  ASSERT_TRUE(spec.contains("paths"));
  const boost::json::object& paths = spec.at("paths").as_object();
  for (const RouteInfo& route : AllRoutes()) {
    for (const std::string& method : Methods(route.methods)) {
      SCOPED_TRACE(method + " " + std::string(route.route));
      const auto* item = paths.if_contains(route.route);
      ASSERT_NE(item, nullptr);
      std::string key = method;
      for (char& c : key) c = static_cast<char>(c - 'A' + 'a');
      const auto* operation = item->as_object().if_contains(key);
      ASSERT_NE(operation, nullptr);
      const auto* roles = operation->as_object().if_contains("x-roles");
      ASSERT_NE(roles, nullptr) << "no x-roles";
      std::set<std::string> described;
      for (const auto& role : roles->as_array()) described.emplace(role.as_string());
      std::set<std::string> granted;
      const RoleSet needed = RolesFor(route.id, method);
      for (Role role : kAllRoles) {
        if (needed.Has(role)) granted.emplace(RoleName(role));
      }
      EXPECT_EQ(described, granted);
    }
  }
}

TEST(OpenApiTest, EveryTemplateFilledInIsMatchedToItsRoute) {
  ASSERT_GT(AllRoutes().size(), 40u);
  std::set<std::string_view> templates;
  for (const RouteInfo& route : AllRoutes()) {
    SCOPED_TRACE(std::string(route.route));
    EXPECT_TRUE(templates.insert(route.route).second) << "listed twice";
    const std::string target = Fill(route.route);
    const RouteMatch match = MatchRoute(target);
    EXPECT_EQ(match.id, route.id);
    EXPECT_EQ(match.route, route.route);
    EXPECT_EQ(match.method, route.methods);
    EXPECT_EQ(MatchRoute(target + "?limit=1").id, route.id);
    for (const std::string& method : Methods(route.methods)) {
      EXPECT_FALSE(RolesFor(route.id, method).empty()) << method;
      EXPECT_STRNE(ActionFor(route.id, method), "unknown") << method;
    }
  }
}

TEST(OpenApiTest, IsServedToEveryRoleAndNamesTheBuildsVersion) {
  const RouteMatch match = MatchRoute("/v1/openapi.json");
  EXPECT_EQ(match.id, RouteId::kOpenApi);
  EXPECT_EQ(RolesFor(RouteId::kOpenApi, "GET"), RoleSet::All());
  const boost::json::object spec = Spec();
  ASSERT_TRUE(spec.contains("openapi"));
  EXPECT_EQ(spec.at("openapi").as_string(), "3.1.0");
  EXPECT_EQ(spec.at("info").at("version").as_string(), VAULT_VERSION);
}

}  // namespace
}  // namespace vault
