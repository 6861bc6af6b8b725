// Acceptance: flipping any byte of a stored record, or moving a record to
// another transcript or sequence number, makes the read fail with a
// corruption error; wrong plaintext is never returned.
#include <gtest/gtest.h>

#include <map>

#include "tests/core/vault_fixture.h"

namespace vault {
namespace {

class TamperTest : public testing::VaultFixture {
 protected:
  void SetUp() override {
    VaultFixture::SetUp();
    a_ = Create("Alice");
    b_ = Create("Bob");
    for (uint64_t s = 1; s <= 3; ++s) {
      Append(a_, s, "alice message " + std::to_string(s));
      Append(b_, s, "bob message " + std::to_string(s));
    }
  }
  // Every key/value in a column that belongs to transcript a.
  std::map<std::string, std::string> Entries(Column c) {
    std::map<std::string, std::string> out;
    EXPECT_TRUE(vault_->store()->Scan(c, RawId(a_), [&](std::string_view k, std::string_view v) {
      out.emplace(std::string(k), std::string(v));
      return true;
    }).ok());
    return out;
  }
  void Put(Column c, const std::string& k, const std::string& v) {
    WriteBatch b;
    b.Put(c, k, v);
    ASSERT_TRUE(vault_->store()->Write(&b).ok());
  }
  void Del(Column c, const std::string& k) {
    WriteBatch b;
    b.Delete(c, k);
    ASSERT_TRUE(vault_->store()->Write(&b).ok());
  }
  void ExpectCorrupt(const std::string& id, const std::string& what) {
    auto t = vault_->GetTranscript(caller_, id);
    ASSERT_FALSE(t.ok()) << what << ": a tampered transcript was returned";
    EXPECT_EQ(t.status().code(), Status::Code::kCorruption) << what << ": " << t.status().ToString();
  }

  std::string a_, b_;
};

TEST_F(TamperTest, IntactTranscriptsRead) {
  ASSERT_TRUE(vault_->GetTranscript(caller_, a_).ok());
  ASSERT_TRUE(vault_->GetTranscript(caller_, b_).ok());
}

TEST_F(TamperTest, EveryFlippedByteOfEveryRecordIsCorruption) {
  for (Column c : {Column::kTranscripts, Column::kMessages}) {
    for (const auto& [k, v] : Entries(c)) {
      for (size_t i = 0; i < v.size(); i += (v.size() > 200 ? 7 : 1)) {
        std::string bad = v;
        bad[i] ^= 0x20;
        Put(c, k, bad);
        ExpectCorrupt(a_, std::string(ColumnName(c)) + " byte " + std::to_string(i));
      }
      Put(c, k, v);
    }
  }
  ASSERT_TRUE(vault_->GetTranscript(caller_, a_).ok());
}

TEST_F(TamperTest, EveryFlippedByteOfTheWrappedKeyFailsClosed) {
  const std::string k = RawId(a_);
  const std::string v = *vault_->store()->Get(Column::kWrappedKeys, k);
  for (size_t i = 0; i < v.size(); ++i) {
    std::string bad = v;
    bad[i] ^= 0x01;
    Put(Column::kWrappedKeys, k, bad);
    auto t = vault_->GetTranscript(caller_, a_);
    ASSERT_FALSE(t.ok()) << "byte " << i;
    // An epoch byte flipped below the oldest live epoch reads as destroyed.
    EXPECT_TRUE(t.status().code() == Status::Code::kCorruption ||
                t.status().code() == Status::Code::kGone) << t.status().ToString();
  }
  Put(Column::kWrappedKeys, k, v);
  ASSERT_TRUE(vault_->GetTranscript(caller_, a_).ok());
}

TEST_F(TamperTest, MessageMovedToAnotherSeqIsCorruption) {
  const std::string v1 = *vault_->store()->Get(Column::kMessages, MessageKey(RawId(a_), 1));
  const std::string v2 = *vault_->store()->Get(Column::kMessages, MessageKey(RawId(a_), 2));
  Put(Column::kMessages, MessageKey(RawId(a_), 2), v1);  // swap 1 and 2
  Put(Column::kMessages, MessageKey(RawId(a_), 1), v2);
  ExpectCorrupt(a_, "swapped seqs");
}

TEST_F(TamperTest, MessageMovedToANewSeqIsCorruption) {
  const std::string v1 = *vault_->store()->Get(Column::kMessages, MessageKey(RawId(a_), 1));
  Del(Column::kMessages, MessageKey(RawId(a_), 1));
  Put(Column::kMessages, MessageKey(RawId(a_), 9), v1);
  ExpectCorrupt(a_, "moved seq");
}

TEST_F(TamperTest, MessageMovedToAnotherTranscriptIsCorruption) {
  const std::string va = *vault_->store()->Get(Column::kMessages, MessageKey(RawId(a_), 2));
  Put(Column::kMessages, MessageKey(RawId(b_), 2), va);
  ExpectCorrupt(b_, "foreign message");
}

TEST_F(TamperTest, RecordsSwappedBetweenTranscriptsAreCorruption) {
  for (RecordKind kind : {RecordKind::kVisitor, RecordKind::kState}) {
    const std::string ka = TranscriptKey(RawId(a_), kind), kb = TranscriptKey(RawId(b_), kind);
    const std::string va = *vault_->store()->Get(Column::kTranscripts, ka);
    const std::string vb = *vault_->store()->Get(Column::kTranscripts, kb);
    Put(Column::kTranscripts, ka, vb);
    ExpectCorrupt(a_, "foreign record");
    Put(Column::kTranscripts, ka, va);
  }
  // Visitor record in the state slot of the same transcript.
  const std::string visitor =
      *vault_->store()->Get(Column::kTranscripts, TranscriptKey(RawId(a_), RecordKind::kVisitor));
  Put(Column::kTranscripts, TranscriptKey(RawId(a_), RecordKind::kState), visitor);
  ExpectCorrupt(a_, "record kind swapped");
}

TEST_F(TamperTest, DeletedOrReplayedMessagesAreCorruption) {
  Del(Column::kMessages, MessageKey(RawId(a_), 3));
  ExpectCorrupt(a_, "deleted message");
}

TEST_F(TamperTest, SwappedWrappedKeysAreCorruption) {
  const std::string wb = *vault_->store()->Get(Column::kWrappedKeys, RawId(b_));
  Put(Column::kWrappedKeys, RawId(a_), wb);
  ExpectCorrupt(a_, "foreign wrapped key");
}

}  // namespace
}  // namespace vault
