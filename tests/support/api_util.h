// Assertions and builders shared by the black-box API tests.
#ifndef VAULT_TESTS_SUPPORT_API_UTIL_H_
#define VAULT_TESTS_SUPPORT_API_UTIL_H_

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "vault/client.h"
#include "vault/status.h"
#include "vault/vault.h"

// ASSERT_OK(x) / EXPECT_OK(x) for a Status or StatusOr, printing the status.
#ifndef ASSERT_OK
#define ASSERT_OK(expr)                                               \
  do {                                                                \
    const ::vault::Status _status = ::vault::testing::StatusOf(expr); \
    ASSERT_TRUE(_status.ok()) << #expr << ": " << _status.ToString(); \
  } while (0)
#endif
#ifndef EXPECT_OK
#define EXPECT_OK(expr)                                               \
  do {                                                                \
    const ::vault::Status _status = ::vault::testing::StatusOf(expr); \
    EXPECT_TRUE(_status.ok()) << #expr << ": " << _status.ToString(); \
  } while (0)
#endif

namespace vault::testing {

inline Status StatusOf(const Status& status) { return status; }
template <typename T>
Status StatusOf(const StatusOr<T>& result) {
  return result.status();
}

// Checks that `reply` is an error response: HTTP `status`, Content-Type
// application/json, body {"error": {"code": code, "message": non-empty}}.
// An empty `code` accepts any non-empty code.
::testing::AssertionResult IsJsonError(const HttpReply& reply, int status,
                                       std::string_view code = "");

// The same for a raw HTTP response (see raw_http.h).
::testing::AssertionResult IsRawJsonError(std::string_view response, int status,
                                          std::string_view code = "");

// The "error.code" of an error body, or "".
std::string ErrorCodeOf(std::string_view body);

// A well-formed message: from cycles visitor/agent/system.
Message MakeMessage(uint64_t seq, std::string text);

// Checks a transcript read back against the request that created it as `id`:
// its id, service and visitor, and that it is in `state` with
// `message_count` messages.
void ExpectTranscriptOf(const Transcript& transcript, const std::string& id,
                        const NewTranscript& request, TranscriptState state,
                        uint64_t message_count);

// Every record of the audit log, read through GET /v1/audit/records a page
// at a time. Fails the test, and returns the records read so far, if a page
// cannot be read.
std::vector<boost::json::object> AuditRecords(Client& client);

// "canary-" and 32 hex digits from the system's random source: a marker
// unique to this run, for a test to look for where data must not be.
std::string Canary();

// A request for a transcript of `service` whose visitor data are markers a
// test looks for where they must not appear: name "VISITOR-NAME-MARKER" and
// IP address "203.0.113.99" (a documentation address).
NewTranscript MarkedVisitorRequest(std::string service);

}  // namespace vault::testing

#endif  // VAULT_TESTS_SUPPORT_API_UTIL_H_
