// The audit log through a real vaultd: auditor endpoints, an export that the
// offline verifier accepts, no visitor data in the log, and fail-closed
// accesses when the daemon's audit storage cannot be written.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <string>

#include <boost/json.hpp>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/daemon_fixture.h"
#include "tests/support/needs_root.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;

struct Command {
  int exit_status = -1;
  std::string output;
};

// Runs a shell command line (fixed arguments from the test) with its output.
Command RunCommand(const std::string& command_line) {
  Command result;
  FILE* pipe = popen((command_line + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = pclose(pipe);
  result.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string CurrentSegment(const std::string& data_dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(data_dir + "/audit")) {
    names.push_back(entry.path().string());
  }
  std::sort(names.begin(), names.end());
  return names.empty() ? "" : names.back();
}

// Every audit segment file's bytes, by name.
std::map<std::string, std::string> AuditFiles(const std::string& data_dir) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::directory_iterator(data_dir + "/audit")) {
    out[entry.path().filename().string()] = ReadAll(entry.path());
  }
  return out;
}

void WriteAll(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

class AuditE2eTest : public DaemonTest {
 protected:
  // The payloads of the log's records of `type`, through the auditor route.
  std::vector<boost::json::object> RecordsOfType(const std::string& type) {
    std::vector<boost::json::object> out;
    auto client = daemon_.Connect();
    EXPECT_TRUE(client.ok());
    if (!client.ok()) return out;
    auto reply = (*client)->Request("GET", "/v1/audit/records?from=0&limit=1000", "", "");
    EXPECT_TRUE(reply.ok());
    if (!reply.ok()) return out;
    EXPECT_EQ(reply->status, 200) << reply->body;
    boost::system::error_code ec;
    boost::json::value v = boost::json::parse(reply->body, ec);
    EXPECT_FALSE(ec) << reply->body;
    if (ec) return out;
    for (const auto& r : v.at("records").as_array()) {
      if (r.at("type") == boost::json::value(type) && r.at("payload").is_object()) {
        out.push_back(r.at("payload").as_object());
      }
    }
    return out;
  }
  std::string LastPreviousStop() {
    auto starts = RecordsOfType("start");
    if (starts.empty()) return "";
    return std::string(starts.back().at("previous_stop").as_string());
  }
};

TEST_F(AuditE2eTest, AnExportVerifiesOfflineAndHoldsNoVisitorData) {
  // The key an auditor pins at installation, before anything else happened.
  auto pinned = client_->GetAuditStatus();
  ASSERT_OK(pinned);
  ASSERT_FALSE(pinned->genesis_key.empty());

  const std::string canary = "canary-audit-77c1";
  NewTranscript request;
  request.service = "helpline";
  request.visitor.name = canary;
  auto created = client_->CreateTranscript(request);
  ASSERT_OK(created);
  ASSERT_OK(client_->AppendMessage(created->id, MakeMessage(1, canary)));
  ASSERT_OK(client_->GetTranscript(created->id));
  ASSERT_OK(client_->CloseTranscript(created->id));

  auto records = client_->Request("GET", "/v1/audit/records?from=0&limit=1000", "", "");
  ASSERT_OK(records);
  ASSERT_EQ(records->status, 200) << records->body;
  EXPECT_NE(records->body.find("\"transcript.read\""), std::string::npos);
  EXPECT_NE(records->body.find(created->id), std::string::npos);
  EXPECT_EQ(records->body.find(canary), std::string::npos);

  auto note = client_->Request("GET", "/v1/audit/checkpoint", "", "");
  ASSERT_OK(note);
  ASSERT_EQ(note->status, 200);
  EXPECT_EQ(note->Header("Content-Type").rfind("text/plain", 0), 0u);
  EXPECT_EQ(note->body.rfind(pinned->origin + "\n", 0), 0u) << note->body;
  EXPECT_NE(note->body.find("\n\n\xe2\x80\x94 "), std::string::npos) << "no signature line";

  auto bad = client_->Request("GET", "/v1/audit/records?limit=5000", "", "");
  ASSERT_OK(bad);
  EXPECT_TRUE(IsJsonError(*bad, 400, "invalid_query"));

  const std::string export_dir = daemon_.test_dir() + "/export";
  auto exported = client_->ExportAudit(export_dir);
  ASSERT_OK(exported);
  EXPECT_EQ(exported->genesis_key, pinned->genesis_key);
  for (const auto& entry : fs::directory_iterator(export_dir)) {
    EXPECT_EQ(ReadAll(entry.path()).find(canary), std::string::npos) << entry.path();
  }
  for (const auto& entry : fs::recursive_directory_iterator(daemon_.data_dir() + "/audit")) {
    EXPECT_EQ(ReadAll(entry.path()).find(canary), std::string::npos) << entry.path();
  }

  const Command verified = RunCommand(std::string(VAULT_AUDIT_PATH) + " verify --dir " + export_dir +
                               " --pubkey " + pinned->genesis_key + " --checkpoint " +
                               export_dir + "/checkpoint.note");
  EXPECT_EQ(verified.exit_status, 0) << verified.output;

  // The same export checked against another key fails.
  const Command wrong_key = RunCommand(std::string(VAULT_AUDIT_PATH) + " verify --dir " + export_dir +
                                " --pubkey " + std::string(43, 'A') + "=");
  EXPECT_EQ(wrong_key.exit_status, 1) << wrong_key.output;
}

TEST_F(AuditE2eTest, NonAuditorsCannotReadTheAuditLog) {
  Daemon restricted({"--access.writer", "user:0", "--access.agent", "user:0"});
  ASSERT_OK(restricted.Start());
  auto client = restricted.Connect();
  ASSERT_OK(client);
  for (const char* target : {"/v1/audit", "/v1/audit/checkpoint", "/v1/audit/records",
                             "/v1/audit/segments/1"}) {
    auto reply = (*client)->Request("GET", target, "", "");
    ASSERT_OK(reply);
    EXPECT_TRUE(IsJsonError(*reply, 403, "forbidden")) << target << ": " << reply->body;
  }
}

TEST_F(AuditE2eTest, WhenTheAuditStorageFailsAccessesAreRefusedWith503) {
  VAULT_SKIP_UNLESS_ROOT_FOR_CHATTR();
  NewTranscript request;
  request.service = "helpline";
  auto created = client_->CreateTranscript(request);
  ASSERT_OK(created);
  const std::string secret_text = "words that must not be returned";
  ASSERT_OK(client_->AppendMessage(created->id, MakeMessage(1, secret_text)));

  const std::string segment = CurrentSegment(daemon_.data_dir());
  ASSERT_FALSE(segment.empty());
  ASSERT_EQ(std::system(("chattr +i " + segment).c_str()), 0) << "chattr is needed";
  struct Undo {
    std::string path;
    ~Undo() { (void)std::system(("chattr -i " + path).c_str()); }
  } undo{segment};

  auto read = client_->Request("GET", "/v1/transcripts/" + created->id, "", "");
  ASSERT_OK(read);
  EXPECT_TRUE(IsJsonError(*read, 503, "audit_unavailable")) << read->body;
  EXPECT_EQ(read->body.find(secret_text), std::string::npos);

  auto open = client_->Request("POST", "/v1/transcripts", R"({"service":"helpline"})");
  ASSERT_OK(open);
  EXPECT_TRUE(IsJsonError(*open, 503, "audit_unavailable")) << open->body;

  auto close = client_->Request("POST", "/v1/transcripts/" + created->id + "/close", "");
  ASSERT_OK(close);
  EXPECT_TRUE(IsJsonError(*close, 503, "audit_unavailable")) << close->body;

  // Storage back, daemon restarted: the transcript is as it was, still open.
  ASSERT_EQ(std::system(("chattr -i " + segment).c_str()), 0);
  client_.reset();
  ASSERT_OK(daemon_.Restart());
  auto again = daemon_.Connect();
  ASSERT_OK(again);
  auto transcript = (*again)->GetTranscript(created->id);
  ASSERT_OK(transcript);
  EXPECT_EQ(transcript->info.state, TranscriptState::kOpen);
  EXPECT_EQ(transcript->messages.size(), 1u);
}

TEST_F(AuditE2eTest, ASigtermStopIsRecordedAsCleanAndASigkillAsACrash) {
  EXPECT_EQ(LastPreviousStop(), "clean") << "a new vault";
  client_.reset();
  ASSERT_EQ(daemon_.Stop(), 0);
  ASSERT_OK(daemon_.Start());
  EXPECT_EQ(LastPreviousStop(), "clean");
  EXPECT_EQ(RecordsOfType("recovery").size(), 0u);

  daemon_.Kill();
  ASSERT_OK(daemon_.Start());
  EXPECT_EQ(LastPreviousStop(), "crash");
  EXPECT_EQ(RecordsOfType("start").size(), 3u);
  EXPECT_EQ(RecordsOfType("stop").size(), 1u);
}

TEST_F(AuditE2eTest, ARefusedStartDoesNotTouchTheAuditLog) {
  const std::string data = daemon_.data_dir();
  const fs::path audit_key = data + "/keys/audit.key";
  const fs::path keyring = data + "/keys/keyring";
  const std::string old_audit_key = ReadAll(audit_key);  // key 1; the log will need key 3
  client_.reset();
  ASSERT_EQ(daemon_.Stop(), 0);
  ASSERT_OK(daemon_.Start());
  daemon_.Kill();  // no stop record, and a torn final record as a crash can leave
  const std::string newest = CurrentSegment(data);
  WriteAll(newest, ReadAll(newest) + std::string("\x00\x00\x00\x60\x01\x03", 6));
  const auto before = AuditFiles(data);
  const std::string good_keyring = ReadAll(keyring);
  const std::string good_audit_key = ReadAll(audit_key);

  {  // Another vaultd holds the data directory.
    const int fd = ::open((data + "/vaultd.lock").c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
    EXPECT_FALSE(daemon_.Start().ok());
    ::close(fd);
    EXPECT_NE(daemon_.ReadLog().find("data_dir_locked"), std::string::npos);
    EXPECT_TRUE(AuditFiles(data) == before) << "refused: directory locked";
  }
  {  // The keyring does not open.
    std::string bad = good_keyring;
    bad[bad.size() - 1] ^= 0x01;
    WriteAll(keyring, bad);
    EXPECT_FALSE(daemon_.Start().ok());
    WriteAll(keyring, good_keyring);
    EXPECT_TRUE(AuditFiles(data) == before) << "refused: keyring";
  }
  {  // The audit signing key is not this log's current one.
    WriteAll(audit_key, old_audit_key);
    EXPECT_FALSE(daemon_.Start().ok());
    WriteAll(audit_key, good_audit_key);
    EXPECT_NE(daemon_.ReadLog().find("audit_key_mismatch"), std::string::npos);
    EXPECT_TRUE(AuditFiles(data) == before) << "refused: audit key";
  }
  // All put right: the start cuts the torn record and says so.
  ASSERT_OK(daemon_.Start());
  auto recoveries = RecordsOfType("recovery");
  ASSERT_EQ(recoveries.size(), 1u);
  EXPECT_EQ(recoveries[0].at("cut_bytes").to_number<uint64_t>(), 6u);
  EXPECT_EQ(LastPreviousStop(), "crash");
}

}  // namespace
}  // namespace vault::testing
