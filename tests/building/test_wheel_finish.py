"""handlepy.wheel.finish (docs/building.md, "Wheels") on wheels made here, whatever
built them: the tags a universal binary earns, the ones a binary bound to an interpreter
keeps, the requirement on handlepy, and a RECORD that still matches."""
import base64
import csv
import hashlib
import io
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

from handlepy import build, wheel as hwheel

pytest.importorskip("auditwheel", reason="finish() runs auditwheel (make venv installs it)")
if shutil.which("cc") is None:
    pytest.skip("a C compiler makes the binaries", allow_module_level=True)

UNIVERSAL_C = "int handlepy_abi_geom(void) { return 1; }\n"
# What a CPython extension (or a hybrid binary) has: Python's C API, undefined.
EXTENSION_C = "extern void *PyLong_FromLong(long);\nvoid *f(void) { return PyLong_FromLong(1); }\n"
REQUIREMENT = f"Requires-Dist: handlepy>={build.abi_release()}"


def shared_object(tmp_path, source):
    src = tmp_path / "x.c"
    src.write_text(source)
    out = tmp_path / "x.so"
    subprocess.run(["cc", "-shared", "-fPIC", str(src), "-o", str(out)], check=True)
    return out.read_bytes()


def make_wheel(folder, files, requires=()):
    """geom-0.1.0-cp311-cp311-linux_x86_64.whl holding ``files`` (name: bytes)."""
    info = "geom-0.1.0.dist-info"
    files = {**files,
             f"{info}/METADATA": "".join(["Metadata-Version: 2.1\nName: geom\nVersion: 0.1.0\n",
                                          *(f"Requires-Dist: {r}\n" for r in requires)]).encode(),
             f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: false\n"
                              b"Tag: cp311-cp311-linux_x86_64\n\n"}
    path = folder / "geom-0.1.0-cp311-cp311-linux_x86_64.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
        zf.writestr(f"{info}/RECORD", "")
    return path


def read(wheel):
    with zipfile.ZipFile(wheel) as zf:
        contents = {name: zf.read(name) for name in zf.namelist() if not name.endswith("/")}
    meta = contents["geom-0.1.0.dist-info/METADATA"].decode()
    tags = re.findall(r"^Tag: (.*)$", contents["geom-0.1.0.dist-info/WHEEL"].decode(), re.M)
    record = list(csv.reader(io.StringIO(contents.pop("geom-0.1.0.dist-info/RECORD").decode())))
    for name, digest, size in record:
        if name != "geom-0.1.0.dist-info/RECORD":
            data = contents[name]
            expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            assert (digest, size) == ("sha256=" + expected.decode(), str(len(data))), name
    assert {r[0] for r in record} - {"geom-0.1.0.dist-info/RECORD"} == set(contents)
    return meta, tags


def test_a_universal_binary_makes_a_py3_none_manylinux_wheel(tmp_path):
    wheel = make_wheel(tmp_path, {"geom.handlepy.so": shared_object(tmp_path, UNIVERSAL_C),
                                  "geom.py": b"# stub\n"},
                       requires=["handlepy", "numpy"])
    finished = hwheel.finish(wheel)
    assert not wheel.exists()
    assert re.fullmatch(r"geom-0\.1\.0-py3-none-(manylinux\w+\.)*manylinux_2_\d+_x86_64"
                        r"(\.manylinux\w+)*\.whl", finished.name), finished.name
    meta, tags = read(finished)
    assert tags and all(re.fullmatch(r"py3-none-manylinux\w+", t) for t in tags)
    # The unversioned requirement is replaced; the others stay.
    assert re.findall(r"^Requires-Dist: .*$", meta, re.M) == ["Requires-Dist: numpy", REQUIREMENT]


def test_a_binary_bound_to_the_interpreter_keeps_its_tags(tmp_path):
    wheel = make_wheel(tmp_path, {"geom.handlepy.so": shared_object(tmp_path, UNIVERSAL_C),
                                  "fast.cpython-311-x86_64-linux-gnu.so":
                                      shared_object(tmp_path, EXTENSION_C)})
    finished = hwheel.finish(wheel, tmp_path / "out")
    assert finished.parent == tmp_path / "out" and wheel.exists()
    assert re.fullmatch(r"geom-0\.1\.0-cp311-cp311-(manylinux\w+\.)*manylinux_2_\d+_x86_64"
                        r"(\.manylinux\w+)*\.whl", finished.name), finished.name
    meta, tags = read(finished)
    assert all(t.startswith("cp311-cp311-manylinux") for t in tags)
    assert re.findall(r"^Requires-Dist: .*$", meta, re.M) == [REQUIREMENT]


def test_a_hybrid_binary_keeps_its_tags(tmp_path):
    wheel = make_wheel(tmp_path, {"geom.handlepy.so": shared_object(tmp_path, EXTENSION_C)})
    meta, tags = read(hwheel.finish(wheel))
    assert all(t.startswith("cp311-cp311-manylinux") for t in tags)
    assert REQUIREMENT in meta


def test_a_wheel_without_handlepy_binaries_is_left_alone(tmp_path):
    wheel = make_wheel(tmp_path, {"fast.cpython-311-x86_64-linux-gnu.so":
                                  shared_object(tmp_path, EXTENSION_C)}, requires=["handlepy"])
    before = wheel.read_bytes()
    assert hwheel.finish(wheel) == wheel
    assert wheel.read_bytes() == before


def test_the_command_line_finishes_in_place(tmp_path):
    wheel = make_wheel(tmp_path, {"geom.handlepy.so": shared_object(tmp_path, UNIVERSAL_C)})
    proc = subprocess.run([sys.executable, "-I", "-m", "handlepy.wheel", str(wheel)],
                          capture_output=True, text=True, check=True)
    finished, = tmp_path.glob("*.whl")
    assert proc.stdout.strip() == str(finished)
    assert finished.name.startswith("geom-0.1.0-py3-none-manylinux")
