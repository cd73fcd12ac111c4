#!/usr/bin/env bash
# make bench: builds the benchmark driver and runs it on a fresh BEAM node
# against a fresh Java node and the baselines; writes docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
root=$(mktemp -d)
trap 'rm -rf "$out" "$root"' EXIT
# 100,000 descriptors at once need a higher limit than the default 1024.
ulimit -n 200000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
epmd -daemon
erlc -o "$out" scripts/bench/fdnode_bench.erl
export FDNODE_JAR="$PWD/target/fdnode.jar" FDNODE_ROOT="$root"
timeout 15m erl -noshell -sname "fdnode_bench_$$" -setcookie "bench_$RANDOM$RANDOM" \
  -pa gleam/build/ebin -pa "$out" \
  -s fdnode_bench main docs/benchmarks.md "$PWD/gleam/build/ebin"
