// Held transcripts survive the loss of the host's keys/ (docs/design.md
// section 23.8): officers keep their shares offline (vault-officer
// export-share), the vault loses keys/, and in a new vault k officers
// rebuild the case from a db/ backup and the lost vault's audit log
// (vault-officer recover), then unseal. The real vaultd, vault-officer and
// vault-audit binaries throughout; two vaults, each its own vaultd.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <filesystem>
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

namespace fs = std::filesystem;
namespace json = boost::json;

constexpr char kSamEmail[] = "sam@example.org";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// Every file under `dir`, concatenated (for "the backup is unchanged").
std::string TreeBytes(const std::string& dir) {
  std::string out;
  std::vector<std::string> paths;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) paths.push_back(e.path().string());
  }
  std::sort(paths.begin(), paths.end());
  for (const std::string& p : paths) out += p + "\n" + ReadFile(p);
  return out;
}

class RecoveryE2eTest : public DaemonTest {
 protected:
  // The lost vault has 15-minute epochs; the new ones the default hour.
  RecoveryE2eTest() : DaemonTest({"--max-request-age", "2h", "--epoch", "15m"}) {}

  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DaemonTest::SetUp());
    dir_ = daemon_.test_dir();
    std::ofstream(dir_ + "/pass") << "correct horse battery staple\n";
    for (const char* name : {"alice", "bob", "carol", "dave"}) {
      ProgramResult r = Officer({"init", "--identity", Identity(name), "--kdf", "interactive",
                                 "--passphrase-file", dir_ + "/pass"});
      ASSERT_EQ(r.exit_status, 0) << r.err;
      const size_t at = r.out.find("key: ");
      ASSERT_NE(at, std::string::npos) << r.out;
      keys_.push_back(r.out.substr(at + 5, r.out.find('\n', at) - at - 5));
    }
    // The lost vault's officers: alice, bob and carol.
    for (int i = 0; i < 3; ++i) ASSERT_NO_FATAL_FAILURE(Enrol(daemon_, i));
    lost_vault_ = client_->GetAuditStatus()->genesis_key;
  }

  std::string Identity(const std::string& name) { return dir_ + "/" + name + ".officer"; }
  ProgramResult Officer(std::vector<std::string> args) {
    return RunProgram(VAULT_OFFICER_PATH, args, {"VAULT_SOCKET", "VAULT_OFFICER_PASSPHRASE"}, "",
                      std::chrono::seconds(120));
  }
  void Enrol(const Daemon& vault, int i) {
    static const char* kNames[] = {"alice", "bob", "carol", "dave"};
    const ProgramResult r = RunProgram(
        VAULTCTL_PATH, {"--socket", vault.socket_path(), "officer", "enrol", kNames[i], keys_[i]},
        {"VAULT_SOCKET"});
    ASSERT_EQ(r.exit_status, 0) << r.err;
  }
  // vault-officer as `name` against `vault`; stdout parsed as JSON.
  json::object As(const Daemon& vault, const std::string& name, std::vector<std::string> args,
                  int expect = 0, std::string* err = nullptr) {
    args.insert(args.begin(), {"--socket", vault.socket_path(), "--identity", Identity(name),
                               "--officer", name, "--passphrase-file", dir_ + "/pass"});
    const ProgramResult r = Officer(args);
    EXPECT_EQ(r.exit_status, expect) << r.err << r.out;
    if (err != nullptr) *err = r.err;
    boost::system::error_code ec;
    json::value v = json::parse(r.out, ec);
    return ec || !v.is_object() ? json::object() : v.as_object();
  }
  json::object As(const std::string& name, std::vector<std::string> args, int expect = 0,
                  std::string* err = nullptr) {
    return As(daemon_, name, std::move(args), expect, err);
  }
  std::string ClosedTranscript(const std::string& text, const std::string& email) {
    NewTranscript req;
    req.service = "helpline";
    req.visitor.name = "Sam";
    req.visitor.email = email;
    auto created = client_->CreateTranscript(req);
    EXPECT_OK(created);
    EXPECT_OK(client_->AppendMessage(created->id, {1, "visitor", text, "2026-11-29T10:00:00Z", {}}));
    EXPECT_OK(client_->AppendMessage(created->id, {2, "agent", "we hear you", "2026-11-29T10:01:00Z", {}}));
    EXPECT_OK(client_->CloseTranscript(created->id));
    return created->id;
  }
  std::string Export(const std::string& name, const std::string& case_id, const std::string& tag) {
    return Export(daemon_, name, case_id, tag);
  }
  std::string Export(const Daemon& vault, const std::string& name, const std::string& case_id,
                     const std::string& tag) {
    const std::string file = dir_ + "/" + name + "-" + case_id + "-" + tag + ".share";
    json::object out = As(vault, name, {"export-share", case_id, "--out", file});
    EXPECT_EQ(json::serialize(out["file"]), json::serialize(json::value(file)));
    struct stat st {};
    EXPECT_EQ(::stat(file.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    return file;
  }
  // Approves a pending request in `vault` as `name`.
  json::object Approve(const Daemon& vault, const std::string& name, const std::string& id,
                       std::vector<std::string> more = {}, int expect = 0,
                       std::string* err = nullptr) {
    std::vector<std::string> args{"approve", id};
    args.insert(args.end(), more.begin(), more.end());
    return As(vault, name, args, expect, err);
  }
  static std::vector<json::object> Records(Client& client, const std::string& action) {
    std::vector<json::object> out;
    for (json::object& r : AuditRecords(client)) {
      const json::object& p = r.at("payload").as_object();
      if (p.contains("action") && p.at("action").as_string() == action) out.push_back(p);
    }
    return out;
  }
  static std::string Detail(const json::object& payload, const std::string& name) {
    if (!payload.contains("details")) return "";
    const json::object& d = payload.at("details").as_object();
    return d.contains(name) ? std::string(d.at(name).as_string()) : "";
  }

  std::string dir_;
  std::vector<std::string> keys_;
  std::string lost_vault_;
};

TEST_F(RecoveryE2eTest, ACaseIsRebuiltInANewVaultFromABackupAndOfflineSharesAfterKeysAreLost) {
  // --- In the vault that will lose its keys. ---------------------------------
  As("alice", {"open-case", "CASE-R", "--reason", "Risk of harm disclosed"});
  const std::string held1 = ClosedTranscript("he said he would hurt me", kSamEmail);
  const std::string held2 = ClosedTranscript("it happened again", kSamEmail);
  const std::string free = ClosedTranscript("just a question", "someone@example.org");
  As("alice", {"hold", "CASE-R", held1, held2});
  // Everyone keeps their share; then the case is reshared, and alice and
  // bob keep the new one. Alice's first file is of a dealing no longer the
  // latest.
  const std::string alice_old = Export("alice", "CASE-R", "1");
  Export("bob", "CASE-R", "1");
  Export("carol", "CASE-R", "1");
  json::object reshare = As("alice", {"reshare", "CASE-R", "--reason", "yearly", "--expires-in", "1h"});
  std::string err;
  json::object reshared = Approve(daemon_, "bob", std::string(reshare["id"].as_string()), {}, 0, &err);
  EXPECT_EQ(reshared["case_reshared"].as_string(), "CASE-R");
  // vault-officer names the files the reshare made useless.
  ASSERT_TRUE(reshared.contains("offline_shares_to_destroy"));
  EXPECT_EQ(reshared["offline_shares_to_destroy"].as_array().size(), 1u);
  EXPECT_NE(err.find(dir_ + "/bob-CASE-R-1.share"), std::string::npos) << err;
  const std::string alice_file = Export("alice", "CASE-R", "2");
  const std::string bob_file = Export("bob", "CASE-R", "2");
  // The export is audited with the dealing it belongs to, which the
  // reshare's record names too.
  std::vector<json::object> exports = Records(*client_, "case.share_export");
  ASSERT_EQ(exports.size(), 5u);
  std::vector<json::object> reshares = Records(*client_, "case.reshare");
  ASSERT_EQ(reshares.size(), 1u);
  EXPECT_EQ(Detail(exports[3], "dealing"), Detail(reshares[0], "dealing"));
  EXPECT_NE(Detail(exports[0], "dealing"), Detail(reshares[0], "dealing"));
  EXPECT_EQ(Detail(exports[0], "dealing"), Detail(Records(*client_, "case.open")[0], "dealing"));

  // A second case, released before the loss: its exported shares must not
  // bring it back.
  As("alice", {"open-case", "CASE-X", "--reason", "r"});
  const std::string x_file = Export("alice", "CASE-X", "1");
  As("alice", {"hold", "CASE-X", free});
  json::object release = As("alice", {"release", "CASE-X", "--reason", "done", "--expires-in", "1h"});
  json::object released = Approve(daemon_, "bob", std::string(release["id"].as_string()));
  EXPECT_EQ(released["case_released"].as_string(), "CASE-X");
  // Bob kept no file of CASE-X: nothing for him to destroy (alice's is hers).
  EXPECT_FALSE(released.contains("offline_shares_to_destroy")) << json::serialize(released);

  const std::string backup = dir_ + "/backup";
  ASSERT_OK(client_->Backup(backup));
  const std::string lost_audit = daemon_.data_dir() + "/audit";
  ASSERT_TRUE(fs::exists(lost_audit + "/"));
  ASSERT_EQ(daemon_.Stop(), 0);
  // The host loses keys/: the keyring, the audit key, the safeguarding file.
  fs::remove_all(daemon_.data_dir() + "/keys");
  const std::string backup_before = TreeBytes(backup);

  const std::string audit_before = TreeBytes(lost_audit);

  // --- A new vault, with longer epochs (1 h) than the lost one's (15 min). ---
  Daemon fresh({"--max-request-age", "2h"});
  ASSERT_OK(fresh.Start());
  auto client = fresh.Connect();
  ASSERT_OK(client);
  Client& b = **client;
  ASSERT_NE(b.GetAuditStatus()->genesis_key, lost_vault_);
  // Alice and bob come back with their identities; dave is new; carol left.
  ASSERT_NO_FATAL_FAILURE(Enrol(fresh, 0));
  ASSERT_NO_FATAL_FAILURE(Enrol(fresh, 1));
  ASSERT_NO_FATAL_FAILURE(Enrol(fresh, 3));
  const std::vector<std::string> from{"--backup", backup, "--audit", lost_audit, "--reason",
                                      "keys/ lost on 2026-12-04", "--expires-in", "1h"};
  auto recover = [&](const std::string& who, const std::string& case_id, const std::string& file,
                     std::vector<std::string> args, int expect, std::string* e) {
    std::vector<std::string> all{"recover", case_id, "--share", file};
    all.insert(all.end(), args.begin(), args.end());
    return As(fresh, who, all, expect, e);
  };

  // Refusals, each changing nothing:
  // the shares of a dealing the lost vault's log says was replaced;
  recover("alice", "CASE-R", alice_old, from, 1, &err);
  EXPECT_NE(err.find("not_latest_dealing"), std::string::npos) << err;
  // a case the log says was released;
  recover("alice", "CASE-X", x_file, from, 1, &err);
  EXPECT_NE(err.find("case_released"), std::string::npos) << err;
  // a log that is not the lost vault's (this vault's own);
  std::vector<std::string> wrong_log = from;
  wrong_log[3] = fresh.data_dir() + "/audit";
  recover("alice", "CASE-R", alice_file, wrong_log, 1, &err);
  EXPECT_NE(err.find("audit_log_invalid"), std::string::npos) << err;
  // a backup that is not one;
  std::vector<std::string> no_backup = from;
  no_backup[1] = dir_;
  recover("alice", "CASE-R", alice_file, no_backup, 1, &err);
  EXPECT_NE(err.find("invalid_backup"), std::string::npos) << err;
  // a share file altered by one byte, or another officer's;
  std::string altered = ReadFile(alice_file);
  const size_t at = altered.find("\"threshold\":2");
  ASSERT_NE(at, std::string::npos) << altered;
  altered.replace(at, 13, "\"threshold\":3");
  std::ofstream(dir_ + "/altered.share") << altered;
  recover("alice", "CASE-R", dir_ + "/altered.share", from, 1, &err);
  EXPECT_NE(err.find("invalid_share_file"), std::string::npos) << err;
  recover("dave", "CASE-R", alice_file, from, 1, &err);
  EXPECT_NE(err.find("invalid_share_file"), std::string::npos) << err;
  // a request body naming no dealing, or a dealing of another case.
  auto raw = b.Request("POST", "/v1/requests",
                       R"({"kind":"recover","case":"CASE-R","reason":"r","expires_at":"2099-01-01T00:00:00Z","officer":"alice","time":"2026-12-04T00:00:00Z","signature":"AAAA"})",
                       "application/json");
  ASSERT_OK(raw);
  EXPECT_EQ(raw->status, 400);
  EXPECT_EQ(ErrorCodeOf(raw->body), "invalid_recovery");
  ASSERT_OK(b.ListCases());
  EXPECT_TRUE(b.ListCases()->empty());
  // A path with a control character in it (a path is a line of the text
  // approvers sign).
  raw = b.Request("POST", "/v1/requests",
                  R"({"kind":"recover","case":"CASE-R","reason":"r","expires_at":"2099-01-01T00:00:00Z","recovery":{"backup":"/x\ny","audit":"/a","previous_vault":"AAAA","dealing":{"case":"CASE-R","public_key":"AAAA","threshold":2,"dealt_at":"2026-12-04T00:00:00Z","shares":[]}},"officer":"alice","time":"2026-12-04T00:00:00Z","signature":"AAAA"})",
                  "application/json");
  ASSERT_OK(raw);
  EXPECT_EQ(raw->status, 400) << raw->body;
  EXPECT_EQ(ErrorCodeOf(raw->body), "invalid_path") << raw->body;
  EXPECT_EQ(TreeBytes(backup), backup_before) << "the backup is read, never written";
  EXPECT_EQ(TreeBytes(lost_audit), audit_before) << "the lost vault's log is read, never written";

  // The backup and the log are checked again when the request is carried
  // out: a backup gone since the filing fails it, recorded, nothing written.
  const std::string moved = dir_ + "/backup-copy";
  fs::copy(backup, moved, fs::copy_options::recursive);
  std::vector<std::string> from_copy = from;
  from_copy[1] = moved;
  json::object doomed = recover("alice", "CASE-R", alice_file, from_copy, 0, &err);
  ASSERT_EQ(doomed["kind"].as_string(), "recover") << err;
  fs::remove_all(moved);
  Approve(fresh, "bob", std::string(doomed["id"].as_string()), {"--share", bob_file}, 1, &err);
  EXPECT_NE(err.find("invalid_backup"), std::string::npos) << err;
  std::vector<json::object> failed = Records(b, "case.recover");
  ASSERT_EQ(failed.size(), 1u);
  EXPECT_EQ(failed[0].at("outcome").as_string(), "invalid_backup");
  EXPECT_TRUE(b.ListCases()->empty());

  // Alice files with her current file; her approval is included.
  json::object filed = recover("alice", "CASE-R", alice_file, from, 0, &err);
  ASSERT_EQ(filed["kind"].as_string(), "recover") << err;
  const std::string rid(filed["id"].as_string());
  EXPECT_EQ(filed["approved_by"].as_array().size(), 1u);
  EXPECT_EQ(filed["recovery"].as_object()["previous_vault"].as_string(), lost_vault_);
  // Dave holds no share of the dealing; bob must bring his file.
  Approve(fresh, "dave", rid, {"--share", alice_file}, 1, &err);
  EXPECT_NE(err.find("invalid_share_file"), std::string::npos) << err;
  Approve(fresh, "bob", rid, {}, 2, &err);
  EXPECT_NE(err.find("--share"), std::string::npos) << err;
  json::object done = Approve(fresh, "bob", rid, {"--share", bob_file}, 0, &err);
  ASSERT_EQ(done["case_recovered"].as_string(), "CASE-R") << err << json::serialize(done);
  EXPECT_EQ(done["recovered"].as_int64(), 2);
  EXPECT_EQ(done["holds"].as_int64(), 2);
  // Dealt afresh to the officers of this vault.
  EXPECT_EQ(done["share_holders"].as_array().size(), 3u);
  EXPECT_EQ(TreeBytes(backup), backup_before);

  // The held transcripts are held here, withheld from agents, and found
  // for a subject access request by the visitor's email (re-tagged under
  // the case's new index key), withheld.
  EXPECT_EQ(b.GetTranscript(held1).status().reason(), "legal_hold");
  EXPECT_EQ(b.GetTranscript(free).status().code(), Status::Code::kNotFound);
  SubjectAccessQuery query;
  query.email = kSamEmail;
  auto answer = b.SubjectAccess(query);
  ASSERT_OK(answer);
  ASSERT_EQ(answer->items.size(), 2u);
  for (const SubjectAccessItem& item : answer->items) {
    EXPECT_TRUE(item.withheld);
    EXPECT_TRUE(item.id == held1 || item.id == held2) << item.id;
  }
  EXPECT_NE(b.Metrics()->find("\nvault_transcripts{state=\"held\"} 2\n"), std::string::npos)
      << *b.Metrics();

  // Dave, who never held a share in the lost vault, unseals with alice.
  json::object unseal = As(fresh, "alice", {"request", "CASE-R", held1, held2, "--reason",
                                            "police request", "--expires-in", "1h"});
  json::object opened =
      Approve(fresh, "dave", std::string(unseal["id"].as_string()), {"--out", dir_ + "/unsealed"});
  ASSERT_EQ(opened["executed"], true) << json::serialize(opened);
  EXPECT_NE(ReadFile(dir_ + "/unsealed/" + held1 + ".txt").find("he said he would hurt me"),
            std::string::npos);
  EXPECT_NE(ReadFile(dir_ + "/unsealed/" + held2 + ".txt").find("it happened again"),
            std::string::npos);

  // The new vault's log records the recovery with the dealing it came from
  // and the one it made; auditors verify it and list the keys offline.
  std::vector<json::object> recovered = Records(b, "case.recover");
  ASSERT_EQ(recovered.size(), 2u);
  recovered.erase(recovered.begin());
  EXPECT_EQ(Detail(recovered[0], "previous_vault"), lost_vault_);
  EXPECT_EQ(Detail(recovered[0], "from_dealing"), Detail(reshares[0], "dealing"));
  EXPECT_EQ(Detail(recovered[0], "recovered"), "2");
  EXPECT_NE(Detail(recovered[0], "keys").find("case:CASE-R:pre-active>active"), std::string::npos)
      << Detail(recovered[0], "keys");
  const std::string exported = dir_ + "/fresh-audit";
  ASSERT_OK(b.ExportAudit(exported));
  const std::string genesis = b.GetAuditStatus()->genesis_key;
  ProgramResult verified = RunProgram(VAULT_AUDIT_PATH, {"verify", "--dir", exported, "--pubkey",
                                                         genesis, "--checkpoint",
                                                         exported + "/checkpoint.note"});
  EXPECT_EQ(verified.exit_status, 0) << verified.out << verified.err;
  ProgramResult keys = RunProgram(VAULT_AUDIT_PATH, {"keys", "--dir", exported, "--pubkey", genesis});
  EXPECT_EQ(keys.exit_status, 0) << keys.out << keys.err;
  EXPECT_NE(keys.out.find("problems: none"), std::string::npos) << keys.out;
  // No identifier in either log.
  EXPECT_EQ(TreeBytes(exported).find(kSamEmail), std::string::npos);

  // The recovered case's new shares are exported like any other case's.
  Export(fresh, "alice", "CASE-R", "3");

  // Released here, its transcripts go back to normal expiry under this
  // vault's epochs (the lost vault's epoch numbers are not carried over),
  // and read again.
  json::object end = As(fresh, "alice", {"release", "CASE-R", "--reason", "done",
                                         "--expires-in", "1h"});
  json::object ended = Approve(fresh, "dave", std::string(end["id"].as_string()));
  EXPECT_EQ(ended["case_released"].as_string(), "CASE-R") << json::serialize(ended);
  EXPECT_EQ(ended["returned_to_normal_expiry"].as_int64(), 2);
  // A released case is not recovered over.
  recover("alice", "CASE-R", alice_file, from, 1, &err);
  EXPECT_NE(err.find("case_exists"), std::string::npos) << err;
  auto read = b.GetTranscript(held1);
  ASSERT_OK(read);
  EXPECT_EQ(read->messages.at(0).text, "he said he would hurt me");
  std::vector<json::object> returned = Records(b, "transcript.release");
  ASSERT_EQ(returned.size(), 2u);
  for (const json::object& r : returned) {
    // Its key epoch is this vault's (1-hour epochs): the one its expiry,
    // about 30 days from the close, falls in; not one numbered in the lost
    // vault's 15-minute epochs, four times as far.
    const uint64_t epoch = std::stoull(Detail(r, "key_epoch"));
    const uint64_t now_epoch = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::system_clock::now().time_since_epoch()).count() / (60 * 60 * 1000));
    EXPECT_GT(epoch, now_epoch + 29 * 24) << json::serialize(r);
    EXPECT_LT(epoch, now_epoch + 31 * 24) << json::serialize(r);
  }
  ASSERT_EQ(fresh.Stop(), 0);
}

