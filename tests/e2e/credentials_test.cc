// The root key as a systemd credential (issue 17, point 4): vaultd takes it
// from $CREDENTIALS_DIRECTORY/root-key, the file systemd writes for
// LoadCredentialEncrypted=root-key:..., and never creates or falls back to a
// key file. The suite prepares the credentials directory the way systemd
// does (a directory of its own, the decrypted key mode 0400, owned by the
// service's user), once from a key it writes and once through the real
// systemd-creds encrypt and decrypt; and it walks the migration of an
// existing vault from keys/root.key to a credential.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/run_program.h"
#include "tests/support/temp_dir.h"
#include "vault/client.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;

// A fresh tv-root-key-v1 key, as `printf 'tv-root-key-v1:%s\n' "$(openssl
// rand -hex 32)"` makes one (docs/operations.md).
std::string NewKeyText() {
  static const char kHex[] = "0123456789abcdef";
  std::ifstream random("/dev/urandom", std::ios::binary);
  std::string text = "tv-root-key-v1:";
  for (int i = 0; i < 32; ++i) {
    const unsigned char b = static_cast<unsigned char>(random.get());
    text.push_back(kHex[b >> 4]);
    text.push_back(kHex[b & 15]);
  }
  return text + "\n";
}

class CredentialsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    creds_ = daemon_.test_dir() + "/credentials";
    ASSERT_TRUE(fs::create_directory(creds_));
    fs::permissions(creds_, fs::perms::owner_all);
  }
  void TearDown() override { ::unsetenv("CREDENTIALS_DIRECTORY"); }

  // Writes the decrypted credential as systemd does: mode 0400.
  void PutCredential(const std::string& text) {
    const std::string path = creds_ + "/root-key";
    if (fs::exists(path)) fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    fs::permissions(path, fs::perms::owner_read);
  }
  // Starts the daemon with $CREDENTIALS_DIRECTORY set for it alone.
  Status StartWithCredentials() {
    ::setenv("CREDENTIALS_DIRECTORY", creds_.c_str(), 1);
    Status s = daemon_.Start();
    ::unsetenv("CREDENTIALS_DIRECTORY");
    return s;
  }
  // vaultd run to completion on the daemon's data, with the credentials.
  ProgramResult RunWithCredentials(std::vector<std::string> extra = {}) {
    // The daemon's own (short) socket path: it is stopped meanwhile.
    std::vector<std::string> args = {"--data-dir", daemon_.data_dir(), "--socket",
                                     daemon_.socket_path()};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunProgram(VAULTD_PATH, args, {"CREDENTIALS_DIRECTORY=" + creds_});
  }
  std::string WriteChat(const std::string& text) {
    auto client = daemon_.Connect();
    EXPECT_TRUE(client.ok());
    NewTranscript req;
    req.service = "helpline";
    auto created = (*client)->CreateTranscript(req);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    EXPECT_TRUE((*client)->AppendMessage(created->id, MakeMessage(0, text)).ok());
    return created->id;
  }
  std::string ReadChat(const std::string& id) {
    auto client = daemon_.Connect();
    EXPECT_TRUE(client.ok());
    auto t = (*client)->GetTranscript(id);
    EXPECT_TRUE(t.ok()) << t.status().ToString();
    return t.ok() && !t->messages.empty() ? t->messages[0].text : "";
  }
  std::string KeyFile() { return daemon_.data_dir() + "/keys/root.key"; }

  Daemon daemon_;
  std::string creds_;
};

TEST_F(CredentialsE2eTest, ANewVaultTakesItsRootKeyFromTheCredentialAndMakesNoKeyFile) {
  PutCredential(NewKeyText());
  ASSERT_OK(StartWithCredentials());
  EXPECT_NE(daemon_.ReadLog().find("root key: systemd credential root-key"), std::string::npos)
      << daemon_.ReadLog();
  const std::string id = WriteChat("kept under the credential's key");
  ASSERT_EQ(daemon_.Stop(), 0);
  EXPECT_FALSE(fs::exists(KeyFile()));
  ASSERT_OK(StartWithCredentials());
  EXPECT_EQ(ReadChat(id), "kept under the credential's key");
  ASSERT_EQ(daemon_.Stop(), 0);

  // Without the credential the vault does not start (and makes no key).
  const ProgramResult without = RunProgram(
      VAULTD_PATH,
      {"--data-dir", daemon_.data_dir(), "--socket", daemon_.socket_path()},
      {"CREDENTIALS_DIRECTORY"});
  EXPECT_NE(without.exit_status, 0);
  EXPECT_NE(without.err.find("root_key_missing"), std::string::npos) << without.err;
  EXPECT_FALSE(fs::exists(KeyFile()));
  // Another key in the credential opens nothing: refused at start.
  PutCredential(NewKeyText());
  const ProgramResult other = RunWithCredentials();
  EXPECT_NE(other.exit_status, 0);
  EXPECT_EQ(other.out.find("listening"), std::string::npos) << other.out;
}

