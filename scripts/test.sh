#!/usr/bin/env bash
# `make test`: every behavioural test, as much side by side as their order
# allows, since on two cores most of the time is waiting (JVM starts,
# timeouts, fixed-length runs) or another engineer's build:
#
#   the Gleam build and its checks  |  the jar (mvn -DskipTests package),
#                                   |  then JUnit (surefire:test, on the
#                                   |  classes the jar was built from) and
#                                   |  the AppCDS archive of the priv/ jar
#   then the Gleam suite in three EUnit nodes of their own (each with its
#   own Java node, scratch root and leak check): the dependency tests
#   (rebar3, Mix and Gleam builds), the long load and fault runs, the rest
#
# What runs in the background writes to target/test-*.log, shown at the end
# (the Gleam build's as soon as it is done). Fails if any part does.
set -uo pipefail
cd "$(dirname "$0")/.."
read -r -a mvn <<<"${MVN:-mvn -B -ntp}"
mkdir -p target

DEPENDENCY="fdnode_dependency_erl_test"
LONG="fdnode_edge_erl_test fdnode_order_erl_test fdnode_load_erl_test fdnode_hostile_erl_test fdnode_cluster_erl_test"

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done' EXIT
took() { echo "test: $1 after $SECONDS s"; }
bg() { local log=$1; shift; "$@" >"target/test-$log.log" 2>&1 & pids+=($!); }

bg gleam-build node tools/gleam/build.mjs
build=$!

jar_rc=1
if "${mvn[@]}" -q -DskipTests package; then
  jar_rc=0
  took "the jar"
  bg junit "${mvn[@]}" surefire:test
  junit=$!
  # The suite runs the priv/ jar; target/'s archive would be stale (make
  # build writes both).
  rm -f target/fdnode.jsa
  scripts/appcds.sh gleam/priv/fdnode.jar
fi

wait "$build"
build_rc=$?
cat target/test-gleam-build.log
took "the Gleam build"

suite_rc=(1 1 1)
if [ "$jar_rc" -eq 0 ] && [ "$build_rc" -eq 0 ]; then
  # The dependency tests are builds with nothing timed but generous build
  # limits: at a lower priority they leave the CPU to the tests that time
  # things.
  bg dependency nice -n 10 env FDNODE_TEST_MODULES="$DEPENDENCY" scripts/gleam-test.sh
  dependency=$!
  bg long env FDNODE_TEST_MODULES="$LONG" scripts/gleam-test.sh
  long=$!
  FDNODE_TEST_EXCLUDE="$DEPENDENCY $LONG" scripts/gleam-test.sh
  suite_rc[0]=$?
  took "the Gleam suite (most of it)"
  wait "$long"
  suite_rc[1]=$?
  echo "---- the Gleam suite: the long runs (target/test-long.log) ----"
  cat target/test-long.log
  wait "$dependency"
  suite_rc[2]=$?
  echo "---- the Gleam suite: the dependency tests (target/test-dependency.log) ----"
  cat target/test-dependency.log
fi
junit_rc=1
if [ "$jar_rc" -eq 0 ]; then
  wait "$junit"
  junit_rc=$?
  echo "---- JUnit (target/test-junit.log) ----"
  cat target/test-junit.log
fi
pids=()

status=0
report() { if [ "$2" -ne 0 ]; then echo "test: $1 FAILED (status $2)" >&2; status=1; fi; }
report "the jar (mvn package)" "$jar_rc"
report "the Gleam build" "$build_rc"
report "JUnit" "$junit_rc"
report "the Gleam suite" "${suite_rc[0]}"
report "the Gleam suite's long runs" "${suite_rc[1]}"
report "the dependency tests" "${suite_rc[2]}"
[ "$status" -eq 0 ] && echo "test: all passed in $SECONDS s"
exit "$status"
