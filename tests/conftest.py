# The reference leak checker: off unless --refleaks (or HANDLEPY_REFLEAKS=1) is given, on a
# debug build of CPython; loaded here so that its option and marker are always known.
pytest_plugins = ["handlepy.refleaks"]