TEST_F(CredentialsE2eTest, AnExistingVaultMigratesFromItsKeyFileToACredential) {
  ASSERT_OK(daemon_.Start());  // a vault made with keys/root.key
  const std::string id = WriteChat("written before the migration");
  ASSERT_EQ(daemon_.Stop(), 0);
  const std::string key = ReadFileBytes(KeyFile());
  ASSERT_EQ(key.rfind("tv-root-key-v1:", 0), 0u);

  // The credential holds the key, and the file is still there: refused,
  // saying what to do; nothing is changed.
  PutCredential(key);
  ProgramResult both = RunWithCredentials();
  EXPECT_NE(both.exit_status, 0);
  EXPECT_NE(both.err.find("root_key_ambiguous"), std::string::npos) << both.err;
  EXPECT_NE(both.err.find("shred -u"), std::string::npos) << both.err;
  EXPECT_TRUE(fs::exists(KeyFile()));
  // A key file named on the command line as well: a usage error (exit 2).
  ProgramResult flag = RunWithCredentials({"--root-key-file", KeyFile()});
  EXPECT_EQ(flag.exit_status, 2) << flag.err;
  EXPECT_NE(flag.err.find("use one of them"), std::string::npos) << flag.err;

  // Destroyed: the vault starts from the credential and reads what it held.
  ASSERT_EQ(RunProgram("/usr/bin/shred", {"-u", KeyFile()}).exit_status, 0);
  ASSERT_OK(StartWithCredentials());
  EXPECT_EQ(ReadChat(id), "written before the migration");
  ASSERT_EQ(daemon_.Stop(), 0);
  EXPECT_FALSE(fs::exists(KeyFile()));
}

TEST_F(CredentialsE2eTest, ABadCredentialIsRefusedAtStart) {
  PutCredential("tv-root-key-v1:not hex\n");
  ProgramResult bad = RunWithCredentials();
  EXPECT_NE(bad.exit_status, 0);
  EXPECT_NE(bad.err.find("root_key_malformed"), std::string::npos) << bad.err;
  PutCredential(NewKeyText());
  fs::permissions(creds_ + "/root-key", fs::perms::owner_read | fs::perms::others_read);
  ProgramResult open = RunWithCredentials();
  EXPECT_NE(open.exit_status, 0);
  EXPECT_NE(open.err.find("root_key_insecure"), std::string::npos) << open.err;
  // Nothing was created in either attempt.
  EXPECT_FALSE(fs::exists(KeyFile()));
  EXPECT_FALSE(fs::exists(daemon_.data_dir() + "/keys/keyring"));
}

// systemd-creds encrypt seals the key with the host key
// (/var/lib/systemd/credential.secret, which it creates if missing, as
// root) or the TPM2; systemd decrypts it into the credentials directory when
// the unit starts, exactly as `systemd-creds decrypt` does here.
TEST_F(CredentialsE2eTest, AKeySealedWithSystemdCredsOpensTheVaultAsRoot) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "needs root: systemd-creds seals with the host key in /var/lib/systemd";
  }
  ASSERT_TRUE(fs::exists("/usr/bin/systemd-creds")) << "install the systemd package";
  ASSERT_OK(daemon_.Start());
  const std::string id = WriteChat("sealed by systemd-creds");
  ASSERT_EQ(daemon_.Stop(), 0);
  const std::string key = ReadFileBytes(KeyFile());
  const std::string sealed = daemon_.test_dir() + "/root-key.cred";
  ProgramResult enc = RunProgram("/usr/bin/systemd-creds",
                                 {"encrypt", "--with-key=host", "--name=root-key", KeyFile(), sealed});
  ASSERT_EQ(enc.exit_status, 0) << enc.err;
  // The sealed credential does not hold the key in clear.
  EXPECT_EQ(ReadFileBytes(sealed).find(key.substr(15, 64)), std::string::npos);
  ASSERT_EQ(RunProgram("/usr/bin/shred", {"-u", KeyFile()}).exit_status, 0);
  // Decrypted under another name it does not open: the name is bound.
  ProgramResult wrong = RunProgram("/usr/bin/systemd-creds",
                                   {"decrypt", "--name=other", sealed, creds_ + "/other"});
  EXPECT_NE(wrong.exit_status, 0);
  ProgramResult dec = RunProgram("/usr/bin/systemd-creds",
                                 {"decrypt", "--name=root-key", sealed, creds_ + "/root-key"});
  ASSERT_EQ(dec.exit_status, 0) << dec.err;
  fs::permissions(creds_ + "/root-key", fs::perms::owner_read);
  ASSERT_OK(StartWithCredentials());
  EXPECT_EQ(ReadChat(id), "sealed by systemd-creds");
  ASSERT_EQ(daemon_.Stop(), 0);
}

}  // namespace
}  // namespace vault::testing
