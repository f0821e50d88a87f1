"""The ABI names HPy's tests read, with handlepy's values."""
from handlepy import _loader, build

HPY_ABI_VERSION, HPY_ABI_VERSION_MINOR = _loader.abi_version()
# hpy.h's HPY_ABI_TAG: the tag of handlepy's file names, which carry no ABI version.
HPY_ABI_TAG = "handlepy"


def get_hpy_ext_suffix(hpy_abi, ext_suffix=None):
    """The file-name ending of a module built for ``hpy_abi``; handlepy's universal
    binaries have one ending for every ABI version, since each binary says its own."""
    abi = {"debug": "universal", "trace": "universal"}.get(hpy_abi, hpy_abi)
    if abi == "cpython" and ext_suffix is not None:
        return ext_suffix
    return build.ext_suffix(abi)
