// Root key rotation (issue 17, point 3), against a real vaultd and the real
// `vaultd --rotate-root-key`: everything the root key seals (the keyring, the
// audit signing key file, the safeguarding file) moves to a new key with the
// same contents, the old key file's bytes are gone, and the next start audits
// the rotation with both fingerprints. vaultd is killed (a failpoint, SIGKILL)
// at every step of a rotation and of its completion at start: the vault then
// starts with the old key or the new one, reads every transcript, and its
// audit log verifies offline. Refusals change nothing. With the root key as a
// systemd credential, the new key waits for the operator; a start with the
// old credential abandons the rotation, a start with the new one finishes it.
#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "tests/support/api_util.h"
#include "tests/support/daemon.h"
#include "tests/support/daemon_fixture.h"
#include "tests/support/epochs.h"
#include "tests/support/run_program.h"
#include "tests/support/temp_dir.h"
#include "vault/client.h"
#include "vault/crypto/custodian.h"
#include "vault/crypto/keyring.h"
#include "vault/officer/officer.h"

namespace vault::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

const char* const kSealed[] = {"keyring", "audit.key", "safeguarding"};
const std::map<std::string, RootSubkey> kPurpose = {{"keyring", RootSubkey::kKeyring},
                                                     {"audit.key", RootSubkey::kAuditSigner},
                                                     {"safeguarding", RootSubkey::kSafeguarding}};

// The key in a tv-root-key-v1 file's text.
SecretBytes KeyOf(const std::string& text) {
  SecretBytes key = SecretBytes::Zeroed(kRootKeyBytes).value();
  size_t len = 0;
  const std::string hex = text.substr(15, 64);
  EXPECT_EQ(sodium_hex2bin(key.insecure_mutable_data(), key.size(), hex.data(), hex.size(), nullptr,
                           &len, nullptr),
            0);
  EXPECT_EQ(len, kRootKeyBytes);
  return key;
}

std::string FingerprintOf(const std::string& key_text) {
  return RootKeyFingerprint(KeyOf(key_text)).value();
}

std::string Text(const json::value& v) { return v.is_string() ? std::string(v.as_string()) : ""; }

// "  old root key fingerprint: X" in the rotation's output.
std::string Printed(const std::string& out, const std::string& which) {
  const std::string label = which + " root key fingerprint: ";
  const size_t at = out.find(label);
  if (at == std::string::npos) return "";
  return out.substr(at + label.size(), 32);
}

class RootRotationE2eTest : public DaemonTest {
 protected:
  void SetUp() override {
    // Before the daemon's first start, which brings the keyring to the
    // current epoch: see EpochTurnedSinceSetUp.
    setup_ms_ = NowMs();
    ASSERT_NO_FATAL_FAILURE(DaemonTest::SetUp());
    ASSERT_GE(sodium_init(), 0);
    // An enrolled officer makes the safeguarding file exist.
    auto keys = safeguard::OfficerKeys::Generate();
    ASSERT_OK(keys);
    auto token = safeguard::EnrolmentToken(*keys);
    ASSERT_OK(token);
    ASSERT_OK(client_->EnrolOfficer("alice", *token));
    genesis_key_ = client_->GetAuditStatus()->genesis_key;
    for (int i = 0; i < 3; ++i) ids_.push_back(WriteChat("message " + std::to_string(i)));
    ASSERT_EQ(daemon_.Stop(), 0);
    for (const char* name : kSealed) ASSERT_TRUE(fs::exists(Keys(name))) << name;
    old_key_ = ReadFileBytes(KeyFile());
    Snapshot();
    // A second name for the old key file, to see its bytes after the
    // rotation has removed the first.
    old_key_link_ = daemon_.test_dir() + "/old-root-key-link";
    ASSERT_EQ(::link(KeyFile().c_str(), old_key_link_.c_str()), 0);
  }
  // Whether the wall clock has entered another epoch of `epoch_ms` since
  // SetUp began. Any open of the vault (the rotation's too) then advances
  // the keyring, as it must; the test cannot hold the real clock still.
  bool EpochTurnedSinceSetUp(int64_t epoch_ms) const {
    return setup_ms_ / epoch_ms != NowMs() / epoch_ms;
  }
  void Snapshot() {
    for (const char* name : kSealed) old_files_[name] = ReadFileBytes(Keys(name));
  }

