// The visitor index's in-memory epoch filter inside the vault: a lookup with
// it finds exactly what a lookup that seeks every epoch finds, after writes,
// re-wraps, erasure, a restart (the filter rebuilt from disk) and shredding.
#include <gtest/gtest.h>

#include <string>
#include <tuple>
#include <vector>

#include "tests/core/visitor_fixture.h"
#include "vault/index/epoch_tag_filter.h"
#include "vault/index/identifiers.h"
#include "vault/index/visitor_index.h"

namespace vault::testing {
namespace {

class IndexFilterTest : public VisitorFixture {
 protected:
  using Found = std::vector<std::tuple<std::string, IdentifierKind, uint64_t>>;
  static Found Of(const StatusOr<std::vector<VisitorIndex::Match>>& matches) {
    Found out;
    EXPECT_TRUE(matches.ok()) << matches.status().ToString();
    if (!matches.ok()) return out;
    for (const auto& m : *matches) out.emplace_back(m.raw_id, m.kind, m.epoch);
    return out;
  }
  // Every visitor's lookup through the vault's index (with its filter,
  // once built) and through an index over the same keyring and store that
  // seeks every epoch: the same matches, in the same order.
  void ExpectSameAnswers() {
    vault_->WaitForIndexFilter();
    ASSERT_TRUE(vault_->index_filter().ready());
    const VisitorIndex unfiltered(vault_->keyring(), vault_->store());
    size_t found = 0;
    for (const Visitor& v : visitors_) {
      const std::vector<Identifier> ids = IndexedIdentifiers(v);
      const Found with = Of(vault_->visitor_index().Find(ids, 10000));
      const Found without = Of(unfiltered.Find(ids, 10000));
      EXPECT_EQ(with, without) << *v.ref;
      found += with.size();
    }
    EXPECT_GT(found, 0u) << "some visitor still has transcripts (the check can fail)";
  }
  // The visitor-index entries of live epochs in the store.
  size_t LiveEntries() {
    size_t n = 0;
    const uint64_t base = vault_->keyring()->base_epoch();
    EXPECT_TRUE(vault_->store()
                    ->Scan(Column::kVisitorIndex, "",
                           [&](std::string_view k, std::string_view) {
                             if (k.size() == kVisitorIndexKeyBytes && GetU64(k.data()) >= base) {
                               ++n;
                             }
                             return true;
                           })
                    .ok());
    return n;
  }

  std::vector<Visitor> visitors_;
};

TEST_F(IndexFilterTest, FindsExactlyWhatSeekingEveryEpochFinds) {
  // 12 visitors, each with transcripts in many epochs: some closed (their
  // entries move to a later epoch), one erased, two sharing an IP address.
  for (int v = 0; v < 12; ++v) {
    const std::string n = std::to_string(v);
    visitors_.push_back(V(("ref-" + n).c_str(), ("v" + n + "@example.org").c_str(),
                          ("+4477009001" + std::string(n.size() < 2 ? "0" : "") + n).c_str(),
                          v < 2 ? "192.0.2.1" : ("192.0.2." + std::to_string(10 + v)).c_str()));
  }
  std::vector<std::string> ids;
  // 20 rounds of an epoch and a bit: within the retention period, so
  // nothing expires before the end.
  for (int round = 0; round < 20; ++round) {
    for (size_t v = 0; v < visitors_.size(); ++v) {
      if ((round + v) % 3 == 0) continue;
      ids.push_back(Open(v % 2 ? "helpline" : "textline", visitors_[v]));
      if (round % 2 == 0) {
        clock_.Advance(kEpoch / 3);
        ASSERT_TRUE(vault_->CloseTranscript(caller_, ids.back()).ok());
      }
    }
    clock_.Advance(kEpoch);
  }
  const Status erased = vault_->EraseTranscript(caller_, ids[ids.size() - 3], EraseReason::kNone);
  ASSERT_TRUE(erased.ok()) << erased.ToString();
  ExpectSameAnswers();
  // Every entry written since the start was noted as it was written.
  EXPECT_GE(vault_->index_filter().size().entries, LiveEntries());

  // Restarted: the filter is rebuilt from what is on disk, one entry each.
  Reopen();
  ExpectSameAnswers();
  EXPECT_EQ(vault_->index_filter().size().entries, LiveEntries());

  // An identifier no one used: no epoch's filter lets a seek through for
  // it, except by a rare false positive (far fewer than the epochs).
  const std::vector<Identifier> stranger = IndexedIdentifiers(V("nobody"));
  ASSERT_EQ(stranger.size(), 1u);
  const uint64_t base = vault_->keyring()->base_epoch();
  const uint64_t top = vault_->keyring()->EpochOf(clock_.NowMillis() + kRetention);
  auto tags = vault_->keyring()->VisitorTags(base, top, IdentifierTagInput(stranger[0]));
  ASSERT_TRUE(tags.ok());
  std::vector<std::pair<uint64_t, std::string_view>> probes;
  for (const auto& [epoch, tag] : *tags) probes.emplace_back(epoch, tag);
  size_t maybe = 0;
  for (bool m : vault_->index_filter().MayContain(probes)) maybe += m;
  EXPECT_LE(maybe, 2u) << "of " << probes.size() << " epochs";
  EXPECT_TRUE(Of(vault_->visitor_index().Find(stranger, 10)).empty());

  // Epochs destroyed by retention leave the filter with the keys. One epoch
  // at a time, so each purge locks the stripes of at most a dozen
  // transcripts (a purge locks every transcript it destroys, and TSan's
  // deadlock detector fails on more than 64 locks held at once).
  const size_t epochs_before = vault_->index_filter().size().epochs;
  for (int64_t step = 0; step < kRetention / kEpoch + 10; ++step) {
    clock_.Advance(kEpoch);
    ASSERT_TRUE(vault_->RunRetention().ok());
  }
  EXPECT_LT(vault_->index_filter().size().epochs, epochs_before);
  // New transcripts after the shredding are found, by both.
  for (size_t v = 0; v < visitors_.size(); v += 3) Open("helpline", visitors_[v]);
  ExpectSameAnswers();
}

}  // namespace
}  // namespace vault::testing
