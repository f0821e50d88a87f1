"""Runs HPy 0.9's own test suite, its files unchanged, against handlepy.

HPy's tests reach their implementation through a few Python modules (``hpy.devel`` to
build, ``hpy.universal`` to load, ``hpy.debug`` and ``hpy.trace`` for the modes). The
folder ``shim/`` holds handlepy's versions of those, written on handlepy's own API. It
is put on ``sys.path`` for the run only: the name ``hpy`` belongs to HPy, and PyPy's
standard library ships a package of that name.
"""
from pathlib import Path

SHIM_DIR = Path(__file__).resolve().parent / "shim"
HPY_VERSION = "0.9.0"