  std::string Keys(const std::string& name) { return daemon_.data_dir() + "/keys/" + name; }
  std::string KeyFile() { return Keys("root.key"); }

  ProgramResult Rotate(std::vector<std::string> env = {}, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--data-dir", daemon_.data_dir(), "--socket",
                                     daemon_.socket_path(), "--rotate-root-key"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunProgram(VAULTD_PATH, args, env);
  }
  ProgramResult RotateKilledAt(const std::string& failpoint) {
    return Rotate({"VAULT_FAILPOINT=" + failpoint});
  }

  std::string WriteChat(const std::string& text) {
    NewTranscript req;
    req.service = "helpline";
    auto created = client_->CreateTranscript(req);
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    if (!created.ok()) return "";
    EXPECT_TRUE(client_->AppendMessage(created->id, MakeMessage(0, text)).ok());
    return created->id;
  }
  // Starts the daemon and checks every transcript reads back.
  void StartAndReadEverything() {
    ASSERT_OK(daemon_.Start());
    ASSERT_NO_FATAL_FAILURE(Reconnect());
    for (size_t i = 0; i < ids_.size(); ++i) {
      auto t = client_->GetTranscript(ids_[i]);
      ASSERT_OK(t);
      ASSERT_EQ(t->messages.size(), 1u);
      EXPECT_EQ(t->messages[0].text, "message " + std::to_string(i));
    }
  }
  std::vector<json::object> RotationRecords() {
    std::vector<json::object> out;
    for (json::object& r : AuditRecords(*client_)) {
      const json::object& p = r.at("payload").as_object();
      if (p.contains("action") && p.at("action") == "root_key.rotate") out.push_back(p);
    }
    return out;
  }
  // The exported log verifies offline against the key pinned at the start.
  void ExpectAuditVerifies() {
    const std::string dir = daemon_.test_dir() + "/export-" + std::to_string(exports_++);
    auto exported = client_->ExportAudit(dir);
    ASSERT_OK(exported);
    const ProgramResult verified = RunProgram(
        VAULT_AUDIT_PATH, {"verify", "--dir", dir, "--pubkey", genesis_key_, "--checkpoint",
                           dir + "/checkpoint.note"});
    EXPECT_EQ(verified.exit_status, 0) << verified.out << verified.err;
    // And the keys' states it records are consistent: the root keys' too.
    const ProgramResult keys = RunProgram(
        VAULT_AUDIT_PATH, {"keys", "--dir", dir, "--pubkey", genesis_key_});
    EXPECT_EQ(keys.exit_status, 0) << keys.out << keys.err;
    EXPECT_NE(keys.out.find("problems: none"), std::string::npos) << keys.out;
    EXPECT_NE(keys.out.find("root " + FingerprintOf(old_key_) + ": "), std::string::npos)
        << keys.out;
  }
  // No file of a rotation is left in keys/.
  void ExpectNoLeftovers() {
    for (const auto& e : fs::directory_iterator(daemon_.data_dir() + "/keys")) {
      const std::string name = e.path().filename().string();
      EXPECT_EQ(name.find(".next"), std::string::npos) << name;
      EXPECT_EQ(name.find(".old"), std::string::npos) << name;
      EXPECT_NE(name, "root-rotation");
      EXPECT_EQ(name.find(".tmp"), std::string::npos) << name;
    }
  }
  // Every sealed file opens under the key in `key_text`.
  void ExpectSealedUnder(const std::string& key_text) {
    const SecretBytes key = KeyOf(key_text);
    for (const char* name : kSealed) {
      EXPECT_TRUE(OpensUnderRoot(ReadFileBytes(Keys(name)), kPurpose.at(name), key)) << name;
    }
  }
  // The key file and the sealed files are byte for byte as before.
  bool FilesUnchanged() {
    for (const char* name : kSealed) {
      if (ReadFileBytes(Keys(name)) != old_files_[name]) return false;
    }
    return ReadFileBytes(KeyFile()) == old_key_;
  }

  int64_t setup_ms_ = 0;
  std::vector<std::string> ids_;
  std::string genesis_key_;
  std::string old_key_;
  std::string old_key_link_;
  std::map<std::string, std::string> old_files_;
  int exports_ = 0;
};

