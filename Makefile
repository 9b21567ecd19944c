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

# Until the server lands, `make run` scores the demo round offline: Hưng Yên city's
# wards and communes on the commune set, against the city's 2023 plan.
ROUND_ARGS = --criteria criteria/sets/commune-2025.yaml \
  --plan criteria/plans/hungyen-2023.yaml --figures criteria/rounds/hungyen-2023/figures.yaml

run: build
	@echo "parindex: no server yet; scoring the demo round offline with the same engine:"
	@echo "  $(BUILD_DIR)/client/parindex eval $(ROUND_ARGS)"
	@echo
	@$(BUILD_DIR)/client/parindex eval $(ROUND_ARGS)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

bench: build
	$(BUILD_DIR)/bench/engine_bench --benchmark_min_time=1
	$(BUILD_DIR)/bench/store_bench

format:
	clang-format -i $$(git ls-files '*.h' '*.cc')

clean:
	rm -rf $(BUILD_DIR)
