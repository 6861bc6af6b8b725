// KeyLives over logs written by AuditLog with records shaped like vaultd's
// (the `keys` detail of key_state.h): a whole consistent life of every kind
// of key, a keyring rewrite that failed after its announcement, and each
// kind of inconsistency reported with its record number.
#include <gtest/gtest.h>

#include "tests/audit/audit_fixture.h"
#include "vault/audit/key_life.h"

namespace vault {
namespace {

const std::string kOld(32, 'a');
const std::string kNew(32, 'b');

class AuditKeyLifeTest : public testing::AuditFixture {
 protected:
  uint64_t Add(const std::string& action, std::vector<std::pair<std::string, std::string>> details,
               const std::string& outcome = "ok") {
    return AppendAccess(action, {}, std::move(details), outcome, "system");
  }
  uint64_t Keys(const std::string& action, const std::string& keys,
                const std::string& outcome = "ok") {
    return Add(action, {{"keys", keys}}, outcome);
  }
  void Advance(uint64_t from, uint64_t to) {
    const std::pair<std::string, std::string> f{"from_epoch", std::to_string(from)};
    const std::pair<std::string, std::string> t{"to_epoch", std::to_string(to)};
    Add("retention.advance",
        {f, t, {"keys", "epoch:" + EpochRangeId(from, to - 1) + ":active>destroyed"}}, "started");
    Add("retention.advance", {f, t}, "ok");
  }
  audit::KeyReport Report() {
    auto r = audit::KeyLives(Opts().dir, log_->Size());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : audit::KeyReport{};
  }
  KeyState StateOf(KeyKind kind, const std::string& id, const audit::KeyReport& r) {
    auto it = r.keys.find({kind, id});
    EXPECT_NE(it, r.keys.end()) << KeyKindName(kind) << " " << id;
    return it == r.keys.end() ? KeyState::kPreActive : it->second.state;
  }
};

TEST_F(AuditKeyLifeTest, EveryKindOfKeyThroughItsLife) {
  Open();
  Keys("vault.create", "root:" + kOld + ":pre-active>active;epoch:100-:pre-active>active");
  Keys("officer.enrol", "officer:alice:pre-active>active");
  Keys("officer.enrol", "officer:bob:pre-active>active");
  Keys("officer.enrol", "officer:carol:pre-active>active");
  Keys("case.open", "case:CASE-1:pre-active>active;case-shares:CASE-1@1000:pre-active>active");
  Keys("case.reshare",
       "case-shares:CASE-1@1000:active>destroyed;case-shares:CASE-1@2000:pre-active>active");
  Keys("officer.revoke", "officer:bob:active>deactivated");
  Keys("officer.revoke", "officer:bob:deactivated>compromised");
  Keys("officer.revoke", "officer:carol:active>compromised");
  Advance(100, 103);
  // A keyring rewrite that failed: the epochs it announced stay.
  Add("retention.advance",
      {{"from_epoch", "103"}, {"to_epoch", "105"}, {"keys", "epoch:103-104:active>destroyed"}},
      "started");
  Add("retention.advance", {{"from_epoch", "103"}, {"to_epoch", "105"}}, "io_error");
  Advance(103, 106);
  ASSERT_TRUE(log_->Checkpoint().ok());
  Keys("case.release", "case:CASE-1:active>destroyed;case-shares:CASE-1@2000:active>destroyed");
  Keys("root_key.rotate", "root:" + kOld + ":active>compromised;root:" + kOld +
                              ":compromised>destroyed;root:" + kNew + ":pre-active>active");
  ASSERT_TRUE(log_->Checkpoint().ok());

  const audit::KeyReport r = Report();
  EXPECT_TRUE(r.problems.empty()) << audit::KeyLivesText(r);
  EXPECT_EQ(StateOf(KeyKind::kRoot, kOld, r), KeyState::kDestroyed);
  EXPECT_EQ(r.keys.at({KeyKind::kRoot, kOld}).events.size(), 3u);
  EXPECT_EQ(StateOf(KeyKind::kRoot, kNew, r), KeyState::kActive);
  EXPECT_EQ(StateOf(KeyKind::kOfficer, "alice", r), KeyState::kActive);
  EXPECT_EQ(StateOf(KeyKind::kOfficer, "bob", r), KeyState::kCompromised);
  EXPECT_EQ(StateOf(KeyKind::kOfficer, "carol", r), KeyState::kCompromised);
  EXPECT_EQ(StateOf(KeyKind::kCase, "CASE-1", r), KeyState::kDestroyed);
  EXPECT_EQ(StateOf(KeyKind::kCaseShares, "CASE-1@1000", r), KeyState::kDestroyed);
  EXPECT_EQ(StateOf(KeyKind::kCaseShares, "CASE-1@2000", r), KeyState::kDestroyed);
  ASSERT_TRUE(r.epochs_from.has_value());
  EXPECT_EQ(*r.epochs_from, 100u);
  ASSERT_TRUE(r.epochs_destroyed_below.has_value());
  EXPECT_EQ(*r.epochs_destroyed_below, 106u);
  // Two checkpoints (one by AuditLog::Open's first, if any, counts too):
  // every signing key but the last is destroyed, and the last is active.
  size_t active = 0, destroyed = 0;
  for (const auto& [key, h] : r.keys) {
    if (key.first != KeyKind::kAuditSigning) continue;
    active += h.state == KeyState::kActive;
    destroyed += h.state == KeyState::kDestroyed;
  }
  EXPECT_EQ(active, 1u);
  EXPECT_GE(destroyed, 2u);
  const std::string text = audit::KeyLivesText(r);
  EXPECT_NE(text.find("officer bob: compromised"), std::string::npos) << text;
  EXPECT_NE(text.find("every epoch below 106 destroyed"), std::string::npos) << text;
  EXPECT_NE(text.find("problems: none"), std::string::npos) << text;
}

TEST_F(AuditKeyLifeTest, InconsistenciesAreReportedWithTheirRecord) {
  Open();
  Keys("vault.create", "root:" + kOld + ":pre-active>active;epoch:100-:pre-active>active");
  Keys("officer.enrol", "officer:alice:pre-active>active");
  Keys("officer.revoke", "officer:alice:active>deactivated");
  const uint64_t twice = Keys("officer.revoke", "officer:alice:active>deactivated");
  Advance(100, 102);
  const uint64_t skipped = Add(
      "retention.advance",
      {{"from_epoch", "104"}, {"to_epoch", "105"}, {"keys", "epoch:104:active>destroyed"}},
      "started");
  const uint64_t again = Add(
      "retention.advance",
      {{"from_epoch", "101"}, {"to_epoch", "106"}, {"keys", "epoch:101-105:active>destroyed"}},
      "started");
  const uint64_t malformed = Keys("case.open", "case:CASE 1:pre-active>active");
  const uint64_t backwards = Keys("case.open", "case:C-2:destroyed>active");
  const uint64_t chain = Keys("vault.create", "epoch:200-:pre-active>active");

  const audit::KeyReport r = Report();
  ASSERT_EQ(r.problems.size(), 6u) << audit::KeyLivesText(r);
  const auto names = [&](uint64_t seq) {
    const std::string prefix = "record " + std::to_string(seq) + ": ";
    for (const std::string& p : r.problems) {
      if (p.rfind(prefix, 0) == 0) return p;
    }
    return std::string();
  };
  EXPECT_NE(names(twice).find("but was deactivated"), std::string::npos) << names(twice);
  EXPECT_NE(names(skipped).find("102 to 103 were destroyed with no record"), std::string::npos)
      << names(skipped);
  EXPECT_NE(names(again).find("destroyed again"), std::string::npos) << names(again);
  EXPECT_NE(names(malformed).find("malformed keys detail"), std::string::npos);
  EXPECT_NE(names(backwards).find("malformed keys detail"), std::string::npos)
      << "a transition no key makes: " << names(backwards);
  EXPECT_NE(names(chain).find("a second key chain"), std::string::npos) << names(chain);
  EXPECT_NE(audit::KeyLivesText(r).find("problems: 6"), std::string::npos);
}

TEST(KeyStateTest, TransitionsFormatAndParseBackAndTheStateMachineIsNists) {
  const std::vector<KeyTransition> all = {
      {KeyKind::kRoot, std::string(32, 'c'), KeyState::kActive, KeyState::kCompromised},
      {KeyKind::kEpoch, EpochRangeId(7, 7), KeyState::kActive, KeyState::kDestroyed},
      {KeyKind::kEpoch, EpochRangeId(7, 9), KeyState::kActive, KeyState::kDestroyed},
      {KeyKind::kEpoch, EpochRangeId(7, kEveryLaterEpoch), KeyState::kPreActive,
       KeyState::kActive},
      {KeyKind::kAuditSigning, "12", KeyState::kActive, KeyState::kDestroyed},
      {KeyKind::kCase, "CASE-7.a_b", KeyState::kPreActive, KeyState::kActive},
      {KeyKind::kCaseShares, ShareDealingId("CASE-7", 1700000000000), KeyState::kActive,
       KeyState::kDestroyed},
      {KeyKind::kOfficer, "alice", KeyState::kDeactivated, KeyState::kCompromised}};
  const std::string text = FormatKeyTransitions(all);
  EXPECT_EQ(text.substr(0, text.find(';', text.find(';') + 1)),
            "root:" + std::string(32, 'c') + ":active>compromised;epoch:7:active>destroyed");
  std::vector<KeyTransition> back;
  std::string why;
  ASSERT_TRUE(ParseKeyTransitions(text, &back, &why)) << why;
  ASSERT_EQ(back.size(), all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(back[i].kind, all[i].kind);
    EXPECT_EQ(back[i].id, all[i].id);
    EXPECT_EQ(back[i].from, all[i].from);
    EXPECT_EQ(back[i].to, all[i].to);
  }
  uint64_t first = 0, last = 0;
  ASSERT_TRUE(ParseEpochRange("7-", &first, &last));
  EXPECT_EQ(last, kEveryLaterEpoch);

  // The state machine: destroyed is final; compromised leads only there;
  // nothing returns to pre-active or active.
  const KeyState states[] = {KeyState::kPreActive, KeyState::kActive, KeyState::kDeactivated,
                             KeyState::kCompromised, KeyState::kDestroyed};
  std::string table;
  for (KeyState from : states) {
    for (KeyState to : states) table += IsAllowedTransition(from, to) ? '1' : '.';
    table += '/';
  }
  EXPECT_EQ(table, ".1.11/..111/...11/....1/...../");

  for (const char* bad :
       {"", "root:abc:active>destroyed", "epoch:9-7:active>destroyed", "epoch:07:active>destroyed",
        "epoch:x:active>destroyed", "case:a;b:active>destroyed", "case-shares:C:active>destroyed",
        "case-shares:C@x:active>destroyed", "officer:Al ice:active>destroyed",
        "officer:alice:active>gone", "key:alice:active>destroyed", "officer:alice:active",
        "officer:alice:destroyed>active", "officer:alice:active>destroyed;",
        "audit-signing:-1:active>destroyed"}) {
    EXPECT_FALSE(ParseKeyTransitions(bad, &back, &why)) << bad;
  }
}

}  // namespace
}  // namespace vault
