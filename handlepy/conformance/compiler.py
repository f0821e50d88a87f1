"""Compile, cache and load the small C extensions of the conformance tests.

A compiled module is cached under a key made of its expanded source, its ABI, the
compiler flags and the contents (not the paths) of handlepy's headers and runtime, so
a universal binary built under CPython is found again, byte for byte, under PyPy.
"""
import hashlib
import importlib.machinery
import importlib.util
import os
import re
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

from .. import build
from .._finder import load as load_universal

CFLAGS = ["-std=c11", "-O2", "-g", "-fPIC", "-fvisibility=hidden",
          "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter"]
# HANDLEPY_SANITIZE=address,undefined (make test-asan) builds every test module with those
# sanitizers; the flags are part of the cache key, so sanitized binaries are cached apart.
if os.environ.get("HANDLEPY_SANITIZE"):
    CFLAGS += [f"-fsanitize={os.environ['HANDLEPY_SANITIZE']}", "-fno-sanitize-recover=all",
               "-fno-omit-frame-pointer"]
EXPORT_RE = re.compile(r"^[ \t]*@EXPORT\((\w+)\)[ \t]*$", re.M)
# The optional third argument is a C expression for the type's base (an HPy).
EXPORT_TYPE_RE = re.compile(r"^[ \t]*@EXPORT_TYPE\(\"(\w+)\", *(\w+)(?:, *([^()]+?))?\)[ \t]*$",
                            re.M)
INIT_RE = re.compile(r"^[ \t]*@INIT(?:\((\w+)\))?[ \t]*$", re.M)


def default_cache_dir():
    base = os.environ.get("HANDLEPY_CONFORMANCE_CACHE")
    if base:
        return Path(base)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "handlepy-conformance"


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


def expand_source(source, name):
    """Turn ``@EXPORT(sym)`` and ``@EXPORT_TYPE("Name", spec[, base])`` lines and one ``@INIT``
    (or ``@INIT(state_type)``) into the module definition, so that tests hold only what
    they test. A source that defines its module itself names it ``@NAME@``."""
    if "@NAME@" in source:
        # The source defines its module itself, with HPy_MODINIT(@NAME@, ...), and may
        # include hpy.h itself, after macros that configure it.
        include = "" if '#include "hpy.h"' in source else "#include \"hpy.h\"\n"
        return include + source.replace("@NAME@", name)
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
            f"HPy_MODINIT({name}, _test_moddef)\n")
    return "#include \"hpy.h\"\n" + INIT_RE.sub(lambda m: init, source)


def _digest(*parts):
    h = hashlib.sha256()
    for part in parts:
        h.update(part if isinstance(part, bytes) else str(part).encode())
        h.update(b"\0")
    return h.hexdigest()


class CompileError(Exception):
    pass


class ExtensionCompiler:
    """Builds test modules for one ABI into a shared cache and imports them."""

    def __init__(self, abi, cache_dir=None, cc=None, require_cached=None):
        if abi not in build.ABIS:
            raise ValueError(f"unknown ABI {abi!r}")
        self.abi = abi
        self.cache_dir = Path(cache_dir or default_cache_dir()) / abi
        self.cc = cc or os.environ.get("CC", "cc")
        if require_cached is None:
            require_cached = os.environ.get("HANDLEPY_REQUIRE_CACHED") == "1"
        self.require_cached = require_cached
        self.suffix = build.ext_suffix(abi)
        inputs = [build.PACKAGE_DIR / "include", build.PACKAGE_DIR / "extension-runtime"]
        if abi == "cpython":
            inputs.append(build.PACKAGE_DIR / "cpython-backend")
        # Only universal binaries are the same file for every interpreter.
        host = "" if abi == "universal" else sysconfig.get_config_var("EXT_SUFFIX")
        self._base_key = _digest(abi, host, self.cc, *CFLAGS, build.tree_digest(inputs))

    def module_name(self, source):
        return "hm_" + _digest(self._base_key, source)[:20]

    def build(self, source):
        """The path of the compiled module for ``source``, building it if needed."""
        name = self.module_name(source)
        target = self.cache_dir / (name + self.suffix)
        if target.exists():
            return name, target
        if self.require_cached:
            raise CompileError(
                f"{target} is not in the cache and HANDLEPY_REQUIRE_CACHED=1 forbids "
                "building it here")
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        runtime = self._runtime_objects()
        with tempfile.TemporaryDirectory(dir=self.cache_dir) as tmp:
            c_file = Path(tmp) / f"{name}.c"
            c_file.write_text(expand_source(source, name))
            out = Path(tmp) / target.name
            self._run([self.cc, *CFLAGS, "-shared", *build.cflags(self.abi), str(c_file),
                       *map(str, runtime), "-o", str(out)])
            os.replace(out, target)
        return name, target

    def _runtime_objects(self):
        try:
            return build.runtime_objects(self.abi, self.cache_dir /
                                         f"runtime-{self._base_key[:16]}", self.cc, CFLAGS)
        except build.BuildError as e:
            raise CompileError(str(e)) from None

    @staticmethod
    def _run(cmd):
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise CompileError(f"{' '.join(cmd)}\n{proc.stdout}{proc.stderr}")

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
        name, path = self.build(source)
        return sys.modules.get(name) or self.load(name, path)
