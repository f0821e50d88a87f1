# A fixture imported into a conftest is visible to the tests below it, both here and
# in the copy installed as handlepy/conformance/tests.
from handlepy.conformance.plugin import (HPY_UNDEFINED_MARKER, hpy, hpy_legacy,  # noqa: F401
                                         run_allowing_hpy_undefined)

pytest_runtest_call = run_allowing_hpy_undefined


def pytest_configure(config):
    # handlepy.refleaks declares it too; here it is known where that plugin is not loaded.
    config.addinivalue_line("markers", "refleaks_skip(reason): run the test once, "
                                       "without the reference leak check")
    config.addinivalue_line("markers", HPY_UNDEFINED_MARKER)
