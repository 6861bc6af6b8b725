// Upgrade: a data directory written by vaultd before the module refactor
// opens with this build's vaultd, and holds what the old build left in it.
//
// tests/fixtures/datadir-v1.tar.gz was made by
// tests/fixtures/make-datadir-v1.sh with the binaries of the old code. It
// holds the data directory (keys included), three officers' identity files,
// their passphrase, the audit checkpoint written when the old vaultd stopped,
// and manifest.json: the transcript ids, their states, their exact messages
// and visitor fields, the erased id, the case and its held transcript, and
// the audit log's genesis key to pin. Each test extracts it, moves its data
// directory to where the Daemon keeps its own, starts the new vaultd on it
// (--retention 3650d --idle-close off, as the fixture was written, so that
// nothing in it has expired or been closed for idleness), and checks one part
// of the manifest through the API and the real tools.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <boost/json.hpp>
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

constexpr char kTarball[] = VAULT_SOURCE_DIR "/tests/fixtures/datadir-v1.tar.gz";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

// `text` parsed as a JSON object, or an empty object (and a test failure).
json::object ParseObject(const std::string& text, const std::string& what) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    ADD_FAILURE() << what << " is not a JSON object: " << text;
    return {};
  }
  return std::move(v.as_object());
}

std::string Str(const json::value& v) { return std::string(v.as_string()); }

class UpgradeTest : public DaemonTest {
 protected:
  UpgradeTest() : DaemonTest({"--retention", "3650d", "--idle-close", "off"}) {}

  void SetUp() override {
    fixture_ = daemon_.test_dir() + "/fixture";
    ASSERT_EQ(::mkdir(fixture_.c_str(), 0700), 0);
    const ProgramResult tar = RunProgram("/usr/bin/env", {"tar", "-xzf", kTarball, "-C", fixture_});
    ASSERT_EQ(tar.exit_status, 0) << "tar -xzf " << kTarball << ": " << tar.err;
    manifest_ = ParseObject(ReadFile(fixture_ + "/manifest.json"), "manifest.json");
    ASSERT_EQ(manifest_["format"], "transcript-vault-fixture-datadir-v1");
    // The flags it was written with are the ones the new vaultd gets.
    ASSERT_EQ(manifest_["vaultd_flags"],
              (json::array{"--retention", "3650d", "--idle-close", "off"}));
    // The new vaultd runs on the old data directory, in the Daemon's place.
    ASSERT_FALSE(fs::exists(daemon_.data_dir()));
    fs::rename(fixture_ + "/" + Str(manifest_["data_dir"]), daemon_.data_dir());
    ASSERT_NO_FATAL_FAILURE(DaemonTest::SetUp());
  }

  // The manifest's transcripts in `state` (closed, open, erased, held).
  std::vector<json::object> TranscriptsIn(const std::string& state) {
    std::vector<json::object> out;
    for (const json::value& t : manifest_["transcripts"].as_array()) {
      if (t.at("state") == state.c_str()) out.push_back(t.as_object());
    }
    return out;
  }
  json::object ManifestTranscript(const std::string& id) {
    for (const json::value& t : manifest_["transcripts"].as_array()) {
      if (t.at("id") == id.c_str()) return t.as_object();
    }
    ADD_FAILURE() << "no transcript " << id << " in the manifest";
    return {};
  }

  // GET on the daemon, as the vault's own user (every role).
  HttpReply Get(const std::string& target) {
    auto reply = client_->Request("GET", target, "", "");
    EXPECT_OK(reply);
    return reply.ok() ? *reply : HttpReply{};
  }

  ProgramResult Officer(std::vector<std::string> args) {
    return RunProgram(VAULT_OFFICER_PATH, args, {"VAULT_SOCKET", "VAULT_OFFICER_PASSPHRASE"}, "",
                      std::chrono::seconds(120));
  }
  // vault-officer as `name`, with the fixture's identity file and
  // passphrase; stdout parsed as JSON.
  json::object As(const std::string& name, std::vector<std::string> args) {
    args.insert(args.begin(),
                {"--socket", daemon_.socket_path(), "--identity",
                 fixture_ + "/officers/" + name + ".officer", "--officer", name,
                 "--passphrase-file", fixture_ + "/" + Str(manifest_["passphrase_file"])});
    const ProgramResult r = Officer(args);
    EXPECT_EQ(r.exit_status, 0) << r.err << r.out;
    return ParseObject(r.out, "vault-officer " + args[8]);
  }

  std::string fixture_;
  json::object manifest_;
};

