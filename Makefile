# Thin wrappers over CMake. `make run` and `make test` are the two commands a newcomer
# needs; both install missing Debian packages first.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build run test bench clean format

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt:
	cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

# Until the server lands, `make run` scores the bundled demo offline.
run: build
	@echo "parindex: no server yet; scoring the bundled demo offline with the same engine."
	@echo "  $(BUILD_DIR)/client/parindex eval --criteria criteria/demo/set.yaml --plan criteria/demo/plan.yaml --figures criteria/demo/figures.yaml"
	@echo
	@$(BUILD_DIR)/client/parindex eval --criteria criteria/demo/set.yaml \
	  --plan criteria/demo/plan.yaml --figures criteria/demo/figures.yaml

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

bench: build
	$(BUILD_DIR)/bench/engine_bench --benchmark_min_time=1

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')

clean:
	rm -rf $(BUILD_DIR)
