#include <gtest/gtest.h>

#include <map>
#include <random>

#include "tests/core/vault_fixture.h"
#include "vault/core/records.h"

namespace vault {
namespace {

using VaultTest = testing::VaultFixture;

TEST_F(VaultTest, RoundTripsATranscriptAcrossReopen) {
  const std::string id = Create();
  Append(id, 1, "hello");
  Append(id, 2, "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xf0\x9f\x92\x9c");
  Append(id, 0, std::string(64 * 1024, 'x'));
  Reopen();
  auto t = vault_->GetTranscript(caller_, id);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->info.service, "helpline");
  EXPECT_EQ(t->info.state, TranscriptState::kOpen);
  EXPECT_EQ(t->visitor.name, "Alice");
  EXPECT_EQ(t->visitor.ip, "192.0.2.7");
  EXPECT_FALSE(t->visitor.location.has_value());
  ASSERT_EQ(t->messages.size(), 3u);
  EXPECT_EQ(t->messages[0], Msg(0, std::string(64 * 1024, 'x')));
  EXPECT_EQ(t->messages[1], Msg(1, "hello"));
  EXPECT_EQ(t->messages[2].text, "\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xf0\x9f\x92\x9c");
}

TEST_F(VaultTest, AppendIsIdempotentOnSeq) {
  const std::string id = Create();
  EXPECT_EQ(*vault_->AppendMessage(caller_, id, Msg(1, "a")), AppendOutcome::kStored);
  EXPECT_EQ(*vault_->AppendMessage(caller_, id, Msg(1, "a")), AppendOutcome::kDuplicate);
  auto conflict = vault_->AppendMessage(caller_, id, Msg(1, "b"));
  EXPECT_EQ(conflict.status().reason(), "seq_conflict");
  auto t = vault_->GetTranscript(caller_, id);
  ASSERT_EQ(t->messages.size(), 1u);
  EXPECT_EQ(t->messages[0].text, "a");
  EXPECT_EQ(t->info.message_count, 1u);
}

// A retry is the same message in every field: the same text from another
// sender, or sent at another time, is a conflict, before and after a restart.
TEST_F(VaultTest, ARetryDifferingInSenderOrTimeIsAConflict) {
  const std::string id = Create();
  ASSERT_EQ(*vault_->AppendMessage(caller_, id, Msg(1, "same text")), AppendOutcome::kStored);
  for (int round = 0; round < 2; ++round) {
    auto other_sender = vault_->AppendMessage(caller_, id, Msg(1, "same text", "agent"));
    EXPECT_EQ(other_sender.status().reason(), "seq_conflict") << other_sender.status().ToString();
    Message later = Msg(1, "same text");
    later.sent_at = "2026-11-22T10:00:01Z";
    auto other_time = vault_->AppendMessage(caller_, id, later);
    EXPECT_EQ(other_time.status().reason(), "seq_conflict") << other_time.status().ToString();
    auto retry = vault_->AppendMessage(caller_, id, Msg(1, "same text"));
    ASSERT_TRUE(retry.ok()) << retry.status().ToString();
    EXPECT_EQ(*retry, AppendOutcome::kDuplicate);
    Reopen();
  }
  auto t = vault_->GetTranscript(caller_, id);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_EQ(t->messages.size(), 1u);
  EXPECT_EQ(t->messages[0], Msg(1, "same text"));
}

// Appends look for a stored message only below the transcript's seq bound
// (records.h). Retries and conflicts must still be found whatever order the
// seqs come in, across a restart too: checked against a model.
TEST_F(VaultTest, RetriesAndConflictsAreFoundInAnyOrderOfSeqs) {
  std::mt19937_64 rng(1205);
  for (int round = 0; round < 4; ++round) {
    const std::string id = Create();
    std::map<uint64_t, std::string> model;
    for (int step = 0; step < 200; ++step) {
      if (step == 100) Reopen();
      // Mostly new seqs going up, with retries, gaps, seqs below the
      // highest, and the extremes 0 and max_seq.
      uint64_t seq = 0;
      const uint64_t pick = rng() % 10;
      if (pick < 4 || model.empty()) {
        seq = model.empty() ? rng() % 3 : model.rbegin()->first + 1 + rng() % 3;
      } else if (pick < 7) {
        auto it = model.begin();
        std::advance(it, static_cast<long>(rng() % model.size()));
        seq = it->first;
      } else if (pick < 9) {
        seq = rng() % (model.rbegin()->first + 1);
      } else {
        seq = rng() % 2 == 0 ? 0 : 999000;  // room above for the steps left
      }
      const std::string text = "m" + std::to_string(rng() % 3);
      const auto result = vault_->AppendMessage(caller_, id, Msg(seq, text));
      const auto known = model.find(seq);
      if (known == model.end()) {
        ASSERT_TRUE(result.ok()) << result.status().ToString();
        EXPECT_EQ(*result, AppendOutcome::kStored) << "seq " << seq;
        model[seq] = text;
      } else if (known->second == text) {
        ASSERT_TRUE(result.ok()) << result.status().ToString();
        EXPECT_EQ(*result, AppendOutcome::kDuplicate) << "seq " << seq;
      } else {
        EXPECT_EQ(result.status().reason(), "seq_conflict") << "seq " << seq;
      }
    }
    auto t = vault_->GetTranscript(caller_, id);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    ASSERT_EQ(t->messages.size(), model.size());
    EXPECT_EQ(t->info.message_count, model.size());
    auto it = model.begin();
    for (const Message& m : t->messages) {
      EXPECT_EQ(m.seq, it->first);
      EXPECT_EQ(m.text, it->second);
      ++it;
    }
  }
}

TEST(StateRecordTest, TheSeqBoundIsWrittenAsVersion4AndOlderStatesHaveNone) {
  StateRecord r;
  r.service = "helpline";
  r.message_count = 3;
  r.activity_known = true;
  r.visitor_messages = 2;
  // Unknown bound: version 3, as before.
  const std::string v3 = EncodeState(r);
  EXPECT_EQ(static_cast<uint8_t>(v3[0]), kStateVersionActivity);
  auto d3 = DecodeState(v3);
  ASSERT_TRUE(d3.ok());
  EXPECT_FALSE(d3->seq_bound_known);
  EXPECT_EQ(d3->message_count, 3u);
  // Known bound: version 4, eight bytes longer, read back exactly.
  for (const uint64_t bound : {uint64_t{0}, uint64_t{7}, uint64_t{1000001}, UINT64_MAX}) {
    r.seq_bound_known = true;
    r.seq_bound = bound;
    const std::string v4 = EncodeState(r);
    EXPECT_EQ(static_cast<uint8_t>(v4[0]), kStateVersionSeqBound);
    EXPECT_EQ(v4.size(), v3.size() + 8);
    auto d4 = DecodeState(v4);
    ASSERT_TRUE(d4.ok());
    EXPECT_TRUE(d4->seq_bound_known);
    EXPECT_EQ(d4->seq_bound, bound);
    EXPECT_EQ(d4->visitor_messages, 2u);
    EXPECT_EQ(d4->service, "helpline");
    // A version 4 state one byte short or long, or a version 3 state with a
    // bound after it, is malformed.
    EXPECT_FALSE(DecodeState(v4.substr(0, v4.size() - 1)).ok());
    EXPECT_FALSE(DecodeState(v4 + "x").ok());
    std::string v3_with_bound = v4;
    v3_with_bound[0] = static_cast<char>(kStateVersionActivity);
    EXPECT_FALSE(DecodeState(v3_with_bound).ok());
  }
}

TEST_F(VaultTest, AppendAfterCloseIsRefusedAndChangesNothing) {
  const std::string id = Create();
  Append(id, 1, "a");
  auto closed = vault_->CloseTranscript(caller_, id);
  ASSERT_TRUE(closed.ok());
  auto r = vault_->AppendMessage(caller_, id, Msg(2, "late"));
  EXPECT_EQ(r.status().code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(r.status().reason(), "transcript_closed");
  EXPECT_EQ(vault_->GetTranscript(caller_, id)->messages.size(), 1u);
  // Closing again is idempotent and does not move the expiry.
  clock_.Advance(5 * kEpoch);
  EXPECT_EQ(*vault_->CloseTranscript(caller_, id), *closed);
}

TEST_F(VaultTest, RejectsBadInputWithoutChangingAnything) {
  const std::string id = Create();
  Append(id, 1, "a");
  NewTranscript bad_service{"has space", {}};
  EXPECT_EQ(vault_->CreateTranscript(caller_, bad_service).status().reason(), "invalid_service");
  NewTranscript long_name{"svc", {}};
  long_name.visitor.name = std::string(2000, 'n');
  EXPECT_EQ(vault_->CreateTranscript(caller_, long_name).status().reason(), "field_too_long");
  EXPECT_EQ(vault_->AppendMessage(caller_, id, Message{2, "robot", "x", "2026-11-22T10:00:00Z", {}})
                .status().reason(), "invalid_from");
  EXPECT_EQ(vault_->AppendMessage(caller_, id, Message{2, "agent", "x", "yesterday", {}}).status().reason(),
            "invalid_sent_at");
  EXPECT_EQ(vault_->AppendMessage(caller_, id, Message{2, "agent", "\xff", "2026-11-22T10:00:00Z", {}})
                .status().reason(), "invalid_utf8");
  EXPECT_EQ(vault_->AppendMessage(caller_, id, Msg(2000000, "x")).status().reason(), "invalid_seq");
  EXPECT_EQ(vault_->AppendMessage(caller_, id, Msg(2, std::string(64 * 1024 + 1, 'x'))).status().reason(),
            "text_too_long");
  EXPECT_EQ(vault_->AppendMessage(caller_, "00000000000000000000000000000000", Msg(1, "x")).status().code(),
            Status::Code::kNotFound);
  EXPECT_EQ(vault_->GetTranscript(caller_, "not-an-id").status().code(), Status::Code::kNotFound);
  auto t = vault_->GetTranscript(caller_, id);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->messages.size(), 1u);
  EXPECT_EQ(t->info.message_count, 1u);
}

TEST_F(VaultTest, OpenChatIsWrappedAtNowPlusRetentionAndRewrappedAtClose) {
  const UnixMillis t0 = clock_.NowMillis();
  const std::string id = Create();
  Keyring* kr = vault_->keyring();
  const uint64_t e_open = kr->EpochOf(t0 + kRetention);
  EXPECT_EQ(WrappedEpochOf(id), e_open);
  EXPECT_TRUE(InExpiryIndex(e_open, id));
  EXPECT_EQ(vault_->GetTranscript(caller_, id)->info.expires_at, t0 + kRetention);

  // Activity three epochs later moves the earliest possible expiry forward.
  clock_.Advance(3 * kEpoch);
  Append(id, 1, "still here");
  const uint64_t e_active = kr->EpochOf(clock_.NowMillis() + kRetention);
  EXPECT_EQ(e_active, e_open + 3);
  EXPECT_EQ(WrappedEpochOf(id), e_active);

  // Close seven epochs later: wrapped under close + retention, index moved.
  clock_.Advance(7 * kEpoch + 250);
  const UnixMillis closed_at = clock_.NowMillis();
  auto expires = vault_->CloseTranscript(caller_, id);
  ASSERT_TRUE(expires.ok());
  EXPECT_EQ(*expires, closed_at + kRetention);
  const uint64_t e_closed = kr->EpochOf(closed_at + kRetention);
  EXPECT_EQ(WrappedEpochOf(id), e_closed);
  EXPECT_TRUE(InExpiryIndex(e_closed, id));
  EXPECT_FALSE(InExpiryIndex(e_open, id));
  EXPECT_FALSE(InExpiryIndex(e_active, id));
  auto t = vault_->GetTranscript(caller_, id);
  EXPECT_EQ(t->info.state, TranscriptState::kClosed);
  EXPECT_EQ(t->info.closed_at, closed_at);
  EXPECT_EQ(t->info.expires_at, closed_at + kRetention);

  // The stale copy (epoch e_open) is destroyed before the live one.
  ASSERT_LT(e_open, e_closed);
}

TEST_F(VaultTest, ExpiredTranscriptIsGoneAndShreddedOneStaysGone) {
  const std::string id = Create();
  auto expires = vault_->CloseTranscript(caller_, id);
  ASSERT_TRUE(expires.ok());
  clock_.Set(*expires - 1);
  EXPECT_TRUE(vault_->GetTranscript(caller_, id).ok());
  clock_.Set(*expires);
  EXPECT_EQ(vault_->GetTranscript(caller_, id).status().code(), Status::Code::kGone);
  // Destroying its epoch makes it unreadable for good, whatever the clock says.
  const uint64_t e = WrappedEpochOf(id);
  ASSERT_TRUE(vault_->keyring()->AdvanceTo(e + 1).ok());
  clock_.Set(*expires - 1);
  EXPECT_EQ(vault_->GetTranscript(caller_, id).status().code(), Status::Code::kGone);
  Reopen();
  EXPECT_EQ(vault_->GetTranscript(caller_, id).status().code(), Status::Code::kGone);
}

TEST_F(VaultTest, RefusesToChangeTheEpochLengthOfAnExistingVault) {
  vault_.reset();
  Options o;
  o.data_dir = dir_.path() + "/data";
  o.epoch_ms = 2 * kEpoch;
  o.retention_ms = kRetention;
  auto v = VaultImpl::Open(o, &clock_);
  EXPECT_EQ(v.status().reason(), "epoch_mismatch");
}

}  // namespace
}  // namespace vault

