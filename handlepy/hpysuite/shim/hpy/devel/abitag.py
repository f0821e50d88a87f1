"""The ABI names HPy's tests read, with handlepy's values."""
import sysconfig

import handlepy
from handlepy import _loader

HPY_ABI_VERSION, HPY_ABI_VERSION_MINOR = _loader.abi_version()
HPY_ABI_TAG = f"handlepy{HPY_ABI_VERSION}"


def get_hpy_ext_suffix(hpy_abi, ext_suffix=None):
    # As HPy's: a CPython-ABI module has the interpreter's suffix, whatever ext_suffix is.
    if hpy_abi == "cpython":
        return sysconfig.get_config_var("EXT_SUFFIX")
    return handlepy.UNIVERSAL_SUFFIX
