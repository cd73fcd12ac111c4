# fdnode: `make run` for the demo, `make test` for everything. Both start from
# a fresh Debian machine: `deps` installs what is missing, idempotently.
SHELL := /bin/bash
.DEFAULT_GOAL := help
MVN ?= mvn -B -ntp
JAR := target/fdnode.jar
GLEAM_EBIN := gleam/build/ebin

.PHONY: help deps java gleam build test test-java test-gleam test-repeat mutation mutation-gate run bench soak clean

help:
	@echo "make run    build, then run the demo (starts and stops its own Java node)"
	@echo "make test   install deps, build, run every behavioural test: JUnit, the Gleam build checks, EUnit"
	@echo "make mutation-gate  PIT on core, active, poll and distribution (CI runs it after make test)"
	@echo "make mutation  PIT on core, active, poll, distribution, node, request and terms; scores per package"
	@echo "make test-repeat N=5  the whole suite N times, stopping at the first failure"
	@echo "make bench  benchmarks against baselines (writes docs/benchmarks.md)"
	@echo "make soak   10-minute load with fault injection (FDNODE_SOAK_SECONDS to change)"

deps:
	@scripts/deps.sh

# `package` also copies the jar into gleam/priv/ (pom.xml), where `start`
# finds it with no jar option and no FDNODE_JAR. The AppCDS archives (one
# beside each jar: an archive records its jar's path) are best effort:
# appcds.sh never fails the build.
APPCDS := scripts/appcds.sh & scripts/appcds.sh gleam/priv/fdnode.jar; wait

java: deps
	$(MVN) -q -DskipTests package
	$(APPCDS)

gleam: deps
	node tools/gleam/build.mjs

build: java gleam

# Surefire runs inside `package`, so the jar the Gleam suite uses is the one tested.
test-java: deps
	$(MVN) package
	$(APPCDS)

test-gleam: gleam
	scripts/gleam-test.sh

# Every behavioural test, in minutes: the jar, JUnit (on the very classes
# the jar was built from), the archives, the Gleam build with its checks and
# the Gleam suite, side by side where they can be (scripts/test.sh). The
# mutation gate takes longer and runs after it in CI (.ci/run), or by hand
# with `make mutation-gate`.
test: deps
	MVN="$(MVN)" scripts/test.sh

# Mutation testing (PIT, -Pmutation in pom.xml): one run per package, each
# failing below its threshold (set in the pom); HTML reports under
# target/pit-reports/<package>/index.html. `make mutation-gate` (run by CI
# after `make test`) gates the core, active, poll and distribution packages;
# `make mutation` also measures node, request and terms.
PIT_GATE := core active poll distribution
PIT_ALL := $(PIT_GATE) node request terms

define run-pit
	@rm -rf $(addprefix target/pit-reports/,$(1)); failed=""; \
	for p in $(1); do \
	  echo "mutation: $$p"; \
	  $(MVN) -q -Pmutation test-compile org.pitest:pitest-maven:mutationCoverage@$$p || failed="$$failed $$p"; \
	done; \
	scripts/pit-summary.py target/pit-reports; \
	if [ -n "$$failed" ]; then echo "mutation: below threshold (or failed):$$failed"; exit 1; fi
endef

mutation-gate: deps
	$(call run-pit,$(PIT_GATE))

mutation: deps
	$(call run-pit,$(PIT_ALL))

N ?= 5
test-repeat: deps
	@for i in $$(seq 1 $(N)); do \
	  echo "test-repeat: run $$i of $(N)"; \
	  $(MAKE) --no-print-directory test || { echo "test-repeat: run $$i of $(N) FAILED"; exit 1; }; \
	done; echo "test-repeat: $(N) of $(N) runs passed"

run: build
	scripts/demo.sh

bench: build
	scripts/bench.sh

soak: build
	scripts/soak.sh

clean:
	rm -rf target gleam/build gleam/_build gleam/priv/fdnode.jar gleam/priv/fdnode.jsa
