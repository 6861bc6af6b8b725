#include "vault/crypto/custodian.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "vault/common/file_util.h"
#include "vault/crypto/aead.h"

namespace vault {
namespace {

constexpr char kPrefix[] = "tv-root-key-v1:";
constexpr size_t kPrefixLen = sizeof(kPrefix) - 1;
constexpr size_t kFileBytes = kPrefixLen + 2 * kRootKeyBytes + 1;  // with '\n'

Status WriteAll(int fd, const uint8_t* p, size_t n, const std::string& path) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return Status::IOError("cannot write " + path + ": " + std::strerror(errno));
    p += w;
    n -= static_cast<size_t>(w);
  }
  return Status::OK();
}

}  // namespace

StatusOr<SecretBytes> FormatRootKeyFile(const SecretBytes& key) {
  if (key.size() != kRootKeyBytes) return Status::Internal("root key has the wrong size");
  VAULT_ASSIGN_OR_RETURN(SecretBytes text, SecretBytes::Zeroed(kFileBytes + 1));
  char* t = reinterpret_cast<char*>(text.insecure_mutable_data());
  std::memcpy(t, kPrefix, kPrefixLen);
  sodium_bin2hex(t + kPrefixLen, 2 * kRootKeyBytes + 1, key.insecure_data(), key.size());
  t[kFileBytes - 1] = '\n';
  return text.Slice(0, kFileBytes);
}

Status WriteRootKeyFile(const std::string& path, const SecretBytes& key) {
  VAULT_ASSIGN_OR_RETURN(SecretBytes text, FormatRootKeyFile(key));
  // Written whole under a temporary name, then linked into place: a crash
  // leaves either no key file or a complete one, never an empty one (which
  // would block every later start). link() fails if the path exists, so an
  // existing key is never replaced.
  const std::string temp = path + ".new";
  ::unlink(temp.c_str());  // a leftover of an interrupted creation holds no used key
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot create " + temp + ": " + std::strerror(errno));
  Status s = WriteAll(fd, text.insecure_data(), kFileBytes, temp);
  if (s.ok() && ::fsync(fd) != 0) s = Status::IOError("cannot fsync " + temp);
  ::close(fd);
  if (s.ok() && ::link(temp.c_str(), path.c_str()) != 0) {
    s = Status::IOError("cannot create " + path + ": " + std::strerror(errno));
  }
  ::unlink(temp.c_str());
  if (!s.ok()) return s;
  return FsyncDirectory(DirName(path));
}

namespace {

Status CreateKeyFile(const std::string& path) {
  VAULT_ASSIGN_OR_RETURN(SecretBytes key, SecretBytes::Random(kRootKeyBytes));
  return WriteRootKeyFile(path, key);
}

}  // namespace

StatusOr<std::unique_ptr<KeyFileCustodian>> KeyFileCustodian::Open(const std::string& path,
                                                                   bool create_if_missing) {
  VAULT_RETURN_IF_ERROR(InitCrypto());
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) {
      return Status::IOError("cannot stat root key file " + path + ": " + std::strerror(errno),
                             "root_key_unreadable");
    }
    if (!create_if_missing) {
      return Status::NotFound("root key file " + path + " is missing", "root_key_missing");
    }
    VAULT_RETURN_IF_ERROR(CreateKeyFile(path));
  }
  std::unique_ptr<KeyFileCustodian> c(new KeyFileCustodian(path));
  // Validate now so a bad file is reported at start-up, not at first use.
  VAULT_ASSIGN_OR_RETURN(SecretBytes probe, c->LoadRootKey());
  return c;
}

