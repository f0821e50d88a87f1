from setuptools import setup

from handlepy.setuptools_ext import HandlepyExtension, build_ext

setup(
    name="spam",
    version="0.1.0",
    ext_modules=[HandlepyExtension("spam", ["spam.c"])],
    cmdclass={"build_ext": build_ext},
    # No handlepy in install_requires: as for Meson, the backend adds it where needed.
)
