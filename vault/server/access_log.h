// The access log: one JSON line per HTTP request, and nothing else about it.
//
// Recorded: request id, method (a known verb or "other"), the route template
// (e.g. "/v1/transcripts/{id}/messages", never the raw path, which carries the
// transcript id), HTTP status, latency in microseconds and the caller's uid.
// Never recorded: the target, query, headers, body, transcript ids or anything
// a visitor typed.
//
// Thread safety: LogAccess may be called from any thread.
#ifndef VAULT_SERVER_ACCESS_LOG_H_
#define VAULT_SERVER_ACCESS_LOG_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace vault {

struct AccessRecord {
  std::string_view request_id;
  std::string_view method;  // a fixed verb name, or "other"
  std::string_view route;   // a route template, or "-" when nothing matched
  unsigned status = 0;
  int64_t latency_us = 0;
  uint32_t uid = 0;
};

void LogAccess(const AccessRecord& record);

// The line's fields as JSON object members, each with its leading comma:
// ,"request_id":...,"method":...,"route":...,"status":...,"latency_us":...,"uid":...
std::string AccessLogMembers(const AccessRecord& record);

}  // namespace vault

#endif  // VAULT_SERVER_ACCESS_LOG_H_
