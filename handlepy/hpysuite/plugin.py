"""pytest plugin for runs of HPy's test suite: keeps the ABIs asked for
(``HANDLEPY_HPY_ABIS``) and writes each test's outcome to ``HANDLEPY_HPY_RESULTS``
(JSON), which the compatibility report reads."""
import json
import os
import platform
import sys

from .abis import abi_of

_outcomes = {}


def pytest_collection_modifyitems(config, items):
    wanted = os.environ.get("HANDLEPY_HPY_ABIS")
    if not wanted:
        return
    wanted = set(wanted.split(","))
    kept, dropped = [], []
    for item in items:
        (kept if abi_of(item.nodeid) in wanted else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def pytest_runtest_logreport(report):
    # Runs in the controller under xdist too, where a worker's crash arrives as a failed
    # report of the test it was running.
    if report.when != "call" and report.passed:
        return
    previous = _outcomes.get(report.nodeid)
    if previous is not None and previous["outcome"] != "passed":
        return
    message = ""
    if not report.passed:
        longrepr = report.longrepr
        if isinstance(longrepr, tuple):
            message = longrepr[2]
        elif hasattr(longrepr, "reprcrash") and longrepr.reprcrash is not None:
            message = longrepr.reprcrash.message
        else:
            message = str(longrepr).strip().splitlines()[-1] if longrepr else ""
    _outcomes[report.nodeid] = {"outcome": report.outcome, "when": report.when,
                                "message": message[:2000],
                                "crashed": "crashed while running" in str(report.longrepr)}


def pytest_sessionfinish(session):
    path = os.environ.get("HANDLEPY_HPY_RESULTS")
    if not path or hasattr(session.config, "workerinput"):
        return
    implementation = platform.python_implementation()
    version = ".".join(map(str, sys.version_info[:3]))
    if implementation == "PyPy":
        version = ".".join(map(str, sys.version_info[:2])) + \
            f" (PyPy {'.'.join(map(str, sys.pypy_version_info[:3]))})"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump({"interpreter": f"{implementation} {version}", "tests": _outcomes}, f,
                  indent=1, sort_keys=True)
