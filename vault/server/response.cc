#include "vault/server/response.h"

#include <boost/beast/http/field.hpp>

#include "vault/wire/http_error.h"

namespace vault {

namespace http = boost::beast::http;

HttpResponse BodyResponse(unsigned status, std::string_view content_type, std::string body) {
  HttpResponse response;
  response.result(status);
  response.set(http::field::content_type, content_type);
  response.set(http::field::cache_control, "no-store");
  response.body() = std::move(body);
  return response;
}

HttpResponse JsonResponse(unsigned status, std::string body) {
  if (!body.empty() && body.back() != '\n') body += '\n';
  return BodyResponse(status, "application/json", std::move(body));
}

HttpResponse ErrorResponse(unsigned status, std::string_view code, std::string_view message) {
  return JsonResponse(status, EncodeError(code, message));
}

HttpResponse ErrorResponse(const Status& status) {
  return ErrorResponse(HttpStatusFor(status.code()), ReasonOf(status), status.message());
}

std::string SerializeHeader(const HttpResponse& response) {
  const unsigned version = response.version();
  const boost::beast::string_view reason = response.reason();
  size_t size = 9 + 4 + reason.size() + 4;
  for (const auto& field : response) size += field.name_string().size() + field.value().size() + 4;
  std::string out;
  out.reserve(size);
  out += "HTTP/";
  out += static_cast<char>('0' + version / 10);
  out += '.';
  out += static_cast<char>('0' + version % 10);
  out += ' ';
  const unsigned status = response.result_int();
  out += static_cast<char>('0' + status / 100 % 10);
  out += static_cast<char>('0' + status / 10 % 10);
  out += static_cast<char>('0' + status % 10);
  out += ' ';
  out.append(reason.data(), reason.size());
  out += "\r\n";
  for (const auto& field : response) {
    out.append(field.name_string().data(), field.name_string().size());
    out += ": ";
    out.append(field.value().data(), field.value().size());
    out += "\r\n";
  }
  out += "\r\n";
  return out;
}

std::string SerializeFinalResponse(HttpResponse response, std::string_view request_id) {
  response.version(11);
  response.keep_alive(false);
  response.set("X-Request-Id", request_id);
  response.prepare_payload();
  return SerializeHeader(response) + response.body();
}

}  // namespace vault
