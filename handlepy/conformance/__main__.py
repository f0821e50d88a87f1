"""``python -m handlepy.conformance [pytest options]``: run the conformance suite."""
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent / "tests"


def main(argv=None):
    args = sys.argv[1:] if argv is None else argv
    return pytest.main([str(TESTS), "-p", "no:cacheprovider", "--rootdir", str(TESTS), *args])


if __name__ == "__main__":
    sys.exit(main())
