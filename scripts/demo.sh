#!/usr/bin/env bash
# `make run`: the fdnode demo (gleam/dev/fdnode_demo.gleam) on a real BEAM.
# It starts its own Java node, tours the API, shuts the node down, and this
# script then checks that no JVM or BEAM it started is left running.
# `make run` builds first; run directly, it expects target/fdnode.jar and
# gleam/build/ebin to exist.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'demo: %s\n' "$*" >&2; }

ebin=gleam/build/ebin
export FDNODE_JAR="$PWD/target/fdnode.jar"
[ -f "$FDNODE_JAR" ] || { say "no $FDNODE_JAR: run 'make build' first"; exit 1; }
[ -f "$ebin/fdnode_demo.beam" ] || { say "no $ebin/fdnode_demo.beam: run 'make build' first"; exit 1; }

run_id="demo_$$_$RANDOM"
export FDNODE_DEMO_RUN="$run_id"     # inherited by the JVM: lets us find it afterwards
FDNODE_ROOT="$(mktemp -d "${TMPDIR:-/tmp}/fdnode_demo.XXXXXX")"
export FDNODE_ROOTS="$FDNODE_ROOT"
mkfifo "$FDNODE_ROOT/demo.fifo"
# Letters and digits only: the cookie goes on a command line.
cookie="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"

# JVMs and BEAMs of this run (they inherit FDNODE_DEMO_RUN).
our_pids() {
  local dir exe
  for dir in /proc/[0-9]*; do
    exe="$(basename "$(readlink "$dir/exe" 2>/dev/null)" 2>/dev/null)" || continue
    case "$exe" in java|beam.smp|beam) ;; *) continue ;; esac
    grep -qzxF -- "FDNODE_DEMO_RUN=$run_id" "$dir/environ" 2>/dev/null && echo "${dir#/proc/}"
  done
  return 0
}

cleanup() {
  local status=$? pids
  trap - EXIT
  pids="$(our_pids)"
  if [ -n "$pids" ]; then
    say "FAIL: still running after the demo: $(echo $pids); killing them"
    kill -KILL $pids 2>/dev/null || true
    [ "$status" -eq 0 ] && status=1
  fi
  rm -rf "$FDNODE_ROOT"
  exit "$status"
}
trap cleanup EXIT

epmd -daemon

say "root $FDNODE_ROOT, node demo_$$"
set +e
timeout --kill-after=5s 60s \
  erl -noshell -sname "demo_$$" -setcookie "$cookie" -pa "$ebin" \
      -eval 'fdnode_demo:main(), halt().'
rc=$?
set -e
if [ "$rc" -ne 0 ]; then
  say "FAIL: the demo exited with status $rc"
  exit "$rc"
fi

# The JVM closed its node before exiting; give the process itself a moment
# to be gone (the OS sends no event we could wait on from a shell).
for _ in $(seq 1 50); do
  [ -z "$(our_pids)" ] && break
  sleep 0.1
done
say "ok: no JVM or BEAM left running"
