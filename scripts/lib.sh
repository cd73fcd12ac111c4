# shellcheck shell=bash
# What gleam-test.sh, demo.sh and soak.sh share; sourced, never run. Set
# SCRIPT_NAME (the prefix `say` prints) before sourcing.

say() { printf '%s: %s\n' "${SCRIPT_NAME:-fdnode}" "$*" >&2; }

# A fresh cookie: letters and digits only, since it goes on a command line.
new_cookie() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# run_pids VAR=ID EXE...: the processes this run started: an executable named
# one of EXE (java, beam.smp) whose environment has VAR=ID (inherited by all
# it spawns) or whose command line carries ID.
run_pids() {
  local mark=$1 dir exe
  shift
  for dir in /proc/[0-9]*; do
    exe="$(basename "$(readlink "$dir/exe" 2>/dev/null)" 2>/dev/null)" || continue
    [[ " $* " == *" $exe "* ]] || continue
    if grep -qzxF -- "$mark" "$dir/environ" 2>/dev/null ||
       grep -qzF -- "${mark#*=}" "$dir/cmdline" 2>/dev/null; then
      echo "${dir#/proc/}"
    fi
  done
  return 0
}

# stop_leftovers SECONDS VAR=ID EXE...: gives this run's processes SECONDS to
# exit by themselves (a Java node may still be shutting down after its BEAM
# peer left; no event says when it is gone), then TERMs and at last KILLs what
# is left. Returns 1, naming them, if any had to be stopped: a leak.
stop_leftovers() {
  local tenths=$(($1 * 10)) pids i
  shift
  for ((i = 0; ; i++)); do
    pids="$(run_pids "$@")"
    [ -z "$pids" ] && return 0
    [ "$i" -ge "$tenths" ] && break
    sleep 0.1
  done
  say "FAIL: left running: $(echo $pids); stopping them"
  kill $pids 2>/dev/null || true
  for ((i = 0; i < 20; i++)); do
    pids="$(run_pids "$@")"
    [ -z "$pids" ] && return 1
    sleep 0.1
  done
  kill -KILL $pids 2>/dev/null || true
  return 1
}

# cleanup_on_exit RUN_ID DIR: when the script ends (or is interrupted), stops
# its `erl` (pid in $erl_pid, if set), stops and reports JVMs left with
# FDNODE_TEST_RUN=RUN_ID in their environment (a leak fails a passing run)
# and removes the scratch directory DIR.
cleanup_on_exit() {
  trap "cleanup_run '$1' '$2'" EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

cleanup_run() {
  local status=$?
  trap - EXIT INT TERM
  [ -n "${erl_pid:-}" ] && kill "$erl_pid" 2>/dev/null || true
  stop_leftovers 10 "FDNODE_TEST_RUN=$1" java || { [ "$status" -eq 0 ] && status=1; }
  rm -rf "$2"
  exit "$status"
}
