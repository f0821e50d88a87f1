"""The CPython backend's headers: each api/<area>.api file's mappings are in its own
include/handlepy/cpython/impl_<area>.h, every one of which compiles alone and in any
order, and the loader's internal hooks stay out of what an extension sees."""
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from handlepy import build

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "api"))
import apimodel  # noqa: E402

INCLUDE = build.PACKAGE_DIR / "include"
CPYTHON = INCLUDE / "handlepy" / "cpython"
CFLAGS = ["-std=c11", "-Wall", "-Wextra", "-Werror"]
# What a mapping calls that is not the C API's: a helper its area's header defines.
HELPER = re.compile(r"\b((?:_hpy_cpy|handlepy)_\w+)\s*\(")


def python_includes():
    """The C-API headers to compile against: this interpreter's, and PyPy's when
    installed (the PYPY_VERSION variants beside each mapping compile only there)."""
    found = {"host": sysconfig.get_paths()["include"]}
    pypy = shutil.which("pypy3")
    if pypy:
        path = subprocess.run([pypy, "-c", "import sysconfig; print(sysconfig.get_paths()"
                               "['include'])"], capture_output=True, text=True).stdout.strip()
        if path and Path(path, "Python.h").exists():
            found["pypy"] = path
    return found


def compile_c(source, tmp_path, includes, abi="cpython", python="host", extra=()):
    src = tmp_path / "t.c"
    src.write_text(source)
    flags = [f"-D{d}" for d in build.defines(abi)] + [f"-I{d}" for d in includes]
    if abi != "universal":
        flags.append(f"-I{python_includes()[python]}")
    return subprocess.run(["cc", *CFLAGS, *flags, *extra, "-fsyntax-only", str(src)],
                          capture_output=True, text=True)


def impl_headers():
    return sorted(p.name for p in CPYTHON.glob("impl_*.h"))


@pytest.mark.parametrize("python", sorted(python_includes()))
@pytest.mark.parametrize("header", ["common.h", *impl_headers()])
def test_each_impl_header_compiles_alone(header, python, tmp_path):
    proc = compile_c(f'#include "handlepy/cpython/{header}"\n', tmp_path, [INCLUDE],
                     python=python)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("python", sorted(python_includes()))
def test_backend_includes_in_reverse_order(python, tmp_path):
    """backend.h's includes in reverse: hpy.h and every mapping still compile."""
    include = tmp_path / "include"
    shutil.copytree(INCLUDE, include)
    backend = include / "handlepy" / "cpython" / "backend.h"
    lines = backend.read_text().splitlines(keepends=True)
    # The mappings' headers; autogen_calls.h, which calls them, stays last.
    at = [i for i, line in enumerate(lines)
          if re.match(r'#include "handlepy/cpython/(common|impl_\w+)\.h"', line)]
    assert len(at) > 10 and at == list(range(at[0], at[-1] + 1))
    assert lines[at[-1] + 1].startswith('#include "handlepy/cpython/autogen_calls.h"')
    lines[at[0]:at[-1] + 1] = reversed(lines[at[0]:at[-1] + 1])
    backend.write_text("".join(lines))
    proc = compile_c('#include "hpy.h"\n', tmp_path, [include], python=python)
    assert proc.returncode == 0, proc.stderr


def test_mappings_live_in_their_area_header():
    """A helper that api/<area>.api's mappings call is defined in impl_<area>.h or, when
    several areas call it, in common.h; and every impl_<area>.h has its .api file."""
    source = ROOT / "include" / "handlepy" / "cpython"
    common = (source / "common.h").read_text()
    areas = set()
    entries = apimodel.load_entries()
    for name in apimodel.FILES:
        area = name[:-len(".api")]
        mappings = [e.mapping for e in entries
                    if e.kind == "func" and e.source.split(":")[0] == name]
        helpers = {h for m in mappings for h in HELPER.findall(m)}
        header = source / f"impl_{area}.h"
        text = header.read_text() if header.exists() else ""
        if text:
            areas.add(area)
        for helper in sorted(helpers):
            defined = re.compile(rf"(^#define {helper}\b|\b{helper}\s*\([^;]*\)\s*(\{{|;))",
                                 re.M)
            assert defined.search(text) or defined.search(common), (
                f"{name} maps onto {helper}, which include/handlepy/cpython/impl_{area}.h "
                "does not define")
    assert {p.name for p in source.glob("impl_*.h")} == {f"impl_{a}.h" for a in areas}


def internal_names():
    """What cpython-backend/internal.h declares: the loader's hooks."""
    text = (ROOT / "cpython-backend" / "internal.h").read_text()
    names = set(re.findall(r"\b(handlepy_\w+)\s*\(", text))
    names |= set(re.findall(r"\(\*(handlepy_\w+)\)", text))
    assert {"handlepy_bind_fn", "handlepy_type_from_spec_bound"} <= names
    return names


def test_installed_headers_do_not_declare_the_loader_hooks():
    names = internal_names()
    for header in INCLUDE.rglob("*.h"):
        found = sorted(n for n in names if re.search(rf"\b{n}\b", header.read_text()))
        assert not found, f"{header.relative_to(INCLUDE)} declares {', '.join(found)}"


@pytest.mark.parametrize("abi", build.ABIS)
def test_extensions_see_no_loader_hook(abi, tmp_path):
    """Neither hpy.h, in any ABI, nor the include path an extension gets reaches them."""
    names = internal_names()
    src = tmp_path / "t.c"
    src.write_text('#include "hpy.h"\n')
    proc = subprocess.run(["cc", "-E", *build.cflags(abi), str(src)], capture_output=True,
                          text=True)
    assert proc.returncode == 0, proc.stderr
    assert not sorted(n for n in names if re.search(rf"\b{n}\b", proc.stdout))
    proc = subprocess.run(["cc", "-E", *build.cflags(abi), "-x", "c", "-"],
                          input='#include "internal.h"\n', capture_output=True, text=True)
    assert proc.returncode != 0
