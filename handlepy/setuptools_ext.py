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

An HPy project's unchanged ``setup.py`` (``setup(hpy_ext_modules=[...])``) builds with
this ``build_ext`` too: handlepy registers the ``hpy_ext_modules`` keyword, handled by
:func:`hpy_ext_modules_keyword`, and HPy's global option ``setup.py --hpy-abi=``.
"""
import os
import sys

import setuptools
from setuptools.command.build_ext import build_ext as _setuptools_build_ext

# distutils is setuptools' own copy once setuptools is imported, also where Python has none.
from distutils.errors import DistutilsOptionError
from distutils.sysconfig import get_python_inc

from . import build

ABI_ENV = "HANDLEPY_ABI"
# Where HPy is installed too, it registers the same keyword; handlepy builds the
# project's hpy_ext_modules only when this variable is 1.
TAKE_OVER_ENV = "HANDLEPY_BUILD_HPY_EXT_MODULES"
# Defined for the hpy_ext_modules: an HPy project's argument parsers and HPy_BuildValue
# then raise HPy 0.9's messages, which its tests and users know (include/handlepy/helpers.h).
HPY_MESSAGES_DEFINE = "HANDLEPY_HPY_MESSAGES"
# HPy's default for hpy_ext_modules, kept so that an HPy project builds in the ABI its
# documentation promises: the CPython ABI on CPython, universal elsewhere.
HPY_DEFAULT_ABI = "cpython" if sys.implementation.name == "cpython" else "universal"


def _is_handlepy_ext(ext):
    return isinstance(ext, HandlepyExtension) or getattr(ext, "_handlepy_hpy_ext", False)


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
        dist = self.distribution
        if self.hpy_abi is None:
            # HPy's global option (setup.py --hpy-abi=) and the code that sets
            # dist.hpy_abi store it on the distribution itself.
            self.hpy_abi = (vars(dist).get("hpy_abi") or os.environ.get(ABI_ENV) or
                            (HPY_DEFAULT_ABI if getattr(dist, "_handlepy_hpy_ext_modules", None)
                             else "universal"))
        if self.hpy_abi not in build.ABIS:
            raise DistutilsOptionError(
                f"--hpy-abi (or ${ABI_ENV}) must be one of {', '.join(build.ABIS)}, "
                f"not {self.hpy_abi!r}")
        if getattr(dist, "_handlepy_hpy_ext_modules", None):
            # What HPy's build code and an HPy project's setup.py read.
            dist.hpy_abi = self.hpy_abi
        super().finalize_options()

    def _is_handlepy(self, name):
        """Whether ``name``, dotted or last component alone (distutils asks for both),
        names a HandlepyExtension."""
        for ext in self.extensions or self.distribution.ext_modules or ():
            if _is_handlepy_ext(ext):
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
        if self.hpy_abi == "universal" and _is_handlepy_ext(ext):
            return list(ext.libraries)
        return super().get_libraries(ext)

    def build_extension(self, ext):
        if not _is_handlepy_ext(ext):
            return super().build_extension(ext)
        # The additions last for this build only: a reinitialised build_ext (editable
        # installs make one) must not find them already there and add them twice.
        saved = ext.sources, ext.include_dirs, ext.define_macros, ext.extra_compile_args
        saved_compiler_includes = self.compiler.include_dirs
        ext.sources = [*ext.sources, *map(str, build.sources(self.hpy_abi))]
        ext.include_dirs = [*map(str, build.include_dirs(self.hpy_abi)), *ext.include_dirs]
        ext.define_macros = [*ext.define_macros, *((d, None) for d in build.defines(self.hpy_abi))]
        if getattr(ext, "_handlepy_hpy_ext", False):
            ext.define_macros.append((HPY_MESSAGES_DEFINE, None))
        ext.extra_compile_args = [*self._universal_compile_args(ext), *ext.extra_compile_args]
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
            ext.sources, ext.include_dirs, ext.define_macros, ext.extra_compile_args = saved
            self.compiler.include_dirs = saved_compiler_includes

    def _universal_compile_args(self, ext):
        """Flags for a binary the handlepy loader imports (universal or hybrid ABI)."""
        if self.hpy_abi == "cpython":
            return []
        # The loader needs only the symbols HPy_MODINIT exports (handlepy_init_NAME and
        # the ABI's); the rest stay local, as in Meson's recipe.
        args = ["-fvisibility=hidden"]
        # Debug mode reports file:line from the binary's line tables. The interpreter's
        # flags decide (CPython's have -g, PyPy's none); where no -g option is given,
        # line tables alone, which cost little space.
        given = [*getattr(self.compiler, "compiler_so", []), *ext.extra_compile_args]
        if not any(flag.startswith("-g") for flag in given):
            args.append("-g1")
        return args

    def run(self):
        super().run()
        if self.inplace:
            build_py = self.get_finalized_command("build_py")
            for ext in self.extensions:
                if _is_handlepy_ext(ext):
                    package, _, name = self.get_ext_fullname(ext.name).rpartition(".")
                    self._remove_other_abi_binary(build_py.get_package_dir(package), name)

    def _inplace_stubs(self):
        """(built, in place) paths of the loader stub of each handlepy extension."""
        if self.hpy_abi == "cpython":
            return
        build_py = self.get_finalized_command("build_py")
        for ext in self.extensions:
            if _is_handlepy_ext(ext):
                inplace_file, regular_file = self._get_inplace_equivalent(build_py, ext)
                stub = ext.name.rpartition(".")[2] + ".py"
                yield (os.path.join(os.path.dirname(regular_file), stub),
                       os.path.join(os.path.dirname(inplace_file), stub))

    def copy_extensions_to_source(self):
        # setuptools copies the binaries only. An editable install's finder knows only
        # the interpreter's suffixes, not .handlepy.so, and finds a top-level module
        # by its stub alone (docs/building.md, "Editable installs").
        super().copy_extensions_to_source()
        for built, inplace in self._inplace_stubs():
            if os.path.exists(built):
                build.write_stub(os.path.dirname(inplace),
                                 os.path.basename(inplace)[:-len(".py")])

    def _get_output_mapping(self):
        # What an editable install in strict mode links to (setuptools' own method).
        yield from super()._get_output_mapping()
        if self.inplace:
            yield from self._inplace_stubs()

    def get_outputs(self):
        outputs = super().get_outputs()
        if self.hpy_abi != "cpython":
            for ext in self.extensions:
                if _is_handlepy_ext(ext):
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


def _other_hpy_ext_modules_providers():
    """Distributions other than handlepy (HPy itself) that register the keyword."""
    from importlib import metadata
    found = []
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower()
        if name != "handlepy" and any(
                ep.group == "distutils.setup_keywords" and ep.name == "hpy_ext_modules"
                for ep in dist.entry_points):
            found.append((dist.metadata["Name"], str(dist.locate_file(""))))
    return found


def hpy_ext_modules_keyword(dist, attr, value):
    """setuptools calls this for ``setup(hpy_ext_modules=[...])`` (the entry point of
    group ``distutils.setup_keywords``): the extensions, plain ``Extension`` objects,
    join ``dist.ext_modules`` and build through :class:`build_ext` in the ABI that
    ``setup.py --hpy-abi=``, ``build_ext --hpy-abi=``, ``$HANDLEPY_ABI`` or HPy's default
    chooses.

    Where HPy is installed as well, setuptools calls HPy's hook too, in an order of its
    own; handlepy then steps aside, saying so, unless ``$HANDLEPY_BUILD_HPY_EXT_MODULES``
    is 1.
    """
    if getattr(dist, "_handlepy_hpy_ext_modules", None) is not None:
        return
    providers = _other_hpy_ext_modules_providers()
    others = [name for name, _ in providers]
    if others:
        if os.environ.get(TAKE_OVER_ENV) != "1":
            print(f"handlepy: {', '.join(others)} is installed and builds hpy_ext_modules; "
                  f"set {TAKE_OVER_ENV}=1 to build them with handlepy", file=sys.stderr)
            if any(f"{os.sep}.eggs{os.sep}" in where for _, where in providers):
                print("handlepy: setuptools fetched it into .eggs for setup_requires; "
                      "`python -m handlepy.hpy_setup` or `pip install --no-build-isolation` "
                      "builds without fetching it (docs/building.md)", file=sys.stderr)
            return
        print(f"handlepy: builds hpy_ext_modules ({TAKE_OVER_ENV}=1), not "
              f"{', '.join(others)}", file=sys.stderr)
    exts = list(value)
    for ext in exts:
        ext._handlepy_hpy_ext = True
    dist._handlepy_hpy_ext_modules = exts
    # HPy 0.9's own hook does nothing for a distribution that has this attribute
    # (earlier versions, such as PyPy's, have no such check).
    dist.hpydevel = "handlepy"
    dist.ext_modules = [*(dist.ext_modules or []), *exts]
    if not any(opt[0] == "hpy-abi=" for opt in dist.global_options):
        dist.global_options = [*dist.global_options, (
            "hpy-abi=", None, f"ABI of the hpy_ext_modules: {' or '.join(build.ABIS)} "
            f"(default: ${ABI_ENV}, else {HPY_DEFAULT_ABI})")]
    # HPy's own hook may run after this one and put its build_ext into dist.cmdclass
    # (PyPy's bundled HPy does so whatever the distribution holds): the command class
    # is chosen when the command is made instead.
    choose = dist.get_command_class

    def get_command_class(command):
        if command == "build_ext":
            return _handlepy_build_ext(dist.cmdclass.get("build_ext"))
        return choose(command)

    dist.get_command_class = get_command_class


def _handlepy_build_ext(current):
    """handlepy's build_ext over the project's own (a setuptools one, as HPy requires),
    which keeps its behaviour."""
    # HPy's hook puts a mix-in over the project's build_ext; HPy 0.9 calls the latter
    # _mixin_super, earlier versions (PyPy's) _base_build_ext.
    while current is not None:
        inner = vars(current).get("_mixin_super") or vars(current).get("_base_build_ext")
        if inner is None:
            break
        current = inner
    if current is None or issubclass(build_ext, current):
        return build_ext
    if issubclass(current, build_ext):
        return current
    combined = _combined.get(current)
    if combined is None:
        combined = _combined[current] = type(f"{current.__name__}_handlepy",
                                             (build_ext, current), {})
    return combined


_combined = {}
