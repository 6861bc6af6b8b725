// The error half of the wire format: how a vault::Status becomes an HTTP
// status and a JSON error body, and (for the client) back again.
//
// Every error response body is
//   {"error": {"code": "<machine-readable reason>", "message": "<text>"}}
// `code` is Status::reason() (or a default name for the Status::Code when the
// reason is empty). Messages never carry request content: callers build them
// from field names and limits only.
//
// No Beast here: this is shared by the server and the client library.
// Thread safety: pure functions.
#ifndef VAULT_WIRE_HTTP_ERROR_H_
#define VAULT_WIRE_HTTP_ERROR_H_

#include <string>
#include <string_view>

#include "vault/status.h"

namespace vault {

// InvalidArgument -> 400, NotFound -> 404, AlreadyExists and
// FailedPrecondition -> 409, Gone -> 410, PermissionDenied -> 403,
// ResourceExhausted -> 413, Corruption and Internal -> 500, IOError and
// Unavailable -> 503, InsufficientStorage -> 507. OK -> 200.
int HttpStatusFor(Status::Code code);

// The default JSON error code of a Status::Code ("invalid_argument", ...).
const char* DefaultReason(Status::Code code);

// status.reason(), or DefaultReason(status.code()) when that is empty.
std::string ReasonOf(const Status& status);

// {"error":{"code":code,"message":message}}
std::string EncodeError(std::string_view code, std::string_view message);

// Client side: the Status an HTTP error response stands for. The JSON code
// becomes the reason; a body that is not an error object still gives a Status
// named after the HTTP status.
Status StatusFromHttpError(int http_status, std::string_view body);

}  // namespace vault

#endif  // VAULT_WIRE_HTTP_ERROR_H_
