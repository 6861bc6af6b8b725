// Seeds of http_router and http_session: real requests of every route
// (docs/api.md), pipelined ones, and the framing cases of issue 13
// (smuggling attempts, absolute-form targets, odd versions, chunked bodies).
#include <string>
#include <utility>
#include <vector>

#include "seeds.h"

namespace vault::fuzz {
namespace {

const char kId[] = "0123456789abcdef0123456789abcdef";

std::string Get(const std::string& target) {
  return "GET " + target + " HTTP/1.1\r\nHost: vault\r\n\r\n";
}

std::string Post(const std::string& target, const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nHost: vault\r\nContent-Type: application/json\r\n" +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

}  // namespace

void HttpSeeds() {
  const std::string id = kId;
  const std::string t = "/v1/transcripts/" + id;
  const std::vector<std::pair<std::string, std::string>> seeds = {
      {"health", Get("/v1/health")},
      {"create", Post("/v1/transcripts",
                      R"({"service":"webchat","visitor":{"name":"Sam","ip":"198.51.100.4"}})")},
      {"append",
       Post(t + "/messages",
            R"({"seq":1,"from":"visitor","text":"hello","sent_at":"2026-11-22T10:00:00Z"})")},
      {"close", "POST " + t + "/close HTTP/1.1\r\nHost: vault\r\nContent-Length: 0\r\n\r\n"},
      {"read", Get(t)},
      {"erase", Post(t + "/erase", "{}")},
      {"retention", Get("/v1/retention")},
      {"backup", Post("/v1/backup", R"({"dir":"/var/backups/vault/1"})")},
      {"audit", Get("/v1/audit")},
      {"audit_checkpoint", Get("/v1/audit/checkpoint")},
      {"audit_records", Get("/v1/audit/records?from=0&limit=10")},
      {"audit_segment", Get("/v1/audit/segments/1")},
      {"metrics", Get("/metrics")},
      {"officers", Get("/v1/officers")},
      {"officer_enrol", Post("/v1/officers", R"({"id":"alice","key":"tv-officer-v1:AAAA"})")},
      {"officer_revoke", Post("/v1/officers/alice/revoke", "")},
      {"cases", Get("/v1/cases")},
      {"case_open", Post("/v1/cases", R"({"case":"c-1","reason":"safeguarding concern",)"
                                      R"("officer":"alice","time":"2026-11-22T10:00:00.000Z",)"
                                      R"("signature":"AAAA"})")},
      {"case", Get("/v1/cases/c-1")},
      {"case_hold",
       Post("/v1/cases/c-1/holds", R"({"transcript":")" + id +
                                       R"(","officer":"alice",)"
                                       R"("time":"2026-11-22T10:00:00.000Z","signature":"AAAA"})")},
      {"transcript_holds", Get(t + "/holds")},
      {"history", Get(t + "/history?limit=5&after=" + std::string(48, 'a'))},
      {"subject_access",
       Post("/v1/subject-access", R"({"identifiers":{"ref":"v-123","phone":"+447700900123"}})")},
      {"request_file",
       Post("/v1/requests", R"({"kind":"unseal","case":"c-1","transcripts":[")" + id +
                                R"("],"reason":"court order","expires_at":)"
                                R"("2026-11-23T10:00:00.000Z","officer":"alice",)"
                                R"("time":"2026-11-22T10:00:00.000Z","signature":"AAAA"})")},
      {"request", Get("/v1/requests/" + std::string(32, 'b') + "?officer=bob")},
      {"approval", Post("/v1/requests/" + std::string(32, 'b') + "/approvals",
                        R"({"officer":"bob","share":"AAAA","signature":"AAAA"})")},
      {"pipelined", Get("/v1/health") + Get("/v1/retention") +
                        "GET /v1/audit HTTP/1.1\r\nHost: vault\r\nConnection: close\r\n\r\n"},
      {"chunked",
       "POST /v1/transcripts HTTP/1.1\r\nHost: vault\r\nContent-Type: application/json"
       "\r\nTransfer-Encoding: chunked\r\n\r\n1a\r\n{\"service\":\"webchat\",\"vis\r\n"
       "e;ext=1\r\nitor\":{}}\r\n0\r\n\r\n"},
      {"expect_continue",
       "POST /v1/backup HTTP/1.1\r\nHost: vault\r\nExpect: 100-continue\r\n"
       "Content-Type: application/json\r\nContent-Length: 10\r\n\r\n{\"dir\":\"x\"}"},
      {"smuggle_xchunked",
       "POST /v1/health HTTP/1.1\r\nHost: v\r\nTransfer-Encoding: xchunked\r\n"
       "Content-Length: 4\r\n\r\n8a\r\n" +
           Post("/v1/transcripts", R"({"service":"webchat","visitor":{}})")},
      {"smuggle_identity",
       "POST /v1/health HTTP/1.1\r\nHost: v\r\nTransfer-Encoding: chunked, "
       "identity\r\n\r\n" +
           Get("/v1/health")},
      {"te_and_length",
       "POST /v1/backup HTTP/1.1\r\nHost: v\r\nTransfer-Encoding: chunked\r\n"
       "Content-Length: 5\r\n\r\n0\r\n\r\n"},
      {"absolute_form", "GET http://vault/v1/health HTTP/1.1\r\nHost: vault\r\n\r\n"},
      {"http10", "GET /v1/health HTTP/1.0\r\n\r\n"},
      {"http12", "GET /v1/health HTTP/1.2\r\nHost: vault\r\n\r\n"},
      {"http20", "GET /v1/health HTTP/2.0\r\nHost: vault\r\n\r\n"},
      {"no_host", "GET /v1/health HTTP/1.1\r\n\r\n"},
      {"two_hosts", "GET /v1/health HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"},
      {"leading_empty_line", "\r\n" + Get("/v1/health")},
      {"negative_zero_seq",
       Post(t + "/messages",
            R"({"seq":-0,"from":"visitor","text":"x","sent_at":"2026-11-22T10:00:00Z"})")},
      {"wrong_content_type",
       "POST /v1/transcripts HTTP/1.1\r\nHost: v\r\nContent-Type: text/plain"
       "\r\nContent-Length: 2\r\n\r\n{}"},
      {"unknown_route", Get("/v1/nothing/here")},
      {"bad_method", "DELETE " + t + " HTTP/1.1\r\nHost: vault\r\n\r\n"},
  };
  for (const auto& [name, bytes] : seeds) {
    WriteSeed("http_router", name, kNoSelector, bytes);
    WriteSeed("http_session", name, kNoSelector, bytes);
  }
}

}  // namespace vault::fuzz
