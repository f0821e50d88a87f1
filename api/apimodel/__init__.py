"""The parsed API model that every emitter reads (api/README.md).

`load()` parses api/*.api and lays the context out by api/abi.lock. Standard library
only: this runs at development time on whatever Python builds the project.
"""
from dataclasses import dataclass
from pathlib import Path

from .abi import Lock, abi_release, layout, project_version, read_lock, write_lock
from .cformat import (UNBOUND_SIGS, banner, c_file, c_header, convert, decl, host_reads,
                      pointer_to, store_result)
from .declarations import (API_DIR, FILES, INTEGER_TYPES, ApiError, Entry, Param,
                           load_entries, parse_entry)

__all__ = [
    "abi_release", "project_version",
    "API_DIR", "FILES", "INTEGER_TYPES", "UNBOUND_SIGS", "Api", "ApiError", "Entry", "Lock",
    "Param", "banner", "c_file", "c_header", "convert", "decl", "host_reads", "layout",
    "load", "load_entries", "parse_entry", "pointer_to", "read_lock", "store_result",
    "write_lock",
]


@dataclass
class Api:
    entries: list  # every entry, in declaration order
    context: list  # the context's entries (handles and functions), in slot order
    major: int
    minor: int
    api_dir: Path = API_DIR

    @property
    def funcs(self):
        """The context's functions, in slot order."""
        return [e for e in self.context if e.kind == "func"]

    @property
    def handles(self):
        return [e for e in self.context if e.kind == "handle"]

    @property
    def fields(self):
        """The context's plain values (set once, like the handles)."""
        return [e for e in self.context if e.kind == "field"]

    @property
    def sigs(self):
        return [e for e in self.entries if e.kind == "sig"]

    @property
    def slots(self):
        return [e for e in self.entries if e.kind == "slot"]


def load(api_dir=API_DIR):
    entries = load_entries(api_dir)
    context, major, minor, _ = layout([e for e in entries if e.in_context], api_dir)
    return Api(entries, context, major, minor, Path(api_dir))
