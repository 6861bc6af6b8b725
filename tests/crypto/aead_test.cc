#include "vault/crypto/aead.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

namespace vault {
namespace {

TEST(Aead, RoundTripsAndBindsAssociatedData) {
  auto key = SecretBytes::Random(aead::kKeyBytes);
  ASSERT_TRUE(key.ok());
  std::string sealed;
  ASSERT_TRUE(aead::Seal(*key, "hello", "ad-1", &sealed).ok());
  EXPECT_EQ(sealed.size(), 5 + aead::kOverhead);
  auto plain = aead::Open(*key, sealed, "ad-1");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(*plain, "hello");
  EXPECT_EQ(aead::Open(*key, sealed, "ad-2").status().code(), Status::Code::kCorruption);
  auto other = SecretBytes::Random(aead::kKeyBytes);
  EXPECT_EQ(aead::Open(*other, sealed, "ad-1").status().code(), Status::Code::kCorruption);
}

TEST(Aead, OpenIntoReusesItsBufferAndOpensWhatOpenOpens) {
  auto key = SecretBytes::Random(aead::kKeyBytes);
  ASSERT_TRUE(key.ok());
  std::string plain;
  // Longer, shorter, empty and longer again: each opening leaves exactly
  // its own plaintext, whatever the buffer held before.
  for (const std::string& text :
       {std::string(1500, 'a'), std::string("bb"), std::string(), std::string(2000, 'c')}) {
    std::string sealed;
    ASSERT_TRUE(aead::Seal(*key, text, "ad", &sealed).ok());
    ASSERT_TRUE(aead::OpenInto(*key, sealed, "ad", &plain).ok());
    EXPECT_EQ(plain, text);
    EXPECT_EQ(plain, *aead::Open(*key, sealed, "ad"));
  }
  EXPECT_GE(plain.capacity(), 2000u);
  // A record no larger than the buffer is opened where it is.
  const char* const at = plain.data();
  std::string sealed;
  ASSERT_TRUE(aead::Seal(*key, std::string(1999, 'd'), "ad", &sealed).ok());
  ASSERT_TRUE(aead::OpenInto(*key, sealed, "ad", &plain).ok());
  EXPECT_EQ(plain.data(), at);
  EXPECT_EQ(plain, std::string(1999, 'd'));
}

TEST(Aead, OpenIntoAFailedOpeningLeavesNothing) {
  auto key = SecretBytes::Random(aead::kKeyBytes);
  std::string sealed;
  ASSERT_TRUE(aead::Seal(*key, "a secret message", "ad-1", &sealed).ok());
  std::string plain = "what an earlier record held";
  const Status wrong_ad = aead::OpenInto(*key, sealed, "ad-2", &plain);
  EXPECT_EQ(wrong_ad.code(), Status::Code::kCorruption);
  EXPECT_TRUE(plain.empty());
  // Every byte the buffer can hold is zero: neither the earlier record nor
  // anything decrypted is left (read through the allocation, which
  // resize() would zero-fill by itself).
  EXPECT_EQ(std::string(plain.data(), plain.capacity()), std::string(plain.capacity(), '\0'));
  std::string tampered = sealed;
  tampered.back() ^= 1;
  plain = "x";
  EXPECT_FALSE(aead::OpenInto(*key, tampered, "ad-1", &plain).ok());
  EXPECT_TRUE(plain.empty());
  plain = "y";
  EXPECT_EQ(aead::OpenInto(*key, "short", "ad-1", &plain).code(), Status::Code::kCorruption);
  EXPECT_TRUE(plain.empty());
}

TEST(Aead, WipeZeroesTheWholeCapacity) {
  std::string s(300, 'k');
  s.resize(10);  // 290 bytes past the size still hold 'k'
  const size_t capacity = s.capacity();
  aead::Wipe(&s);
  EXPECT_TRUE(s.empty());
  EXPECT_EQ(s.capacity(), capacity);
  EXPECT_EQ(std::string(s.data(), capacity), std::string(capacity, '\0'));
}

TEST(Aead, EveryFlippedByteIsDetected) {
  auto key = SecretBytes::Random(aead::kKeyBytes);
  std::string sealed;
  ASSERT_TRUE(aead::Seal(*key, "a short record", "ad", &sealed).ok());
  for (size_t i = 0; i < sealed.size(); ++i) {
    std::string bad = sealed;
    bad[i] ^= 0x01;
    EXPECT_FALSE(aead::Open(*key, bad, "ad").ok()) << "byte " << i;
  }
  EXPECT_FALSE(aead::Open(*key, sealed.substr(0, aead::kOverhead - 1), "ad").ok());
}

TEST(Aead, NoncesDiffer) {
  auto key = SecretBytes::Random(aead::kKeyBytes);
  std::string a, b;
  ASSERT_TRUE(aead::Seal(*key, "same", "ad", &a).ok());
  ASSERT_TRUE(aead::Seal(*key, "same", "ad", &b).ok());
  EXPECT_NE(a, b);
}

std::string NonceOf(const std::string& sealed) { return sealed.substr(0, aead::kNonceBytes); }

// Nonces come from a per-thread pool, ten to a fill (aead.cc): 2,500 seals
// on each of four threads empty and refill it 250 times each. Every nonce
// is new (a pool that handed bytes out twice, or handed out its wiped
// bytes, repeats one), and every record opens.
TEST(Aead, NoncesAreNeverHandedOutTwiceAcrossThreadsAndRefills) {
  auto key = SecretBytes::Random(aead::kKeyBytes);
  ASSERT_TRUE(key.ok());
  constexpr int kThreads = 4;
  constexpr int kSeals = 2500;
  std::vector<std::vector<std::string>> sealed(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kSeals; ++i) {
        std::string out;
        if (!aead::Seal(*key, "m" + std::to_string(i), "ad", &out).ok()) return;
        sealed[t].push_back(std::move(out));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  std::set<std::string> nonces;
  for (const std::vector<std::string>& records : sealed) {
    ASSERT_EQ(records.size(), size_t{kSeals});
    for (size_t i = 0; i < records.size(); ++i) {
      EXPECT_TRUE(nonces.insert(NonceOf(records[i])).second) << "a nonce came twice";
      auto plain = aead::Open(*key, records[i], "ad");
      ASSERT_TRUE(plain.ok());
      EXPECT_EQ(*plain, "m" + std::to_string(i));
    }
  }
  EXPECT_EQ(nonces.size(), size_t{kThreads * kSeals});
  EXPECT_EQ(nonces.count(std::string(aead::kNonceBytes, '\0')), 0u);
}

// A forked child inherits its thread's pool with the nonces the parent will
// take next; it must draw its own. All of it runs on a thread of its own,
// whose pool starts empty, so that after the first seal nine nonces are
// left in it when it forks, whatever this process sealed before.
TEST(Aead, AForkedChildDoesNotTakeTheParentsNextNonces) {
  auto key = SecretBytes::Random(aead::kKeyBytes);
  ASSERT_TRUE(key.ok());
  std::string first, parent, from_child(3 * aead::kNonceBytes, '\0');
  size_t got = 0;
  int child_status = -1;
  std::string failed;
  std::thread([&] {
    if (!aead::Seal(*key, "before", "ad", &first).ok()) {
      failed = "seal before the fork";
      return;
    }
    int fds[2];
    if (pipe(fds) != 0) {
      failed = "pipe";
      return;
    }
    const pid_t child = fork();
    if (child < 0) {
      failed = "fork";
      return;
    }
    if (child == 0) {
      close(fds[0]);
      std::string nonces;
      for (int i = 0; i < 3; ++i) {
        std::string out;
        if (!aead::Seal(*key, "child", "ad", &out).ok()) _exit(2);
        nonces += NonceOf(out);
      }
      const bool written =
          write(fds[1], nonces.data(), nonces.size()) == static_cast<ssize_t>(nonces.size());
      _exit(written ? 0 : 3);
    }
    close(fds[1]);
    for (int i = 0; i < 3; ++i) {
      std::string out;
      if (!aead::Seal(*key, "parent", "ad", &out).ok()) failed = "seal in the parent";
      parent += NonceOf(out);
    }
    while (got < from_child.size()) {
      const ssize_t n = read(fds[0], from_child.data() + got, from_child.size() - got);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    close(fds[0]);
    if (waitpid(child, &child_status, 0) != child) failed = "waitpid";
  }).join();
  ASSERT_EQ(failed, "");
  ASSERT_TRUE(WIFEXITED(child_status) && WEXITSTATUS(child_status) == 0) << child_status;
  ASSERT_EQ(got, from_child.size());
  ASSERT_EQ(parent.size(), 3 * aead::kNonceBytes);
  std::set<std::string> nonces = {NonceOf(first)};
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(nonces.insert(parent.substr(i * aead::kNonceBytes, aead::kNonceBytes)).second);
    EXPECT_TRUE(nonces.insert(from_child.substr(i * aead::kNonceBytes, aead::kNonceBytes)).second)
        << "the child took a nonce the parent took";
  }
}

}  // namespace
}  // namespace vault
