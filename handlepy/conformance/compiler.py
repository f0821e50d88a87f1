"""Compile, cache and load the small C extensions of the conformance tests.

A test's C source is expanded into a module (``expand_source``) and built by
``handlepy.build.build_cached``, so a universal binary built under CPython is found
again, byte for byte, under PyPy. The expanded source carries ``#line`` directives that
point at the test file, so that compiler errors and debug-mode reports name the test's
own lines; it is kept on disk, and a failed build names it.
"""
import functools
import importlib.machinery
import importlib.util
import os
import re
import sys
import tempfile
from pathlib import Path

from .. import build
from .._finder import load as load_universal

# Tests leave parameters unused (self, args) all the time.
CFLAGS = [*build.CFLAGS, "-Wno-unused-parameter"]
EXPORT_RE = re.compile(r"^[ \t]*@EXPORT\((\w+)\)[ \t]*$", re.M)
# The optional third argument is a C expression for the type's base (an HPy).
EXPORT_TYPE_RE = re.compile(r"^[ \t]*@EXPORT_TYPE\(\"(\w+)\", *(\w+)(?:, *([^()]+?))?\)[ \t]*$",
                            re.M)
INIT_RE = re.compile(r"^[ \t]*@INIT(?:\((\w+)\))?[ \t]*$", re.M)


def _types_exec(types):
    """An exec slot that creates each ``@EXPORT_TYPE("Name", spec[, base])`` type."""
    adds = "".join(
        f"    if (!_test_add_type(ctx, m, \"{attr}\", &{spec}, {base or 'HPy_NULL'}))\n"
        f"        return -1;\n"
        for attr, spec, base in types)
    return (
        "static int _test_add_type(HPyContext *ctx, HPy m, const char *attr,\n"
        "                          HPyType_Spec *spec, HPy base)\n{\n"
        "    HPyType_SpecParam params[] = {\n"
        "        {HPyType_SpecParam_Base, base},\n"
        "        {(HPyType_SpecParam_Kind)0, HPy_NULL},\n"
        "    };\n"
        "    HPy t = HPyType_FromSpec(ctx, spec, HPy_IsNull(base) ? NULL : params);\n"
        "    if (HPy_IsNull(t))\n        return 0;\n"
        "    int res = HPy_SetAttr_s(ctx, m, attr, t);\n"
        "    HPy_Close(ctx, t);\n    return res == 0;\n}\n"
        "HPyDef_SLOT(_test_types, HPy_mod_exec)\n"
        "static int _test_types_impl(HPyContext *ctx, HPy m)\n{\n"
        f"{adds}    return 0;\n}}\n")


def expand_source(source, name, origin=None):
    """Turn ``@EXPORT(sym)`` and ``@EXPORT_TYPE("Name", spec[, base])`` lines and one ``@INIT``
    (or ``@INIT(state_type)``) into the module definition, so that tests hold only what
    they test. A source that defines its module itself names it ``@NAME@``.

    ``origin``, (file name, line number) of the source's first line in the file that
    holds it (:func:`source_origin`), adds ``#line`` directives: the source's lines keep
    their numbers in that file, and the generated module definition is numbered as the
    lines of ``<name>.c``, the expanded file."""
    if "@NAME@" in source:
        # The source defines its module itself, with HPy_MODINIT(@NAME@, ...), and may
        # include hpy.h itself, after macros that configure it.
        include = [] if '#include "hpy.h"' in source else ['#include "hpy.h"']
        return _join(include, origin, source.replace("@NAME@", name).split("\n"), name)
    exports = EXPORT_RE.findall(source)
    source = EXPORT_RE.sub("", source)
    types = EXPORT_TYPE_RE.findall(source)
    source = EXPORT_TYPE_RE.sub("", source)
    if types:
        exports.append("_test_types")
    inits = INIT_RE.findall(source)
    if len(inits) != 1:
        raise ValueError("the source needs exactly one @INIT line")
    state = inits[0]
    defines = "".join(f"&{sym}, " for sym in exports)
    init = ((_types_exec(types) if types else "") +
            f"static HPyDef *_test_defines[] = {{ {defines}NULL }};\n"
            f"static HPyModuleDef _test_moddef = {{\n"
            f"    .doc = \"conformance test module\",\n"
            f"    .size = {f'sizeof({state})' if state else '0'},\n"
            f"    .defines = _test_defines,\n}};\n"
            f"HPy_MODINIT({name}, _test_moddef)")
    lines = [init if INIT_RE.fullmatch(line) else line for line in source.split("\n")]
    return _join(['#include "hpy.h"'], origin, lines, name, generated=init)


