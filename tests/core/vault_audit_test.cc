// The vault's accesses in its audit log: coverage, record contents, no
// visitor data, and fail-closed behaviour when the log cannot be written.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "tests/core/vault_fixture.h"
#include "vault/audit/verifier.h"
#include "tests/support/needs_root.h"

namespace vault::testing {
namespace {

namespace json = boost::json;

struct Seen {
  std::string action;
  std::string outcome;
  std::string object;
  std::string request;
  std::string role;
};

class VaultAuditTest : public VaultFixture {
 protected:
  // Access records appended since `from`, decoded.
  std::vector<Seen> AccessRecordsSince(uint64_t from) {
    std::vector<Seen> out;
    auto records = vault_->audit_log()->Read(from, 10000);
    EXPECT_TRUE(records.ok());
    for (const auto& r : *records) {
      if (r.record.type != audit::RecordType::kAccess) continue;
      json::object p = json::parse(r.record.payload).as_object();
      Seen seen;
      seen.action = p.at("action").as_string().c_str();
      seen.outcome = p.at("outcome").as_string().c_str();
      const json::array& objects = p.at("objects").as_array();
      if (!objects.empty()) seen.object = objects[0].as_string().c_str();
      if (p.contains("request")) seen.request = p.at("request").as_string().c_str();
      seen.role = p.at("actor").as_object().at("role").as_string().c_str();
      out.push_back(seen);
    }
    return out;
  }
  uint64_t AuditSize() { return vault_->audit_log()->Size(); }
  std::string CurrentSegment() {
    auto segments = vault_->audit_log()->Segments();
    return vault_->audit_log()->SegmentPath(segments.back().first);
  }
  size_t CountWrappedKeys() {
    size_t n = 0;
    EXPECT_TRUE(vault_->store()
                    ->Scan(Column::kWrappedKeys, "",
                           [&](std::string_view, std::string_view) {
                             ++n;
                             return true;
                           })
                    .ok());
    return n;
  }
  static Caller WithRequest(Caller caller, const std::string& request_id) {
    caller.request_id = request_id;
    return caller;
  }
};

TEST_F(VaultAuditTest, OpenCloseReadAndRefusalsAreRecordedWithOutcomes) {
  const uint64_t start = AuditSize();
  NewTranscript req;
  req.service = "helpline";
  req.visitor.name = "Visitor canary-5f1d";
  auto created = vault_->CreateTranscript(WithRequest(caller_, "r-open"), req);
  ASSERT_TRUE(created.ok());
  ASSERT_TRUE(vault_->AppendMessage(caller_, created->id, Msg(1, "text canary-5f1d")).ok());
  ASSERT_TRUE(vault_->GetTranscript(WithRequest(caller_, "r-read"), created->id).ok());
  ASSERT_TRUE(vault_->CloseTranscript(WithRequest(caller_, "r-close"), created->id).ok());
  Caller agent_elsewhere;
  agent_elsewhere.roles.Add(Role::kAgent);
  agent_elsewhere.read_scope.services.insert("other");
  agent_elsewhere.request_id = "r-denied";
  EXPECT_FALSE(vault_->GetTranscript(agent_elsewhere, created->id).ok());
  EXPECT_FALSE(
      vault_->GetTranscript(WithRequest(caller_, "r-missing"), std::string(32, 'a')).ok());

  const std::vector<Seen> seen = AccessRecordsSince(start);
  ASSERT_EQ(seen.size(), 5u);  // the append is not an audited access
  EXPECT_EQ(seen[0].action, "transcript.open");
  EXPECT_EQ(seen[0].outcome, "ok");
  EXPECT_EQ(seen[0].object, created->id);
  EXPECT_EQ(seen[0].request, "r-open");
  EXPECT_EQ(seen[0].role, "writer,agent,officer,auditor,admin,dpo,analyst");
  EXPECT_EQ(seen[1].action, "transcript.read");
  EXPECT_EQ(seen[1].request, "r-read");
  EXPECT_EQ(seen[2].action, "transcript.close");
  EXPECT_EQ(seen[2].outcome, "ok");
  EXPECT_EQ(seen[3].action, "transcript.read");
  EXPECT_EQ(seen[3].outcome, "service_forbidden");
  EXPECT_EQ(seen[3].role, "agent");
  EXPECT_EQ(seen[4].outcome, "not_found");
  EXPECT_EQ(seen[4].object, std::string(32, 'a'));

  // No visitor data or content in any audit file.
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_.path() + "/data/audit")) {
    std::ifstream in(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(bytes.find("canary-5f1d"), std::string::npos) << entry.path();
    EXPECT_EQ(bytes.find("helpline"), std::string::npos) << entry.path();
  }
}

TEST_F(VaultAuditTest, ReadingTheAuditLogIsAuditedAndNeedsTheAuditorRole) {
  Caller agent;
  agent.roles.Add(Role::kAgent);
  agent.read_scope = ServiceScope::Everything();
  const uint64_t start = AuditSize();
  EXPECT_EQ(vault_->GetAuditStatus(agent).status().code(), Status::Code::kPermissionDenied);
  auto status = vault_->GetAuditStatus(caller_);
  ASSERT_TRUE(status.ok());
  EXPECT_FALSE(status->checkpoint.empty());
  EXPECT_FALSE(status->genesis_key.empty());
  auto records = vault_->ReadAuditRecords(caller_, 0, 1000);
  ASSERT_TRUE(records.ok());
  EXPECT_EQ(records->front().type, "genesis");
  auto segment = vault_->ReadAuditSegment(caller_, status->segments.front().number);
  ASSERT_TRUE(segment.ok());
  EXPECT_GT(segment->size(), 0u);
  const std::vector<Seen> seen = AccessRecordsSince(start);
  ASSERT_EQ(seen.size(), 4u);
  for (const Seen& s : seen) EXPECT_EQ(s.action, "audit.read");
  EXPECT_EQ(seen[0].outcome, "forbidden");
  EXPECT_EQ(seen[1].outcome, "ok");
}

TEST_F(VaultAuditTest, WhenTheAuditLogCannotBeWrittenNothingHappens) {
  VAULT_SKIP_UNLESS_ROOT_FOR_CHATTR();
  const std::string id = Create();
  Append(id, 1, "before");
  const size_t keys_before = CountWrappedKeys();
  const std::string segment = CurrentSegment();
  ASSERT_EQ(std::system(("chattr +i " + segment).c_str()), 0) << "chattr is needed for this test";
  struct Undo {
    std::string path;
    ~Undo() { (void)std::system(("chattr -i " + path).c_str()); }
  } undo{segment};

  auto read = vault_->GetTranscript(caller_, id);
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), Status::Code::kUnavailable);
  EXPECT_EQ(read.status().reason(), "audit_unavailable");

  NewTranscript req;
  req.service = "helpline";
  auto created = vault_->CreateTranscript(caller_, req);
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.status().reason(), "audit_unavailable");
  EXPECT_EQ(CountWrappedKeys(), keys_before) << "a transcript was created without its record";

  auto closed = vault_->CloseTranscript(caller_, id);
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.status().reason(), "audit_unavailable");

  // After the disk is writable again, a restart resumes; the transcript was
  // never closed and the log verifies.
  ASSERT_EQ(std::system(("chattr -i " + segment).c_str()), 0);
  Reopen();
  auto t = vault_->GetTranscript(caller_, id);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->info.state, TranscriptState::kOpen);
  EXPECT_EQ(t->messages.size(), 1u);

  audit::VerifyOptions options;
  options.pinned_key = vault_->audit_log()->GenesisKey();
  vault_.reset();  // stop record and final checkpoint
  const audit::VerifyReport report =
      audit::VerifyDirectory(dir_.path() + "/data/audit", options);
  EXPECT_TRUE(report.ok) << report.error_code << ": " << report.error;
  EXPECT_GE(report.restarts, 1u);
}

}  // namespace
}  // namespace vault::testing
