// Acceptance: a message's text, and what a visitor's data passes through,
// leave no copy in vaultd's memory once each request is answered.
//
// InMemoryTest: a real vaultd takes messages whose text carries a unique
// canary: a chat's next message (the group committer's path), a retry of
// it (the worker pool's path, which opens the stored copy to compare), a
// read of the transcript, the same for a message of 40 KiB, a refused
// append and a batch. VisitorInMemoryTest: an open whose visitor fields
// carry canaries, with an Idempotency-Key; a read and a history lookup,
// which open the visitor record; a subject access search by the visitor's
// email and its answer; a supplementary statement and a read of it; a
// rectification of the visitor's name, and a subject access again.
//
// After each step, with vaultd stopped (SIGSTOP), every readable mapping of
// its memory (/proc/PID/mem: heap, arenas, thread stacks, RocksDB's
// memtables) is scanned for the canaries. The scan is shown to work first:
// it finds a request still in flight. It does not see a copy that malloc
// has already reused: for that, without sanitizers, vaultd runs with a
// free() that reports each freed block holding a canary (free_hook.cc),
// and FreeHookTest shows that the hook reports such a block.
//
// What must wipe them (docs/design.md, section 12): vaultd's operator
// delete, which zeroes every block before it is freed (tools/wiping_new.cc,
// in builds without ASan or TSan), and the wipes of memory that is reused
// rather than freed: the connection's read buffer between requests, the
// parse arena on the stack, ScrubStack. Under ASan, vaultd has the
// sanitizer's operator delete instead, and the test has ASan zero the
// blocks it frees (free_fill_byte), as vaultd's own operator would.
//
// Reading another process's memory needs root (vaultd makes itself
// non-dumpable); the test says so and stops if it is not root. CI runs as
// root.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/raw_http.h"
#include "tests/support/run_program.h"
#include "vault/client.h"

