#include "vault/server/response.h"

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/write.hpp>
#include <sstream>

#include "vault/wire/http_error.h"

namespace vault {

namespace http = boost::beast::http;

HttpResponse JsonResponse(unsigned status, std::string body) {
  HttpResponse response;
  response.result(status);
  response.set(http::field::content_type, "application/json");
  response.set(http::field::cache_control, "no-store");
  response.body() = std::move(body);
  return response;
}

HttpResponse ErrorResponse(unsigned status, std::string_view code, std::string_view message) {
  return JsonResponse(status, EncodeError(code, message));
}

HttpResponse ErrorResponse(const Status& status) {
  return ErrorResponse(HttpStatusFor(status.code()), ReasonOf(status), status.message());
}

std::string SerializeFinalResponse(HttpResponse response, std::string_view request_id) {
  response.version(11);
  response.keep_alive(false);
  response.set("X-Request-Id", request_id);
  response.prepare_payload();
  std::ostringstream out;
  out << response;
  return std::move(out).str();
}

}  // namespace vault
