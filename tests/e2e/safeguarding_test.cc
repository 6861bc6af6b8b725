// Legal hold end to end: the real vault-officer and vaultctl binaries
// against a real vaultd. Officers create their identities, an admin enrols
// them, one opens a case and holds a transcript, two unseal it and get the
// JSON and paper exports, and two release the case. Officers leave and join:
// the warnings (metrics, `vaultctl officers`), a revocation that would strand
// a case refused unless forced, and a reshare with `vault-officer reshare`.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/daemon_fixture.h"
#include "tests/support/run_program.h"
#include "vault/client.h"

namespace vault::testing {
namespace {

namespace json = boost::json;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

class SafeguardingE2eTest : public DaemonTest {
 protected:
  // Requests may wait at most 2 hours for their second approval.
  SafeguardingE2eTest() : DaemonTest({"--max-request-age", "2h"}) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DaemonTest::SetUp());
    dir_ = daemon_.test_dir();
    std::ofstream(dir_ + "/pass") << "correct horse battery staple\n";
    for (const char* name : {"alice", "bob", "carol"}) {
      const std::string identity = Identity(name);
      ProgramResult r = Officer({"init", "--identity", identity, "--kdf", "interactive",
                                 "--passphrase-file", dir_ + "/pass"});
      ASSERT_EQ(r.exit_status, 0) << r.err;
      EXPECT_NE(r.err.find("WARNING: --kdf interactive"), std::string::npos)
          << "a cheap KDF is said loudly: " << r.err;
      const size_t at = r.out.find("key: ");
      ASSERT_NE(at, std::string::npos) << r.out;
      const std::string key = r.out.substr(at + 5, r.out.find('\n', at) - at - 5);
      struct stat st {};
      ASSERT_EQ(::stat(identity.c_str(), &st), 0);
      EXPECT_EQ(st.st_mode & 0777, 0600u);
      r = Ctl({"officer", "enrol", name, key});
      ASSERT_EQ(r.exit_status, 0) << r.err;
    }
  }
  std::string Identity(const std::string& name) { return dir_ + "/" + name + ".officer"; }
  ProgramResult Ctl(std::vector<std::string> args) {
    args.insert(args.begin(), {"--socket", daemon_.socket_path()});
    return RunProgram(VAULTCTL_PATH, args, {"VAULT_SOCKET"});
  }
  ProgramResult Officer(std::vector<std::string> args) {
    return RunProgram(VAULT_OFFICER_PATH, args, {"VAULT_SOCKET", "VAULT_OFFICER_PASSPHRASE"}, "",
                      std::chrono::seconds(120));
  }
  // vault-officer as `name` against the daemon; stdout parsed as JSON.
  json::object As(const std::string& name, std::vector<std::string> args, int expect = 0,
                  std::string* err = nullptr) {
    args.insert(args.begin(), {"--socket", daemon_.socket_path(), "--identity", Identity(name),
                               "--officer", name, "--passphrase-file", dir_ + "/pass"});
    const ProgramResult r = Officer(args);
    EXPECT_EQ(r.exit_status, expect) << r.err << r.out;
    if (err != nullptr) *err = r.err;
    boost::system::error_code ec;
    json::value v = json::parse(r.out, ec);
    return ec || !v.is_object() ? json::object() : v.as_object();
  }
  std::string ClosedTranscript(const std::string& text) {
    NewTranscript req;
    req.service = "helpline";
    req.visitor.name = "Sam";
    auto created = client_->CreateTranscript(req);
    EXPECT_TRUE(created.ok());
    EXPECT_TRUE(
        client_->AppendMessage(created->id, {1, "visitor", text, "2026-11-29T10:00:00Z", {}}).ok());
    EXPECT_TRUE(client_->CloseTranscript(created->id).ok());
    return created->id;
  }