namespace vault::testing {
namespace {

const std::string kHealth = "GET /v1/health HTTP/1.1\r\nHost: vault\r\n\r\n";

struct MemoryScan {
  size_t mappings = 0;
  size_t bytes = 0;
  std::vector<std::string> hits;  // "needle in mapping"
};

// Mappings larger than this are left out: the sanitizers' shadow memory and
// reserved ranges (terabytes, mostly never touched). vaultd's heap, arenas
// and stacks in these tests are far smaller.
constexpr uint64_t kLargestMapping = uint64_t{1} << 30;

// Every readable mapping of process `pid`, searched for each needle, 1 MiB
// at a time (overlapping by a needle's length). A mapping the kernel will
// not read (a device's, vsyscall) is left out.
MemoryScan ScanMemory(pid_t pid, const std::vector<std::string>& needles) {
  MemoryScan scan;
  const std::string proc = "/proc/" + std::to_string(pid);
  const int mem = ::open((proc + "/mem").c_str(), O_RDONLY | O_CLOEXEC);
  if (mem < 0) {
    ADD_FAILURE() << "cannot open " << proc << "/mem: " << strerror(errno);
    return scan;
  }
  std::ifstream maps(proc + "/maps");
  size_t overlap = 0;
  for (const std::string& needle : needles) overlap = std::max(overlap, needle.size());
  constexpr uint64_t kChunk = 1 << 20;
  std::string line;
  std::string chunk;
  while (std::getline(maps, line)) {
    std::istringstream fields(line);
    std::string range, perms;
    fields >> range >> perms;
    if (perms.empty() || perms[0] != 'r') continue;
    const size_t dash = range.find('-');
    const uint64_t begin = std::stoull(range.substr(0, dash), nullptr, 16);
    const uint64_t end = std::stoull(range.substr(dash + 1), nullptr, 16);
    if (end - begin > kLargestMapping) continue;
    bool read = false;
    std::vector<bool> found(needles.size(), false);
    for (uint64_t at = begin; at < end; at += kChunk) {
      chunk.resize(std::min<uint64_t>(end - at, kChunk + overlap));
      const ssize_t n = ::pread(mem, chunk.data(), chunk.size(), static_cast<off_t>(at));
      if (n <= 0) break;
      chunk.resize(static_cast<size_t>(n));
      read = true;
      scan.bytes += std::min<uint64_t>(chunk.size(), kChunk);
      for (size_t i = 0; i < needles.size(); ++i) {
        if (!found[i] && chunk.find(needles[i]) != std::string::npos) found[i] = true;
      }
    }
    if (read) ++scan.mappings;
    for (size_t i = 0; i < needles.size(); ++i) {
      if (found[i]) scan.hits.push_back(needles[i] + " in " + line);
    }
  }
  ::close(mem);
  return scan;
}

// A needle as free_hook.cc takes it: "LEN:HEX", its length and the sum of
// byte * 0x100000001b3^k over its bytes (the last byte's k is 0), wrapping
// at 2^64.
std::string NeedleName(const std::string& needle) {
  uint64_t hash = 0;
  for (unsigned char c : needle) hash = hash * 0x100000001b3 + c;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016" PRIx64, hash);
  return std::to_string(needle.size()) + ":" + hex;
}

// Each hex digit of `hex` as a decimal digit (its value mod 10).
std::string Digits(const std::string& hex) {
  std::string digits;
  for (const char c : hex) {
    const int value = c >= 'a' ? c - 'a' + 10 : c - '0';
    digits += static_cast<char>('0' + value % 10);
  }
  return digits;
}

// The needles for $VAULT_TEST_FREED_NEEDLES, numbered from 0 in this order.
std::string NeedleNames(const std::vector<std::string>& needles) {
  std::string names;
  for (const std::string& n : needles) names += (names.empty() ? "" : ",") + NeedleName(n);
  return names;
}

// Sets an environment variable for as long as it lives, then puts back
// what was there.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    const char* old = std::getenv(name);
    if (old != nullptr) old_ = old;
    had_ = old != nullptr;
    EXPECT_EQ(::setenv(name, value.c_str(), 1), 0) << name;
  }
  ~ScopedEnv() {
    if (had_) {
      ::setenv(name_, old_.c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::string old_;
  bool had_ = false;
};

class InMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "needs root: vaultd is not dumpable, so only root may read its memory";
    }
    std::vector<std::unique_ptr<ScopedEnv>> env;  // for vaultd only
#ifdef VAULT_FREE_HOOK
    // vaultd reports each block it frees that holds one of these
    // (free_hook.cc).
    env.push_back(std::make_unique<ScopedEnv>("LD_PRELOAD", VAULT_FREE_HOOK));
    env.push_back(
        std::make_unique<ScopedEnv>("VAULT_TEST_FREED_NEEDLES", NeedleNames(never_freed_)));
#endif
    // Under ASan, vaultd has the sanitizer's operator delete, not its own
    // (tools/wiping_new.cc): ASan's allocator zeroes freed blocks instead
    // (free_fill_byte).
    const char* asan_options = std::getenv("ASAN_OPTIONS");
    env.push_back(std::make_unique<ScopedEnv>(
        "ASAN_OPTIONS", std::string(asan_options == nullptr ? "" : asan_options) +
                            ":max_free_fill_size=1073741824:free_fill_byte=0"));
    const Status started = daemon_.Start();
    while (!env.empty()) env.pop_back();  // the last set is put back first
    ASSERT_OK(started);
  }

  // The needles found in vaultd's memory (each with a mapping it is in),
  // read with vaultd stopped. Fails the test if vaultd
  // could not be stopped or the scan read under 1 MiB.
  std::vector<std::string> Find(const std::vector<std::string>& needles) {
    Status frozen = daemon_.Freeze();
    if (!frozen.ok()) {
      ADD_FAILURE() << "cannot stop vaultd for the scan: " << frozen.ToString();
      return {};
    }
    const MemoryScan scan = ScanMemory(daemon_.pid(), needles);
    daemon_.Thaw();
    EXPECT_GT(scan.bytes, 1u << 20) << scan.mappings << " mappings";
    return scan.hits;
  }

  // No copy of the canary once the request of `step` is done with. One more
  // request on the same connection first: its answer comes once the last
  // one's handling, its wipes included, has finished.
  void ExpectNoCanaryAfter(Client& client, const std::string& step) {
    ASSERT_OK(client.Health());
    const std::vector<std::string> hits = Find({canary_});
    EXPECT_TRUE(hits.empty()) << "after " << step << ": " << ::testing::PrintToString(hits);
  }