TEST_F(RootRotationE2eTest, ResealsEveryKeyFileDestroysTheOldKeyAndIsAuditedWithBothFingerprints) {
  const ProgramResult r = Rotate();
  ASSERT_EQ(r.exit_status, 0) << r.out << r.err;
  const std::string new_key = ReadFileBytes(KeyFile());
  ASSERT_EQ(new_key.size(), 80u);
  ASSERT_NE(new_key, old_key_);
  // The old key's bytes are overwritten, not only unlinked.
  EXPECT_EQ(ReadFileBytes(old_key_link_), std::string(80, '\0'));
  EXPECT_EQ(Printed(r.out, "old"), FingerprintOf(old_key_)) << r.out;
  EXPECT_EQ(Printed(r.out, "new"), FingerprintOf(new_key)) << r.out;
  struct stat st {};
  ASSERT_EQ(::stat(KeyFile().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ExpectNoLeftovers();

  // Each file is resealed: the old key opens none of them, the new key all;
  // the header is kept, and the keyring's state is the same one, at the same
  // generation (never an older state, never an epoch key already destroyed).
  const SecretBytes old_root = KeyOf(old_key_), new_root = KeyOf(new_key);
  for (const char* name : kSealed) {
    const std::string now = ReadFileBytes(Keys(name));
    EXPECT_NE(now, old_files_[name]) << name;
    EXPECT_EQ(now.substr(0, 12), old_files_[name].substr(0, 12)) << name;
    EXPECT_TRUE(OpensUnderRoot(now, kPurpose.at(name), new_root)) << name;
    EXPECT_FALSE(OpensUnderRoot(now, kPurpose.at(name), old_root)) << name;
    EXPECT_TRUE(OpensUnderRoot(old_files_[name], kPurpose.at(name), old_root)) << name;
  }
  auto before = DecodeKeyringFile(old_files_["keyring"], old_root);
  auto after = DecodeKeyringFile(ReadFileBytes(Keys("keyring")), new_root);
  ASSERT_OK(before);
  ASSERT_OK(after);
  EXPECT_EQ(after->epoch_ms, before->epoch_ms);
  if (!EpochTurnedSinceSetUp(before->epoch_ms)) {
    EXPECT_EQ(after->base_epoch, before->base_epoch);
    EXPECT_EQ(after->generation, before->generation);
    EXPECT_TRUE(after->state.Equals(before->state));
  } else {
    // The epoch turned while the test ran (at the top of the hour): the
    // rotation's open advanced the keyring, forward only.
    EXPECT_GT(after->base_epoch, before->base_epoch);
    EXPECT_GT(after->generation, before->generation);
  }

  // The rotation opened the vault once with the new key, which audited it.
  ASSERT_NO_FATAL_FAILURE(StartAndReadEverything());
  std::vector<json::object> records = RotationRecords();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("outcome"), "ok");
  EXPECT_EQ(records[0].at("actor").at("role"), "system");
  EXPECT_EQ(Text(records[0].at("details").at("rotated_by_uid")), std::to_string(::getuid()));
  EXPECT_EQ(Text(records[0].at("details").at("old_fingerprint")), FingerprintOf(old_key_));
  EXPECT_EQ(Text(records[0].at("details").at("new_fingerprint")), FingerprintOf(new_key));
  ASSERT_NO_FATAL_FAILURE(ExpectAuditVerifies());
  EXPECT_TRUE(FilesContaining(daemon_.data_dir(), old_key_.substr(15, 64)).empty());
  EXPECT_TRUE(FilesContaining(daemon_.data_dir(), new_key.substr(15, 64)).size() == 1u);

  // The vault goes on: a new chat, a second rotation from the new key.
  ids_.push_back(WriteChat("message 3"));
  ASSERT_EQ(daemon_.Stop(), 0);
  const ProgramResult again = Rotate();
  ASSERT_EQ(again.exit_status, 0) << again.out << again.err;
  EXPECT_EQ(Printed(again.out, "old"), FingerprintOf(new_key));
  ASSERT_NO_FATAL_FAILURE(StartAndReadEverything());
  EXPECT_EQ(RotationRecords().size(), 2u);
  ASSERT_NO_FATAL_FAILURE(ExpectAuditVerifies());
}

TEST_F(RootRotationE2eTest, RefusalsChangeNothing) {
  // While vaultd runs on the data directory.
  ASSERT_OK(daemon_.Start());
  ProgramResult r = Rotate();
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("data_dir_locked"), std::string::npos) << r.err;
  EXPECT_EQ(ReadFileBytes(KeyFile()), old_key_);
  ExpectNoLeftovers();
  ASSERT_EQ(daemon_.Stop(), 0);
  ExpectSealedUnder(old_key_);
  Snapshot();  // the running vault rewrote its audit key file at checkpoints

  // With a key file that cannot be overwritten (mode 0400, which a start
  // accepts): refused before anything is written.
  fs::permissions(KeyFile(), fs::perms::owner_read);
  r = Rotate();
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("root_key_read_only"), std::string::npos) << r.err;
  fs::permissions(KeyFile(), fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_TRUE(FilesUnchanged());
  ExpectNoLeftovers();

  // With a key that does not open the files.
  TempDir other;
  const std::string wrong = other.path() + "/other.key";
  std::ofstream(wrong) << "tv-root-key-v1:" << std::string(64, '7') << "\n";
  fs::permissions(wrong, fs::perms::owner_read | fs::perms::owner_write);
  r = Rotate({}, {"--root-key-file", wrong});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("root_key_mismatch"), std::string::npos) << r.err;
  EXPECT_TRUE(FilesUnchanged());
  EXPECT_EQ(ReadFileBytes(wrong), "tv-root-key-v1:" + std::string(64, '7') + "\n");
  ExpectNoLeftovers();

  // Where there is no vault.
  r = RunProgram(VAULTD_PATH, {"--data-dir", other.path() + "/none", "--socket",
                               daemon_.socket_path(), "--rotate-root-key"});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("no_vault"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(other.path() + "/none/keys/root.key"));

  // While an earlier rotation is unfinished (killed after its first step).
  r = RotateKilledAt("root_rotation.next_key_written");
  ASSERT_EQ(r.exit_status, 128 + 9) << r.out << r.err;
  const std::string marker = ReadFileBytes(Keys("root-rotation"));
  const std::string next = ReadFileBytes(Keys("root.key.next"));
  ASSERT_FALSE(marker.empty());
  r = Rotate();
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("root_rotation_pending"), std::string::npos) << r.err;
  EXPECT_TRUE(FilesUnchanged());
  EXPECT_EQ(ReadFileBytes(Keys("root-rotation")), marker);
  EXPECT_EQ(ReadFileBytes(Keys("root.key.next")), next);
  // A start rolls it back and audits that; then a rotation goes through.
  ASSERT_NO_FATAL_FAILURE(StartAndReadEverything());
  ASSERT_EQ(RotationRecords().size(), 1u);
  EXPECT_EQ(RotationRecords()[0].at("outcome"), "rolled_back");
  ExpectNoLeftovers();
  ASSERT_EQ(daemon_.Stop(), 0);
  EXPECT_EQ(ReadFileBytes(KeyFile()), old_key_);
  ExpectSealedUnder(old_key_);
  r = Rotate();
  EXPECT_EQ(r.exit_status, 0) << r.err;
}

