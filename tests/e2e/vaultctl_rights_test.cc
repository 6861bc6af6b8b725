// The data-protection lead's vaultctl commands (tools/vaultctl_rights.h)
// against a real vaultd: the register (`rights register|list|show|extend|
// complete|refuse|lift|decide`), the rights carried out on a visitor's
// transcripts (`subject-erase|restrict|object|rectify`, `statement`,
// `subject-access --request`). Each success is checked in the vault itself,
// through the client library: the entry, the transcripts. Usage errors exit
// 2 and send nothing; the vault's refusals exit 1 with its code and message.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "tests/e2e/vaultctl_fixture.h"
#include "tests/support/api_util.h"
#include "tests/support/run_program.h"
#include "vault/client.h"
#include "vault/clock.h"
#include "vault/common/time_format.h"

namespace vault::testing {
namespace {

namespace json = boost::json;

constexpr char kSam[] = "sam@example.org";
constexpr char kAlex[] = "alex@example.org";
constexpr UnixMillis kDay = 86400000;

// The value of the summary line `label` ("request    2ec3..."), or "".
std::string SummaryValue(const std::string& summary, const std::string& label) {
  size_t at = 0;
  while (at < summary.size()) {
    const size_t end = std::min(summary.find('\n', at), summary.size());
    const std::string line = summary.substr(at, end - at);
    if (line.rfind(label + " ", 0) == 0) {
      const size_t value = line.find_first_not_of(' ', label.size());
      return value == std::string::npos ? "" : line.substr(value);
    }
    at = end + 1;
  }
  return "";
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// YYYY-MM-DD of `days` ago (UTC).
std::string DaysAgo(int days) {
  return FormatRfc3339(SystemClock::Default()->NowMillis() - days * kDay).substr(0, 10);
}

class VaultctlRightsTest : public VaultctlTest {
 protected:
  // Runs vaultctl expecting success with nothing on stderr; its stdout.
  std::string CtlOk(std::vector<std::string> args, const std::string& stdin_text = "") {
    const ProgramResult r = Ctl(std::move(args), stdin_text);
    EXPECT_EQ(r.exit_status, 0) << r.err;
    EXPECT_EQ(r.err, "");
    return r.out;
  }

  // `rights register ...`: the new entry's id, from the summary.
  std::string Register(std::vector<std::string> args) {
    args.insert(args.begin(), {"rights", "register"});
    const std::string id = SummaryValue(CtlOk(args), "request");
    EXPECT_EQ(id.size(), 32u) << id;
    return id;
  }

  RightsRequest Entry(const std::string& id) {
    auto entry = client_->GetRightsRequest(id);
    EXPECT_OK(entry);
    return entry.ok() ? *entry : RightsRequest{};
  }

  // A webchat transcript of the visitor with `email`, with message 0.
  std::string VisitorTranscript(const std::string& email, const std::string& name = "Sam") {
    NewTranscript request;
    request.service = "webchat";
    request.visitor.email = email;
    request.visitor.name = name;
    request.visitor.location = "Leeds";
    auto created = client_->CreateTranscript(request);
    EXPECT_OK(created);
    if (!created.ok()) return "";
    EXPECT_OK(client_->AppendMessage(created->id, MakeMessage(0, "hello")));
    return created->id;
  }

  // A 0600 file in the test's directory.
  std::string PrivateFile(const std::string& name, const std::string& contents) {
    const std::string path = daemon_.test_dir() + "/" + name;
    std::ofstream(path) << contents;
    EXPECT_EQ(::chmod(path.c_str(), 0600), 0);
    return path;
  }

  // How transcript `id` reads now: "ok" or the refusal's reason.
  std::string ReadOutcome(const std::string& id) {
    auto t = client_->GetTranscript(id);
    return t.ok() ? "ok" : t.status().reason();
  }
};

TEST_F(VaultctlRightsTest, RegisterShowListExtendAndCompleteAnEntry) {
  const std::string received = DaysAgo(3);
  const std::string out =
      CtlOk({"rights", "register", "erasure", "--received", received, "--service", "webchat"});
  const std::string id = SummaryValue(out, "request");
  ASSERT_EQ(id.size(), 32u) << out;
  EXPECT_EQ(SummaryValue(out, "kind"), "erasure");
  EXPECT_EQ(SummaryValue(out, "state"), "open");
  EXPECT_EQ(SummaryValue(out, "services"), "webchat");
  EXPECT_EQ(SummaryValue(out, "received"), received + "T00:00:00.000Z");

  // What the vault holds.
  RightsRequest entry = Entry(id);
  EXPECT_EQ(entry.kind, RightsKind::kErasure);
  EXPECT_EQ(entry.state, RightsState::kOpen);
  EXPECT_EQ(entry.services, std::vector<std::string>{"webchat"});
  UnixMillis midnight = 0;
  ASSERT_TRUE(ParseRfc3339(received + "T00:00:00Z", &midnight));
  EXPECT_EQ(entry.received_at, midnight);
  const std::string due = FormatRfc3339(entry.due_at - 1).substr(0, 10);
  EXPECT_EQ(SummaryValue(out, "due").substr(0, 10), due) << out;

  // show: the same entry; --raw: exactly the vault's JSON.
  EXPECT_EQ(SummaryValue(CtlOk({"rights", "show", id}), "request"), id);
  auto direct = client_->Request("GET", "/v1/rights-requests/" + id, "", "");
  ASSERT_OK(direct);
  EXPECT_EQ(CtlOk({"--raw", "rights", "show", id}), direct->body);  // as received, newline and all

  const std::string access = Register({"access"});  // received now, every service
  EXPECT_EQ(Entry(access).services, std::vector<std::string>{});
  std::string list = CtlOk({"rights", "list"});
  EXPECT_EQ(list.substr(0, list.find('\n')), "2 open requests, 0 overdue") << list;
  EXPECT_TRUE(Contains(list, id + "  erasure")) << list;
  EXPECT_TRUE(Contains(list, access + "  access")) << list;
  EXPECT_EQ(CtlOk({"rights", "list", "overdue"}), "0 overdue requests\n");
  auto raw_list = client_->Request("GET", "/v1/rights-requests?state=all", "", "");
  ASSERT_OK(raw_list);
  EXPECT_EQ(CtlOk({"--raw", "rights", "list", "all"}), raw_list->body);

  const std::string extended =
      CtlOk({"rights", "extend", id, "--months", "2", "--reason", "complex"});
  EXPECT_TRUE(Contains(SummaryValue(extended, "extended"), "by 2 months (complex)")) << extended;
  const RightsRequest after = Entry(id);
  EXPECT_EQ(after.extension_months, 2u);
  EXPECT_EQ(after.extension_reason, "complex");
  EXPECT_GT(after.due_at, entry.due_at + 58 * kDay);

  const std::string completed = CtlOk({"rights", "complete", id});
  EXPECT_EQ(SummaryValue(completed, "state"), "done");
  EXPECT_EQ(Entry(id).state, RightsState::kDone);
  EXPECT_NE(Entry(id).closed_at, 0);
  list = CtlOk({"rights", "list"});
  EXPECT_EQ(list.substr(0, list.find('\n')), "1 open request, 0 overdue") << list;
  EXPECT_FALSE(Contains(list, id)) << list;
}

TEST_F(VaultctlRightsTest, AnOverdueRequestIsListedAsOverdueAndCanBeRefused) {
  const std::string id = Register({"rectification", "--received", DaysAgo(40)});
  EXPECT_TRUE(Entry(id).overdue);
  const std::string overdue = CtlOk({"rights", "list", "overdue"});
  EXPECT_EQ(overdue.substr(0, overdue.find('\n')), "1 overdue request") << overdue;
  EXPECT_TRUE(Contains(overdue, id + "  rectification  overdue")) << overdue;
  EXPECT_EQ(SummaryValue(CtlOk({"rights", "show", id}), "state"), "open, OVERDUE");

  const std::string refused = CtlOk({"rights", "refuse", id, "--reason", "identity_not_verified"});
  EXPECT_EQ(SummaryValue(refused, "refused"), "identity_not_verified");
  const RightsRequest entry = Entry(id);
  EXPECT_EQ(entry.state, RightsState::kRefused);
  EXPECT_EQ(entry.refusal_reason, "identity_not_verified");
  EXPECT_FALSE(entry.overdue);
  EXPECT_EQ(CtlOk({"rights", "list", "overdue"}), "0 overdue requests\n");
}

TEST_F(VaultctlRightsTest, SubjectEraseCarriesOutARegisteredRequestOrRegistersItsOwn) {
  const std::string first = VisitorTranscript(kSam);
  const std::string second = VisitorTranscript(kSam);
  const std::string other = VisitorTranscript(kAlex);
  const std::string id = Register({"erasure"});
  const std::string ids = PrivateFile("ids.json", std::string(R"({"email": ")") + kSam + "\"}");

  const std::string out = CtlOk({"subject-erase", "--identifiers-file", ids, "--request", id});
  EXPECT_EQ(SummaryValue(out, "request"), id);
  EXPECT_EQ(SummaryValue(out, "searched"), "email");
  EXPECT_EQ(SummaryValue(out, "erased"), "2 transcripts");
  EXPECT_TRUE(Contains(out, "\n  " + first) && Contains(out, "\n  " + second)) << out;
  EXPECT_EQ(SummaryValue(out, "withheld"), "0 transcripts");
  EXPECT_TRUE(Contains(out, "vaultctl rights complete " + id)) << out;
  EXPECT_FALSE(Contains(out, kSam)) << "the summary repeats no identifier";

  EXPECT_EQ(ReadOutcome(first), "erased");
  EXPECT_EQ(ReadOutcome(second), "erased");
  EXPECT_EQ(ReadOutcome(other), "ok");
  RightsRequest entry = Entry(id);
  EXPECT_EQ(entry.state, RightsState::kOpen);  // until completed
  ASSERT_EQ(entry.touched.size(), 2u);
  EXPECT_EQ(entry.touched[0].outcome, "erased");
  EXPECT_EQ(entry.touched[1].outcome, "erased");

  // Without --request: an entry of its own, done at once.
  const std::string own = CtlOk({"subject-erase", "--email", kAlex, "--service", "webchat"});
  const std::string own_id = SummaryValue(own, "request");
  EXPECT_NE(own_id, id);
  EXPECT_TRUE(Contains(own, "registered and completed by this call")) << own;
  EXPECT_EQ(ReadOutcome(other), "erased");
  entry = Entry(own_id);
  EXPECT_EQ(entry.kind, RightsKind::kErasure);
  EXPECT_EQ(entry.state, RightsState::kDone);
  EXPECT_EQ(entry.touched, (std::vector<RightsTouch>{{other, "erased"}}));

  // --raw: the vault's answer, as JSON.
  boost::system::error_code ec;
  const json::value raw = json::parse(CtlOk({"--raw", "subject-erase", "--email", kSam}), ec);
  ASSERT_FALSE(ec);
  EXPECT_EQ(raw.at("erased").as_array().size(), 0u);  // nothing more to erase
}

TEST_F(VaultctlRightsTest, SubjectRestrictKeepsTranscriptsFromEverydayUseUntilLifted) {
  const std::string chat = VisitorTranscript(kSam);
  const std::string id = Register({"restriction", "--service", "webchat"});
  const std::string out = CtlOk({"subject-restrict", "--email", kSam, "--request", id});
  EXPECT_EQ(SummaryValue(out, "restricted"), "1 transcript");
  EXPECT_TRUE(Contains(out, "\n  " + chat)) << out;
  EXPECT_EQ(SummaryValue(out, "services"), "webchat");  // the entry's
  EXPECT_EQ(ReadOutcome(chat), "restricted");
  EXPECT_EQ(Entry(id).touched, (std::vector<RightsTouch>{{chat, "restricted"}}));

  const std::string lifted = CtlOk({"rights", "lift", id, "--reason", "accuracy_verified"});
  EXPECT_TRUE(Contains(SummaryValue(lifted, "lifted"), "(accuracy_verified)")) << lifted;
  EXPECT_TRUE(Contains(lifted, "\n  " + chat + "  lifted")) << lifted;
  EXPECT_EQ(ReadOutcome(chat), "ok");
  const RightsRequest entry = Entry(id);
  EXPECT_EQ(entry.state, RightsState::kDone);
  EXPECT_EQ(entry.lift_reason, "accuracy_verified");
}

TEST_F(VaultctlRightsTest, SubjectObjectRestrictsUntilDecided) {
  const std::string chat = VisitorTranscript(kSam);
  const std::string out = CtlOk({"subject-object", "--email", kSam});
  const std::string id = SummaryValue(out, "request");
  ASSERT_EQ(id.size(), 32u) << out;
  EXPECT_TRUE(Contains(out, "vaultctl rights decide " + id)) << out;
  EXPECT_EQ(ReadOutcome(chat), "restricted");
  EXPECT_EQ(Entry(id).kind, RightsKind::kObjection);
  EXPECT_EQ(Entry(id).state, RightsState::kOpen);

  ProgramResult r = Ctl({"rights", "complete", id});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(Contains(r.err, "vaultctl: decision_required: ")) << r.err;
  r = Ctl({"rights", "decide", id, "--decision", "rejected"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_TRUE(Contains(r.err, "vaultctl: invalid_reason: ")) << r.err;
  EXPECT_EQ(Entry(id).state, RightsState::kOpen);

  const std::string decided = CtlOk({"rights", "decide", id, "--decision", "upheld_erase"});
  EXPECT_EQ(SummaryValue(decided, "decision"), "upheld_erase");
  EXPECT_EQ(ReadOutcome(chat), "erased");
  const RightsRequest entry = Entry(id);
  EXPECT_EQ(entry.state, RightsState::kDone);
  EXPECT_EQ(entry.decision, "upheld_erase");
  EXPECT_EQ(entry.touched, (std::vector<RightsTouch>{{chat, "erased"}}));
}

TEST_F(VaultctlRightsTest, ARejectedObjectionIsLifted) {
  const std::string chat = VisitorTranscript(kSam);
  const std::string id = Register({"objection"});
  CtlOk({"subject-object", "--email", kSam, "--request", id});
  EXPECT_EQ(ReadOutcome(chat), "restricted");
  const std::string decided =
      CtlOk({"rights", "decide", id, "--decision", "rejected", "--reason", "legal_claims"});
  EXPECT_EQ(SummaryValue(decided, "decision"), "rejected (legal_claims)");
  EXPECT_EQ(ReadOutcome(chat), "ok");
  EXPECT_EQ(Entry(id).decision_reason, "legal_claims");
}

TEST_F(VaultctlRightsTest, SubjectRectifyCorrectsTheVisitorsDetails) {
  const std::string chat = VisitorTranscript(kSam);
  const std::string untouched = VisitorTranscript(kAlex, "Alex");
  const std::string id = Register({"rectification"});
  const std::string corrections =
      PrivateFile("corrections.json", R"({"name": "Sam Taylor", "location": null})");
  const std::string out =
      CtlOk({"subject-rectify", "--email", kSam, "--request", id, "--corrections-file", corrections,
             "--set", "email=sam.taylor@example.org", "--remove", "device"});
  EXPECT_EQ(SummaryValue(out, "fields"), "name, location, email, device");
  EXPECT_EQ(SummaryValue(out, "rectified"), "1 transcript");
  EXPECT_FALSE(Contains(out, "Sam Taylor")) << "the summary repeats no value";

  auto t = client_->GetTranscript(chat);
  ASSERT_OK(t);
  EXPECT_EQ(t->visitor.name, std::optional<std::string>("Sam Taylor"));
  EXPECT_FALSE(t->visitor.location.has_value());
  EXPECT_EQ(t->visitor.email, std::optional<std::string>("sam.taylor@example.org"));
  auto other = client_->GetTranscript(untouched);
  ASSERT_OK(other);
  EXPECT_EQ(other->visitor.name, std::optional<std::string>("Alex"));
  EXPECT_EQ(Entry(id).touched, (std::vector<RightsTouch>{{chat, "rectified"}}));

  // The index followed: the new address finds the transcript, the old none.
  SubjectAccessQuery old_address;
  old_address.email = kSam;
  auto found = client_->SubjectAccess(old_address);
  ASSERT_OK(found);
  EXPECT_TRUE(found->items.empty());
  SubjectAccessQuery new_address;
  new_address.email = "sam.taylor@example.org";
  found = client_->SubjectAccess(new_address);
  ASSERT_OK(found);
  ASSERT_EQ(found->items.size(), 1u);
  EXPECT_EQ(found->items[0].id, chat);
}

TEST_F(VaultctlRightsTest, StatementAttachesASupplementaryStatementToAMessage) {
  const std::string chat = VisitorTranscript(kSam);
  const std::string text = "The visitor states that the address they gave was a former one.\n";
  const std::string out = CtlOk({"statement", chat, "--seq", "0", "--text", "-"}, text);
  EXPECT_EQ(SummaryValue(out, "transcript"), chat);
  EXPECT_EQ(SummaryValue(out, "message"), "0");
  EXPECT_TRUE(Contains(out, "registered and completed by this call")) << out;
  const std::string id = SummaryValue(out, "request");

  auto t = client_->GetTranscript(chat);
  ASSERT_OK(t);
  ASSERT_EQ(t->messages.size(), 1u);
  ASSERT_EQ(t->messages[0].statements.size(), 1u);
  EXPECT_EQ(t->messages[0].statements[0].text, text);
  EXPECT_EQ(t->messages[0].text, "hello");  // the record of what was said is kept
  const RightsRequest entry = Entry(id);
  EXPECT_EQ(entry.kind, RightsKind::kRectification);
  EXPECT_EQ(entry.state, RightsState::kDone);

  // For a registered request: attached, and the entry stays open.
  const std::string registered = Register({"rectification"});
  const std::string again =
      CtlOk({"statement", chat, "--seq", "0", "--text", "A second.", "--request", registered});
  EXPECT_EQ(SummaryValue(again, "request"), registered);
  t = client_->GetTranscript(chat);
  ASSERT_OK(t);
  EXPECT_EQ(t->messages[0].statements.size(), 2u);
  EXPECT_EQ(Entry(registered).state, RightsState::kOpen);
}

TEST_F(VaultctlRightsTest, SubjectAccessAnswersARegisteredRequest) {
  const std::string chat = VisitorTranscript(kSam);
  const std::string id = Register({"access"});
  const std::string dir = daemon_.test_dir() + "/answer";
  const ProgramResult r = Ctl({"subject-access", "--out", dir, "--email", kSam, "--request", id});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_TRUE(Contains(r.err, "vaultctl: done: " + dir)) << r.err;  // progress on stderr
  boost::system::error_code ec;
  const json::value summary = json::parse(r.out, ec);
  ASSERT_FALSE(ec) << r.out;
  EXPECT_EQ(summary.at("request").as_string(), id.c_str());
  EXPECT_EQ(summary.at("transcripts").as_int64(), 1);
  EXPECT_TRUE(std::filesystem::exists(dir + "/subject-access.json"));
  const RightsRequest entry = Entry(id);
  EXPECT_EQ(entry.state, RightsState::kOpen);  // completed when the answer is sent
  EXPECT_EQ(entry.touched, (std::vector<RightsTouch>{{chat, "disclosed"}}));
}

TEST_F(VaultctlRightsTest, UsageErrorsExitTwoAndSendNothing) {
  const std::string chat = VisitorTranscript(kSam);
  // Registered on the scrapes' own connection: vaultd counts a request just
  // after writing its answer, so one from a vaultctl that has already exited
  // could still be counted after the first scrape.
  RightsRegistration registration;
  registration.kind = RightsKind::kRestriction;
  auto registered = client_->RegisterRightsRequest(registration);
  ASSERT_OK(registered);
  const std::string id = registered->id;
  const double before = RequestsSoFar();
  const std::string no_such_file = daemon_.test_dir() + "/missing.json";
  const std::string bad_json = PrivateFile("bad.json", R"({"name": 7})");
  const std::vector<std::vector<std::string>> bad = {
      {"rights"},                                                   // no subcommand
      {"rights", "frobnicate"},                                     // unknown subcommand
      {"rights", "register"},                                       // no kind
      {"rights", "register", "complaint"},                          // unknown kind
      {"rights", "register", "access", "--received", "yesterday"},  // not a date
      {"rights", "register", "access", "--months", "1"},            // option of another
      {"rights", "list", "pending"},                                // unknown listing
      {"rights", "list", "open", "all"},                            // one listing at most
      {"rights", "show"},                                           // no id
      {"rights", "show", "not-an-id"},                              // malformed id
      {"rights", "show", std::string(32, 'A')},                     // uppercase
      {"rights", "extend", id, "--months", "2"},                    // --reason missing
      {"rights", "extend", id, "--months", "two", "--reason", "complex"},
      {"rights", "complete", id, "--reason", "done"},               // takes no reason
      {"rights", "refuse", id},                                     // --reason missing
      {"rights", "decide", id},                                     // --decision missing
      {"rights", "lift", id, id, "--reason", "visitor_withdrew"},   // one id
      {"subject-erase"},                                            // no identifier
      {"subject-erase", "--email", kSam, "extra"},                  // stray argument
      {"subject-erase", "--email", kSam, "--request", "nope"},      // malformed id
      {"subject-restrict", "--email", kSam, "--out", "/tmp/x"},     // subject-access's
      {"subject-object", "--identifiers-file", no_such_file},       // unreadable file
      {"subject-rectify", "--email", kSam},                         // no correction
      {"subject-rectify", "--email", kSam, "--set", "colour=red"},  // not a field
      {"subject-rectify", "--email", kSam, "--set", "name"},        // no '='
      {"subject-rectify", "--email", kSam, "--set", "name=A", "--remove", "name"},
      {"subject-rectify", "--email", kSam, "--corrections-file", bad_json},
      {"subject-rectify", "--email", kSam, "--corrections-file", no_such_file},
      {"statement", chat, "--seq", "0"},  // --text missing
      {"statement", "not-an-id", "--seq", "0", "--text", "x"},
      {"statement", chat, "--seq", "-1", "--text", "x"},
      {"statement", chat, "--seq", "0", "--text", "x", "--email", kSam},
      {"subject-access", "--out", daemon_.test_dir() + "/a", "--email", kSam, "--request", "x"},
  };
  for (const std::vector<std::string>& args : bad) {
    const ProgramResult r = Ctl(args);
    std::string shown;
    for (const std::string& a : args) shown += a + " ";
    EXPECT_EQ(r.exit_status, 2) << shown << r.err;
    EXPECT_EQ(r.out, "") << shown;
    EXPECT_EQ(r.err.rfind("vaultctl: ", 0), 0u) << shown << r.err;
  }
  // Only the scrape itself reached the server; nothing changed.
  EXPECT_EQ(RequestsSoFar() - before, 1.0);
  EXPECT_EQ(ReadOutcome(chat), "ok");
  EXPECT_EQ(Entry(id).state, RightsState::kOpen);
  EXPECT_FALSE(std::filesystem::exists(daemon_.test_dir() + "/a"));
}

TEST_F(VaultctlRightsTest, RefusalsExitOneWithTheVaultsCodeAndChangeNothing) {
  const std::string chat = VisitorTranscript(kSam);
  const std::string erasure = Register({"erasure"});
  const std::string access = Register({"access"});
  const struct {
    std::vector<std::string> args;
    const char* code;
  } refused[] = {
      {{"rights", "show", std::string(32, '0')}, "unknown_request"},
      {{"rights", "register", "access", "--received", "2020-01-01"}, "invalid_received_at"},
      {{"rights", "register", "access", "--service", "has space"}, "invalid_service"},
      {{"rights", "extend", erasure, "--months", "3", "--reason", "complex"}, "invalid_months"},
      {{"rights", "extend", erasure, "--months", "1", "--reason", "busy"}, "invalid_reason"},
      {{"rights", "refuse", erasure, "--reason", "bored"}, "invalid_reason"},
      {{"rights", "lift", erasure, "--reason", "accuracy_verified"}, "wrong_kind"},
      {{"rights", "decide", erasure, "--decision", "upheld_erase"}, "wrong_kind"},
      {{"subject-erase", "--email", kSam, "--request", access}, "wrong_kind"},
      {{"subject-erase", "--email", "not an address"}, "invalid_email"},
      {{"subject-restrict", "--email", kSam, "--request", std::string(32, '0')}, "unknown_request"},
      {{"subject-rectify", "--email", kSam, "--set", "email=not an address"}, "invalid_email"},
      {{"statement", chat, "--seq", "9", "--text", "x"}, "no_such_message"},
      {{"statement", std::string(32, '0'), "--seq", "0", "--text", "x"}, "not_found"},
  };
  for (const auto& [args, code] : refused) {
    const ProgramResult r = Ctl(args);
    std::string shown;
    for (const std::string& a : args) shown += a + " ";
    EXPECT_EQ(r.exit_status, 1) << shown << r.err;
    EXPECT_EQ(r.out, "") << shown;
    EXPECT_EQ(r.err.rfind(std::string("vaultctl: ") + code + ": ", 0), 0u) << shown << r.err;
  }
  // --raw does not change how a refusal is shown.
  const ProgramResult raw = Ctl({"--raw", "rights", "show", std::string(32, '0')});
  EXPECT_EQ(raw.exit_status, 1);
  EXPECT_EQ(raw.err, "vaultctl: unknown_request: no rights request with this id\n");

  const ProgramResult twice =
      Ctl({"rights", "extend", erasure, "--months", "1", "--reason", "numerous"});
  EXPECT_EQ(twice.exit_status, 0) << twice.err;
  const ProgramResult again =
      Ctl({"rights", "extend", erasure, "--months", "1", "--reason", "numerous"});
  EXPECT_EQ(again.exit_status, 1);
  EXPECT_EQ(again.err.rfind("vaultctl: already_extended: ", 0), 0u) << again.err;

  // Nothing was erased, restricted or corrected; the entries are as they were.
  EXPECT_EQ(ReadOutcome(chat), "ok");
  auto t = client_->GetTranscript(chat);
  ASSERT_OK(t);
  EXPECT_EQ(t->visitor.email, std::optional<std::string>(kSam));
  EXPECT_TRUE(t->messages[0].statements.empty());
  EXPECT_EQ(Entry(erasure).state, RightsState::kOpen);
  EXPECT_TRUE(Entry(erasure).touched.empty());
  EXPECT_EQ(Entry(access).state, RightsState::kOpen);
  auto all = client_->ListRightsRequests(RightsListing::kAll);
  ASSERT_OK(all);
  EXPECT_EQ(all->size(), 2u);  // the refused registrations registered nothing
}

TEST(VaultctlRightsHelpTest, HelpListsTheDataProtectionCommands) {
  const ProgramResult r = RunProgram(VAULTCTL_PATH, {"--help"});
  EXPECT_EQ(r.exit_status, 0);
  for (const char* word :
       {"rights register KIND", "rights list [open|overdue|all]", "rights show ID",
        "rights extend ID", "rights complete ID", "rights refuse ID", "rights lift ID",
        "rights decide ID", "subject-erase", "subject-restrict", "subject-object",
        "subject-rectify", "statement TRANSCRIPT", "--request", "--identifiers-file",
        "--corrections-file"}) {
    EXPECT_NE(r.out.find(word), std::string::npos) << word << "\n" << r.out;
  }
}

// A dpo granted one service: vaultctl acts with the caller's grants.
class VaultctlOneServiceDpoTest : public VaultctlTest {
 protected:
  VaultctlOneServiceDpoTest()
      : VaultctlTest({"--access.writer", "user:" + std::to_string(::getuid()), "--access.dpo",
                      "user:" + std::to_string(::getuid()) + " services=webchat"}) {}
};

TEST_F(VaultctlOneServiceDpoTest, RegistersForItsServiceOnly) {
  const ProgramResult ok = Ctl({"rights", "register", "access"});
  EXPECT_EQ(ok.exit_status, 0) << ok.err;
  EXPECT_EQ(SummaryValue(ok.out, "services"), "webchat");  // every service it answers for
  const ProgramResult r = Ctl({"rights", "register", "access", "--service", "textline"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_EQ(r.err.rfind("vaultctl: service_forbidden: ", 0), 0u) << r.err;
  // Not an auditor: the list is the dpo's, and holds only the one.
  const ProgramResult list = Ctl({"rights", "list", "all"});
  EXPECT_EQ(list.exit_status, 0) << list.err;
  EXPECT_EQ(list.out.substr(0, list.out.find('\n')), "1 request, 0 overdue") << list.out;
}

}  // namespace
}  // namespace vault::testing
