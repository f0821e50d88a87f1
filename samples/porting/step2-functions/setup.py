from setuptools import setup

from handlepy.setuptools_ext import HandlepyExtension, build_ext

setup(name="counter", version="0.1.0", ext_modules=[HandlepyExtension("counter", ["counter.c"])],
      cmdclass={"build_ext": build_ext})
