#!/usr/bin/env bash
# Runs the Gleam test suite (every *_test module in gleam/build/ebin) with
# EUnit on one real, distributed BEAM node. `make test-gleam` builds first.
#
# The integration tests start the Java node themselves; they find it through
#   FDNODE_JAR       the jar to run: the one the package ships (gleam/priv/fdnode.jar)
#   FDNODE_ROOT      a fresh scratch directory for this run (removed afterwards)
#   FDNODE_FIXTURES  test_fixtures/
#   FDNODE_TEST_RUN  a unique id for this run (also marks the JVMs it starts)
#   FDNODE_CHECKOUT  this checkout (the dependency tests build projects on it)
# Knobs: FDNODE_TEST_TIMEOUT (whole run, default 20m, `timeout` syntax),
#        FDNODE_TEST_CASE_TIMEOUT (seconds per test function, default 120),
#        FDNODE_TEST_MODULES (only these test modules, space- or comma-separated),
#        FDNODE_TEST_EXCLUDE (all but these).
set -euo pipefail
cd "$(dirname "$0")/.."

SCRIPT_NAME=gleam-test
# shellcheck source=scripts/lib.sh
. scripts/lib.sh

ebin=gleam/build/ebin
if ! compgen -G "$ebin/*.beam" >/dev/null; then
  say "no compiled Gleam in $ebin; run 'make gleam' first"; exit 1
fi

run_id="$(date +%s)_$$_$RANDOM"
export FDNODE_TEST_RUN="$run_id"
export FDNODE_JAR="$PWD/gleam/priv/fdnode.jar"
export FDNODE_FIXTURES="$PWD/test_fixtures"
export FDNODE_CHECKOUT="$PWD"
FDNODE_ROOT="$(mktemp -d "${TMPDIR:-/tmp}/fdnode_test_${run_id}.XXXXXX")"
export FDNODE_ROOTS="$FDNODE_ROOT"
[ -f "$FDNODE_JAR" ] || say "note: $FDNODE_JAR does not exist yet (integration tests will fail)"

cookie="$(new_cookie)"
node_name="fdnode_test_${run_id}"

erl_pid=""
cleanup_on_exit "$run_id" "$FDNODE_ROOT"

epmd -daemon

# Each exported *_test/0 is one test and each *_test_/0 a generator, as EUnit
# finds them; we list them ourselves to count them and to give each its own
# timeout (EUnit's default is 5 s, too short for tests that start a JVM) and
# its own process (`spawn`: a timed-out test then cancels only itself, and
# the descriptors a test's process owns are released when it ends).
# shellcheck disable=SC2016
eval_code='
Ebin = os:getenv("FDNODE_TEST_EBIN"),
PerTest = list_to_integer(os:getenv("FDNODE_TEST_CASE_TIMEOUT")),
Only = case os:getenv("FDNODE_TEST_MODULES", "") of
         "" -> all;
         Names -> [list_to_atom(N) || N <- string:lexemes(Names, " ,")]
       end,
Except = [list_to_atom(N) || N <- string:lexemes(os:getenv("FDNODE_TEST_EXCLUDE", ""), " ,")],
Mods = [M || M <- lists:sort([list_to_atom(filename:basename(F, ".beam"))
                              || F <- filelib:wildcard(filename:join(Ebin, "*_test.beam"))]),
             Only =:= all orelse lists:member(M, Only), not lists:member(M, Except)],
Ends = fun(Name, Suffix) -> lists:suffix(Suffix, atom_to_list(Name)) end,
Wrap = fun(T) -> {spawn, {timeout, PerTest, T}} end,
Tests = lists:append(
  [[Wrap({M, F}) || {F, 0} <- M:module_info(exports), Ends(F, "_test")] ++
   [Wrap({generator, M, F}) || {F, 0} <- M:module_info(exports), Ends(F, "_test_")]
   || M <- Mods]),
io:format("gleam-test: ~b test module(s), ~b test function(s)~n", [length(Mods), length(Tests)]),
Result = case Tests of [] -> no_tests; _ -> eunit:test(Tests, [verbose]) end,
case Result of
  ok -> halt(0);
  no_tests -> io:format("gleam-test: FAIL: no tests found in ~s~n", [Ebin]), halt(1);
  _ -> halt(1)
end.'

set +e
FDNODE_TEST_EBIN="$ebin" FDNODE_TEST_CASE_TIMEOUT="${FDNODE_TEST_CASE_TIMEOUT:-120}" \
  timeout --kill-after=30s "${FDNODE_TEST_TIMEOUT:-20m}" \
  erl -noshell -sname "$node_name" -setcookie "$cookie" -pa "$ebin" -eval "$eval_code" &
erl_pid=$!
wait "$erl_pid"
rc=$?
erl_pid=""
set -e
case $rc in
  0) ;;
  124|137) say "FAIL: the run exceeded ${FDNODE_TEST_TIMEOUT:-20m} and was killed" ;;
  *) say "FAIL: test node exited with status $rc" ;;
esac
exit "$rc"
