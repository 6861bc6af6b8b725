// EpochTagFilter: never a false negative, few false positives, built from a
// real RocksDB store while entries are being added, dropped with epochs.
#include "vault/index/epoch_tag_filter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tests/support/temp_dir.h"
#include "vault/storage/schema.h"
#include "vault/storage/store.h"

namespace vault::testing {
namespace {

// Tags are keyed hashes: uniform bytes, like these.
std::string RandomTag(std::mt19937_64& rng) {
  std::string tag(kVisitorTagBytes, '\0');
  for (char& c : tag) c = static_cast<char>(rng() & 0xff);
  return tag;
}

using Probe = std::vector<std::pair<uint64_t, std::string_view>>;

bool MayContain(const EpochTagFilter& f, uint64_t epoch, const std::string& tag) {
  return f.MayContain(Probe{{epoch, tag}})[0];
}

// A filter that is ready, built from an empty store.
class ReadyFilter {
 public:
  ReadyFilter() {
    auto opened = Store::Open(dir_.path() + "/db");
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
    const std::atomic<bool> stop{false};
    EXPECT_TRUE(filter.Build(*store_, 0, stop).ok());
    EXPECT_TRUE(filter.ready());
  }
  EpochTagFilter filter;

 private:
  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST(EpochTagFilterTest, BeforeItIsBuiltEveryPrefixMayBeThere) {
  EpochTagFilter f;
  std::mt19937_64 rng(1);
  f.Add(7, RandomTag(rng));
  EXPECT_FALSE(f.ready());
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(MayContain(f, 7 + i % 3, RandomTag(rng)));
}

TEST(EpochTagFilterTest, NoFalseNegativesAndFewFalsePositivesAsEpochsGrow) {
  ReadyFilter r;
  EpochTagFilter& f = r.filter;
  std::mt19937_64 rng(2);
  // Epochs of very different sizes, each filled one tag at a time, so each
  // grows through several filters (the first sized like the epoch before).
  std::vector<std::pair<uint64_t, std::string>> added;
  const int sizes[] = {1, 300, 5000, 40, 20000, 2};
  for (uint64_t e = 0; e < std::size(sizes); ++e) {
    for (int i = 0; i < sizes[e]; ++i) {
      added.emplace_back(100 + e, RandomTag(rng));
      f.Add(added.back().first, added.back().second);
    }
  }
  for (const auto& [epoch, tag] : added) ASSERT_TRUE(MayContain(f, epoch, tag)) << epoch;
  // Absent tags in those epochs: the false-positive rate stays under 1 %
  // (about 0.3 % expected at 14 bits per entry).
  Probe probes;
  std::vector<std::string> absent;
  for (int i = 0; i < 200000; ++i) absent.push_back(RandomTag(rng));
  for (int i = 0; i < 200000; ++i) probes.emplace_back(100 + i % std::size(sizes), absent[i]);
  const std::vector<bool> maybe = f.MayContain(probes);
  size_t positives = 0;
  for (bool m : maybe) positives += m;
  EXPECT_LT(positives, 2000u) << positives << " false positives of 200,000";
  // An epoch that holds nothing: certain no.
  EXPECT_FALSE(MayContain(f, 99, added[0].second));
  EXPECT_FALSE(MayContain(f, 100 + std::size(sizes), added[0].second));
  const EpochTagFilter::Size size = f.size();
  EXPECT_EQ(size.epochs, std::size(sizes));
  EXPECT_EQ(size.entries, added.size());
  // About 14 bits per entry, at most twice that with the growth filters.
  EXPECT_LT(size.bytes, added.size() * 5 + std::size(sizes) * 1024);
}

TEST(EpochTagFilterTest, AnswersInTheOrderAskedWhateverTheOrderOfEpochs) {
  ReadyFilter r;
  EpochTagFilter& f = r.filter;
  std::mt19937_64 rng(3);
  std::vector<std::string> tags;
  for (uint64_t e = 0; e < 50; ++e) {
    tags.push_back(RandomTag(rng));
    if (e % 2 == 0) f.Add(e, tags.back());  // odd epochs hold nothing
  }
  // Epoch-major, backwards, repeated, interleaved with absent epochs.
  Probe probes;
  std::vector<bool> expected;
  for (uint64_t e = 50; e-- > 0;) {
    probes.emplace_back(e, tags[e]);
    expected.push_back(e % 2 == 0);
    probes.emplace_back(e, tags[e]);
    expected.push_back(e % 2 == 0);
    probes.emplace_back(e + 1000, tags[e]);
    expected.push_back(false);
  }
  const std::vector<bool> maybe = f.MayContain(probes);
  ASSERT_EQ(maybe.size(), expected.size());
  for (size_t i = 0; i < maybe.size(); ++i) {
    // A present tag is always found; an absent epoch is always refused.
    if (expected[i]) {
      EXPECT_TRUE(maybe[i]) << i;
    }
    if (probes[i].first >= 1000) {
      EXPECT_FALSE(maybe[i]) << i;
    }
  }
}

TEST(EpochTagFilterTest, ATagThatIsNotSixteenBytesIsIgnoredAndNeverRefused) {
  ReadyFilter r;
  r.filter.Add(1, "short");
  EXPECT_EQ(r.filter.size().entries, 0u);
  EXPECT_TRUE(MayContain(r.filter, 1, "short"));
}

TEST(EpochTagFilterTest, DropBeforeForgetsTheDestroyedEpochs) {
  ReadyFilter r;
  EpochTagFilter& f = r.filter;
  std::mt19937_64 rng(4);
  std::vector<std::string> tags;
  for (uint64_t e = 10; e < 20; ++e) {
    tags.push_back(RandomTag(rng));
    f.Add(e, tags.back());
  }
  f.DropBefore(15);
  EXPECT_EQ(f.size().epochs, 5u);
  for (uint64_t e = 10; e < 20; ++e) EXPECT_EQ(MayContain(f, e, tags[e - 10]), e >= 15) << e;
  const std::optional<EpochTagFilter::Span> span = f.EpochsFrom(0);
  ASSERT_TRUE(span.has_value());
  EXPECT_TRUE(span->any);
  EXPECT_EQ(span->first, 15u);
  EXPECT_EQ(span->last, 19u);
  f.DropBefore(20);
  EXPECT_FALSE(f.EpochsFrom(0)->any);
}

TEST(EpochTagFilterTest, BuildReadsEveryEpochEntryOfTheStoreWhileEntriesAreAdded) {
  TempDir dir;
  auto opened = Store::Open(dir.path() + "/db");
  ASSERT_TRUE(opened.ok());
  std::unique_ptr<Store> store = std::move(opened).value();
  std::mt19937_64 rng(5);
  // 40 epochs of 500 entries on disk (after a restart these are all a
  // filter has), a destroyed epoch's leftovers below the base, a held
  // entry and a malformed key, which the filter must not take.
  std::vector<std::pair<uint64_t, std::string>> on_disk;
  WriteBatch batch;
  for (uint64_t e = 1000; e < 1040; ++e) {
    for (int i = 0; i < 500; ++i) {
      std::string tag = RandomTag(rng);
      batch.Put(Column::kVisitorIndex, VisitorIndexKey(e, tag, std::string(kIdBytes, 'i')), "s");
      on_disk.emplace_back(e, std::move(tag));
    }
  }
  const std::string old_tag = RandomTag(rng);
  batch.Put(Column::kVisitorIndex, VisitorIndexKey(999, old_tag, std::string(kIdBytes, 'o')), "");
  batch.Put(Column::kVisitorIndex,
            HeldIndexKey(std::string(kCasePrefixBytes, 'c'), RandomTag(rng),
                         std::string(kIdBytes, 'h')),
            "");
  batch.Put(Column::kVisitorIndex, VisitorIndexPrefix(1001, "x"), "");
  ASSERT_TRUE(store->Write(&batch).ok());

  // Build on one thread while another adds entries of new epochs (as the
  // vault's writers do from its start on, before the build has finished).
  EpochTagFilter f;
  std::vector<std::pair<uint64_t, std::string>> added;
  for (int i = 0; i < 5000; ++i) added.emplace_back(1030 + i % 20, RandomTag(rng));
  std::atomic<bool> stop{false};
  std::thread adder([&] {
    for (const auto& [e, tag] : added) f.Add(e, tag);
  });
  const Status built = f.Build(*store, 1000, stop);
  adder.join();
  ASSERT_TRUE(built.ok()) << built.ToString();
  ASSERT_TRUE(f.ready());
  for (const auto& [e, tag] : on_disk) ASSERT_TRUE(MayContain(f, e, tag)) << e;
  for (const auto& [e, tag] : added) ASSERT_TRUE(MayContain(f, e, tag)) << e;
  EXPECT_FALSE(MayContain(f, 999, old_tag));  // below the base it was built from
  // The epochs a lookup must tag and seek: every one holding an entry,
  // those on disk and those added during the build, and no more.
  for (const uint64_t from : {0, 1000, 1001, 1045, 1049}) {
    const std::optional<EpochTagFilter::Span> span = f.EpochsFrom(from);
    ASSERT_TRUE(span.has_value());
    EXPECT_TRUE(span->any);
    EXPECT_EQ(span->first, std::max<uint64_t>(from, 1000)) << from;
    EXPECT_EQ(span->last, 1049u);
  }
  EXPECT_FALSE(f.EpochsFrom(1050)->any);
  const EpochTagFilter::Size size = f.size();
  EXPECT_EQ(size.entries, on_disk.size() + added.size());
  EXPECT_EQ(size.epochs, 50u);
}

TEST(EpochTagFilterTest, AStoppedBuildIsNotReadySoNothingIsRefused) {
  TempDir dir;
  auto opened = Store::Open(dir.path() + "/db");
  ASSERT_TRUE(opened.ok());
  std::unique_ptr<Store> store = std::move(opened).value();
  std::mt19937_64 rng(6);
  WriteBatch batch;
  for (int i = 0; i < 10; ++i) {
    batch.Put(Column::kVisitorIndex,
              VisitorIndexKey(5, RandomTag(rng), std::string(kIdBytes, 'i')), "");
  }
  ASSERT_TRUE(store->Write(&batch).ok());
  EpochTagFilter f;
  const std::atomic<bool> stop{true};
  EXPECT_TRUE(f.Build(*store, 0, stop).ok());
  EXPECT_FALSE(f.ready());
  EXPECT_TRUE(MayContain(f, 5, RandomTag(rng)));
  EXPECT_FALSE(f.EpochsFrom(0).has_value());  // the caller asks the store instead
}

}  // namespace
}  // namespace vault::testing
