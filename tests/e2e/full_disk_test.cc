// A full disk, for real: each test mounts a small tmpfs as vaultd's data
// directory and fills it with a file of its own, as another program on the
// same file system would.
//
// - Filled up, appends fail with 503 store_io_error and nothing acknowledged
//   is lost; once the file is removed, appends and opens work again without a
//   restart (RocksDB's recovery), and /metrics shows the store read-only
//   meanwhile.
// - Under the storage reserve, new transcripts are refused with 507
//   insufficient_storage (and appends under half of it), while closes, reads
//   and audit reads go on; with room again, opens work again.
// - The write-ahead log stays small, so that vaultd killed after writing
//   34.5 MiB restarts with only 6 MiB free.
//
// Mounting needs root (CAP_SYS_ADMIN); elsewhere the tests skip, saying so.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/exposition.h"
#include "tests/support/free_space.h"

namespace vault::testing {
namespace {

using std::chrono::steady_clock;

constexpr uint64_t kMiB = 1 << 20;

// A message body whose text is `size` bytes (letters that vary with `seq`).
std::string MessageBody(uint64_t seq, size_t size) {
  std::string text(size, 'a');
  for (size_t i = 0; i < size; ++i) text[i] = static_cast<char>('a' + (seq * 7 + i) % 26);
  boost::json::object body;
  body["seq"] = seq;
  body["from"] = "visitor";
  body["text"] = text;
  body["sent_at"] = "2026-11-22T10:00:00Z";
  return boost::json::serialize(body);
}

std::string TextOf(uint64_t seq, size_t size) {
  boost::json::value body = boost::json::parse(MessageBody(seq, size));
  return std::string(body.as_object()["text"].as_string());
}

class FullDiskTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (daemon_ && daemon_->running()) daemon_->Kill();
    if (mounted_) ::umount2(daemon_->data_dir().c_str(), MNT_DETACH);
  }

  // Creates the daemon with `flags` and mounts a tmpfs of `size` bytes as its
  // data directory (not started yet). Skips the test if it cannot mount.
  void MountDataDir(uint64_t size, std::vector<std::string> flags) {
    daemon_ = std::make_unique<Daemon>(std::move(flags));
    const std::string& dir = daemon_->data_dir();
    ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0) << std::strerror(errno);
    const std::string options = "size=" + std::to_string(size) + ",mode=0700";
    if (::mount("tmpfs", dir.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
      GTEST_SKIP() << "cannot mount a tmpfs on " << dir << " (" << std::strerror(errno)
                   << "): these tests need root with CAP_SYS_ADMIN";
    }
    mounted_ = true;
    filler_ = dir + "/filler";
  }

  void StartAndConnect() {
    ASSERT_OK(daemon_->Start());
    auto client = daemon_->Connect();
    ASSERT_OK(client);
    client_ = std::move(client).value();
  }

  uint64_t FreeBytes() const { return testing::FreeBytes(daemon_->data_dir()); }

  // Grows or shrinks the filler file so that about `bytes` stay free.
  void LeaveFree(uint64_t bytes) { testing::LeaveFree(filler_, bytes); }

  // Fills the file system: the filler takes every byte left.
  void Fill() {
    ASSERT_NO_FATAL_FAILURE(FillWith(filler_));
    EXPECT_LT(FreeBytes(), 4096u);
  }

  void RemoveFiller() { ASSERT_EQ(::unlink(filler_.c_str()), 0) << std::strerror(errno); }

  StatusOr<HttpReply> Append(const std::string& id, uint64_t seq, size_t size) {
    return client_->Request("POST", "/v1/transcripts/" + id + "/messages", MessageBody(seq, size));
  }

  // Appends and expects 201.
  void AppendOk(const std::string& id, uint64_t seq, size_t size) {
    auto reply = Append(id, seq, size);
    ASSERT_OK(reply);
    ASSERT_EQ(reply->status, 201) << reply->body;
  }

  StatusOr<HttpReply> Create() {
    return client_->Request("POST", "/v1/transcripts", R"({"service":"helpline","visitor":{}})");
  }

