// packaging/: the example config is accepted by a real vaultd and documents
// exactly the keys vaultd accepts; the systemd unit, the sysusers snippet
// and the example config agree on paths, users and groups.
#include <grp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"

namespace vault::testing {
namespace {

const std::string kExampleConfig = std::string(VAULT_SOURCE_DIR) + "/packaging/vaultd.conf.example";
const std::string kUnit = std::string(VAULT_SOURCE_DIR) + "/packaging/systemd/vaultd.service";
const std::string kSysusers =
    std::string(VAULT_SOURCE_DIR) + "/packaging/sysusers.d/transcript-vault.conf";
const std::string kTmpfiles =
    std::string(VAULT_SOURCE_DIR) + "/packaging/tmpfiles.d/transcript-vault.conf";
// The backup location that works out of the box (docs/operations.md, 7.2).
const std::string kBackupDir = "/var/backups/transcript-vault";

std::vector<std::string> Lines(const std::string& path) {
  std::ifstream file(path);
  EXPECT_TRUE(file.good()) << path;
  std::vector<std::string> lines;
  for (std::string line; std::getline(file, line);) lines.push_back(line);
  return lines;
}

// `key = value` lines of the example config, named as vaultd names them
// ("access.writer" for `writer` under `[access]`); commented-out ones too
// when `include_commented`. A key that may repeat is listed once.
std::map<std::string, std::string> ConfigKeys(bool include_commented) {
  const std::regex active(R"(^([a-z][a-z-]*) = (.+)$)");
  const std::regex commented(R"(^# ([a-z][a-z-]*) = (.+)$)");
  const std::regex section(R"(^#? ?\[([a-z]+)\]$)");
  std::map<std::string, std::string> keys;
  std::string prefix;
  for (const std::string& line : Lines(kExampleConfig)) {
    std::smatch m;
    if (std::regex_match(line, m, section)) {
      prefix = std::string(m[1]) + ".";
    } else if (std::regex_match(line, m, active) ||
               (include_commented && std::regex_match(line, m, commented))) {
      const std::string key = prefix + std::string(m[1]);
      EXPECT_TRUE(keys.emplace(key, m[2]).second || !prefix.empty()) << "key given twice: " << key;
    }
  }
  return keys;
}

// Directive=value lines of the unit (a directive may repeat).
std::multimap<std::string, std::string> UnitDirectives() {
  const std::regex directive(R"(^([A-Za-z]+)=(.*)$)");
  std::multimap<std::string, std::string> out;
  for (const std::string& line : Lines(kUnit)) {
    std::smatch m;
    if (std::regex_match(line, m, directive)) out.emplace(m[1], m[2]);
  }
  return out;
}

std::string One(const std::multimap<std::string, std::string>& unit, const std::string& key) {
  EXPECT_EQ(unit.count(key), 1u) << key;
  auto it = unit.find(key);
  return it == unit.end() ? "" : it->second;
}

// The options vaultd --help lists as accepted in the config file.
std::set<std::string> FileOptionsOfVaultd() {
  const RunResult help = RunVaultd({"--help"});
  EXPECT_EQ(help.exit_status, 0);
  std::set<std::string> options;
  std::istringstream in(help.output);
  const std::regex option(R"(^  --([a-z][a-z.-]*)\b.*)");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Command line only", 0) == 0) break;
    std::smatch m;
    if (std::regex_match(line, m, option)) options.insert(m[1]);
  }
  return options;
}

TEST(PackagingTest, ExampleConfigDocumentsExactlyTheKeysVaultdAccepts) {
  const std::set<std::string> accepted = FileOptionsOfVaultd();
  ASSERT_GE(accepted.size(), 10u);
  std::set<std::string> documented;
  for (const auto& [key, value] : ConfigKeys(/*include_commented=*/true)) documented.insert(key);
  EXPECT_EQ(documented, accepted);
}

TEST(PackagingTest, ExampleConfigIsAcceptedByVaultd) {
  // The file's paths and socket group are the production ones; the test's
  // own data directory, socket and group override them as flags.
  const group* own = getgrgid(getegid());
  ASSERT_NE(own, nullptr);
  Daemon daemon({"--config", kExampleConfig, "--socket-group", own->gr_name});
  ASSERT_OK(daemon.Start());
  auto client = daemon.Connect();
  ASSERT_OK(client);
  EXPECT_OK((*client)->Health());
  EXPECT_EQ(daemon.Stop(), 0) << daemon.ReadLog();
}

TEST(PackagingTest, UnitAgreesWithTheExampleConfigAndSysusers) {
  const auto unit = UnitDirectives();
  const std::map<std::string, std::string> config = ConfigKeys(/*include_commented=*/false);
  EXPECT_EQ(One(unit, "Type"), "notify");
  EXPECT_EQ(One(unit, "User"), "vault");
  EXPECT_EQ(One(unit, "Group"), "vault");
  EXPECT_EQ(One(unit, "ExecStart"), "/usr/local/bin/vaultd --config /etc/" +
                                        One(unit, "ConfigurationDirectory") + "/vaultd.conf");
  EXPECT_EQ(config.at("data-dir"), "/var/lib/" + One(unit, "StateDirectory"));
  EXPECT_EQ(One(unit, "StateDirectoryMode"), "0700");
  EXPECT_EQ(config.at("socket"), "/run/" + One(unit, "RuntimeDirectory") + "/vaultd.sock");
  EXPECT_EQ(One(unit, "SupplementaryGroups"), config.at("socket-group"));
  EXPECT_EQ(One(unit, "UMask"), "0077");
  EXPECT_EQ(One(unit, "LimitCORE"), "0");
  EXPECT_EQ(One(unit, "RestrictAddressFamilies"), "AF_UNIX");
  EXPECT_EQ(One(unit, "CapabilityBoundingSet"), "");
  EXPECT_EQ(One(unit, "SystemCallFilter"), "@system-service");

  std::set<std::string> sysusers;
  for (const std::string& line : Lines(kSysusers)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    std::string type, name, extra;
    fields >> type >> name >> extra;
    sysusers.insert(type + " " + name + (type == "m" ? " " + extra : ""));
  }
  const std::set<std::string> expected = {"u vault", "g " + config.at("socket-group"),
                                          "m vault " + config.at("socket-group")};
  EXPECT_EQ(sysusers, expected);
}

// Under ProtectSystem=strict vaultd can write only what the unit opens to it:
// the documented backup directory must be one of those paths (optional, "-",
// so a missing directory does not stop vaultd), and tmpfiles.d must create it
// for the unit's user, mode 0700.
TEST(PackagingTest, UnitLetsVaultdWriteTheDocumentedBackupDirectory) {
  const auto unit = UnitDirectives();
  EXPECT_EQ(One(unit, "ProtectSystem"), "strict");
  EXPECT_EQ(One(unit, "ReadWritePaths"), "-" + kBackupDir);
  std::vector<std::string> entries;
  for (const std::string& line : Lines(kTmpfiles)) {
    if (line.empty() || line[0] == '#') continue;
    entries.push_back(line);
  }
  ASSERT_EQ(entries.size(), 1u);
  std::istringstream fields(entries[0]);
  std::string type, path, mode, user, group;
  fields >> type >> path >> mode >> user >> group;
  EXPECT_EQ(type, "d");
  EXPECT_EQ(path, kBackupDir);
  EXPECT_EQ(mode, "0700");
  EXPECT_EQ(user, One(unit, "User"));
  EXPECT_EQ(group, One(unit, "Group"));
}

}  // namespace
}  // namespace vault::testing
