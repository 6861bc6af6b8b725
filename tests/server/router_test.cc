// Route matching and the checks that need no Vault.
#include "vault/server/router.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace vault {
namespace {

const std::string kId = "0123456789abcdef0123456789abcdef";

TEST(MatchRouteTest, MatchesEveryRoute) {
  EXPECT_EQ(MatchRoute("/v1/health").id, RouteId::kHealth);
  EXPECT_EQ(MatchRoute("/v1/transcripts").id, RouteId::kTranscripts);

  const RouteMatch get = MatchRoute("/v1/transcripts/" + kId);
  EXPECT_EQ(get.id, RouteId::kTranscript);
  EXPECT_EQ(get.route, "/v1/transcripts/{id}");
  EXPECT_EQ(get.transcript_id, kId);
  EXPECT_EQ(get.method, "GET");

  const RouteMatch append = MatchRoute("/v1/transcripts/" + kId + "/messages");
  EXPECT_EQ(append.id, RouteId::kMessages);
  EXPECT_EQ(append.route, "/v1/transcripts/{id}/messages");
  EXPECT_EQ(append.transcript_id, kId);
  EXPECT_EQ(append.method, "POST");

  const RouteMatch close = MatchRoute("/v1/transcripts/" + kId + "/close");
  EXPECT_EQ(close.id, RouteId::kClose);
  EXPECT_EQ(close.route, "/v1/transcripts/{id}/close");
}

TEST(MatchRouteTest, IgnoresTheQueryString) {
  EXPECT_EQ(MatchRoute("/v1/health?verbose=1").id, RouteId::kHealth);
  EXPECT_EQ(MatchRoute("/v1/transcripts/" + kId + "?x").transcript_id, kId);
}

TEST(MatchRouteTest, UnknownPathsMatchNothing) {
  const std::vector<std::string> targets = {"",
                                            "/",
                                            "/v1",
                                            "/v1/",
                                            "/v1/healthz",
                                            "/v2/health",
                                            "/V1/health",
                                            "/v1/transcripts/",
                                            "/v1/transcripts/" + kId + "/",
                                            "/v1/transcripts/" + kId + "/messages/1",
                                            "/v1/transcripts/" + kId + "/delete",
                                            "//v1/health",
                                            "v1/health"};
  for (const std::string& target : targets) {
    const RouteMatch match = MatchRoute(target);
    if (target == "/v1/transcripts/") {
      // Structurally the read route with an empty id: rejected as not_found later.
      EXPECT_EQ(match.transcript_id, "");
      continue;
    }
    EXPECT_EQ(match.id, RouteId::kNone) << target;
    EXPECT_EQ(match.route, "-");
  }
}

TEST(IsTranscriptIdTest, OnlyThirtyTwoLowercaseHex) {
  EXPECT_TRUE(IsTranscriptId(kId));
  EXPECT_FALSE(IsTranscriptId(""));
  EXPECT_FALSE(IsTranscriptId(kId.substr(1)));
  EXPECT_FALSE(IsTranscriptId(kId + "0"));
  EXPECT_FALSE(IsTranscriptId("0123456789ABCDEF0123456789abcdef"));
  EXPECT_FALSE(IsTranscriptId("0123456789abcdeg0123456789abcdef"));
  EXPECT_FALSE(IsTranscriptId("../../../../etc/passwd.........."));
}

TEST(IsJsonContentTypeTest, AcceptsParametersAndAnyCase) {
  EXPECT_TRUE(IsJsonContentType("application/json"));
  EXPECT_TRUE(IsJsonContentType("application/json; charset=utf-8"));
  EXPECT_TRUE(IsJsonContentType("  APPLICATION/JSON ;charset=UTF-8"));
  EXPECT_FALSE(IsJsonContentType(""));
  EXPECT_FALSE(IsJsonContentType("text/plain"));
  EXPECT_FALSE(IsJsonContentType("application/jsonx"));
  EXPECT_FALSE(IsJsonContentType("application/json-patch+json"));
}

}  // namespace
}  // namespace vault
