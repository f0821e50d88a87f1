"""handlepy's import hook at interpreter start: a stand-in finder for universal binaries.

``handlepy-startup.pth`` runs this file's cached bytecode in a namespace of its own
rather than importing it, so that interpreter start adds no module to ``sys.modules``
and no compilation (see docs/design.md). It imports only modules every interpreter has
imported by then, and hands over to ``handlepy._finder`` the first time a
``NAME.handlepy.so`` is really there.
"""
import os
import sys


# site can read a .pth file twice (CPython 3.11 and PyPy 3.9 do in a venv), and the
# .pth line's check sees only the last finder: one finder only, and the class is made
# only when needed.
if not any(hasattr(finder, "handlepy_finder") for finder in sys.meta_path):

    class UniversalFinder:
        __slots__ = ()
        # handlepy._finder.install() recognises, and replaces, a finder by this attribute.
        handlepy_finder = "startup"

        def find_spec(self, fullname, path=None, target=None):
            filename = fullname.rpartition(".")[2] + ".handlepy.so"
            for entry in sys.path if path is None else path:
                if isinstance(entry, str) and os.path.isfile(os.path.join(entry, filename)):
                    from handlepy._finder import install

                    return install().find_spec(fullname, path, target)
            return None

        def __repr__(self):
            return "<handlepy.UniversalFinder>"

    sys.meta_path.append(UniversalFinder())
