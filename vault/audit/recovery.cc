#include "vault/audit/recovery.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>
#include <thread>

#include "vault/audit/audit_internal.h"
#include "vault/audit/payload.h"
#include "vault/common/file_util.h"

namespace vault::audit {
namespace {

Status Corrupt(const std::string& msg) { return Status::Corruption(msg, "audit_log_corrupt"); }

std::string Where(uint64_t seq, uint64_t segment, uint64_t offset) {
  return "audit record " + std::to_string(seq) + " (segment " + std::to_string(segment) +
         ", offset " + std::to_string(offset) + ")";
}

// The genesis payload (payload.h): the log's public key 0.
Status ParseGenesis(std::string_view payload, PublicKey* key) {
  Payload p;
  std::string why;
  if (!CheckPayload(RecordType::kGenesis, payload, &p, &why)) return Status::InvalidArgument(why);
  *key = p.key;
  return Status::OK();
}

// The checkpoint payload: {"note": signed note}.
Status ParseCheckpoint(std::string_view payload, CheckpointNote* note, std::string* text) {
  Payload p;
  std::string why;
  if (!CheckPayload(RecordType::kCheckpoint, payload, &p, &why)) {
    return Status::InvalidArgument(why);
  }
  auto parsed = ParseNoteText(p.note);
  if (!parsed.ok()) return parsed.status();
  *text = std::move(p.note);
  *note = *parsed;
  return Status::OK();
}

}  // namespace

std::string SegmentFilePath(const std::string& dir, uint64_t n) {
  char name[32];
  std::snprintf(name, sizeof name, "/audit-%08llu.log", static_cast<unsigned long long>(n));
  return dir + name;
}

bool ParseSegmentFileName(std::string_view name, uint64_t* n) {
  constexpr std::string_view kPrefix = "audit-", kSuffix = ".log";
  if (name.size() != kPrefix.size() + 8 + kSuffix.size() || name.substr(0, 6) != kPrefix ||
      name.substr(14) != kSuffix) {
    return false;
  }
  uint64_t v = 0;
  for (char c : name.substr(6, 8)) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *n = v;
  return true;
}

std::vector<uint64_t> ListSegments(const std::string& dir) {
  std::vector<uint64_t> out;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return out;
  while (dirent* e = ::readdir(d)) {
    uint64_t n = 0;
    if (ParseSegmentFileName(e->d_name, &n)) out.push_back(n);
  }
  ::closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

namespace {

// One segment, checked on its own: its records decode, their seqs follow
// one another, each names the hash of the one before, and time never goes
// back. How it joins the segment before it is checked afterwards, in order
// (ScanLog), so segments can be read and hashed on several threads.
struct SegmentScan {
  Status read;        // the file could not be read
  uint64_t size = 0;  // bytes in the file
  uint64_t count = 0;  // intact records
  uint64_t end = 0;    // offset after the last intact record
  // The first record that decoded (it may still be refused for its payload).
  bool has_first = false;
  uint64_t first_seq = 0;
  Hash first_prev{};
  UnixMillis first_time = 0;
  Hash last_hash{};
  UnixMillis last_time = 0;
  PublicKey genesis_key{};  // segment 1 only
  std::optional<bool> stopped;  // the last record other than a checkpoint or segment record
  std::optional<CheckpointNote> checkpoint;  // the last checkpoint in the segment
  std::string checkpoint_note;
  // The first damage: at record `fail_index` of this segment, at `fail_offset`.
  enum class Failure { kNone, kDamaged, kChain, kGenesis, kCheckpoint } failure = Failure::kNone;
  uint64_t fail_index = 0;
  uint64_t fail_offset = 0;
  std::string fail_why;
  // The newest segment's torn tail (cut_bytes > 0).
  uint64_t cut_offset = 0;
  uint64_t cut_bytes = 0;
  std::string cut_reason;
};

SegmentScan ScanSegment(const std::string& dir, uint64_t n, bool newest, std::string* buffer) {
  SegmentScan seg;
  StatusOr<size_t> size = ReadFileInto(SegmentFilePath(dir, n), 1ull << 40, buffer);
  if (!size.ok()) {
    seg.read = size.status();
    return seg;
  }
  seg.size = *size;
  const std::string_view bytes(buffer->data(), seg.size);
  size_t off = 0;
  while (off < bytes.size()) {
    Record r;
    Hash h;
    size_t used = 0;
    std::string why;
    const ParseResult pr = DecodeRecord(bytes.substr(off), &r, &h, &used, &why);
    if (pr != ParseResult::kOk) {
      // Only the tail of the newest segment may be torn by a crash.
      if (!newest || bytes.size() - off > kMaxRecordBytes) {
        seg.failure = SegmentScan::Failure::kDamaged;
        seg.fail_index = seg.count;
        seg.fail_offset = off;
        seg.fail_why = why.empty() ? "truncated record" : why;
        break;
      }
      seg.cut_offset = off;
      seg.cut_bytes = bytes.size() - off;
      seg.cut_reason = pr == ParseResult::kIncomplete ? "incomplete final record" : why;
      break;
    }
    if (seg.count == 0) {
      seg.has_first = true;
      seg.first_seq = r.seq;
      seg.first_prev = r.prev;
      seg.first_time = r.time_ms;
    } else if (r.seq != seg.first_seq + seg.count || r.prev != seg.last_hash ||
               r.time_ms < seg.last_time) {
      seg.failure = SegmentScan::Failure::kChain;
      seg.fail_index = seg.count;
      break;
    }
    if (n == 1 && seg.count == 0) {
      // Segment 1 starts with the genesis record (ScanLog checks its seq is 0).
      Status g = ParseGenesis(r.payload, &seg.genesis_key);
      if (!g.ok()) {
        seg.failure = SegmentScan::Failure::kGenesis;
        seg.fail_index = 0;
        seg.fail_offset = off;
        seg.fail_why = g.message();
        break;
      }
    }
    if (r.type == RecordType::kCheckpoint) {
      CheckpointNote note;
      Status c = ParseCheckpoint(r.payload, &note, &seg.checkpoint_note);
      if (!c.ok()) {
        seg.failure = SegmentScan::Failure::kCheckpoint;
        seg.fail_index = seg.count;
        seg.fail_offset = off;
        seg.fail_why = c.message();
        break;
      }
      seg.checkpoint = note;
    } else if (r.type != RecordType::kSegment) {
      seg.stopped = r.type == RecordType::kStop;
    }
    seg.last_hash = h;
    seg.last_time = r.time_ms;
    ++seg.count;
    off += used;
  }
  seg.end = off;
  return seg;
}

// Reads and checks every segment, on up to kScanThreads threads (the caller's
// among them), each with its own buffer.
std::vector<SegmentScan> ScanSegments(const std::string& dir, const std::vector<uint64_t>& segs) {
  constexpr size_t kScanThreads = 4;
  std::vector<SegmentScan> out(segs.size());
  std::atomic<size_t> next{0};
  const auto work = [&] {
    std::string buffer;  // one buffer for every segment this thread reads (ReadFileInto)
    for (size_t i = next.fetch_add(1); i < segs.size(); i = next.fetch_add(1)) {
      out[i] = ScanSegment(dir, segs[i], i + 1 == segs.size(), &buffer);
    }
  };
  const size_t cores = std::max(1u, std::thread::hardware_concurrency());
  const size_t threads = std::min({kScanThreads, cores, segs.size()});
  std::vector<std::thread> helpers;
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(work);
  work();
  for (std::thread& helper : helpers) helper.join();
  return out;
}

}  // namespace

std::vector<LogScan::File> SegmentFiles(const std::string& dir,
                                        const std::vector<uint64_t>& segs) {
  std::vector<LogScan::File> out;
  out.reserve(segs.size());
  for (uint64_t n : segs) {
    LogScan::File f;
    f.segment = n;
    struct stat st{};
    if (::stat(SegmentFilePath(dir, n).c_str(), &st) == 0) {
      f.device = static_cast<uint64_t>(st.st_dev);
      f.inode = static_cast<uint64_t>(st.st_ino);
      f.size = static_cast<uint64_t>(st.st_size);
      f.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
      f.ctime_ns = static_cast<int64_t>(st.st_ctim.tv_sec) * 1000000000 + st.st_ctim.tv_nsec;
    }
    out.push_back(f);
  }
  return out;
}

StatusOr<LogScan> ScanLog(const std::string& dir, const std::vector<uint64_t>& segs) {
  LogScan scan;
  scan.files = SegmentFiles(dir, segs);
  if (!segs.empty() && segs.front() == 0) {
    return Corrupt("audit-00000000.log is not a segment: segments are numbered from 1");
  }
  for (size_t i = 0; i < segs.size(); ++i) {
    if (segs[i] != i + 1) return Corrupt("audit segment " + std::to_string(i + 1) + " is missing");
  }
  const std::vector<SegmentScan> scanned = ScanSegments(dir, segs);
  // Joined in order: the first damage in the log is the one reported.
  uint64_t previous_size = 0;  // size of the segment before the current one
  for (size_t i = 0; i < segs.size(); ++i) {
    const uint64_t n = segs[i];
    const bool newest = i + 1 == segs.size();
    const SegmentScan& seg = scanned[i];
    if (!seg.read.ok()) return seg.read;
    if (seg.size == 0 && !newest) {
      return Corrupt("audit segment " + std::to_string(n) + " is empty");
    }
    scan.segment_first_seq[n] = scan.records;
    if (seg.has_first) {
      // The segment's first record follows the last record of the one before.
      if (seg.first_seq != scan.records || seg.first_prev != scan.head ||
          seg.first_time < scan.last_time) {
        return Corrupt("audit chain broken at record " + std::to_string(scan.records));
      }
    }
    switch (seg.failure) {
      case SegmentScan::Failure::kNone:
        break;
      case SegmentScan::Failure::kDamaged:
        return Corrupt("audit segment " + std::to_string(n) + " is damaged at offset " +
                       std::to_string(seg.fail_offset) + ": " + seg.fail_why);
      case SegmentScan::Failure::kChain:
        return Corrupt("audit chain broken at record " +
                       std::to_string(scan.records + seg.fail_index));
      case SegmentScan::Failure::kGenesis:
        return Corrupt(Where(scan.records, n, seg.fail_offset) +
                       ": malformed genesis payload: " + seg.fail_why);
      case SegmentScan::Failure::kCheckpoint:
        return Corrupt(Where(scan.records + seg.fail_index, n, seg.fail_offset) +
                       ": malformed checkpoint payload: " + seg.fail_why);
    }
    if (n == 1 && seg.count > 0) scan.genesis_key = seg.genesis_key;
    if (seg.checkpoint.has_value()) {
      scan.last_checkpoint = seg.checkpoint;
      scan.last_checkpoint_note = seg.checkpoint_note;
    }
    if (seg.stopped.has_value()) scan.stopped = *seg.stopped;
    if (seg.count > 0) {
      scan.head = seg.last_hash;
      scan.last_time = seg.last_time;
      scan.records += seg.count;
    }
    if (seg.cut_bytes > 0) {
      scan.cut_segment = n;
      scan.cut_offset = seg.cut_offset;
      scan.cut_bytes = seg.cut_bytes;
      scan.cut_reason = seg.cut_reason;
    }
    if (newest && seg.end == 0) {
      // Created by a rotation (or by the first start) that crashed before
      // its first record was durable: nothing in it belongs to the log.
      scan.removed_segment = n;
      scan.segment_first_seq.erase(n);
      scan.last_segment = n - 1;
      scan.last_segment_size = previous_size;
    } else if (newest) {
      scan.last_segment = n;
      scan.last_segment_size = seg.end;
    }
    previous_size = seg.size;
  }
  return scan;
}

Status RepairTail(const std::string& dir, const LogScan& scan) {
  if (scan.cut_bytes > 0 && scan.cut_segment != scan.removed_segment) {
    const std::string path = SegmentFilePath(dir, scan.cut_segment);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoUnavailable("cannot open " + path);
    const bool ok = ::ftruncate(fd, static_cast<off_t>(scan.cut_offset)) == 0 && ::fsync(fd) == 0;
    const int err = errno;
    ::close(fd);
    errno = err;
    if (!ok) return ErrnoUnavailable("cannot cut the torn audit tail");
  }
  if (scan.removed_segment != 0) {
    if (::unlink(SegmentFilePath(dir, scan.removed_segment).c_str()) != 0 && errno != ENOENT) {
      return ErrnoUnavailable("cannot remove the empty audit segment");
    }
    VAULT_RETURN_IF_ERROR(FsyncDirectory(dir));
  }
  return Status::OK();
}

}  // namespace vault::audit
