#include "vault/core/root_rotation.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <memory>
#include <sstream>

#include "vault/common/failpoint.h"
#include "vault/common/file_util.h"
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
constexpr size_t kMaxSealedFileBytes = 16 * 1024 * 1024;  // the safeguarding file's cap
constexpr char kMarkerMagic[] = "tv-root-rotation-v1";

Status Errno(const std::string& what, const std::string& path) {
  return Status::IOError(what + " " + path + ": " + std::strerror(errno));
}

Status RemoveIfPresent(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("cannot remove", path);
  return Status::OK();
}

// Overwrites the whole file behind `fd` with zeros and syncs it, then closes
// it: the bytes of a root key do not stay in the file's blocks once the name
// is gone (as far as the filesystem rewrites in place: docs/threat-model.md).
Status WipeAndClose(int fd, const std::string& path) {
  struct stat st;
  Status s;
  if (::fstat(fd, &st) != 0) {
    s = Errno("cannot stat", path);
  } else {
    const std::string zeros(static_cast<size_t>(st.st_size), '\0');
    size_t done = 0;
    while (s.ok() && done < zeros.size()) {
      const ssize_t n = ::pwrite(fd, zeros.data() + done, zeros.size() - done,
                                 static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) s = Errno("cannot overwrite", path);
      else done += static_cast<size_t>(n);
    }
    if (s.ok() && ::fsync(fd) != 0) s = Errno("cannot fsync", path);
  }
  ::close(fd);
  return s;
}

// Overwrites a key file, then removes it, then syncs its directory.
Status DestroyKeyFile(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return Status::OK();
    return Errno("cannot open", path);
  }
  VAULT_RETURN_IF_ERROR(WipeAndClose(fd, path));
  VAULT_RETURN_IF_ERROR(RemoveIfPresent(path));
  return FsyncDirectory(DirName(path));
}

std::string SealedPath(const RootKeyPaths& paths, const SealedFile& f) {
  return paths.keys_dir + "/" + f.name;
}

std::string EncodeMarker(const RotationMarker& m) {
  return std::string(kMarkerMagic) + " " + m.old_fingerprint + " " + m.new_fingerprint + " " +
         std::to_string(m.started_at_ms) + "\n";
}

