// Erasure at the visitor's own request, from the chat (docs/design.md
// section 21): a writer may erase a transcript of its own service with
// reason visitor_request, never without that reason and never another
// service's; the erasure is as final as an admin's (records, wrapped key
// and index entries gone from every live file when the call returns), is
// audited with its reason, and erasures that arrive together share the
// compaction that makes them final.
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "tests/core/vault_fixture.h"
#include "vault/index/visitor_index.h"

namespace vault::testing {
namespace {

namespace json = boost::json;

class VisitorEraseTest : public VaultFixture {
 protected:
  void SetUp() override {
    VaultFixture::SetUp();
    helpline_writer_.roles.Add(Role::kWriter);
    helpline_writer_.write_scope.services = {"helpline"};
    helpline_writer_.read_scope.services = {"helpline"};
    other_writer_.roles.Add(Role::kWriter);
    other_writer_.write_scope.services = {"other"};
    other_writer_.read_scope.services = {"other"};
  }

  // A closed transcript of "helpline" whose visitor has a ref and an email
  // (two index entries) and whose message is in SST files; the message's
  // sealed bytes are returned in `sealed`.
  std::string Chat(const std::string& ref, std::string* sealed) {
    NewTranscript req;
    req.service = "helpline";
    req.visitor.ref = ref;
    req.visitor.email = ref + "@example.org";
    auto c = vault_->CreateTranscript(caller_, req);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    const std::string id = c.ok() ? c->id : "";
    Append(id, 0, "please delete this conversation, " + ref);
    EXPECT_TRUE(vault_->CloseTranscript(caller_, id).ok());
    *sealed = SealedMessage(id);
    return id;
  }

  size_t IndexMatches(const std::string& ref) {
    VisitorIndex index(vault_->keyring(), vault_->store());
    auto found = index.Find({Identifier{IdentifierKind::kRef, ref}}, 100);
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    return found.ok() ? found->size() : 0;
  }

