// A VaultImpl on a real RocksDB in a scratch directory, with a manual clock.
#ifndef VAULT_TESTS_CORE_VAULT_FIXTURE_H_
#define VAULT_TESTS_CORE_VAULT_FIXTURE_H_

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "tests/support/temp_dir.h"
#include "vault/core/vault_impl.h"

namespace vault::testing {

// A status's reason code, for EXPECT_EQ(Reason(s), "...").
inline std::string Reason(const Status& s) { return s.reason(); }

class VaultFixture : public ::testing::Test {
 protected:
  static constexpr int64_t kEpoch = 1000;
  static constexpr int64_t kRetention = 30 * kEpoch;

  void SetUp() override { Reopen(); }
  void Reopen() {
    vault_.reset();
    Options o;
    o.data_dir = dir_.path() + "/data";
    o.epoch_ms = kEpoch;
    o.retention_ms = retention_ms_;
    o.retention_tick_ms = tick_ms_;  // 0: the tests run retention themselves
    o.log = log_;
    o.privacy = privacy_;
    o.statistics = statistics_;
    if (case_threshold_ != 0) o.case_threshold = case_threshold_;
    if (idle_close_ms_ >= 0) o.idle_close_ms = idle_close_ms_;
    auto v = VaultImpl::Open(o, &clock_);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    vault_ = std::move(v).value();
  }
  std::string Create(const std::string& name = "Alice") {
    NewTranscript req;
    req.service = "helpline";
    req.visitor.name = name;
    req.visitor.ip = "192.0.2.7";
    auto c = vault_->CreateTranscript(caller_, req);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? c->id : "";
  }
  static Message Msg(uint64_t seq, const std::string& text, const std::string& from = "visitor") {
    return Message{seq, from, text, "2026-11-22T10:00:00Z", {}};
  }
  void Append(const std::string& id, uint64_t seq, const std::string& text) {
    auto r = vault_->AppendMessage(caller_, id, Msg(seq, text));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  std::string RawId(const std::string& id) {
    std::string raw;
    EXPECT_TRUE(ParseId(id, &raw));
    return raw;
  }
  // The last 64 bytes of transcript `id`'s last stored message, sealed as
  // on disk: what must leave every file when the transcript is erased.
  std::string SealedMessage(const std::string& id) {
    std::string sealed;
    EXPECT_TRUE(vault_->store()
                    ->Scan(Column::kMessages, RawId(id),
                           [&](std::string_view, std::string_view v) {
                             sealed = std::string(v.substr(v.size() - 64));
                             return true;
                           })
                    .ok());
    EXPECT_FALSE(sealed.empty());
    return sealed;
  }
  // Whether any file of the live store holds `bytes`.
  bool StoreFilesHold(const std::string& bytes) {
    return !FilesContaining(dir_.path() + "/data/db", bytes).empty();
  }
  uint64_t WrappedEpochOf(const std::string& id) {
    auto w = vault_->store()->Get(Column::kWrappedKeys, RawId(id));
    EXPECT_TRUE(w.ok());
    return *Keyring::WrappedEpoch(*w);
  }
  bool InExpiryIndex(uint64_t epoch, const std::string& id) {
    return vault_->store()->Get(Column::kExpiryIndex, ExpiryKey(epoch, RawId(id))).ok();
  }

  // The payloads of the audit log's access records with this action.
  std::vector<boost::json::object> AuditPayloads(const std::string& action) {
    std::vector<boost::json::object> out;
    auto records = vault_->audit_log()->Read(0, 100000);
    EXPECT_TRUE(records.ok());
    if (!records.ok()) return out;
    for (const auto& r : *records) {
      if (r.record.type != audit::RecordType::kAccess) continue;
      boost::json::object p = boost::json::parse(r.record.payload).as_object();
      if (p.at("action").as_string() == action) out.push_back(std::move(p));
    }
    return out;
  }
  static std::string Detail(const boost::json::object& payload, const char* key) {
    const boost::json::value* v = payload.at("details").as_object().if_contains(key);
    return v == nullptr ? "" : std::string(v->as_string());
  }

  TempDir dir_;
  int64_t retention_ms_ = kRetention;  // Options::retention_ms for the next Reopen
  int64_t idle_close_ms_ = -1;  // >= 0: Options::idle_close_ms for the next Reopen
  int64_t tick_ms_ = 0;         // Options::retention_tick_ms for the next Reopen
  decltype(Options::log) log_;  // Options::log for the next Reopen
  PrivacyStatement privacy_;    // Options::privacy for the next Reopen
  StatisticsOptions statistics_;  // Options::statistics for the next Reopen
  int case_threshold_ = 0;        // != 0: Options::case_threshold for the next Reopen
  Caller caller_ = Caller::Trusted("test");
  ManualClock clock_{1'800'000'000'500};
  std::unique_ptr<VaultImpl> vault_;
};

}  // namespace vault::testing

#endif  // VAULT_TESTS_CORE_VAULT_FIXTURE_H_