  // Polls `request` (every 20 ms) until it answers `status`, for at most
  // `timeout`. Returns the last reply.
  HttpReply PollUntil(int status, const std::function<StatusOr<HttpReply>()>& request,
                      std::chrono::seconds timeout = std::chrono::seconds(30)) {
    const auto deadline = steady_clock::now() + timeout;
    HttpReply last;
    while (steady_clock::now() < deadline) {
      StatusOr<HttpReply> reply = request();
      if (reply.ok()) {
        last = *reply;
        if (last.status == status) return last;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "no HTTP " << status << " within " << timeout.count() << " s; last "
                  << last.status << " " << last.body;
    return last;
  }

  double Metric(const std::string& name, const Labels& labels = {}) {
    auto text = client_->Metrics();
    EXPECT_OK(text);
    if (!text.ok()) return -1;
    auto parsed = ParseExposition(*text);
    EXPECT_OK(parsed);
    return parsed.ok() ? parsed->ValueOr0(name, labels) : -1;
  }

  // Every message of `id` must be `acknowledged` (seq -> text size).
  void ExpectMessages(const std::string& id, const std::map<uint64_t, size_t>& acknowledged) {
    auto transcript = client_->GetTranscript(id);
    ASSERT_OK(transcript);
    std::map<uint64_t, std::string> stored;
    for (const Message& m : transcript->messages) stored[m.seq] = m.text;
    for (const auto& [seq, size] : acknowledged) {
      ASSERT_EQ(stored.count(seq), 1u) << "acknowledged message " << seq << " was lost";
      EXPECT_EQ(stored[seq], TextOf(seq, size)) << "message " << seq;
    }
  }

  std::unique_ptr<Daemon> daemon_;
  std::unique_ptr<Client> client_;
  bool mounted_ = false;
  std::string filler_;
};

TEST_F(FullDiskTest, AppendsFailWhileTheDiskIsFullAndResumeWithoutARestart) {
  ASSERT_NO_FATAL_FAILURE(MountDataDir(48 * kMiB, {"--storage-reserve", "0"}));
  if (IsSkipped()) return;
  ASSERT_NO_FATAL_FAILURE(StartAndConnect());
  auto created = client_->CreateTranscript({"helpline", {}});
  ASSERT_OK(created);
  const std::string id = created->id;
  std::map<uint64_t, size_t> acknowledged;
  ASSERT_NO_FATAL_FAILURE(AppendOk(id, 0, 100));
  acknowledged[0] = 100;

  ASSERT_NO_FATAL_FAILURE(Fill());
  // The write-ahead log may have room set aside; appends fail once it is used.
  uint64_t seq = 1;
  HttpReply failed;
  for (; seq < 2000; ++seq) {
    auto reply = Append(id, seq, 16 * 1024);
    ASSERT_OK(reply);
    if (reply->status != 201) {
      failed = *reply;
      break;
    }
    acknowledged[seq] = 16 * 1024;
  }
  ASSERT_TRUE(IsJsonError(failed, 503, "store_io_error"));
  EXPECT_TRUE(IsJsonError(PollUntil(503, [&] { return Append(id, seq, 100); }), 503,
                          "store_io_error"));
  EXPECT_EQ(Metric("vault_store_read_only"), 1.0);
  EXPECT_TRUE(daemon_->running());

  ASSERT_NO_FATAL_FAILURE(RemoveFiller());
  // No restart: RocksDB's recovery resumes writes once it sees the room.
  const HttpReply resumed = PollUntil(201, [&] { return Append(id, seq, 100); });
  ASSERT_EQ(resumed.status, 201);
  acknowledged[seq] = 100;
  EXPECT_EQ(Metric("vault_store_read_only"), 0.0);
  EXPECT_EQ(Metric("vault_store_recoveries_total"), 1.0);
  EXPECT_GE(Metric("vault_store_background_errors_total"), 1.0);
  auto second = Create();
  ASSERT_OK(second);
  EXPECT_EQ(second->status, 201) << second->body;
  ASSERT_OK(client_->CloseTranscript(id));
  ExpectMessages(id, acknowledged);

  // The log says what happened, with reason codes only.
  // (The failed WAL write or the flush it forces may be reported first.)
  ASSERT_OK(daemon_->WaitForLog(R"("event":"store_resumed")"));
  const std::string log = daemon_->ReadLog();
  const size_t stopped = log.find(R"("event":"store_stopped")");
  ASSERT_NE(stopped, std::string::npos) << log;
  const std::string line = log.substr(stopped, log.find('\n', stopped) - stopped);
  EXPECT_NE(line.find(R"("error":"no_space","severity":"hard")"), std::string::npos) << line;
  EXPECT_NE(log.find(R"("event":"store_resumed")"), std::string::npos);

  // And what was acknowledged survives a restart.
  ASSERT_OK(daemon_->Restart());
  auto client = daemon_->Connect();
  ASSERT_OK(client);
  client_ = std::move(client).value();
  ExpectMessages(id, acknowledged);
}

TEST_F(FullDiskTest, UnderTheReserveOpensAreRefusedButClosesAndAuditReadsWork) {
  ASSERT_NO_FATAL_FAILURE(MountDataDir(48 * kMiB, {"--storage-reserve", "16MiB"}));
  if (IsSkipped()) return;
  ASSERT_NO_FATAL_FAILURE(StartAndConnect());
  auto open_chat = client_->CreateTranscript({"helpline", {}});
  ASSERT_OK(open_chat);
  const std::string id = open_chat->id;
  ASSERT_NO_FATAL_FAILURE(AppendOk(id, 0, 100));
  std::map<uint64_t, size_t> acknowledged = {{0, 100}};

  // Between half the reserve and all of it: no new chats; open ones go on.
  ASSERT_NO_FATAL_FAILURE(LeaveFree(12 * kMiB));
  const HttpReply refused = PollUntil(507, [&] { return Create(); }, std::chrono::seconds(5));
  EXPECT_TRUE(IsJsonError(refused, 507, "insufficient_storage"));
  ASSERT_NO_FATAL_FAILURE(AppendOk(id, 1, 100));
  acknowledged[1] = 100;
  EXPECT_EQ(Metric("vault_storage_reserve_bytes"), 16.0 * kMiB);
  EXPECT_LT(Metric("vault_storage_free_bytes"), 16.0 * kMiB);

  // Under half of it: appends are refused too; closes, reads and audit reads
  // are not.
  ASSERT_NO_FATAL_FAILURE(LeaveFree(6 * kMiB));
  uint64_t seq = 2;  // an append stored before the next measurement is acknowledged
  const HttpReply append_refused = PollUntil(507, [&]() -> StatusOr<HttpReply> {
    StatusOr<HttpReply> reply = Append(id, seq, 100);
    if (reply.ok() && reply->status == 201) acknowledged[seq++] = 100;
    return reply;
  }, std::chrono::seconds(5));
  EXPECT_TRUE(IsJsonError(append_refused, 507, "insufficient_storage"));
  auto closed = client_->CloseTranscript(id);
  EXPECT_OK(closed);
  ExpectMessages(id, acknowledged);
  auto audit = client_->Request("GET", "/v1/audit/records?from=0&limit=1000", "", "");
  ASSERT_OK(audit);
  EXPECT_EQ(audit->status, 200);
  // The refused open is on the record, with its reason.
  bool recorded = false;
  for (const boost::json::object& record : AuditRecords(*client_)) {
    const boost::json::value* payload = record.if_contains("payload");
    if (payload == nullptr || !payload->is_object()) continue;
    const boost::json::object& p = payload->as_object();
    const boost::json::value* action = p.if_contains("action");
    const boost::json::value* outcome = p.if_contains("outcome");
    if (action != nullptr && action->is_string() && action->as_string() == "transcript.open" &&
        outcome != nullptr && outcome->is_string() &&
        outcome->as_string() == "insufficient_storage") {
      recorded = true;
    }
  }
  EXPECT_TRUE(recorded) << "no audit record of the refused open";

  // With room again, opens work again: no restart.
  ASSERT_NO_FATAL_FAILURE(RemoveFiller());
  EXPECT_EQ(PollUntil(201, [&] { return Create(); }, std::chrono::seconds(5)).status, 201);
}

TEST_F(FullDiskTest, RestartsWithAFewMiBFreeAfterAKill) {
  ASSERT_NO_FATAL_FAILURE(MountDataDir(96 * kMiB, {"--storage-reserve", "0"}));
  if (IsSkipped()) return;
  ASSERT_NO_FATAL_FAILURE(StartAndConnect());
  auto created = client_->CreateTranscript({"helpline", {}});
  ASSERT_OK(created);
  const std::string id = created->id;
  std::map<uint64_t, size_t> acknowledged;
  // 34.5 MiB of messages, none of it flushed on purpose: vaultd is killed.
  for (uint64_t seq = 0; seq < 736; ++seq) {
    ASSERT_NO_FATAL_FAILURE(AppendOk(id, seq, 48 * 1024));
    acknowledged[seq] = 48 * 1024;
  }
  // A full memtable is flushed in the background; wait until that is done,
  // so the kill does not land in the middle of it.
  const auto deadline = steady_clock::now() + std::chrono::seconds(30);
  while (Metric("vault_store_background_jobs", {}) > 0 && steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(Metric("vault_store_background_jobs", {}), 0);
  // Two flushes of the messages' 16 MiB memtable, and the WAL's bound,
  // crossed at 32 MiB, flushed the other columns (each append also writes
  // the transcript's state), so the first WAL files went: what is left to
  // flush at the start is in the WAL, a few MiB.
  EXPECT_GE(Metric("vault_store_bytes", {{"kind", "sst"}}), 28.0 * kMiB);
  EXPECT_LE(Metric("vault_store_bytes", {{"kind", "wal"}}), 5.0 * kMiB);
  daemon_->Kill();

  // What a start must flush is what no memtable flush has written yet: here
  // the last part of the messages (their memtable was flushed each time it
  // held 16 MiB) and a few state records. The worst case, every column just
  // under a memtable, is StoreRestartTest's.

  ASSERT_NO_FATAL_FAILURE(LeaveFree(6 * kMiB));
  ASSERT_OK(daemon_->Start());
  auto client = daemon_->Connect();
  ASSERT_OK(client);
  client_ = std::move(client).value();
  ExpectMessages(id, acknowledged);
  ASSERT_NO_FATAL_FAILURE(AppendOk(id, 736, 100));
}

}  // namespace
}  // namespace vault::testing
