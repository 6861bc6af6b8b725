// Private to vault/storage: what lets the store live through a full disk.
//
// StoreHealth is RocksDB's EventListener for background errors. RocksDB stops
// accepting writes after a hard background error (a WAL write, flush or
// MANIFEST write that failed, most often for lack of space) until it
// recovers: by itself for a full disk, or when DB::Resume() succeeds. For a
// full disk, its SstFileManager polls the free space every 5 s and tries to
// resume once the largest memtable's worth is free: Store::kMessagesMemtableBytes,
// or 4 MiB on a new store's first run. The resume flushes every memtable, so
// it succeeds once there is room for them, up to Store::kMaxWalBytes.
// StoreHealth tracks that state for Store::Write (which tries Resume()
// itself when no automatic recovery is under way) and for the metrics, and
// reports each change as an event with reason codes only.
//
// InfoLog is RocksDB's info log (db/LOG). RocksDB's own file logger stops
// the process on the first line after a write to LOG failed (an assertion
// left on in Debian's build), so a full disk would kill vaultd; this one
// drops such lines and counts them. It keeps one older file, LOG.old, and
// starts a new LOG at each open and every kMaxBytes.
//
// Thread safety: all methods may be called concurrently; RocksDB calls the
// listener from its own threads without its mutex held.
#ifndef VAULT_STORAGE_STORE_HEALTH_H_
#define VAULT_STORAGE_STORE_HEALTH_H_

#include <rocksdb/env.h>
#include <rocksdb/listener.h>

#include <atomic>
#include <cstdarg>
#include <cstdint>
#include <memory>
#include <string>

#include "vault/common/thread_annotations.h"
#include "vault/storage/store.h"

namespace vault {

class StoreHealth final : public rocksdb::EventListener {
 public:
  // With `allow_auto_recovery` false, RocksDB's offers to recover by itself
  // are declined.
  StoreHealth(Store::EventSink sink, bool allow_auto_recovery)
      : sink_(std::move(sink)), allow_auto_recovery_(allow_auto_recovery) {}

  void OnBackgroundError(rocksdb::BackgroundErrorReason reason, rocksdb::Status* error) override;
  void OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason reason, rocksdb::Status error,
                            bool* auto_recovery) override;
  void OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) override;

  // After a manual DB::Resume(): OK clears the stopped state.
  void ManualResume(const rocksdb::Status& result);

  // True from a hard background error until RocksDB has recovered.
  bool stopped() const { return stopped_.load(std::memory_order_acquire); }
  // True while RocksDB's own recovery is pending (it refuses Resume() then).
  bool auto_recovering() const { return auto_recovering_.load(std::memory_order_acquire); }
  uint64_t errors() const { return errors_.load(std::memory_order_relaxed); }
  // Background errors raised by a failed write into the WAL itself.
  uint64_t wal_write_errors() const { return wal_write_errors_.load(std::memory_order_acquire); }
  uint64_t recoveries() const { return recoveries_.load(std::memory_order_relaxed); }

 private:
  void Recovered();
  void Emit(std::string_view event, const Store::EventFields& fields) const;

  const Store::EventSink sink_;      // constant after construction
  const bool allow_auto_recovery_;  // constant after construction
  std::atomic<bool> stopped_{false};
  std::atomic<bool> auto_recovering_{false};
  std::atomic<uint64_t> errors_{0};
  std::atomic<uint64_t> wal_write_errors_{0};
  std::atomic<uint64_t> recoveries_{0};
};

class InfoLog final : public rocksdb::Logger {
 public:
  static constexpr uint64_t kMaxBytes = 4 << 20;

  // Creates `db_dir` if missing and starts a new LOG there (the previous
  // one becomes LOG.old). Null if LOG cannot be opened: RocksDB then uses its
  // own logger.
  static std::shared_ptr<InfoLog> Open(const std::string& db_dir);
  ~InfoLog() override;

  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override;
  // Lines that could not be written.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  InfoLog(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  // Starts a new LOG, moving the current one to LOG.old.
  void Rotate() REQUIRES(mu_);

  const std::string path_;  // constant after construction
  Mutex mu_;
  int fd_ GUARDED_BY(mu_);  // -1 if a rotation could not reopen it
  uint64_t bytes_ GUARDED_BY(mu_) = 0;
  std::atomic<uint64_t> dropped_{0};
};

}  // namespace vault

#endif  // VAULT_STORAGE_STORE_HEALTH_H_
