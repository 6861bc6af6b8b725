#!/bin/sh
# Runs the Python client's tests against a real vaultd.
#   VAULTD  the vaultd binary (default /work/main/build/tools/vaultd)
#   PYTHON  the interpreter (default /usr/bin/python3, Debian's)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
exec "${PYTHON:-/usr/bin/python3}" -m unittest discover -s "$here/tests" -v "$@"
