#include "vault/core/root_rotation.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <iterator>
#include <memory>
#include <sstream>

#include "vault/common/encoding.h"
#include "vault/common/failpoint.h"
#include "vault/common/file_util.h"
#include "vault/common/key_state.h"
#include "vault/common/time_format.h"
#include "vault/crypto/custodian.h"
#include "vault/crypto/keyring.h"
#include "vault/hold/case_store.h"
#include "vault/vault.h"

namespace vault {
namespace {

// Each file's own decoder and encoder reseal it, so that keys sealed inside
// its payload under the same subkey move too (the safeguarding file seals
// each case's index key under it) and the file is checked whole on the way.
StatusOr<std::string> ResealKeyring(std::string_view file, const SecretBytes& from,
                                    const SecretBytes& to) {
  VAULT_ASSIGN_OR_RETURN(KeyringContents contents, DecodeKeyringFile(file, from));
  return EncodeKeyringFile(contents, to);  // the same state, at the same generation
}
StatusOr<std::string> ResealAuditKey(std::string_view file, const SecretBytes& from,
                                     const SecretBytes& to) {
  // Nothing inside it is sealed again: only the seed is secret.
  return ResealRootFile(file, RootSubkey::kAuditSigner, from, to);
}
StatusOr<std::string> ResealSafeguarding(std::string_view file, const SecretBytes& from,
                                         const SecretBytes& to) {
  VAULT_ASSIGN_OR_RETURN(safeguard::SafeguardState state,
                         safeguard::DecodeSafeguardFile(file, from));
  return safeguard::EncodeSafeguardFile(state, to);
}

struct SealedFile {
  const char* name;
  RootSubkey purpose;
  StatusOr<std::string> (*reseal)(std::string_view, const SecretBytes&, const SecretBytes&);
};
// Every file sealed under a root subkey (custodian.h). A new one belongs here.
constexpr std::array<SealedFile, 3> kSealedFiles = {{
    {"keyring", RootSubkey::kKeyring, ResealKeyring},
    {"audit.key", RootSubkey::kAuditSigner, ResealAuditKey},
    {"safeguarding", RootSubkey::kSafeguarding, ResealSafeguarding},
}};
constexpr bool RotatesEverySealingSubkey() {
  for (RootSubkey purpose : kSealingRootSubkeys) {
    bool found = false;
    for (const SealedFile& f : kSealedFiles) found = found || f.purpose == purpose;
    if (!found) return false;
  }
  return std::size(kSealingRootSubkeys) == kSealedFiles.size();
}
static_assert(RotatesEverySealingSubkey(),
              "every file sealed under a root subkey must be resealed by a rotation");
constexpr size_t kMaxSealedFileBytes = 16 * 1024 * 1024;  // the safeguarding file's cap
constexpr char kMarkerMagic[] = "tv-root-rotation-v1";

std::string SealedPath(const RootKeyPaths& paths, const SealedFile& f) {
  return paths.keys_dir + "/" + f.name;
}

std::string EncodeMarker(const RotationMarker& m) {
  return std::string(kMarkerMagic) + " " + m.old_fingerprint + " " + m.new_fingerprint + " " +
         std::to_string(m.started_at_ms) + (m.compromised ? " compromised " : " routine ") +
         std::to_string(m.uid) + "\n";
}


}  // namespace

RootKeyPaths ResolveRootKeyPaths(const Options& options) {
  RootKeyPaths p;
  p.keys_dir = options.data_dir + "/keys";
  p.from_credential = !options.root_key_credential.empty();
  if (p.from_credential) {
    // The new key leaves through the caller (RotateRootKey's `deliver`);
    // nothing of it is written beside the credential.
    p.key_file = options.root_key_credential;
  } else {
    p.key_file = options.root_key_file.empty() ? p.keys_dir + "/root.key" : options.root_key_file;
    p.next_file = p.key_file + ".next";  // beside it: the commit is a rename
    p.old_file = p.key_file + ".old";
  }
  p.marker_file = p.keys_dir + "/root-rotation";
  return p;
}

namespace {

bool SameFile(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  return ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 && sa.st_dev == sb.st_dev &&
         sa.st_ino == sb.st_ino;
}

bool OpensFile(const std::string& path, RootSubkey purpose, const SecretBytes& key) {
  auto file = ReadSmallFile(path, kMaxSealedFileBytes);
  return file.ok() && OpensUnderRoot(*file, purpose, key);
}

// Removes a leftover key file; a failure is reported, not fatal: the key in
// it seals nothing the vault uses.
void DestroyLeftover(const std::string& path, RotationRecovery* report) {
  if (path.empty() || !FileExists(path)) return;
  if (Status s = OverwriteAndRemoveFile(path); !s.ok()) report->leftovers.push_back(s.ToString());
}

}  // namespace

StatusOr<RotationRecovery> RecoverRootRotation(const RootKeyPaths& paths,
                                               const SecretBytes& root_key) {
  RotationRecovery report;
  VAULT_ASSIGN_OR_RETURN(std::optional<RotationMarker> marker, ReadRotationMarker(paths));
  if (!marker.has_value()) {
    // No rotation under way: none of its files may be here (the marker is
    // written first and removed last).
    bool stray = !paths.next_file.empty() && FileExists(paths.next_file);
    for (const SealedFile& f : kSealedFiles) stray |= FileExists(SealedPath(paths, f) + ".next");
    if (stray) {
      return Status::FailedPrecondition(
          "keys/ holds files of a root key rotation (*.next) but no rotation marker (" +
              paths.marker_file + "); they were not written by a rotation of this vault: "
              "move them away and start again",
          "root_rotation_inconsistent");
    }
    return report;
  }
  VAULT_ASSIGN_OR_RETURN(const std::string fingerprint, RootKeyFingerprint(root_key));
  report.marker = marker;
  if (fingerprint == marker->new_fingerprint) {
    report.direction = RotationRecovery::kForward;
  } else if (fingerprint == marker->old_fingerprint) {
    report.direction = RotationRecovery::kBack;
  } else {
    return Status::FailedPrecondition(
        "a root key rotation from key " + marker->old_fingerprint + " to key " +
            marker->new_fingerprint + " is under way, and the key from " + paths.key_file +
            " (" + fingerprint + ") is neither: start with one of them",
        "root_key_mismatch");
  }
  for (const SealedFile& f : kSealedFiles) {
    VAULT_RETURN_IF_ERROR(RemoveFileIfPresent(SealedPath(paths, f) + ".next.tmp"));  // never used
  }
  // Decided once for every file, and checked whole before anything changes:
  // a direction is taken only if it can be finished, so a start with the
  // other key, before or after, still finds what it needs.
  const bool forward = report.direction == RotationRecovery::kForward;
  for (const SealedFile& f : kSealedFiles) {
    const std::string path = SealedPath(paths, f);
    if (!FileExists(path) && !FileExists(path + ".next")) continue;  // never made
    if (OpensFile(path, f.purpose, root_key)) continue;
    if (forward && OpensFile(path + ".next", f.purpose, root_key)) continue;
    return Status::FailedPrecondition(
        forward ? "keys/" + std::string(f.name) + " was not resealed under this key (" +
                      fingerprint + ") before the rotation was interrupted: start with the "
                      "key before the rotation (" + marker->old_fingerprint + "), which rolls "
                      "it back"
                : "keys/" + std::string(f.name) + " is already resealed under the rotation's "
                      "new key (" + marker->new_fingerprint + "): start with that key, which "
                      "finishes the rotation",
        "root_key_mismatch");
  }
  bool changed = false;
  for (const SealedFile& f : kSealedFiles) {
    const std::string path = SealedPath(paths, f);
    const std::string next = path + ".next";
    if (!FileExists(next)) continue;
    if (forward && !OpensFile(path, f.purpose, root_key)) {
      if (::rename(next.c_str(), path.c_str()) != 0) return ErrnoError("cannot rename onto", path);
      changed = true;
      Failpoint(std::string("root_rotation.rolled_forward.") + f.name);
    } else {
      VAULT_RETURN_IF_ERROR(RemoveFileIfPresent(next));
      changed = true;
      Failpoint(std::string("root_rotation.rolled_back.") + f.name);
    }
  }
  if (changed) VAULT_RETURN_IF_ERROR(FsyncDirectory(paths.keys_dir));
  // The old key file's second name, made before the commit: after it, the
  // only copy of the old key, overwritten now; before it, the live key file
  // itself, only unlinked.
  if (!paths.old_file.empty() && FileExists(paths.old_file)) {
    if (SameFile(paths.old_file, paths.key_file)) {
      VAULT_RETURN_IF_ERROR(RemoveFileIfPresent(paths.old_file));
      VAULT_RETURN_IF_ERROR(FsyncDirectory(DirName(paths.old_file)));
    } else {
      DestroyLeftover(paths.old_file, &report);
    }
  }
  // An uncommitted next key (rolled back) or a half-written one.
  if (!paths.next_file.empty()) {
    DestroyLeftover(paths.next_file + ".new", &report);
    DestroyLeftover(paths.next_file, &report);
  }
  return report;
}

StatusOr<std::optional<RotationMarker>> ReadRotationMarker(const RootKeyPaths& paths) {
  auto text = ReadSmallFile(paths.marker_file, 256);
  if (!text.ok()) {
    if (text.status().code() == Status::Code::kNotFound) return std::optional<RotationMarker>();
    return text.status();
  }
  std::istringstream in(*text);
  std::string magic, reason, extra;
  RotationMarker m;
  if (!(in >> magic >> m.old_fingerprint >> m.new_fingerprint >> m.started_at_ms >> reason >>
        m.uid) ||
      (in >> extra) || magic != kMarkerMagic || !IsLowerHex(m.old_fingerprint, 32) ||
      !IsLowerHex(m.new_fingerprint, 32) || (reason != "routine" && reason != "compromised")) {
    return Status::Corruption(paths.marker_file + " is not a root key rotation marker",
                              "root_rotation_marker_malformed");
  }
  m.compromised = reason == "compromised";
  return std::optional<RotationMarker>(m);
}

Status RemoveRotationMarker(const RootKeyPaths& paths) {
  VAULT_RETURN_IF_ERROR(RemoveFileIfPresent(paths.marker_file));
  return FsyncDirectory(paths.keys_dir);
}

RotationAudit RotationAuditRecord(const RotationMarker& m, bool rotated) {
  std::vector<KeyTransition> keys;
  if (rotated) {
    KeyState old_state = KeyState::kActive;
    if (m.compromised) {
      keys.push_back({KeyKind::kRoot, m.old_fingerprint, old_state, KeyState::kCompromised});
      old_state = KeyState::kCompromised;
    }
    keys.push_back({KeyKind::kRoot, m.old_fingerprint, old_state, KeyState::kDestroyed});
    keys.push_back({KeyKind::kRoot, m.new_fingerprint, KeyState::kPreActive, KeyState::kActive});
  } else {
    keys.push_back({KeyKind::kRoot, m.new_fingerprint, KeyState::kPreActive, KeyState::kDestroyed});
  }
  RotationAudit a;
  a.outcome = rotated ? "ok" : "rolled_back";
  a.details = {{"old_fingerprint", m.old_fingerprint},
               {"new_fingerprint", m.new_fingerprint},
               {"started_at", FormatRfc3339(m.started_at_ms)},
               {"rotated_by_uid", std::to_string(m.uid)}};
  if (m.compromised) a.details.emplace_back("reason", "compromised");
  a.details.emplace_back(kKeysDetail, FormatKeyTransitions(keys));
  return a;
}

StatusOr<RootKeyRotation> RotateRootKey(const Options& options, const Clock* clock,
                                        const RootKeyRotationOptions& how) {
  if (options.data_dir.empty()) return Status::InvalidArgument("data_dir is required");
  VAULT_RETURN_IF_ERROR(InitCrypto());
  const RootKeyPaths paths = ResolveRootKeyPaths(options);
  if (!FileExists(paths.keys_dir + "/keyring")) {
    return Status::NotFound("there is no vault in " + options.data_dir + " (no keys/keyring)",
                            "no_vault");
  }
  if (paths.from_credential && !how.deliver) {
    return Status::InvalidArgument("with the root key as a credential, the new key must be "
                                   "delivered to the operator");
  }
  // A running vaultd holds the lock: the rotation waits for nothing and
  // changes nothing then.
  VAULT_ASSIGN_OR_RETURN(DirectoryLock lock,
                         DirectoryLock::Acquire(options.data_dir + "/vaultd.lock"));
  bool pending = FileExists(paths.marker_file);
  for (const std::string& leftover : {paths.next_file, paths.old_file}) {
    pending |= !leftover.empty() && FileExists(leftover);
  }
  for (const SealedFile& f : kSealedFiles) pending |= FileExists(SealedPath(paths, f) + ".next");
  if (pending) {
    return Status::FailedPrecondition(
        "an earlier rotation is unfinished or not yet audited; start vaultd once (with the new "
        "key it finishes the rotation, with the old one it rolls it back, and either way audits "
        "it) before rotating again",
        "root_rotation_pending");
  }
  VAULT_ASSIGN_OR_RETURN(std::unique_ptr<KeyFileCustodian> custodian,
                         KeyFileCustodian::Open(paths.key_file, false));
  VAULT_ASSIGN_OR_RETURN(SecretBytes old_key, custodian->LoadRootKey());
  if (!paths.from_credential) {
    // Checked before anything is written: the old key is overwritten through
    // the file, and the new one is written beside it.
    // A key file of mode 0400 (which a start accepts) says it is not to be
    // written, whoever runs the rotation: refused by its mode, not by
    // whether this user could override it.
    struct stat st;
    const int fd = ::open(paths.key_file.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    const bool writable = fd >= 0 && ::fstat(fd, &st) == 0 && (st.st_mode & S_IWUSR) != 0;
    const std::string why = fd < 0 ? std::strerror(errno) : "it has no owner write permission";
    if (fd >= 0) ::close(fd);
    if (!writable) {
      return Status::FailedPrecondition(
          "cannot write " + paths.key_file + " (" + why +
              "): the rotation overwrites the old key there; give it mode 0600 first",
          "root_key_read_only");
    }
    if (::access(DirName(paths.key_file).c_str(), W_OK) != 0) {
      return Status::FailedPrecondition(
          "cannot write in " + DirName(paths.key_file) + " (" + std::strerror(errno) +
              "), where the new key file goes",
          "root_key_read_only");
    }
  }
  VAULT_ASSIGN_OR_RETURN(SecretBytes new_key, SecretBytes::Random(kRootKeyBytes));
  RotationMarker marker;
  VAULT_ASSIGN_OR_RETURN(marker.old_fingerprint, RootKeyFingerprint(old_key));
  VAULT_ASSIGN_OR_RETURN(marker.new_fingerprint, RootKeyFingerprint(new_key));
  marker.started_at_ms = clock->NowMillis();
  marker.compromised = how.compromised;
  marker.uid = static_cast<uint32_t>(::getuid());

  // Everything is resealed in memory first: a file that does not open under
  // the current key stops the rotation before anything is written.
  struct Resealed {
    const SealedFile* file;
    std::string contents;
  };
  std::vector<Resealed> resealed;
  for (const SealedFile& f : kSealedFiles) {
    const std::string path = SealedPath(paths, f);
    auto file = ReadSmallFile(path, kMaxSealedFileBytes);
    if (!file.ok()) {
      if (file.status().code() == Status::Code::kNotFound) continue;  // not made yet
      return file.status();
    }
    if (!OpensUnderRoot(*file, f.purpose, old_key)) {
      return Status::FailedPrecondition("keys/" + std::string(f.name) +
                                            " does not open with the root key from " +
                                            paths.key_file + "; nothing was changed",
                                        "root_key_mismatch");
    }
    VAULT_ASSIGN_OR_RETURN(std::string sealed, f.reseal(*file, old_key, new_key));
    resealed.push_back({&f, std::move(sealed)});
  }

  VAULT_RETURN_IF_ERROR(WriteFileAtomically(paths.marker_file, EncodeMarker(marker), 0600));
  Failpoint("root_rotation.marker_written");
  if (!paths.from_credential) {
    VAULT_RETURN_IF_ERROR(WriteRootKeyFile(paths.next_file, new_key));
    Failpoint("root_rotation.next_key_written");
  }
  for (const Resealed& r : resealed) {
    VAULT_RETURN_IF_ERROR(
        WriteFileAtomically(SealedPath(paths, *r.file) + ".next", r.contents, 0600));
    Failpoint(std::string("root_rotation.resealed.") + r.file->name);
  }
  RootKeyRotation result{marker.old_fingerprint, marker.new_fingerprint, false};
  if (paths.from_credential) {
    // systemd holds the key: only the operator can replace the credential.
    // The new key goes to them now; if it does not arrive, the first start
    // (with the old credential) rolls the rotation back.
    VAULT_ASSIGN_OR_RETURN(SecretBytes text, FormatRootKeyFile(new_key));
    VAULT_RETURN_IF_ERROR(how.deliver(std::string_view(
        reinterpret_cast<const char*>(text.insecure_data()), text.size())));
    result.awaiting_credential = true;
    return result;
  }

  // The commit: the next key takes the key file's name. The old key keeps a
  // second name until its bytes are overwritten, so that a crash in between
  // leaves it to the next start to overwrite, not in a freed inode.
  if (::link(paths.key_file.c_str(), paths.old_file.c_str()) != 0) {
    return ErrnoError("cannot link", paths.old_file);
  }
  VAULT_RETURN_IF_ERROR(FsyncDirectory(DirName(paths.key_file)));
  Failpoint("root_rotation.old_key_linked");
  if (::rename(paths.next_file.c_str(), paths.key_file.c_str()) != 0) {
    return ErrnoError("cannot rename onto", paths.key_file);
  }
  VAULT_RETURN_IF_ERROR(FsyncDirectory(DirName(paths.key_file)));
  Failpoint("root_rotation.committed");
  // Roll forward now rather than at the next start: the same code, which
  // also overwrites the old key.
  StatusOr<RotationRecovery> finished = RecoverRootRotation(paths, new_key);
  if (!finished.ok()) {
    return Status(finished.status().code(),
                  "the rotation is committed (" + paths.key_file + " holds the new key); start "
                  "vaultd to finish it: " + finished.status().message(),
                  finished.status().reason());
  }
  if (!finished->leftovers.empty()) {
    return Status::IOError("the rotation is done, but the old key could not be overwritten: " +
                               finished->leftovers.front(),
                           "root_key_not_wiped");
  }
  return result;
}

}  // namespace vault
