"""The package installs offline into a fresh venv, and works from there.

venv from $PYTHON (default /usr/bin/python3, Debian's, with python3-venv,
python3-pip, python3-setuptools and python3-wheel), made with
--system-site-packages so that pip can build with the system setuptools
without an index: pip install --no-build-isolation --no-index.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import textwrap

from vaultd_harness import PACKAGE_ROOT, PYTHON, VaultdTestCase


class InstallTest(VaultdTestCase):
    def test_pip_install_offline_and_call_health(self) -> None:
        with tempfile.TemporaryDirectory(prefix="tvpy-install-") as d:
            # Build from a copy: an in-tree build would leave build/ and
            # *.egg-info in the source directory.
            src = os.path.join(d, "src")
            shutil.copytree(PACKAGE_ROOT, src, ignore=shutil.ignore_patterns(
                "__pycache__", "build", "*.egg-info", "tests"))
            venv = os.path.join(d, "venv")
            subprocess.run([PYTHON, "-m", "venv", "--system-site-packages", venv],
                           check=True, capture_output=True, timeout=120)
            py = os.path.join(venv, "bin", "python")
            env = {k: v for k, v in os.environ.items()
                   if k not in ("PYTHONPATH", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL")}
            env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
            env["VAULT_SOCKET"] = self.vaultd.socket_path
            pip = subprocess.run([py, "-m", "pip", "install", "--no-build-isolation",
                                  "--no-index", src],
                                 capture_output=True, text=True, timeout=180, env=env, cwd=d)
            self.assertEqual(pip.returncode, 0, pip.stdout + pip.stderr)

            script = textwrap.dedent("""
                import os, sys, transcript_vault
                from importlib import metadata
                pkg = os.path.dirname(transcript_vault.__file__)
                assert pkg.startswith(sys.prefix), (pkg, sys.prefix)
                assert os.path.isfile(os.path.join(pkg, "py.typed"))
                assert metadata.version("transcript-vault") == transcript_vault.__version__
                with transcript_vault.Client() as vault:   # from $VAULT_SOCKET
                    h = vault.health()
                    t = vault.open_transcript("install-test")
                    vault.append_message(t.id, 0, "system", "installed", "2026-01-01T00:00:00Z")
                    print(h.status, vault.get_transcript(t.id).message_count)
            """)
            run = subprocess.run([py, "-c", script], capture_output=True, text=True,
                                 timeout=60, env=env, cwd=d)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            self.assertEqual(run.stdout.split(), ["ok", "1"])
