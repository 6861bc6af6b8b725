// `vault-audit life` on an export of a real vaultd's audit log: for an expired,
// an erased, a held and a still-live transcript, the tool tells from the log
// alone when each was opened and closed, what happened to it, and when its key
// was destroyed, with record numbers that the records route confirms.
//
// vaultd runs with a 3 s retention and 1 s epochs, and the test waits for
// wall-clock time to pass where that is what it tests (a key destroyed when
// its epoch ends, a re-wrap when an open chat's expiry crosses an epoch
// boundary); every wait polls an observable condition with a deadline.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <regex>
#include <thread>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/daemon_fixture.h"
#include "tests/support/epochs.h"
#include "tests/support/run_program.h"
#include "vault/officer/officer.h"
#include "vault/officer/officer_actions.h"

namespace vault::testing {
namespace {

namespace json = boost::json;

template <typename Probe>
bool PollUntil(int64_t deadline_ms, Probe probe) {
  while (NowMs() <= deadline_ms) {
    if (probe()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return probe();
}

constexpr char kCanary[] = "canary-life-5d1e";

class LifeE2eTest : public DaemonTest {
 protected:
  LifeE2eTest() : DaemonTest({"--retention", "3s", "--epoch", "1s"}) {}

  std::string Open() {
    NewTranscript request;
    request.service = "helpline";
    request.visitor.name = kCanary;
    auto created = client_->CreateTranscript(request);
    EXPECT_OK(created);
    EXPECT_OK(client_->AppendMessage(created->id, MakeMessage(0, kCanary)));
    return created->id;
  }
  std::string Closed(UnixMillis* expires_at) {
    const std::string id = Open();
    auto closed = client_->CloseTranscript(id);
    EXPECT_OK(closed);
    *expires_at = closed.ok() ? *closed : 0;
    return id;
  }
  // Enrols two officers and places `id` on hold under a new case.
  void Hold(const std::string& id) {
    std::vector<safeguard::OfficerKeys> keys;
    for (const char* name : {"alice", "bob"}) {
      auto k = safeguard::OfficerKeys::Generate();
      ASSERT_OK(k);
      auto token = safeguard::EnrolmentToken(*k);
      ASSERT_OK(token);
      ASSERT_OK(client_->EnrolOfficer(name, *token));
      keys.push_back(std::move(k).value());
    }
    auto officers = client_->ListOfficers();
    ASSERT_OK(officers);
    CaseOpening opening;
    opening.case_id = "CASE-LIFE";
    opening.reason = "Disclosure of risk of harm in chat.";
    ASSERT_OK(safeguard::SignCaseOpening(keys[0], "alice", officers->vault_id, NowMs(), &opening));
    ASSERT_OK(client_->OpenCase(opening));
    HoldPlacement hold;
    hold.case_id = "CASE-LIFE";
    hold.transcript_id = id;
    ASSERT_OK(safeguard::SignHold(keys[0], "alice", officers->vault_id, NowMs(), &hold));
    ASSERT_OK(client_->PlaceHold(hold));
  }
  ProgramResult Life(const std::string& id) {
    return RunProgram(VAULT_AUDIT_PATH, {"life", id, "--dir", export_dir_, "--pubkey", pinned_,
                                         "--checkpoint", export_dir_ + "/checkpoint.note"});
  }
  // The record the tool names in `line` ("  opened: record N at ..."), read
  // back through the auditor route.
  json::object RecordOf(const std::string& output, const std::string& label) {
    std::smatch m;
    const std::regex re("  " + label + ": record ([0-9]+) at ");
    if (!std::regex_search(output, m, re)) {
      ADD_FAILURE() << "no '" << label << "' line in:\n" << output;
      return {};
    }
    auto reply = client_->Request("GET", "/v1/audit/records?from=" + m[1].str() + "&limit=1");
    EXPECT_OK(reply);
    return json::parse(reply->body).at("records").at(0).at("payload").as_object();
  }
  static std::string Str(const json::value& v) { return std::string(v.as_string()); }

  std::string export_dir_;
  std::string pinned_;
};

TEST_F(LifeE2eTest, ExpiredErasedHeldAndLiveTranscriptsFromTheLogAlone) {
  auto status = client_->GetAuditStatus();
  ASSERT_OK(status);
  pinned_ = status->genesis_key;

  UnixMillis expired_at = 0, erased_at = 0, held_at = 0;
  const std::string expired = Closed(&expired_at);
  const std::string erased = Closed(&erased_at);
  auto erase = client_->Request("POST", "/v1/transcripts/" + erased + "/erase", "", "");
  ASSERT_OK(erase);
  ASSERT_EQ(erase->status, 200) << erase->body;
  const std::string held = Closed(&held_at);
  ASSERT_NO_FATAL_FAILURE(Hold(held));
  ASSERT_OK(client_->GetTranscript(expired));  // an access the life lists

  // The expired transcript's key is destroyed when its epoch ends.
  const uint64_t expired_epoch = static_cast<uint64_t>(expired_at / kEpochMs);
  ASSERT_TRUE(PollUntil(EpochEnd(expired_at) + 3000, [&] {
    auto r = client_->GetRetentionStatus();
    return r.ok() && r->base_epoch > expired_epoch;
  })) << "the expired transcript's key was not destroyed in time";

  // Then the live chat, opened last so its key outlives the export. It stays open; an append after its expiry crossed into a later
  // epoch re-wraps its key, and that (not the append) is recorded.
  const std::string live = Open();
  const int64_t first_epoch_end = EpochEnd(NowMs() + 3000);
  ASSERT_TRUE(PollUntil(first_epoch_end + 2000, [&] { return NowMs() + 3000 >= first_epoch_end; }));
  ASSERT_OK(client_->AppendMessage(live, MakeMessage(1, kCanary)));

  export_dir_ = daemon_.test_dir() + "/export";
  ASSERT_OK(client_->ExportAudit(export_dir_));

  const ProgramResult e = Life(expired);
  ASSERT_EQ(e.exit_status, 0) << e.out << e.err;
  EXPECT_NE(e.out.find("fate: key destroyed"), std::string::npos) << e.out;
  EXPECT_EQ(Str(RecordOf(e.out, "opened").at("action")), "transcript.open");
  json::object closed = RecordOf(e.out, "closed");
  EXPECT_EQ(Str(closed.at("action")), "transcript.close");
  EXPECT_EQ(Str(closed.at("objects").at(0)), expired);
  EXPECT_EQ(Str(closed.at("details").at("key_epoch")), std::to_string(expired_epoch));
  json::object destroyed = RecordOf(e.out, "key destroyed");
  EXPECT_EQ(Str(destroyed.at("action")), "retention.advance");
  EXPECT_EQ(Str(destroyed.at("outcome")), "ok");
  EXPECT_GT(std::stoull(Str(destroyed.at("details").at("to_epoch"))), expired_epoch);
  EXPECT_NE(e.out.find("transcript.read ok"), std::string::npos) << e.out;

  const ProgramResult x = Life(erased);
  ASSERT_EQ(x.exit_status, 0) << x.out << x.err;
  EXPECT_NE(x.out.find("fate: erased"), std::string::npos) << x.out;
  json::object erasure = RecordOf(x.out, "erased");
  EXPECT_EQ(Str(erasure.at("action")), "transcript.erase");
  EXPECT_EQ(Str(erasure.at("objects").at(0)), erased);

  const ProgramResult h = Life(held);
  ASSERT_EQ(h.exit_status, 0) << h.out << h.err;
  EXPECT_NE(h.out.find("fate: held"), std::string::npos) << h.out;
  json::object hold = RecordOf(h.out, "held");
  EXPECT_EQ(Str(hold.at("action")), "hold.place");
  EXPECT_EQ(Str(hold.at("details").at("case")), "CASE-LIFE");
  EXPECT_EQ(h.out.find("key destroyed:"), std::string::npos)
      << "a held transcript's key outlives its epoch:\n" << h.out;

  const ProgramResult l = Life(live);
  ASSERT_EQ(l.exit_status, 0) << l.out << l.err;
  EXPECT_NE(l.out.find("fate: live"), std::string::npos) << l.out;
  EXPECT_NE(l.out.find("transcript.rewrap ok"), std::string::npos) << l.out;
  EXPECT_NE(l.out.find(", not destroyed by record"), std::string::npos) << l.out;
  EXPECT_EQ(l.out.find("closed:"), std::string::npos) << l.out;

  for (const ProgramResult* r : {&e, &x, &h, &l}) {
    EXPECT_EQ(r->out.find(kCanary), std::string::npos) << "visitor data in the output";
  }
  // A log that does not verify gives no life at all.
  const ProgramResult wrong =
      RunProgram(VAULT_AUDIT_PATH, {"life", live, "--dir", export_dir_, "--pubkey",
                                    std::string(43, 'A') + "="});
  EXPECT_EQ(wrong.exit_status, 1) << wrong.out;
  EXPECT_NE(wrong.out.find("FAILED (unknown_key)"), std::string::npos) << wrong.out;
}

}  // namespace
}  // namespace vault::testing