// Killed at each step of the rotation: the vault then starts with the key
// the key file holds, which is the old one before the commit and the new one
// after it, and nothing else is needed.
struct CrashStep {
  const char* failpoint;
  bool committed;  // the key file holds the new key after the crash
};

void PrintTo(const CrashStep& step, std::ostream* os) { *os << step.failpoint; }

class RootRotationCrashTest : public RootRotationE2eTest,
                              public ::testing::WithParamInterface<CrashStep> {};

TEST_P(RootRotationCrashTest, TheVaultStartsWithTheOldKeyOrTheNewOneAndNeverNeither) {
  const ProgramResult r = RotateKilledAt(GetParam().failpoint);
  ASSERT_EQ(r.exit_status, 128 + 9) << "not killed at " << GetParam().failpoint << "\n"
                                    << r.out << r.err;
  const std::string key_now = ReadFileBytes(KeyFile());
  ASSERT_EQ(key_now.size(), 80u);
  if (GetParam().committed) {
    EXPECT_NE(key_now, old_key_);
  } else {
    EXPECT_EQ(key_now, old_key_);
  }
  EXPECT_EQ(ReadFileBytes(old_key_link_), old_key_) << "overwritten before the start";
  const std::string new_fingerprint = ReadFileBytes(Keys("root-rotation")).substr(20 + 33, 32);
  // Before the commit nothing the vault uses has changed: the rotation's
  // files lie beside the old ones.
  if (!GetParam().committed) {
    EXPECT_TRUE(FilesUnchanged());
  }

  ASSERT_NO_FATAL_FAILURE(StartAndReadEverything());
  ExpectNoLeftovers();
  // After the commit the start overwrote the old key; before it, the old key
  // is the key.
  EXPECT_EQ(ReadFileBytes(old_key_link_), GetParam().committed ? std::string(80, '\0') : old_key_);
  const std::vector<json::object> records = RotationRecords();
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].at("outcome"), GetParam().committed ? "ok" : "rolled_back");
  EXPECT_EQ(Text(records[0].at("details").at("old_fingerprint")), FingerprintOf(old_key_));
  EXPECT_EQ(Text(records[0].at("details").at("new_fingerprint")), new_fingerprint);
  if (GetParam().committed) {
    EXPECT_EQ(FingerprintOf(key_now), new_fingerprint);
  }
  ASSERT_NO_FATAL_FAILURE(ExpectAuditVerifies());
  ASSERT_EQ(daemon_.Stop(), 0);
  EXPECT_EQ(ReadFileBytes(KeyFile()), key_now);
  ExpectSealedUnder(key_now);

  // And a rotation now runs to the end.
  const ProgramResult again = Rotate();
  ASSERT_EQ(again.exit_status, 0) << again.out << again.err;
  ASSERT_NO_FATAL_FAILURE(StartAndReadEverything());
}

