# A fixture imported into a conftest is visible to the tests below it, both here and
# in the copy installed as handlepy/conformance/tests.
from handlepy.conformance.plugin import hpy, hpy_legacy  # noqa: F401
