"""docs/building.md shows the example projects that the build tests build, verbatim:
each ``<!-- example: FILE... -->`` marker is followed by the text of those files."""
import re
from pathlib import Path

from projectbuild import PROJECTS

DOC = Path(__file__).resolve().parents[2] / "docs" / "building.md"
EXAMPLE_RE = re.compile(r"<!-- example: ([^>]+) -->\n```\w*\n(.*?)^```$", re.S | re.M)


def test_every_shown_file_is_the_tested_one():
    shown = {}
    for names, text in EXAMPLE_RE.findall(DOC.read_text()):
        for name in names.split():
            shown[name] = text
    assert shown, "docs/building.md shows no example file"
    for name, text in shown.items():
        assert (PROJECTS / name).read_text() == text, f"docs/building.md shows another {name}"


def test_every_project_file_is_shown():
    files = {str(p.relative_to(PROJECTS)) for p in PROJECTS.rglob("*") if p.is_file()}
    shown = {name for names, _ in EXAMPLE_RE.findall(DOC.read_text()) for name in names.split()}
    assert files == shown
