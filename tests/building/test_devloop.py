"""The development loop of the README runs the edited code: on a copy of the checkout,
after an edit to a header, pytest refuses the stale installation, and `make dev` then
pytest run the edited header."""
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# A header that only universal builds read (the loader is built in the CPython ABI), so
# that `make dev` after the edit recompiles nothing, and the test stays quick.
HEADER = Path("include/handlepy/universal/backend.h")

PROBE = '''
from pathlib import Path

from handlepy.conformance import ExtensionCompiler


def test_probe():
    m = ExtensionCompiler("universal").make_module("""
        HPyDef_METH(probe, "probe", HPyFunc_NOARGS)
        static HPy probe_impl(HPyContext *ctx, HPy self)
        {
            return HPyLong_FromLong(ctx, HANDLEPY_DEVLOOP_PROBE);
        }
        @EXPORT(probe)
        @INIT
    """)
    assert m.probe() == int((Path(__file__).parent / "expected").read_text())
'''


def copy_checkout(dest):
    """The files git has (tracked, or untracked and not ignored), as they are now."""
    proc = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                           "--exclude-standard"], cwd=ROOT, capture_output=True)
    if proc.returncode != 0:
        pytest.skip("the tests do not run from a git checkout")
    for name in filter(None, proc.stdout.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def define_probe(checkout, value):
    header = checkout / HEADER
    text = header.read_text()
    start = text.find("#define HANDLEPY_DEVLOOP_PROBE")
    if start >= 0:
        text = text[:start]
    header.write_text(f"{text}#define HANDLEPY_DEVLOOP_PROBE {value}\n")
    (checkout / "tests" / "expected").write_text(str(value))


def test_make_dev_then_pytest_runs_the_edited_header(tmp_path):
    if not (ROOT / "Makefile").exists() or shutil.which("make") is None:
        pytest.skip("needs the checkout's Makefile and make")
    checkout = tmp_path / "checkout"
    copy_checkout(checkout)
    # The copy's .venv: a bare venv that sees this one's packages (pytest, meson-python,
    # pip), but for handlepy, after its own, so that `make dev` has nothing to download.
    outer = tmp_path / "outer-packages"
    outer.mkdir()
    for entry in Path(sysconfig.get_path("purelib")).iterdir():
        if not entry.name.startswith(("handlepy", "__editable__", "_handlepy")):
            (outer / entry.name).symlink_to(entry)
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(checkout / ".venv")],
                   check=True)
    site = subprocess.run([str(checkout / ".venv" / "bin" / "python"), "-c",
                           "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "outer-packages.pth").write_text(f"{outer}\n")
    (checkout / "tests" / "test_probe.py").write_text(PROBE)
    env = {**os.environ, "HANDLEPY_CONFORMANCE_CACHE": str(tmp_path / "cache"),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}

    def run(*cmd):
        return subprocess.run(cmd, cwd=checkout, env=env, capture_output=True, text=True)

    def pytest_probe():
        # .venv/bin/pytest, which this venv borrows (-I: the checkout's source folder
        # handlepy/ must not shadow the installed package).
        return run(".venv/bin/python", "-I", "-m", "pytest", "-p", "no:cacheprovider",
                   "tests/test_probe.py")

    define_probe(checkout, 1)
    made = run("make", "dev")
    assert made.returncode == 0, made.stdout + made.stderr
    first = pytest_probe()
    assert first.returncode == 0, first.stdout + first.stderr

    define_probe(checkout, 2)
    stale = pytest_probe()
    assert stale.returncode == 4, stale.stdout + stale.stderr
    assert f"older than {HEADER}" in stale.stdout + stale.stderr
    made = run("make", "dev")
    assert made.returncode == 0, made.stdout + made.stderr
    second = pytest_probe()
    assert second.returncode == 0, second.stdout + second.stderr
