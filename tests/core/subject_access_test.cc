// Subject access requests on a real store with a manual clock: what a dpo
// is given for a visitor's identifiers, what is withheld, what is refused,
// and what the audit log says about it.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "tests/core/visitor_fixture.h"

namespace vault::testing {
namespace {

class SubjectAccessTest : public VisitorFixture {
 protected:
  void SetUp() override {
    privacy_.controller = "Example Helpline, dpo@example.org";
    privacy_.purposes = {"Dealing with your enquiry", "Quality monitoring"};
    privacy_.legal_basis = {"Legitimate interests"};
    privacy_.recipients = {"The helpline's agents"};
    VisitorFixture::SetUp();
  }
  // A visitor named Sam (the name is never indexed, and must never reach
  // the audit log either) with these identifiers.
  static Visitor V(const char* ref, const char* email = nullptr, const char* phone = nullptr,
                   const char* ip = nullptr) {
    Visitor v = VisitorFixture::V(ref, email, phone, ip);
    v.name = "Sam";
    return v;
  }
  static std::vector<std::string> Ids(const SubjectAccessAnswer& a) {
    std::vector<std::string> ids;
    for (const auto& item : a.items) ids.push_back(item.id);
    return ids;
  }
  static const SubjectAccessItem* Item(const SubjectAccessAnswer& a, const std::string& id) {
    for (const auto& item : a.items) {
      if (item.id == id) return &item;
    }
    return nullptr;
  }
  // Every byte of the audit log's access records, to search for identifiers.
  std::string AllAuditPayloads() {
    std::string out;
    auto records = vault_->audit_log()->Read(0, 100000);
    EXPECT_TRUE(records.ok());
    for (const auto& r : *records) out += r.record.payload + "\n";
    return out;
  }
};

TEST_F(SubjectAccessTest, AnswersEveryMatchingTranscriptWithItsAccessesAndTheStatement) {
  ASSERT_TRUE(OpenCase("alice", "CASE-1").ok());
  // Sam: two helpline chats (ref; email), one textline chat (phone), one
  // held chat (ref). Alex shares nothing but a router with Sam.
  const std::string a = Open("helpline", V("sam-1", nullptr, nullptr, "192.0.2.7"));
  Append(a, 1, "first chat");
  ASSERT_TRUE(vault_->CloseTranscript(caller_, a).ok());
  clock_.Advance(10);
  const std::string held = Open("helpline", V("sam-1"));
  ASSERT_TRUE(vault_->CloseTranscript(caller_, held).ok());
  clock_.Advance(10);
  const std::string b = Open("helpline", V(nullptr, " Sam@Example.org"));
  clock_.Advance(10);
  const std::string c = Open("textline", V(nullptr, nullptr, "+44 7700 900123"));
  const std::string alex = Open("helpline", V("alex-9", nullptr, nullptr, "192.0.2.7"));
  clock_.Advance(10);
  ASSERT_TRUE(Hold("alice", "CASE-1", held).ok());
  ASSERT_TRUE(vault_->GetTranscript(Agent("helpline"), a).ok());  // shared with an agent

  auto answer = vault_->SubjectAccess(
      Dpo(), Q("sam-1", "sam@example.org", "+447700900123"));
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  // Newest first; the held one by its hold time (after c was opened).
  EXPECT_EQ(Ids(*answer), (std::vector<std::string>{held, c, b, a}));
  EXPECT_EQ(answer->searched, (std::vector<std::string>{"ref", "email", "phone"}));
  EXPECT_TRUE(answer->services.empty());  // every service

  const SubjectAccessItem* first = Item(*answer, a);
  ASSERT_NE(first, nullptr);
  EXPECT_FALSE(first->withheld);
  EXPECT_EQ(first->matched, std::vector<std::string>{"ref"});
  EXPECT_EQ(first->transcript.info.service, "helpline");
  ASSERT_EQ(first->transcript.messages.size(), 1u);
  EXPECT_EQ(first->transcript.messages[0].text, "first chat");
  EXPECT_EQ(first->transcript.visitor.ip, "192.0.2.7");
  EXPECT_EQ(first->transcript.info.expires_at, first->transcript.info.closed_at + kRetention);
  // Who it was shared with: opened and closed by the chat server, read by an
  // agent, and read for this request; oldest first.
  std::vector<std::string> actions;
  for (const RecordedAccess& r : first->accesses) actions.push_back(r.action + "/" + r.role);
  ASSERT_GE(first->accesses.size(), 4u);
  EXPECT_EQ(first->accesses[0].action, "transcript.open");
  EXPECT_NE(std::find(actions.begin(), actions.end(), "transcript.close/" + caller_.roles.ToString()),
            actions.end());
  const auto agent_read = std::find_if(first->accesses.begin(), first->accesses.end(),
                                       [](const RecordedAccess& r) { return r.uid == 1001; });
  ASSERT_NE(agent_read, first->accesses.end());
  EXPECT_EQ(agent_read->action, "transcript.read");
  EXPECT_EQ(agent_read->role, "agent");
  EXPECT_EQ(agent_read->outcome, "ok");
  EXPECT_EQ(agent_read->purpose, "");
  EXPECT_EQ(first->accesses.back().uid, 1005u);
  EXPECT_EQ(first->accesses.back().purpose, "subject_access");
  for (size_t i = 1; i < first->accesses.size(); ++i) {
    EXPECT_LT(first->accesses[i - 1].seq, first->accesses[i].seq);
  }

  const SubjectAccessItem* by_email = Item(*answer, b);
  ASSERT_NE(by_email, nullptr);
  EXPECT_EQ(by_email->matched, std::vector<std::string>{"email"});
  EXPECT_EQ(by_email->transcript.info.state, TranscriptState::kOpen);
  EXPECT_EQ(Item(*answer, c)->matched, std::vector<std::string>{"phone"});
  EXPECT_EQ(Item(*answer, c)->transcript.info.service, "textline");

  // Held: listed as withheld, nothing from inside it.
  const SubjectAccessItem* withheld = Item(*answer, held);
  ASSERT_NE(withheld, nullptr);
  EXPECT_TRUE(withheld->withheld);
  EXPECT_GT(withheld->held_at, 0);
  EXPECT_TRUE(withheld->transcript.messages.empty());
  EXPECT_TRUE(withheld->transcript.info.service.empty());
  EXPECT_TRUE(withheld->accesses.empty());

  // The statement from the configuration, and the retention said from it.
  EXPECT_EQ(answer->statement.controller, "Example Helpline, dpo@example.org");
  EXPECT_EQ(answer->statement.purposes.size(), 2u);
  EXPECT_EQ(answer->statement.legal_basis, std::vector<std::string>{"Legitimate interests"});
  EXPECT_NE(answer->statement.retention.find("30 seconds"), std::string::npos)
      << answer->statement.retention;

  // Audited: one read per disclosed transcript, then the request.
  auto reads = AuditPayloads("transcript.read");
  size_t for_sar = 0;
  for (const auto& r : reads) {
    if (Detail(r, "purpose") != "subject_access") continue;
    ++for_sar;
    // Each read names the register entry it answers.
    EXPECT_EQ(Detail(r, "request"), answer->request);
  }
  EXPECT_EQ(for_sar, 3u);
  EXPECT_EQ(answer->request.size(), 32u);
  auto requests = AuditPayloads("subject.access");
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].at("outcome").as_string(), "ok");
  EXPECT_EQ(Detail(requests[0], "disclosed"), "3");
  EXPECT_EQ(Detail(requests[0], "withheld"), "1");
  EXPECT_EQ(Detail(requests[0], "searched"), "ref,email,phone");
  EXPECT_GT(answer->audit_seq, 0u);
  EXPECT_TRUE(alex.size() == 32);
}

