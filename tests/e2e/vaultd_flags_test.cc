// vaultd's command line and config file: help, version, and clear errors
// (naming the option) with a non-zero exit for anything invalid.
#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/temp_dir.h"
#include "tests/support/run_program.h"

namespace vault::testing {
namespace {

std::string WriteConfig(const std::string& dir, const std::string& contents) {
  const std::string path = dir + "/vaultd.conf";
  std::ofstream(path) << contents;
  return path;
}

TEST(VaultdFlagsTest, HelpExitsZeroAndListsOptions) {
  const RunResult result = RunVaultd({"--help"});
  EXPECT_EQ(result.exit_status, 0) << result.output;
  for (const char* option : {"--data-dir", "--socket", "--socket-group", "--config", "--retention",
                             "--epoch", "--root-key-file", "--max-body-bytes", "--max-text-bytes",
                             "--workers", "--idle-timeout", "--header-timeout", "--body-timeout",
                             "--max-connections", "--version"}) {
    EXPECT_NE(result.output.find(option), std::string::npos) << option << "\n" << result.output;
  }
}

TEST(VaultdFlagsTest, VersionPrintsTheVersion) {
  const RunResult result = RunVaultd({"--version"});
  EXPECT_EQ(result.exit_status, 0);
  EXPECT_EQ(result.output, std::string("vaultd ") + VAULT_VERSION + "\n");
}

TEST(VaultdFlagsTest, UnknownFlagIsAnError) {
  const RunResult result = RunVaultd({"--retension", "30d"});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_NE(result.output.find("retension"), std::string::npos) << result.output;
}

TEST(VaultdFlagsTest, UnknownConfigKeyIsNamed) {
  TempDir temp;
  const std::string& dir = temp.path();
  const std::string config =
      WriteConfig(dir, "retention = 30d\nmax_body_bytez = 100\nworkers = 4\n");
  const RunResult result = RunVaultd({"--config", config, "--data-dir", dir + "/data"});
  EXPECT_NE(result.exit_status, 0);
  EXPECT_NE(result.output.find("max_body_bytez"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find(config), std::string::npos) << result.output;
}

TEST(VaultdFlagsTest, ConfigKeyThatIsCommandLineOnlyIsRejected) {
  TempDir temp;
  const std::string& dir = temp.path();
  const std::string config = WriteConfig(dir, "config = /etc/other.conf\n");
  const RunResult result = RunVaultd({"--config", config, "--data-dir", dir + "/data"});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_NE(result.output.find("'config'"), std::string::npos) << result.output;
}

TEST(VaultdFlagsTest, MissingConfigFileIsAnError) {
  const RunResult result = RunVaultd({"--config", "/nonexistent/vaultd.conf"});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_NE(result.output.find("/nonexistent/vaultd.conf"), std::string::npos) << result.output;
}

TEST(VaultdFlagsTest, InvalidDurationsAreNamed) {
  for (const char* flag :
       {"--retention", "--epoch", "--idle-timeout", "--header-timeout", "--body-timeout",
        "--rights-retention"}) {
    for (const char* value : {"30", "30x", "-1d", "0s", "1.5h", "forever", ""}) {
      const RunResult result = RunVaultd({flag, value});
      EXPECT_EQ(result.exit_status, 2) << flag << " " << value << ": " << result.output;
      EXPECT_NE(result.output.find(flag), std::string::npos) << result.output;
    }
  }
}

TEST(VaultdFlagsTest, RightsRetentionBeyondAHundredYearsIsNamed) {
  TempDir temp;
  const RunResult result =
      RunVaultd({"--rights-retention", "36501d", "--data-dir", temp.path() + "/data"});
  EXPECT_EQ(result.exit_status, 2) << result.output;
  EXPECT_NE(result.output.find("--rights-retention"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("36501d"), std::string::npos) << result.output;
  EXPECT_FALSE(std::filesystem::exists(temp.path() + "/data")) << "nothing is created";
}

TEST(VaultdFlagsTest, InvalidDurationInConfigFileIsNamed) {
  TempDir temp;
  const std::string& dir = temp.path();
  const std::string config = WriteConfig(dir, "epoch = fortnightly\n");
  const RunResult result = RunVaultd({"--config", config, "--data-dir", dir + "/data"});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_NE(result.output.find("epoch"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("fortnightly"), std::string::npos) << result.output;
}

TEST(VaultdFlagsTest, InvalidNumbersAreNamed) {
  for (const char* flag :
       {"--workers", "--max-body-bytes", "--max-text-bytes", "--max-connections"}) {
    for (const char* value : {"0", "-5", "ten", "12abc", "99999999999999999999999", ""}) {
      const RunResult result = RunVaultd({flag, value});
      EXPECT_EQ(result.exit_status, 2) << flag << " " << value << ": " << result.output;
      EXPECT_NE(result.output.find(flag), std::string::npos) << result.output;
    }
  }
}

TEST(VaultdFlagsTest, InvalidStorageReservesAreNamed) {
  for (const char* value : {"-1", "lots", "64MB", "64 MiB", "2048TiB", "MiB", ""}) {
    const RunResult result = RunVaultd({"--storage-reserve", value});
    EXPECT_EQ(result.exit_status, 2) << value << ": " << result.output;
    EXPECT_NE(result.output.find("--storage-reserve"), std::string::npos) << result.output;
    EXPECT_NE(result.output.find("64MiB"), std::string::npos) << result.output;
  }
}

TEST(VaultdFlagsTest, InvalidMallocSettingsAreNamed) {
  // 0 is allowed for each (glibc's own default); past the caps is not.
  for (const auto& [flag, over] : {std::pair{"--malloc-arenas", "1025"},
                                   std::pair{"--malloc-mmap-threshold", "33554433"},
                                   std::pair{"--malloc-trim-threshold", "1073741825"}}) {
    for (const char* value : {"-5", "ten", "12abc", "", over}) {
      const RunResult result = RunVaultd({flag, value});
      EXPECT_EQ(result.exit_status, 2) << flag << " " << value << ": " << result.output;
      EXPECT_NE(result.output.find(flag + 2), std::string::npos) << result.output;
    }
  }
}

TEST(VaultdFlagsTest, InvalidNumberInConfigFileNamesTheKeyAndTheFile) {
  TempDir temp;
  const std::string config = WriteConfig(temp.path(), "workers = ten\n");
  const RunResult result = RunVaultd({"--config", config, "--data-dir", temp.path() + "/data"});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_NE(result.output.find("'workers' in config file " + config), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("'ten'"), std::string::npos) << result.output;
}

TEST(VaultdFlagsTest, KeyRepeatedInConfigFileIsAnError) {
  TempDir temp;
  const std::string config = WriteConfig(temp.path(), "workers = 2\nworkers = 3\n");
  const RunResult result = RunVaultd({"--config", config, "--data-dir", temp.path() + "/data"});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_NE(result.output.find("config file " + config), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("'workers'"), std::string::npos) << result.output;
}

TEST(VaultdFlagsTest, MalformedConfigLineIsQuoted) {
  TempDir temp;
  const std::string config = WriteConfig(temp.path(), "retention = 30d\nworkers 4\n");
  const RunResult result = RunVaultd({"--config", config, "--data-dir", temp.path() + "/data"});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_NE(result.output.find("config file " + config), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("'workers 4'"), std::string::npos) << result.output;
}

TEST(VaultdFlagsTest, EpochLongerThanRetentionIsAUsageErrorNamingBoth) {
  TempDir temp;
  const RunResult flags =
      RunVaultd({"--epoch", "2d", "--retention", "1d", "--data-dir", temp.path() + "/flags"});
  EXPECT_EQ(flags.exit_status, 2) << flags.output;
  EXPECT_NE(flags.output.find("--epoch (2d) and --retention (1d)"), std::string::npos)
      << flags.output;
  const std::string config = WriteConfig(temp.path(), "epoch = 1ms\n");
  const RunResult file = RunVaultd({"--config", config, "--data-dir", temp.path() + "/file"});
  EXPECT_EQ(file.exit_status, 2) << file.output;
  EXPECT_NE(file.output.find("'epoch' in config file " + config + " (1ms) and --retention (30d)"),
            std::string::npos)
      << file.output;
  // Refused before anything was created.
  EXPECT_FALSE(FileExistsForTest(temp.path() + "/flags"));
  EXPECT_FALSE(FileExistsForTest(temp.path() + "/file"));
}

TEST(VaultdFlagsTest, FlagGivenTwiceIsAnError) {
  const RunResult result = RunVaultd({"--workers", "2", "--workers", "3"});
  EXPECT_EQ(result.exit_status, 2);
  EXPECT_NE(result.output.find("workers"), std::string::npos) << result.output;
}

TEST(VaultdFlagsTest, ConfigFileAppliesAndFlagsOverrideIt) {
  TempDir temp;
  const std::string& dir = temp.path();
  const std::string config =
      WriteConfig(dir, "# a comment\nmax-body-bytes = 100\nmax-connections = 8\n");
  const std::string body =
      R"({"service":"svc","visitor":{"name":")" + std::string(200, 'n') + R"("}})";
  {
    Daemon daemon({"--config", config});
    ASSERT_OK(daemon.Start());
    auto client = daemon.Connect();
    ASSERT_OK(client);
    auto reply = (*client)->Request("POST", "/v1/transcripts", body);
    ASSERT_OK(reply);
    EXPECT_EQ(reply->status, 413) << reply->body;
  }
  {
    Daemon daemon({"--config", config, "--max-body-bytes", "100000"});
    ASSERT_OK(daemon.Start());
    auto client = daemon.Connect();
    ASSERT_OK(client);
    auto reply = (*client)->Request("POST", "/v1/transcripts", body);
    ASSERT_OK(reply);
    EXPECT_EQ(reply->status, 201) << reply->body;
  }
}

TEST(VaultdFlagsTest, CreatesDataDirPrivateAndSocketGroupWritable) {
  Daemon daemon;
  ASSERT_OK(daemon.Start());
  struct stat st;
  ASSERT_EQ(stat(daemon.data_dir().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(lstat(daemon.socket_path().c_str(), &st), 0);
  EXPECT_TRUE(S_ISSOCK(st.st_mode));
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  const std::string log = daemon.ReadLog();
  EXPECT_NE(log.find("vaultd listening on " + daemon.socket_path()), std::string::npos) << log;
  // The two commands the banner offers work exactly as printed, and curl's
  // output is the JSON alone, ending with a newline (no progress meter, no
  // prompt run into it).
  int ran = 0;
  for (const std::string prefix : {"  try: ", "   or: "}) {
    const size_t at = log.find("\n" + prefix);
    ASSERT_NE(at, std::string::npos) << prefix << "\n" << log;
    const size_t start = at + 1 + prefix.size();
    const std::string command = log.substr(start, log.find('\n', start) - start);
    const ProgramResult result = RunProgram("/bin/sh", {"-c", command});
    EXPECT_EQ(result.exit_status, 0) << command << "\n" << result.err;
    ASSERT_FALSE(result.out.empty()) << command;
    EXPECT_EQ(result.out.back(), '\n') << command;
    EXPECT_NE(result.out.find("\"status\""), std::string::npos) << command << "\n" << result.out;
    ++ran;
  }
  EXPECT_EQ(ran, 2);
  EXPECT_NE(log.find("  try: curl -s --unix-socket " + daemon.socket_path() +
                     " http://vault/v1/health\n"),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("   or: VAULT_SOCKET=" + daemon.socket_path() + " /"), std::string::npos)
      << "the vaultctl beside vaultd, by its full path\n"
      << log;
}

// A group this process may give files to, other than its own when it can:
// any group for root, else one of its supplementary groups.
gid_t GroupToGiveTheSocket() {
  if (geteuid() == 0) {
    for (gid_t candidate : {gid_t{65534}, gid_t{1}, gid_t{4}}) {
      if (candidate != getegid() && getgrgid(candidate) != nullptr) return candidate;
    }
  }
  std::vector<gid_t> groups(static_cast<size_t>(getgroups(0, nullptr)));
  groups.resize(static_cast<size_t>(getgroups(static_cast<int>(groups.size()), groups.data())));
  for (gid_t gid : groups) {
    if (gid != getegid()) return gid;
  }
  return getegid();
}

TEST(VaultdFlagsTest, SocketGroupGivesTheSocketToThatGroup) {
  const gid_t gid = GroupToGiveTheSocket();
  const group* entry = getgrgid(gid);
  ASSERT_NE(entry, nullptr);
  Daemon daemon({"--socket-group", entry->gr_name});
  ASSERT_OK(daemon.Start());
  struct stat st;
  ASSERT_EQ(lstat(daemon.socket_path().c_str(), &st), 0);
  EXPECT_EQ(st.st_gid, gid);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
}

TEST(VaultdFlagsTest, UnknownSocketGroupIsNamed) {
  const RunResult result = RunVaultd({"--socket-group", "no-such-group-here"});
  EXPECT_EQ(result.exit_status, 2) << result.output;
  EXPECT_NE(result.output.find("--socket-group"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("no-such-group-here"), std::string::npos) << result.output;
}

TEST(VaultdFlagsTest, RefusesASocketAnotherVaultdListensOn) {
  Daemon daemon;
  ASSERT_OK(daemon.Start());
  TempDir other_dir;
  const std::string& other = other_dir.path();
  const RunResult result =
      RunVaultd({"--data-dir", other + "/data", "--socket", daemon.socket_path()});
  EXPECT_EQ(result.exit_status, 1) << result.output;
  EXPECT_NE(result.output.find("another vaultd is listening on " + daemon.socket_path()),
            std::string::npos)
      << result.output;
  // The first daemon is untouched.
  auto client = daemon.Connect();
  ASSERT_OK(client);
  EXPECT_OK((*client)->Health());
}

TEST(VaultdFlagsTest, SocketPathTooLongIsAnError) {
  TempDir temp;
  const std::string& dir = temp.path();
  const RunResult result =
      RunVaultd({"--data-dir", dir + "/data", "--socket", "/tmp/" + std::string(120, 's')});
  EXPECT_EQ(result.exit_status, 1) << result.output;
  EXPECT_NE(result.output.find("longer than"), std::string::npos) << result.output;
}

// The memtables' 64 KiB blocks (kMemtableBlockBytes) are 65,552-byte chunks
// to malloc: a threshold at or under that maps each one on its own, and
// vaultd says so at start. Warnings are written before LogEvent returns
// (vault/server/logging.h), and this one before the vault opens, so the log
// holds it by the time READY=1 arrives. A threshold just over it, 0
// (glibc's sliding threshold) and the default start without the line.
TEST(VaultdFlagsTest, MmapThresholdUnderTheMemtableBlocksIsWarnedOf) {
  for (const char* value : {"65552", "65536", "4096", "1"}) {
    Daemon daemon({"--malloc-mmap-threshold", value});
    ASSERT_OK(daemon.Start());
    const std::string log = daemon.ReadLog();
    EXPECT_NE(log.find("\"event\":\"malloc_mmap_threshold_low\""), std::string::npos)
        << value << ":\n"
        << log;
    EXPECT_NE(log.find(std::string("\"malloc_mmap_threshold\":") + value + ","), std::string::npos)
        << log;
    EXPECT_EQ(daemon.Stop(), 0);
  }
  const std::vector<std::vector<std::string>> quiet = {
      {"--malloc-mmap-threshold", "65553"}, {"--malloc-mmap-threshold", "0"}, {}};
  for (const std::vector<std::string>& flags : quiet) {
    Daemon daemon(flags);
    ASSERT_OK(daemon.Start());
    const std::string log = daemon.ReadLog();
    EXPECT_EQ(log.find("malloc_mmap_threshold_low"), std::string::npos)
        << (flags.empty() ? "default" : flags[1]) << ":\n"
        << log;
    EXPECT_EQ(daemon.Stop(), 0);
  }
}

}  // namespace
}  // namespace vault::testing
