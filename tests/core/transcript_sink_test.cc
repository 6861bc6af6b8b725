// Vault::ReadTranscriptPage: a transcript given to a sink record by record
// (what GET /v1/transcripts/{id} writes its JSON from) is what was written
// and the same page GetTranscriptPage returns, for whole transcripts and every page of them,
// with supplementary statements; it is refused and audited as a read; a
// refused read gives the sink nothing; a corrupt record ends it with
// Corruption, audited as such.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/core/rights_fixture.h"
#include "vault/common/outcome.h"
#include "vault/storage/schema.h"

namespace vault::testing {
namespace {

// Every call as a line of text, so that two reads compare as two vectors.
class RecordingSink final : public TranscriptSink {
 public:
  void Begin(const TranscriptInfo& info, const Visitor& visitor, size_t messages) override {
    bound = messages;
    lines.push_back("begin " + info.id + " " + info.service + " " +
                    std::to_string(info.message_count) + " " + visitor.name.value_or("-") + " " +
                    visitor.ip.value_or("-"));
  }
  void AddMessage(uint64_t seq, std::string_view from, std::string_view text,
                  std::string_view sent_at) override {
    lines.push_back("message " + std::to_string(seq) + " " + std::string(from) + " " +
                    std::string(sent_at) + " " + std::string(text));
  }
  void AddStatement(std::string_view text, UnixMillis added_at) override {
    lines.push_back("statement " + std::to_string(added_at) + " " + std::string(text));
  }
  void End(std::optional<uint64_t> next_from_seq) override {
    lines.push_back("end " + (next_from_seq ? std::to_string(*next_from_seq) : "-"));
  }
  std::vector<std::string> lines;
  size_t bound = 0;  // the most messages Begin was told to expect
};

class TranscriptSinkTest : public RightsFixture {
 protected:
  void SetUp() override {
    RightsFixture::SetUp();
    id_ = Create("Alice");
    // Seqs with gaps, texts of many lengths, statements on some messages.
    for (uint64_t i = 0; i < 23; ++i) {
      const uint64_t seq = i * 3 + (i % 2);
      texts_.push_back(std::string(1 + i * 131, static_cast<char>('a' + i % 26)));
      Append(id_, seq, texts_.back());
      seqs_.push_back(seq);
    }
    statements_ = {seqs_[0], seqs_[4], seqs_[4], seqs_[22]};
    for (uint64_t seq : statements_) {
      StatementFiling f;
      f.seq = seq;
      f.text = "a statement on " + std::to_string(seq);
      auto added = vault_->AddStatement(Dpo(), id_, f);
      ASSERT_TRUE(added.ok()) << added.status().ToString();
    }
  }
  // The page as the test wrote the transcript: messages from `from` on, at
  // most `limit` of them (0: all), each followed by its statements.
  std::vector<std::string> Model(const MessageRange& range) {
    std::vector<std::string> lines{"begin " + id_ + " helpline 23 Alice 192.0.2.7"};
    size_t given = 0;
    for (size_t i = 0; i < seqs_.size(); ++i) {
      if (seqs_[i] < range.from_seq) continue;
      if (range.limit != 0 && given == range.limit) {
        lines.push_back("end " + std::to_string(seqs_[i]));
        return lines;
      }
      lines.push_back("message " + std::to_string(seqs_[i]) + " visitor 2026-11-22T10:00:00Z " +
                      texts_[i]);
      ++given;
      for (uint64_t on : statements_) {
        if (on == seqs_[i]) {
          lines.push_back("statement 1800000000500 a statement on " + std::to_string(on));
        }
      }
    }
    lines.push_back("end -");
    return lines;
  }
  // The page as GetTranscriptPage returns it, given to a sink.
  std::vector<std::string> Returned(const MessageRange& range) {
    auto page = vault_->GetTranscriptPage(caller_, id_, range);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    RecordingSink sink;
    if (page.ok()) SendTranscript(*page, &sink);
    return sink.lines;
  }

