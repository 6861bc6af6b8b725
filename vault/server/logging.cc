#include "vault/server/logging.h"

#include <poll.h>
#include <pthread.h>
#include <spdlog/formatter.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "vault/common/time_format.h"

namespace vault {

namespace json = boost::json;

namespace {

// Marks a payload that LogEvent already rendered as JSON members.
constexpr char kStructuredMarker = '\x1e';

void Append(spdlog::memory_buf_t& dest, std::string_view s) {
  dest.append(s.data(), s.data() + s.size());
}

}  // namespace

void AppendTimestamp(spdlog::memory_buf_t& dest, int64_t millis) {
  // FormatRfc3339's text, with the part up to the second formatted once per
  // second per thread: most lines come many to a second. Plain arrays, so
  // nothing is destroyed before a late line at exit.
  thread_local bool cached = false;
  thread_local int64_t cached_second = 0;
  thread_local char cached_prefix[32];  // "YYYY-MM-DDTHH:MM:SS."
  thread_local size_t cached_size = 0;
  const int64_t second = millis >= 0 ? millis / 1000 : (millis - 999) / 1000;
  if (!cached || second != cached_second) {
    const std::string full = FormatRfc3339(second * 1000);  // "...SS.000Z"
    cached_size = std::min(full.size() - 4, sizeof cached_prefix);
    std::memcpy(cached_prefix, full.data(), cached_size);
    cached_second = second;
    cached = true;
  }
  Append(dest, std::string_view(cached_prefix, cached_size));
  const int ms = static_cast<int>(millis - second * 1000);
  const char tail[4] = {static_cast<char>('0' + ms / 100), static_cast<char>('0' + ms / 10 % 10),
                        static_cast<char>('0' + ms % 10), 'Z'};
  Append(dest, std::string_view(tail, 4));
}

namespace {

class JsonLineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto millis =
        std::chrono::duration_cast<std::chrono::milliseconds>(msg.time.time_since_epoch());
    Append(dest, "{\"ts\":\"");
    AppendTimestamp(dest, millis.count());
    Append(dest, "\",\"level\":\"");
    const auto level = spdlog::level::to_string_view(msg.level);
    Append(dest, std::string_view(level.data(), level.size()));
    Append(dest, "\",");
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    if (!payload.empty() && payload.front() == kStructuredMarker) {
      Append(dest, payload.substr(1));
    } else {
      Append(dest, "\"event\":\"log\",\"message\":");
      Append(dest, json::serialize(json::string_view(payload.data(), payload.size())));
    }
    Append(dest, "}\n");
  }

  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonLineFormatter>();
  }
};

// How long the writer lets lines gather after a write (a line of level
// info waits at most this long before it is written).
constexpr std::chrono::milliseconds kGatherInterval{5};

std::mutex g_writer_mu;
std::shared_ptr<LineWriter> g_writer;  // guarded by g_writer_mu

}  // namespace

LineWriter::LineWriter(int fd, spdlog::level::level_enum sync_level, size_t max_queued)
    : fd_(fd),
      sync_level_(sync_level),
      max_queued_(max_queued),
      formatter_(std::make_unique<JsonLineFormatter>()),
      thread_([this] { Run(); }) {}

LineWriter::~LineWriter() { Stop(); }

void LineWriter::set_pattern(const std::string&) {}  // lines are JSON; see the formatter

// Lines are always JSON lines: a formatter swapped under threads that are
// formatting would be freed under them.
void LineWriter::set_formatter(std::unique_ptr<spdlog::formatter>) {}

void LineWriter::log(const spdlog::details::log_msg& msg) {
  spdlog::memory_buf_t line;
  formatter_->format(msg, line);
  const std::string_view text(line.data(), line.size());
  if (msg.level < sync_level_) {
    bool queued = false;
    bool wake = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!stopping_ && queued_.size() + text.size() <= max_queued_) {
        queued_.append(text);
        queued = true;
        wake = writer_waiting_;
        writer_waiting_ = false;
      }
    }
    if (wake) wake_.notify_one();
    if (queued) return;
  }
  WriteNow(text);  // a warning or worse, a full queue, or after Stop()
}

void LineWriter::flush() { WriteNow({}); }

void LineWriter::WriteNow(std::string_view line) {
  std::lock_guard<std::mutex> order(write_mu_);
  std::string batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(queued_);
  }
  batch.append(line);
  if (!batch.empty()) WriteAll(batch);
}

void LineWriter::WriteAll(std::string_view bytes) {
  bool partial = false;
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd_, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      // A non-blocking stderr that is full (a slow journal): wait for room.
      pollfd p{fd_, POLLOUT, 0};
      (void)::poll(&p, 1, -1);
      continue;
    }
    if (n <= 0) {
      // stderr is gone (EPIPE, EIO): nowhere to report it. A line cut short
      // is ended, so that whatever reads the rest is not handed half a line
      // joined to the next.
      if (partial) (void)!::write(fd_, "\n", 1);
      return;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
    partial = !bytes.empty();
  }
  std::lock_guard<std::mutex> lock(mu_);
  ++writes_;
}

size_t LineWriter::writes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return writes_;
}

void LineWriter::Run() {
  pthread_setname_np(pthread_self(), "vault-log");  // for top -H and perf
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      while (queued_.empty() && !stopping_) {
        writer_waiting_ = true;
        wake_.wait(lock);
      }
      writer_waiting_ = false;
      if (queued_.empty()) return;  // stopping, nothing left
    }
    WriteNow({});
    // Lines that come in the next moment queue without waking this thread,
    // so under load it writes once per kGatherInterval, not once per line.
    std::unique_lock<std::mutex> lock(mu_);
    wake_.wait_for(lock, kGatherInterval, [this] { return stopping_; });
  }
}

void LineWriter::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  wake_.notify_one();
  if (thread_.joinable()) thread_.join();
  flush();
}

void InitJsonLogging(spdlog::level::level_enum level) {
  auto writer = std::make_shared<LineWriter>(STDERR_FILENO, spdlog::level::warn);
  auto logger = std::make_shared<spdlog::logger>("vault", writer);
  logger->set_level(level);
  // Warnings and above are written before LogEvent returns (LineWriter);
  // spdlog's own flush after them finds nothing left.
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
  {
    std::lock_guard<std::mutex> lock(g_writer_mu);
    g_writer = std::move(writer);
  }
  static bool registered = false;
  if (!registered) {
    registered = true;
    std::atexit(ShutdownLogging);
  }
}

void ShutdownLogging() {
  std::shared_ptr<LineWriter> writer;
  {
    std::lock_guard<std::mutex> lock(g_writer_mu);
    writer = g_writer;
  }
  if (writer != nullptr) writer->Stop();
}

bool LogEnabled(spdlog::level::level_enum level) {
  return spdlog::default_logger_raw()->should_log(level);
}

void LogEventMembers(spdlog::level::level_enum level, std::string_view event,
                     std::string_view members) {
  spdlog::logger* logger = spdlog::default_logger_raw();
  if (!logger->should_log(level)) return;
  std::string line(1, kStructuredMarker);
  line += "\"event\":";
  line += json::serialize(json::string_view(event.data(), event.size()));
  line += members;
  logger->log(level, spdlog::string_view_t(line.data(), line.size()));
}

void LogEvent(spdlog::level::level_enum level, std::string_view event, const json::object& fields) {
  if (!LogEnabled(level)) return;
  std::string members;
  for (const auto& field : fields) {
    members += ',';
    members += json::serialize(field.key());
    members += ':';
    members += json::serialize(field.value());
  }
  LogEventMembers(level, event, members);
}

}  // namespace vault
