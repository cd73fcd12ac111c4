#!/usr/bin/env bash
# make build: target/fdnode.jsa, an AppCDS archive of the node's startup (the
# classes loaded up to its ready line), which the launcher passes with
# -XX:SharedArchiveFile when the file sits next to the jar. Best effort: if
# anything fails, no archive is left behind and the build goes on.
# A static archive (JDK and fdnode classes in one file, -Xshare:dump from the
# class list of a real start) rather than a dynamic one on top of the JDK's
# default archive: measured side by side, the node's idle RSS is ~2 MiB lower.
# Usage: scripts/appcds.sh [JAR]   (default target/fdnode.jar)
set -uo pipefail
cd "$(dirname "$0")/.."
jar=${1:-target/fdnode.jar}
[ -f "$jar" ] && jar=$(realpath "$jar") # the archive records the class path as given
jsa="$(dirname "$jar")/fdnode.jsa"
# The launcher's GC and JIT flags: an archive is only used by a JVM whose
# settings match the ones it was dumped with (the heap size does not matter).
flags=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=16m)
rm -f "$jsa"
work=$(mktemp -d)
java_pid=
cleanup() {
  exec 3>&- 2>/dev/null
  [ -n "$java_pid" ] && kill "$java_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
skip() {
  echo "appcds: skipped ($1); the node starts without an archive" >&2
  rm -f "$jsa"
  exit 0
}
[ -f "$jar" ] || skip "no $jar"
command -v java >/dev/null || skip "no java"
epmd -daemon 2>/dev/null || skip "epmd does not start"
mkdir "$work/root"
mkfifo "$work/stdin"
# The node runs until its stdin closes (--exit-on-stdin-eof), then writes the
# list of the classes it loaded as the JVM exits. It binds libc after its
# ready line (node/Main.java); the debug log says when that is done, and the
# archive should hold those classes too.
java "${flags[@]}" -XX:DumpLoadedClassList="$work/classes.lst" -jar "$jar" \
  --name "appcds_$$" --cookie "appcds_$RANDOM$RANDOM" --root "$work/root" \
  --log-level debug --exit-on-stdin-eof <"$work/stdin" >"$work/out" 2>&1 &
java_pid=$!
exec 3>"$work/stdin"
for _ in $(seq 1 300); do
  grep -q 'libc bound' "$work/out" 2>/dev/null && break
  kill -0 "$java_pid" 2>/dev/null || break
  sleep 0.1
done
grep -q '^fdnode ready' "$work/out" || skip "the node did not get ready: $(tail -n 3 "$work/out" | tr '\n' ' ')"
grep -q 'libc bound' "$work/out" || skip "the node did not bind libc: $(tail -n 3 "$work/out" | tr '\n' ' ')"
exec 3>&-
wait "$java_pid" || true
java_pid=
[ -s "$work/classes.lst" ] || skip "no class list written"
timeout 300 java "${flags[@]}" -Xshare:dump -XX:SharedClassListFile="$work/classes.lst" \
  -XX:SharedArchiveFile="$jsa" -cp "$jar" >"$work/dump" 2>&1 \
  || skip "the dump failed: $(tail -n 2 "$work/dump" | tr '\n' ' ')"
# A dump that failed leaves no file or one the JVM refuses: check that it maps.
[ -s "$jsa" ] || skip "no archive written"
java "${flags[@]}" -XX:SharedArchiveFile="$jsa" -Xshare:on -cp "$jar" -version >/dev/null 2>&1 \
  || skip "the JVM refuses the archive"
echo "appcds: wrote $jsa ($(du -k "$jsa" | cut -f1) KiB)"
