// Acceptance: a message's text leaves no copy in vaultd's memory once its
// request is answered. A real vaultd takes messages whose text carries a
// unique canary: a chat's next message (the group committer's path), a
// retry of it (the worker pool's path, which opens the stored copy to
// compare), and a read of the transcript. After each, with vaultd stopped
// (SIGSTOP), every readable mapping of its memory (/proc/PID/mem: heap,
// arenas, thread stacks, RocksDB's memtables) is scanned for the canary.
// What must wipe it: the connection's read buffer, the request's body, the
// parsed body and the message decoded from it, the encoded record before it
// is sealed, the opened records and the reply (docs/threat-model.md, section
// 4 (f)).
//
// Reading another process's memory needs root (vaultd makes itself
// non-dumpable); the test says so and stops if it is not root. CI runs as
// root.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "vault/client.h"

namespace vault::testing {
namespace {

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

class InMemoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) {
      GTEST_SKIP() << "needs root: vaultd is not dumpable, so only root may read its memory";
    }
    ASSERT_OK(daemon_.Start());
  }

  // The canary's hits in vaultd's memory, with vaultd stopped while it is
  // read. The socket's path, which vaultd holds for its whole life, must be
  // found: the scan read vaultd's own memory.
  std::vector<std::string> CanaryHits() {
    EXPECT_OK(daemon_.Freeze());
    const std::string resident = daemon_.socket_path();
    MemoryScan scan = ScanMemory(daemon_.pid(), {canary_, resident});
    daemon_.Thaw();
    EXPECT_GT(scan.bytes, 1u << 20) << scan.mappings << " mappings";
    std::vector<std::string> canary_hits;
    bool found_resident = false;
    for (const std::string& hit : scan.hits) {
      if (hit.rfind(resident, 0) == 0) {
        found_resident = true;
      } else {
        canary_hits.push_back(hit);
      }
    }
    EXPECT_TRUE(found_resident) << "the scan did not find the socket's path in vaultd's memory";
    return canary_hits;
  }

  // No copy of the canary once the request of `step` is done with. One more
  // request on the same connection first: its answer comes once the last
  // one's handling, its wipes included, has finished.
  void ExpectNoCanaryAfter(Client& client, const std::string& step) {
    ASSERT_OK(client.Health());
    const std::vector<std::string> hits = CanaryHits();
    EXPECT_TRUE(hits.empty()) << "after " << step << ": " << ::testing::PrintToString(hits);
  }

  Daemon daemon_;
  const std::string canary_ = Canary();
};

TEST_F(InMemoryTest, AMessagesTextLeavesNoCopyInVaultdsMemoryOnceAnswered) {
  auto client = daemon_.Connect();
  ASSERT_OK(client);
  NewTranscript request;
  request.service = "helpline";
  auto created = (*client)->CreateTranscript(request);
  ASSERT_OK(created);
  // A message of about 1 KiB whose text has the canary in the middle, and
  // nothing a JSON encoder escapes: each copy holds it whole.
  const std::string text = std::string(500, 'a') + canary_ + std::string(500, 'b');
  ASSERT_OK((*client)->AppendMessage(created->id, MakeMessage(0, text)));
  ExpectNoCanaryAfter(**client, "the append");

  // A retry: the worker pool opens the stored message to compare it.
  auto retried = (*client)->AppendMessage(created->id, MakeMessage(0, text));
  ASSERT_OK(retried);
  EXPECT_EQ(*retried, AppendOutcome::kDuplicate);
  ExpectNoCanaryAfter(**client, "the retry");

  // A read: the message opened and written into the reply.
  auto transcript = (*client)->GetTranscript(created->id);
  ASSERT_OK(transcript);
  ASSERT_EQ(transcript->messages.size(), 1u);
  EXPECT_EQ(transcript->messages[0].text, text);
  ExpectNoCanaryAfter(**client, "the read");

  // A message of 40 KiB: the connection's read buffer grows to take its body
  // (the block it leaves, which holds the text's start, is freed), and its
  // parse outgrows the parse arena's buffer on the stack.
  const std::string long_text =
      canary_ + std::string(20000, 'c') + canary_ + std::string(20000, 'd');
  ASSERT_OK((*client)->AppendMessage(created->id, MakeMessage(1, long_text)));
  ExpectNoCanaryAfter(**client, "the long append");
  transcript = (*client)->GetTranscript(created->id);
  ASSERT_OK(transcript);
  ASSERT_EQ(transcript->messages.size(), 2u);
  EXPECT_EQ(transcript->messages[1].text, long_text);
  ExpectNoCanaryAfter(**client, "the long read");

  client->reset();
  EXPECT_EQ(daemon_.Stop(), 0) << daemon_.ReadLog();
}

}  // namespace
}  // namespace vault::testing
