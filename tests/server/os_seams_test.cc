// The server's small OS-facing pieces: the socket file's life, peer
// credentials, and the systemd notify protocol.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "tests/support/temp_dir.h"
#include "vault/server/peer_cred.h"
#include "vault/server/sd_notify.h"
#include "vault/server/socket_file.h"

namespace vault {
namespace {

using testing::TempDir;

// A Unix socket of `type` bound to `path` (a leading '@' is abstract).
class BoundSocket {
 public:
  BoundSocket(const std::string& path, int type) : fd_(socket(AF_UNIX, type | SOCK_CLOEXEC, 0)) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.data(), path.size());
    if (path[0] == '@') addr.sun_path[0] = '\0';
    const socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + path.size());
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&addr), len), 0) << std::strerror(errno);
  }
  ~BoundSocket() { Close(); }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

// A short socket path in a private directory (mkdtemp, 0700): sun_path is
// only 108 bytes, and the socket's directory must not be writable by others.
// The directory, and what is left in it, goes when the test program ends.
std::string ShortPath(const char* name) {
  static const TempDir dir("/tmp/tv-test-");
  return dir.path() + "/" + name;
}

bool Exists(const std::string& path) {
  struct stat st;
  return lstat(path.c_str(), &st) == 0;
}

TEST(SocketFileTest, FreePathIsClaimed) {
  TempDir dir;
  EXPECT_TRUE(ClaimSocketPath(dir.path() + "/none.sock").ok());
}

TEST(SocketFileTest, ADirectoryWritableByOthersIsRefused) {
  TempDir dir;
  const std::string open_dir = dir.path() + "/open";
  ASSERT_EQ(mkdir(open_dir.c_str(), 0700), 0);
  ASSERT_EQ(chmod(open_dir.c_str(), 01777), 0);  // even with the sticky bit
  const Status status = ClaimSocketPath(open_dir + "/v.sock");
  EXPECT_EQ(status.reason(), "writable_by_others") << status.ToString();
  EXPECT_NE(status.message().find("socket directory " + open_dir), std::string::npos);
  ASSERT_EQ(chmod(open_dir.c_str(), 0750), 0);
  EXPECT_TRUE(ClaimSocketPath(open_dir + "/v.sock").ok());
}

TEST(SocketFileTest, StaleSocketIsRemoved) {
  const std::string path = ShortPath("stale");
  {
    BoundSocket stale(path, SOCK_STREAM);  // bound, never listened: nothing answers
  }
  ASSERT_TRUE(Exists(path));
  EXPECT_TRUE(ClaimSocketPath(path).ok());
  EXPECT_FALSE(Exists(path));
}

TEST(SocketFileTest, LiveListenerIsNotStolen) {
  const std::string path = ShortPath("live");
  BoundSocket live(path, SOCK_STREAM);
  ASSERT_EQ(listen(live.fd(), 1), 0);
  const Status status = ClaimSocketPath(path);
  EXPECT_EQ(status.code(), Status::Code::kFailedPrecondition);
  EXPECT_NE(status.message().find("another vaultd is listening on " + path), std::string::npos);
  EXPECT_TRUE(Exists(path));
  live.Close();
  unlink(path.c_str());
}

TEST(SocketFileTest, RegularFileIsNeverRemoved) {
  TempDir dir;
  const std::string path = dir.path() + "/file";
  std::ofstream(path) << "precious";
  EXPECT_FALSE(ClaimSocketPath(path).ok());
  EXPECT_TRUE(Exists(path));
}

TEST(SocketFileTest, OverlongPathIsRejected) {
  const Status status = ClaimSocketPath("/tmp/" + std::string(MaxSocketPathLength(), 'x'));
  EXPECT_EQ(status.code(), Status::Code::kInvalidArgument);
}

TEST(SocketFileTest, RemovesOnlyItsOwnFile) {
  const std::string path = ShortPath("own");
  BoundSocket first(path, SOCK_STREAM);
  auto identity = IdentifyFile(path);
  ASSERT_TRUE(identity.ok());
  // Someone moved our file aside and bound a new socket at the path.
  ASSERT_EQ(rename(path.c_str(), (path + ".old").c_str()), 0);
  BoundSocket successor(path, SOCK_STREAM);
  RemoveSocketFileIfOurs(path, *identity);
  EXPECT_TRUE(Exists(path));
  auto own = IdentifyFile(path);
  ASSERT_TRUE(own.ok());
  RemoveSocketFileIfOurs(path, *own);
  EXPECT_FALSE(Exists(path));
  unlink((path + ".old").c_str());
}

TEST(PeerCredTest, ReadsOurOwnCredentials) {
  int fds[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  auto peer = ReadPeerCred(fds[0]);
  ASSERT_TRUE(peer.ok()) << peer.status().ToString();
  EXPECT_EQ(peer->uid, getuid());
  EXPECT_EQ(peer->gid, getgid());
  EXPECT_EQ(peer->pid, getpid());
  close(fds[0]);
  close(fds[1]);
  EXPECT_FALSE(ReadPeerCred(-1).ok());
}

std::string Receive(int fd) {
  char buffer[256];
  const ssize_t n = recv(fd, buffer, sizeof(buffer), MSG_DONTWAIT);
  return n > 0 ? std::string(buffer, n) : "";
}

TEST(SdNotifyTest, NoSocketIsANoOp) {
  unsetenv("NOTIFY_SOCKET");
  EXPECT_TRUE(NotifyServiceManager("READY=1").ok());
}

TEST(SdNotifyTest, SendsToAPathSocket) {
  const std::string path = ShortPath("notify");
  BoundSocket listener(path, SOCK_DGRAM);
  setenv("NOTIFY_SOCKET", path.c_str(), 1);
  EXPECT_TRUE(NotifyServiceManager("READY=1").ok());
  unsetenv("NOTIFY_SOCKET");
  EXPECT_EQ(Receive(listener.fd()), "READY=1");  // a datagram is queued once sendto returns
  unlink(path.c_str());
}

TEST(SdNotifyTest, SendsToAnAbstractSocket) {
  const std::string name = "@tv-test-notify-" + std::to_string(getpid());
  BoundSocket listener(name, SOCK_DGRAM);
  setenv("NOTIFY_SOCKET", name.c_str(), 1);
  EXPECT_TRUE(NotifyServiceManager("STOPPING=1").ok());
  unsetenv("NOTIFY_SOCKET");
  EXPECT_EQ(Receive(listener.fd()), "STOPPING=1");
}

TEST(SdNotifyTest, MissingListenerIsAnError) {
  setenv("NOTIFY_SOCKET", ShortPath("nobody").c_str(), 1);
  EXPECT_FALSE(NotifyServiceManager("READY=1").ok());
  setenv("NOTIFY_SOCKET", "relative/path", 1);
  EXPECT_FALSE(NotifyServiceManager("READY=1").ok());
  unsetenv("NOTIFY_SOCKET");
}

}  // namespace
}  // namespace vault
