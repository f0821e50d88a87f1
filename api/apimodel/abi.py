"""The ABI lock: api/abi.lock gives every released context entry its slot for good:

    major 1
    release 1.0 293 <sha256 of slot rows 0-292>
    <slot> <minor> <kind> <name> <signature>

The context lists the locked entries by slot, then the entries the lock does not name
yet, in declaration order: those are the next minor version's, and `--lock` records
them. So the order of the api/*.api files follows topic and cannot move a slot.
"""
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

from .declarations import API_DIR, ApiError


def lock_path(api_dir):
    return Path(api_dir) / "abi.lock"


@dataclass
class Lock:
    major: int = 1
    rows: list = field(default_factory=list)  # (slot, minor, kind, name, signature)
    releases: list = field(default_factory=list)  # (minor, slot count, digest)


def lock_row(row):
    return " ".join(str(x) for x in row)


def rows_digest(rows):
    return hashlib.sha256("".join(lock_row(r) + "\n" for r in rows).encode()).hexdigest()


def read_lock(api_dir=API_DIR):
    lock, path = Lock(), lock_path(api_dir)
    if not path.exists():
        raise ApiError(f"{path} is missing: restore it from git (a new major version starts "
                       "from a lock holding only its 'major' line)")
    for lineno, line in enumerate(path.read_text().splitlines(), 1):
        where = f"abi.lock:{lineno}"
        if not line.strip() or line.startswith("#"):
            continue
        words = line.split(" ", 4)
        try:
            if words[0] == "major":
                lock.major = int(words[1])
            elif words[0] == "release":
                major, _, minor = words[1].partition(".")
                if int(major) != lock.major:
                    raise ApiError(f"{where}: release {words[1]} under major {lock.major}")
                lock.releases.append((int(minor), int(words[2]), words[3]))
            else:
                slot, minor, kind, name, sig = words
                row = (int(slot), int(minor), kind, name, sig)
        except (ValueError, IndexError):
            raise ApiError(f"{where}: cannot parse {line!r}") from None
        if words[0] in ("major", "release"):
            continue
        if row[0] != len(lock.rows):
            raise ApiError(f"{where}: slot {row[0]} where slot {len(lock.rows)} belongs: the "
                           "lock lists slots in order from 0, and a released slot never moves")
        if lock.rows and row[1] < lock.rows[-1][1]:
            raise ApiError(f"{where}: slot {row[0]} has minor version {row[1]}, older than "
                           "the slot before it: slots are only ever appended")
        lock.rows.append(row)
    check_releases(lock)
    return lock


def check_releases(lock):
    """Each released version's slots hash as they did when it was released, so that a
    slot moved, removed or changed by editing the lock is caught too."""
    unreleased = sorted({r[1] for r in lock.rows} - {minor for minor, _, _ in lock.releases})
    if unreleased:
        raise ApiError(f"abi.lock: slots of minor version {unreleased[0]} but no 'release "
                       f"{lock.major}.{unreleased[0]}' line; write the lock with "
                       "`api/generate.py --lock`")
    for minor, count, digest in lock.releases:
        rows = lock.rows[:count]
        expected = [r for r in lock.rows if r[1] <= minor]
        if len(expected) != count or rows_digest(rows) != digest:
            raise ApiError(
                f"abi.lock: the slots of released ABI {lock.major}.{minor} (slots 0 to "
                f"{count - 1}) are not what was released: a slot was moved, removed or "
                "changed in the lock. Released slots never change within a major version: "
                "restore them from git, or start a new major version (api/README.md)")


def layout(context, api_dir=API_DIR):
    """The context in slot order, the ABI version, and the lock it was checked against.
    Refuses a declaration set that removes or changes a locked entry."""
    lock = read_lock(api_dir)
    declared = {e.name: e for e in context}
    ordered = []
    for slot, minor, kind, name, sig in lock.rows:
        e = declared.pop(name, None)
        where = f"abi.lock slot {slot} ({kind} {name}, since ABI {lock.major}.{minor})"
        if e is None:
            raise ApiError(
                f"{where} is no longer declared in api/*.api: a released slot cannot be "
                f"removed within ABI {lock.major}; keep its declaration, or start ABI "
                f"{lock.major + 1} (api/README.md)")
        if (e.kind, e.signature()) != (kind, sig):
            raise ApiError(
                f"{e.source}: {e.name} is declared as {e.kind} {e.signature()}, but {where} "
                f"is {kind} {sig}: a released slot's signature cannot change within ABI "
                f"{lock.major}; add a function with a new name, or start ABI "
                f"{lock.major + 1} (api/README.md)")
        ordered.append(e)
    pending = [e for e in context if e.name in declared]
    locked_minor = max((r[0] for r in lock.releases), default=0)
    minor = locked_minor + 1 if pending and lock.rows else locked_minor
    return ordered + pending, lock.major, minor, lock


def write_lock(context, api_dir=API_DIR):
    """Records the unlocked entries of `context` as the next minor version's slots."""
    ordered, major, minor, lock = layout(context, api_dir)
    if len(ordered) == len(lock.rows):
        return
    rows = list(lock.rows)
    rows += [(slot, minor, e.kind, e.name, e.signature())
             for slot, e in enumerate(ordered[len(rows):], len(rows))]
    releases = lock.releases + [(minor, len(rows), rows_digest(rows))]
    out = ["# The context slots of every released handlepy ABI version, written by",
           "# `python3 api/generate.py --lock` at a release. A slot's number, kind, name and",
           "# signature never change within a major version: edit this file only to start a",
           "# new major version (api/README.md). Rows: slot, minor version that added it,",
           "# kind, name, signature.",
           f"major {major}"]
    out += [f"release {major}.{m} {count} {digest}" for m, count, digest in releases]
    out += [lock_row(r) for r in rows]
    lock_path(api_dir).write_text("\n".join(out) + "\n")
    record_release(major, minor, api_dir)


def releases_path(api_dir):
    return Path(api_dir) / "abi-releases"


def project_version(api_dir=API_DIR):
    """handlepy's version, as the checkout's pyproject.toml gives it (also for a copy of
    api/ elsewhere, as the generator's tests make)."""
    text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text()
    return re.search(r'^version = "([^"]+)"', text, re.M).group(1)


def abi_release(major, minor, api_dir=API_DIR):
    """The first handlepy release that provides ABI major.minor: what api/abi-releases
    recorded when that version was locked, else the version being developed (which
    will be that release). Binaries carry it, so that an older loader can say which
    handlepy to upgrade to."""
    path = releases_path(api_dir)
    if path.exists():
        for line in path.read_text().splitlines():
            if line and not line.startswith("#"):
                abi, version = line.split()
                if abi == f"{major}.{minor}":
                    return version
    return project_version(api_dir)


def record_release(major, minor, api_dir=API_DIR):
    """Adds ABI major.minor's release to api/abi-releases unless it is there."""
    path = releases_path(api_dir)
    lines = path.read_text().splitlines() if path.exists() else [
        "# ABI version, and the first handlepy release that provides it (--lock writes it)."]
    if not any(line.split()[:1] == [f"{major}.{minor}"] for line in lines
               if not line.startswith("#")):
        lines.append(f"{major}.{minor} {project_version(api_dir)}")
        path.write_text("\n".join(lines) + "\n")
