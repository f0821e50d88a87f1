"""handlepy's stand-in for the ``hpy`` package, for running HPy's test suite only.

Not installed on ``sys.path``: ``python -m handlepy.hpysuite`` puts its folder there for
the run. See handlepy/hpysuite/__init__.py.
"""