TEST_F(UpgradeTest, ClosedTranscriptsReadBackExactly) {
  const std::vector<json::object> closed = TranscriptsIn("closed");
  ASSERT_GE(closed.size(), 3u);
  for (const json::object& want : closed) {
    const std::string id = Str(want.at("id"));
    SCOPED_TRACE("transcript " + id);
    const HttpReply reply = Get("/v1/transcripts/" + id);
    ASSERT_EQ(reply.status, 200) << reply.body;
    json::object got = ParseObject(reply.body, "GET /v1/transcripts/" + id);
    EXPECT_EQ(got["id"], want.at("id"));
    EXPECT_EQ(got["state"], "closed");
    EXPECT_TRUE(got.contains("closed_at")) << reply.body;
    EXPECT_EQ(got["service"], want.at("service"));
    EXPECT_EQ(got["visitor"], want.at("visitor")) << reply.body;
    EXPECT_EQ(got["messages"], want.at("messages")) << reply.body;
    EXPECT_EQ(got["message_count"], want.at("messages").as_array().size());
  }
  // The same through the typed client: one transcript, field by field.
  const json::object& first = closed.front();
  auto typed = client_->GetTranscript(Str(first.at("id")));
  ASSERT_OK(typed);
  EXPECT_EQ(typed->info.state, TranscriptState::kClosed);
  const json::object& visitor = first.at("visitor").as_object();
  ASSERT_TRUE(typed->visitor.name.has_value());
  EXPECT_EQ(*typed->visitor.name, Str(visitor.at("name")));
  const json::array& messages = first.at("messages").as_array();
  ASSERT_EQ(typed->messages.size(), messages.size());
  for (size_t i = 0; i < messages.size(); ++i) {
    EXPECT_EQ(typed->messages[i].text, Str(messages[i].at("text")));
    EXPECT_EQ(typed->messages[i].sent_at, Str(messages[i].at("sent_at")));
  }
}

TEST_F(UpgradeTest, OpenTranscriptIsStillOpenAndTakesTheNextSeq) {
  const std::string id = Str(manifest_["open_id"]);
  const json::object want = ManifestTranscript(id);
  ASSERT_EQ(want.at("state"), "open");
  const HttpReply before = Get("/v1/transcripts/" + id);
  ASSERT_EQ(before.status, 200) << before.body;
  json::object got = ParseObject(before.body, "the open transcript");
  EXPECT_EQ(got["state"], "open");
  EXPECT_FALSE(got.contains("closed_at")) << before.body;
  EXPECT_EQ(got["visitor"], want.at("visitor")) << before.body;
  EXPECT_EQ(got["messages"], want.at("messages")) << before.body;

  const json::array& old = want.at("messages").as_array();
  ASSERT_FALSE(old.empty());
  const json::object& last = old.back().as_object();
  // The last old message, sent again, is recognised byte for byte.
  auto again = client_->AppendMessage(
      id, {static_cast<uint64_t>(last.at("seq").as_int64()), Str(last.at("from")),
           Str(last.at("text")), Str(last.at("sent_at")), {}});
  ASSERT_OK(again);
  EXPECT_EQ(*again, AppendOutcome::kDuplicate);
  // The next seq is stored.
  const uint64_t next = static_cast<uint64_t>(last.at("seq").as_int64()) + 1;
  const Message added{next, "agent", "written after the upgrade", "2026-12-01T12:00:00Z", {}};
  auto stored = client_->AppendMessage(id, added);
  ASSERT_OK(stored);
  EXPECT_EQ(*stored, AppendOutcome::kStored);

  auto after = client_->GetTranscript(id);
  ASSERT_OK(after);
  EXPECT_EQ(after->info.state, TranscriptState::kOpen);
  ASSERT_EQ(after->messages.size(), old.size() + 1);
  EXPECT_EQ(after->messages.back(), added);
  EXPECT_EQ(after->messages[old.size() - 1].text, Str(last.at("text")));
  // And it closes like any other.
  ASSERT_OK(client_->CloseTranscript(id));
  auto closed = client_->GetTranscript(id);
  ASSERT_OK(closed);
  EXPECT_EQ(closed->info.state, TranscriptState::kClosed);
}

