#!/usr/bin/env bash
# `make run`: the fdnode demo (gleam/dev/fdnode_demo.gleam) on a real BEAM.
# It starts its own Java node, tours the API, shuts the node down, and this
# script then checks that no JVM or BEAM it started is left running.
# `make run` builds first; run directly, it expects target/fdnode.jar and
# gleam/build/ebin to exist.
set -euo pipefail
cd "$(dirname "$0")/.."

SCRIPT_NAME=demo
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ebin=gleam/build/ebin
export FDNODE_JAR="$PWD/target/fdnode.jar"
[ -f "$FDNODE_JAR" ] || { say "no $FDNODE_JAR: run 'make build' first"; exit 1; }
[ -f "$ebin/fdnode_demo.beam" ] || { say "no $ebin/fdnode_demo.beam: run 'make build' first"; exit 1; }

run_id="demo_$$_$RANDOM"
export FDNODE_DEMO_RUN="$run_id"     # inherited by the JVM: lets us find it afterwards
FDNODE_ROOT="$(mktemp -d "${TMPDIR:-/tmp}/fdnode_demo.XXXXXX")"
export FDNODE_ROOTS="$FDNODE_ROOT"
mkfifo "$FDNODE_ROOT/demo.fifo"
cookie="$(new_cookie)"

# JVMs and BEAMs of this run inherit FDNODE_DEMO_RUN; any left is a failure.
cleanup() {
  local status=$?
  trap - EXIT
  stop_leftovers 0 "FDNODE_DEMO_RUN=$run_id" java beam.smp beam || { [ "$status" -eq 0 ] && status=1; }
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

# The JVM closed its node before exiting; give the process itself up to 5 s
# to be gone.
stop_leftovers 5 "FDNODE_DEMO_RUN=$run_id" java beam.smp beam || exit 1
say "ok: no JVM or BEAM left running"