INSTANTIATE_TEST_SUITE_P(
    EveryStep, RootRotationCrashTest,
    ::testing::Values(CrashStep{"root_rotation.marker_written", false},
                      CrashStep{"root_rotation.next_key_written", false},
                      CrashStep{"root_rotation.resealed.keyring", false},
                      CrashStep{"root_rotation.resealed.audit.key", false},
                      CrashStep{"root_rotation.resealed.safeguarding", false},
                      CrashStep{"root_rotation.old_key_linked", false},
                      CrashStep{"root_rotation.committed", true},
                      CrashStep{"root_rotation.rolled_forward.keyring", true},
                      CrashStep{"root_rotation.rolled_forward.audit.key", true},
                      CrashStep{"root_rotation.rolled_forward.safeguarding", true}),
    [](const ::testing::TestParamInfo<CrashStep>& info) {
      std::string name = std::string(info.param.failpoint).substr(14);
      for (char& c : name) {
        if (c == '.') c = '_';
      }
      return name;
    });

TEST_F(RootRotationE2eTest, AStartKilledWhileFinishingARotationFinishesItNextTime) {
  ProgramResult r = RotateKilledAt("root_rotation.committed");
  ASSERT_EQ(r.exit_status, 128 + 9) << r.out << r.err;
  // The first start dies between moving the keyring and the audit key file.
  r = RunProgram(VAULTD_PATH, {"--data-dir", daemon_.data_dir(), "--socket",
                               daemon_.socket_path()},
                 {"VAULT_FAILPOINT=root_rotation.rolled_forward.keyring", "NOTIFY_SOCKET"});
  ASSERT_EQ(r.exit_status, 128 + 9) << r.out << r.err;
  EXPECT_TRUE(fs::exists(Keys("audit.key.next")));
  EXPECT_FALSE(fs::exists(Keys("keyring.next")));
  ASSERT_NO_FATAL_FAILURE(StartAndReadEverything());
  ExpectNoLeftovers();
  ASSERT_EQ(RotationRecords().size(), 1u);
  EXPECT_EQ(RotationRecords()[0].at("outcome"), "ok");
  ASSERT_NO_FATAL_FAILURE(ExpectAuditVerifies());
}

