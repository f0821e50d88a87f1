"""``hpy.debug.pytest``: the ``hpy_debug`` fixture, a leak check around a test."""
import pytest

from .leakdetector import LeakDetector


@pytest.fixture
def hpy_debug(request):
    with LeakDetector() as detector:
        yield detector