TEST_F(SubjectAccessTest, AnIpAddressFindsEveryoneBehindItAndSaysSo) {
  const std::string sam = Open("helpline", V("sam-1", nullptr, nullptr, "::ffff:192.0.2.7"));
  const std::string alex = Open("helpline", V("alex-9", nullptr, nullptr, "192.0.2.7"));
  Open("helpline", V("kim-2", nullptr, nullptr, "192.0.2.8"));
  auto answer = vault_->SubjectAccess(Dpo(), Q(std::nullopt, std::nullopt, std::nullopt, "192.0.2.7"));
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  std::vector<std::string> ids = Ids(*answer);
  std::sort(ids.begin(), ids.end());
  std::vector<std::string> want = {sam, alex};
  std::sort(want.begin(), want.end());
  EXPECT_EQ(ids, want);
  for (const auto& item : answer->items) EXPECT_EQ(item.matched, std::vector<std::string>{"ip"});
}

TEST_F(SubjectAccessTest, KeepsToTheServicesTheDpoAnswersFor) {
  const std::string help = Open("helpline", V("sam-1"));
  const std::string text = Open("textline", V("sam-1"));
  auto scoped = vault_->SubjectAccess(Dpo({"helpline"}), Q("sam-1"));
  ASSERT_TRUE(scoped.ok()) << scoped.status().ToString();
  EXPECT_EQ(Ids(*scoped), std::vector<std::string>{help});
  EXPECT_EQ(scoped->services, std::vector<std::string>{"helpline"});

  // A dpo of every service may narrow the search.
  SubjectAccessQuery q = Q("sam-1");
  q.services = {"textline"};
  auto narrowed = vault_->SubjectAccess(Dpo(), q);
  ASSERT_TRUE(narrowed.ok());
  EXPECT_EQ(Ids(*narrowed), std::vector<std::string>{text});

  // Naming a service not granted is refused, not silently ignored.
  auto refused = vault_->SubjectAccess(Dpo({"helpline"}), q);
  EXPECT_EQ(refused.status().code(), Status::Code::kPermissionDenied);
  EXPECT_EQ(refused.status().reason(), "service_forbidden");
  q.services = {"not a service!"};
  EXPECT_EQ(vault_->SubjectAccess(Dpo(), q).status().reason(), "invalid_service");
}