  // After vaultd has stopped: the free() hook reported no block that held
  // one of never_freed_, at any point in vaultd's life, and it checked the
  // blocks vaultd freed. (FreeHookTest shows that it reports a block that
  // holds a needle.)
  void ExpectNoneFreed() {
#ifdef VAULT_FREE_HOOK
    const std::string log = daemon_.ReadLog();
    for (size_t i = 0; i < never_freed_.size(); ++i) {
      EXPECT_EQ(log.find("free_hook: a freed block held needle " + std::to_string(i)),
                std::string::npos)
          << "needle " << i << ": " << log;
    }
    const size_t checked = log.find("free_hook: checked ");
    ASSERT_NE(checked, std::string::npos) << "the free() hook did not report: not preloaded?";
    EXPECT_GT(std::stoull(log.substr(checked + sizeof "free_hook: checked " - 1)), 1000u) << log;
#else
    std::cout << "[ note ] built with sanitizers: vaultd's frees are not checked (free_hook.cc)\n";
#endif
  }

  Daemon daemon_;
  const std::string canary_ = Canary();     // in messages' text
  const std::string in_flight_ = Canary();  // in the text of a request caught in flight
  // What the free() hook looks for; a derived fixture sets its own in its
  // constructor.
  std::vector<std::string> never_freed_ = {canary_, in_flight_};
};

#ifdef VAULT_FREE_HOOK
// The hook reports a freed block that holds a needle: the probe frees one
// unwiped, and a block without it is not reported.
TEST(FreeHookTest, ReportsAFreedBlockHoldingANeedle) {
  const std::string needle = Canary();
  const std::string env = "VAULT_TEST_FREED_NEEDLES=" + NeedleNames({Canary(), needle});
  ProgramResult held = RunProgram(VAULT_FREE_HOOK_PROBE, {needle},
                                  {std::string("LD_PRELOAD=") + VAULT_FREE_HOOK, env});
  EXPECT_EQ(held.exit_status, 0) << held.err;
  EXPECT_NE(held.err.find("free_hook: a freed block held needle 1"), std::string::npos) << held.err;
  EXPECT_EQ(held.err.find("needle 0"), std::string::npos) << held.err;
  EXPECT_NE(held.err.find("free_hook: checked "), std::string::npos) << held.err;
  ProgramResult other = RunProgram(VAULT_FREE_HOOK_PROBE, {needle.substr(1)},
                                   {std::string("LD_PRELOAD=") + VAULT_FREE_HOOK, env});
  EXPECT_EQ(other.exit_status, 0) << other.err;
  EXPECT_EQ(other.err.find("a freed block held"), std::string::npos) << other.err;
}
#endif