  // Enrols a new officer `name` with a fresh identity.
  void Join(const std::string& name) {
    ProgramResult r = Officer({"init", "--identity", Identity(name), "--kdf", "interactive",
                               "--passphrase-file", dir_ + "/pass"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
    const size_t at = r.out.find("key: ");
    ASSERT_NE(at, std::string::npos) << r.out;
    r = Ctl({"officer", "enrol", name, r.out.substr(at + 5, r.out.find('\n', at) - at - 5)});
    ASSERT_EQ(r.exit_status, 0) << r.err;
  }
  std::string Gauge(const std::string& name) {
    auto metrics = client_->Metrics();
    EXPECT_TRUE(metrics.ok());
    if (!metrics.ok()) return "";
    const size_t at = metrics->find("\n" + name + " ");
    if (at == std::string::npos) return "missing";
    const size_t from = at + name.size() + 2;
    return metrics->substr(from, metrics->find('\n', from) - from);
  }
  // `vaultctl officers`' share_health, as "stranded|at_threshold|advised".
  std::string Health() {
    const ProgramResult r = Ctl({"officers"});
    EXPECT_EQ(r.exit_status, 0) << r.err;
    boost::system::error_code ec;
    json::value v = json::parse(r.out, ec);
    if (ec || !v.is_object() || !v.as_object().contains("share_health")) return "none";
    const json::object& h = v.as_object().at("share_health").as_object();
    std::string out;
    for (const char* k : {"stranded", "at_threshold", "reshare_advised"}) {
      if (std::string(k) != "stranded") out += "|";
      for (const json::value& id : h.at(k).as_array()) out += std::string(id.as_string()) + ",";
    }
    return out;
  }

  std::string dir_;
};

TEST_F(SafeguardingE2eTest, OfficersLeaveAndJoinWithoutStrandingACase) {
  As("alice", {"open-case", "CASE-K", "--reason", "r"});
  json::object three = As("alice", {"open-case", "CASE-3", "--reason", "r", "--threshold", "3"});
  EXPECT_EQ(three["threshold"].as_int64(), 3);
  const std::string id = ClosedTranscript("kept under CASE-K");
  As("alice", {"hold", "CASE-K", id});
  EXPECT_EQ(Health(), "|CASE-3,|");
  EXPECT_EQ(Gauge("vault_cases_at_threshold"), "1");
  EXPECT_EQ(Gauge("vault_cases_stranded"), "0");

  ASSERT_NO_FATAL_FAILURE(Join("dave"));
  EXPECT_EQ(Health(), "|CASE-3,|CASE-K,");
  // Dave holds no share of a case opened before he joined.
  std::string err;
  json::object unseal = As("alice", {"request", "CASE-K", id, "--reason", "police", "--expires-in", "1h"});
  const std::string unseal_id(unseal["id"].as_string());
  As("dave", {"approve", unseal_id}, 1, &err);
  EXPECT_NE(err.find("no_share"), std::string::npos) << err;
  ASSERT_EQ(As("bob", {"approve", unseal_id, "--out", dir_ + "/first"})["executed"], true);

  // Carol leaves: revoking her would strand CASE-3; refused, naming it.
  ProgramResult r = Ctl({"officer", "revoke", "carol"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("would_strand_cases"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("CASE-3"), std::string::npos) << r.err;
  EXPECT_TRUE(client_->ListOfficers()->officers.at(2).active());
  // The lead reshares CASE-K to alice, bob, carol and dave first (any two
  // share holders), then forces the revocation for CASE-3.
  json::object reshare = As("alice", {"reshare", "CASE-K", "--reason", "Dave joined", "--expires-in", "1h"});
  EXPECT_EQ(reshare["kind"].as_string(), "reshare");
  EXPECT_EQ(reshare["threshold"].as_int64(), 2);
  json::object dealt = As("bob", {"approve", std::string(reshare["id"].as_string())});
  EXPECT_EQ(dealt["case_reshared"].as_string(), "CASE-K");
  EXPECT_EQ(dealt["share_holders"].as_array().size(), 4u);
  EXPECT_EQ(Health(), "|CASE-3,|");
  r = Ctl({"officer", "revoke", "carol", "--force"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_EQ(Health(), "CASE-3,||CASE-K,");
  EXPECT_EQ(Gauge("vault_cases_stranded"), "1");
  EXPECT_EQ(Gauge("vault_cases_at_threshold"), "0");

  // Dave, who joined after the opening, now unseals with Bob.
  unseal = As("dave", {"request", "CASE-K", id, "--reason", "court order", "--expires-in", "1h"});
  json::object opened =
      As("bob", {"approve", std::string(unseal["id"].as_string()), "--out", dir_ + "/second"});
  ASSERT_EQ(opened["executed"], true);
  EXPECT_NE(ReadFile(dir_ + "/second/" + id + ".txt").find("kept under CASE-K"),
            std::string::npos);
  // Bad input changes nothing: a threshold out of range, on the wrong kind.
  As("alice", {"reshare", "CASE-K", "--reason", "r", "--threshold", "1", "--expires-in", "1h"}, 1, &err);
  EXPECT_NE(err.find("invalid_threshold"), std::string::npos) << err;
  As("alice", {"reshare", "CASE-K", "--reason", "r", "--threshold", "9", "--expires-in", "1h"}, 1, &err);
  EXPECT_NE(err.find("too_few_officers"), std::string::npos) << err;
  r = Ctl({"officer", "enrol", "erin", "KEY", "--force"});
  EXPECT_EQ(r.exit_status, 2) << r.err;
  auto reply = client_->Request("POST", "/v1/officers/bob/revoke", "{\"force\":\"yes\"}",
                                "application/json");
  ASSERT_OK(reply);
  EXPECT_EQ(reply->status, 400);
  EXPECT_EQ(ErrorCodeOf(reply->body), "invalid_type");
  reply = client_->Request("POST", "/v1/officers/bob/revoke", "{\"forced\":true}",
                           "application/json");
  ASSERT_OK(reply);
  EXPECT_EQ(ErrorCodeOf(reply->body), "unknown_field");
  EXPECT_TRUE(client_->ListOfficers()->officers.at(1).active());
}

TEST_F(SafeguardingE2eTest, TwoOfficersUnsealAHeldTranscriptAndExportIt) {
  auto officers = client_->ListOfficers();
  ASSERT_OK(officers);
  ASSERT_EQ(officers->officers.size(), 3u);

  json::object c = As("alice", {"open-case", "CASE-7", "--reason", "Risk of harm disclosed"});
  EXPECT_EQ(c["share_holders"].as_array().size(), 3u);
  const std::string id = ClosedTranscript("he said he would hurt me");
  const std::string other = ClosedTranscript("unrelated");
  json::object held = As("alice", {"hold", "CASE-7", id});
  ASSERT_EQ(held["holds"].as_array().size(), 1u);

  // Agents no longer read it; it is listed by transcript and by case.
  auto read = client_->GetTranscript(id);
  EXPECT_EQ(read.status().reason(), "legal_hold");
  json::object holds = As("bob", {"holds", id});
  EXPECT_EQ(holds["holds"].as_array()[0].as_object()["case"].as_string(), "CASE-7");
  json::object detail = As("bob", {"case", "CASE-7"});
  EXPECT_EQ(detail["holds"].as_array().size(), 1u);

  // Alice asks; her own approval is not enough.
  json::object request =
      As("alice", {"request", "CASE-7", id, "--reason", "Police request", "--expires-in", "1h"});
  const std::string rid(request["id"].as_string());
  EXPECT_EQ(request["state"].as_string(), "pending");
  EXPECT_EQ(request["approved_by"].as_array().size(), 1u);
  std::string err;
  As("alice", {"approve", rid}, 1, &err);
  EXPECT_NE(err.find("already_approved"), std::string::npos) << err;
  // A transcript outside the case cannot be asked for.
  As("alice", {"request", "CASE-7", other, "--reason", "x", "--expires-in", "1h"}, 1, &err);
  EXPECT_NE(err.find("not_in_case"), std::string::npos) << err;

  // An export that could not be written is refused before approving: the
  // request stays pending and nothing is opened.
  const std::string out = dir_ + "/export";
  ::mkdir(out.c_str(), 0700);
  std::ofstream(out + "/" + id + ".txt") << "an earlier export\n";
  As("bob", {"approve", rid, "--out", out}, 1, &err);
  EXPECT_NE(err.find("export_exists"), std::string::npos) << err;
  EXPECT_EQ(client_->GetRequest(rid)->state, "pending");
  ::unlink((out + "/" + id + ".txt").c_str());

  // Bob approves: the transcript is opened and exported.
  json::object done = As("bob", {"approve", rid, "--out", out});
  EXPECT_EQ(done["state"].as_string(), "used");
  const std::string paper = ReadFile(out + "/" + id + ".txt");
  EXPECT_NE(paper.find("he said he would hurt me"), std::string::npos);
  EXPECT_NE(paper.find("Transcript " + id), std::string::npos);
  EXPECT_NE(paper.find("Case CASE-7, unseal request " + rid), std::string::npos);
  EXPECT_NE(paper.find("Approved by alice and bob"), std::string::npos);
  const std::string hash(done["audit_hash"].as_string());
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_NE(paper.find(hash), std::string::npos);
  json::value exported = json::parse(ReadFile(out + "/" + id + ".json"));
  EXPECT_EQ(exported.at("transcript").at("messages").at(0).at("text").as_string(),
            "he said he would hurt me");
  EXPECT_EQ(exported.at("unseal").at("audit_hash").as_string(), hash);

  // The hash is the audit record of the unseal, as an auditor sees it.
  auto records = client_->Request(
      "GET", "/v1/audit/records?from=" + std::to_string(done["audit_seq"].as_int64()) + "&limit=1",
      "", "");
  ASSERT_OK(records);
  json::value rec = json::parse(records->body).at("records").at(0);
  EXPECT_EQ(rec.at("hash").as_string(), hash);
  EXPECT_EQ(rec.at("payload").at("action").as_string(), "transcript.unseal");
  EXPECT_EQ(records->body.find("hurt"), std::string::npos);

  // Used: approving again is refused.
  As("carol", {"approve", rid}, 1, &err);
  EXPECT_NE(err.find("request_used"), std::string::npos) << err;
}

TEST_F(SafeguardingE2eTest, ARevokedOfficerAndAWrongPassphraseAreRefused) {
  As("alice", {"open-case", "CASE-8", "--reason", "r"});
  const std::string id = ClosedTranscript("x");
  As("alice", {"hold", "CASE-8", id});
  // Longer than the vault allows: refused, naming the limit.
  std::string err;
  As("alice", {"request", "CASE-8", id, "--reason", "r", "--expires-in", "3h"}, 1, &err);
  EXPECT_NE(err.find("invalid_expiry"), std::string::npos) << err;
  EXPECT_NE(err.find("2h"), std::string::npos) << err;
  json::object request =
      As("alice", {"request", "CASE-8", id, "--reason", "r", "--expires-in", "2h"});
  const std::string rid(request["id"].as_string());
  ASSERT_EQ(Ctl({"officer", "revoke", "bob"}).exit_status, 0);
  As("bob", {"approve", rid}, 1, &err);
  EXPECT_NE(err.find("officer_revoked"), std::string::npos) << err;

  std::ofstream(dir_ + "/wrong") << "not the passphrase\n";
  const ProgramResult r =
      Officer({"--socket", daemon_.socket_path(), "--identity", Identity("carol"), "--officer",
               "carol", "--passphrase-file", dir_ + "/wrong", "approve", rid});
  EXPECT_EQ(r.exit_status, 2);
  EXPECT_NE(r.err.find("wrong_passphrase"), std::string::npos) << r.err;
  EXPECT_EQ(client_->GetRequest(rid)->state, "pending");
}

TEST_F(SafeguardingE2eTest, TwoOfficersReleaseACase) {
  As("alice", {"open-case", "CASE-9", "--reason", "r"});
  const std::string id = ClosedTranscript("back to normal");
  As("alice", {"hold", "CASE-9", id});
  auto metrics = client_->Metrics();
  ASSERT_OK(metrics);
  EXPECT_NE(metrics->find("vault_transcripts{state=\"held\"} 1\n"), std::string::npos) << *metrics;
  json::object request = As(
      "alice", {"release", "CASE-9", "--reason", "case closed by police", "--expires-in", "90m"});
  json::object done = As("carol", {"approve", std::string(request["id"].as_string())});
  EXPECT_EQ(done["returned_to_normal_expiry"].as_int64(), 1);
  EXPECT_EQ(done["destroyed"].as_int64(), 0);
  auto back = client_->GetTranscript(id);
  ASSERT_OK(back);
  EXPECT_EQ(back->messages.at(0).text, "back to normal");
  metrics = client_->Metrics();
  ASSERT_OK(metrics);
  EXPECT_NE(metrics->find("vault_transcripts{state=\"held\"} 0\n"), std::string::npos) << *metrics;
  EXPECT_NE(metrics->find("vault_transcripts{state=\"closed\"} 1\n"), std::string::npos);
  json::object c = As("bob", {"case", "CASE-9"});
  EXPECT_EQ(c["case"].as_object()["state"].as_string(), "released");
}

// The root key rotates (issue 17, point 3) under a case holding a transcript:
// the case (its sealed index key inside the safeguarding file included) and
// the officers come through, and two officers unseal the transcript after.
TEST_F(SafeguardingE2eTest, AHeldTranscriptIsUnsealedAfterTheRootKeyRotates) {
  As("alice", {"open-case", "CASE-R", "--reason", "r"});
  const std::string id = ClosedTranscript("kept across a root key rotation");
  As("alice", {"hold", "CASE-R", id});
  const std::string old_key = ReadFile(daemon_.data_dir() + "/keys/root.key");
  ASSERT_EQ(daemon_.Stop(), 0);
  const ProgramResult rotated =
      RunProgram(VAULTD_PATH, {"--data-dir", daemon_.data_dir(), "--socket",
                               daemon_.socket_path(), "--rotate-root-key"});
  ASSERT_EQ(rotated.exit_status, 0) << rotated.out << rotated.err;
  ASSERT_NE(ReadFile(daemon_.data_dir() + "/keys/root.key"), old_key);
  ASSERT_OK(daemon_.Start());
  ASSERT_NO_FATAL_FAILURE(Reconnect());

  // (A request pending at a restart is void by design: filed after it.)
  json::object request =
      As("alice", {"request", "CASE-R", id, "--reason", "police", "--expires-in", "1h"});
  json::object opened =
      As("bob", {"approve", std::string(request["id"].as_string()), "--out", dir_ + "/rotated"});
  ASSERT_EQ(opened["executed"], true);
  EXPECT_NE(ReadFile(dir_ + "/rotated/" + id + ".txt").find("kept across a root key rotation"),
            std::string::npos);
  // Officers and cases are as they were.
  EXPECT_EQ(client_->ListOfficers()->officers.size(), 3u);
  EXPECT_EQ(As("carol", {"case", "CASE-R"})["case"].as_object()["state"].as_string(), "open");
}

// Key states (issue 17, point 5): every transition of every kind of key is
// an audit record, and `vault-audit keys` lists each key's states from an
// exported log alone, with no inconsistency.
TEST_F(SafeguardingE2eTest, EveryKeyTransitionIsAuditedAndVaultAuditListsThem) {
  const std::string genesis = client_->GetAuditStatus()->genesis_key;
  As("alice", {"open-case", "CASE-L", "--reason", "r"});
  const std::string id = ClosedTranscript("kept, then released");
  As("alice", {"hold", "CASE-L", id});
  json::object reshare = As("alice", {"reshare", "CASE-L", "--reason", "r", "--expires-in", "1h"});
  As("bob", {"approve", std::string(reshare["id"].as_string())});
  json::object release =
      As("alice", {"release", "CASE-L", "--reason", "done", "--expires-in", "1h"});
  As("carol", {"approve", std::string(release["id"].as_string())});
  ProgramResult r = Ctl({"officer", "revoke", "carol", "--compromised"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  EXPECT_NE(r.out.find("\"compromised\": true"), std::string::npos) << r.out;
  r = Ctl({"officer", "revoke", "bob"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  // Revoked already, and then found compromised: recorded too.
  r = Ctl({"officer", "revoke", "bob", "--compromised"});
  ASSERT_EQ(r.exit_status, 0) << r.err;
  r = Ctl({"officer", "enrol", "dave", "KEY", "--compromised"});
  EXPECT_EQ(r.exit_status, 2) << r.err;
  // The root key is rotated as compromised.
  ASSERT_EQ(daemon_.Stop(), 0);
  r = RunProgram(VAULTD_PATH, {"--data-dir", daemon_.data_dir(), "--socket",
                               daemon_.socket_path(), "--rotate-root-key", "--compromised"});
  ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
  ASSERT_OK(daemon_.Start());
  ASSERT_NO_FATAL_FAILURE(Reconnect());
  EXPECT_TRUE(client_->ListOfficers()->officers.at(2).compromised);

  const std::string dir = dir_ + "/audit-export";
  ASSERT_OK(client_->ExportAudit(dir));
  r = RunProgram(VAULT_AUDIT_PATH, {"keys", "--dir", dir, "--pubkey", genesis});
  ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
  const std::string& out = r.out;
  for (const std::string line :
       {"officer alice: active\n", "officer bob: compromised\n", "officer carol: compromised\n",
        "case CASE-L: destroyed\n", "problems: none\n"}) {
    EXPECT_NE(out.find(line), std::string::npos) << line << "\n" << out;
  }
  // Two dealings of CASE-L's shares, both destroyed; two root keys, the old
  // one compromised and destroyed; the key chain created with the vault.
  size_t dealings = 0, roots_destroyed = 0, roots_active = 0;
  for (size_t at = 0; (at = out.find("\ncase-shares CASE-L@", at)) != std::string::npos; ++at) {
    ++dealings;
    EXPECT_EQ(out.substr(out.find(": ", at), 12), ": destroyed\n");
  }
  for (size_t at = 0; (at = out.find("\nroot ", at)) != std::string::npos; ++at) {
    const std::string state = out.substr(at + 6 + 32, 12);
    roots_destroyed += state == ": destroyed\n";
    roots_active += state.rfind(": active\n", 0) == 0;
  }
  EXPECT_EQ(dealings, 2u) << out;
  EXPECT_EQ(roots_destroyed, 1u) << out;
  EXPECT_EQ(roots_active, 1u) << out;
  EXPECT_NE(out.find("active > compromised (root_key.rotate)"), std::string::npos) << out;
  EXPECT_NE(out.find("epoch: created active from epoch "), std::string::npos) << out;
  EXPECT_NE(out.find(" active since record "), std::string::npos) << out;
}

}  // namespace
}  // namespace vault::testing