def _join(head, origin, lines, name, generated=None):
    """The expanded file: ``head``, then ``lines`` numbered as in ``origin``'s file, but
    for the ``generated`` one, numbered as the expanded file's own."""
    out = list(head)
    if origin is None:
        return "\n".join(out + lines) + "\n"
    filename, first = origin
    out.append(f'#line {first} "{filename}"')
    for number, line in enumerate(lines, first):
        if line is generated:
            out.append(f'#line {len(out) + 2} "{name}.c"')
            out.extend(line.split("\n"))
            out.append(f'#line {number + 1} "{filename}"')
        else:
            out.append(line)
    return "\n".join(out) + "\n"


@functools.lru_cache(maxsize=None)
def _file_lines(path):
    try:
        with open(path, encoding="utf-8") as f:
            lines = [line.strip() for line in f.read().split("\n")]
    except (OSError, UnicodeDecodeError):
        return None, None
    where = {}
    for index, line in enumerate(lines):
        where.setdefault(line, []).append(index)
    return lines, where


def _find(source_lines, path, checked=6):
    """The line number in ``path`` of the source's first line, or None."""
    lines, where = _file_lines(path)
    if lines is None:
        return None
    stripped = [line.strip() for line in source_lines]
    marks = [i for i, line in enumerate(stripped) if line][:checked]
    if not marks:
        return None
    for candidate in where.get(stripped[marks[0]], ()):
        start = candidate - marks[0]
        if start >= 0 and all(start + i < len(lines) and lines[start + i] == stripped[i]
                              for i in marks):
            return start + 1
    return None


def source_origin(source, depth=12):
    """(file name, line number) of ``source``'s first line in the Python file of a caller
    that holds it as text (a test's string literal), or None where no caller's file
    holds it line for line (a source put together from pieces, say). The file's name, not
    its folder, goes into the binary: the installed copy of the suite and the checkout's
    then build the same file."""
    frame = sys._getframe(1)
    source_lines = source.split("\n")
    for _ in range(depth):
        if frame is None:
            break
        path = frame.f_code.co_filename
        if path != __file__:
            line = _find(source_lines, path)
            if line is not None:
                return os.path.basename(path), line
        frame = frame.f_back
    return None


CompileError = build.BuildError


class ExtensionCompiler:
    """Builds test modules for one ABI into a shared cache and imports them."""

    def __init__(self, abi, cache_dir=None, cc=None, require_cached=None):
        if abi not in build.ABIS:
            raise ValueError(f"unknown ABI {abi!r}")
        self.abi = abi
        self.cache_root = Path(cache_dir or build.default_cache_dir())
        self.cache_dir = self.cache_root / abi
        self.cc = cc
        self.require_cached = require_cached

    def module_name(self, source):
        return "hm_" + build.digest(self.abi, source)[:20]

    def build(self, source, origin=None):
        """The name and path of the compiled module for ``source``, building it if
        needed. ``origin`` is where the source's first line is (default:
        :func:`source_origin`, from the callers' files)."""
        name = self.module_name(source)
        text = expand_source(source, name, origin or source_origin(source))
        c_file = self.cache_dir / "sources" / build.digest(text)[:16] / f"{name}.c"
        if not c_file.exists():
            c_file.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("w", dir=c_file.parent, delete=False) as f:
                f.write(text)
            os.replace(f.name, c_file)
        try:
            path = build.build_cached(name, [c_file], self.abi, self.cache_root, flags=CFLAGS,
                                      cc=self.cc, require_cached=self.require_cached)
        except build.BuildError as e:
            raise CompileError(f"{e}\nthe expanded source is kept in {c_file}") from None
        return name, path

    def load(self, name, path):
        if self.abi != "cpython":
            return load_universal(name, str(path))
        loader = importlib.machinery.ExtensionFileLoader(name, str(path))
        spec = importlib.util.spec_from_file_location(name, str(path), loader=loader)
        module = importlib.util.module_from_spec(spec)
        loader.exec_module(module)
        sys.modules[name] = module
        return module

    def make_module(self, source):
        """Build (or reuse) and import the module that ``source`` defines."""
        name = self.module_name(source)
        if name in sys.modules:
            return sys.modules[name]
        name, path = self.build(source, source_origin(source))
        return self.load(name, path)
