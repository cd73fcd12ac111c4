#!/usr/bin/env bash
# `make test` once `mvn -DskipTests package` has built the classes and the
# jar: JUnit (Surefire, on those very classes), the AppCDS archives, the
# Gleam build with its checks, and the Gleam suite, as much side by side as
# their order allows. Most of the suite's time is waiting (JVM starts,
# timeouts, fixed-length load runs), so it runs beside JUnit, and the
# dependency tests (fdnode_dependency_erl_test: rebar3, Mix and Gleam
# builds, mostly computing) run in an EUnit node of their own beside the
# rest. The output of what ran in the background (target/*.log) is shown
# at the end. Fails if any part does.
set -uo pipefail
cd "$(dirname "$0")/.."
read -r -a mvn <<<"${MVN:-mvn -B -ntp}"

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done' EXIT

"${mvn[@]}" surefire:test >target/junit.log 2>&1 &
junit=$!
pids+=("$junit")
scripts/appcds.sh >target/appcds.log 2>&1 &
pids+=($!)
scripts/appcds.sh gleam/priv/fdnode.jar >>target/appcds.log 2>&1 &
pids+=($!)

node tools/gleam/build.mjs
build_rc=$?
wait "${pids[1]}" "${pids[2]}"
cat target/appcds.log

deps_rc=1 rest_rc=1
if [ "$build_rc" -eq 0 ]; then
  FDNODE_TEST_MODULES=fdnode_dependency_erl_test scripts/gleam-test.sh >target/gleam-dependency.log 2>&1 &
  deps=$!
  pids+=("$deps")
  FDNODE_TEST_EXCLUDE=fdnode_dependency_erl_test scripts/gleam-test.sh
  rest_rc=$?
  wait "$deps"
  deps_rc=$?
  echo "---- Gleam suite: the dependency tests (target/gleam-dependency.log) ----"
  cat target/gleam-dependency.log
fi
wait "$junit"
junit_rc=$?
pids=()
echo "---- JUnit (target/junit.log) ----"
cat target/junit.log

status=0
report() { if [ "$2" -ne 0 ]; then echo "test: $1 FAILED (status $2)" >&2; status=1; fi; }
report "the Gleam build" "$build_rc"
report "the Gleam suite" "$rest_rc"
report "the dependency tests" "$deps_rc"
report "JUnit" "$junit_rc"
[ "$status" -eq 0 ] && echo "test: JUnit, the Gleam build and the Gleam suite passed"
exit "$status"
