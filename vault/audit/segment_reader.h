// SegmentReader: the records of one audit segment file, in order, read
// through a window of fixed size, so that reading a page of records costs the
// same memory however large the segment has grown (AuditLog::Read).
//
// Records before `from` are skipped by their length and seq alone, without
// hashing; every record returned has been decoded and its hash checked
// (DecodeRecord). A record that does not fit the bytes up to `limit`, or whose
// length is out of range, is Corruption "audit_log_corrupt".
//
// Memory: one buffer of max(kWindowBytes, kMaxRecordBytes) bytes, allocated
// once, plus the records returned. Thread safety: one reader per thread; the
// segment's bytes below `limit` must not change while it reads (they do not:
// segments are append-only and `limit` is a durable size).
#ifndef VAULT_AUDIT_SEGMENT_READER_H_
#define VAULT_AUDIT_SEGMENT_READER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "vault/audit/record.h"
#include "vault/status.h"

namespace vault::audit {

struct StoredRecord;

constexpr size_t kWindowBytes = 64 * 1024;

class SegmentReader {
 public:
  // Opens segment `number` at `path`; reads at most `limit` bytes of it (or
  // up to its end, if it is shorter).
  static StatusOr<SegmentReader> Open(const std::string& path, uint64_t number, uint64_t limit);
  SegmentReader(SegmentReader&& other) noexcept;
  SegmentReader& operator=(SegmentReader&&) = delete;
  SegmentReader(const SegmentReader&) = delete;
  ~SegmentReader();

  // Appends to `out` the records with from <= seq < end, until `out` holds
  // `max` or the segment ends. Sets *past_end once a record with seq >= end
  // has been seen (later segments hold none either).
  Status ReadInto(uint64_t from, uint64_t end, size_t max, std::vector<StoredRecord>* out,
                  bool* past_end);

 private:
  SegmentReader(int fd, uint64_t number, uint64_t limit);
  // Makes the `need` bytes at file offset `offset_` available in the window;
  // false if the segment (up to limit_) ends before them.
  StatusOr<bool> Ensure(size_t need);
  Status Damaged() const;

  int fd_;
  uint64_t number_;
  uint64_t limit_;
  uint64_t offset_ = 0;        // file offset of the next record
  uint64_t window_start_ = 0;  // file offset of window_[0]
  size_t window_size_ = 0;     // bytes of window_ that hold file data
  std::string window_;
};

}  // namespace vault::audit

#endif  // VAULT_AUDIT_SEGMENT_READER_H_
