# The two commands of the README's quick start are `make run` and `make test`.
# Everything else here is a convenience for developers.
BUILD      ?= build
BUILD_ASAN ?= build-asan
BUILD_FUZZ ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
FUZZ_RUNS    ?= -1
JOBS       ?= $(shell nproc)
CMAKE_ARGS ?=

.PHONY: setup configure build run test test-unit test-asan fuzz bench format clean package

setup:
	@./scripts/setup.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_ARGS)

configure: setup $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/upgate serve

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

test-unit: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS) -L unit

# The unit suites once more, built with AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan: setup
	cmake -S . -B $(BUILD_ASAN) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DUPGATE_SANITIZE=ON -DUPGATE_UNIT_ONLY=ON
	cmake --build $(BUILD_ASAN) -j $(JOBS)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  ctest --test-dir $(BUILD_ASAN) --output-on-failure -j $(JOBS) -L unit

# The fuzz targets of fuzz/ (docs/FUZZING.md): built with clang, libFuzzer and ASan+UBSan in
# their own tree, then each run for FUZZ_SECONDS (all, or those named in FUZZ_TARGETS), one
# at a time under nice (FUZZ_RUNS=N: also stop each after N executions); prints executions
# and crashes per target.
fuzz: setup
	cmake -S . -B $(BUILD_FUZZ) -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DUPGATE_FUZZ=ON
	cmake --build $(BUILD_FUZZ) --target fuzzers -j $(JOBS)
	FUZZ_RUNS=$(FUZZ_RUNS) ./scripts/fuzz.sh $(BUILD_FUZZ) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# The Debian package (CPack): build/upgate_VERSION_ARCH.deb.
package: build
	cmake --build $(BUILD) --target package

bench: setup
	./bench/run.sh

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(BUILD_ASAN) $(BUILD_FUZZ)
