#include "vault/storage/store_health.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

namespace vault {
namespace {

const char* ReasonName(rocksdb::BackgroundErrorReason reason) {
  using R = rocksdb::BackgroundErrorReason;
  switch (reason) {
    case R::kFlush:
    case R::kFlushNoWAL:
      return "flush";
    case R::kCompaction:
      return "compaction";
    case R::kWriteCallback:
      return "write";
    case R::kMemTable:
      return "memtable";
    case R::kManifestWrite:
    case R::kManifestWriteNoWAL:
      return "manifest";
  }
  return "other";
}

const char* ErrorName(const rocksdb::Status& s) {
  if (s.IsNoSpace()) return "no_space";
  if (s.IsCorruption()) return "corruption";
  if (s.IsShutdownInProgress()) return "shutdown";
  if (s.IsIOError()) return "io_error";
  return "error";
}

const char* SeverityName(rocksdb::Status::Severity severity) {
  using S = rocksdb::Status::Severity;
  switch (severity) {
    case S::kNoError: return "none";
    case S::kSoftError: return "soft";
    case S::kHardError: return "hard";
    case S::kFatalError: return "fatal";
    case S::kUnrecoverableError: return "unrecoverable";
    default: return "unknown";
  }
}

// Writes all of `text` or fails.
bool WriteAll(int fd, const char* text, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, text, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

int OpenLog(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
}

}  // namespace

void StoreHealth::OnBackgroundError(rocksdb::BackgroundErrorReason reason,
                                    rocksdb::Status* error) {
  errors_.fetch_add(1, std::memory_order_relaxed);
  if (reason == rocksdb::BackgroundErrorReason::kWriteCallback) {
    wal_write_errors_.fetch_add(1, std::memory_order_acq_rel);
  }
  const bool stops = error->severity() >= rocksdb::Status::Severity::kHardError;
  const bool was_stopped = stops && stopped_.exchange(true, std::memory_order_acq_rel);
  Emit(stops && !was_stopped ? "store_stopped" : "store_background_error",
       {{"reason", ReasonName(reason)},
        {"error", ErrorName(*error)},
        {"severity", SeverityName(error->severity())}});
}

void StoreHealth::OnErrorRecoveryBegin(rocksdb::BackgroundErrorReason /*reason*/,
                                       rocksdb::Status /*error*/, bool* auto_recovery) {
  // RocksDB offers to recover by itself (a full disk: its SstFileManager
  // waits for space); accepted unless the store was told otherwise.
  if (!allow_auto_recovery_) *auto_recovery = false;
  if (*auto_recovery) auto_recovering_.store(true, std::memory_order_release);
}

void StoreHealth::OnErrorRecoveryEnd(const rocksdb::BackgroundErrorRecoveryInfo& info) {
  auto_recovering_.store(false, std::memory_order_release);
  if (info.new_bg_error.ok()) {
    Recovered();
  } else if (!info.new_bg_error.IsShutdownInProgress()) {
    Emit("store_recovery_failed", {{"error", ErrorName(info.new_bg_error)}});
  }
}

void StoreHealth::ManualResume(const rocksdb::Status& result) {
  if (result.ok()) {
    // OnErrorRecoveryEnd has normally been called already; this covers a
    // Resume() that found nothing to do.
    Recovered();
  }
}

void StoreHealth::Recovered() {
  if (stopped_.exchange(false, std::memory_order_acq_rel)) {
    recoveries_.fetch_add(1, std::memory_order_relaxed);
    Emit("store_resumed", {});
  }
}

void StoreHealth::Emit(std::string_view event, const Store::EventFields& fields) const {
  if (sink_) sink_(event, fields);
}

std::shared_ptr<InfoLog> InfoLog::Open(const std::string& db_dir) {
  if (::mkdir(db_dir.c_str(), 0755) != 0 && errno != EEXIST) return nullptr;
  const std::string path = db_dir + "/LOG";
  // The last run's log is kept as LOG.old (it may explain a crash).
  (void)::rename(path.c_str(), (path + ".old").c_str());
  const int fd = OpenLog(path);
  if (fd < 0) return nullptr;
  return std::shared_ptr<InfoLog>(new InfoLog(path, fd));
}

InfoLog::~InfoLog() {
  MutexLock lock(&mu_);
  if (fd_ >= 0) ::close(fd_);
}

void InfoLog::Logv(const char* format, va_list ap) {
  timeval now{};
  gettimeofday(&now, nullptr);
  tm parts{};
  localtime_r(&now.tv_sec, &parts);
  char stamp[40];
  const int stamp_size = std::snprintf(stamp, sizeof stamp, "%04d/%02d/%02d-%02d:%02d:%02d.%06ld ",
                                       parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                                       parts.tm_hour, parts.tm_min, parts.tm_sec,
                                       static_cast<long>(now.tv_usec));
  std::string line(stamp, stamp_size > 0 ? static_cast<size_t>(stamp_size) : 0);
  va_list copy;
  va_copy(copy, ap);
  const int size = std::vsnprintf(nullptr, 0, format, copy);
  va_end(copy);
  if (size < 0) return;
  const size_t start = line.size();
  line.resize(start + static_cast<size_t>(size) + 1);
  std::vsnprintf(line.data() + start, static_cast<size_t>(size) + 1, format, ap);
  line.back() = '\n';

  MutexLock lock(&mu_);
  if (bytes_ + line.size() > kMaxBytes) Rotate();
  if (fd_ < 0 || !WriteAll(fd_, line.data(), line.size())) {
    dropped_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  bytes_ += line.size();
}

void InfoLog::Rotate() {
  if (fd_ >= 0) ::close(fd_);
  (void)::rename(path_.c_str(), (path_ + ".old").c_str());
  fd_ = OpenLog(path_);
  bytes_ = 0;
}

}  // namespace vault
