#include "vault/audit/audit_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <algorithm>
#include <cstdint>
#include <cstring>

#include "vault/audit/audit_internal.h"
#include "vault/audit/recovery.h"
#include "vault/audit/segment_reader.h"
#include "vault/common/file_util.h"

namespace vault::audit {
namespace {

namespace json = boost::json;

Status WriteAll(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoUnavailable("cannot write the audit log");
    done += static_cast<size_t>(n);
  }
  return Status::OK();
}

std::string EventPayload(const AccessEvent& e) {
  json::object o;
  json::object actor;
  actor["uid"] = e.actor.uid;
  actor["role"] = e.actor.role;
  if (!e.actor.officer.empty()) actor["officer"] = e.actor.officer;
  o["actor"] = std::move(actor);
  o["action"] = e.action;
  json::array objects;
  for (const auto& id : e.objects) objects.emplace_back(id);
  o["objects"] = std::move(objects);
  o["outcome"] = e.outcome;
  if (!e.request_id.empty()) o["request"] = e.request_id;
  if (!e.details.empty()) {
    json::object d;
    for (const auto& [k, v] : e.details) d[k] = v;
    o["details"] = std::move(d);
  }
  return json::serialize(o);
}

}  // namespace

AuditLog::AuditLog(AuditOptions options, const Clock* clock)
    : options_(std::move(options)), clock_(clock) {}

AuditLog::~AuditLog() {
  {
    MutexLock l(&thread_mu_);
    stop_ = true;
  }
  thread_cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
  if (fd_ >= 0) ::close(fd_);
}

std::string AuditLog::SegmentPath(uint64_t n) const {
  return SegmentFilePath(options_.dir, n);
}

StatusOr<std::unique_ptr<AuditLog>> AuditLog::Open(
    const AuditOptions& options, const RootKeyCustodian* custodian, const Clock* clock,
    std::optional<StatusOr<LogScan>> prescanned) {
  VAULT_RETURN_IF_ERROR(InitCrypto());
  if (options.checkpoint_interval_ms <= 0 || options.segment_bytes < 4096) {
    return Status::InvalidArgument("audit checkpoint interval and segment size must be positive");
  }
  std::unique_ptr<AuditLog> log(new AuditLog(options, clock));
  VAULT_RETURN_IF_ERROR(log->Recover(custodian, std::move(prescanned)));
  if (options.start_checkpoint_thread) {
    log->thread_ = std::thread([l = log.get()] { l->CheckpointLoop(); });
  }
  return log;
}

Status AuditLog::Recover(const RootKeyCustodian* custodian,
                         std::optional<StatusOr<LogScan>> prescanned) {
  VAULT_RETURN_IF_ERROR(RecoverLog(custodian, std::move(prescanned)));
  return Checkpoint();
}

