"""``build_micro.py BUILD OUTDIR``: compile one build of the micro benchmark modules.

Every build goes through setuptools, as HPy 0.9's own integration does, so all of them
get the interpreter's compiler flags and differ only in the API layer under test.
Run one build per process: setuptools and HPy's hook keep global state.
"""
import shutil
import sys
import tempfile
from pathlib import Path

from setuptools import Extension, setup

MICRO = Path(__file__).resolve().parent / "micro"


def strict():
    """Our own sources are held to the project's warning standard; HPy's are not ours."""
    from handlepy import build

    return build.WARNING_FLAGS


def build_capi(heap_type):
    """The baseline; with `heap_type`, its Custom is a heap type (PyType_FromSpec)."""
    def build(out, tmp):
        macros = [("MICRO_HEAP_TYPE", "1")] if heap_type else []
        ext = Extension("capi_micro", [str(MICRO / "capi_micro.c")],
                        define_macros=macros, extra_compile_args=strict())
        run_setup({"ext_modules": [ext]}, [], out, tmp)
    return build


def build_handlepy(abi):
    """Built as docs/building.md tells extension authors to: handlepy's setuptools
    helper adds the ABI's flags and runtime."""
    def build(out, tmp):
        from handlepy.setuptools_ext import HandlepyExtension, build_ext

        ext = HandlepyExtension("hpy_micro", [str(MICRO / "hpy_micro.c")],
                                extra_compile_args=[*strict(), "-fvisibility=hidden"])
        run_setup({"ext_modules": [ext], "cmdclass": {"build_ext": build_ext},
                   "options": {"build_ext": {"hpy_abi": abi}}}, [], out, tmp)
    return build


def build_hpy09(abi):
    """The source is ours, but HPy 0.9's headers do not meet -Werror; a call to an API
    HPy 0.9 lacks must still fail the build rather than the worker's import."""
    def build(out, tmp):
        ext = Extension("hpy_micro", [str(MICRO / "hpy_micro.c")],
                        extra_compile_args=["-Werror=implicit-function-declaration"])
        run_setup({"hpy_ext_modules": [ext]}, [f"--hpy-abi={abi}"], out, tmp)
    return build


def hpy_microbench_source(name):
    """A source of HPy 0.9's microbench/, from its sdist (downloaded once, never kept in
    the checkout): handlepy.hpysuite.fetch, as make test-hpy gets it."""
    from handlepy.hpysuite.fetch import hpy_sources

    return str(hpy_sources() / "microbench" / "src" / name)


# HPy's microbench/setup.py compiles both modules with -g only; so do these builds.
HPY_MICROBENCH_FLAGS = ["-g"]


def build_hpymb_capi(out, tmp):
    ext = Extension("cpy_simple", [hpy_microbench_source("cpy_simple.c")],
                    extra_compile_args=HPY_MICROBENCH_FLAGS)
    run_setup({"ext_modules": [ext]}, [], out, tmp)


def build_hpymb(abi, handlepy):
    """hpy_simple.c as an unchanged HPy project builds it (setup(hpy_ext_modules=...)),
    by HPy 0.9's setuptools hook or, where both are installed, by handlepy's when
    HANDLEPY_BUILD_HPY_EXT_MODULES=1 (docs/building.md)."""
    def build(out, tmp):
        import os

        os.environ["HANDLEPY_BUILD_HPY_EXT_MODULES"] = "1" if handlepy else "0"
        os.environ.pop("HANDLEPY_ABI", None)
        ext = Extension("hpy_simple", [hpy_microbench_source("hpy_simple.c")],
                        extra_compile_args=HPY_MICROBENCH_FLAGS)
        run_setup({"hpy_ext_modules": [ext]}, [f"--hpy-abi={abi}"], out, tmp)
    return build


BUILDS = {
    "capi": build_capi(heap_type=False),
    "capi-heap": build_capi(heap_type=True),
    "handlepy-cpython": build_handlepy("cpython"),
    "handlepy-universal": build_handlepy("universal"),
    "hpy09-cpython": build_hpy09("cpython"),
    "hpy09-universal": build_hpy09("universal"),
    "hpymb-capi": build_hpymb_capi,
    "hpymb-handlepy-cpython": build_hpymb("cpython", handlepy=True),
    "hpymb-handlepy-universal": build_hpymb("universal", handlepy=True),
    "hpymb-hpy09-cpython": build_hpymb("cpython", handlepy=False),
    "hpymb-hpy09-universal": build_hpymb("universal", handlepy=False),
}


def run_setup(kwargs, global_args, out, tmp):
    lib = Path(tmp) / "lib"
    setup(name="micro", version="0", py_modules=[],
          script_args=[*global_args, "-q", "build", "--build-lib", str(lib),
                       "--build-temp", str(Path(tmp) / "obj")],
          **kwargs)
    # HPy moves its universal builds to a folder of their own (lib-hpy-universal) and
    # puts a loader stub beside them, which the benchmark does not use.
    for built in Path(tmp).glob("lib*/*.so"):
        shutil.move(str(built), str(out / built.name))


def main(build, outdir):
    out = Path(outdir).resolve()
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        BUILDS[build](out, tmp)


if __name__ == "__main__":
    main(*sys.argv[1:])