// With the root key as a systemd credential (docs/operations.md, section 5.1)
// the new key goes to standard output, for `systemd-creds encrypt`, and
// nothing of it is written to disk by the vault.
class CredentialRotationTest : public RootRotationE2eTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(RootRotationE2eTest::SetUp());
    creds_ = daemon_.test_dir() + "/credentials";
    ASSERT_TRUE(fs::create_directory(creds_));
    PutCredential(old_key_);
    ASSERT_EQ(::unlink(KeyFile().c_str()), 0);
  }
  void PutCredential(const std::string& text) {
    const std::string path = creds_ + "/root-key";
    if (fs::exists(path)) fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    fs::permissions(path, fs::perms::owner_read);
  }
  std::string WithCreds() { return "CREDENTIALS_DIRECTORY=" + creds_; }
  // A rotation; returns the new key it wrote to standard output.
  std::string RotateToStdout() {
    const ProgramResult r = Rotate({WithCreds()});
    EXPECT_EQ(r.exit_status, 0) << r.out << r.err;
    EXPECT_EQ(r.out.size(), 80u) << "standard output carries the new key alone";
    EXPECT_EQ(r.out.rfind("tv-root-key-v1:", 0), 0u);
    EXPECT_EQ(Printed(r.err, "new"), r.out.size() == 80 ? FingerprintOf(r.out) : "") << r.err;
    EXPECT_EQ(Printed(r.err, "old"), FingerprintOf(old_key_)) << r.err;
    // Nothing of the new key is in the data directory.
    if (r.out.size() == 80) {
      EXPECT_TRUE(FilesContaining(daemon_.data_dir(), r.out.substr(15, 64)).empty());
    }
    for (const char* name : kSealed) EXPECT_TRUE(fs::exists(Keys(name) + ".next")) << name;
    // Nor in the credentials directory, which only systemd writes.
    size_t files = 0;
    for (const auto& e : fs::directory_iterator(creds_)) {
      ++files;
      EXPECT_EQ(e.path().filename(), "root-key");
    }
    EXPECT_EQ(files, 1u);
    return r.out;
  }
  // vaultd with the credential, run until it is ready or dies.
  Status StartWithCredential() {
    ::setenv("CREDENTIALS_DIRECTORY", creds_.c_str(), 1);
    const Status s = daemon_.Start();
    ::unsetenv("CREDENTIALS_DIRECTORY");
    return s;
  }
  ProgramResult RunWithCredential(std::vector<std::string> env = {}) {
    env.push_back(WithCreds());
    env.push_back("NOTIFY_SOCKET");
    return RunProgram(VAULTD_PATH,
                      {"--data-dir", daemon_.data_dir(), "--socket", daemon_.socket_path()}, env);
  }
  // A rotation; a start with the new key (`forward`) or the old one, killed
  // at `failpoint` in the middle of its recovery; then a start with the
  // other key, which must be refused (naming the way out, `hint`) and change
  // nothing; then a start with the first key again, which finishes.
  void KillAStartThenTryTheOtherKey(bool forward, const std::string& failpoint,
                                    const std::string& hint) {
    const std::string next = RotateToStdout();
    const std::string first = forward ? next : old_key_;
    const std::string other = forward ? old_key_ : next;
    PutCredential(first);
    ProgramResult r = RunWithCredential({"VAULT_FAILPOINT=" + failpoint});
    ASSERT_EQ(r.exit_status, 128 + 9) << r.out << r.err;
    PutCredential(other);
    r = RunWithCredential();
    EXPECT_EQ(r.exit_status, 1) << r.out << r.err;
    EXPECT_NE(r.err.find("root_key_mismatch"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(hint), std::string::npos) << r.err;
    EXPECT_TRUE(fs::exists(Keys("audit.key.next")));
    PutCredential(first);
    ASSERT_OK(StartWithCredential());
    ASSERT_NO_FATAL_FAILURE(ExpectReadable());
    ExpectNoLeftovers();
    ASSERT_EQ(RotationRecords().size(), 1u);
    EXPECT_EQ(RotationRecords()[0].at("outcome"), forward ? "ok" : "rolled_back");
    ASSERT_NO_FATAL_FAILURE(ExpectAuditVerifies());
  }
  void ExpectReadable() {
    ASSERT_NO_FATAL_FAILURE(Reconnect());
    for (const std::string& id : ids_) ASSERT_OK(client_->GetTranscript(id));
  }

  std::string creds_;
};

