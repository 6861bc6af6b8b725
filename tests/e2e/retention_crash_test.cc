// Crash safety of retention: vaultd is killed (SIGKILL, through a failpoint)
// at each step of a shred — after the audit evidence and before the keyring
// moves, after the keyring moved and before the purge, and in the middle of
// the purge — then restarted. The restart completes the shred before it
// serves; no live transcript is lost; nothing of the shredded ones remains.
#include <gtest/gtest.h>
#include <sodium.h>

#include <boost/json.hpp>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/epochs.h"
#include "tests/support/run_program.h"
#include "vault/storage/store.h"

namespace vault::testing {
namespace {

namespace json = boost::json;

constexpr int64_t kRetentionMs = 8000;

std::string RawOf(const std::string& hex) {
  std::string raw(hex.size() / 2, '\0');
  size_t len = 0;
  sodium_hex2bin(reinterpret_cast<unsigned char*>(raw.data()), raw.size(), hex.data(), hex.size(),
                 nullptr, &len, nullptr);
  raw.resize(len);
  return raw;
}

class RetentionCrashTest : public ::testing::TestWithParam<const char*> {};

TEST_P(RetentionCrashTest, ARestartCompletesAnInterruptedShred) {
  ASSERT_GE(sodium_init(), 0);
  Daemon daemon({"--retention", "8s", "--epoch", "1s"});
  ASSERT_OK(daemon.StartWithFailpoint(GetParam()));
  auto client = daemon.Connect();
  ASSERT_OK(client);

  // More transcripts than one purge batch (256), closed together.
  std::vector<std::string> doomed;
  int64_t last_expiry = 0;
  for (int i = 0; i < 300; ++i) {
    NewTranscript request;
    request.service = "helpline";
    auto created = (*client)->CreateTranscript(request);
    ASSERT_OK(created);
    ASSERT_OK((*client)->AppendMessage(created->id, MakeMessage(0, "to be shredded")));
    auto closed = (*client)->CloseTranscript(created->id);
    ASSERT_OK(closed);
    last_expiry = std::max<int64_t>(last_expiry, *closed);
    doomed.push_back(created->id);
  }
  // A live transcript whose key lives in a later epoch than all of them, and
  // that expires well after the last of them is shredded.
  while (NowMs() < EpochEnd(last_expiry - kRetentionMs) + 2500) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  NewTranscript request;
  request.service = "helpline";
  auto live = (*client)->CreateTranscript(request);
  ASSERT_OK(live);
  ASSERT_OK((*client)->AppendMessage(live->id, MakeMessage(0, "keep me")));
  ASSERT_GT(live->expires_at, EpochEnd(last_expiry) + 2000);
  ASSERT_LT(NowMs(), EpochEnd(last_expiry - kRetentionMs) + kRetentionMs - 2000)
      << "creating the transcripts took too long for this test's timing";
  client->reset();

  // The shredder reaches the failpoint at the end of the doomed epochs.
  const int status = daemon.Wait(std::chrono::milliseconds(EpochEnd(last_expiry) - NowMs() + 5000));
  ASSERT_EQ(status, 128 + 9) << "vaultd did not die at " << GetParam() << "\n" << daemon.ReadLog();

  const int64_t died_at = NowMs();
  ASSERT_OK(daemon.Start());
  auto again = daemon.Connect();
  ASSERT_OK(again);
  // The epoch being shredded when it died is complete before anything is
  // served: nothing is overdue.
  auto retention = (*again)->GetRetentionStatus();
  ASSERT_OK(retention);
  EXPECT_GT(retention->base_epoch, static_cast<uint64_t>(died_at / kEpochMs) - 1);
  EXPECT_EQ(retention->overdue, 0u);
  // The doomed transcripts may span later epochs: wait for the last to end.
  const int64_t deadline = EpochEnd(last_expiry) + 2000;
  while (true) {
    retention = (*again)->GetRetentionStatus();
    ASSERT_OK(retention);
    if (retention->base_epoch > static_cast<uint64_t>(last_expiry / kEpochMs)) break;
    ASSERT_LT(NowMs(), deadline) << "the last doomed epoch was not shredded in time";
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  auto kept = (*again)->GetTranscript(live->id);
  ASSERT_OK(kept);
  ASSERT_EQ(kept->messages.size(), 1u);
  EXPECT_EQ(kept->messages[0].text, "keep me");
  for (size_t i = 0; i < doomed.size(); i += 37) {
    auto reply = (*again)->Request("GET", "/v1/transcripts/" + doomed[i], "", "");
    ASSERT_OK(reply);
    EXPECT_TRUE(IsJsonError(*reply, 410, "expired")) << reply->body;
  }
  // The evidence is in the audit log.
  auto records = (*again)->Request("GET", "/v1/audit/records?from=0&limit=1000", "", "");
  ASSERT_OK(records);
  EXPECT_NE(records->body.find("\"retention.shred\""), std::string::npos);
  again->reset();
  ASSERT_EQ(daemon.Stop(), 0);

  // Nothing of the shredded transcripts' records is left in the store.
  auto store = Store::Open(daemon.data_dir() + "/db");
  ASSERT_OK(store);
  size_t left = 0;
  for (const std::string& id : doomed) {
    ASSERT_OK((*store)->Scan(Column::kMessages, RawOf(id), [&](std::string_view, std::string_view) {
      ++left;
      return true;
    }));
  }
  EXPECT_EQ(left, 0u);
}

// The `retention.advance` records of every advance, read through the API:
// [from_epoch, to_epoch) and outcome.
struct Advance {
  uint64_t from = 0;
  uint64_t to = 0;
  std::string outcome;
};
std::vector<Advance> AdvanceRecords(Client* client) {
  std::vector<Advance> out;
  for (const json::object& r : AuditRecords(*client)) {
    const json::value& payload = r.at("payload");
    if (!payload.is_object()) continue;
    const json::object& p = payload.as_object();
    const json::value* action = p.if_contains("action");
    if (action == nullptr || action->as_string() != "retention.advance") continue;
    const json::object& details = p.at("details").as_object();
    out.push_back({std::stoull(std::string(details.at("from_epoch").as_string())),
                   std::stoull(std::string(details.at("to_epoch").as_string())),
                   std::string(p.at("outcome").as_string())});
  }
  return out;
}

// A crash between the keyring's advance and its record still leaves a
// retention.advance record covering the destroyed epoch.
TEST(RetentionCrashAdvanceTest, AnAdvanceCutShortByACrashIsStillInTheAuditLog) {
  Daemon daemon({"--retention", "3s", "--epoch", "1s"});
  ASSERT_OK(daemon.StartWithFailpoint("retention.after_advance"));
  auto client = daemon.Connect();
  ASSERT_OK(client);
  NewTranscript request;
  request.service = "helpline";
  auto created = (*client)->CreateTranscript(request);
  ASSERT_OK(created);
  auto closed = (*client)->CloseTranscript(created->id);
  ASSERT_OK(closed);
  const uint64_t doomed_epoch = static_cast<uint64_t>(*closed / kEpochMs);
  client->reset();
  const int status = daemon.Wait(std::chrono::milliseconds(EpochEnd(*closed) - NowMs() + 5000));
  ASSERT_EQ(status, 128 + 9) << "vaultd did not die at the failpoint\n" << daemon.ReadLog();

  ASSERT_OK(daemon.Start());
  auto again = daemon.Connect();
  ASSERT_OK(again);
  auto retention = (*again)->GetRetentionStatus();
  ASSERT_OK(retention);
  ASSERT_GT(retention->base_epoch, doomed_epoch);
  bool covered = false;
  for (const Advance& a : AdvanceRecords(again->get())) {
    if (a.from <= doomed_epoch && doomed_epoch < a.to) covered = true;
  }
  EXPECT_TRUE(covered) << "no retention.advance record names the destroyed epoch " << doomed_epoch;
  // Key states: every `started` record names the epochs it destroys, and the
  // auditor's listing from an export finds no gap, the crash's included.
  size_t started = 0;
  for (const json::object& r : AuditRecords(**again)) {
    const json::object& p = r.at("payload").as_object();
    if (!p.contains("action") || p.at("action") != "retention.advance") continue;
    if (p.at("outcome") != "started") continue;
    ++started;
    const json::object& d = p.at("details").as_object();
    const uint64_t from = std::stoull(std::string(d.at("from_epoch").as_string()));
    const uint64_t to = std::stoull(std::string(d.at("to_epoch").as_string()));
    const std::string range =
        to - from == 1 ? std::to_string(from) : std::to_string(from) + "-" + std::to_string(to - 1);
    EXPECT_EQ(std::string(d.at("keys").as_string()), "epoch:" + range + ":active>destroyed");
  }
  EXPECT_GT(started, 0u);
  const std::string genesis = (*again)->GetAuditStatus()->genesis_key;
  const std::string dir = daemon.test_dir() + "/audit-export";
  ASSERT_OK((*again)->ExportAudit(dir));
  const ProgramResult keys = RunProgram(VAULT_AUDIT_PATH, {"keys", "--dir", dir, "--pubkey", genesis});
  EXPECT_EQ(keys.exit_status, 0) << keys.out << keys.err;
  EXPECT_NE(keys.out.find("problems: none"), std::string::npos) << keys.out;
  const size_t at = keys.out.find("every epoch below ");
  ASSERT_NE(at, std::string::npos) << keys.out;
  EXPECT_GT(std::stoull(keys.out.substr(at + 18)), doomed_epoch) << keys.out;
  again->reset();
  EXPECT_EQ(daemon.Stop(), 0);
}

INSTANTIATE_TEST_SUITE_P(EachStep, RetentionCrashTest,
                         ::testing::Values("retention.after_evidence", "retention.after_advance",
                                           "retention.mid_purge"),
                         [](const ::testing::TestParamInfo<const char*>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (c == '.') c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace vault::testing
