# Thin wrappers over CMake. `make run` and `make test` are the two commands a newcomer
# needs; both install missing Debian packages first.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build run eval test test-model test-asan test-tsan fuzz bench clean format

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

# `make run` starts the service on an embedded SQLite file (created and loaded with the
# bundled criteria sets, plans, the demo round and the province demo of 104 units on
# first use) and prints where to connect, a token per role and example calls. Ctrl-C
# stops it.
DB ?= parindex.db
LISTEN ?= 127.0.0.1:50051
HTTP ?= 127.0.0.1:8080
run: build
	$(BUILD_DIR)/server/parindex-server serve --db $(DB) --listen $(LISTEN) --http $(HTTP) --demo criteria \
	  --demo-province

# The offline evaluation of the demo round (no server).
ROUND_ARGS = --criteria criteria/sets/commune-2025.yaml \
  --plan criteria/plans/hungyen-2023.yaml --figures criteria/rounds/hungyen-2023/figures.yaml
eval: build
	$(BUILD_DIR)/client/parindex eval $(ROUND_ARGS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

# The model-based walk of tests/model_test.cc (in `make test` with a fixed seed and a
# short walk) with another seed and length: `make test-model SEED=7 STEPS=20000`.
SEED ?= 1
STEPS ?= 20000
test-model: build
	MODEL_SEED=$(SEED) MODEL_STEPS=$(STEPS) $(BUILD_DIR)/tests/model_test

# Sanitizers, each in its own build directory. ASan + UBSan run every test; TSan runs
# the store's and the service's tests (the concurrent parts). Debian's gRPC and SQLite
# are not instrumented: TSan sees only our code's accesses.
ASAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
# -U__SANITIZE_THREAD__: our code is instrumented, but the headers must lay objects out
# as Debian's uninstrumented libraries were built (protobuf's MapFieldBase grows two
# members under TSan, and reflection over a map field, which CheckRequest does, then
# reads libprotobuf's layout of an object our code built: a crash, not a race).
TSAN = -fsanitize=thread -fno-omit-frame-pointer -U__SANITIZE_THREAD__
test-asan: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="$(ASAN)" \
	  -DCMAKE_C_FLAGS="$(ASAN)" -DCMAKE_EXE_LINKER_FLAGS="$(ASAN)"
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)
test-tsan: deps
	cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS="$(TSAN)" \
	  -DCMAKE_C_FLAGS="$(TSAN)" -DCMAKE_EXE_LINKER_FLAGS="$(TSAN)"
	cmake --build build-tsan -j $(JOBS) --target store_test store_crash_test service_test
	cd build-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	  ctest --output-on-failure -j $(JOBS) -R '^(Store|StoreCrash|Service)'

# libFuzzer (Debian's clang) on the YAML readers, the due-phrase parser and the figure
# validator, FUZZ_SECONDS each, from seeds: the bundled YAML files and the seed plans'
# due phrases. A crash stops it and leaves the input in build-fuzz/.
FUZZ_SECONDS ?= 60
FUZZ_FLAGS = -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer
fuzz: deps
	cmake -S . -B build-fuzz -DPARINDEX_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
	  -DCMAKE_CXX_FLAGS="$(FUZZ_FLAGS)" -DCMAKE_C_FLAGS="$(FUZZ_FLAGS)"
	cmake --build build-fuzz -j $(JOBS) --target yaml_fuzz due_phrase_fuzz figures_fuzz
	mkdir -p build-fuzz/corpus/yaml build-fuzz/corpus/due_phrase build-fuzz/corpus/figures
	cp criteria/sets/*.yaml criteria/plans/*.yaml criteria/demo/*.yaml build-fuzz/corpus/yaml/
	cp fuzz/due_phrases/* build-fuzz/corpus/due_phrase/
	cd build-fuzz && for t in yaml due_phrase figures; do \
	  ./fuzz/$${t}_fuzz -max_total_time=$(FUZZ_SECONDS) -rss_limit_mb=4096 -print_final_stats=1 \
	    corpus/$$t || exit 1; done

bench: build
	$(BUILD_DIR)/bench/engine_bench --benchmark_min_time=1
	$(BUILD_DIR)/bench/store_bench
	$(BUILD_DIR)/bench/server_bench $(BUILD_DIR)/server/parindex-server criteria 5 64
	$(BUILD_DIR)/bench/report_bench criteria 3300
	$(BUILD_DIR)/bench/account_bench --benchmark_min_time=0.5

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')

clean:
	rm -rf $(BUILD_DIR) build-asan build-tsan build-fuzz
