#!/bin/bash
# vault-bench, when it gives up on a run (here: its vaultd turns away most
# of its connections), stops the vaultd it started before it exits: no
# vaultd is left running on the run's data directory, and its socket
# directory is gone.
#
# Usage: die_stops_vaultd_test.sh VAULT_BENCH VAULTD SCRATCH_DIR
# vault-bench's run is bounded (60 s); whatever happens, every process
# started on the run's directory and the run's files are gone at the end.
set -u
bench=$1
vaultd_binary=$2
mkdir -p "$3"
dir=$(mktemp -d "$3/die-stops.XXXXXX") || exit 1

fail() {
  echo "FAIL: $*"
  exit 1
}

# Pids of the processes whose command line names the run's directory, from
# /proc (a fresh machine has no procps).
processes_on_dir() {
  local cmdline pid
  for cmdline in /proc/[0-9]*/cmdline; do
    pid=${cmdline#/proc/}
    pid=${pid%/cmdline}
    [[ $pid == "$$" ]] && continue
    if tr '\0' '\n' 2>/dev/null <"$cmdline" | grep -qF -- "$dir/"; then echo "$pid"; fi
  done
}

cleanup() {
  local pid socket
  for pid in $(processes_on_dir); do
    kill -9 "$pid" 2>/dev/null
    timeout 10 tail --pid="$pid" -f /dev/null
  done
  socket=$(grep -ohE "/tmp/vault-bench-[A-Za-z0-9]+/vaultd\.sock" "$dir"/vault-bench-*/*.log 2>/dev/null | head -1)
  if [[ -n $socket ]]; then rm -rf "${socket%/*}"; fi
  rm -rf "$dir"
}
trap cleanup EXIT

# vaultd as vault-bench starts it, but serving at most four connections at
# once: twelve of vault-bench's sixteen writers are turned away.
cat >"$dir/vaultd" <<WRAPPER
#!/bin/sh
exec "$vaultd_binary" "\$@" --max-connections 4
WRAPPER
chmod +x "$dir/vaultd"

out=$(timeout 60 "$bench" --mode load --writers 16 --readers 0 --duration 30 \
  --dir "$dir" --vaultd "$dir/vaultd" 2>&1 >/dev/null)
status=$?
echo "$out" | grep -v '^\[' | tail -5
[[ $status -ne 124 ]] || fail "vault-bench still running after 60 s"
[[ $status -eq 1 ]] || fail "vault-bench exited with status $status, not 1"
grep -qE "^vault-bench: (append|create|close|connect): " <<<"$out" ||
  fail "no line saying which request failed"
left=$(processes_on_dir)
[[ -z $left ]] || fail "vault-bench left process(es) $left running on $dir"
# Its vaultd's socket directory, named in vaultd's log (beside its data).
socket=$(grep -ohE "/tmp/vault-bench-[A-Za-z0-9]+/vaultd\.sock" "$dir"/vault-bench-*/*.log | head -1)
[[ -n $socket ]] || fail "vaultd's log does not name its socket"
[[ ! -e ${socket%/*} ]] || fail "vault-bench left its socket directory ${socket%/*}"
echo "PASS: vault-bench stopped its vaultd before it exited"
