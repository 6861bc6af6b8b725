// Records every response the tests of this process receive, for
// tests/openapi/check_responses.py to validate against docs/openapi.json.
//
// Enabled by the environment variable VAULT_RESPONSE_RECORDS naming a
// directory (ctest sets it for every gtest test: tests/CMakeLists.txt).
// Each process appends one JSON object per line to <dir>/<pid>.jsonl:
//   {"method","target","status","content_type","body"}
// with "body" only for JSON bodies (the others are checked by content type).
// Without the variable nothing is recorded.
#ifndef VAULT_TESTS_SUPPORT_RESPONSE_RECORDER_H_
#define VAULT_TESTS_SUPPORT_RESPONSE_RECORDER_H_

#include <string_view>

namespace vault::testing {

// Installs the recorder as the client library's reply observer, once per
// process; Daemon's constructor calls it.
void InstallResponseRecorder();

// Records a response read by a RawConnection. Only error responses (status
// 400 and above) are recorded: a raw test's request line may be malformed on
// purpose, so its response is checked against the error schema alone.
void RecordRawResponse(std::string_view response);
// Records a raw response to a request known to be `method` `target`.
void RecordResponse(std::string_view method, std::string_view target, std::string_view response);
// Records one event of a server-sent event stream from GET `target`: its
// `event` name and its `data` (validated against the 200 response's
// x-event-data schema).
void RecordEvent(std::string_view target, std::string_view event, std::string_view data);

}  // namespace vault::testing

#endif  // VAULT_TESTS_SUPPORT_RESPONSE_RECORDER_H_