  Caller helpline_writer_;
  Caller other_writer_;
};

TEST_F(VisitorEraseTest, AWriterErasesItsOwnServicesTranscriptOnlyAtTheVisitorsRequest) {
  std::string sealed;
  const std::string id = Chat("visitor-1", &sealed);
  ASSERT_TRUE(vault_->CompactAll().ok());
  ASSERT_TRUE(StoreFilesHold(sealed));
  ASSERT_EQ(IndexMatches("visitor-1"), 1u);

  // Refused, and nothing changed: no reason; another service's writer; a
  // caller who is neither writer nor admin.
  const Status no_reason = vault_->EraseTranscript(helpline_writer_, id, EraseReason::kNone);
  EXPECT_EQ(no_reason.code(), Status::Code::kPermissionDenied);
  EXPECT_EQ(no_reason.reason(), "forbidden");
  const Status other =
      vault_->EraseTranscript(other_writer_, id, EraseReason::kVisitorRequest);
  EXPECT_EQ(other.code(), Status::Code::kPermissionDenied);
  EXPECT_EQ(other.reason(), "service_forbidden");
  Caller agent;
  agent.roles.Add(Role::kAgent);
  agent.read_scope = ServiceScope::Everything();
  EXPECT_EQ(vault_->EraseTranscript(agent, id, EraseReason::kVisitorRequest).reason(),
            "forbidden");
  ASSERT_TRUE(vault_->GetTranscript(caller_, id).ok());
  EXPECT_EQ(IndexMatches("visitor-1"), 1u);

  // At the visitor's request: erased at once, and final.
  const Status erased =
      vault_->EraseTranscript(helpline_writer_, id, EraseReason::kVisitorRequest);
  ASSERT_TRUE(erased.ok()) << erased.ToString();
  EXPECT_EQ(vault_->GetTranscript(caller_, id).status().reason(), "erased");
  EXPECT_FALSE(StoreFilesHold(sealed));
  EXPECT_EQ(IndexMatches("visitor-1"), 0u);
  // A retry (the chat server lost the answer) is the same success.
  EXPECT_TRUE(vault_->EraseTranscript(helpline_writer_, id, EraseReason::kVisitorRequest).ok());

  const std::vector<json::object> records = AuditPayloads("transcript.erase");
  ASSERT_EQ(records.size(), 5u);
  const char* outcomes[] = {"forbidden", "service_forbidden", "forbidden", "ok", "ok"};
  for (size_t i = 0; i < records.size(); ++i) {
    SCOPED_TRACE(i);
    EXPECT_EQ(records[i].at("outcome").as_string(), outcomes[i]);
    EXPECT_EQ(Detail(records[i], "reason"), i == 0 ? "" : "visitor_request");
  }
  EXPECT_EQ(Detail(records[4], "already"), "erased");
}

TEST_F(VisitorEraseTest, OneErasureAfterAnotherIsEachFinalAndAnAdminsStatesNoReasonUnlessGiven) {
  std::string sealed_a, sealed_b, sealed_c;
  const std::string a = Chat("visitor-a", &sealed_a);
  const std::string b = Chat("visitor-b", &sealed_b);
  const std::string c = Chat("visitor-c", &sealed_c);
  ASSERT_TRUE(vault_->CompactAll().ok());
  ASSERT_TRUE(vault_->EraseTranscript(caller_, a, EraseReason::kNone).ok());
  EXPECT_FALSE(StoreFilesHold(sealed_a));
  ASSERT_TRUE(StoreFilesHold(sealed_b));
  ASSERT_TRUE(vault_->EraseTranscript(caller_, b, EraseReason::kVisitorRequest).ok());
  EXPECT_FALSE(StoreFilesHold(sealed_b));  // its own compaction, not the one before
  ASSERT_TRUE(vault_->EraseTranscript(helpline_writer_, c, EraseReason::kVisitorRequest).ok());
  EXPECT_FALSE(StoreFilesHold(sealed_c));
  const std::vector<json::object> records = AuditPayloads("transcript.erase");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(Detail(records[0], "reason"), "");
  EXPECT_EQ(Detail(records[1], "reason"), "visitor_request");
  EXPECT_EQ(Detail(records[2], "reason"), "visitor_request");
}

TEST_F(VisitorEraseTest, ErasuresAtOnceAreEachFinalWhenTheyReturn) {
  // Several chats ending with "delete this conversation" at the same time:
  // each call returns only once a compaction that began after its commit
  // has run, whichever call ran it.
  constexpr int kChats = 6;
  std::vector<std::string> ids(kChats), sealed(kChats);
  for (int i = 0; i < kChats; ++i) ids[i] = Chat("visitor-" + std::to_string(i), &sealed[i]);
  const std::string kept_text = "this one stays";
  const std::string kept = Create();
  Append(kept, 0, kept_text);
  ASSERT_TRUE(vault_->CompactAll().ok());
  for (const std::string& s : sealed) ASSERT_TRUE(StoreFilesHold(s));

  std::vector<Status> results(kChats, Status::OK());
  std::vector<std::thread> threads;
  for (int i = 0; i < kChats; ++i) {
    threads.emplace_back([&, i] {
      results[i] = vault_->EraseTranscript(helpline_writer_, ids[i], EraseReason::kVisitorRequest);
      // Final for this call as it returns, whatever the others are doing.
      if (results[i].ok() && StoreFilesHold(sealed[i])) results[i] = Status::Internal("not final");
    });
  }
  for (std::thread& t : threads) t.join();
  for (int i = 0; i < kChats; ++i) {
    SCOPED_TRACE(i);
    EXPECT_TRUE(results[i].ok()) << results[i].ToString();
    EXPECT_EQ(vault_->GetTranscript(caller_, ids[i]).status().reason(), "erased");
    EXPECT_EQ(IndexMatches("visitor-" + std::to_string(i)), 0u);
  }
  auto read = vault_->GetTranscript(caller_, kept);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_EQ(read->messages.size(), 1u);
  EXPECT_EQ(read->messages[0].text, kept_text);
}

}  // namespace
}  // namespace vault::testing
