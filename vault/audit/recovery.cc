#include "vault/audit/recovery.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "vault/audit/payload.h"
#include "vault/common/file_util.h"

namespace vault::audit {
namespace {

Status Errno(const std::string& what) {
  return Status::Unavailable(what + ": " + std::strerror(errno), "audit_unavailable");
}

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

StatusOr<LogScan> ScanLog(const std::string& dir, const std::vector<uint64_t>& segs) {
  LogScan scan;
  if (!segs.empty() && segs.front() == 0) {
    return Corrupt("audit-00000000.log is not a segment: segments are numbered from 1");
  }
  for (size_t i = 0; i < segs.size(); ++i) {
    if (segs[i] != i + 1) return Corrupt("audit segment " + std::to_string(i + 1) + " is missing");
  }
  uint64_t previous_size = 0;  // size of the segment before the current one
  std::string buffer;  // one buffer for every segment (ReadFileInto)
  for (uint64_t n : segs) {
    const bool newest = n == segs.back();
    VAULT_ASSIGN_OR_RETURN(const size_t size,
                           ReadFileInto(SegmentFilePath(dir, n), 1ull << 40, &buffer));
    const std::string_view bytes(buffer.data(), size);
    if (bytes.empty() && !newest) {
      return Corrupt("audit segment " + std::to_string(n) + " is empty");
    }
    scan.segment_first_seq[n] = scan.records;
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
          return Corrupt("audit segment " + std::to_string(n) + " is damaged at offset " +
                         std::to_string(off) + ": " + (why.empty() ? "truncated record" : why));
        }
        scan.cut_segment = n;
        scan.cut_offset = off;
        scan.cut_bytes = bytes.size() - off;
        scan.cut_reason = pr == ParseResult::kIncomplete ? "incomplete final record" : why;
        break;
      }
      if (r.seq != scan.records || r.prev != scan.head || r.time_ms < scan.last_time) {
        return Corrupt("audit chain broken at record " + std::to_string(scan.records));
      }
      if (scan.records == 0) {
        Status g = ParseGenesis(r.payload, &scan.genesis_key);
        if (!g.ok()) return Corrupt(Where(scan.records, n, off) + ": malformed genesis payload: " + g.message());
      }
      if (r.type == RecordType::kCheckpoint) {
        CheckpointNote note;
        Status c = ParseCheckpoint(r.payload, &note, &scan.last_checkpoint_note);
        if (!c.ok()) return Corrupt(Where(scan.records, n, off) + ": malformed checkpoint payload: " + c.message());
        scan.last_checkpoint = note;
      } else if (r.type != RecordType::kSegment) {
        scan.stopped = r.type == RecordType::kStop;
      }
      scan.head = h;
      scan.last_time = r.time_ms;
      ++scan.records;
      off += used;
    }
    if (newest && off == 0) {
      // Created by a rotation (or by the first start) that crashed before
      // its first record was durable: nothing in it belongs to the log.
      scan.removed_segment = n;
      scan.segment_first_seq.erase(n);
      scan.last_segment = n - 1;
      scan.last_segment_size = previous_size;
    } else if (newest) {
      scan.last_segment = n;
      scan.last_segment_size = off;
    }
    previous_size = bytes.size();
  }
  return scan;
}

Status RepairTail(const std::string& dir, const LogScan& scan) {
  if (scan.cut_bytes > 0 && scan.cut_segment != scan.removed_segment) {
    const std::string path = SegmentFilePath(dir, scan.cut_segment);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return Errno("cannot open " + path);
    const bool ok = ::ftruncate(fd, static_cast<off_t>(scan.cut_offset)) == 0 && ::fsync(fd) == 0;
    const int err = errno;
    ::close(fd);
    errno = err;
    if (!ok) return Errno("cannot cut the torn audit tail");
  }
  if (scan.removed_segment != 0) {
    if (::unlink(SegmentFilePath(dir, scan.removed_segment).c_str()) != 0 && errno != ENOENT) {
      return Errno("cannot remove the empty audit segment");
    }
    VAULT_RETURN_IF_ERROR(FsyncDirectory(dir));
  }
  return Status::OK();
}

}  // namespace vault::audit
