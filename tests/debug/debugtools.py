"""Helpers of the debug and trace mode tests: universal binaries, built into the
conformance cache (so that PyPy runs the very binaries CPython built) and loaded under a
name of their own, so that one binary can be loaded in several modes."""
import itertools
import os
import signal
import subprocess
import sys

import handlepy
from handlepy.conformance import ExtensionCompiler
from handlepy.conformance.compiler import source_origin

_compiler = ExtensionCompiler("universal")
_count = itertools.count()


def build(source):
    """(module name, path) of the universal binary for source."""
    return _compiler.build(source)


def load(source, *, debug=True, trace=False):
    """A new module from the binary for source, in the modes asked."""
    name, path = build(source)
    return handlepy.load(f"dbg{next(_count)}.{name}", str(path), debug=debug, trace=trace)


def line_of(source, marker):
    """The line number of `marker` in the test file that holds source, which the
    compiled module's line directives name."""
    _, first = _origin(source)
    for number, line in enumerate(source.split("\n"), first):
        if marker in line:
            return number
    raise AssertionError(f"{marker!r} is not in the source")


def source_file(source):
    """The name of the test file that holds source, as debug reports give it."""
    return _origin(source)[0]


def _origin(source):
    origin = source_origin(source)
    assert origin, "the source is not in a caller's file, line for line"
    return origin


def run_child(source, code, *, debug="True", trace="False", env=None):
    """Run `code` in a new interpreter, with `m` the module for source loaded in debug
    mode (by default). The child inherits the environment, plus `env`."""
    name, path = build(source)
    script = (f"import handlepy\n"
              f"m = handlepy.load({name!r}, {str(path)!r}, debug={debug}, trace={trace})\n"
              + code)
    child_env = dict(os.environ)
    for key in ("HANDLEPY_DEBUG", "HANDLEPY_TRACE", "HANDLEPY_DEBUG_ON_ERROR",
                "HANDLEPY_DEBUG_BACKTRACE"):
        child_env.pop(key, None)
    child_env.update(env or {})
    # Not from the checkout's root: its handlepy/ (no _loader) would shadow the installed one.
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=child_env, cwd=os.path.dirname(path), timeout=120)


def assert_aborted(proc, *fragments):
    """The child died of a fatal error (SIGABRT) after printing the fragments."""
    assert proc.returncode == -signal.SIGABRT, (proc.returncode, proc.stdout, proc.stderr)
    for fragment in fragments:
        assert fragment in proc.stderr, proc.stderr