TEST_F(CredentialRotationTest, TheOldCredentialAbandonsTheRotationAndTheNewOneFinishesIt) {
  const std::string abandoned = RotateToStdout();
  // Rotating again before it is finished is refused.
  ProgramResult r = Rotate({WithCreds()});
  EXPECT_EQ(r.exit_status, 1);
  EXPECT_NE(r.err.find("root_rotation_pending"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
  // A key that is neither the old nor the new one is refused, changing nothing.
  PutCredential("tv-root-key-v1:" + std::string(64, '5') + "\n");
  r = RunWithCredential();
  EXPECT_EQ(r.exit_status, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("root_key_mismatch"), std::string::npos) << r.err;
  for (const char* name : kSealed) EXPECT_TRUE(fs::exists(Keys(name) + ".next")) << name;
  EXPECT_TRUE(fs::exists(Keys("root-rotation")));

  // Started with the old credential: abandoned.
  PutCredential(old_key_);
  ASSERT_OK(StartWithCredential());
  ASSERT_NO_FATAL_FAILURE(ExpectReadable());
  ExpectNoLeftovers();
  ASSERT_EQ(RotationRecords().size(), 1u);
  EXPECT_EQ(RotationRecords()[0].at("outcome"), "rolled_back");
  EXPECT_EQ(Text(RotationRecords()[0].at("details").at("new_fingerprint")),
            FingerprintOf(abandoned));
  ASSERT_EQ(daemon_.Stop(), 0);
  ExpectSealedUnder(old_key_);
  // The abandoned key opens nothing now.
  PutCredential(abandoned);
  EXPECT_EQ(RunWithCredential().exit_status, 1);

  // Again, and this time the operator seals the new key as the credential.
  PutCredential(old_key_);
  const std::string sealed = RotateToStdout();
  PutCredential(sealed);
  ASSERT_OK(StartWithCredential());
  ASSERT_NO_FATAL_FAILURE(ExpectReadable());
  ExpectNoLeftovers();
  ASSERT_EQ(RotationRecords().size(), 2u);
  EXPECT_EQ(RotationRecords()[1].at("outcome"), "ok");
  EXPECT_EQ(Text(RotationRecords()[1].at("details").at("new_fingerprint")),
            FingerprintOf(sealed));
  ASSERT_NO_FATAL_FAILURE(ExpectAuditVerifies());
  ASSERT_EQ(daemon_.Stop(), 0);
  EXPECT_FALSE(fs::exists(KeyFile()));
  ExpectSealedUnder(sealed);
  // The old credential now opens nothing: the vault refuses to start.
  PutCredential(old_key_);
  EXPECT_EQ(RunWithCredential().exit_status, 1);
}

TEST_F(CredentialRotationTest, AStartKilledWhileFinishingCannotBeUndoneWithTheOldKey) {
  // The keyring is under the new key after the kill: the old key is refused.
  ASSERT_NO_FATAL_FAILURE(KillAStartThenTryTheOtherKey(
      /*forward=*/true, "root_rotation.rolled_forward.keyring", "start with that key"));
}

TEST_F(CredentialRotationTest, AStartKilledWhileRollingBackCannotBeFinishedWithTheNewKey) {
  // keyring.next is gone after the kill: the new key is refused.
  ASSERT_NO_FATAL_FAILURE(KillAStartThenTryTheOtherKey(
      /*forward=*/false, "root_rotation.rolled_back.keyring", "rolls it back"));
}

TEST_F(CredentialRotationTest, TheNewKeyIsNeverWrittenToATerminal) {
  // Standard output is not a pipe here: refused before anything is done.
  // (RunProgram captures output through a pipe, so a pseudo-terminal stands
  // in: `script` from util-linux runs vaultd on one.)
  const ProgramResult r = RunProgram(
      "/usr/bin/script",
      {"-qec",
       std::string(VAULTD_PATH) + " --data-dir " + daemon_.data_dir() + " --socket " +
           daemon_.socket_path() + " --rotate-root-key",
       "/dev/null"},
      {WithCreds()});
  EXPECT_EQ(r.exit_status, 2) << r.out << r.err;
  EXPECT_NE(r.out.find("not to a terminal"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(Keys("root-rotation")));
  for (const char* name : kSealed) EXPECT_FALSE(fs::exists(Keys(name) + ".next")) << name;
}

}  // namespace
}  // namespace vault::testing
