"""python -m handlepy.conformance [pytest options]: run the conformance suite."""
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent / "tests"


USAGE = """\
usage: python -m handlepy.conformance [pytest options] [test files or folders]

Runs handlepy's conformance suite, installed with handlepy, on this interpreter in
every ABI it supports (HANDLEPY_ABIS=universal narrows the list; docs/conformance.md
says more). It takes pytest's options, which follow.
"""


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    if "-h" in args or "--help" in args:
        # pytest's own help names its caller pytest.main(): say first what this runs.
        print(USAGE)
    return pytest.main([str(TESTS), "-p", "no:cacheprovider", "--rootdir", str(TESTS), *args])


if __name__ == "__main__":
    sys.exit(main())
