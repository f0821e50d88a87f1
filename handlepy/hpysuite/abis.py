"""Which ABI an HPy test id runs in."""
ALL_ABIS = ("cpython", "universal", "debug", "hybrid", "hybrid+debug", "trace")
# Folders whose tests fix their ``hpy_abi`` instead of taking it as a parameter.
FIXED_ABI_FOLDERS = {"test/debug/": "debug", "test/trace/": "trace"}


def abi_of(nodeid):
    for folder, abi in FIXED_ABI_FOLDERS.items():
        if nodeid.startswith(folder):
            return abi
    params = nodeid.rpartition("[")[2].rstrip("]").split("-") if nodeid.endswith("]") else []
    for param in params:
        if param in ALL_ABIS:
            return param
    return "none"


def without_abi(nodeid):
    """The test id with its ABI parameter left out: ``file::test[abi]`` -> ``file::test``."""
    if not nodeid.endswith("]"):
        return nodeid
    base, _, params = nodeid[:-1].rpartition("[")
    rest = [p for p in params.split("-") if p not in ALL_ABIS]
    return f"{base}[{'-'.join(rest)}]" if rest else base
