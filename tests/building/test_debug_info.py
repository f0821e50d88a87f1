"""docs/building.md, "Debug information and exported symbols": a universal binary built
by each documented recipe exports only what the loader looks up, and keeps the line
tables that debug mode's reports need (``spam.c:LINE``), also in a release build."""
import re
import shutil
import subprocess
import sys

import pytest

from projectbuild import build_wheel, copy_project, expected_filename, require_tool, run
from projectbuild import unpack_wheel

# What HPy_MODINIT exports for module spam, and nothing else (the loader's dlsym names).
EXPORTED = {"handlepy_init_spam", "handlepy_abi_spam", "handlepy_release_spam"}

LEAK = """
HPyDef_METH(leak, "leak", HPyFunc_NOARGS)
static HPy leak_impl(HPyContext *ctx, HPy self)
{
    HPyLong_FromLong(ctx, 12345);  /* LEAKED HERE */
    return HPy_Dup(ctx, ctx->h_None);
}
"""

REPORT = """
import sys
sys.path.insert(0, sys.argv[1])
from handlepy.debug import HandleLeakError, LeakDetector
import spam
try:
    with LeakDetector():
        spam.leak()
except HandleLeakError as e:
    print(e)
"""


def with_leak(src):
    """The example's spam.c, plus a function that leaks a handle; returns the line of
    the leaking call."""
    path = src / "spam.c"
    text = path.read_text().replace("static HPyDef *spam_defines[] = {",
                                    LEAK + "\nstatic HPyDef *spam_defines[] = {&leak, ")
    path.write_text(text)
    return next(i for i, line in enumerate(text.splitlines(), 1) if "LEAKED HERE" in line)


def exported_symbols(binary):
    if shutil.which("nm") is None:
        pytest.skip("binutils' nm is needed to list the exported symbols")
    out = subprocess.run(["nm", "-D", "--defined-only", str(binary)], capture_output=True,
                         text=True, check=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def check(folder, line):
    binary = folder / expected_filename("universal")
    assert exported_symbols(binary) == EXPORTED
    if shutil.which("addr2line") is None:
        pytest.skip("debug mode needs binutils' addr2line to print file:line")
    report = run([sys.executable, "-c", REPORT, folder], cwd=folder.parent,
                 env={"HANDLEPY_DEBUG": "spam"}).stdout
    assert "opened by HPyLong_FromLong during the call to spam.leak" in report
    assert re.search(rf"leak_impl at (\S*/)?spam\.c:{line}\b", report), report


def test_meson_python_wheel(tmp_path):
    pytest.importorskip("mesonpy", reason="meson-python builds the wheel")
    require_tool("ninja")
    src = copy_project("meson_spam", tmp_path)
    line = with_leak(src)
    # meson-python's default build type, release, which has no -g of its own.
    wheel = build_wheel(src, {"setup-args": "-Dhpy_abi=universal"})
    check(unpack_wheel(wheel, "universal", tmp_path / "site"), line)


def test_setuptools_wheel(tmp_path):
    pytest.importorskip("setuptools", reason="the project builds with setuptools")
    src = copy_project("setuptools_spam", tmp_path)
    line = with_leak(src)
    wheel = build_wheel(src, env={"HANDLEPY_ABI": "universal"})
    check(unpack_wheel(wheel, "universal", tmp_path / "site"), line)


@pytest.mark.parametrize("flags, added", [
    (["cc", "-O2"], ["-g1"]),                 # PyPy's flags: no -g
    (["cc", "-g", "-O3"], []),                # CPython's: their -g stays
    (["cc", "-O2", "-g0"], []),               # an explicit -g0 is obeyed
])
def test_setuptools_adds_line_tables_where_no_g_is_given(flags, added):
    pytest.importorskip("setuptools", reason="the project builds with setuptools")
    from types import SimpleNamespace

    from setuptools import Distribution

    from handlepy.setuptools_ext import HandlepyExtension, build_ext

    cmd = build_ext(Distribution())
    cmd.hpy_abi, cmd.compiler = "universal", SimpleNamespace(compiler_so=flags)
    ext = HandlepyExtension("spam", ["spam.c"])
    assert cmd._universal_compile_args(ext) == ["-fvisibility=hidden", *added]
    cmd.hpy_abi = "cpython"
    assert cmd._universal_compile_args(ext) == []
