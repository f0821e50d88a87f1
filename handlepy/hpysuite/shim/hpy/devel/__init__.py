"""``hpy.devel`` for HPy's test suite: builds ``dist.hpy_ext_modules`` with handlepy.

HPy's test support makes a distutils ``Distribution`` per test module, sets
``hpy_ext_modules`` and ``hpy_abi`` on it, calls ``HPyDevel().fix_distribution(dist)``
and runs ``build_ext``. Here ``build_ext`` compiles through ``handlepy.build`` into a
content-addressed cache, so that the runtime is compiled once, not once per test, and
a universal binary built under CPython is found again under PyPy
(``HANDLEPY_REQUIRE_CACHED=1`` forbids building there).
"""
import os
import sys
import tempfile
from pathlib import Path

from distutils.core import Command
from distutils.errors import CompileError

from handlepy import build
from handlepy.setuptools_ext import HPY_MESSAGES_DEFINE

# The flags setuptools gives every extension on CPython, less the optimisation and the
# defines, which HPy's tests choose themselves: a fixed list, so that the cache key
# does not depend on the interpreter that builds.
BASE_CFLAGS = ["-fPIC", "-fwrapv", "-Wall", "-Wsign-compare", "-fvisibility=hidden",
               # HPy's sources get HPy's messages, as through handlepy's setuptools route.
               f"-D{HPY_MESSAGES_DEFINE}"]
ABIS = {"universal": "universal", "debug": "universal", "trace": "universal",
        "cpython": "cpython", "hybrid": "hybrid"}


def cache_dir():
    return Path(os.environ.get("HANDLEPY_HPY_CACHE") or
                Path.home() / ".cache" / "handlepy" / "hpy-suite-builds")


class HPyDevel:
    def __init__(self, base_dir=None):
        self.base_dir = Path(build.PACKAGE_DIR)
        self.include_dir = self.base_dir / "include"

    def get_extra_include_dirs(self):
        return [str(d) for d in build.include_dirs("universal")]

    def get_extra_sources(self):
        return [str(s) for s in build.sources("universal")]

    def fix_distribution(self, dist):
        dist.cmdclass["build_ext"] = build_hpy_ext


class build_hpy_ext(Command):
    description = "build handlepy extensions (hpy_ext_modules) for HPy's test suite"
    user_options = [("build-lib=", "b", "where to put the modules"),
                    ("hpy-abi=", None, "the ABI: cpython, universal or hybrid")]

    def initialize_options(self):
        self.build_lib = None
        self.build_temp = None
        self.hpy_abi = None
        self.debug = None
        self.force = None
        self._outputs = []

    def finalize_options(self):
        self.hpy_abi = self.hpy_abi or getattr(self.distribution, "hpy_abi", None) or "universal"
        if self.hpy_abi not in ABIS:
            raise CompileError(f"unknown hpy_abi {self.hpy_abi!r}")
        self.build_lib = self.build_lib or "build"

    def run(self):
        abi = ABIS[self.hpy_abi]
        require_cached = os.environ.get("HANDLEPY_REQUIRE_CACHED") == "1"
        for ext in getattr(self.distribution, "hpy_ext_modules", None) or []:
            flags = [*BASE_CFLAGS, *(f"-I{d}" for d in ext.include_dirs or ()),
                     *(f"-D{k}" if v is None else f"-D{k}={v}"
                       for k, v in ext.define_macros or ()),
                     *ext.extra_compile_args]
            files = [os.path.abspath(s) for s in ext.sources]
            try:
                built = build.build_cached(ext.name, files, abi, cache_dir(), flags=flags,
                                           require_cached=require_cached)
            except build.BuildError as e:
                if require_cached:
                    # A source the compiler refuses is refused by any interpreter's run
                    # (HPy's tests of compile-time errors): compile it here, aside, to
                    # report that; a binary that builds is still only loaded from the
                    # cache.
                    self._compile_aside(ext.name, files, abi, flags)
                self._report(e)
            out = build.copy_into_place(built, Path(self.build_lib) / built.name)
            self._outputs.append(str(out))

    @staticmethod
    def _report(error):
        # HPy's tests look for the compiler's message in the captured stderr.
        sys.stderr.write(str(error))
        errors = [line for line in str(error).splitlines() if "error:" in line]
        raise CompileError((errors or [str(error)])[0]) from None

    def _compile_aside(self, name, files, abi, flags):
        with tempfile.TemporaryDirectory() as tmp:
            try:
                build.build_cached(name, files, abi, tmp, flags=flags, require_cached=False)
            except build.BuildError as e:
                self._report(e)

    def get_outputs(self):
        return list(self._outputs)
