"""The frozen ABI: api/abi.lock numbers every released context slot for good. The order of
the api/*.api files follows topic and cannot move a slot; new entries take the next
slots and raise the minor version; removing, moving or changing a released slot is
refused unless the major version changes. Every test works on a copy of api/."""
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "api"))
import apimodel  # noqa: E402
import generate  # noqa: E402

# ABI 1.0 as released: a test of its own, so that rewriting the lock's release line
# along with its rows still fails.
ABI_1_0 = (0, 293, "a72d8660eb75f0aa2e43ed88bd440ac38f0a47680c3fa679331dfbc73638787e")

NEW_FUNC = "func HPy HPy_InsertedForTest(HPy obj) => PyObject_Repr(obj)"


@pytest.fixture
def api(tmp_path):
    """A copy of api/ for the generator to read instead of the real one."""
    copy = tmp_path / "api"
    shutil.copytree(ROOT / "api", copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


@pytest.fixture
def released(api):
    """The copy with every entry released, as after `--lock`: entries other branches
    added and the lock does not number yet are provisional, and move."""
    write_lock(api)
    return api


def layout(api_dir=apimodel.API_DIR):
    context = [e for e in apimodel.load_entries(api_dir) if e.in_context]
    return apimodel.layout(context, api_dir)


def write_lock(api_dir):
    apimodel.write_lock([e for e in apimodel.load_entries(api_dir) if e.in_context], api_dir)


def slots(api_dir):
    return {e.name: slot for slot, e in enumerate(layout(api_dir)[0])}


def insert_in_the_middle(path, line):
    """Insert `line` halfway down `path`, where it starts an entry of its own."""
    lines = path.read_text().splitlines()
    at = len(lines) // 2
    while at < len(lines) and (lines[at - 1].rstrip().endswith("\\")
                               or lines[at - 1].lstrip().startswith("##")
                               or lines[at].split(None, 1)[:1] in (["member"], ["value"])):
        at += 1
    lines.insert(at, line)
    path.write_text("\n".join(lines) + "\n")


def edit(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def struct_members(header):
    body = header.split("struct _HPyContext_s {", 1)[1].split("};", 1)[0]
    return [line.strip() for line in body.splitlines() if line.strip()]


def test_the_lock_of_abi_1_0_is_committed_and_matches_the_declarations():
    lock = apimodel.read_lock()
    assert lock.major == 1
    assert lock.releases[0] == ABI_1_0
    assert [r[0] for r in lock.rows[:ABI_1_0[1]]] == list(range(ABI_1_0[1]))
    context, major, _, _ = layout()
    assert major == 1
    assert [(e.kind, e.name, e.signature()) for e in context[:len(lock.rows)]] == [
        r[2:] for r in lock.rows]


@pytest.mark.parametrize("api_file", apimodel.FILES)
def test_inserting_a_function_in_the_middle_of_any_file_moves_no_slot(released, api_file):
    before = slots(released)
    _, _, minor_before, _ = layout(released)
    header_before = generate.outputs(released)[ROOT / "include/handlepy/autogen_ctx.h"]
    insert_in_the_middle(released / api_file, NEW_FUNC)
    after = slots(released)
    assert {name: after[name] for name in before} == before
    assert after["HPy_InsertedForTest"] == len(before)
    assert layout(released)[2] == minor_before + 1
    header_after = generate.outputs(released)[ROOT / "include/handlepy/autogen_ctx.h"]
    old, new = struct_members(header_before), struct_members(header_after)
    assert new[:len(old)] == old
    assert new[len(old):] == ["HPy (*HPy_InsertedForTest)(HPyContext *ctx, HPy obj);"]


def test_new_functions_from_several_branches_take_the_next_slots(released):
    """What a merge of two branches that each added a function gives: both appended
    after the locked slots, in declaration order, whatever the files' order of lines."""
    count = len(slots(released))
    insert_in_the_middle(released / "errors.api",
                         NEW_FUNC.replace("InsertedForTest", "Second"))
    insert_in_the_middle(released / "containers.api",
                         NEW_FUNC.replace("InsertedForTest", "First"))
    after = slots(released)
    assert (after["HPy_First"], after["HPy_Second"]) == (count, count + 1)


def test_the_lock_records_new_functions_as_the_next_minor_version(released):
    count, (_, major, minor, _) = len(slots(released)), layout(released)
    insert_in_the_middle(released / "object.api", NEW_FUNC)
    write_lock(released)
    lock = apimodel.read_lock(released)
    assert lock.rows[-1] == (count, minor + 1, "func", "HPy_InsertedForTest", "HPy (HPy obj)")
    assert lock.releases[-1][:2] == (minor + 1, count + 1)
    assert layout(released)[1:3] == (major, minor + 1)
    text = (released / "abi.lock").read_text()
    write_lock(released)
    assert (released / "abi.lock").read_text() == text
    insert_in_the_middle(released / "call.api",
                         NEW_FUNC.replace("InsertedForTest", "Later"))
    assert layout(released)[2] == minor + 2


def test_a_removed_slot_is_refused(api):
    edit(api / "object.api", "func HPy HPy_Repr(", "# func HPy HPy_Repr(")
    with pytest.raises(apimodel.ApiError, match=r"abi.lock slot \d+ \(func HPy_Repr, since "
                       r"ABI 1.0\) is no longer declared in api/\*.api: a released slot "
                       r"cannot be removed within ABI 1; keep its declaration, or start ABI 2"):
        layout(api)


def test_a_slot_turned_into_a_helper_is_refused_as_removed(api):
    edit(api / "object.api", "func HPy HPy_Repr(HPy obj) => PyObject_Repr(obj)",
         "helper HPy HPy_Repr(HPy obj)")
    with pytest.raises(apimodel.ApiError, match=r"\(func HPy_Repr, .*is no longer declared"):
        layout(api)


def test_a_changed_signature_is_refused(api):
    edit(api / "object.api", "func HPy HPy_Repr(HPy obj)", "func HPy HPy_Repr(HPy obj, int x)")
    with pytest.raises(apimodel.ApiError) as info:
        layout(api)
    assert re.fullmatch(
        r"object\.api:\d+: HPy_Repr is declared as func HPy \(HPy obj, int x\), but abi\.lock "
        r"slot \d+ \(func HPy_Repr, since ABI 1\.0\) is func HPy \(HPy obj\): a released "
        r"slot's signature cannot change within ABI 1; add a function with a new name, or "
        r"start ABI 2 \(api/README\.md\)", str(info.value))


def lock_lines(api):
    return (api / "abi.lock").read_text().splitlines()


def test_a_slot_moved_in_the_lock_is_refused(api):
    lines = lock_lines(api)
    first = next(i for i, line in enumerate(lines) if line.startswith("10 "))
    lines[first], lines[first + 1] = lines[first + 1], lines[first]
    (api / "abi.lock").write_text("\n".join(lines) + "\n")
    with pytest.raises(apimodel.ApiError, match=r"abi.lock:\d+: slot 11 where slot 10 "
                       "belongs: the lock lists slots in order from 0, and a released slot "
                       "never moves"):
        apimodel.read_lock(api)


def test_slots_renumbered_in_the_lock_are_refused(api):
    """Two slots swapped, numbers and all: only the release's digest can tell."""
    lines = lock_lines(api)
    first = next(i for i, line in enumerate(lines) if line.startswith("10 "))
    a, b = lines[first].split(" ", 2), lines[first + 1].split(" ", 2)
    lines[first], lines[first + 1] = " ".join(a[:2] + b[2:]), " ".join(b[:2] + a[2:])
    (api / "abi.lock").write_text("\n".join(lines) + "\n")
    with pytest.raises(apimodel.ApiError, match=r"the slots of released ABI 1.0 \(slots 0 to "
                       r"292\) are not what was released: a slot was moved, removed or "
                       "changed in the lock"):
        apimodel.read_lock(api)


def test_a_slot_removed_from_the_lock_is_refused(api):
    lines = lock_lines(api)
    (api / "abi.lock").write_text("\n".join(lines[:-1]) + "\n")
    with pytest.raises(apimodel.ApiError, match="not what was released"):
        apimodel.read_lock(api)


def test_a_new_major_version_may_change_and_remove_slots(api):
    (api / "abi.lock").write_text("major 2\n")
    edit(api / "object.api", "func HPy HPy_Repr(HPy obj)", "func HPy HPy_Repr(HPy obj, int x)")
    edit(api / "object.api", "func HPy HPy_Str(", "# func HPy HPy_Str(")
    insert_in_the_middle(api / "containers.api", NEW_FUNC)
    context, major, minor, _ = layout(api)
    assert (major, minor) == (2, 0)
    write_lock(api)
    lock = apimodel.read_lock(api)
    assert lock.major == 2 and [r[:2] for r in lock.releases] == [(0, len(context))]
    assert "HPy_Str" not in {r[3] for r in lock.rows}


def test_a_missing_lock_is_refused(api):
    (api / "abi.lock").unlink()
    with pytest.raises(apimodel.ApiError, match="abi.lock is missing: restore it from git"):
        layout(api)


def test_the_generator_reports_a_broken_lock_and_fails(api, capsys):
    edit(api / "object.api", "func HPy HPy_Repr(HPy obj)", "func HPy HPy_Repr(HPy obj, int x)")
    assert generate.main(["--check"], api) == 2
    assert "HPy_Repr is declared as func HPy (HPy obj, int x)" in capsys.readouterr().err


def test_slots_appended_to_the_lock_by_hand_are_refused(api):
    """Only --lock releases slots: it writes their version's release line with them."""
    with open(api / "abi.lock", "a") as lock:
        lock.write(f"{ABI_1_0[1]} 1 func HPy_ByHand HPy (HPy obj)\n")
    with pytest.raises(apimodel.ApiError, match="slots of minor version 1 but no 'release "
                       "1.1' line; write the lock with `api/generate.py --lock`"):
        apimodel.read_lock(api)
