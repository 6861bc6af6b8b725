// The associated data that binds a sealed record to its place: its bytes
// are a stored format (docs/formats/rocksdb-schema.md), so they must not
// change with how they are built.
#include "vault/core/records.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace vault {
namespace {

std::string Expected(const std::string& id, RecordKind kind, uint64_t seq) {
  std::string ad("TV-rec-v1", 9);
  ad.push_back('\0');
  ad.push_back(static_cast<char>(kRecordVersion));
  ad.push_back(static_cast<char>(kind));
  ad += id;
  for (int shift = 56; shift >= 0; shift -= 8) ad.push_back(static_cast<char>(seq >> shift));
  return ad;
}

TEST(RecordAdTest, HasTheStoredLayoutForEveryIdLength) {
  // Ids are 16 bytes; every length up to and past the in-place buffer
  // (where the bytes move to the heap) gives the same layout.
  for (size_t n = 0; n <= 80; ++n) {
    std::string id;
    for (size_t i = 0; i < n; ++i) id.push_back(static_cast<char>(0xa0 + i));
    for (const uint64_t seq : {uint64_t{0}, uint64_t{42}, uint64_t{0x0102030405060708}, UINT64_MAX}) {
      const RecordAd ad(id, RecordKind::kMessage, seq);
      EXPECT_EQ(ad.view(), Expected(id, RecordKind::kMessage, seq)) << "id of " << n << " bytes";
      const RecordAd state(id, RecordKind::kState, 0);
      EXPECT_EQ(std::string_view(state), Expected(id, RecordKind::kState, 0));
      const RecordAd statement = StatementAd(id, seq, 7);
      EXPECT_EQ(statement.view(), Expected(id, RecordKind::kStatement, seq) + '\x07')
          << "id of " << n << " bytes";
    }
  }
}

TEST(RecordAdTest, ACopyHasItsOwnBytes) {
  // The original is replaced by other bytes in the same place after the
  // copy: a copy that still pointed into it would read those.
  for (const size_t n : {size_t{16}, size_t{70}}) {
    const std::string id(n, 'q');
    std::optional<RecordAd> original;
    original.emplace(id, RecordKind::kVisitor, 9);
    const RecordAd copy = *original;
    original.reset();
    original.emplace(std::string(n, 'z'), RecordKind::kState, 1);
    EXPECT_EQ(copy.view(), Expected(id, RecordKind::kVisitor, 9)) << "id of " << n << " bytes";
    EXPECT_EQ(original->view(), Expected(std::string(n, 'z'), RecordKind::kState, 1));
  }
}

TEST(RecordAdTest, BytesAppendedPastTheBufferMoveToTheHeap) {
  // Room is kept for a statement's one byte; more still come out right.
  for (const size_t n : {size_t{0}, size_t{16}, size_t{43}, size_t{44}}) {
    const std::string id(n, 'k');
    RecordAd ad(id, RecordKind::kStatement, 5);
    std::string expected = Expected(id, RecordKind::kStatement, 5);
    for (int i = 0; i < 40; ++i) {
      ad.Append(static_cast<uint8_t>(i));
      expected.push_back(static_cast<char>(i));
      ASSERT_EQ(ad.view(), expected) << "id of " << n << " bytes, " << i + 1 << " appended";
    }
  }
}

TEST(RecordAdTest, DistinctPlacesGiveDistinctBytes) {
  const std::string id(16, 'i');
  const std::string other(16, 'j');
  EXPECT_NE(RecordAd(id, RecordKind::kMessage, 1).view(), RecordAd(id, RecordKind::kMessage, 2).view());
  EXPECT_NE(RecordAd(id, RecordKind::kMessage, 1).view(), RecordAd(other, RecordKind::kMessage, 1).view());
  EXPECT_NE(RecordAd(id, RecordKind::kMessage, 1).view(), RecordAd(id, RecordKind::kState, 1).view());
  EXPECT_NE(StatementAd(id, 1, 0).view(), StatementAd(id, 1, 1).view());
}

}  // namespace
}  // namespace vault
