#include "tests/support/response_recorder.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "tests/support/raw_http.h"
#include "vault/client.h"

namespace vault::testing {

namespace {

bool IsJson(std::string_view content_type) {
  return content_type.substr(0, content_type.find(';')) == "application/json";
}

void Write(const boost::json::object& record);

void Append(std::string_view method, std::string_view target, int status,
            std::string_view content_type, std::string_view body) {
  if (std::getenv("VAULT_RESPONSE_RECORDS") == nullptr) return;
  boost::json::object record;
  record["method"] = method;
  record["target"] = target;
  record["status"] = status;
  record["content_type"] = content_type;
  if (IsJson(content_type)) record["body"] = body;
  Write(record);
}

void Write(const boost::json::object& record) {
  const char* dir = std::getenv("VAULT_RESPONSE_RECORDS");
  if (dir == nullptr || *dir == '\0') return;
  const std::string line = boost::json::serialize(record) + "\n";
  // One write(2) per line on an O_APPEND file, and no lock: lines of the
  // threads of this process and of its forked children (the roles tests'
  // clients, under other uids: the directory is world-writable) do not
  // interleave, and a child forked while another thread records cannot
  // inherit a held lock.
  const std::string path = std::string(dir) + "/" + std::to_string(::getpid()) + ".jsonl";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0666);
  const bool written = fd >= 0 && ::write(fd, line.data(), line.size()) ==
                                      static_cast<ssize_t>(line.size());
  if (fd >= 0) ::close(fd);
  if (!written) {
    // Not silently: the OpenAPI check would see fewer responses.
    std::fprintf(stderr, "response recorder: cannot append to %s: %s\n", path.c_str(),
                 std::strerror(errno));
  }
}

}  // namespace

void InstallResponseRecorder() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (std::getenv("VAULT_RESPONSE_RECORDS") == nullptr) return;
    SetReplyObserver([](std::string_view method, std::string_view target, const HttpReply& reply) {
      Append(method, target, reply.status, reply.Header("Content-Type"), reply.body);
    });
  });
}

void RecordRawResponse(std::string_view response) {
  const int status = StatusCodeOf(response);
  if (status < 400) return;
  Append("", "", status, HeaderOf(response, "Content-Type"), BodyOf(response));
}

void RecordEvent(std::string_view target, std::string_view event, std::string_view data) {
  if (std::getenv("VAULT_RESPONSE_RECORDS") == nullptr) return;
  boost::json::object record;
  record["method"] = "GET";
  record["target"] = target;
  record["status"] = 200;
  record["content_type"] = "text/event-stream";
  record["event"] = event;
  record["event_data"] = data;
  Write(record);
}

void RecordResponse(std::string_view method, std::string_view target, std::string_view response) {
  Append(method, target, StatusCodeOf(response), HeaderOf(response, "Content-Type"),
         BodyOf(response));
}

}  // namespace vault::testing
