#include "tests/support/api_util.h"

#include <boost/json.hpp>
#include <cstdio>
#include <random>

#include "tests/support/raw_http.h"

namespace vault::testing {

namespace json = boost::json;

namespace {

::testing::AssertionResult CheckErrorBody(int actual_status, std::string_view content_type,
                                          std::string_view body, int status,
                                          std::string_view code) {
  if (actual_status != status) {
    return ::testing::AssertionFailure()
           << "HTTP " << actual_status << ", expected " << status << "; body: " << body;
  }
  if (content_type.substr(0, 16) != "application/json") {
    return ::testing::AssertionFailure() << "Content-Type is '" << content_type << "'";
  }
  boost::system::error_code ec;
  const json::value value = json::parse(json::string_view(body.data(), body.size()), ec);
  const json::value* error =
      (!ec && value.is_object()) ? value.as_object().if_contains("error") : nullptr;
  if (error == nullptr || !error->is_object() || error->as_object().size() != 2) {
    return ::testing::AssertionFailure() << "not an error object: " << body;
  }
  const json::value* actual_code = error->as_object().if_contains("code");
  const json::value* message = error->as_object().if_contains("message");
  if (actual_code == nullptr || !actual_code->is_string() || actual_code->as_string().empty() ||
      message == nullptr || !message->is_string() || message->as_string().empty()) {
    return ::testing::AssertionFailure() << "error needs a code and a message: " << body;
  }
  if (!code.empty() && actual_code->as_string() != json::string_view(code.data(), code.size())) {
    return ::testing::AssertionFailure()
           << "code is " << actual_code->as_string() << ", expected " << code << "; body: " << body;
  }
  return ::testing::AssertionSuccess();
}

}  // namespace

::testing::AssertionResult IsJsonError(const HttpReply& reply, int status, std::string_view code) {
  return CheckErrorBody(reply.status, reply.Header("Content-Type"), reply.body, status, code);
}

::testing::AssertionResult IsRawJsonError(std::string_view response, int status,
                                          std::string_view code) {
  return CheckErrorBody(StatusCodeOf(response), HeaderOf(response, "Content-Type"),
                        BodyOf(response), status, code);
}

std::string ErrorCodeOf(std::string_view body) {
  boost::system::error_code ec;
  const json::value value = json::parse(json::string_view(body.data(), body.size()), ec);
  if (ec || !value.is_object()) return "";
  const json::value* error = value.as_object().if_contains("error");
  if (error == nullptr || !error->is_object()) return "";
  const json::value* code = error->as_object().if_contains("code");
  return code != nullptr && code->is_string() ? std::string(code->as_string()) : "";
}

Message MakeMessage(uint64_t seq, std::string text) {
  static const char* const kFrom[] = {"visitor", "agent", "system"};
  Message message;
  message.seq = seq;
  message.from = kFrom[seq % 3];
  message.text = std::move(text);
  message.sent_at = "2026-11-22T10:00:00.000Z";
  return message;
}

void ExpectTranscriptOf(const Transcript& transcript, const std::string& id,
                        const NewTranscript& request, TranscriptState state,
                        uint64_t message_count) {
  EXPECT_EQ(transcript.info.id, id);
  EXPECT_EQ(transcript.info.service, request.service);
  EXPECT_EQ(transcript.info.state, state);
  EXPECT_EQ(transcript.info.message_count, message_count);
  EXPECT_EQ(transcript.visitor, request.visitor);
}

std::vector<json::object> AuditRecords(Client& client) {
  std::vector<json::object> out;
  uint64_t from = 0;
  for (;;) {
    auto reply = client.Request(
        "GET", "/v1/audit/records?from=" + std::to_string(from) + "&limit=1000", "", "");
    EXPECT_OK(reply);
    if (!reply.ok() || reply->status != 200) {
      ADD_FAILURE() << (reply.ok() ? reply->body : "");
      return out;
    }
    const json::object page = json::parse(reply->body).as_object();
    const json::array& records = page.at("records").as_array();
    for (const json::value& r : records) out.push_back(r.as_object());
    // Each read is audited itself: a short page is the end.
    if (records.size() < 1000) return out;
    from = page.at("next").to_number<uint64_t>();
  }
}

NewTranscript MarkedVisitorRequest(std::string service) {
  NewTranscript request;
  request.service = std::move(service);
  request.visitor.name = "VISITOR-NAME-MARKER";
  request.visitor.ip = "203.0.113.99";
  return request;
}

std::string Canary() {
  std::random_device random;
  std::string canary = "canary-";
  for (int i = 0; i < 4; ++i) {
    char digits[9];
    std::snprintf(digits, sizeof digits, "%08x", static_cast<unsigned>(random()));
    canary += digits;
  }
  return canary;
}

}  // namespace vault::testing
