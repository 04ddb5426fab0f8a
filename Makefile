# SPDX-License-Identifier: MIT
#
# Thin wrapper over meson for the common jobs:
#   make          build (build/)
#   make test     run every test once (build/)
#   make check    the full gate: tests, then all of them under ASan+UBSan
#                 (build-asan/, gcc at warning_level=3), then the
#                 concurrency suite under TSan (build-tsan/), then the
#                 libraries and their tests built by clang at
#                 warning_level=3 and run but for the stress suite
#                 (build-clang/); the revoke model (suite model) runs
#                 in build/ only (ASan/TSan builds do not register it);
#                 then each fuzz target for a bounded number of inputs
#                 (build-fuzz/: clang, libFuzzer, ASan+UBSan); prints
#                 "N passed, N failed" and fails on any failure or
#                 sanitizer report. Every build dir but build/ treats
#                 warnings as errors; build/ does with WERROR=true (CI).
#   make bench    build optimised benchmarks (build-bench/) and run them
#   make fuzz     run each fuzz target for FUZZ_SECONDS (default 600) in
#                 build-fuzz/, growing a corpus there (docs/testing.md)
#   make sim      build, then run dmabuf-sim (SIM_ARGS="run low-power", ...)
#   make check-load  the load gate: the plain and TSan concurrency suites,
#                 several rounds, many tests per core (LOAD_ARGS="--rounds 2",
#                 scripts/check-load.sh --help)
#   make clean

MESON ?= meson
NINJA ?= ninja
TEST_ARGS ?= --print-errorlogs --num-processes 2
WERROR ?= false
CLANG ?= clang
CHECK_DIRS = build build-asan build-tsan build-clang build-fuzz

# Sanitizers: any report is fatal, leaks included.
ASAN_ENV = ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1:detect_stack_use_after_return=1 \
	   UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
TSAN_ENV = TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:report_signal_unsafe=0:suppressions=$(CURDIR)/tests/tsan.supp

.PHONY: all build test check check-load bench sim fuzz clean

all: build

build/build.ninja:
	$(MESON) setup build -Dwerror=$(WERROR)
build-asan/build.ninja:
	$(MESON) setup build-asan -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug \
		-Dwarning_level=3 -Dwerror=true
build-tsan/build.ninja:
	$(MESON) setup build-tsan -Db_sanitize=thread -Db_lundef=false -Dbuildtype=debug \
		-Dbenchmarks=false -Dwerror=true
# The second compiler: the libraries and their tests, unoptimised, without
# the tools and benchmarks, to keep it cheap.
build-clang/build.ninja:
	CC=$(CLANG) $(MESON) setup build-clang -Dbuildtype=debug -Dwarning_level=3 -Dwerror=true \
		-Dtools=false -Dbenchmarks=false
# libFuzzer targets (fuzz/): clang with ASan+UBSan, static libraries (a
# shared one leaves libFuzzer's coverage symbols undefined at its link),
# only what the fuzz targets need.
build-fuzz/build.ninja:
	CC=$(CLANG) $(MESON) setup build-fuzz -Dfuzz=enabled -Db_sanitize=address,undefined \
		-Db_lundef=false -Dbuildtype=debug -Ddefault_library=static -Dtests=false \
		-Dbenchmarks=false -Ddocs=false -Dwerror=true
build-bench/build.ninja:
	$(MESON) setup build-bench -Dbuildtype=release -Db_ndebug=true

build: build/build.ninja
	$(NINJA) -C build

test: build
	$(MESON) test -C build $(TEST_ARGS)

# Each stage runs even if an earlier one failed, so one run shows everything.
check: $(addsuffix /build.ninja,$(CHECK_DIRS))
	@rm -f $(addsuffix /meson-logs/testlog.json,$(CHECK_DIRS)); \
	status=0; \
	$(NINJA) -C build && $(MESON) test -C build $(TEST_ARGS) || status=1; \
	$(NINJA) -C build-asan && $(ASAN_ENV) $(MESON) test -C build-asan $(TEST_ARGS) --timeout-multiplier 3 || status=1; \
	$(NINJA) -C build-tsan && $(TSAN_ENV) $(MESON) test -C build-tsan $(TEST_ARGS) --suite concurrency --timeout-multiplier 4 || status=1; \
	$(NINJA) -C build-clang && $(MESON) test -C build-clang $(TEST_ARGS) --no-suite stress --no-suite model || status=1; \
	$(NINJA) -C build-fuzz && $(ASAN_ENV) $(MESON) test -C build-fuzz $(TEST_ARGS) --suite fuzz || status=1; \
	python3 scripts/test-summary.py $(CHECK_DIRS) || status=1; \
	exit $$status

LOAD_ARGS ?=
check-load:
	scripts/check-load.sh $(LOAD_ARGS)

FUZZ_SECONDS ?= 600
fuzz: build-fuzz/build.ninja
	$(NINJA) -C build-fuzz
	@status=0; for t in $$(cd fuzz && ls fuzz-*.c | sed 's/\.c$$//'); do \
		$(ASAN_ENV) fuzz/run-fuzz.sh --seconds $(FUZZ_SECONDS) build-fuzz/fuzz/$$t \
			fuzz/corpus/$$t || status=1; \
	done; exit $$status

SIM_ARGS ?=
sim: build/build.ninja
	@$(NINJA) -C build tools/dmabuf-sim >/dev/null
	build/tools/dmabuf-sim $(SIM_ARGS)

bench: build-bench/build.ninja
	$(NINJA) -C build-bench
	bench/run.sh build-bench

clean:
	rm -rf $(CHECK_DIRS) build-bench