namespace vault {
namespace {

using VaultKeysTest = testing::VaultFixture;

TEST_F(VaultKeysTest, AMissingKeyringBesideDataIsRefusedNotRecreated) {
  const std::string id = Create();
  vault_.reset();
  ASSERT_EQ(::unlink((dir_.path() + "/data/keys/keyring").c_str()), 0);
  Options o;
  o.data_dir = dir_.path() + "/data";
  o.epoch_ms = kEpoch;
  o.retention_ms = kRetention;
  auto v = VaultImpl::Open(o, &clock_);
  EXPECT_EQ(v.status().reason(), "keyring_missing") << v.status().ToString();
  EXPECT_FALSE(testing::FileExistsForTest(dir_.path() + "/data/keys/keyring"));
}

TEST_F(VaultKeysTest, AMissingRootKeyBesideDataIsRefusedNotRecreated) {
  Create();
  vault_.reset();
  ASSERT_EQ(::unlink((dir_.path() + "/data/keys/root.key").c_str()), 0);
  Options o;
  o.data_dir = dir_.path() + "/data";
  o.epoch_ms = kEpoch;
  o.retention_ms = kRetention;
  auto v = VaultImpl::Open(o, &clock_);
  EXPECT_EQ(v.status().reason(), "root_key_missing") << v.status().ToString();
  EXPECT_FALSE(testing::FileExistsForTest(dir_.path() + "/data/keys/root.key"));
}

TEST_F(VaultKeysTest, ShorteningRetentionDoesNotMakeExistingTranscriptsCorrupt) {
  const std::string id = Create();
  Append(id, 1, "kept");
  vault_.reset();
  Options o;
  o.data_dir = dir_.path() + "/data";
  o.epoch_ms = kEpoch;
  o.retention_ms = 2 * kEpoch;  // far shorter than before
  auto v = VaultImpl::Open(o, &clock_);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  auto t = (*v)->GetTranscript(caller_, id);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->messages.size(), 1u);
}

}  // namespace
}  // namespace vault
