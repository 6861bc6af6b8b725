// Fuzz target: the request-body parsers of the transcript API
// (vault/wire/request_json.h), the JSON a chat server sends, and those of the
// data-protection lead's calls (vault/wire/subject_access_json.h,
// vault/wire/rights_json.h): subject access, the rights register, its
// updates and listings, rectification and supplementary statements.
//
// Input: a selector byte, then the body (for a register update, its first
// byte chooses the action). Checks: the parsers never crash and refuse only
// with InvalidArgument; what one accepts, encoded again (by the encoder the
// C++ client sends with), parses to the same value (round trip).
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "vault/wire/request_json.h"
#include "vault/wire/monitoring_json.h"
#include "vault/wire/rights_json.h"
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
             again->services == parsed->services && again->request == parsed->request);
}

void RefusedAsInvalid(const vault::Status& status) {
  FUZZ_CHECK(status.code() == vault::Status::Code::kInvalidArgument);
}

void RegistrationRoundTrip(std::string_view body) {
  auto parsed = vault::wire::ParseRightsRegistration(body);
  if (!parsed.ok()) return RefusedAsInvalid(parsed.status());
  const std::string encoded = vault::wire::EncodeRightsRegistration(*parsed);
  auto again = vault::wire::ParseRightsRegistration(encoded);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->kind == parsed->kind && again->received_at == parsed->received_at &&
             again->services == parsed->services);
}

void UpdateRoundTrip(std::string_view input) {
  using Action = vault::RightsUpdate::Action;
  if (input.empty()) return;
  const Action action = static_cast<Action>(static_cast<uint8_t>(input[0]) % 5);
  const std::string_view body = input.substr(1);
  auto parsed = vault::wire::ParseRightsUpdate(action, body);
  if (!parsed.ok()) return RefusedAsInvalid(parsed.status());
  FUZZ_CHECK(parsed->action == action);
  const std::string encoded = vault::wire::EncodeRightsUpdate(*parsed);
  auto again = vault::wire::ParseRightsUpdate(action, encoded);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->months == parsed->months && again->reason == parsed->reason &&
             again->decision == parsed->decision);
}

void RectificationRoundTrip(std::string_view body) {
  auto parsed = vault::wire::ParseSubjectRectificationRequest(body);
  // An empty "visitor" parses: the vault answers it 400 no_change.
  if (!parsed.ok()) return RefusedAsInvalid(parsed.status());
  const std::string encoded = vault::wire::EncodeSubjectRectificationRequest(*parsed);
  auto again = vault::wire::ParseSubjectRectificationRequest(encoded);
  FUZZ_CHECK(again.ok());
  const vault::SubjectAccessQuery& q = parsed->query;
  FUZZ_CHECK(again->query.ref == q.ref && again->query.email == q.email &&
             again->query.phone == q.phone && again->query.ip == q.ip &&
             again->query.services == q.services && again->query.request == q.request);
  FUZZ_CHECK(again->corrections == parsed->corrections);
}

void StatementRoundTrip(std::string_view body) {
  auto parsed = vault::wire::ParseStatementFiling(body, kMaxSeq);
  if (!parsed.ok()) return RefusedAsInvalid(parsed.status());
  FUZZ_CHECK(parsed->seq <= kMaxSeq);
  const std::string encoded = vault::wire::EncodeStatementFiling(*parsed);
  auto again = vault::wire::ParseStatementFiling(encoded, kMaxSeq);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->seq == parsed->seq && again->text == parsed->text &&
             again->request == parsed->request);
}

void Listing(std::string_view state) {
  auto parsed = vault::wire::ParseRightsListing(state);
  if (!parsed.ok()) return RefusedAsInvalid(parsed.status());
  FUZZ_CHECK(state.empty() || state == "open" || state == "overdue" || state == "all");
}

// A monitoring form: what parses re-encodes to the same form, within the caps.
void MonitoringRoundTrip(std::string_view body) {
  vault::StatusOr<vault::MonitoringAnswers> parsed = vault::wire::ParseMonitoringForm(body);
  if (!parsed.ok()) return;
  FUZZ_CHECK(parsed->answers.size() <= vault::wire::kMaxFormAnswers);
  vault::StatusOr<vault::MonitoringAnswers> again =
      vault::wire::ParseMonitoringForm(vault::wire::EncodeMonitoringForm(*parsed));
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(again->answers.size() == parsed->answers.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  unsigned choice = 0;
  std::string_view body;
  if (!vault::fuzz::Split(data, size, 11, &choice, &body)) return 0;
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
    case 5:
      RegistrationRoundTrip(body);
      break;
    case 6:
      UpdateRoundTrip(body);
      break;
    case 7:
      RectificationRoundTrip(body);
      break;
    case 8:
      StatementRoundTrip(body);
      break;
    case 9:
      Listing(body);
      break;
    case 10:
      MonitoringRoundTrip(body);
      break;
    default: {  // 3
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
