"""pytest plugin: the ``hpy`` fixture, one run per ABI this interpreter supports.

Universal binaries run everywhere; the CPython backend only where the host is CPython.
``HANDLEPY_ABIS`` (comma-separated) narrows the list.
"""
import os
import platform

import pytest

from .compiler import ExtensionCompiler


def supported_abis():
    abis = (["cpython", "universal"] if platform.python_implementation() == "CPython"
            else ["universal"])
    wanted = os.environ.get("HANDLEPY_ABIS")
    if wanted:
        abis = [a for a in abis if a in wanted.split(",")]
    return abis


_compilers = {}


HPY_UNDEFINED_MARKER = ("hpy_undefined: the test checks handlepy's answer to a call whose "
                        "result HPy leaves undefined; debug mode reports such calls, and "
                        "logs them rather than aborting during this test")


@pytest.hookimpl(wrapper=True)
def run_allowing_hpy_undefined(item):
    """pytest_runtest_call for the suite's conftest."""
    if item.get_closest_marker("hpy_undefined") is None:
        return (yield)
    import handlepy.debug

    previous = handlepy.debug.set_on_error("log")
    try:
        return (yield)
    finally:
        handlepy.debug.set_on_error(previous)


def _compiler(abi):
    if abi not in _compilers:
        _compilers[abi] = ExtensionCompiler(abi)
    return _compilers[abi]


@pytest.fixture(params=supported_abis())
def hpy(request):
    """An ExtensionCompiler for the ABI of this run; ``hpy.make_module(src)`` imports."""
    return _compiler(request.param)


@pytest.fixture(params=["cpython", "hybrid"])
def hpy_legacy(request):
    """The ABIs in which a module may mix handles and the C API."""
    if platform.python_implementation() != "CPython":
        pytest.skip("hybrid and CPython-ABI binaries are built per interpreter; this "
                    "suite's runs off CPython use only the universal binaries it built")
    if "cpython" not in supported_abis():
        pytest.skip("hybrid binaries, like CPython-ABI ones, are built per interpreter: "
                    "they run with the CPython ABI, which HANDLEPY_ABIS leaves out")
    return _compiler(request.param)
