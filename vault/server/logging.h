// JSON-lines logging: one JSON object per line on stderr, through spdlog.
//
// InitJsonLogging() replaces spdlog's default logger with one whose formatter
// writes {"ts": RFC 3339 UTC, "level": ..., "event": ..., <fields>}. Plain
// spdlog::info("text") calls from anywhere still come out as valid JSON
// ({"event": "log", "message": "text"}).
//
// Redaction is the caller's duty: fields must never carry transcript text,
// visitor data, request bodies, raw request paths or key bytes.
//
// Lines go to stderr through a LineWriter: a request's line is queued and
// one writer thread ("vault-log") writes whatever has gathered with one
// write(2), so connection threads do not each make a system call and take a
// lock per request. Warnings and errors are written before LogEvent
// returns, after every line queued before them; other lines wait at most
// a few milliseconds (the writer gathers them). Nothing is dropped while
// stderr takes writes (a full non-blocking one is waited for): past
// kMaxQueuedLogBytes the caller writes the queue itself. A line still
// queued when the process is killed is lost; the audit log, not this log,
// is the durable record of accesses.
//
// Thread safety: LogEvent may be called from any thread. InitJsonLogging
// should be called once, before other threads log; it registers
// ShutdownLogging to run at exit.
#ifndef VAULT_SERVER_LOGGING_H_
#define VAULT_SERVER_LOGGING_H_

#include <spdlog/common.h>
#include <spdlog/sinks/sink.h>

#include <boost/json/object.hpp>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace vault {

inline constexpr size_t kMaxQueuedLogBytes = 1 << 20;

// An spdlog sink that writes formatted lines to `fd` from its own thread
// (see above). Lines of `sync_level` or above, and any line that would take
// the queue past `max_queued` bytes, are written by the caller after the
// queue. Stop() writes what is queued and ends the thread; lines logged
// after it are written at once. Thread safety: log() and flush() from any
// thread.
class LineWriter final : public spdlog::sinks::sink {
 public:
  LineWriter(int fd, spdlog::level::level_enum sync_level, size_t max_queued = kMaxQueuedLogBytes);
  ~LineWriter() override;
  LineWriter(const LineWriter&) = delete;
  LineWriter& operator=(const LineWriter&) = delete;

  void log(const spdlog::details::log_msg& msg) override;
  void flush() override;  // writes what is queued before returning
  // Both ignored: the lines are JSON lines (see above).
  void set_pattern(const std::string& pattern) override;
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override;
  void Stop();

  // Writes made so far, by the thread and by callers (for tests).
  size_t writes() const;

 private:
  void Run();
  // Writes the queue and then `line`, holding write_mu_ (the order of writes).
  void WriteNow(std::string_view line);
  void WriteAll(std::string_view bytes);

  const int fd_;
  const spdlog::level::level_enum sync_level_;
  const size_t max_queued_;
  const std::unique_ptr<spdlog::formatter> formatter_;
  std::mutex write_mu_;        // held while bytes go to fd_: writes keep their order
  mutable std::mutex mu_;      // guards the members below
  std::condition_variable wake_;
  std::string queued_;
  bool writer_waiting_ = false;
  bool stopping_ = false;
  size_t writes_ = 0;
  std::thread thread_;
};
void InitJsonLogging(spdlog::level::level_enum level = spdlog::level::info);

// Writes what is queued and stops the writer thread. Runs at exit; safe to
// call more than once.
void ShutdownLogging();

// Appends FormatRfc3339(millis) to `dest` (exposed for its test): the text
// up to the second is formatted once per second per thread.
void AppendTimestamp(spdlog::memory_buf_t& dest, int64_t millis);

// Writes {"ts", "level", "event": event, ...fields} if `level` is enabled.
void LogEvent(spdlog::level::level_enum level, std::string_view event,
              const boost::json::object& fields = {});

// Whether events of `level` are written.
bool LogEnabled(spdlog::level::level_enum level);

// Like LogEvent, with the fields already written as JSON object members,
// each with its leading comma (",\"status\":200,..."): for a line written
// on every request, without building a boost::json object (access_log.h).
void LogEventMembers(spdlog::level::level_enum level, std::string_view event,
                     std::string_view members);

}  // namespace vault

#endif  // VAULT_SERVER_LOGGING_H_
