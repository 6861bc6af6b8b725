// Store: the RocksDB schema. Stores opaque bytes and knows no cryptography:
// every value that reaches it is already sealed or wrapped.
//
// Column families (key layouts in docs/design.md):
//   transcripts   id(16) kind(1)          -> sealed visitor / state record
//   messages      id(16) seq(8, BE)       -> sealed message record
//   wrapped_keys  id(16)                  -> DEK wrapped under an epoch key
//   expiry_index  epoch(8, BE) id(16)     -> "" (which transcripts an epoch holds)
//
// Durability: Write() with sync=true returns after the WAL is fsynced;
// concurrent writers are group-committed by RocksDB.
// Thread safety: all methods may be called concurrently.
#ifndef VAULT_STORAGE_STORE_H_
#define VAULT_STORAGE_STORE_H_

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "vault/status.h"

namespace vault {

enum class Column { kTranscripts = 0, kMessages, kWrappedKeys, kExpiryIndex };
constexpr int kNumColumns = 4;
const char* ColumnName(Column c);

// An atomic group of changes.
class WriteBatch {
 public:
  WriteBatch();
  ~WriteBatch();
  WriteBatch(const WriteBatch&) = delete;
  WriteBatch& operator=(const WriteBatch&) = delete;

  void Put(Column c, std::string_view key, std::string_view value);
  void Delete(Column c, std::string_view key);
  // Deletes keys in [begin, end).
  void DeleteRange(Column c, std::string_view begin, std::string_view end);
  size_t Count() const;

 private:
  friend class Store;
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

class Store {
 public:
  struct Stats {
    uint64_t live_data_bytes = 0;  // estimate of live SST bytes
  };

  static StatusOr<std::unique_ptr<Store>> Open(const std::string& dir);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // NotFound if absent.
  StatusOr<std::string> Get(Column c, std::string_view key) const;
  Status Write(WriteBatch* batch, bool sync = true);
  // Calls `fn(key, value)` for each key starting with `prefix`, in order,
  // until it returns false.
  Status Scan(Column c, std::string_view prefix,
              const std::function<bool(std::string_view, std::string_view)>& fn) const;
  // Visits keys in [begin, end) in order until `fn` returns false.
  Status ScanRange(Column c, std::string_view begin, std::string_view end,
                   const std::function<bool(std::string_view, std::string_view)>& fn) const;
  // Flushes memtables and compacts every column family to the bottommost
  // level, rewriting it, so deleted entries leave the SST files.
  Status FlushAndCompact();
  Stats GetStats() const;
  // A consistent point-in-time copy of the database in `dir` (which must not
  // exist): hard links where the file system allows, copies otherwise, with
  // the WAL flushed into it. RocksDB's Checkpoint.
  Status CreateCheckpoint(const std::string& dir);

 private:
  struct Rep;
  explicit Store(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace vault

#endif  // VAULT_STORAGE_STORE_H_
