"""meson-python, whose wheels are finished by handlepy (see ``handlepy.backend``):

    [build-system]
    build-backend = "handlepy.backend.mesonpy"
    requires = ["meson-python>=0.15", "handlepy"]
"""
import mesonpy as _backend

from . import wheel_hooks

get_requires_for_build_wheel, build_wheel = wheel_hooks(_backend)
get_requires_for_build_sdist = _backend.get_requires_for_build_sdist
build_sdist = _backend.build_sdist
get_requires_for_build_editable = _backend.get_requires_for_build_editable
build_editable = _backend.build_editable
