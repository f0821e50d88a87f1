"""docs/tutorial.md, followed to the letter: its files are written, its commands run in
order in an empty folder, and each output it shows is checked, so that the tutorial
cannot drift from what handlepy does.

- ``<!-- file: NAME -->`` before a code block: the block is the text of NAME;
- a ``console`` block: each ``$ COMMAND`` line runs in bash; the lines that follow it,
  if any, are its output (``...`` stands for any lines, ``*`` in a line for any text);
  ``$ cd DIR`` changes the folder for the commands that follow;
- ``<!-- tutorial: not run (REASON) -->``: the next block is not run;
- ``<!-- tutorial: each interpreter -->``: the next block runs once per interpreter, with
  ``python`` that interpreter in a fresh environment where handlepy is installed: the
  CPython running this test, and PyPy from ``make pypy-venv`` (``.venv-pypy``).

The other commands run with ``python`` the interpreter running this test, which has
handlepy, meson-python and ninja, as the tutorial's prerequisites ask.
"""
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "docs" / "tutorial.md"
PYPY = Path(os.environ.get("HANDLEPY_TUTORIAL_PYPY", ROOT / ".venv-pypy" / "bin" / "python"))

BLOCK_RE = re.compile(r"(?:<!-- (?P<marker>[^>]*) -->\n)?```(?P<lang>\w*)\n(?P<body>.*?)^```$",
                      re.S | re.M)


def steps():
    """(kind, argument, body) for each block of the tutorial, in order."""
    out = []
    for m in BLOCK_RE.finditer(TUTORIAL.read_text()):
        marker, lang, body = m.group("marker") or "", m.group("lang"), m.group("body")
        if marker.startswith("file: "):
            out.append(("file", marker[len("file: "):].strip(), body))
        elif marker.startswith("tutorial: not run"):
            continue
        elif lang == "console":
            out.append(("console", marker == "tutorial: each interpreter", body))
    return out


def commands(body):
    """(command, expected output lines or None) for each ``$`` line of a console block."""
    result = []
    for line in body.splitlines():
        if line.startswith("$ "):
            result.append([line[2:], []])
        else:
            result[-1][1].append(line)
    return [(cmd, expected or None) for cmd, expected in result]


def matches(expected, actual):
    """Whether output lines ``actual`` fit ``expected`` (``...`` any lines, ``*`` any text)."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head == "...":
        return any(matches(rest, actual[i:]) for i in range(len(actual) + 1))
    if not actual:
        return False
    fits = fnmatch.fnmatchcase(actual[0], head) if "*" in head else actual[0] == head
    return fits and matches(rest, actual[1:])


class Shell:
    def __init__(self, folder, python_bin):
        self.cwd = folder
        self.env = {**os.environ, "PATH": f"{python_bin}{os.pathsep}{os.environ['PATH']}"}
        for name in ("PYTHONPATH", "HANDLEPY_DEBUG", "HANDLEPY_TRACE", "VIRTUAL_ENV"):
            self.env.pop(name, None)

    def run(self, command, expected):
        if command.startswith("cd "):
            self.cwd = self.cwd / command[3:].strip()
            assert self.cwd.is_dir(), command
            return
        proc = subprocess.run(["bash", "-c", command], cwd=self.cwd, env=self.env,
                              capture_output=True, text=True)
        assert proc.returncode == 0, f"$ {command}\n{proc.stdout}\n{proc.stderr}"
        if expected is not None:
            actual = proc.stdout.rstrip("\n").splitlines()
            assert matches(expected, actual), (
                f"$ {command}\nthe tutorial shows:\n" + "\n".join(expected) +
                "\nbut it printed:\n" + proc.stdout + proc.stderr)


def fresh_environment(python, folder):
    """A new virtual environment of ``python`` (which has handlepy installed) that sees
    ``python``'s packages as an installed site folder, so that handlepy's start-up file
    runs there as in any installation; returns its ``bin`` folder."""
    subprocess.run([python, "-m", "venv", "--without-pip", folder], check=True)
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                          capture_output=True, text=True, check=True).stdout.strip()
    own = subprocess.run([folder / "bin" / "python", "-c",
                          "import sysconfig; print(sysconfig.get_path('purelib'))"],
                         capture_output=True, text=True, check=True).stdout.strip()
    Path(own, "zz_handlepy_tutorial.pth").write_text(f"import site; site.addsitedir({site!r})\n")
    return folder / "bin"


def wheel_tag_accepted(python, wheel):
    """Whether ``python``'s pip would install ``wheel`` (its tags are among the interpreter's)."""
    code = ("import sys; from pip._vendor.packaging.tags import sys_tags; "
            "from pip._vendor.packaging.utils import parse_wheel_filename; "
            "tags = set(parse_wheel_filename(sys.argv[1])[3]); "
            "sys.exit(not any(t in tags for t in sys_tags()))")
    return subprocess.run([python, "-c", code, wheel.name]).returncode == 0


def test_tutorial(tmp_path):
    for tool in ("meson", "ninja"):
        if shutil.which(tool, path=sysconfig.get_path("scripts")) is None:
            pytest.skip(f"{tool} is not installed beside {sys.executable} (make venv does it)")
    pytest.importorskip("mesonpy", reason="the tutorial builds with meson-python")
    work = tmp_path / "tutorial"
    work.mkdir()
    shell = Shell(work, sysconfig.get_path("scripts"))
    interpreters = [("CPython", Path(sys.executable))]
    if sys.implementation.name != "pypy":
        interpreters.append(("PyPy", PYPY))
    skipped = []
    for kind, arg, body in steps():
        if kind == "file":
            (shell.cwd / arg).write_text(body)
            continue
        if not arg:
            for command, expected in commands(body):
                shell.run(command, expected)
            continue
        for name, python in interpreters:
            if not python.exists():
                skipped.append(f"{name}: {python} is missing (make pypy-venv makes it)")
                continue
            wheel, = (shell.cwd / "dist").glob("geom-0.1.0-*.whl")
            if not wheel_tag_accepted(python, wheel):
                skipped.append(f"{name}: its pip refuses the wheel's tag ({wheel.name}); "
                               "the tag scheme of docs/building.md, \"Wheels\", is missing")
                continue
            env = fresh_environment(python, tmp_path / f"env-{name}")
            other = Shell(shell.cwd, env)
            for command, expected in commands(body):
                other.run(command, expected)
    if skipped:
        pytest.skip("; ".join(skipped))
