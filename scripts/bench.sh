#!/usr/bin/env bash
# make bench: builds the benchmark driver and runs it on a fresh BEAM node
# against a fresh Java node and the baselines; writes docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
root=$(mktemp -d)
trap 'rm -rf "$out" "$root"' EXIT
# 100,000 descriptors at once need a higher limit than the default 1024.
# As root the hard limit can be raised too; otherwise take what is allowed.
ulimit -Hn 262144 2>/dev/null || true
ulimit -n 262144 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "bench: descriptor limit $(ulimit -n)"
epmd -daemon
erlc -o "$out" scripts/bench/fdnode_bench.erl
export FDNODE_JAR="$PWD/target/fdnode.jar" FDNODE_ROOT="$root"
# FDNODE_BENCH_BEFORE=<git revision> builds that revision's jar and runs it
# beside this one (same flags, interleaved): the report adds after/before ratios.
if [ -n "${FDNODE_BENCH_BEFORE:-}" ] && [ -z "${FDNODE_BENCH_BEFORE_JAR:-}" ]; then
  before="$out/before"
  mkdir -p "$before"
  git archive "$FDNODE_BENCH_BEFORE" | tar -x -C "$before"
  ${MVN:-mvn -B -ntp} -q -f "$before/pom.xml" -DskipTests package
  export FDNODE_BENCH_BEFORE_JAR="$before/target/fdnode.jar"
fi
echo "bench: load average $(cut -d' ' -f1-3 /proc/loadavg)"
# JMH figures of the Java core first, while nothing else runs; appended below.
core=$(mktemp)
trap 'rm -rf "$out" "$root" "$core"' EXIT
if [ -z "${FDNODE_BENCH_ONLY:-}" ]; then
  scripts/bench-core.sh "$core"
else
  ${MVN:-mvn -B -ntp} -q -Pjmh -DskipTests compile
fi
# The echo baseline (dev.fdnode.bench.EchoNode) is benchmark code: the jmh
# build has it, the production jar does not.
export FDNODE_BENCH_CLASSPATH="$PWD/target/jmh/classes:$(cat target/jmh/classpath.txt)"
timeout 15m erl -noshell -sname "fdnode_bench_$$" -setcookie "bench_$RANDOM$RANDOM" \
  -pa gleam/build/ebin -pa "$out" \
  -s fdnode_bench main docs/benchmarks.md "$PWD/gleam/build/ebin"
printf '\n' >> docs/benchmarks.md
cat "$core" >> docs/benchmarks.md
cat docs/perf-notes.md >> docs/benchmarks.md
echo "bench: wrote docs/benchmarks.md"