// A crash after the recovered case is written and before its transcripts
// are: the same recovery, filed again after the restart, completes it.
TEST_F(RecoveryE2eTest, ARecoveryKilledHalfWayIsCompletedByFilingItAgain) {
  As("alice", {"open-case", "CASE-C", "--reason", "r"});
  const std::string held = ClosedTranscript("kept", kSamEmail);
  As("alice", {"hold", "CASE-C", held});
  const std::string alice_file = Export("alice", "CASE-C", "1");
  const std::string bob_file = Export("bob", "CASE-C", "1");
  // A case that holds nothing has nothing to recover.
  As("alice", {"open-case", "CASE-E", "--reason", "r"});
  const std::string empty_file = Export("alice", "CASE-E", "1");
  const std::string backup = dir_ + "/backup";
  ASSERT_OK(client_->Backup(backup));
  const std::string lost_audit = daemon_.data_dir() + "/audit";
  ASSERT_EQ(daemon_.Stop(), 0);
  fs::remove_all(daemon_.data_dir() + "/keys");

  Daemon fresh({"--max-request-age", "2h"});
  ASSERT_OK(fresh.StartWithFailpoint("recovery.case_committed"));
  ASSERT_NO_FATAL_FAILURE(Enrol(fresh, 0));
  ASSERT_NO_FATAL_FAILURE(Enrol(fresh, 1));
  const std::vector<std::string> args{"recover", "CASE-C", "--share", alice_file, "--backup",
                                      backup, "--audit", lost_audit, "--reason", "lost",
                                      "--expires-in", "1h"};
  std::string err;
  As(fresh, "alice",
     {"recover", "CASE-E", "--share", empty_file, "--backup", backup, "--audit", lost_audit,
      "--reason", "lost", "--expires-in", "1h"},
     1, &err);
  EXPECT_NE(err.find("nothing_to_recover"), std::string::npos) << err;
  json::object filed = As(fresh, "alice", args);
  const std::string rid(filed["id"].as_string());
  Approve(fresh, "bob", rid, {"--share", bob_file}, 1, &err);  // vaultd dies at the failpoint
  EXPECT_NE(fresh.Wait(), 0);
  ASSERT_OK(fresh.Start());
  auto client = fresh.Connect();
  ASSERT_OK(client);
  // The case is there with no transcript yet.
  auto c = (*client)->GetCase("CASE-C");
  ASSERT_OK(c);
  EXPECT_NE(c->info.recovered_at, 0);
  EXPECT_EQ(c->info.holds, 0u);
  filed = As(fresh, "alice", args);
  json::object done = Approve(fresh, "bob", std::string(filed["id"].as_string()),
                              {"--share", bob_file}, 0, &err);
  EXPECT_EQ(done["recovered"].as_int64(), 1) << err;
  EXPECT_EQ((*client)->GetCase("CASE-C")->info.holds, 1u);
  // Once complete, a further recovery finds everything there already.
  filed = As(fresh, "alice", args);
  done = Approve(fresh, "bob", std::string(filed["id"].as_string()), {"--share", bob_file});
  EXPECT_EQ(done["recovered"].as_int64(), 0);
  std::vector<json::object> records = Records(**client, "case.recover");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(Detail(records[2], "already_recovered"), "1");
  EXPECT_EQ(Detail(records[2], "keys"), "");
  // With bob gone, this vault has fewer active officers than the dealing's
  // threshold: refused before anything is checked further.
  const ProgramResult revoked = RunProgram(
      VAULTCTL_PATH, {"--socket", fresh.socket_path(), "officer", "revoke", "bob", "--force"},
      {"VAULT_SOCKET"});
  ASSERT_EQ(revoked.exit_status, 0) << revoked.err;
  As(fresh, "alice", args, 1, &err);
  EXPECT_NE(err.find("too_few_officers"), std::string::npos) << err;
  ASSERT_EQ(fresh.Stop(), 0);
}

}  // namespace
}  // namespace vault::testing