bool IsFingerprint(const std::string& s) {
  if (s.size() != 32) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

RootKeyPaths ResolveRootKeyPaths(const Options& options) {
  RootKeyPaths p;
  p.keys_dir = options.data_dir + "/keys";
  p.from_credential = !options.root_key_credential.empty();
  if (p.from_credential) {
    p.key_file = options.root_key_credential;
    // The credentials directory is read-only: the next key waits in keys/
    // until the operator has sealed it as the credential.
    p.next_file = p.keys_dir + "/root.key.next";
  } else {
    p.key_file = options.root_key_file.empty() ? p.keys_dir + "/root.key" : options.root_key_file;
    p.next_file = p.key_file + ".next";  // beside it: the commit is a rename
  }
  p.marker_file = p.keys_dir + "/root-rotation";
  return p;
}

Status RecoverRootRotation(const RootKeyPaths& paths, const SecretBytes& root_key) {
  bool renamed = false;
  for (const SealedFile& f : kSealedFiles) {
    const std::string path = SealedPath(paths, f);
    const std::string next = path + ".next";
    VAULT_RETURN_IF_ERROR(RemoveIfPresent(next + ".tmp"));  // half-written, never used
    if (!FileExists(next)) continue;
    auto current = ReadSmallFile(path, kMaxSealedFileBytes);
    if (current.ok() && OpensUnderRoot(*current, f.purpose, root_key)) {
      // Rolled back: the rotation never committed to the key we start with.
      VAULT_RETURN_IF_ERROR(RemoveIfPresent(next));
      continue;
    }
    VAULT_ASSIGN_OR_RETURN(std::string resealed, ReadSmallFile(next, kMaxSealedFileBytes));
    if (!OpensUnderRoot(resealed, f.purpose, root_key)) {
      // Neither copy opens: the wrong key was given. Change nothing, so that
      // a start with the right one still finds both.
      return Status::FailedPrecondition(
          "neither keys/" + std::string(f.name) + " nor its rotated copy " + next +
              " opens with the root key from " + paths.key_file +
              ": start with the key before or after the interrupted rotation",
          "root_key_mismatch");
    }
    // Rolled forward: the key we start with is the rotation's new key.
    if (::rename(next.c_str(), path.c_str()) != 0) return Errno("cannot rename onto", path);
    renamed = true;
    Failpoint(std::string("root_rotation.rolled_forward.") + f.name);
  }
  if (renamed) VAULT_RETURN_IF_ERROR(FsyncDirectory(paths.keys_dir));
  // Whichever way it went, a next key left over is of no more use (rolled
  // back), or is the key we were given (rolled forward): destroyed either way.
  VAULT_RETURN_IF_ERROR(DestroyKeyFile(paths.next_file + ".new"));
  return DestroyKeyFile(paths.next_file);
}

StatusOr<std::optional<RotationMarker>> ReadRotationMarker(const RootKeyPaths& paths) {
  auto text = ReadSmallFile(paths.marker_file, 256);
  if (!text.ok()) {
    if (text.status().code() == Status::Code::kNotFound) return std::optional<RotationMarker>();
    return text.status();
  }
  std::istringstream in(*text);
  std::string magic;
  RotationMarker m;
  if (!(in >> magic >> m.old_fingerprint >> m.new_fingerprint >> m.started_at_ms) ||
      magic != kMarkerMagic || !IsFingerprint(m.old_fingerprint) ||
      !IsFingerprint(m.new_fingerprint)) {
    return Status::Corruption(paths.marker_file + " is not a root key rotation marker",
                              "root_rotation_marker_malformed");
  }
  return std::optional<RotationMarker>(m);
}

Status RemoveRotationMarker(const RootKeyPaths& paths) {
  VAULT_RETURN_IF_ERROR(RemoveIfPresent(paths.marker_file));
  return FsyncDirectory(paths.keys_dir);
}

StatusOr<RootKeyRotation> RotateRootKey(const Options& options, const Clock* clock) {
  if (options.data_dir.empty()) return Status::InvalidArgument("data_dir is required");
  VAULT_RETURN_IF_ERROR(InitCrypto());
  const RootKeyPaths paths = ResolveRootKeyPaths(options);
  if (!FileExists(paths.keys_dir + "/keyring")) {
    return Status::NotFound("there is no vault in " + options.data_dir + " (no keys/keyring)",
                            "no_vault");
  }
  // A running vaultd holds the lock: the rotation waits for nothing and
  // changes nothing then.
  VAULT_ASSIGN_OR_RETURN(DirectoryLock lock,
                         DirectoryLock::Acquire(options.data_dir + "/vaultd.lock"));
  bool pending = FileExists(paths.next_file) || FileExists(paths.marker_file);
  for (const SealedFile& f : kSealedFiles) pending |= FileExists(SealedPath(paths, f) + ".next");
  if (pending) {
    return Status::FailedPrecondition(
        paths.from_credential && FileExists(paths.next_file)
            ? "a rotation is waiting for its new key (" + paths.next_file +
                  ") to be sealed as the credential root-key; start vaultd with the new "
                  "credential to finish it, or with the current one to abandon it, before "
                  "rotating again"
            : "an earlier rotation is unfinished or not yet audited; start vaultd once (it "
              "completes or rolls back the rotation and audits it) before rotating again",
        "root_rotation_pending");
  }
  VAULT_ASSIGN_OR_RETURN(std::unique_ptr<KeyFileCustodian> custodian,
                         KeyFileCustodian::Open(paths.key_file, false));
  VAULT_ASSIGN_OR_RETURN(SecretBytes old_key, custodian->LoadRootKey());
  VAULT_ASSIGN_OR_RETURN(SecretBytes new_key, SecretBytes::Random(kRootKeyBytes));
  RotationMarker marker;
  VAULT_ASSIGN_OR_RETURN(marker.old_fingerprint, RootKeyFingerprint(old_key));
  VAULT_ASSIGN_OR_RETURN(marker.new_fingerprint, RootKeyFingerprint(new_key));
  marker.started_at_ms = clock->NowMillis();

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
      return Status::Corruption("keys/" + std::string(f.name) + " does not open with the root key "
                                    "from " + paths.key_file + "; nothing was changed",
                                "root_key_mismatch");
    }
    VAULT_ASSIGN_OR_RETURN(std::string sealed, f.reseal(*file, old_key, new_key));
    resealed.push_back({&f, std::move(sealed)});
  }

  VAULT_RETURN_IF_ERROR(WriteFileAtomically(paths.marker_file, EncodeMarker(marker), 0600));
  Failpoint("root_rotation.marker_written");
  VAULT_RETURN_IF_ERROR(WriteRootKeyFile(paths.next_file, new_key));
  Failpoint("root_rotation.next_key_written");
  for (const Resealed& r : resealed) {
    VAULT_RETURN_IF_ERROR(
        WriteFileAtomically(SealedPath(paths, *r.file) + ".next", r.contents, 0600));
    Failpoint(std::string("root_rotation.resealed.") + r.file->name);
  }
  RootKeyRotation result{marker.old_fingerprint, marker.new_fingerprint, ""};
  if (paths.from_credential) {
    // systemd holds the key: only the operator can replace the credential.
    result.pending_key_file = paths.next_file;
    return result;
  }

  // The commit: the next key takes the key file's name. The old key's bytes
  // are overwritten through a descriptor opened before, once the rename is
  // durable.
  const int old_fd = ::open(paths.key_file.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (old_fd < 0) return Errno("cannot open", paths.key_file);
  if (::rename(paths.next_file.c_str(), paths.key_file.c_str()) != 0) {
    Status s = Errno("cannot rename onto", paths.key_file);
    ::close(old_fd);
    return s;
  }
  if (Status s = FsyncDirectory(DirName(paths.key_file)); !s.ok()) {
    ::close(old_fd);
    return s;
  }
  Failpoint("root_rotation.committed");
  VAULT_RETURN_IF_ERROR(WipeAndClose(old_fd, paths.key_file + " (the old key)"));
  Failpoint("root_rotation.old_key_wiped");
  // Roll forward now rather than at the next start: the same code.
  VAULT_RETURN_IF_ERROR(RecoverRootRotation(paths, new_key));
  return result;
}

}  // namespace vault
