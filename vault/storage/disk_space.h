// DiskSpace: how much room is left on the file system holding a directory,
// measured cheaply enough to ask on every request.
//
// AvailableBytes() is statvfs(2)'s f_bavail * f_frsize (what an unprivileged
// process may still write). A measurement is reused for `refresh`: however
// many threads ask, at most one statvfs runs per interval, and the others get
// the last value without waiting. A refresh of 0 measures on every call
// (tests). If statvfs fails, the space is reported as unknown
// (kUnknown, larger than any reserve), so a failed measurement never refuses
// a request; the failure is counted in failures().
//
// Thread safety: all methods may be called concurrently.
#ifndef VAULT_STORAGE_DISK_SPACE_H_
#define VAULT_STORAGE_DISK_SPACE_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

namespace vault {

class DiskSpace {
 public:
  static constexpr uint64_t kUnknown = std::numeric_limits<uint64_t>::max();

  // Measures once, here.
  DiskSpace(std::string dir, std::chrono::milliseconds refresh);
  DiskSpace(const DiskSpace&) = delete;
  DiskSpace& operator=(const DiskSpace&) = delete;

  // Bytes still available to write, as of at most `refresh` ago; kUnknown
  // if the file system cannot be measured.
  uint64_t AvailableBytes();
  // statvfs failures so far.
  uint64_t failures() const { return failures_.load(std::memory_order_relaxed); }

 private:
  void Measure();

  const std::string dir_;                    // constant after construction
  const std::chrono::nanoseconds refresh_;   // constant after construction
  std::atomic<uint64_t> available_{kUnknown};
  // MonotonicNanos() before which the last measurement stands.
  std::atomic<int64_t> valid_until_{0};
  std::atomic<uint64_t> failures_{0};
};

}  // namespace vault

#endif  // VAULT_STORAGE_DISK_SPACE_H_
