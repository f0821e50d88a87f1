"""Plain ``import`` of universal binaries.

``install()`` appends a meta-path finder. ``import handlepy`` calls it. At interpreter
start, ``handlepy-startup.pth`` installs instead the stand-in of ``_hook.py``, which
imports nothing and hands over to this module only when a ``NAME.handlepy.so`` is
found. Being last on ``sys.meta_path``, the finder costs nothing
for modules the standard finders already find.

Nothing here imports ``importlib.abc`` or ``importlib.util``: they pull in dozens of
modules (``importlib.util`` a dozen, ``importlib.abc`` pathlib, tempfile, typing ...),
a cost the first universal import would pay. The import system's own modules, which
every interpreter has already loaded, give what the finder needs.
"""
import os
import sys

try:
    from _frozen_importlib import module_from_spec
    from _frozen_importlib_external import spec_from_file_location
except ImportError:  # an interpreter without the frozen bootstrap modules
    from importlib.util import module_from_spec, spec_from_file_location

UNIVERSAL_SUFFIX = ".handlepy.so"


class UniversalLoader:
    """Creates a module from a universal binary through the native loader.

    ``debug`` and ``trace`` turn debug and trace mode on (True) or off (False) for this
    module; None leaves the choice to ``HANDLEPY_DEBUG`` and ``HANDLEPY_TRACE`` (see
    docs/debug.md).
    """

    def __init__(self, fullname, path, debug=None, trace=None):
        self.name = fullname
        self.path = path
        self.debug = debug
        self.trace = trace

    def create_module(self, spec):
        from . import _loader

        try:
            return _loader.create(spec, debug=self.debug, trace=self.trace)
        except ImportError as error:
            renamed = _renamed_binary_error(spec.name, spec.origin)
            if renamed is None:
                raise
            raise renamed from error

    def exec_module(self, module):
        from . import _loader

        _loader.exec(module)

    def get_filename(self, fullname=None):
        return self.path


def _renamed_binary_error(fullname, path):
    """The error for a universal binary that defines a module of another name than the
    one its file name gives (its exported ``handlepy_abi_<name>`` says which), or None."""
    shortname = fullname.rpartition(".")[2]
    defined = _defined_modules(path)
    if not defined or shortname in defined:
        return None
    other = defined[0]
    return ImportError(
        f"{path} is the universal binary of module {other!r}, renamed: a binary keeps the "
        f"module name it was built with, so rename it back to {other}{UNIVERSAL_SUFFIX}, "
        f"or rebuild it as {shortname!r}", name=fullname, path=path)


def _defined_modules(path):
    """The NAMEs of the ``handlepy_abi_NAME`` symbols that the ELF shared object at
    ``path`` exports (empty if it is no ELF64 file with section headers)."""
    import struct

    prefix = b"handlepy_abi_"
    try:
        with open(path, "rb") as f:
            data = f.read()
        if data[:4] != b"\x7fELF" or data[4] != 2:
            return []
        order = "<" if data[5] == 1 else ">"
        shoff, = struct.unpack_from(order + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(order + "HH", data, 0x3A)
        # name, type, flags, addr, offset, size, link, info, addralign, entsize
        sections = [struct.unpack_from(order + "IIQQQQIIQQ", data, shoff + i * shentsize)
                    for i in range(shnum)]
        names = []
        for section in sections:
            if section[1] != 11:  # SHT_DYNSYM
                continue
            strings = sections[section[6]][4]
            for offset in range(section[4], section[4] + section[5], 24):
                name, _info, _other, index = struct.unpack_from(order + "IBBH", data, offset)
                start = strings + name
                symbol = data[start:data.index(b"\0", start)]
                if index != 0 and symbol.startswith(prefix):
                    names.append(symbol[len(prefix):].decode("utf-8", "replace"))
        return names
    except (OSError, struct.error, ValueError, IndexError):
        return []


class UniversalFinder:
    handlepy_finder = "package"

    def find_spec(self, fullname, path=None, target=None):
        filename = fullname.rpartition(".")[2] + UNIVERSAL_SUFFIX
        for entry in sys.path if path is None else path:
            if not isinstance(entry, str):
                continue
            candidate = os.path.join(entry or os.getcwd(), filename)
            if os.path.isfile(candidate):
                loader = UniversalLoader(fullname, candidate)
                return spec_from_file_location(fullname, candidate, loader=loader)
        return None

    def __repr__(self):
        return "<handlepy.UniversalFinder>"


def install():
    """Put handlepy's finder last on ``sys.meta_path``, once, and return it.

    ``import handlepy`` calls it, for interpreters that did not run
    ``handlepy-startup.pth`` (``python -S``, ``pip install --target``, embedded
    interpreters). The stand-in that the ``.pth`` file installs is replaced in place.
    """
    for index, finder in enumerate(sys.meta_path):
        if isinstance(finder, UniversalFinder):
            return finder
        if getattr(finder, "handlepy_finder", None) is not None:
            sys.meta_path[index] = UniversalFinder()
            return sys.meta_path[index]
    finder = UniversalFinder()
    sys.meta_path.append(finder)
    return finder


def load(fullname, path, *, debug=None, trace=None):
    """Import the universal binary at ``path`` as module ``fullname`` and return it,
    in debug and trace mode as ``debug`` and ``trace`` say (None: as the environment
    says)."""
    path = os.path.abspath(path)
    spec = spec_from_file_location(
        fullname, path, loader=UniversalLoader(fullname, path, debug, trace))
    module = module_from_spec(spec)
    sys.modules[fullname] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[fullname]
        raise
    return module
