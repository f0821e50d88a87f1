"""The context is append-only: the generator refuses declarations that change or reorder
what api/abi.lock records, and raises the minor version for appended entries."""
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("generate", ROOT / "api" / "generate.py")
generate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generate)


@pytest.fixture
def context():
    return [e for e in generate.load_entries() if e.in_context]


def lock_with(monkeypatch, tmp_path, rows, major=1):
    lock = tmp_path / "abi.lock"
    lock.write_text(f"major {major}\n" + "".join(f"{m} {k} {n} {s}\n" for m, k, n, s in rows))
    monkeypatch.setattr(generate, "LOCK", lock)


def rows_of(entries, minor=0):
    return [(minor, e.kind, e.name, e.signature()) for e in entries]


def test_a_complete_lock_keeps_its_version(monkeypatch, tmp_path, context):
    lock_with(monkeypatch, tmp_path, rows_of(context, minor=3), major=2)
    assert generate.abi_version(context)[:2] == (2, 3)


def test_appended_entries_raise_the_minor_version(monkeypatch, tmp_path, context):
    lock_with(monkeypatch, tmp_path, rows_of(context[:-5], minor=3))
    assert generate.abi_version(context)[:2] == (1, 4)


def test_reordering_is_refused(monkeypatch, tmp_path, context):
    rows = rows_of(context)
    rows[3], rows[4] = rows[4], rows[3]
    lock_with(monkeypatch, tmp_path, rows)
    with pytest.raises(generate.ApiError, match="append-only"):
        generate.abi_version(context)


def test_a_changed_signature_is_refused(monkeypatch, tmp_path, context):
    rows = rows_of(context)
    minor, kind, name, _ = rows[-1]
    rows[-1] = (minor, kind, name, "int (HPy changed)")
    lock_with(monkeypatch, tmp_path, rows)
    with pytest.raises(generate.ApiError, match=f"{name}.*append-only"):
        generate.abi_version(context)


def test_a_removed_entry_is_refused(monkeypatch, tmp_path, context):
    lock_with(monkeypatch, tmp_path, rows_of(context) + [(0, "func", "HPy_Gone", "int ()")])
    with pytest.raises(generate.ApiError, match="HPy_Gone was removed"):
        generate.abi_version(context)
