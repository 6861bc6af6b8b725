// HTTP message types of the server and builders for its JSON responses.
//
// Every response carries Cache-Control: no-store (bodies hold personal
// data), and all but the few of BodyResponse are JSON. The session adds the
// HTTP version, keep-alive, X-Request-Id and Content-Length before writing.
// Thread safety: pure functions.
#ifndef VAULT_SERVER_RESPONSE_H_
#define VAULT_SERVER_RESPONSE_H_

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <string>
#include <string_view>

#include "vault/status.h"

namespace vault {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;
using HttpResponse = boost::beast::http::response<boost::beast::http::string_body>;

// `body`, a JSON text, as application/json. A non-empty body ends with a
// newline (added if it has none), so that a reply printed by curl does not
// run into the shell's prompt; JSON parsers skip it.
HttpResponse JsonResponse(unsigned status, std::string body);

// `body` exactly as given, as `content_type` (an audit segment, the
// checkpoint, metrics, CSV), with Cache-Control: no-store.
HttpResponse BodyResponse(unsigned status, std::string_view content_type, std::string body);

// {"error": {"code": code, "message": message}} with HTTP `status`.
HttpResponse ErrorResponse(unsigned status, std::string_view code, std::string_view message);

// The error response for a non-OK Status (see http_error.h for the mapping).
HttpResponse ErrorResponse(const Status& status);

// `result`'s value encoded with `encode` as a JSON response of `status`,
// or its error.
template <typename T, typename Encode>
HttpResponse Reply(const StatusOr<T>& result, unsigned status, Encode encode) {
  if (!result.ok()) return ErrorResponse(result.status());
  return JsonResponse(status, encode(*result));
}

// The status line and header fields of `response` with the blank line that
// ends them: the same bytes Beast's serializer writes before the body. The
// session writes these and the body in one gathered write, without Beast's
// serializer, whose type-erased buffer sequences cost more than the rest of
// writing a small response (docs/performance.md, section 10.6).
std::string SerializeHeader(const HttpResponse& response);

// The bytes of `response` as HTTP/1.1 with "Connection: close", the
// X-Request-Id `request_id` and a Content-Length: for answering where no
// session runs (a connection refused on accept).
std::string SerializeFinalResponse(HttpResponse response, std::string_view request_id);

}  // namespace vault

#endif  // VAULT_SERVER_RESPONSE_H_
