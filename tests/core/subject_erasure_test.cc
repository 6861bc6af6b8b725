// Erasure of everything about a visitor (Vault::SubjectErasure; docs/api.md
// section 2.5.3): every transcript a subject access request would disclose
// is erased at once, as an admin's erasure is; held ones are kept and listed
// as withheld; other services' transcripts and other visitors' are
// untouched; a repeat is the same success; refusals change nothing; the
// audit log records each erasure and the request, never an identifier.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "tests/core/visitor_fixture.h"

namespace vault::testing {
namespace {

class SubjectErasureTest : public VisitorFixture {
 protected:
  static std::vector<std::string> Sorted(std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  }
  std::string Gone(const std::string& id) {
    return vault_->GetTranscript(caller_, id).status().reason();
  }
};

TEST_F(SubjectErasureTest, ErasesEveryMatchInTheDposServicesKeepsHeldOnesAndTouchesNothingElse) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  // Sam: two helpline chats (ref; email, one still open), one held helpline
  // chat, one textline chat (phone). Alex shares Sam's router only.
  const std::string a = Open("helpline", V("sam-1", nullptr, nullptr, "192.0.2.7"));
  Append(a, 1, "first chat");
  ASSERT_TRUE(vault_->CloseTranscript(caller_, a).ok());
  const std::string b = Open("helpline", V(nullptr, "sam@example.org"));
  Append(b, 1, "second chat, still open");
  const std::string held = Open("helpline", V("sam-1"));
  ASSERT_TRUE(vault_->CloseTranscript(caller_, held).ok());
  ASSERT_TRUE(Hold("alice", "CASE-1", held).ok());
  const std::string c = Open("textline", V(nullptr, nullptr, "+447700900123"));
  Append(c, 1, "textline chat");
  const std::string alex = Open("helpline", V("alex-9", nullptr, nullptr, "192.0.2.7"));
  Append(alex, 1, "alex's chat");
  const std::string sealed_a = SealedMessage(a);
  const std::string sealed_b = SealedMessage(b);
  ASSERT_TRUE(vault_->CompactAll().ok());
  ASSERT_TRUE(StoreFilesHold(sealed_a));

  // A dpo for the helpline only: the textline chat is not theirs to erase.
  auto answer = vault_->SubjectErasure(Dpo({"helpline"}),
                                       Q("sam-1", " Sam@Example.org", "+44 7700 900123"));
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->erased, Sorted({a, b}));
  EXPECT_EQ(answer->withheld, std::vector<std::string>{held});
  EXPECT_EQ(answer->searched, (std::vector<std::string>{"ref", "email", "phone"}));
  EXPECT_EQ(answer->services, std::vector<std::string>{"helpline"});
  EXPECT_EQ(Gone(a), "erased");
  EXPECT_EQ(Gone(b), "erased");
  EXPECT_EQ(Gone(held), "legal_hold");  // kept, still held
  EXPECT_TRUE(vault_->GetTranscript(caller_, c).ok());
  EXPECT_TRUE(vault_->GetTranscript(caller_, alex).ok());
  // Final in the live data directory when the answer comes.
  EXPECT_FALSE(StoreFilesHold(sealed_a));
  EXPECT_FALSE(StoreFilesHold(sealed_b));

  // The same request again: nothing more to erase, the same held one kept.
  auto again = vault_->SubjectErasure(Dpo({"helpline"}),
                                      Q("sam-1", "sam@example.org", "+447700900123"));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->erased.empty());
  EXPECT_EQ(again->withheld, std::vector<std::string>{held});
  // A subject access request now finds only what is left.
  auto access = vault_->SubjectAccess(Dpo(), Q("sam-1", "sam@example.org", "+447700900123"));
  ASSERT_TRUE(access.ok());
  std::vector<std::string> left;
  for (const SubjectAccessItem& item : access->items) left.push_back(item.id);
  EXPECT_EQ(Sorted(left), Sorted({held, c}));

  // The audit log: one transcript.erase per erasure, for this purpose, then
  // the request with kinds and counts; no identifier anywhere.
  const auto erasures = AuditPayloads("transcript.erase");
  ASSERT_EQ(erasures.size(), 2u);
  for (const auto& r : erasures) {
    EXPECT_EQ(r.at("outcome").as_string(), "ok");
    EXPECT_EQ(Detail(r, "purpose"), "subject_erasure");
  }
  const auto requests = AuditPayloads("subject.erasure");
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(Detail(requests[0], "searched"), "ref,email,phone");
  EXPECT_EQ(Detail(requests[0], "erased"), "2");
  EXPECT_EQ(Detail(requests[0], "withheld"), "1");
  EXPECT_EQ(Detail(requests[1], "erased"), "0");
  EXPECT_GT(answer->audit_seq, 0u);
  auto records = vault_->audit_log()->Read(0, 100000);
  ASSERT_TRUE(records.ok());
  for (const auto& r : *records) {
    for (const char* secret : {"sam-1", "sam@example.org", "7700900123", "192.0.2.7"}) {
      EXPECT_EQ(r.record.payload.find(secret), std::string::npos) << r.record.payload;
    }
  }
}

TEST_F(SubjectErasureTest, RefusalsAndBadInputChangeNothingAndAreAudited) {
  const std::string a = Open("helpline", V("sam-1"));
  Caller agent;
  agent.roles.Add(Role::kAgent);
  agent.read_scope = ServiceScope::Everything();
  Caller admin;
  admin.roles.Add(Role::kAdmin);
  struct Case {
    Caller who;
    SubjectAccessQuery query;
    const char* reason;
  };
  SubjectAccessQuery other_service = Q("sam-1");
  other_service.services = {"textline"};
  const Case cases[] = {
      {agent, Q("sam-1"), "forbidden"},
      {admin, Q("sam-1"), "forbidden"},
      {Dpo(), Q(std::nullopt), "no_identifier"},
      {Dpo(), Q(std::nullopt, "not an email"), "invalid_email"},
      {Dpo(), Q(std::nullopt, std::nullopt, "call me"), "invalid_phone"},
      {Dpo({"helpline"}), other_service, "service_forbidden"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.reason);
    auto answer = vault_->SubjectErasure(c.who, c.query);
    EXPECT_FALSE(answer.ok());
    EXPECT_EQ(answer.status().reason(), c.reason);
    EXPECT_TRUE(vault_->GetTranscript(caller_, a).ok());
  }
  const auto requests = AuditPayloads("subject.erasure");
  ASSERT_EQ(requests.size(), std::size(cases));
  for (size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(requests[i].at("outcome").as_string(), cases[i].reason);
  }
  EXPECT_TRUE(AuditPayloads("transcript.erase").empty());
}

}  // namespace
}  // namespace vault::testing
