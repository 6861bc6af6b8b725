#!/bin/bash
# vault-bench, when the vaultd it drives is killed in the middle of a run,
# says why and exits with status 1, whichever of its writers fails first:
# not an abort or a crash from exit handlers run while the other writers
# still use what they destroy.
#
# Usage: vaultd_dies_test.sh VAULT_BENCH SCRATCH_DIR
# Each wait for vault-bench's output is bounded (30 s); whatever happens,
# both processes and the run's files are gone when the script ends.
set -u
bench=$1
mkdir -p "$2"
dir=$(mktemp -d "$2/dies.XXXXXX") || exit 1
bench_pid=
vaultd=
socket_dir=

fail() {
  echo "FAIL: $*"
  exit 1
}

# The parent pid of process $1, or nothing when it is gone.
parent_of() {
  local fields ppid
  read -r fields 2>/dev/null <"/proc/$1/stat" || return
  fields=${fields##*) }
  read -r _ ppid _ <<<"$fields"
  echo "$ppid"
}

# The child process of vault-bench named vaultd, from /proc (a fresh
# machine has no procps).
find_vaultd() {
  local stat fields comm
  for stat in /proc/[0-9]*/stat; do
    read -r fields 2>/dev/null <"$stat" || continue
    comm=${fields#*(}
    comm=${comm%%)*}
    if [[ $comm == vaultd && $(parent_of "${fields%% *}") == "$bench_pid" ]]; then
      echo "${fields%% *}"
      return
    fi
  done
}

# The directory of vaultd's socket, from its command line.
socket_dir_of() {
  local arg next=no
  while IFS= read -r -d '' arg; do
    if [[ $next == yes ]]; then
      echo "${arg%/*}"
      return
    fi
    [[ $arg == --socket ]] && next=yes
  done <"/proc/$1/cmdline"
}

cleanup() {
  # vault-bench's vaultd, found now if the test failed before it did, and
  # killed only while it is still vault-bench's child (not a reused pid).
  if [[ -n $bench_pid && -z $vaultd ]]; then vaultd=$(find_vaultd); fi
  if [[ -n $vaultd && -n $bench_pid && $(parent_of "$vaultd") == "$bench_pid" ]]; then
    if [[ -z $socket_dir ]]; then socket_dir=$(socket_dir_of "$vaultd"); fi
    kill -9 "$vaultd" 2>/dev/null
    timeout 10 tail --pid="$vaultd" -f /dev/null
  fi
  if [[ -n $bench_pid ]]; then
    kill -9 "$bench_pid" 2>/dev/null
    wait "$bench_pid" 2>/dev/null
  fi
  rm -rf "$dir"
  if [[ $socket_dir == /tmp/vault-bench-* ]]; then rm -rf "$socket_dir"; fi
}
trap cleanup EXIT

coproc BENCH {
  exec "$bench" --mode load --writers 16 --readers 0 --duration 60 --dir "$dir" 2>&1 >/dev/null
}
bench_pid=$BENCH_PID
[[ -n ${BENCH[0]:-} ]] || fail "vault-bench ended at once"
exec 3<&"${BENCH[0]}"

# A progress line with appends in it: the writers are connected and
# appending (the first lines may come while they connect).
started=no
while IFS= read -r -t 30 line <&3; do
  if [[ $line =~ ^\[vault\]\ t=[0-9]+s\ +writes\ ([0-9]+)/s && ${BASH_REMATCH[1]} != 0 ]]; then
    started=yes
    break
  fi
done
[[ $started == yes ]] || fail "no progress line with appends from vault-bench within 30 s"
vaultd=$(find_vaultd)
[[ -n $vaultd ]] || fail "no vaultd child of vault-bench ($bench_pid)"
socket_dir=$(socket_dir_of "$vaultd")
kill -9 "$vaultd"
vaultd=

rest=$(timeout 30 cat <&3)
status=$?
[[ $status -eq 0 ]] || fail "vault-bench still running 30 s after its vaultd was killed"
wait "$bench_pid"
status=$?
bench_pid=
echo "$rest"
[[ $status -eq 1 ]] || fail "vault-bench exited with status $status, not 1"
grep -qE "^vault-bench: (append|create|close|connect): Unavailable .*vaultd at " <<<"$rest" ||
  fail "no line saying which request failed and why"
[[ $(grep -c "^vault-bench: " <<<"$rest") -eq 1 ]] || fail "more than one writer's reason printed"
echo "PASS: vault-bench exited with status 1 and one reason"