  std::string id_;
  std::vector<uint64_t> seqs_;
  std::vector<std::string> texts_;
  std::vector<uint64_t> statements_;  // the seq each statement is on
};

TEST_F(TranscriptSinkTest, EveryPageIsWhatWasWrittenAndWhatGetTranscriptPageReturns) {
  RecordingSink whole;
  ASSERT_TRUE(vault_->ReadTranscriptPage(caller_, id_, MessageRange{}, &whole).ok());
  EXPECT_EQ(whole.lines, Model(MessageRange{}));
  EXPECT_EQ(whole.lines, Returned(MessageRange{}));
  EXPECT_EQ(whole.bound, 23u);
  // 1 begin, 23 messages, 4 statements, 1 end.
  ASSERT_EQ(whole.lines.size(), 1u + 23 + 4 + 1);
  EXPECT_EQ(whole.lines[1].substr(0, 10), "message 0 ");
  EXPECT_EQ(whole.lines[2], "statement 1800000000500 a statement on 0");
  EXPECT_EQ(whole.lines.back(), "end -");

  for (size_t limit : {1u, 2u, 5u, 22u, 23u, 24u}) {
    for (uint64_t from : {uint64_t{0}, seqs_[3], seqs_[3] + 1, seqs_[22], seqs_[22] + 1}) {
      const MessageRange range{from, limit};
      RecordingSink page;
      ASSERT_TRUE(vault_->ReadTranscriptPage(caller_, id_, range, &page).ok());
      EXPECT_EQ(page.lines, Model(range)) << "from " << from << " limit " << limit;
      EXPECT_EQ(page.lines, Returned(range)) << "from " << from << " limit " << limit;
      // At most the limit and the transcript's count: a writer sizes by it.
      EXPECT_EQ(page.bound, std::min<size_t>(limit, 23)) << "from " << from << " limit " << limit;
    }
  }
  // A page that ends before the last message says where the next starts.
  RecordingSink first;
  ASSERT_TRUE(vault_->ReadTranscriptPage(caller_, id_, MessageRange{0, 4}, &first).ok());
  EXPECT_EQ(first.lines.back(), "end " + std::to_string(seqs_[4]));
}

TEST_F(TranscriptSinkTest, EachReadIsAuditedAndARefusedOneGivesNothing) {
  const size_t before = AuditPayloads("transcript.read").size();
  RecordingSink ok;
  ASSERT_TRUE(vault_->ReadTranscriptPage(caller_, id_, MessageRange{}, &ok).ok());

  RecordingSink refused;
  const Status other = vault_->ReadTranscriptPage(Agent("another-service"), id_, {}, &refused);
  EXPECT_EQ(other.reason(), "service_forbidden") << other.ToString();
  const Status unknown =
      vault_->ReadTranscriptPage(caller_, std::string(32, '0'), MessageRange{}, &refused);
  EXPECT_EQ(unknown.code(), Status::Code::kNotFound) << unknown.ToString();
  const Status no_role = vault_->ReadTranscriptPage(Auditor(), id_, MessageRange{}, &refused);
  EXPECT_FALSE(no_role.ok());
  // Restricted at its visitor's request: refused to every reader.
  const std::string restricted = ClosedFor(V("sam-1"), "a restricted chat");
  ASSERT_TRUE(Restrict(Q("sam-1")).ok());
  const size_t before_restricted = AuditPayloads("transcript.read").size();
  const Status held_back = vault_->ReadTranscriptPage(caller_, restricted, {}, &refused);
  EXPECT_EQ(held_back.reason(), "restricted") << held_back.ToString();
  EXPECT_TRUE(refused.lines.empty());

  const std::vector<boost::json::object> reads = AuditPayloads("transcript.read");
  ASSERT_EQ(before_restricted, before + 4);
  ASSERT_EQ(reads.size(), before + 5);
  EXPECT_EQ(reads[before].at("outcome").as_string(), "ok");
  EXPECT_EQ(reads[before + 1].at("outcome").as_string(), "service_forbidden");
  EXPECT_EQ(reads[before + 2].at("outcome").as_string(), "not_found");
  EXPECT_NE(reads[before + 3].at("outcome").as_string(), "ok");
  EXPECT_EQ(reads[before + 4].at("outcome").as_string(), "restricted");
}

TEST_F(TranscriptSinkTest, ACorruptRecordEndsTheReadAsCorruptionAndIsAudited) {
  // Flip one byte of the sealed message in the middle of the transcript.
  const std::string key = MessageKey(RawId(id_), seqs_[11]);
  auto sealed = vault_->store()->Get(Column::kMessages, key);
  ASSERT_TRUE(sealed.ok());
  std::string flipped = *sealed;
  flipped[flipped.size() / 2] ^= 0x01;
  WriteBatch batch;
  batch.Put(Column::kMessages, key, flipped);
  ASSERT_TRUE(vault_->store()->Write(&batch).ok());

  RecordingSink sink;
  const Status read = vault_->ReadTranscriptPage(caller_, id_, MessageRange{}, &sink);
  EXPECT_EQ(read.code(), Status::Code::kCorruption) << read.ToString();
  // Given up at the corrupt record: never its text, never an end.
  for (const std::string& line : sink.lines) {
    EXPECT_NE(line.substr(0, 8 + std::to_string(seqs_[11]).size() + 1),
              "message " + std::to_string(seqs_[11]) + " ");
    EXPECT_NE(line.substr(0, 3), "end");
  }
  EXPECT_EQ(AuditPayloads("transcript.read").back().at("outcome").as_string(),
            OutcomeOf(Status::Corruption("x")));
}

TEST_F(TranscriptSinkTest, AStatementWithoutItsMessageIsCorruption) {
  // A statement's key (its message's key and one byte more) for a seq with
  // no message: found right after message seqs_[11], before it is opened.
  const uint64_t seq = seqs_[11] + 1;
  ASSERT_NE(seq, seqs_[12]);
  WriteBatch batch;
  batch.Put(Column::kMessages, MessageKey(RawId(id_), seq) + std::string(1, '\0'), "sealed");
  ASSERT_TRUE(vault_->store()->Write(&batch).ok());

  RecordingSink sink;
  const Status read = vault_->ReadTranscriptPage(caller_, id_, MessageRange{}, &sink);
  EXPECT_EQ(read.code(), Status::Code::kCorruption) << read.ToString();
  EXPECT_NE(read.ToString().find("a statement without its message"), std::string::npos)
      << read.ToString();
  EXPECT_NE(sink.lines.back().substr(0, 3), "end");
}

}  // namespace
}  // namespace vault::testing
