#include "vault/crypto/secret.h"

#include <sodium.h>

#include <cstring>

#include "vault/crypto/guarded_pool.h"

namespace vault {

Status InitCrypto() {
  static const int rc = sodium_init();
  if (rc < 0) return Status::Internal("libsodium failed to initialise");
  return Status::OK();
}

StatusOr<SecretBytes> SecretBytes::Zeroed(size_t n) {
  VAULT_RETURN_IF_ERROR(InitCrypto());
  if (n == 0) return SecretBytes();
  if (uint8_t* slot = GuardedPool::Default().Allocate(n)) {
    sodium_memzero(slot, n);
    return SecretBytes(slot, n, /*pooled=*/true);
  }
  auto* p = static_cast<uint8_t*>(sodium_malloc(n));
  if (p == nullptr) return Status::ResourceExhausted("cannot allocate guarded memory", "no_memory");
  sodium_memzero(p, n);
  return SecretBytes(p, n, /*pooled=*/false);
}

StatusOr<SecretBytes> SecretBytes::Random(size_t n) {
  VAULT_ASSIGN_OR_RETURN(SecretBytes s, Zeroed(n));
  if (n > 0) randombytes_buf(s.data_, n);
  return s;
}

StatusOr<SecretBytes> SecretBytes::CopyFrom(const uint8_t* src, size_t n) {
  VAULT_ASSIGN_OR_RETURN(SecretBytes s, Zeroed(n));
  if (n > 0) std::memcpy(s.data_, src, n);
  return s;
}

StatusOr<SecretBytes> SecretBytes::Slice(size_t offset, size_t n) const {
  if (offset > size_ || n > size_ - offset) {
    return Status::InvalidArgument("SecretBytes::Slice out of range");
  }
  return CopyFrom(data_ + offset, n);
}

StatusOr<SecretBytes> SecretBytes::Concat(const SecretBytes& a, const SecretBytes& b) {
  VAULT_ASSIGN_OR_RETURN(SecretBytes s, Zeroed(a.size_ + b.size_));
  if (a.size_ > 0) std::memcpy(s.data_, a.data_, a.size_);
  if (b.size_ > 0) std::memcpy(s.data_ + a.size_, b.data_, b.size_);
  return s;
}

SecretBytes::~SecretBytes() { Release(); }

SecretBytes::SecretBytes(SecretBytes&& other) noexcept
    : data_(other.data_), size_(other.size_), pooled_(other.pooled_) {
  other.data_ = nullptr;
  other.size_ = 0;
  other.pooled_ = false;
}

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
  if (this != &other) {
    Release();
    data_ = other.data_;
    size_ = other.size_;
    pooled_ = other.pooled_;
    other.data_ = nullptr;
    other.size_ = 0;
    other.pooled_ = false;
  }
  return *this;
}

void SecretBytes::Release() {
  if (data_ != nullptr) {
    if (pooled_) {
      GuardedPool::Default().Free(data_);  // wipes the slot
    } else {
      sodium_free(data_);  // zeroes before unmapping
    }
  }
  data_ = nullptr;
  size_ = 0;
  pooled_ = false;
}

bool SecretBytes::Equals(const SecretBytes& other) const {
  if (size_ != other.size_) return false;
  if (size_ == 0) return true;
  return sodium_memcmp(data_, other.data_, size_) == 0;
}

StatusOr<SecretBytes> SecretBytes::Clone() const { return CopyFrom(data_, size_); }

bool SecretBytes::StartsWith(std::string_view prefix) const {
  if (prefix.size() > size_) return false;
  if (prefix.empty()) return true;
  return sodium_memcmp(data_, prefix.data(), prefix.size()) == 0;
}

StatusOr<FramedSecret> SplitFramedSecret(const SecretBytes& framed, size_t offset, size_t n) {
  if (offset > framed.size() || n > framed.size() - offset) {
    return Status::InvalidArgument("SplitFramedSecret out of range");
  }
  const char* p = reinterpret_cast<const char*>(framed.insecure_data());
  FramedSecret out;
  VAULT_ASSIGN_OR_RETURN(out.secret, framed.Slice(offset, n));
  out.before.assign(p, offset);
  out.after.assign(p + offset + n, framed.size() - offset - n);
  return out;
}

}  // namespace vault
