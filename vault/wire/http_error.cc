#include "vault/wire/http_error.h"

#include <boost/json.hpp>

namespace vault {

namespace json = boost::json;
using Code = Status::Code;

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
      return 409;
    case Code::kFailedPrecondition:
      return 409;
    case Code::kGone:
      return 410;
    case Code::kPermissionDenied:
      return 403;
    case Code::kResourceExhausted:
      return 413;
    case Code::kCorruption:
      return 500;
    case Code::kIOError:
      return 503;
    case Code::kUnavailable:
      return 503;
    case Code::kInternal:
      return 500;
    case Code::kInsufficientStorage:
      return 507;
  }
  return 500;
}

const char* DefaultReason(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      return "invalid_argument";
    case Code::kNotFound:
      return "not_found";
    case Code::kAlreadyExists:
      return "conflict";
    case Code::kFailedPrecondition:
      return "failed_precondition";
    case Code::kGone:
      return "gone";
    case Code::kPermissionDenied:
      return "forbidden";
    case Code::kResourceExhausted:
      return "too_large";
    case Code::kCorruption:
      return "corruption";
    case Code::kIOError:
      return "io_error";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kInternal:
      return "internal";
    case Code::kInsufficientStorage:
      return "insufficient_storage";
  }
  return "internal";
}

std::string ReasonOf(const Status& status) {
  return status.reason().empty() ? DefaultReason(status.code()) : status.reason();
}

std::string EncodeError(std::string_view code, std::string_view message) {
  json::object error;
  error["code"] = json::string_view(code.data(), code.size());
  error["message"] = json::string_view(message.data(), message.size());
  json::object body;
  body["error"] = std::move(error);
  return json::serialize(body);
}

namespace {

// Which Status::Code a 409 stands for: both AlreadyExists and
// FailedPrecondition map to it, so the reason decides.
// 409 stands for two codes: a conflicting duplicate (the reasons below) or
// an object in the wrong state (every other reason: transcript_closed,
// legal_hold, request_used, ...).
Code CodeFor409(std::string_view reason) {
  if (reason == "seq_conflict" || reason == "backup_exists" || reason == "case_exists" ||
      reason == "officer_exists" || reason == "conflict") {
    return Code::kAlreadyExists;
  }
  return Code::kFailedPrecondition;
}

Code CodeForHttpStatus(int http_status, std::string_view reason) {
  switch (http_status) {
    case 400:
    case 405:
    case 411:
    case 415:
    case 422:
    case 431:
      return Code::kInvalidArgument;
    case 401:
    case 403:
      return Code::kPermissionDenied;
    case 404:
      return Code::kNotFound;
    case 409:
      return CodeFor409(reason);
    case 410:
      return Code::kGone;
    case 413:
    case 429:
      return Code::kResourceExhausted;
    case 500:
      return reason == "corruption" ? Code::kCorruption : Code::kInternal;
    case 503:
      return reason == "io_error" ? Code::kIOError : Code::kUnavailable;
    case 507:
      return Code::kInsufficientStorage;
    default:
      return Code::kInternal;
  }
}

}  // namespace

Status StatusFromHttpError(int http_status, std::string_view body) {
  std::string reason;
  std::string message;
  boost::system::error_code ec;
  json::value parsed = json::parse(json::string_view(body.data(), body.size()), ec);
  if (!ec && parsed.is_object()) {
    const json::value* error = parsed.as_object().if_contains("error");
    if (error != nullptr && error->is_object()) {
      const json::value* code = error->as_object().if_contains("code");
      const json::value* text = error->as_object().if_contains("message");
      if (code != nullptr && code->is_string()) reason = std::string(code->as_string());
      if (text != nullptr && text->is_string()) message = std::string(text->as_string());
    }
  }
  const Code code = CodeForHttpStatus(http_status, reason);
  if (reason.empty()) reason = DefaultReason(code);
  if (message.empty()) message = "vaultd answered HTTP " + std::to_string(http_status);
  return Status(code, std::move(message), std::move(reason));
}

}  // namespace vault
