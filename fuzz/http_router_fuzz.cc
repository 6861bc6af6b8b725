// Fuzz target: HTTP requests as Beast parses them for vaultd (the header and
// body caps of vault/server/session.h), routed by the Router
// (vault/server/router.h) to a stub Vault: route matching, query
// parameters, id checks, Content-Type, every JSON request body, and the
// encoding of every response. Framing above Beast's parser is covered by
// http_session_fuzz.cc, which goes through a real server.
//
// Input: a byte stream of pipelined requests. Checks: every response has a
// documented status, never 500, and errors carry the JSON error body;
// MatchRoute's answer is consistent (no template without a route); a 404
// route never reaches the vault.
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <cstdint>
#include <string>

#include "http_check.h"
#include "stub_vault.h"
#include "vault/server/router.h"
#include "vault/server/session.h"

namespace {

namespace http = boost::beast::http;

bool IsLowerHex32(std::string_view s) {
  if (s.size() != 32) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static vault::fuzz::StubVault stub;
  static const vault::Router router(&stub, 1000000, vault::AccessPolicy::OwnerOnly(1000));
  std::string_view in = vault::fuzz::AsText(data, size);
  for (int requests = 0; !in.empty() && requests < 16; ++requests) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(vault::kMaxHeaderBytes);
    parser.body_limit(1 << 20);
    parser.eager(true);
    boost::beast::error_code ec;
    const size_t used = parser.put(boost::asio::buffer(in.data(), in.size()), ec);
    if (ec || !parser.is_done()) return 0;
    in.remove_prefix(used);
    const vault::HttpRequest request = parser.release();
    const std::string_view target = request.target();
    const vault::RouteMatch match = vault::MatchRoute(target);
    FUZZ_CHECK((match.id == vault::RouteId::kNone) == (match.route == "-"));
    FUZZ_CHECK(vault::IsTranscriptId(match.transcript_id) == IsLowerHex32(match.transcript_id));
    (void)vault::QueryParam(target, "from");
    (void)vault::QueryParam(target, "limit");
    vault::RequestContext context;
    context.peer.uid = data[0] % 2 == 0 ? 1000 : 1001;  // the owner, or nobody
    context.request_id = "fuzz";
    std::string_view route;
    const vault::HttpResponse response = router.Handle(request, context, &route);
    vault::fuzz::CheckResponse(response.result_int(), response.body());
    if (match.id == vault::RouteId::kNone) FUZZ_CHECK(response.result_int() == 404);
    if (context.peer.uid != 1000 && match.id != vault::RouteId::kNone) {
      FUZZ_CHECK(response.result_int() == 403 || response.result_int() == 405);
    }
  }
  return 0;
}
