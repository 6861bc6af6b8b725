// AuditLog::Read pages through a segment with a fixed window
// (vault/audit/segment_reader.h): the memory a page costs does not grow with
// the segment (issue 13, item 4: GET /v1/audit/records read the whole
// segment, up to 16 MiB, for every page). Its own executable: it replaces
// the global operator new to see the largest single allocation.
#include <atomic>
#include <cstdlib>
#include <new>

#include "tests/audit/audit_fixture.h"

namespace {

std::atomic<bool> g_watching{false};
std::atomic<size_t> g_largest{0};

void* Allocate(size_t n) {
  if (g_watching.load(std::memory_order_relaxed)) {
    size_t seen = g_largest.load(std::memory_order_relaxed);
    while (n > seen && !g_largest.compare_exchange_weak(seen, n)) {
    }
  }
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}

}  // namespace

void* operator new(size_t n) { return Allocate(n); }
void* operator new[](size_t n) { return Allocate(n); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }

namespace vault::testing {
namespace {

class AuditReadTest : public AuditFixture {
 protected:
  // Records of 200 to 12,000 payload bytes, so that records straddle the
  // reader's window in many places.
  void AppendVaried(int n) {
    for (int i = 0; i < n; ++i) {
      clock_.Advance(10);
      audit::AccessEvent e = Event("transcript.read", "t" + std::to_string(i));
      e.details = {{"pad", std::string(200 + (i * 7919) % 11800, 'p')}};
      ASSERT_TRUE(log_->Append(e).ok());
    }
  }
  // The largest single allocation made by Read(from, max).
  size_t LargestAllocation(uint64_t from, size_t max) {
    g_largest.store(0);
    g_watching.store(true);
    auto page = log_->Read(from, max);
    g_watching.store(false);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return g_largest.load();
  }
};

TEST_F(AuditReadTest, PagesMatchOneWholeReadAcrossWindowBoundaries) {
  Open();
  AppendVaried(300);
  ASSERT_EQ(log_->Segments().size(), 1u);
  auto all = log_->Read(0, 100000);
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ(all->size(), log_->Size());
  for (uint64_t from : {0ull, 1ull, 37ull, 150ull, 299ull, 301ull}) {
    for (size_t max : {size_t{1}, size_t{7}, size_t{1000}}) {
      SCOPED_TRACE("from " + std::to_string(from) + " max " + std::to_string(max));
      auto page = log_->Read(from, max);
      ASSERT_TRUE(page.ok()) << page.status().ToString();
      const size_t expected = from >= all->size() ? 0 : std::min(max, all->size() - from);
      ASSERT_EQ(page->size(), expected);
      for (size_t i = 0; i < page->size(); ++i) {
        EXPECT_EQ((*page)[i].record.seq, from + i);
        EXPECT_EQ((*page)[i].record.payload, (*all)[from + i].record.payload);
        EXPECT_EQ((*page)[i].hash, (*all)[from + i].hash);
      }
    }
  }
}

TEST_F(AuditReadTest, APageCostsAWindowNotTheSegment) {
  Open();
  AppendVaried(400);  // about 2.4 MB, all in the first segment
  const auto segments = log_->Segments();
  ASSERT_EQ(segments.size(), 1u);
  ASSERT_GT(segments[0].second, 2u << 20);
  const uint64_t size = log_->Size();
  // The window (64 KiB) and the records returned, never the 2.4 MB segment.
  EXPECT_LT(LargestAllocation(size - 3, 3), 128u << 10);
  EXPECT_LT(LargestAllocation(0, 3), 128u << 10);
  EXPECT_LT(LargestAllocation(size / 2, 50), 128u << 10);
}

TEST_F(AuditReadTest, ADamagedLengthInThePageIsCorruption) {
  Open();
  AppendVaried(40);
  const uint64_t size = log_->Size();
  const std::string seg = SegPath(1);
  std::string bytes = Read(seg);
  // Walk to the record `size - 5` and give it an impossible length.
  size_t offset = 0;
  for (uint64_t seq = 0; seq < size - 5; ++seq) {
    const uint32_t len = (uint8_t(bytes[offset]) << 24) | (uint8_t(bytes[offset + 1]) << 16) |
                         (uint8_t(bytes[offset + 2]) << 8) | uint8_t(bytes[offset + 3]);
    offset += 4 + len + audit::kHashBytes;
  }
  bytes[offset] = '\x7f';
  Write(seg, bytes);
  auto page = log_->Read(size - 10, 10);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().reason(), "audit_log_corrupt") << page.status().ToString();
  auto before = log_->Read(0, size - 5);
  EXPECT_TRUE(before.ok()) << before.status().ToString();
}

}  // namespace
}  // namespace vault::testing
