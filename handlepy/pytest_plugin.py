"""pytest plugin (registered by entry point): a test that leaves handles open in a
module loaded in debug mode fails with the leak report.

``pytest --handlepy-debug`` loads every universal binary in debug mode (it sets
``HANDLEPY_DEBUG=1`` before the tests import anything). Mark a test with
``@pytest.mark.handlepy_allow_leaks`` to leave it unchecked.
"""
import os

import pytest


def pytest_addoption(parser):
    parser.addoption("--handlepy-debug", action="store_true",
                     help="load handlepy universal binaries in debug mode")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "handlepy_allow_leaks: do not fail the test for handles it leaves open")
    if config.getoption("--handlepy-debug"):
        os.environ["HANDLEPY_DEBUG"] = "1"


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    if item.get_closest_marker("handlepy_allow_leaks") is not None:
        return (yield)
    from handlepy.debug import LeakDetector

    detector = LeakDetector().start()
    result = yield
    detector.stop()
    return result
