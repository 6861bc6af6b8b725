// LineWriter: lines queued from many threads all arrive, whole and in each
// thread's order, in fewer writes than lines; a warning is on the file
// descriptor before the call returns, after the lines queued before it; a
// line past the queue's cap, and any line after Stop(), is written by the
// caller.
#include "vault/server/logging.h"

#include "vault/common/time_format.h"

#include <fcntl.h>
#include <spdlog/logger.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace vault {
namespace {

namespace json = boost::json;

class TempFile {
 public:
  TempFile() {
    char path[] = "/tmp/vault-logging-test-XXXXXX";
    fd_ = ::mkstemp(path);
    path_ = path;
  }
  ~TempFile() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  int fd() const { return fd_; }
  std::string Read() const {
    std::string out;
    char buf[65536];
    for (off_t at = 0;;) {
      const ssize_t n = ::pread(fd_, buf, sizeof buf, at);
      if (n <= 0) return out;
      out.append(buf, static_cast<size_t>(n));
      at += n;
    }
  }

 private:
  int fd_ = -1;
  std::string path_;
};

std::vector<json::object> Lines(const std::string& text) {
  std::vector<json::object> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    EXPECT_FALSE(ec) << "not a whole JSON line: " << line;
    if (!ec) lines.push_back(v.as_object());
  }
  return lines;
}

TEST(LineWriterTest, LinesFromManyThreadsArriveWholeInOrderAndInFewWrites) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  constexpr int kThreads = 8;
  constexpr int kLines = 5000;
  // A queue large enough for everything: the writer blocks on the pipe, which
  // nobody reads until every line is queued, so what it writes after that is
  // whole batches.
  auto writer = std::make_shared<LineWriter>(pipe_fds[1], spdlog::level::warn, 64 << 20);
  spdlog::logger logger("test", writer);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&logger, t] {
      for (int i = 0; i < kLines; ++i) logger.info("t{} n{}", t, i);
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::string text;
  std::thread reader([&] {
    char buf[65536];
    for (;;) {
      const ssize_t n = ::read(pipe_fds[0], buf, sizeof buf);
      if (n <= 0) return;
      text.append(buf, static_cast<size_t>(n));
    }
  });
  writer->Stop();
  ::close(pipe_fds[1]);
  reader.join();
  ::close(pipe_fds[0]);

  std::map<int, int> next;
  size_t count = 0;
  for (const json::object& line : Lines(text)) {
    ASSERT_EQ(line.at("level"), "info");
    const std::string message(line.at("message").as_string());
    int t = -1;
    int n = -1;
    ASSERT_EQ(std::sscanf(message.c_str(), "t%d n%d", &t, &n), 2) << message;
    EXPECT_EQ(n, next[t]) << "thread " << t << " out of order";
    next[t] = n + 1;
    ++count;
  }
  EXPECT_EQ(count, size_t{kThreads} * kLines);
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(next[t], kLines) << "thread " << t;
  // The pipe holds about 64 KiB (a few hundred lines) before the writer
  // blocks; everything queued behind it goes in a handful of writes.
  EXPECT_LT(writer->writes(), count / 10) << writer->writes() << " writes for " << count;
}

TEST(LineWriterTest, WarningIsWrittenBeforeTheCallReturnsAfterEarlierLines) {
  TempFile file;
  auto writer = std::make_shared<LineWriter>(file.fd(), spdlog::level::warn);
  spdlog::logger logger("test", writer);
  for (int i = 0; i < 100; ++i) logger.info("before {}", i);
  logger.warn("the warning");
  // No flush, no wait: the warning and all that came before are there now.
  const std::vector<json::object> lines = Lines(file.Read());
  ASSERT_EQ(lines.size(), 101u);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(lines[i].at("message").as_string(), ("before " + std::to_string(i)).c_str());
  EXPECT_EQ(lines[100].at("level"), "warning");
  // Each line's time is FormatRfc3339's text for a moment of this test.
  const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  for (const json::object& line : lines) {
    const std::string ts(line.at("ts").as_string());
    UnixMillis t = 0;
    ASSERT_TRUE(ParseRfc3339(ts, &t)) << ts;
    EXPECT_EQ(FormatRfc3339(t), ts);
    EXPECT_LE(now - t, 60'000) << ts;
    EXPECT_GE(now, t) << ts;
  }
  EXPECT_EQ(lines[100].at("message"), "the warning");
}

TEST(LineWriterTest, LinePastTheCapAndLinesAfterStopAreWrittenAtOnce) {
  TempFile file;
  auto writer = std::make_shared<LineWriter>(file.fd(), spdlog::level::warn, 1000);
  spdlog::logger logger("test", writer);
  logger.info("{}", std::string(2000, 'x'));  // larger than the whole queue
  std::vector<json::object> lines = Lines(file.Read());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].at("message").as_string().size(), 2000u);

  logger.info("queued");
  writer->Stop();  // writes what is queued
  logger.info("after stop");
  lines = Lines(file.Read());
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1].at("message"), "queued");
  EXPECT_EQ(lines[2].at("message"), "after stop");
  writer->Stop();  // twice is harmless
}

TEST(LineWriterTest, TimestampsAreFormatRfc3339sTextAcrossSeconds) {
  // In an order that crosses second boundaries both ways and revisits
  // seconds, on one thread (whose cache of the second is what is tested).
  const std::vector<int64_t> moments = {
      0, 999, 1000, 1001, -1, -1000, -1001, -999, 0, 1764900000123, 1764900000999,
      1764900001000, 1764899999999, 1764900000123, 253402300799999 /* 9999-12-31 */};
  for (int64_t millis : moments) {
    spdlog::memory_buf_t buf;
    AppendTimestamp(buf, millis);
    EXPECT_EQ(std::string(buf.data(), buf.size()), FormatRfc3339(millis)) << millis;
  }
  for (int64_t millis = 1764900000000 - 2500; millis < 1764900000000 + 2500; millis += 7) {
    spdlog::memory_buf_t buf;
    AppendTimestamp(buf, millis);
    ASSERT_EQ(std::string(buf.data(), buf.size()), FormatRfc3339(millis)) << millis;
  }
}

TEST(LineWriterTest, FlushWritesEverythingQueued) {
  TempFile file;
  auto writer = std::make_shared<LineWriter>(file.fd(), spdlog::level::warn);
  spdlog::logger logger("test", writer);
  for (int i = 0; i < 1000; ++i) logger.info("line {}", i);
  logger.flush();
  EXPECT_EQ(Lines(file.Read()).size(), 1000u);
}

}  // namespace
}  // namespace vault