TEST_F(InMemoryTest, AMessagesTextLeavesNoCopyInVaultdsMemoryOnceAnsweredAsRoot) {
  auto client = daemon_.Connect();
  ASSERT_OK(client);
  NewTranscript request;
  request.service = "helpline";
  auto created = (*client)->CreateTranscript(request);
  ASSERT_OK(created);
  // The scan finds what vaultd holds: a request still in flight. A health
  // check and, behind it in the same write, the first half of an append
  // whose text carries another canary. One write of under 4 KiB is read
  // whole, so once the health check is answered the append's first half is
  // in vaultd's memory, waiting for the rest.
  const std::string body = R"({"seq":0,"from":"agent","text":")" + std::string(100, 'e') +
                           in_flight_ + std::string(500, 'f') +
                           R"(","sent_at":"2026-01-01T00:00:00Z"})";
  const std::string head = "POST /v1/transcripts/" + created->id +
                           "/messages HTTP/1.1\r\nHost: vault\r\n"
                           "Content-Type: application/json\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n";
  auto raw = RawConnection::Open(daemon_.socket_path());
  ASSERT_OK(raw);
  const size_t half = body.size() / 2;
  ASSERT_GT(half, body.find(in_flight_) + in_flight_.size());  // the canary is in the first half
  ASSERT_OK(raw->Send(kHealth + head + body.substr(0, half)));
  auto health = raw->ReadResponse();
  ASSERT_OK(health);
  ASSERT_EQ(StatusCodeOf(*health), 200) << *health;
  std::vector<std::string> hits = Find({in_flight_});
  ASSERT_FALSE(hits.empty()) << "the scan did not find a request in flight in vaultd's memory";
  // Finished, it goes the way of every append: no copy once answered.
  ASSERT_OK(raw->Send(body.substr(half)));
  auto appended = raw->ReadResponse();
  ASSERT_OK(appended);
  ASSERT_EQ(StatusCodeOf(*appended), 201) << *appended;
  ASSERT_OK(raw->Send(kHealth));
  ASSERT_OK(raw->ReadResponse());
  hits = Find({in_flight_});
  EXPECT_TRUE(hits.empty()) << "after the raw append: " << ::testing::PrintToString(hits);

  // A message of about 1 KiB whose text has the canary in the middle, and
  // nothing a JSON encoder escapes: each copy holds it whole.
  const std::string text = std::string(500, 'a') + canary_ + std::string(500, 'b');
  ASSERT_OK((*client)->AppendMessage(created->id, MakeMessage(1, text)));
  ASSERT_NO_FATAL_FAILURE(ExpectNoCanaryAfter(**client, "the append"));

  // A retry: the worker pool opens the stored message to compare it.
  auto retried = (*client)->AppendMessage(created->id, MakeMessage(1, text));
  ASSERT_OK(retried);
  EXPECT_EQ(*retried, AppendOutcome::kDuplicate);
  ASSERT_NO_FATAL_FAILURE(ExpectNoCanaryAfter(**client, "the retry"));

  // A read: the message opened and written into the reply.
  auto transcript = (*client)->GetTranscript(created->id);
  ASSERT_OK(transcript);
  ASSERT_EQ(transcript->messages.size(), 2u);
  EXPECT_EQ(transcript->messages[1].text, text);
  ASSERT_NO_FATAL_FAILURE(ExpectNoCanaryAfter(**client, "the read"));

  // A message of 40 KiB: the connection's read buffer grows to take its body
  // (the block it leaves, which holds the text's start, is freed), and its
  // parse outgrows the parse arena's buffer on the stack.
  const std::string long_text =
      canary_ + std::string(20000, 'c') + canary_ + std::string(20000, 'd');
  ASSERT_OK((*client)->AppendMessage(created->id, MakeMessage(2, long_text)));
  ASSERT_NO_FATAL_FAILURE(ExpectNoCanaryAfter(**client, "the long append"));
  transcript = (*client)->GetTranscript(created->id);
  ASSERT_OK(transcript);
  ASSERT_EQ(transcript->messages.size(), 3u);
  EXPECT_EQ(transcript->messages[2].text, long_text);
  ASSERT_NO_FATAL_FAILURE(ExpectNoCanaryAfter(**client, "the long read"));

  // A refused append (its sent_at is not a string) and a batch of two: the
  // text of each is wiped too.
  const auto post = [&](const std::string& target, const std::string& json) {
    return "POST /v1/transcripts/" + created->id + target +
           " HTTP/1.1\r\nHost: vault\r\nContent-Type: application/json\r\n"
           "Content-Length: " +
           std::to_string(json.size()) + "\r\n\r\n" + json;
  };
  const std::string message = R"("from":"agent","text":")" + text + R"(","sent_at":)";
  ASSERT_OK(raw->Send(post("/messages", R"({"seq":3,)" + message + "5}")));
  auto refused = raw->ReadResponse();
  ASSERT_OK(refused);
  ASSERT_EQ(StatusCodeOf(*refused), 400) << *refused;
  ASSERT_OK(raw->Send(kHealth));  // as ExpectNoCanaryAfter does, on the same connection
  ASSERT_OK(raw->ReadResponse());
  ASSERT_NO_FATAL_FAILURE(ExpectNoCanaryAfter(**client, "the refused append"));
  ASSERT_OK(raw->Send(post("/messages/batch", R"({"messages":[{"seq":3,)" + message +
                                                  R"("2026-01-01T00:00:00Z"},{"seq":4,)" + message +
                                                  R"("2026-01-01T00:00:00Z"}]})")));
  auto batch = raw->ReadResponse();
  ASSERT_OK(batch);
  ASSERT_EQ(StatusCodeOf(*batch), 201) << *batch;
  ASSERT_OK(raw->Send(kHealth));
  ASSERT_OK(raw->ReadResponse());
  ASSERT_NO_FATAL_FAILURE(ExpectNoCanaryAfter(**client, "the batch"));

  client->reset();
  EXPECT_EQ(daemon_.Stop(), 0) << daemon_.ReadLog();
  ExpectNoneFreed();
}

// Acceptance: what a visitor's data (the visitor's fields, a supplementary
// statement, a correction) passes through leaves no copy in vaultd's memory
// once each request is answered: an open with an Idempotency-Key, a read and
// a history lookup, which open the visitor record; a subject access search
// by the visitor's email and its answer; a statement and a read of it; a
// rectification of the visitor's name, and a subject access again.
class VisitorInMemoryTest : public InMemoryTest {
 protected:
  VisitorInMemoryTest() {
    never_freed_ = {name_, email_, said_, new_name_, phone_, phone_normalised_};
  }

