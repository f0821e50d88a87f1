"""The backend conformance suite and the harness that runs it.

``python -m handlepy.conformance`` runs the whole suite against the handlepy installed
in the running interpreter; see docs/conformance.md.
"""
from .compiler import ExtensionCompiler, expand_source

__all__ = ["ExtensionCompiler", "expand_source"]
