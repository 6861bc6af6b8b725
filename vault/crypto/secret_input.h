// Reading a secret (a passphrase) straight into guarded memory.
//
// ReadSecretLine reads from a file descriptor with read(2), one byte at a
// time, into a guarded buffer: no stdio or iostream buffer, no std::string
// and no temporary ever holds the secret. It stops at a newline (dropped, as
// is a CR before it) or at end of file; more than `max_bytes` before either
// is InvalidArgument "secret_too_long" (the rest is not read). The buffer is
// wiped when the SecretBytes dies.
//
// TakeSecretFromEnvironment copies an environment variable's value into
// guarded memory, then overwrites the value in the process's environment
// with zeros and removes the variable, so later reads of /proc/self/environ
// or a core dump do not find it.
//
// Thread safety: plain functions; the environment one must not race other
// threads using the environment.
#ifndef VAULT_CRYPTO_SECRET_INPUT_H_
#define VAULT_CRYPTO_SECRET_INPUT_H_

#include <cstddef>
#include <optional>
#include <string>

#include "vault/crypto/secret.h"
#include "vault/status.h"

namespace vault {

StatusOr<SecretBytes> ReadSecretLine(int fd, size_t max_bytes);

// Reads the first line of the file at `path` as ReadSecretLine does.
StatusOr<SecretBytes> ReadSecretFile(const std::string& path, size_t max_bytes);

// std::nullopt if the variable is not set.
std::optional<StatusOr<SecretBytes>> TakeSecretFromEnvironment(const char* name,
                                                               size_t max_bytes);

}  // namespace vault

#endif  // VAULT_CRYPTO_SECRET_INPUT_H_
