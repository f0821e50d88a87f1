"""handlepy: an HPy-style handle API for Python extensions.

One C source builds either a universal binary (``*.handlepy.so``, loaded by this
package on any supported interpreter with a plain ``import``) or a CPython-backend
extension that imports like any C extension.

PYTEST_DONT_REWRITE: the package is imported at interpreter start-up (for its import
hook), before pytest, which loads its plugin, could rewrite it.
"""
from ._finder import UNIVERSAL_SUFFIX, UniversalLoader, install, load

__version__ = "0.1.0"
__all__ = ["UNIVERSAL_SUFFIX", "UniversalLoader", "install", "load", "abi_version"]


def abi_version():
    """The (major, minor) universal ABI version of this interpreter's loader."""
    from . import _loader

    return _loader.abi_version()
