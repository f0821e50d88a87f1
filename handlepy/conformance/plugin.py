"""pytest plugin: the ``hpy`` fixture, one run per ABI this interpreter supports.

Universal binaries run everywhere; the CPython backend only where the host is CPython.
``HANDLEPY_ABIS`` (comma-separated) narrows the list.
"""
import os
import platform

import pytest

from .compiler import ExtensionCompiler


def supported_abis():
    abis = ["cpython", "universal"] if platform.python_implementation() == "CPython" else ["universal"]
    wanted = os.environ.get("HANDLEPY_ABIS")
    if wanted:
        abis = [a for a in abis if a in wanted.split(",")]
    return abis


_compilers = {}


@pytest.fixture(params=supported_abis())
def hpy(request):
    """An ExtensionCompiler for the ABI of this run; ``hpy.make_module(src)`` imports."""
    abi = request.param
    if abi not in _compilers:
        _compilers[abi] = ExtensionCompiler(abi)
    return _compilers[abi]
