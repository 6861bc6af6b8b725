#include "vault/audit/segment_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

#include "vault/audit/audit_log.h"
#include "vault/common/encoding.h"

namespace vault::audit {
namespace {

// A record's length word and the start of its body: version, type, seq.
constexpr size_t kSeqEnd = 4 + 1 + 1 + 8;

}  // namespace

StatusOr<SegmentReader> SegmentReader::Open(const std::string& path, uint64_t number,
                                            uint64_t limit) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return Status::Unavailable(
        "cannot open audit segment " + std::to_string(number) + ": " + std::strerror(errno),
        "audit_unavailable");
  }
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    return Status::Unavailable(
        "cannot stat audit segment " + std::to_string(number) + ": " + std::strerror(error),
        "audit_unavailable");
  }
  return SegmentReader(fd, number, std::min<uint64_t>(limit, static_cast<uint64_t>(st.st_size)));
}

SegmentReader::SegmentReader(int fd, uint64_t number, uint64_t limit)
    : fd_(fd), number_(number), limit_(limit) {}

SegmentReader::SegmentReader(SegmentReader&& other) noexcept
    : fd_(other.fd_),
      number_(other.number_),
      limit_(other.limit_),
      offset_(other.offset_),
      window_start_(other.window_start_),
      window_size_(other.window_size_),
      window_(std::move(other.window_)) {
  other.fd_ = -1;
}

SegmentReader::~SegmentReader() {
  if (fd_ >= 0) ::close(fd_);
}

Status SegmentReader::Damaged() const {
  return Status::Corruption("audit segment " + std::to_string(number_) + " is damaged",
                            "audit_log_corrupt");
}

StatusOr<bool> SegmentReader::Ensure(size_t need) {
  if (offset_ + need > limit_) return false;
  if (offset_ >= window_start_ && offset_ + need <= window_start_ + window_size_) return true;
  if (window_.empty()) window_.resize(std::max(kWindowBytes, kMaxRecordBytes));
  // Refill from offset_: keeps no byte before it, reads up to a window ahead.
  const size_t want = static_cast<size_t>(std::min<uint64_t>(window_.size(), limit_ - offset_));
  size_t got = 0;
  while (got < want) {
    const ssize_t n =
        ::pread(fd_, window_.data() + got, want - got, static_cast<off_t>(offset_ + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Status::Unavailable(
          "cannot read audit segment " + std::to_string(number_) + ": " + std::strerror(errno),
          "audit_unavailable");
    }
    if (n == 0) break;  // shorter than limit_: checked below
    got += static_cast<size_t>(n);
  }
  window_start_ = offset_;
  window_size_ = got;
  return need <= got;
}

Status SegmentReader::ReadInto(uint64_t from, uint64_t end, size_t max,
                               std::vector<StoredRecord>* out, bool* past_end) {
  *past_end = false;
  while (out->size() < max && offset_ < limit_) {
    VAULT_ASSIGN_OR_RETURN(bool have_head, Ensure(kSeqEnd));
    if (!have_head) return Damaged();
    const char* head = window_.data() + (offset_ - window_start_);
    const uint32_t len = GetU32(head);
    if (len < kBodyHeaderBytes || len > kBodyHeaderBytes + kMaxPayloadBytes) return Damaged();
    const size_t total = 4 + static_cast<size_t>(len) + kHashBytes;
    const uint64_t seq = GetU64(head + 6);
    if (seq >= end) {
      *past_end = true;
      return Status::OK();
    }
    if (seq < from) {
      offset_ += total;
      continue;
    }
    VAULT_ASSIGN_OR_RETURN(bool have_record, Ensure(total));
    if (!have_record) return Damaged();
    const std::string_view in(window_.data() + (offset_ - window_start_), total);
    StoredRecord sr;
    size_t used = 0;
    std::string why;
    if (DecodeRecord(in, &sr.record, &sr.hash, &used, &why) != ParseResult::kOk ||
        sr.record.seq != seq) {
      return Damaged();
    }
    offset_ += used;
    out->push_back(std::move(sr));
  }
  return Status::OK();
}

}  // namespace vault::audit
