"""setuptools support: build handlepy extensions in either ABI.

In ``setup.py``::

    from setuptools import setup
    from handlepy.setuptools_ext import HandlepyExtension, build_ext

    setup(name="spam",
          ext_modules=[HandlepyExtension("spam", ["spam.c"])],
          cmdclass={"build_ext": build_ext})

The ABI is ``universal`` (``spam.handlepy.so``, linked against no Python library) unless
``build_ext --hpy-abi=cpython`` or the environment variable ``HANDLEPY_ABI=cpython`` says
otherwise; the variable is the way to choose through ``pip`` and other PEP 517 front ends.
Plain ``Extension`` objects in the same ``setup()`` build as usual.
"""
import os

import setuptools
from setuptools.command.build_ext import build_ext as _setuptools_build_ext

# distutils is setuptools' own copy once setuptools is imported, also where Python has none.
from distutils.errors import DistutilsOptionError
from distutils.sysconfig import get_python_inc

from . import build

ABI_ENV = "HANDLEPY_ABI"


class HandlepyExtension(setuptools.Extension):
    """An extension written against ``hpy.h``: ``build_ext`` adds handlepy's flags and
    runtime sources for the chosen ABI when it builds it."""


class build_ext(_setuptools_build_ext):
    user_options = _setuptools_build_ext.user_options + [
        ("hpy-abi=", None,
         f"ABI of the handlepy extensions: {' or '.join(build.ABIS)} "
         f"(default: ${ABI_ENV}, else universal)"),
    ]

    def initialize_options(self):
        super().initialize_options()
        self.hpy_abi = None

    def finalize_options(self):
        # setuptools names the output files while it finalizes, so the ABI comes first.
        if self.hpy_abi is None:
            self.hpy_abi = os.environ.get(ABI_ENV) or "universal"
        if self.hpy_abi not in build.ABIS:
            raise DistutilsOptionError(
                f"--hpy-abi (or ${ABI_ENV}) must be one of {', '.join(build.ABIS)}, "
                f"not {self.hpy_abi!r}")
        super().finalize_options()

    def _is_handlepy(self, name):
        """Whether ``name``, dotted or last component alone (distutils asks for both),
        names a HandlepyExtension."""
        for ext in self.extensions or self.distribution.ext_modules or ():
            if isinstance(ext, HandlepyExtension):
                fullname = self.get_ext_fullname(ext.name)
                if name in (fullname, fullname.rpartition(".")[2]):
                    return True
        return False

    def get_ext_filename(self, fullname):
        if self.hpy_abi != "cpython" and self._is_handlepy(fullname):
            return os.path.join(*fullname.split(".")) + build.ext_suffix(self.hpy_abi)
        return super().get_ext_filename(fullname)

    def get_libraries(self, ext):
        # A universal binary gets every Python service through its context, so even a
        # platform that wants libpython linked into extensions must not get it here.
        if self.hpy_abi == "universal" and isinstance(ext, HandlepyExtension):
            return list(ext.libraries)
        return super().get_libraries(ext)

    def build_extension(self, ext):
        if not isinstance(ext, HandlepyExtension):
            return super().build_extension(ext)
        # The additions last for this build only: a reinitialised build_ext (editable
        # installs make one) must not find them already there and add them twice.
        saved = ext.sources, ext.include_dirs, ext.define_macros
        saved_compiler_includes = self.compiler.include_dirs
        ext.sources = [*ext.sources, *map(str, build.sources(self.hpy_abi))]
        ext.include_dirs = [*map(str, build.include_dirs(self.hpy_abi)), *ext.include_dirs]
        ext.define_macros = [*ext.define_macros, *((d, None) for d in build.defines(self.hpy_abi))]
        if self.hpy_abi == "universal":
            # Python's headers stay out of reach, so that a universal source cannot
            # pick up a CPython-only API by accident.
            python_includes = {get_python_inc(), get_python_inc(plat_specific=True)}
            self.compiler.include_dirs = [
                d for d in saved_compiler_includes if d not in python_includes]
        folder = os.path.dirname(self.get_ext_fullpath(ext.name))
        name = ext.name.rpartition(".")[2]
        try:
            self._remove_other_abi_binary(folder, name)
            result = super().build_extension(ext)
            if self.hpy_abi != "cpython":
                # Beside the binary, so that it goes wherever the binary goes: it says
                # "install handlepy" where handlepy is missing (docs/design.md).
                build.write_stub(folder, name)
            return result
        finally:
            ext.sources, ext.include_dirs, ext.define_macros = saved
            self.compiler.include_dirs = saved_compiler_includes

    def run(self):
        super().run()
        if self.inplace:
            build_py = self.get_finalized_command("build_py")
            for ext in self.extensions:
                if isinstance(ext, HandlepyExtension):
                    package, _, name = self.get_ext_fullname(ext.name).rpartition(".")
                    self._remove_other_abi_binary(build_py.get_package_dir(package), name)

    def get_outputs(self):
        outputs = super().get_outputs()
        if self.hpy_abi != "cpython":
            for ext in self.extensions:
                if isinstance(ext, HandlepyExtension):
                    binary = self.get_ext_fullpath(ext.name)
                    outputs.append(os.path.join(os.path.dirname(binary),
                                                ext.name.rpartition(".")[2] + ".py"))
        return outputs

    def _remove_other_abi_binary(self, folder, name):
        # A binary left from a build in the other ABI would otherwise go into the wheel
        # too, or shadow this one in place: CPython imports its own suffix first.
        mine = build.ext_suffix(self.hpy_abi)
        for suffix in {build.ext_suffix(abi) for abi in build.ABIS} - {mine}:
            other = os.path.join(folder, name + suffix)
            if os.path.exists(other):
                os.remove(other)
        stub = os.path.join(folder, name + ".py")
        if self.hpy_abi == "cpython" and os.path.exists(stub):
            with open(stub, errors="replace") as f:
                if f.read(len(build.STUB_MARK)) == build.STUB_MARK:
                    os.remove(stub)
