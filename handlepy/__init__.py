"""handlepy: an HPy-style handle API for Python extensions.

One C source builds either a universal binary (``*.handlepy.so``, loaded by this
package on any supported interpreter with a plain ``import``) or a CPython-backend
extension that imports like any C extension.

Importing the package installs the import hook (``install()``), for interpreters that
did not run ``handlepy-startup.pth``: ``python -S``, ``pip install --target`` with
``PYTHONPATH``, embedded interpreters.

PYTEST_DONT_REWRITE: the package can be imported before pytest loads its plugin (by a
universal import, or by another plugin), too early to be rewritten.
"""
from ._finder import UNIVERSAL_SUFFIX, UniversalLoader, install, load

install()

__version__ = "0.1.0"
__all__ = ["UNIVERSAL_SUFFIX", "UniversalLoader", "install", "load", "abi_version"]


def abi_version():
    """The (major, minor) universal ABI version of this interpreter's loader."""
    from . import _loader

    return _loader.abi_version()
