"""handlepy.build.copy_into_place puts a built binary where a build integration wants
it without writing into the file already there, which a running interpreter may have
loaded: its mapped pages must keep what they held (issue 15's crash A is what a loaded
library looks like when they do not)."""
import mmap
import os

from handlepy import build


def test_a_mapped_target_keeps_its_pages(tmp_path):
    target = tmp_path / "mod.handlepy.so"
    target.write_bytes(b"old contents")
    new = tmp_path / "built" / "mod.handlepy.so"
    new.parent.mkdir()
    new.write_bytes(b"new contents")
    os.chmod(new, 0o755)
    with open(target, "rb") as held, mmap.mmap(held.fileno(), 0, access=mmap.ACCESS_READ) as pages:
        assert build.copy_into_place(new, target) == target
        assert pages[:] == b"old contents"
    assert target.read_bytes() == b"new contents"
    assert os.stat(target).st_mode & 0o777 == 0o755
    assert sorted(p.name for p in tmp_path.iterdir()) == ["built", "mod.handlepy.so"]


def test_a_missing_folder_is_made(tmp_path):
    new = tmp_path / "mod.so"
    new.write_bytes(b"binary")
    target = tmp_path / "a" / "b" / "mod.so"
    build.copy_into_place(new, target)
    assert target.read_bytes() == b"binary"
