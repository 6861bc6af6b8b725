"""Test support: run a real vaultd in a temporary directory.

vaultd comes from $VAULTD (default /work/main/build/tools/vaultd). Readiness
is the systemd notify protocol: NOTIFY_SOCKET names an AF_UNIX datagram
socket bound here, and vaultd sends READY=1 once it listens.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
from typing import List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
PACKAGE_ROOT = os.path.dirname(HERE)  # clients/python
SRC = os.path.join(PACKAGE_ROOT, "src")
if SRC not in sys.path:
    sys.path.insert(0, SRC)

VAULTD = os.environ.get("VAULTD", "/work/main/build/tools/vaultd")
PYTHON = os.environ.get("PYTHON", "/usr/bin/python3")

# How long to wait for a vaultd binary that another build is replacing.
BINARY_WAIT_S = float(os.environ.get("VAULTD_WAIT", "120"))
READY_TIMEOUT_S = 30.0


def _wait_for_binary(path: str, deadline: float) -> None:
    while not (os.path.isfile(path) and os.access(path, os.X_OK)):
        if time.monotonic() > deadline:
            raise RuntimeError(f"vaultd binary {path} not found after {BINARY_WAIT_S:.0f} s "
                               "(set VAULTD)")
        time.sleep(0.5)  # waiting for someone else's build, not for vaultd


class Vaultd:
    """One vaultd process with its own data directory and socket."""

    def __init__(self, *extra_args: str) -> None:
        self.dir = tempfile.mkdtemp(prefix="tvpy-")  # 0700: vaultd checks the socket dir
        self.data_dir = os.path.join(self.dir, "data")
        self.socket_path = os.path.join(self.dir, "s.sock")
        self.log_path = os.path.join(self.dir, "vaultd.log")
        self.args: List[str] = [VAULTD, "--data-dir", self.data_dir,
                                "--socket", self.socket_path, *extra_args]
        self.proc: Optional[subprocess.Popen] = None
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> None:
        notify_path = os.path.join(self.dir, "notify.sock")
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            notify.bind(notify_path)
            env = dict(os.environ)
            env["NOTIFY_SOCKET"] = notify_path
            env.pop("VAULT_SOCKET", None)
            deadline = time.monotonic() + BINARY_WAIT_S
            while True:
                _wait_for_binary(VAULTD, deadline)
                try:
                    with open(self.log_path, "ab") as log:
                        self.proc = subprocess.Popen(self.args, stdin=subprocess.DEVNULL,
                                                     stdout=log, stderr=subprocess.STDOUT,
                                                     env=env)
                    break
                except OSError:  # replaced under us (ETXTBSY, ENOENT): try again
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.5)
            ready_deadline = time.monotonic() + READY_TIMEOUT_S
            while True:
                remaining = ready_deadline - time.monotonic()
                if remaining <= 0:
                    raise RuntimeError(f"vaultd sent no READY=1 within {READY_TIMEOUT_S} s\n"
                                       + self.log())
                notify.settimeout(min(remaining, 0.5))
                try:
                    msg = notify.recv(4096)
                except socket.timeout:
                    if self.proc.poll() is not None:
                        raise RuntimeError(f"vaultd exited with {self.proc.returncode}\n"
                                           + self.log()) from None
                    continue
                if b"READY=1" in msg.split(b"\n"):
                    return
        finally:
            notify.close()

    def log(self) -> str:
        try:
            with open(self.log_path, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def wait_for_eof(sock: socket.socket, timeout: float = 10.0) -> None:
    """Blocks until the peer has closed ``sock`` (EOF), without consuming data."""
    import select
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN | select.POLLHUP | select.POLLERR)
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError("the server did not close the connection")
        if poller.poll(remaining * 1000):
            try:
                data = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
            except BlockingIOError:
                continue
            except OSError:
                return  # reset: closed too
            if data == b"":
                return
            raise AssertionError("unexpected bytes from the server on an idle connection")


class VaultdTestCase(unittest.TestCase):
    """A test class with its own vaultd (started once per class)."""

    VAULTD_ARGS: List[str] = []
    vaultd: Vaultd

    @classmethod
    def setUpClass(cls) -> None:
        super().setUpClass()
        cls.vaultd = Vaultd(*cls.VAULTD_ARGS)
        cls.addClassCleanup(cls.vaultd.stop)

    def client(self, **kw):  # type: ignore[no-untyped-def]
        from transcript_vault import Client
        c = Client(self.vaultd.socket_path, timeout=20, **kw)
        self.addCleanup(c.close)
        return c
