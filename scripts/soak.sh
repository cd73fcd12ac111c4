#!/usr/bin/env bash
# make soak: a long load on a real Java node with fault injection, ending with
# zero lost replies and zero leaked descriptors, and a summary.
#
#   FDNODE_SOAK_SECONDS   total duration (default 600)
#   FDNODE_SOAK_EPOCH     seconds per epoch (default 15); every 4th epoch kills
#                         the JVM with SIGKILL mid-load and restarts it
#   FDNODE_SOAK_CALLERS   concurrent load callers (default 64)
#   FDNODE_SOAK_SEED      rand seed for the garbage generator, e.g. "{1,2,3}"
#
# Needs `make build` (the Makefile target does it): the jar and gleam/build/ebin.
set -euo pipefail
cd "$(dirname "$0")/.."

SCRIPT_NAME=soak
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

jar="$PWD/target/fdnode.jar"
ebin="$PWD/gleam/build/ebin"
[ -f "$jar" ] || { say "no $jar: run 'make build'"; exit 1; }
[ -f "$ebin/fdnode_load_erl_test.beam" ] || { say "no test modules in $ebin: run 'make gleam'"; exit 1; }

run_id="soak_$(date +%s)_$$"
work="$(mktemp -d "${TMPDIR:-/tmp}/fdnode_${run_id}.XXXXXX")"
mkdir -p "$work/root" "$work/ebin"
cp -r test_fixtures/. "$work/root/"
erlc -o "$work/ebin" scripts/soak/fdnode_soak.erl

export FDNODE_JAR="$jar" FDNODE_ROOT="$work/root" FDNODE_TEST_RUN="$run_id" FDNODE_FIXTURES="$PWD/test_fixtures"
cookie="$(new_cookie)"

erl_pid=""
cleanup_on_exit "$run_id" "$work"

epmd -daemon
secs="${FDNODE_SOAK_SECONDS:-600}"
say "running for ${secs}s (epochs of ${FDNODE_SOAK_EPOCH:-15}s, ${FDNODE_SOAK_CALLERS:-64} callers)"
set +e
timeout --kill-after=30s "$((secs + 300))" \
  erl -noshell -sname "$run_id" -setcookie "$cookie" -pa "$ebin" -pa "$work/ebin" \
      -eval 'fdnode_soak:main()' &
erl_pid=$!
wait "$erl_pid"
rc=$?
erl_pid=""
set -e
[ "$rc" -eq 0 ] && say "PASS" || say "FAIL (status $rc)"
exit "$rc"
