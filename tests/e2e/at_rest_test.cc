// Acceptance: nothing readable at rest. Transcripts whose message text,
// visitor name and IP carry a unique canary go through a real vaultd; then
// every byte of every file under the data directory, and the daemon's log,
// is scanned for the canary (raw, and hex- and upper-case-encoded) — once
// after a clean stop (WAL, MANIFEST, keyring, root key, OPTIONS, LOG) and once
// more after the RocksDB files are flushed and compacted into SST files.
#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "vault/client.h"
#include "vault/storage/store.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;

std::string HexOf(const std::string& s) {
  std::string hex(s.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(s.data()),
                 s.size());
  hex.pop_back();
  return hex;
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}

std::string ReadAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

struct Scan {
  size_t files = 0;
  size_t bytes = 0;
  std::vector<std::string> hits;  // "path: needle"
};

// Scans every regular file under `root` (and `extra` files) for each needle.
Scan ScanFiles(const fs::path& root, const std::vector<fs::path>& extra,
               const std::vector<std::string>& needles) {
  std::vector<fs::path> files = extra;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  Scan scan;
  for (const fs::path& path : files) {
    const std::string content = ReadAll(path);
    ++scan.files;
    scan.bytes += content.size();
    for (const std::string& needle : needles) {
      if (content.find(needle) != std::string::npos) {
        scan.hits.push_back(path.string() + ": " + needle);
      }
    }
  }
  return scan;
}

TEST(AtRestTest, CanaryAppearsInNoFileUnderTheDataDirectoryNorInTheLog) {
  ASSERT_GE(sodium_init(), 0);
  const std::string canary = Canary();
  const std::vector<std::string> needles = {canary, HexOf(canary), Upper(canary),
                                            Upper(HexOf(canary))};

  Daemon daemon;
  ASSERT_OK(daemon.Start());
  auto client = daemon.Connect();
  ASSERT_OK(client);

  // Enough transcripts and text that RocksDB writes real SST data blocks
  // (uncompressed, several MiB) rather than a single tiny file.
  std::vector<std::string> ids;
  const std::string filler(4000, 'x');
  for (int t = 0; t < 20; ++t) {
    NewTranscript request;
    request.service = "helpline";
    request.visitor.name = "Visitor " + canary;
    request.visitor.ip = "203.0.113.7 " + canary;
    request.visitor.location = canary;
    auto created = (*client)->CreateTranscript(request);
    ASSERT_OK(created);
    ids.push_back(created->id);
    for (uint64_t seq = 0; seq < 50; ++seq) {
      ASSERT_OK((*client)->AppendMessage(
          created->id, MakeMessage(seq, "I need help " + canary + " " + filler)));
    }
    if (t % 2 == 0) ASSERT_OK((*client)->CloseTranscript(created->id));
  }
  // The data really is there and readable through the API.
  auto transcript = (*client)->GetTranscript(ids.back());
  ASSERT_OK(transcript);
  ASSERT_EQ(transcript->messages.size(), 50u);
  ASSERT_NE(transcript->messages.front().text.find(canary), std::string::npos);
  client->reset();
  ASSERT_EQ(daemon.Stop(), 0) << daemon.ReadLog();

  const fs::path data_dir = daemon.data_dir();
  const fs::path log = daemon.log_path();
  ASSERT_TRUE(fs::exists(log));
  Scan stopped = ScanFiles(data_dir, {log}, needles);
  EXPECT_TRUE(stopped.hits.empty()) << ::testing::PrintToString(stopped.hits);
  // 20 × 50 × 4 KiB of message text must be on disk somewhere, sealed.
  EXPECT_GT(stopped.bytes, 4u * 1000 * 1000);

  // Flush memtables and compact everything to the bottommost level, as the
  // daemon's storage layer does, then scan again: SST files now hold it all.
  {
    auto store = Store::Open((data_dir / "db").string());
    ASSERT_OK(store);
    ASSERT_OK((*store)->FlushAndCompact());
  }
  size_t sst_bytes = 0;
  for (const auto& entry : fs::directory_iterator(data_dir / "db")) {
    if (entry.path().extension() == ".sst") sst_bytes += entry.file_size();
  }
  EXPECT_GT(sst_bytes, 4u * 1000 * 1000);
  Scan compacted = ScanFiles(data_dir, {log}, needles);
  EXPECT_TRUE(compacted.hits.empty()) << ::testing::PrintToString(compacted.hits);

  // And the compacted data still reads back: the scan looked at real data.
  ASSERT_OK(daemon.Start());
  auto again = daemon.Connect();
  ASSERT_OK(again);
  auto reread = (*again)->GetTranscript(ids.front());
  ASSERT_OK(reread);
  ASSERT_EQ(reread->messages.size(), 50u);
  EXPECT_NE(reread->visitor.name->find(canary), std::string::npos);
  again->reset();
  EXPECT_EQ(daemon.Stop(), 0);
}

}  // namespace
}  // namespace vault::testing
