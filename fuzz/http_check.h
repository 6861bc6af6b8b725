// Checks the HTTP fuzz targets make of every response vaultd's server code
// produces: a status it documents, never 500 (the stub vault never fails
// internally, so a 500 is the server's own bug), and for errors the JSON body
// {"error":{"code":..., "message":...}} (docs/api.md section 1).
#ifndef VAULT_FUZZ_HTTP_CHECK_H_
#define VAULT_FUZZ_HTTP_CHECK_H_

#include <boost/json.hpp>
#include <string_view>

#include "fuzz_check.h"

namespace vault::fuzz {

inline void CheckResponse(unsigned status, std::string_view body) {
  FUZZ_CHECK(status >= 100 && status <= 599);
  FUZZ_CHECK(status != 500);
  if (status < 400) return;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  FUZZ_CHECK(!ec && v.is_object());
  const boost::json::value* error = v.as_object().if_contains("error");
  FUZZ_CHECK(error != nullptr && error->is_object());
  const boost::json::value* code = error->as_object().if_contains("code");
  FUZZ_CHECK(code != nullptr && code->is_string() && !code->as_string().empty());
}

}  // namespace vault::fuzz

#endif  // VAULT_FUZZ_HTTP_CHECK_H_