Status AuditLog::RecoverLog(const RootKeyCustodian* custodian,
                            std::optional<StatusOr<LogScan>> prescanned) {
  // Open runs this before the log is shared with anyone: the locks are
  // uncontended, taken so that the rules stated in the header hold here too.
  MutexLock cp(&cp_mu_);
  VAULT_RETURN_IF_ERROR(EnsureDirectory(options_.dir, 0700));
  // Read and check everything first; write nothing until the log is known to
  // open, so that a refused start leaves it byte for byte as it was.
  const std::vector<uint64_t> segs = ListSegments(options_.dir);
  const bool still = prescanned.has_value() && prescanned->ok() &&
                     (*prescanned)->files == SegmentFiles(options_.dir, segs);
  StatusOr<LogScan> scanned = still ? std::move(*prescanned) : ScanLog(options_.dir, segs);
  VAULT_ASSIGN_OR_RETURN(LogScan scan, std::move(scanned));
  // No record at all: a new log, or a first start that crashed before its
  // genesis record was durable.
  const bool fresh = scan.records == 0;
  VAULT_ASSIGN_OR_RETURN(signer_, SigningChain::Open(options_.key_path, custodian, fresh));
  // A key file without a log is refused unless it is an unused key 0 (one
  // provisioned ahead of the first start so the auditor could pin it).
  if (fresh && !signer_->created() &&
      (signer_->state().index != 0 || signer_->state().last_size != 0)) {
    return Status::FailedPrecondition("the audit log in " + options_.dir +
                                      " is missing but its signing key exists; restore the log",
                                      "audit_log_missing");
  }
  bool retire_key = false;
  if (!fresh) {
    // Reconcile the log with the signing chain.
    const auto& st = signer_->state();
    const auto& last_cp = scan.last_checkpoint;
    if (scan.records <= st.last_size && st.index > 0) {
      return Status::Corruption(
          "the audit log holds " + std::to_string(scan.records) + " records but its last "
          "checkpoint covered " + std::to_string(st.last_size) + ": the log was truncated",
          "audit_truncated");
    }
    if (last_cp.has_value() && last_cp->key_index == st.index) {
      // Crashed between writing checkpoint i and retiring key i.
      if (last_cp->next_key != signer_->next_public_key()) {
        return Status::Corruption("the last checkpoint names a key the signing chain does not hold",
                                  "audit_key_mismatch");
      }
      retire_key = true;
    } else if (last_cp.has_value() ? last_cp->key_index + 1 != st.index : st.index != 0) {
      return Status::Corruption("the audit log and its signing key disagree",
                                "audit_key_mismatch");
    }
  }

  // Every check passed: from here on the start goes ahead.
  if (retire_key) VAULT_RETURN_IF_ERROR(signer_->Advance(*scan.last_checkpoint));
  VAULT_RETURN_IF_ERROR(RepairTail(options_.dir, scan));
  bool clean_stop = scan.stopped && !scan.torn();
  MutexLock lock(&mu_);
  if (fresh) {
    segment_ = durable_segment_ = 1;
    const int fd = ::open(SegmentPath(1).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC,
                          0600);
    if (fd < 0) return ErrnoUnavailable("cannot create " + SegmentPath(1));
    fd_ = fd;
    VAULT_RETURN_IF_ERROR(FsyncDirectory(options_.dir));
    genesis_key_ = signer_->public_key();
    json::object g;
    g["origin"] = signer_->state().origin;
    g["key"] = PublicKeyBase64(genesis_key_);
    g["checkpoint_interval_ms"] = options_.checkpoint_interval_ms;
    segment_first_seq_[1] = 0;
    VAULT_RETURN_IF_ERROR(AppendLocked(RecordType::kGenesis, json::serialize(g)).status());
    clean_stop = !scan.torn();
  } else {
    genesis_key_ = scan.genesis_key;
    next_seq_ = durable_seq_ = scan.records;
    head_ = durable_head_ = scan.head;
    last_time_ = durable_time_ = scan.last_time;
    segment_ = durable_segment_ = scan.last_segment;
    segment_size_ = durable_segment_size_ = scan.last_segment_size;
    segment_first_seq_ = scan.segment_first_seq;
    latest_checkpoint_ = scan.last_checkpoint_note;
    fd_ = ::open(SegmentPath(segment_).c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    if (fd_ < 0) return ErrnoUnavailable("cannot open " + SegmentPath(segment_));
  }
  if (scan.torn()) {
    json::object r;
    r["cut_bytes"] = scan.cut_bytes;
    r["reason"] = scan.cut_bytes > 0 ? scan.cut_reason : "empty final segment";
    if (scan.removed_segment != 0) r["removed_segment"] = scan.removed_segment;
    VAULT_RETURN_IF_ERROR(AppendLocked(RecordType::kRecovery, json::serialize(r)).status());
  }
  json::object s;
  s["previous_stop"] = clean_stop ? "clean" : "crash";
  s["version"] = VAULT_VERSION;
  return AppendLocked(RecordType::kStart, json::serialize(s)).status();
}

Record AuditLog::NextRecord(RecordType type, const std::string& payload) {
  Record r;
  r.type = type;
  r.seq = next_seq_;
  r.time_ms = std::max(clock_->NowMillis(), last_time_);
  r.prev = head_;
  r.payload = payload;
  return r;
}

StatusOr<uint64_t> AuditLog::Enqueue(const Record& r) {
  if (r.payload.size() > kMaxPayloadBytes) return Status::Internal("audit payload too large");
  if (pending_.empty() || pending_.back().segment != segment_) {
    pending_.push_back({segment_, next_seq_, ""});
  }
  const size_t before = pending_.back().bytes.size();
  head_ = EncodeRecord(r, &pending_.back().bytes);
  segment_size_ += pending_.back().bytes.size() - before;
  last_time_ = r.time_ms;
  return next_seq_++;
}

Status AuditLog::RollSegmentIfFull() {
  if (segment_size_ < options_.segment_bytes) return Status::OK();
  ++segment_;
  segment_size_ = 0;
  json::object o;
  o["segment"] = segment_;
  return Enqueue(NextRecord(RecordType::kSegment, json::serialize(o))).status();
}

StatusOr<uint64_t> AuditLog::AppendLocked(RecordType type, const std::string& payload) {
  if (failed_) return Status::Unavailable("the audit log is unavailable", "audit_unavailable");
  VAULT_RETURN_IF_ERROR(RollSegmentIfFull());
  VAULT_ASSIGN_OR_RETURN(const uint64_t my_seq, Enqueue(NextRecord(type, payload)));
  return WaitDurable(my_seq);
}

StatusOr<uint64_t> AuditLog::AppendCheckpointLocked(CheckpointNote* note) {
  if (failed_) return Status::Unavailable("the audit log is unavailable", "audit_unavailable");
  VAULT_RETURN_IF_ERROR(RollSegmentIfFull());
  Record r = NextRecord(RecordType::kCheckpoint, "");
  note->size = r.seq;
  note->head = r.prev;
  note->time_ms = r.time_ms = std::max(r.time_ms, signer_->state().last_time + 1);
  VAULT_ASSIGN_OR_RETURN(std::string signed_note, signer_->Sign(note));
  json::object o;
  o["note"] = signed_note;
  signing_note_ = signed_note;
  r.payload = json::serialize(o);
  VAULT_ASSIGN_OR_RETURN(const uint64_t my_seq, Enqueue(r));
  return WaitDurable(my_seq);
}

StatusOr<uint64_t> AuditLog::WaitDurable(uint64_t my_seq) {
  const uint64_t my_gen = gen_;
  // The record was just enqueued: it is written with the pending batch.
  const uint64_t my_batch = next_batch_;
  for (;;) {
    if (my_gen != gen_) {
      if (my_seq < rollback_point_[my_gen]) return my_seq;
      return Status::Unavailable("the audit record could not be written durably: " + last_error_,
                                 "audit_unavailable");
    }
    if (durable_seq_ > my_seq) return my_seq;
    if (failed_) {
      // Nobody writes the pending batch any more: the waiters this thread
      // may have been woken to lead must learn it too.
      WakeAll();
      return Status::Unavailable("the audit log is unavailable", "audit_unavailable");
    }
    if (!writing_) {
      // Become the leader: write everything pending with one fdatasync.
      std::vector<Chunk> chunks;
      chunks.swap(pending_);
      writing_ = true;
      const uint64_t batch = next_batch_++;
      const uint64_t batch_end = next_seq_;
      const Hash batch_head = head_;
      const UnixMillis batch_time = last_time_;
      // durable_* and fd_ change only under the leader, so this stays true
      // while mu_ is released.
      WriteResult wr;
      wr.segment = durable_segment_;
      wr.size = durable_segment_size_;
      wr.fd = fd_;
      mu_.Unlock();
      Status s = WriteChunks(chunks, &wr);
      mu_.Lock();
      writing_ = false;
      if (s.ok()) {
        for (const Chunk& c : chunks) {
          if (c.segment != durable_segment_ && segment_first_seq_.count(c.segment) == 0) {
            segment_first_seq_[c.segment] = c.first_seq;
          }
        }
        if (wr.fd != fd_) {
          ::close(fd_);
          fd_ = wr.fd;
        }
        durable_seq_ = batch_end;
        durable_head_ = batch_head;
        durable_time_ = batch_time;
        durable_segment_ = wr.segment;
        durable_segment_size_ = wr.size;
      } else {
        if (wr.fd >= 0 && wr.fd != fd_) ::close(wr.fd);
        last_error_ = s.message();
        RollBack();
        WakeAll();  // every waiter, of either batch, learns of the new generation
      }
      // This batch's waiters are done, and one of the next batch's, if it
      // has any, leads it; the others sleep on until it is written.
      batch_cv_[batch % 2].SignalAll();
      if (!pending_.empty()) batch_cv_[(batch + 1) % 2].Signal();
      continue;
    }
    batch_cv_[my_batch % 2].Wait(&mu_);
  }
}

Status AuditLog::WriteChunks(const std::vector<Chunk>& chunks, WriteResult* out) const {
  // Only the leader runs this, without mu_.
  const int durable_fd = out->fd;
  for (const Chunk& c : chunks) {
    if (c.segment != out->segment) {
      if (::fdatasync(out->fd) != 0) return ErrnoUnavailable("cannot fsync the audit log");
      const std::string path = SegmentPath(c.segment);
      const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
      if (fd < 0) return ErrnoUnavailable("cannot create " + path);
      if (out->fd != durable_fd) ::close(out->fd);
      out->fd = fd;
      out->segment = c.segment;
      out->size = 0;
      VAULT_RETURN_IF_ERROR(FsyncDirectory(options_.dir));
    }
    VAULT_RETURN_IF_ERROR(WriteAll(out->fd, c.bytes));
    out->size += c.bytes.size();
  }
  if (::fdatasync(out->fd) != 0) return ErrnoUnavailable("cannot fsync the audit log");
  return Status::OK();
}

void AuditLog::RollBack() {
  // Remove whatever the failed batch left on disk: new segments and the
  // bytes appended to the current one. If that fails too, stop for good.
  for (uint64_t n = durable_segment_ + 1; n <= segment_; ++n) {
    if (::unlink(SegmentPath(n).c_str()) != 0 && errno != ENOENT) failed_ = true;
  }
  struct stat st;
  if (::fstat(fd_, &st) != 0) {
    failed_ = true;
  } else if (static_cast<uint64_t>(st.st_size) != durable_segment_size_ &&
             (::ftruncate(fd_, static_cast<off_t>(durable_segment_size_)) != 0 ||
              ::fsync(fd_) != 0)) {
    failed_ = true;
  }
  rollback_point_[gen_] = durable_seq_;
  ++gen_;
  pending_.clear();
  next_seq_ = durable_seq_;
  head_ = durable_head_;
  last_time_ = durable_time_;
  segment_ = durable_segment_;
  segment_size_ = durable_segment_size_;
}

StatusOr<uint64_t> AuditLog::Append(const AccessEvent& event) {
  const std::string payload = EventPayload(event);
  MutexLock lock(&mu_);
  return AppendLocked(RecordType::kAccess, payload);
}

Status AuditLog::CheckpointWith(RecordType type, const std::string& payload) {
  MutexLock cp(&cp_mu_);
  CheckpointNote note;
  {
    MutexLock lock(&mu_);
    if (type != RecordType::kCheckpoint) {
      VAULT_RETURN_IF_ERROR(AppendLocked(type, payload).status());
    }
    VAULT_RETURN_IF_ERROR(AppendCheckpointLocked(&note).status());
  }
  // Checkpoint i is durable: retire key i. If that cannot be persisted the
  // next checkpoint would reuse key i, so the log stops until a restart
  // reconciles key and log.
  Status s = signer_->Advance(note);
  MutexLock lock(&mu_);
  if (!s.ok()) {
    failed_ = true;
    WakeAll();  // the pending batch's waiters: no one will write it now
    return s;
  }
  latest_checkpoint_ = signing_note_;
  return Status::OK();
}

Status AuditLog::Checkpoint() { return CheckpointWith(RecordType::kCheckpoint, ""); }

Status AuditLog::Close() {
  {
    MutexLock l(&thread_mu_);
    stop_ = true;
  }
  thread_cv_.SignalAll();
  if (thread_.joinable()) thread_.join();
  return CheckpointWith(RecordType::kStop, "{}");
}

void AuditLog::CheckpointLoop() {
  using SteadyClock = std::chrono::steady_clock;
  const auto interval = std::chrono::milliseconds(options_.checkpoint_interval_ms);
  thread_mu_.Lock();
  while (!stop_) {
    // Sleep for the interval unless stopped (wake-ups may be spurious).
    const SteadyClock::time_point deadline = SteadyClock::now() + interval;
    for (SteadyClock::time_point now = SteadyClock::now(); !stop_ && now < deadline;
         now = SteadyClock::now()) {
      thread_cv_.WaitFor(&thread_mu_, deadline - now);
    }
    if (stop_) break;
    thread_mu_.Unlock();
    (void)Checkpoint();  // a failure leaves the log failed; appends report it
    thread_mu_.Lock();
  }
  thread_mu_.Unlock();
}

std::string AuditLog::LatestCheckpoint() const {
  MutexLock l(&mu_);
  return latest_checkpoint_;
}

std::string AuditLog::Origin() const {
  MutexLock l(&cp_mu_);
  return signer_->state().origin;
}

uint64_t AuditLog::Size() const {
  MutexLock l(&mu_);
  return durable_seq_;
}

std::vector<std::pair<uint64_t, uint64_t>> AuditLog::Segments() const {
  MutexLock l(&mu_);
  std::vector<std::pair<uint64_t, uint64_t>> out;
  for (const auto& [n, first] : segment_first_seq_) {
    if (n < durable_segment_) {
      struct stat st;
      out.emplace_back(n, ::stat(SegmentPath(n).c_str(), &st) == 0 ? st.st_size : 0);
    } else if (n == durable_segment_) {
      out.emplace_back(n, durable_segment_size_);
    }
  }
  return out;
}

std::vector<uint64_t> AuditLog::SegmentFirstSeqs() const {
  MutexLock l(&mu_);
  std::vector<uint64_t> out;
  out.reserve(segment_first_seq_.size());
  for (const auto& [segment, first] : segment_first_seq_) {
    if (segment <= durable_segment_) out.push_back(first);
  }
  return out;
}

StatusOr<std::vector<StoredRecord>> AuditLog::Read(uint64_t from, size_t max) const {
  std::map<uint64_t, uint64_t> firsts;
  uint64_t end, last_seg, last_size;
  {
    MutexLock l(&mu_);
    firsts = segment_first_seq_;
    end = durable_seq_;
    last_seg = durable_segment_;
    last_size = durable_segment_size_;
  }
  std::vector<StoredRecord> out;
  if (from >= end || max == 0) return out;
  auto it = firsts.begin();
  for (auto j = firsts.begin(); j != firsts.end(); ++j) {
    if (j->second <= from) it = j;
  }
  // Through a fixed window (SegmentReader): never the whole segment, which
  // grows to segment_bytes and would cost that much per page read.
  for (; it != firsts.end() && it->first <= last_seg && out.size() < max; ++it) {
    const uint64_t limit = it->first == last_seg ? last_size : UINT64_MAX;
    VAULT_ASSIGN_OR_RETURN(SegmentReader reader,
                           SegmentReader::Open(SegmentPath(it->first), it->first, limit));
    bool past_end = false;
    VAULT_RETURN_IF_ERROR(reader.ReadInto(from, end, max, &out, &past_end));
    if (past_end) break;
  }
  return out;
}

}  // namespace vault::audit
