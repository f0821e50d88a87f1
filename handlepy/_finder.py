"""Plain ``import`` of universal binaries.

``install()`` appends a meta-path finder; ``handlepy-startup.pth`` calls it when the
interpreter starts. Being last on ``sys.meta_path``, the finder costs nothing for
modules the standard finders already find.
"""
import importlib.abc
import importlib.util
import os
import sys

UNIVERSAL_SUFFIX = ".handlepy.so"


class UniversalLoader(importlib.abc.Loader):
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

        return _loader.create(spec, debug=self.debug, trace=self.trace)

    def exec_module(self, module):
        from . import _loader

        _loader.exec(module)

    def get_filename(self, fullname=None):
        return self.path


class UniversalFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        filename = fullname.rpartition(".")[2] + UNIVERSAL_SUFFIX
        for entry in sys.path if path is None else path:
            if not isinstance(entry, str):
                continue
            candidate = os.path.join(entry or os.getcwd(), filename)
            if os.path.isfile(candidate):
                loader = UniversalLoader(fullname, candidate)
                return importlib.util.spec_from_file_location(fullname, candidate, loader=loader)
        return None

    def __repr__(self):
        return "<handlepy.UniversalFinder>"


def install():
    """Register the finder once; returns it."""
    for finder in sys.meta_path:
        if isinstance(finder, UniversalFinder):
            return finder
    finder = UniversalFinder()
    sys.meta_path.append(finder)
    return finder


def load(fullname, path, *, debug=None, trace=None):
    """Import the universal binary at ``path`` as module ``fullname`` and return it,
    in debug and trace mode as ``debug`` and ``trace`` say (None: as the environment
    says)."""
    path = os.path.abspath(path)
    spec = importlib.util.spec_from_file_location(
        fullname, path, loader=UniversalLoader(fullname, path, debug, trace))
    module = importlib.util.module_from_spec(spec)
    sys.modules[fullname] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[fullname]
        raise
    return module
