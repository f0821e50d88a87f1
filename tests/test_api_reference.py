"""The API reference (docs/api-reference.md, generated from api/*.api) names only what
the headers define, with the types it gives, and leaves out nothing public of them: every
macro, struct, enumeration and type an extension writes against."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from handlepy import build

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "api"))
import apimodel  # noqa: E402

# Not part of the API: hpy.h's include guard and the configuration it gives Python.h.
NOT_API = {"HPY_H", "PY_SSIZE_T_CLEAN"}
# Headers of one mode's internals (the context's calls, the CPython mappings).
INTERNAL = ("universal", "cpython")


def check_source(api):
    """C that compiles only if every documented name exists as documented."""
    lines = ['#include "hpy.h"', "#include <stddef.h>", ""]
    body = []
    for e in api.entries:
        if e.kind == "macro":
            if e.mapping.startswith("typedef "):
                body.append(f"(void)sizeof({e.name} *);")
            else:
                # A macro, or an inline function (HPy_AsVoidP): either is defined.
                lines += [f"#if !defined({e.name})",
                          f"static void *const check_{e.name} = (void *)&{e.name};",
                          "#endif"]
        elif e.kind == "type":
            body.append(f"(void)sizeof({e.name} *);")
        elif e.kind == "struct":
            for f in e.members:
                lines.append(f"_Static_assert(_Generic((({e.name} *)0)->{f.name}, {f.ret}: 1, "
                             f'default: 0), "{e.name}.{f.name} is not {f.ret}");')
        elif e.kind == "enum":
            for v in e.members:
                body.append(f"{{ {e.name} value = {v.name}; (void)value; }}")
    lines += ["void check_api_reference(void);", "void check_api_reference(void)", "{",
              *(f"    {b}" for b in body), "}", ""]
    return "\n".join(lines)


@pytest.mark.parametrize("abi", build.ABIS)
def test_every_documented_name_compiles(abi, tmp_path):
    source = tmp_path / "check.c"
    source.write_text(check_source(apimodel.load()))
    cc = os.environ.get("CC", "cc")
    # The source tree's headers: the reference is generated from it.
    includes = [f"-I{ROOT / 'include'}"] + [f for f in build.cflags(abi)
                                             if f.startswith("-D") or "python" in f.lower()]
    proc = subprocess.run([cc, "-std=c11", "-Wall", "-Wextra", "-Werror", "-Wno-unused",
                           "-fsyntax-only", *includes, str(source)],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_every_public_definition_is_documented():
    api = apimodel.load()
    documented = {e.name for e in api.entries} | {
        m.name for e in api.entries for m in e.members}
    missing = []
    for header in sorted((ROOT / "include").rglob("*.h")):
        parts = header.relative_to(ROOT / "include").parts
        if header.name.startswith("autogen") or any(p in INTERNAL for p in parts[:-1]):
            continue
        text = header.read_text()
        names = re.findall(r"^\s*#\s*define\s+([A-Za-z]\w*)", text, re.M)
        names += re.findall(r"^\}\s*([A-Za-z]\w*)\s*;", text, re.M)  # typedef struct {...} X;
        names += re.findall(r"^typedef [^;({\n]*?\b([A-Za-z]\w*)\s*;", text, re.M)
        missing += [f"{header.name}: {n}" for n in names if not n.startswith("HANDLEPY_")
                    and not n.startswith("cpy_") and n not in NOT_API and n not in documented]
    assert not missing, "not in api/*.api:\n" + "\n".join(sorted(set(missing)))
