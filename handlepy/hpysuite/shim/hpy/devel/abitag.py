"""The ABI names HPy's tests read, with handlepy's values."""
import handlepy
from handlepy import _loader

HPY_ABI_VERSION, HPY_ABI_VERSION_MINOR = _loader.abi_version()
HPY_ABI_TAG = f"handlepy{HPY_ABI_VERSION}"


def get_hpy_ext_suffix(hpy_abi, ext_suffix=None):
    return handlepy.UNIVERSAL_SUFFIX if hpy_abi != "cpython" else ext_suffix
