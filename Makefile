# fdnode: `make run` for the demo, `make test` for everything. Both start from
# a fresh Debian machine: `deps` installs what is missing, idempotently.
SHELL := /bin/bash
.DEFAULT_GOAL := help
MVN ?= mvn -B -ntp
JAR := target/fdnode.jar
GLEAM_EBIN := gleam/build/ebin

.PHONY: help deps java gleam build test test-java test-gleam run bench soak clean

help:
	@echo "make run    build, then run the demo (starts and stops its own Java node)"
	@echo "make test   install deps, build, run JUnit and the Gleam suite on a real BEAM"
	@echo "make bench  benchmarks against baselines (writes docs/benchmarks.md)"
	@echo "make soak   10-minute load with fault injection (FDNODE_SOAK_SECONDS to change)"

deps:
	@scripts/deps.sh

# The AppCDS archive (target/fdnode.jsa) is best effort: appcds.sh never fails the build.
java: deps
	$(MVN) -q -DskipTests package
	scripts/appcds.sh

gleam: deps
	node tools/gleam/build.mjs

build: java gleam

# Surefire runs inside `package`, so the jar the Gleam suite uses is the one tested.
test-java: deps
	$(MVN) package
	scripts/appcds.sh

test-gleam: gleam
	scripts/gleam-test.sh

test: deps
	$(MAKE) --no-print-directory test-java
	$(MAKE) --no-print-directory test-gleam

run: build
	scripts/demo.sh

bench: build
	scripts/bench.sh

soak: build
	scripts/soak.sh

clean:
	rm -rf target gleam/build
