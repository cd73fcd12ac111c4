#!/bin/sh
# Stands in for `java` in the launcher tests: never says "fdnode ready", and
# (like the real node with --exit-on-stdin-eof) exits when stdin closes.
echo "fake java: starting slowly"
exec cat >/dev/null
