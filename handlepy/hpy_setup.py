"""python -m handlepy.hpy_setup [SETUP.PY ARGUMENTS]: runs the ``setup.py`` of the current
folder, as ``python setup.py`` would, with handlepy standing in for HPy.

HPy projects list ``hpy`` in ``setup_requires``. Run directly, setuptools then downloads
and builds HPy into ``.eggs`` before it reads ``hpy_ext_modules``, and HPy, not handlepy,
builds the extensions. This runs the project's unchanged ``setup.py`` with that one
requirement left out (handlepy provides the ``hpy_ext_modules`` keyword); the others are
fetched as setuptools always does::

    python -m handlepy.hpy_setup --hpy-abi=universal build_ext --inplace

``pip install --no-build-isolation .`` needs no such help: pip's build backend never
installs ``setup_requires``.
"""
import os
import re
import runpy
import sys

import setuptools


def _without_hpy(requirements):
    if isinstance(requirements, str):
        requirements = requirements.splitlines()
    kept = []
    for req in requirements or ():
        name = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", req)
        if not (name and re.sub(r"[-_.]+", "-", name.group(1)).lower() == "hpy"):
            kept.append(req)
    return kept


USAGE = """\
usage: python -m handlepy.hpy_setup [SETUP.PY ARGUMENTS]

Runs the setup.py of the current folder, as python setup.py would, but leaves hpy out of
its setup_requires: handlepy builds the hpy_ext_modules of an HPy project. With a
setup.py here, --help is setup.py's help. For example:
  python -m handlepy.hpy_setup --hpy-abi=universal build_ext --inplace
"""


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if not os.path.exists("setup.py") and argv in (["-h"], ["--help"]):
        print(USAGE, end="")
        return
    if not os.path.exists("setup.py"):
        sys.exit("python -m handlepy.hpy_setup runs ./setup.py, and there is none here")
    install = getattr(setuptools, "_install_setup_requires", None)
    if install is None:
        sys.exit(f"setuptools {setuptools.__version__} installs setup_requires in a way "
                 "handlepy.hpy_setup does not know; build with "
                 "`pip install --no-build-isolation .` instead")

    def install_without_hpy(attrs):
        if "setup_requires" in attrs:
            attrs = {**attrs, "setup_requires": _without_hpy(attrs["setup_requires"])}
        return install(attrs)

    setuptools._install_setup_requires = install_without_hpy
    sys.argv = ["setup.py", *argv]
    runpy.run_path("setup.py", run_name="__main__")


if __name__ == "__main__":
    main()
