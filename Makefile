# The two Quick-start commands are `make demo` and `make test`; each sets up what it needs.
PYTHON ?= python3
VENV := .venv
PYPY_VENV := .venv-pypy
TEST_PACKAGES := pytest pytest-xdist hypothesis meson meson-python ninja setuptools wheel
export HANDLEPY_CONFORMANCE_CACHE := $(CURDIR)/build/conformance-cache

.PHONY: demo test test-cpython test-pypy venv pypy-venv generate clean

demo: venv pypy-venv
	$(VENV)/bin/python samples/demo.py --interpreter $(VENV)/bin/python --interpreter $(PYPY_VENV)/bin/python

test: test-cpython test-pypy

# The CPython run builds every conformance module; the PyPy run must find each of them
# in the cache, so PyPy runs the very binaries built here. The sample tests find the
# universal binaries CPython built in build/samples the same way (a C-API module they
# compare against is built for PyPy itself).
test-cpython: venv
	$(VENV)/bin/pytest tests -n 2 -v -p no:cacheprovider

test-pypy: pypy-venv test-cpython
	HANDLEPY_REQUIRE_CACHED=1 $(PYPY_VENV)/bin/python -m handlepy.conformance -v
	HANDLEPY_REQUIRE_CACHED=1 HANDLEPY_ABIS=universal $(PYPY_VENV)/bin/pytest tests/samples -v -p no:cacheprovider

venv:
	scripts/ensure-apt libffi-dev pkg-config
	scripts/make-venv $(PYTHON) $(VENV) $(TEST_PACKAGES)

pypy-venv:
	scripts/ensure-apt pypy3 pypy3-dev pypy3-venv libffi-dev pkg-config
	scripts/make-venv pypy3 $(PYPY_VENV) pytest hypothesis

generate:
	$(PYTHON) api/generate.py

# Micro benchmarks: writes bench/results/<date>.md and .png (see docs/performance.md).
BENCH_PACKAGES := hpy==0.9.0 matplotlib setuptools

.PHONY: bench
bench: venv
	scripts/ensure-apt valgrind
	$(VENV)/bin/python -m pip install -q $(BENCH_PACKAGES)
	$(VENV)/bin/python bench/run.py

clean:
	rm -rf build $(VENV) $(PYPY_VENV)
