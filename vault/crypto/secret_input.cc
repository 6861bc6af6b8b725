#include "vault/crypto/secret_input.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace vault {

namespace {

Status TooLong() {
  return Status::InvalidArgument("the secret is longer than allowed", "secret_too_long");
}

}  // namespace

StatusOr<SecretBytes> ReadSecretLine(int fd, size_t max_bytes) {
  // One byte more than allowed, to tell "exactly max" from "too long".
  VAULT_ASSIGN_OR_RETURN(SecretBytes buffer, SecretBytes::Zeroed(max_bytes + 1));
  uint8_t* out = buffer.insecure_mutable_data();
  size_t n = 0;
  for (;;) {
    uint8_t byte = 0;
    const ssize_t got = ::read(fd, &byte, 1);
    if (got < 0) {
      if (errno == EINTR) continue;
      return Status::IOError(std::string("cannot read the secret: ") + std::strerror(errno),
                             "secret_unreadable");
    }
    if (got == 0 || byte == '\n') break;
    if (n == max_bytes) {
      sodium_memzero(&byte, 1);
      return TooLong();
    }
    out[n++] = byte;
    sodium_memzero(&byte, 1);
  }
  if (n > 0 && out[n - 1] == '\r') out[--n] = 0;
  return buffer.Slice(0, n);
}

StatusOr<SecretBytes> ReadSecretFile(const std::string& path, size_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    return Status::IOError("cannot open " + path + ": " + std::strerror(errno),
                           "secret_unreadable");
  }
  StatusOr<SecretBytes> secret = ReadSecretLine(fd, max_bytes);
  ::close(fd);
  return secret;
}

std::optional<StatusOr<SecretBytes>> TakeSecretFromEnvironment(const char* name,
                                                               size_t max_bytes) {
  char* value = std::getenv(name);
  if (value == nullptr) return std::nullopt;
  const size_t n = std::strlen(value);
  StatusOr<SecretBytes> secret =
      n > max_bytes ? StatusOr<SecretBytes>(TooLong())
                    : SecretBytes::CopyFrom(reinterpret_cast<const uint8_t*>(value), n);
  sodium_memzero(value, n);
  ::unsetenv(name);
  return secret;
}

}  // namespace vault