  // None of the visitor's data once `step` is answered, as
  // ExpectNoCanaryAfter.
  void ExpectNoVisitorDataAfter(Client& client, const std::string& step) {
    ASSERT_OK(client.Health());
    const std::vector<std::string> hits = Find(never_freed_);
    EXPECT_TRUE(hits.empty()) << "after " << step << ": " << ::testing::PrintToString(hits);
  }

  const std::string name_ = Canary();
  const std::string email_ = Canary() + "@example.org";
  const std::string said_ = Canary();  // in a supplementary statement's text
  const std::string new_name_ = Canary();
  // A phone number short enough to live inside a std::string (15 bytes or
  // less: no heap block of its own; Boost.JSON's strings hold 14), as
  // given and as the index normalises it; five random digits.
  const std::string phone_digits_ = Canary().substr(7, 5);
  const std::string phone_ = "+44 7700 9" + Digits(phone_digits_);
  const std::string phone_normalised_ = "+4477009" + Digits(phone_digits_);
};

TEST_F(VisitorInMemoryTest, AVisitorsDataLeavesNoCopyInVaultdsMemoryOnceAnsweredAsRoot) {
  auto client = daemon_.Connect();
  ASSERT_OK(client);
  NewTranscript request;
  request.service = "helpline";
  request.visitor.name = name_;
  request.visitor.email = email_;
  request.visitor.location = "Leeds, " + name_;
  request.visitor.phone = phone_;
  request.idempotency_key = Canary();
  auto first = (*client)->CreateTranscript(request);
  ASSERT_OK(first);
  ASSERT_NO_FATAL_FAILURE(ExpectNoVisitorDataAfter(**client, "the open"));
  request.idempotency_key.clear();
  auto second = (*client)->CreateTranscript(request);  // the same visitor returns
  ASSERT_OK(second);
  for (const std::string& id : {first->id, second->id}) {
    ASSERT_OK((*client)->AppendMessage(id, MakeMessage(0, "hello")));
  }
  ASSERT_NO_FATAL_FAILURE(ExpectNoVisitorDataAfter(**client, "the second open"));

  auto transcript = (*client)->GetTranscript(second->id);
  ASSERT_OK(transcript);
  EXPECT_EQ(transcript->visitor.name, name_);
  ASSERT_NO_FATAL_FAILURE(ExpectNoVisitorDataAfter(**client, "a read"));
  auto history = (*client)->ListHistory(second->id);
  ASSERT_OK(history);
  ASSERT_EQ(history->entries.size(), 1u);
  EXPECT_EQ(history->entries[0].id, first->id);
  ASSERT_NO_FATAL_FAILURE(ExpectNoVisitorDataAfter(**client, "a history lookup"));

  SubjectAccessQuery query;
  query.email = email_;
  auto found = (*client)->SubjectAccess(query);
  ASSERT_OK(found);
  ASSERT_EQ(found->items.size(), 2u);
  ASSERT_NO_FATAL_FAILURE(ExpectNoVisitorDataAfter(**client, "a subject access request"));

  const std::string statement = "The visitor says: " + said_ + " was their old address.";
  ASSERT_OK((*client)->AddStatement(first->id, {0, statement, ""}));
  ASSERT_NO_FATAL_FAILURE(ExpectNoVisitorDataAfter(**client, "a statement"));
  transcript = (*client)->GetTranscript(first->id);
  ASSERT_OK(transcript);
  ASSERT_EQ(transcript->messages.size(), 1u);
  ASSERT_EQ(transcript->messages[0].statements.size(), 1u);
  EXPECT_EQ(transcript->messages[0].statements[0].text, statement);
  ASSERT_NO_FATAL_FAILURE(ExpectNoVisitorDataAfter(**client, "a read of the statement"));

  auto rectified = (*client)->SubjectRectification(query, {VisitorCorrection{"name", new_name_}});
  ASSERT_OK(rectified);
  EXPECT_EQ(rectified->rectified.size(), 2u);
  ASSERT_NO_FATAL_FAILURE(ExpectNoVisitorDataAfter(**client, "a rectification"));
  found = (*client)->SubjectAccess(query);
  ASSERT_OK(found);
  ASSERT_EQ(found->items.size(), 2u);
  ASSERT_NO_FATAL_FAILURE(ExpectNoVisitorDataAfter(**client, "the second subject access"));

  client->reset();
  EXPECT_EQ(daemon_.Stop(), 0) << daemon_.ReadLog();
  ExpectNoneFreed();
}

}  // namespace
}  // namespace vault::testing
