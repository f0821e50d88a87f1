# A fixture imported into a conftest is visible to the tests below it, both here and
# in the copy installed as handlepy/conformance/tests.
from handlepy.conformance.plugin import hpy, hpy_legacy  # noqa: F401


def pytest_configure(config):
    # handlepy.refleaks declares it too; here it is known where that plugin is not loaded.
    config.addinivalue_line("markers", "refleaks_skip(reason): run the test once, "
                                       "without the reference leak check")
