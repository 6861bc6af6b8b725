// Fuzz target: the request-body parsers of the transcript API
// (vault/wire/request_json.h), the JSON a chat server sends, and the
// subject access request (vault/wire/subject_access_json.h).
//
// Input: a selector byte, then the body. Checks: the parsers never crash;
// what one accepts, encoded again, parses to the same value (round trip).
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "vault/wire/request_json.h"
#include "vault/wire/subject_access_json.h"

namespace {

constexpr uint64_t kMaxSeq = 1000000;

void NewTranscriptRoundTrip(std::string_view body) {
  auto parsed = vault::wire::ParseNewTranscript(body);
  if (!parsed.ok()) return;
  const std::string encoded = vault::wire::EncodeNewTranscript(*parsed);
  auto again = vault::wire::ParseNewTranscript(encoded);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->service == parsed->service);
  FUZZ_CHECK(again->visitor == parsed->visitor);
  FUZZ_CHECK(vault::wire::EncodeNewTranscript(*again) == encoded);
}

void MessageRoundTrip(std::string_view body) {
  auto parsed = vault::wire::ParseMessage(body, kMaxSeq);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == vault::Status::Code::kInvalidArgument);
    return;
  }
  FUZZ_CHECK(parsed->seq <= kMaxSeq);
  const std::string encoded = vault::wire::EncodeMessage(*parsed);
  auto again = vault::wire::ParseMessage(encoded, kMaxSeq);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *parsed);
}

void SubjectAccessRoundTrip(std::string_view body) {
  auto parsed = vault::wire::ParseSubjectAccessRequest(body);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == vault::Status::Code::kInvalidArgument);
    return;
  }
  const std::string encoded = vault::wire::EncodeSubjectAccessRequest(*parsed);
  auto again = vault::wire::ParseSubjectAccessRequest(encoded);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->ref == parsed->ref && again->email == parsed->email &&
             again->phone == parsed->phone && again->ip == parsed->ip &&
             again->services == parsed->services);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unsigned choice = 0;
  std::string_view body;
  if (!vault::fuzz::Split(data, size, 5, &choice, &body)) return 0;
  switch (choice) {
    case 0:
      NewTranscriptRoundTrip(body);
      break;
    case 1:
      MessageRoundTrip(body);
      break;
    case 2: {
      vault::Status s = vault::wire::ParseCloseBody(body);
      // An empty body and {} are the accepted ones.
      if (body.empty() || body == "{}") FUZZ_CHECK(s.ok());
      break;
    }
    case 4:
      SubjectAccessRoundTrip(body);
      break;
    default: {
      vault::StatusOr<vault::EraseReason> r = vault::wire::ParseEraseBody(body);
      // An empty body and {} are an admin's erasure; the one reason, the
      // visitor's request.
      if (body.empty() || body == "{}") FUZZ_CHECK(r.ok() && *r == vault::EraseReason::kNone);
      if (body == R"({"reason":"visitor_request"})") {
        FUZZ_CHECK(r.ok() && *r == vault::EraseReason::kVisitorRequest);
      }
      if (r.ok() && *r == vault::EraseReason::kVisitorRequest) {
        FUZZ_CHECK(body.find("visitor_request") != std::string_view::npos);
      }
      break;
    }
  }
  return 0;
}
