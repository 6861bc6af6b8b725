// The access log's fields, written without boost::json: the same text
// boost::json writes for them, and a JSON object's members.
#include "vault/server/access_log.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdint>
#include <string>

namespace vault {
namespace {

namespace json = boost::json;

// What LogEvent wrote for these fields before: each member serialised by
// boost::json, in this order.
std::string SerialisedMembers(const AccessRecord& r) {
  auto sv = [](std::string_view s) { return json::string_view(s.data(), s.size()); };
  json::object fields;
  fields["request_id"] = sv(r.request_id);
  fields["method"] = sv(r.method);
  fields["route"] = sv(r.route);
  fields["status"] = r.status;
  fields["latency_us"] = r.latency_us;
  fields["uid"] = r.uid;
  std::string out;
  for (const auto& field : fields) {
    out += ',';
    out += json::serialize(field.key());
    out += ':';
    out += json::serialize(field.value());
  }
  return out;
}

TEST(AccessLogTest, MembersAreWhatBoostJsonWrote) {
  const AccessRecord records[] = {
      {"0000000000000001", "GET", "/v1/transcripts/{id}", 200, 1234, 1000},
      {"00000000000000ff", "POST", "/v1/transcripts/{id}/messages", 201, 0, 0},
      {"", "other", "-", 400, -1, UINT32_MAX},
      {"a\"b\\c\n", "DELETE", "/v1/x\x01", 599, INT64_MAX, 65534},
      {"x", "HEAD", "/v1/health", 0, INT64_MIN, 1},
  };
  for (const AccessRecord& r : records) {
    const std::string members = AccessLogMembers(r);
    EXPECT_EQ(members, SerialisedMembers(r));
    ASSERT_FALSE(members.empty());
    const json::value parsed = json::parse("{" + members.substr(1) + "}");
    EXPECT_EQ(parsed.at("status").to_number<unsigned>(), r.status);
    EXPECT_EQ(parsed.at("latency_us").to_number<int64_t>(), r.latency_us);
    EXPECT_EQ(parsed.at("uid").to_number<uint32_t>(), r.uid);
    EXPECT_EQ(parsed.at("route").as_string(), json::string_view(r.route.data(), r.route.size()));
  }
}

}  // namespace
}  // namespace vault
