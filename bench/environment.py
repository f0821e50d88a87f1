"""What a benchmark run ran on: the machine, the interpreters and the versions of
everything measured, for the results file."""
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
_VERSIONS = ("import importlib.metadata as m, platform, sys\n"
             "print(platform.python_implementation(), sys.version.replace('\\n', ' '))\n"
             "for name in ('ujson', 'orjson', 'hpy', 'matplotlib'):\n"
             "    try:\n"
             "        print(name, m.version(name))\n"
             "    except m.PackageNotFoundError:\n"
             "        print(name, 'not installed')\n")


def command_output(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unavailable"


def lscpu_field(field):
    for line in command_output(["lscpu"]).splitlines():
        key, _, value = line.partition(":")
        if key.strip() == field:
            return value.strip()
    return "unavailable"


def interpreter(python):
    """(description, {package: version}) of an interpreter, asked in a process of its own."""
    lines = command_output([python, "-c", _VERSIONS]).splitlines()
    if not lines:
        return "unavailable", {}
    packages = dict(line.split(" ", 1) for line in lines[1:])
    return f"{lines[0]} ({python})", packages


def environment(pypy):
    import handlepy

    commit = command_output(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"])
    dirty = command_output(["git", "-C", str(ROOT), "status", "--porcelain",
                            "--untracked-files=no"])
    cc = command_output([os.environ.get("CC", "cc"), "--version"]).splitlines()[0]
    cpython, cpython_packages = interpreter(sys.executable)
    env = {
        "cpu": lscpu_field("Model name"),
        "cpus": lscpu_field("CPU(s)"),
        "cores": f"{lscpu_field('Core(s) per socket')} per socket x "
                 f"{lscpu_field('Socket(s)')} socket(s), "
                 f"{lscpu_field('Thread(s) per core')} thread(s) per core",
        "interpreter": cpython,
        "packages": cpython_packages,
        "handlepy": f"{handlepy.__version__} (commit {commit}{', modified' if dirty else ''})",
        "valgrind": command_output(["valgrind", "--version"]),
        "compiler": cc,
        "libffi": command_output(["pkg-config", "--modversion", "libffi"]),
        "platform": platform.platform(),
        "pypy": None,
    }
    if pypy:
        env["pypy"], env["pypy_packages"] = interpreter(pypy)
    return env
