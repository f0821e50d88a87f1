from setuptools import setup

from handlepy.setuptools_ext import HandlepyExtension, build_ext

setup(
    name="geom",
    version="0.1.0",
    ext_modules=[HandlepyExtension("geom", ["geom.c"])],
    cmdclass={"build_ext": build_ext},
)
