// A Store on a real RocksDB directory under VAULT_TEST_TMPDIR, opened fresh
// for each test, with short verbs for the calls the storage tests repeat.
#ifndef VAULT_TESTS_STORAGE_STORE_FIXTURE_H_
#define VAULT_TESTS_STORAGE_STORE_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tests/support/api_util.h"  // ASSERT_OK / EXPECT_OK
#include "tests/support/temp_dir.h"
#include "vault/storage/store.h"

namespace vault::testing {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

inline constexpr Column kAllColumns[] = {Column::kTranscripts, Column::kMessages,
                                         Column::kWrappedKeys, Column::kExpiryIndex,
                                         Column::kHolds,       Column::kVisitorIndex, Column::kRights,
                                         Column::kStatistics};

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(Open()); }

  std::string db_dir() const { return dir_.path() + "/db"; }
  Store& store() { return *store_; }

  void Open() {
    auto opened = Store::Open(db_dir());
    ASSERT_OK(opened);
    store_ = std::move(opened).value();
  }
  void Close() { store_.reset(); }
  // Closes the store and opens the same directory again.
  void Reopen() {
    Close();
    ASSERT_NO_FATAL_FAILURE(Open());
  }

  // One-operation batches, written with sync.
  Status Put(Column c, std::string_view key, std::string_view value) {
    WriteBatch batch;
    batch.Put(c, key, value);
    return store_->Write(&batch);
  }
  Status Delete(Column c, std::string_view key) {
    WriteBatch batch;
    batch.Delete(c, key);
    return store_->Write(&batch);
  }
  Status DeleteRange(Column c, std::string_view begin, std::string_view end) {
    WriteBatch batch;
    batch.DeleteRange(c, begin, end);
    return store_->Write(&batch);
  }
  Status Add(std::string_view counter, int64_t delta) {
    WriteBatch batch;
    batch.AddToCounter(counter, delta);
    return store_->Write(&batch);
  }

  // The value under `key`, or "<absent>" if Get answers NotFound (any other
  // error fails the test).
  std::string ValueOf(Column c, std::string_view key) {
    auto value = store_->Get(c, key);
    if (value.ok()) return *value;
    EXPECT_EQ(value.status().code(), Status::Code::kNotFound) << value.status().ToString();
    return "<absent>";
  }
  int64_t CounterOf(std::string_view name) {
    auto value = store_->ReadCounter(name);
    EXPECT_TRUE(value.ok()) << value.status().ToString();
    return value.ok() ? *value : -999999;
  }

  // Everything Scan(prefix) visits, in visiting order.
  KeyValues ScanAll(Column c, std::string_view prefix = "") {
    KeyValues seen;
    EXPECT_OK(store_->Scan(c, prefix, [&](std::string_view k, std::string_view v) {
      seen.emplace_back(k, v);
      return true;
    }));
    return seen;
  }
  // The keys ScanRange(begin, end) visits, in visiting order.
  std::vector<std::string> RangeKeys(Column c, std::string_view begin, std::string_view end) {
    std::vector<std::string> keys;
    EXPECT_OK(store_->ScanRange(c, begin, end, [&](std::string_view k, std::string_view) {
      keys.emplace_back(k);
      return true;
    }));
    return keys;
  }
  static std::vector<std::string> KeysOf(const KeyValues& kvs) {
    std::vector<std::string> keys;
    for (const auto& kv : kvs) keys.push_back(kv.first);
    return keys;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace vault::testing

#endif  // VAULT_TESTS_STORAGE_STORE_FIXTURE_H_