TEST_F(UpgradeTest, ErasedTranscriptAnswersGone) {
  const std::string id = Str(manifest_["erased_id"]);
  EXPECT_EQ(ManifestTranscript(id).at("state"), "erased");
  EXPECT_TRUE(IsJsonError(Get("/v1/transcripts/" + id), 410, "erased"));
  auto append = client_->Request(
      "POST", "/v1/transcripts/" + id + "/messages",
      R"({"seq":99,"from":"visitor","text":"x","sent_at":"2026-12-01T12:00:00Z"})");
  ASSERT_OK(append);
  EXPECT_TRUE(IsJsonError(*append, 410, "erased"));
  // vaultctl reports it the same way.
  const ProgramResult get =
      RunProgram(VAULTCTL_PATH, {"--socket", daemon_.socket_path(), "get", id}, {"VAULT_SOCKET"});
  EXPECT_EQ(get.exit_status, 1) << get.out << get.err;
  EXPECT_NE(get.err.find("erased"), std::string::npos) << get.err;
  // Erasing it again is answered as for any erased transcript.
  auto erase = client_->Request("POST", "/v1/transcripts/" + id + "/erase", "", "");
  ASSERT_OK(erase);
  EXPECT_EQ(erase->status, 200) << erase->body;
  EXPECT_EQ(ParseObject(erase->body, "erase")["state"], "erased");
}

TEST_F(UpgradeTest, CaseListsItsHoldAndOfficersAreEnrolled) {
  json::object want = manifest_["case"].as_object();
  const std::string case_id = Str(want["id"]);
  const std::string held = Str(want["held_id"]);
  EXPECT_EQ(ManifestTranscript(held).at("state"), "held");

  const HttpReply list = Get("/v1/cases");
  ASSERT_EQ(list.status, 200) << list.body;
  json::object listed = ParseObject(list.body, "GET /v1/cases");
  ASSERT_TRUE(listed.contains("cases")) << list.body;
  const json::array& cases = listed["cases"].as_array();
  ASSERT_EQ(cases.size(), 1u) << list.body;
  const json::object& c = cases[0].as_object();
  EXPECT_EQ(c.at("id"), want["id"]);
  EXPECT_EQ(c.at("state"), "open");
  EXPECT_EQ(c.at("holds"), 1);
  EXPECT_EQ(c.at("public_key"), want["public_key"]);
  EXPECT_EQ(c.at("share_holders"), want["share_holders"]);
  EXPECT_EQ(c.at("reason_hash"), want["reason_hash"]);

  const HttpReply one = Get("/v1/cases/" + case_id);
  ASSERT_EQ(one.status, 200) << one.body;
  json::object detail = ParseObject(one.body, "GET /v1/cases/" + case_id);
  EXPECT_EQ(detail["case"].at("reason"), want["reason"]);
  const json::array& holds = detail["holds"].as_array();
  ASSERT_EQ(holds.size(), 1u) << one.body;
  EXPECT_EQ(holds[0].at("transcript"), want["held_id"]);
  EXPECT_EQ(holds[0].at("held_by"), want["opened_by"]);

  // Still held: nobody reads it without two officers.
  EXPECT_TRUE(IsJsonError(Get("/v1/transcripts/" + held), 409, "legal_hold"));

  // The officers, with the fingerprints they had; the vault id is still the
  // audit log's genesis key, which every officer statement names.
  const HttpReply officers = Get("/v1/officers");
  ASSERT_EQ(officers.status, 200) << officers.body;
  json::object got = ParseObject(officers.body, "GET /v1/officers");
  EXPECT_EQ(got["vault"], manifest_["audit"].at("genesis_key"));
  const json::array& enrolled = got["officers"].as_array();
  const json::array& expected = manifest_["officers"].as_array();
  ASSERT_EQ(enrolled.size(), expected.size()) << officers.body;
  for (size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(enrolled[i].at("id"), expected[i].at("id"));
    EXPECT_EQ(enrolled[i].at("fingerprint"), expected[i].at("fingerprint"));
    EXPECT_EQ(enrolled[i].at("active"), true);
  }
}

