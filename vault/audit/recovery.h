// Start-up recovery of the audit log, in two halves so that a refused start
// changes nothing (docs/audit-format.md, section 7):
//
//   ScanLog    reads every segment, checks the chain and the payloads of the
//              genesis and checkpoint records, and works out what a crash left
//              behind (a torn final record, an empty newest segment). It only
//              reads.
//   RepairTail cuts the torn record and removes the empty newest segment. The
//              caller runs it only once every start-up check has passed.
//
// A damaged record anywhere but the tail of the newest segment, a broken
// chain, a missing or empty older segment, or a malformed genesis or
// checkpoint payload is Corruption "audit_log_corrupt", naming the record.
//
// Thread safety: stateless functions.
#ifndef VAULT_AUDIT_RECOVERY_H_
#define VAULT_AUDIT_RECOVERY_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vault/audit/note.h"
#include "vault/audit/record.h"
#include "vault/status.h"

namespace vault::audit {

// <dir>/audit-<n, 8 digits>.log
std::string SegmentFilePath(const std::string& dir, uint64_t n);
// A segment file name is exactly "audit-", 8 ASCII digits and ".log"
// (docs/formats/audit-log.md). Sets *n to the number, which may be 0: that
// name is reserved, and a log holding it is refused.
bool ParseSegmentFileName(std::string_view name, uint64_t* n);
// Numbers of the segment files in `dir`, ascending, 0 included if
// audit-00000000.log exists; other names are ignored.
std::vector<uint64_t> ListSegments(const std::string& dir);

struct LogScan {
  // The intact log, as it will be once the tail is repaired.
  uint64_t records = 0;  // records [0, records)
  Hash head{};           // hash of the last intact record (zeros if none)
  UnixMillis last_time = 0;
  PublicKey genesis_key{};
  std::map<uint64_t, uint64_t> segment_first_seq;  // kept segments
  uint64_t last_segment = 0;                       // newest kept segment (0: none)
  uint64_t last_segment_size = 0;                  // its size in bytes
  // The last record other than a checkpoint or segment record is a stop
  // record (rotation may fall between a stop and its checkpoint).
  bool stopped = false;
  std::optional<CheckpointNote> last_checkpoint;
  std::string last_checkpoint_note;  // its signed text

  // What a crash left behind; nothing is changed until RepairTail.
  uint64_t cut_segment = 0;  // segment holding a torn final record (0: none)
  uint64_t cut_offset = 0;   // where the torn record starts
  uint64_t cut_bytes = 0;
  std::string cut_reason;        // "incomplete final record" or the parse error
  uint64_t removed_segment = 0;  // newest segment, empty once cut, to delete (0: none)
  bool torn() const { return cut_bytes > 0 || removed_segment != 0; }

  // The segment files as they were when read (SegmentFiles), so that a scan
  // made ahead of its use can be checked to still describe the directory:
  // the same file (device and inode), size, and modification and change
  // times. The change time moves with any write, and no call can set it
  // back, so a file edited in place and given its old modification time
  // again, or replaced by a copy, differs.
  struct File {
    uint64_t segment = 0;
    uint64_t device = 0;
    uint64_t inode = 0;
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    int64_t ctime_ns = 0;
    bool operator==(const File&) const = default;
  };
  std::vector<File> files;
};

// The segments `segments` of `dir` as LogScan::File describes them (a file
// that cannot be read has every field but its number 0).
std::vector<LogScan::File> SegmentFiles(const std::string& dir,
                                        const std::vector<uint64_t>& segments);

// Reads the segments `segments` (as ListSegments returned them) of `dir`.
StatusOr<LogScan> ScanLog(const std::string& dir, const std::vector<uint64_t>& segments);
// Cuts the torn record and removes the empty newest segment, durably.
Status RepairTail(const std::string& dir, const LogScan& scan);

}  // namespace vault::audit

#endif  // VAULT_AUDIT_RECOVERY_H_
