// SerializeHeader writes the same bytes before the body as Beast's own
// serializer, for every status code, both HTTP versions, both connection
// modes, HEAD's empty body and fields added in any order.
#include "vault/server/response.h"

#include <gtest/gtest.h>

#include <boost/beast/http/write.hpp>
#include <sstream>
#include <string>

namespace vault {
namespace {

std::string BeastBytes(const HttpResponse& response) {
  std::ostringstream out;
  out << response;
  return std::move(out).str();
}

HttpResponse Prepared(HttpResponse response, unsigned version, bool keep_alive, bool head) {
  response.version(version);
  response.keep_alive(keep_alive);
  response.set("X-Request-Id", "r-0000000000000001");
  response.prepare_payload();
  if (head) response.body().clear();
  return response;
}

TEST(ResponseTest, HeaderIsWhatBeastsSerializerWrites) {
  int compared = 0;
  for (unsigned status = 100; status <= 599; ++status) {
    for (unsigned version : {10u, 11u}) {
      for (bool keep_alive : {false, true}) {
        for (bool head : {false, true}) {
          // 1xx, 204 and 304 carry no body (Beast's prepare_payload refuses one).
          const bool bodiless = status < 200 || status == 204 || status == 304;
          HttpResponse response =
              bodiless ? HttpResponse() : JsonResponse(status, R"({"n":)" + std::to_string(status) + "}");
          response.result(status);
          if (status % 7 == 0) response.set("Retry-After", "1");
          if (status % 11 == 0) response.set("X-Vault-Custom", std::string(300, 'v'));
          const HttpResponse prepared = Prepared(std::move(response), version, keep_alive, head);
          const std::string beast = BeastBytes(prepared);
          EXPECT_EQ(SerializeHeader(prepared) + prepared.body(), beast)
              << "status " << status << " version " << version << " keep-alive " << keep_alive
              << " head " << head;
          ++compared;
        }
      }
    }
  }
  EXPECT_EQ(compared, 500 * 8);
}

TEST(ResponseTest, ErrorResponsesAndLargeBodiesMatch) {
  for (const auto& [status, code] : std::initializer_list<std::pair<unsigned, const char*>>{
           {400, "bad_request"}, {404, "not_found"}, {409, "seq_conflict"},
           {413, "too_large"}, {503, "earlier_write_failed"}}) {
    HttpResponse prepared =
        Prepared(ErrorResponse(status, code, "a message with \"quotes\""), 11, true, false);
    EXPECT_EQ(SerializeHeader(prepared) + prepared.body(), BeastBytes(prepared)) << code;
  }
  HttpResponse large = Prepared(JsonResponse(200, std::string(3 << 20, 'x')), 11, true, false);
  const std::string header = SerializeHeader(large);
  // 3 MiB of text and JsonResponse's closing newline.
  EXPECT_NE(header.find("Content-Length: 3145729\r\n"), std::string::npos) << header;
  EXPECT_EQ(header + large.body(), BeastBytes(large));
}

TEST(ResponseTest, OnlyJsonBodiesGetAClosingNewlineAndOnlyOnce) {
  HttpResponse json = JsonResponse(200, R"({"a":1})");
  EXPECT_EQ(json.body(), "{\"a\":1}\n");
  EXPECT_EQ(JsonResponse(200, "{\"a\":1}\n").body(), "{\"a\":1}\n");

  HttpResponse segment =
      BodyResponse(200, "application/octet-stream", std::string("\x01\x02segment", 9));
  EXPECT_EQ(segment.body(), std::string("\x01\x02segment", 9));
  EXPECT_EQ(segment[boost::beast::http::field::content_type], "application/octet-stream");
  EXPECT_EQ(segment[boost::beast::http::field::cache_control], "no-store");

  HttpResponse empty = JsonResponse(204, "");
  EXPECT_EQ(empty.body(), "");

  const std::string final = SerializeFinalResponse(ErrorResponse(503, "busy", "try later"), "r1");
  EXPECT_EQ(final.substr(final.size() - 2), "}\n") << final;
}

}  // namespace
}  // namespace vault