TEST_F(UpgradeTest, TwoOfficersUnsealTheHeldTranscript) {
  json::object c = manifest_["case"].as_object();
  const std::string case_id = Str(c["id"]);
  const std::string held = Str(c["held_id"]);
  const json::object want = ManifestTranscript(held);

  json::object request =
      As("alice", {"request", case_id, held, "--reason", "upgrade test: unseal after the refactor",
                   "--expires-in", "1h"});
  ASSERT_TRUE(request.contains("id")) << json::serialize(request);
  EXPECT_EQ(request["state"], "pending");
  const std::string out = fixture_ + "/unsealed";
  json::object done = As("bob", {"approve", Str(request["id"]), "--out", out});
  EXPECT_EQ(done["state"], "used");
  EXPECT_EQ(done["executed"], true);

  json::object exported = ParseObject(ReadFile(out + "/" + held + ".json"), "the JSON export");
  ASSERT_TRUE(exported.contains("transcript")) << json::serialize(exported);
  const json::object& t = exported["transcript"].as_object();
  EXPECT_EQ(t.at("id"), want.at("id"));
  EXPECT_EQ(t.at("state"), "closed");
  EXPECT_EQ(t.at("service"), want.at("service"));
  EXPECT_EQ(t.at("visitor"), want.at("visitor"));
  EXPECT_EQ(t.at("messages"), want.at("messages"));
  EXPECT_EQ(exported["unseal"].at("case"), c["id"]);
  EXPECT_EQ(exported["unseal"].at("approved_by"), (json::array{"alice", "bob"}));
  const std::string paper = ReadFile(out + "/" + held + ".txt");
  EXPECT_NE(paper.find("Transcript " + held), std::string::npos) << paper;
  EXPECT_NE(paper.find(Str(want.at("messages").at(0).at("text"))), std::string::npos) << paper;
  // An unseal only makes copies: the transcript stays held.
  EXPECT_TRUE(IsJsonError(Get("/v1/transcripts/" + held), 409, "legal_hold"));
}

TEST_F(UpgradeTest, WholeAuditLogVerifiesWithThePinnedKey) {
  const json::object& audit = manifest_["audit"].as_object();
  const std::string pinned = Str(audit.at("genesis_key"));
  // New records on top of the old ones: reads, a new transcript, an erasure.
  for (const json::object& t : TranscriptsIn("closed")) {
    EXPECT_EQ(Get("/v1/transcripts/" + Str(t.at("id"))).status, 200);
  }
  NewTranscript req;
  req.service = "webchat";
  auto created = client_->CreateTranscript(req);
  ASSERT_OK(created);
  ASSERT_OK(client_->AppendMessage(created->id, MakeMessage(1, "after the upgrade")));
  ASSERT_OK(client_->CloseTranscript(created->id));
  auto erase = client_->Request("POST", "/v1/transcripts/" + created->id + "/erase", "", "");
  ASSERT_OK(erase);
  EXPECT_EQ(erase->status, 200) << erase->body;

  const std::string dir = daemon_.test_dir() + "/audit-export";
  auto exported = client_->ExportAudit(dir);
  ASSERT_OK(exported);
  EXPECT_EQ(exported->genesis_key, pinned);
  EXPECT_EQ(exported->origin, Str(audit.at("origin")));
  const uint64_t old_records = static_cast<uint64_t>(audit.at("records").as_int64());
  EXPECT_GT(exported->size, old_records);

  // The kept checkpoint of the old daemon's stop seals the old records: the
  // new log must still hold them, unchanged, under it.
  const std::string kept = fixture_ + "/" + Str(audit.at("kept_checkpoint"));
  const ProgramResult verified =
      RunProgram(VAULT_AUDIT_PATH, {"verify", "--dir", dir, "--pubkey", pinned, "--checkpoint",
                                    dir + "/checkpoint.note", "--checkpoint", kept, "--json"});
  EXPECT_EQ(verified.exit_status, 0) << verified.out << verified.err;
  json::object report = ParseObject(verified.out, "vault-audit verify --json");
  EXPECT_EQ(report["ok"], true) << verified.out;
  EXPECT_EQ(report["origin"], audit.at("origin"));
  // Every record of the export: those the status counted, and the records of
  // the segment reads that followed it.
  ASSERT_TRUE(report["records"].is_number()) << verified.out;
  EXPECT_GE(report["records"].to_number<uint64_t>(), exported->size) << verified.out;
  EXPECT_GT(report["sealed"].to_number<uint64_t>(), old_records) << verified.out;
  EXPECT_EQ(report["kept_checkpoints"], 2) << verified.out;
  // The old daemon's start and the new one's.
  EXPECT_EQ(report["restarts"], 2) << verified.out;
  EXPECT_EQ(report["recoveries"], 0) << verified.out;

  // Pinning any other key fails: the verdict above depends on the pin.
  const ProgramResult wrong =
      RunProgram(VAULT_AUDIT_PATH,
                 {"verify", "--dir", dir, "--pubkey", Str(manifest_["case"].at("public_key"))});
  EXPECT_EQ(wrong.exit_status, 1) << wrong.out << wrong.err;
  EXPECT_NE(wrong.out.find("unknown_key"), std::string::npos) << wrong.out << wrong.err;
}

}  // namespace
}  // namespace vault::testing
