#!/usr/bin/env bash
# `make test`: every behavioural test, as much side by side as their order
# allows, since on two cores most of the time is waiting (JVM starts,
# timeouts, fixed-length load runs) or another engineer's build:
#
#   the Gleam build and its checks  |  the jar (mvn -DskipTests package)
#                                   |  then JUnit (surefire:test, on the
#                                   |  classes the jar was built from)
#                                   |  and the two AppCDS archives
#   then the Gleam suite, its dependency tests (rebar3, Mix and Gleam
#   builds, mostly computing) in an EUnit node of their own beside the rest
#
# What ran in the background writes to target/*.log, shown at the end (the
# Gleam build's at once). Fails if any part does.
set -uo pipefail
cd "$(dirname "$0")/.."
read -r -a mvn <<<"${MVN:-mvn -B -ntp}"
mkdir -p target

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done' EXIT
started=$SECONDS
took() { echo "test: $1 took $((SECONDS - started)) s from the start"; }

node tools/gleam/build.mjs >target/gleam-build.log 2>&1 &
build=$!
pids+=("$build")

junit_rc=1
if "${mvn[@]}" -q -DskipTests package; then
  took "the jar"
  "${mvn[@]}" surefire:test >target/junit.log 2>&1 &
  junit=$!
  pids+=("$junit")
  { scripts/appcds.sh; scripts/appcds.sh gleam/priv/fdnode.jar; } >target/appcds.log 2>&1 &
  appcds=$!
  pids+=("$appcds")
  jar_rc=0
else
  jar_rc=1
fi

wait "$build"
build_rc=$?
cat target/gleam-build.log
took "the Gleam build"

deps_rc=1 rest_rc=1
if [ "$jar_rc" -eq 0 ] && [ "$build_rc" -eq 0 ]; then
  wait "$appcds"
  cat target/appcds.log
  FDNODE_TEST_MODULES=fdnode_dependency_erl_test \
    scripts/gleam-test.sh >target/gleam-dependency.log 2>&1 &
  deps=$!
  pids+=("$deps")
  FDNODE_TEST_EXCLUDE=fdnode_dependency_erl_test scripts/gleam-test.sh
  rest_rc=$?
  took "the Gleam suite"
  wait "$deps"
  deps_rc=$?
  echo "---- the dependency tests (target/gleam-dependency.log) ----"
  cat target/gleam-dependency.log
fi
if [ "$jar_rc" -eq 0 ]; then
  wait "$junit"
  junit_rc=$?
  echo "---- JUnit (target/junit.log) ----"
  cat target/junit.log
fi
pids=()

status=0
report() { if [ "$2" -ne 0 ]; then echo "test: $1 FAILED (status $2)" >&2; status=1; fi; }
report "the jar (mvn package)" "$jar_rc"
report "the Gleam build" "$build_rc"
report "JUnit" "$junit_rc"
report "the Gleam suite" "$rest_rc"
report "the dependency tests" "$deps_rc"
[ "$status" -eq 0 ] && echo "test: all passed in $((SECONDS - started)) s"
exit "$status"
