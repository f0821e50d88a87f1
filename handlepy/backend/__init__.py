"""PEP 517 build backends for projects with handlepy extensions: meson-python's
(``handlepy.backend.mesonpy``) and setuptools' (``handlepy.backend.setuptools``), each
unchanged but for the wheels it builds, which :func:`handlepy.wheel.finish` makes honest
about what their universal binaries need: tags ``py3-none-manylinux_...`` and
``Requires-Dist: handlepy>=X`` (docs/building.md, "Wheels").
"""
import tempfile
from pathlib import Path


def wheel_hooks(backend):
    """The wheel hooks of a backend that wraps ``backend``: ``get_requires_for_build_wheel``
    and ``build_wheel``.

    There is deliberately no ``prepare_metadata_for_build_wheel``: the requirement on
    handlepy depends on what the build makes, so front ends take the metadata from the
    built wheel (pip builds it once and keeps it for the install).
    """
    from .. import wheel

    def get_requires_for_build_wheel(config_settings=None):
        return [*backend.get_requires_for_build_wheel(config_settings),
                *wheel.AUDITWHEEL_REQUIRES]

    def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
        with tempfile.TemporaryDirectory(dir=wheel_directory) as tmp:
            name = backend.build_wheel(tmp, config_settings, metadata_directory)
            return wheel.finish(Path(tmp) / name, wheel_directory).name

    return get_requires_for_build_wheel, build_wheel
