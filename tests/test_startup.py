"""What installing handlepy costs at interpreter start: nothing, and the hook still works.

Two fresh venvs of the interpreter running the tests: one bare, one given the installed
handlepy-startup.pth and handlepy (a link to the installed package). Their interpreters
must start with the same modules.
"""
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import handlepy
from handlepy import build
from handlepy.conformance.compiler import CFLAGS

SITE_PACKAGES = Path(handlepy.__file__).resolve().parent.parent
PTH = SITE_PACKAGES / "handlepy-startup.pth"

HELLO = """
    #include "hpy.h"
    HPyDef_METH(hello, "hello", HPyFunc_NOARGS)
    static HPy hello_impl(HPyContext *ctx, HPy self)
    {
        return HPyUnicode_FromString(ctx, "hello");
    }
    static HPyDef *defines[] = {&hello, NULL};
    static HPyModuleDef def = {.defines = defines};
    HPy_MODINIT(NAME, def)
"""


def compile_hello(name, out):
    src = out.parent / f"{name}.c"
    src.write_text(textwrap.dedent(HELLO.replace("NAME", name)))
    shutil.copyfile(build.build_cached(name, [src], flags=CFLAGS), out)
    src.unlink()


def make_venv(where, with_handlepy):
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(where)], check=True)
    python = where / "bin" / "python"
    site = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        check=True, capture_output=True, text=True).stdout.strip())
    if with_handlepy:
        (site / PTH.name).write_bytes(PTH.read_bytes())
        (site / "handlepy").symlink_to(SITE_PACKAGES / "handlepy")
    return python


@pytest.fixture(scope="module")
def venvs(tmp_path_factory):
    root = tmp_path_factory.mktemp("venvs")
    return make_venv(root / "bare", False), make_venv(root / "handlepy", True)


def run(python, *args, cwd=None, env=None):
    return subprocess.run([str(python), *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})})


MODULES = "import sys; print(*sorted(sys.modules))"


def test_the_startup_pth_is_installed():
    assert PTH.is_file()


def test_start_imports_no_module_beyond_the_bare_interpreter(venvs):
    bare, with_handlepy = venvs
    before = run(bare, "-c", MODULES).stdout.split()
    after = run(with_handlepy, "-c", MODULES).stdout.split()
    assert before and after == before


def test_importtime_lists_the_same_modules(venvs):
    def imported(python):
        proc = run(python, "-X", "importtime", "-c", "pass")
        return [line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:") and "cumulative" not in line]

    bare, with_handlepy = venvs
    assert imported(with_handlepy) == imported(bare)


def test_the_startup_hook_imports_a_binary_and_hands_over(venvs, tmp_path):
    _, python = venvs
    compile_hello("plainmod", tmp_path / "plainmod.handlepy.so")
    proc = run(python, "-c", textwrap.dedent("""
        import sys
        print("handlepy" in sys.modules, sys.meta_path[-1])
        import plainmod
        print(plainmod.hello(), "handlepy" in sys.modules)
        print(sum(repr(f) == "<handlepy.UniversalFinder>" for f in sys.meta_path),
              type(sys.meta_path[-1]).__module__)
    """), cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:3] == [
        "False <handlepy.UniversalFinder>", "hello True", "1 handlepy._finder"]


def test_a_failed_import_still_imports_no_handlepy(venvs, tmp_path):
    _, python = venvs
    proc = run(python, "-c", textwrap.dedent("""
        import sys
        try:
            import no_such_module_anywhere
        except ModuleNotFoundError as e:
            print(e)
        print("handlepy" in sys.modules)
    """), cwd=tmp_path)
    assert proc.stdout.split("\n")[:2] == [
        "No module named 'no_such_module_anywhere'", "False"]


@pytest.mark.parametrize("how", ["-S", "--target"])
def test_import_handlepy_installs_the_hook_where_no_pth_ran(venvs, tmp_path, how):
    bare, _ = venvs
    target = tmp_path / "target"
    target.mkdir()
    compile_hello("plainmod", target / "plainmod.handlepy.so")
    code = "import handlepy, plainmod; print(plainmod.hello())"
    if how == "-S":
        # No site at all: the venv's site-packages is not even on sys.path.
        proc = run(bare, "-S", "-c", code, cwd=target,
                   env={"PYTHONPATH": str(SITE_PACKAGES)})
    else:
        # pip install --target puts packages and the .pth in a folder site never reads.
        proc = run(bare, "-c", code, cwd=tmp_path,
                   env={"PYTHONPATH": os.pathsep.join([str(target), str(SITE_PACKAGES)])})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "hello"


def test_install_is_idempotent():
    finder = handlepy.install()
    assert handlepy.install() is finder
    assert sum(repr(f) == "<handlepy.UniversalFinder>" for f in sys.meta_path) == 1


def test_a_stub_without_handlepy_says_install_handlepy(venvs, tmp_path):
    bare, _ = venvs
    compile_hello("plainmod", tmp_path / "plainmod.handlepy.so")
    build.write_stub(tmp_path, "plainmod")
    proc = run(bare, "-c", "import plainmod", cwd=tmp_path)
    assert proc.returncode != 0
    assert proc.stderr.strip().splitlines()[-1] == (
        "ModuleNotFoundError: plainmod is a handlepy universal binary (plainmod.handlepy.so), "
        "imported through handlepy, which is not installed: install handlepy "
        f"(pip install 'handlepy>={build.abi_release()}')")


@pytest.mark.parametrize("flags", [[], ["-S"]])
def test_a_stub_imports_its_binary_where_no_hook_is_installed(venvs, tmp_path, flags):
    bare, _ = venvs
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    compile_hello("plainmod", pkg / "plainmod.handlepy.so")
    build.write_stub(pkg, "plainmod")
    proc = run(bare, *flags, "-c", textwrap.dedent("""
        import sys
        from pkg import plainmod
        print(plainmod.hello(), plainmod.__name__, plainmod.__file__,
              sys.modules["pkg.plainmod"] is plainmod)
    """), cwd=tmp_path, env={"PYTHONPATH": str(SITE_PACKAGES)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == [
        "hello", "pkg.plainmod", str(pkg / "plainmod.handlepy.so"), "True"]


def test_a_stub_never_replaces_a_module_of_the_author(tmp_path):
    (tmp_path / "mine.py").write_text("x = 1\n")
    assert build.write_stub(tmp_path, "mine") is None
    assert (tmp_path / "mine.py").read_text() == "x = 1\n"
    assert build.write_stub(tmp_path, "other") == tmp_path / "other.py"
    assert build.write_stub(tmp_path, "other") == tmp_path / "other.py"