StatusOr<SecretBytes> KeyFileCustodian::LoadRootKey() const {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    return Status::IOError("cannot open root key file " + path_ + ": " + std::strerror(errno),
                           "root_key_unreadable");
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::FailedPrecondition("root key file " + path_ + " is not a regular file",
                                      "root_key_insecure");
  }
  if ((st.st_mode & 077) != 0 || st.st_uid != ::geteuid()) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::FailedPrecondition("root key file " + path_ + " must be owned by this user "
                                      "and have mode 0600 (it has mode " + mode + ")",
                                      "root_key_insecure");
  }
  VAULT_ASSIGN_OR_RETURN(SecretBytes text, SecretBytes::Zeroed(kFileBytes + 1));
  size_t got = 0;
  while (got < kFileBytes + 1) {
    const ssize_t n = ::read(fd, text.insecure_mutable_data() + got, kFileBytes + 1 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  const char* t = reinterpret_cast<const char*>(text.insecure_data());
  const bool shape_ok = (got == kFileBytes && t[kFileBytes - 1] == '\n') ||
                        got == kFileBytes - 1;  // newline optional
  if (!shape_ok || std::memcmp(t, kPrefix, kPrefixLen) != 0) {
    return Status::Corruption("root key file " + path_ + " is not a tv-root-key-v1 file",
                              "root_key_malformed");
  }
  VAULT_ASSIGN_OR_RETURN(SecretBytes key, SecretBytes::Zeroed(kRootKeyBytes));
  size_t bin_len = 0;
  if (sodium_hex2bin(key.insecure_mutable_data(), key.size(), t + kPrefixLen, 2 * kRootKeyBytes,
                     nullptr, &bin_len, nullptr) != 0 ||
      bin_len != kRootKeyBytes) {
    return Status::Corruption("root key file " + path_ + " does not hold 64 hex digits",
                              "root_key_malformed");
  }
  return key;
}

StatusOr<SecretBytes> DeriveRootSubkey(const SecretBytes& root_key, RootSubkey purpose) {
  static constexpr char kRootContext[crypto_kdf_CONTEXTBYTES + 1] = "TVroot01";
  if (root_key.size() != kRootKeyBytes) return Status::Internal("root key has the wrong size");
  VAULT_ASSIGN_OR_RETURN(SecretBytes k, SecretBytes::Zeroed(32));
  crypto_kdf_derive_from_key(k.insecure_mutable_data(), k.size(), static_cast<uint64_t>(purpose),
                             kRootContext, root_key.insecure_data());
  return k;
}

StatusOr<std::string> RootKeyFingerprint(const SecretBytes& root_key) {
  VAULT_ASSIGN_OR_RETURN(SecretBytes k, DeriveRootSubkey(root_key, RootSubkey::kFingerprint));
  char hex[2 * 16 + 1];
  sodium_bin2hex(hex, sizeof hex, k.insecure_data(), 16);
  return std::string(hex);
}

namespace {
constexpr size_t kSealedHeaderBytes = 12;
}  // namespace

StatusOr<std::string> ResealRootFile(std::string_view file, RootSubkey purpose,
                                     const SecretBytes& from, const SecretBytes& to) {
  if (file.size() < kSealedHeaderBytes) return Status::Corruption("sealed file is truncated");
  const std::string_view header = file.substr(0, kSealedHeaderBytes);
  VAULT_ASSIGN_OR_RETURN(SecretBytes from_key, DeriveRootSubkey(from, purpose));
  auto plain = aead::OpenSecret(from_key, file.substr(kSealedHeaderBytes), header);
  if (!plain.ok()) {
    return Status::Corruption("the file does not open with this root key", "root_key_mismatch");
  }
  VAULT_ASSIGN_OR_RETURN(SecretBytes to_key, DeriveRootSubkey(to, purpose));
  std::string out(header);
  VAULT_RETURN_IF_ERROR(aead::SealSecret(to_key, *plain, header, &out));
  return out;
}

bool OpensUnderRoot(std::string_view file, RootSubkey purpose, const SecretBytes& root_key) {
  if (file.size() < kSealedHeaderBytes) return false;
  auto key = DeriveRootSubkey(root_key, purpose);
  if (!key.ok()) return false;
  return aead::OpenSecret(*key, file.substr(kSealedHeaderBytes), file.substr(0, kSealedHeaderBytes))
      .ok();
}

}  // namespace vault
