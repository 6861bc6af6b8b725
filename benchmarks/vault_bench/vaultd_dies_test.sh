#!/bin/bash
# vault-bench, when the vaultd it drives is killed in the middle of a run,
# says why and exits with status 1, whichever of its writers fails first:
# not an abort or a crash from exit handlers run while the other writers
# still use what they destroy.
#
# Usage: vaultd_dies_test.sh VAULT_BENCH SCRATCH_DIR
set -u
bench=$1
dir=$2
mkdir -p "$dir"

coproc BENCH { exec "$bench" --mode load --writers 16 --readers 0 --duration 60 --dir "$dir" 2>&1 >/dev/null; }
bench_pid=$BENCH_PID
exec 3<&"${BENCH[0]}"

# The first progress line: every writer is connected and appending.
started=no
while IFS= read -r line <&3; do
  if [[ $line == *"[vault] t=1s"* ]]; then
    started=yes
    break
  fi
done
if [[ $started != yes ]]; then
  echo "FAIL: vault-bench ended before its first progress line"
  exit 1
fi
# Its vaultd: the child process named vaultd (from /proc, which a fresh
# machine has without procps).
vaultd=
for stat in /proc/[0-9]*/stat; do
  read -r fields <"$stat" 2>/dev/null || continue
  comm=${fields#*(}
  comm=${comm%%)*}
  after=${fields##*) }
  read -r _state ppid _ <<<"$after"
  if [[ $comm == vaultd && $ppid == "$bench_pid" ]]; then
    vaultd=${fields%% *}
  fi
done
if [[ -z $vaultd ]]; then
  echo "FAIL: no vaultd child of vault-bench ($bench_pid)"
  kill "$bench_pid"
  exit 1
fi
kill -9 "$vaultd"

rest=$(cat <&3)
wait "$bench_pid"
status=$?
echo "$rest"
if [[ $status -ne 1 ]]; then
  echo "FAIL: vault-bench exited with status $status, not 1"
  exit 1
fi
if ! grep -qE "^vault-bench: (append|create|close): Unavailable .*vaultd at " <<<"$rest"; then
  echo "FAIL: no line saying which request failed and why"
  exit 1
fi
if [[ $(grep -c "^vault-bench: " <<<"$rest") -ne 1 ]]; then
  echo "FAIL: more than one writer's reason printed"
  exit 1
fi
# What the killed run left: its vault, and its socket's directory.
rm -rf "$dir"
socket_dir=$(grep -oE "vaultd at /tmp/vault-bench-[A-Za-z0-9]+/" <<<"$rest" | head -1)
socket_dir=${socket_dir#vaultd at }
if [[ -n $socket_dir ]]; then rm -rf "$socket_dir"; fi
echo "PASS: vault-bench exited with status 1 and one reason"