TEST_F(SubjectAccessTest, BadInputAndOtherRolesAreRefusedChangeNothingAndAreAudited) {
  const std::string id = Open("helpline", V("sam-1", "sam@example.org", "+447700900123",
                                            "192.0.2.7"));
  const size_t reads_before = AuditPayloads("transcript.read").size();
  struct Case {
    Caller caller;
    SubjectAccessQuery query;
    const char* reason;
  };
  Caller agent = Agent("helpline");
  Caller admin;
  admin.roles.Add(Role::kAdmin);
  Caller officer;
  officer.roles.Add(Role::kOfficer);
  Caller nobody;
  const std::vector<Case> cases = {
      {Dpo(), Q(std::nullopt), "no_identifier"},
      {Dpo(), Q(std::nullopt, "not-an-address"), "invalid_email"},
      {Dpo(), Q(std::nullopt, ""), "invalid_email"},
      {Dpo(), Q(std::nullopt, std::nullopt, "call me"), "invalid_phone"},
      {Dpo(), Q(std::nullopt, std::nullopt, std::nullopt, "192.0.2.300"), "invalid_ip"},
      {Dpo(), Q(std::string(300, 'r')), "invalid_ref"},
      {Dpo(), Q("sam-1", "bad@"), "invalid_email"},  // one bad identifier spoils the request
      {agent, Q("sam-1"), "forbidden"},
      {admin, Q("sam-1"), "forbidden"},
      {officer, Q("sam-1"), "forbidden"},
      {nobody, Q("sam-1"), "forbidden"},
  };
  for (const Case& c : cases) {
    auto answer = vault_->SubjectAccess(c.caller, c.query);
    ASSERT_FALSE(answer.ok()) << c.reason;
    EXPECT_EQ(answer.status().reason(), c.reason);
  }
  // Each refusal is one subject.access record with its reason; nothing was read.
  auto records = AuditPayloads("subject.access");
  ASSERT_EQ(records.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    EXPECT_EQ(records[i].at("outcome").as_string(), cases[i].reason);
  }
  EXPECT_EQ(AuditPayloads("transcript.read").size(), reads_before);
  // No identifier in any audit record, refused or not.
  ASSERT_TRUE(vault_->SubjectAccess(Dpo(), Q("sam-1", "sam@example.org")).ok());
  const std::string log = AllAuditPayloads();
  for (const char* secret : {"sam-1", "sam@example.org", "447700900123", "192.0.2.7", "Sam"}) {
    EXPECT_EQ(log.find(secret), std::string::npos) << secret;
  }
  EXPECT_EQ(id.size(), 32u);
}

// An open repeated with the same Idempotency-Key is an access of its own
// (the id was given out again), marked so that the visitor's copy does not
// read as a second chat.
TEST_F(SubjectAccessTest, AnOpenRepeatedWithItsIdempotencyKeyIsListedAsSuch) {
  NewTranscript request;
  request.service = "helpline";
  request.visitor = V("sam-1");
  request.idempotency_key = "chat-41";
  auto first = vault_->CreateTranscript(caller_, request);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto again = vault_->CreateTranscript(caller_, request);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->id, first->id);
  auto answer = vault_->SubjectAccess(Dpo(), Q("sam-1"));
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  ASSERT_EQ(Ids(*answer), std::vector<std::string>{first->id});
  std::vector<std::string> seen;
  for (const RecordedAccess& r : answer->items[0].accesses) seen.push_back(r.action + "/" + r.purpose);
  EXPECT_EQ(seen, (std::vector<std::string>{"transcript.open/", "transcript.open/repeated_open",
                                            "transcript.read/subject_access"}));
}

TEST_F(SubjectAccessTest, NothingFoundIsACompleteAnswer) {
  Open("helpline", V("sam-1"));
  auto answer = vault_->SubjectAccess(Dpo(), Q("nobody-here", "nobody@example.org"));
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_TRUE(answer->items.empty());
  EXPECT_EQ(answer->statement.controller, "Example Helpline, dpo@example.org");
  auto records = AuditPayloads("subject.access");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(Detail(records[0], "disclosed"), "0");
}

TEST_F(SubjectAccessTest, ExpiredAndErasedTranscriptsAreNoLongerFound) {
  const std::string expired = Open("helpline", V("sam-1"));
  ASSERT_TRUE(vault_->CloseTranscript(caller_, expired).ok());
  const std::string erased = Open("helpline", V("sam-1"));
  Status erase = vault_->EraseTranscript(caller_, erased, EraseReason::kNone);
  ASSERT_TRUE(erase.ok()) << erase.ToString();
  auto before = vault_->SubjectAccess(Dpo(), Q("sam-1"));
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(Ids(*before), std::vector<std::string>{expired});
  clock_.Advance(kRetention + 3 * kEpoch);
  const std::string live = Open("helpline", V("sam-1"));
  Status run = vault_->RunRetention();
  ASSERT_TRUE(run.ok()) << run.ToString();
  auto answer = vault_->SubjectAccess(Dpo(), Q("sam-1"));
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(Ids(*answer), std::vector<std::string>{live});
}

}  // namespace
}  // namespace vault::testing
