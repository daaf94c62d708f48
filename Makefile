# A thin front for CMake + Ninja.  The real build lives in CMakeLists.txt.
#   make run      set up, build (release), start the main program
#   make test     set up, build (debug: ASan+UBSan; TSan for thread tests), run every test
#   make bench    build (release) and run ../shared/bench with eddy's own lists
#   make install  PREFIX=/usr/local
JOBS    ?= $(shell nproc 2>/dev/null || echo 2)
PREFIX  ?= /usr/local
BUILD   ?= build
CMAKE   := cmake -G Ninja -Wno-dev
SHARED  ?= ../shared

.PHONY: all deps release debug tsan run test bench install format clean

all: release

deps:
	@scripts/install-deps.sh

release: deps
	@$(CMAKE) -S . -B $(BUILD)/release -DCMAKE_BUILD_TYPE=Release -DEDDY_WERROR=ON >/dev/null
	@cmake --build $(BUILD)/release -j $(JOBS)

debug: deps
	@$(CMAKE) -S . -B $(BUILD)/debug -DCMAKE_BUILD_TYPE=Debug -DEDDY_SANITIZE=address,undefined \
	    -DEDDY_WERROR=ON -DEDDY_BUILD_TESTS=ON -DEDDY_BUILD_FUZZ=ON >/dev/null
	@cmake --build $(BUILD)/debug -j $(JOBS)

tsan: deps
	@$(CMAKE) -S . -B $(BUILD)/tsan -DCMAKE_BUILD_TYPE=Debug -DEDDY_SANITIZE=thread \
	    -DEDDY_WERROR=ON -DEDDY_BUILD_TESTS=ON -DEDDY_TESTS_ONLY_LABEL=threads >/dev/null
	@cmake --build $(BUILD)/tsan -j $(JOBS)

# The main job: until the web server exists, the echo service under the eddy runner.
run: release
	@echo "eddy: starting 'eddy echo --listen tcp:8000'. Talk to it from another terminal:"
	@echo "eddy:     socat - TCP:127.0.0.1:8000    (or: nc 127.0.0.1 8000)"
	@echo "eddy: every line you type comes back. Ctrl-C stops the server cleanly."
	$(BUILD)/release/cli/eddy echo --listen tcp:8000

test: debug tsan release
	@cd $(BUILD)/tsan && ctest --output-on-failure -j $(JOBS) -L threads
	@cd $(BUILD)/release && ctest --output-on-failure -L 'install|soak'
	@cd $(BUILD)/debug && ctest --output-on-failure -j $(JOBS)

bench: release
	@scripts/install-deps.sh --bench
	SERVERS=bench/servers.txt HTTP_SERVERS=bench/http_servers.txt TIMERS=bench/timers.txt \
	    BENCH_OUT=$${BENCH_OUT:-$(CURDIR)/$(BUILD)/bench} $(SHARED)/bench/run.sh

install: release
	cmake --install $(BUILD)/release --prefix $(PREFIX)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD)
