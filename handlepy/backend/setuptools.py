"""setuptools' backend, whose wheels are finished by handlepy (see ``handlepy.backend``):

    [build-system]
    build-backend = "handlepy.backend.setuptools"
    requires = ["setuptools", "handlepy"]
"""
from setuptools import build_meta as _backend

from . import wheel_hooks

get_requires_for_build_wheel, build_wheel = wheel_hooks(_backend)
get_requires_for_build_sdist = _backend.get_requires_for_build_sdist
build_sdist = _backend.build_sdist
# Editable wheels point at the source tree and are installed only where they are built.
get_requires_for_build_editable = _backend.get_requires_for_build_editable
prepare_metadata_for_build_editable = _backend.prepare_metadata_for_build_editable
build_editable = _backend.build_editable
