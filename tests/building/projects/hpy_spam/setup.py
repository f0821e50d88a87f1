from setuptools import Extension, setup

# An HPy project's setup.py, unchanged: handlepy provides the hpy_ext_modules keyword.
setup(
    name="spam",
    version="0.1.0",
    hpy_ext_modules=[Extension("spam", ["spam.c"])],
    setup_requires=["hpy"],
)
