# Thin wrapper over CMake; see README.md. Every target that needs system packages
# installs the missing ones first (scripts/install-deps.sh).
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=

.PHONY: all deps deps-test build test test-asan test-tsan fuzz bench bench-e2e demo format lint checksrc clean

all: build

deps:
	@scripts/install-deps.sh build

deps-test:
	@scripts/install-deps.sh test

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

test: deps-test
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@scripts/checksrc.sh
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-asan: deps-test
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DLS_SANITIZE=asan -DCMAKE_C_COMPILER=clang >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j $(JOBS)

test-tsan: deps-test
	@cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DLS_SANITIZE=tsan -DCMAKE_C_COMPILER=clang >/dev/null
	@cmake --build build-tsan -j $(JOBS)
	@# test_kafka and test_daemon are left out: Debian's uninstrumented librdkafka trips an
	@# internal ThreadSanitizer CHECK (tsan_interceptors_posix.cpp:1983) in its own threads
	@# (client and mock cluster alike); both run under ASan.
	@cd build-tsan && TSAN_OPTIONS=halt_on_error=1 ctest --output-on-failure -j $(JOBS) -L unit -E 'test_kafka$$|test_daemon$$'

fuzz: deps-test
	@cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DLS_FUZZ=ON -DCMAKE_C_COMPILER=clang >/dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@echo "fuzzers in build-fuzz/tests/: run e.g. build-fuzz/tests/fuzz_parquet_reader tests/fuzz/corpus/fuzz_parquet_reader"

bench: build deps-test
	@bench/run.sh $(BUILD)

bench-e2e: build
	@bench/e2e.sh $(BUILD)

demo: build
	@$(BUILD)/lakesink demo

format:
	@clang-format -i $$(git ls-files '*.c' '*.h')

lint:
	@clang-tidy -p $(BUILD) $$(git ls-files 'src/*.c') --quiet

checksrc:
	@scripts/checksrc.sh

clean:
	@rm -rf $(BUILD) build-asan build-tsan build-fuzz
