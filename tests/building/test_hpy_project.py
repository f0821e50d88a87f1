"""An HPy project's unchanged setup.py (projects/hpy_spam: ``hpy_ext_modules``,
``setup_requires=['hpy']``) builds with handlepy in either ABI, chosen the ways HPy
offers (``setup.py --hpy-abi=``, ``dist.hpy_abi``) and handlepy's (``build_ext
--hpy-abi=``, ``HANDLEPY_ABI``); where another package registers ``hpy_ext_modules``
(HPy), handlepy steps aside unless asked not to."""
import sys
import textwrap

import pytest

from projectbuild import ABIS, check_spam, copy_project, expected_filename, python_references
from projectbuild import run, unpack_wheel

pytest.importorskip("setuptools", reason="the project builds with setuptools")

# What pip --no-build-isolation does for a project without pyproject.toml: setuptools'
# legacy backend, which installs no setup_requires.
LEGACY_WHEEL = """
import sys
from setuptools.build_meta import __legacy__ as backend
print(backend.build_wheel(sys.argv[1]))
"""


def hpy_setup(src, *args, env=None, check_ok=True):
    return run([sys.executable, "-m", "handlepy.hpy_setup", *args], cwd=src,
               env={"CFLAGS": "-Werror", "HANDLEPY_ABI": "", **(env or {})}, check_ok=check_ok)


def build_ext(src, *global_options, command_options=(), env=None):
    out = src / "out"
    hpy_setup(src, *global_options, "build_ext", *command_options, "--build-lib", out,
              "--build-temp", src / "tmp", env=env)
    # setup_requires' hpy was not fetched: handlepy built the module.
    assert not (src / ".eggs").exists()
    return out


@pytest.mark.parametrize("abi", ABIS)
def test_global_hpy_abi_option(abi, tmp_path):
    out = build_ext(copy_project("hpy_spam", tmp_path), f"--hpy-abi={abi}")
    check_spam(out, abi)
    if abi == "universal":
        assert python_references(out / expected_filename(abi)) == []


@pytest.mark.parametrize("abi", ABIS)
def test_build_ext_option_and_environment_variable(abi, tmp_path):
    src = copy_project("hpy_spam", tmp_path)
    check_spam(build_ext(src, command_options=[f"--hpy-abi={abi}"]), abi)
    other, = set(ABIS) - {abi}
    check_spam(build_ext(src, env={"HANDLEPY_ABI": other}), other)


def test_default_is_hpys(tmp_path):
    out = build_ext(copy_project("hpy_spam", tmp_path))
    check_spam(out, "cpython" if sys.implementation.name == "cpython" else "universal")


def test_dist_hpy_abi_attribute(tmp_path):
    # HPy's own test support sets dist.hpy_abi and runs build_ext.
    src = copy_project("hpy_spam", tmp_path)
    script = textwrap.dedent("""
        import sys
        from setuptools import Extension
        from setuptools.dist import Distribution
        dist = Distribution({"name": "spam", "hpy_ext_modules": [Extension("spam", ["spam.c"])],
                             "script_args": ["build_ext", "--build-lib", "out"]})
        dist.hpy_abi = "universal"
        dist.parse_command_line()
        dist.run_commands()
    """)
    run([sys.executable, "-c", script], cwd=src, env={"HANDLEPY_ABI": ""})
    check_spam(src / "out", "universal")


@pytest.mark.parametrize("abi", ABIS)
def test_wheel_without_build_isolation(abi, tmp_path):
    src = copy_project("hpy_spam", tmp_path)
    dist = tmp_path / "dist"
    proc = run([sys.executable, "-c", LEGACY_WHEEL, dist], cwd=src, env={"HANDLEPY_ABI": abi})
    wheel = dist / proc.stdout.splitlines()[-1]
    check_spam(unpack_wheel(wheel, abi, tmp_path / "site"), abi)


def test_unknown_abi_is_refused(tmp_path):
    proc = hpy_setup(copy_project("hpy_spam", tmp_path), "--hpy-abi=limited", "build_ext",
                     check_ok=False)
    assert proc.returncode != 0
    assert "must be one of universal, cpython, hybrid, not 'limited'" in proc.stderr


# A stand-in for HPy as PyPy ships it (an earlier HPy): a distribution registering the
# same keyword, whose hook puts in, whatever the distribution holds, a build_ext (a
# mix-in over the former one) that builds nothing and says so.
OTHER_HOOK = """
from setuptools.command.build_ext import build_ext

def hook(dist, attr, value):
    class other_build_ext(build_ext):
        _base_build_ext = dist.cmdclass.get("build_ext", build_ext)
        def run(self):
            print("other provider builds")
    dist.hpydevel = "other"
    dist.cmdclass["build_ext"] = other_build_ext
"""


@pytest.fixture
def other_provider(tmp_path):
    site = tmp_path / "other-site"
    info = site / "other_hpy-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: other-hpy\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(
        "[distutils.setup_keywords]\nhpy_ext_modules = other_hpy_hook:hook\n")
    (site / "other_hpy_hook.py").write_text(OTHER_HOOK)
    return site


def test_steps_aside_where_another_package_builds(other_provider, tmp_path):
    src = copy_project("hpy_spam", tmp_path)
    proc = hpy_setup(src, "build_ext", "--inplace", env={"PYTHONPATH": other_provider})
    assert ("handlepy: other-hpy is installed and builds hpy_ext_modules; set "
            "HANDLEPY_BUILD_HPY_EXT_MODULES=1 to build them with handlepy") in proc.stderr
    assert "other provider builds" in proc.stdout
    assert not list(src.glob("spam.*so"))


@pytest.mark.parametrize("abi", ABIS)
def test_builds_when_asked_where_another_package_would(abi, other_provider, tmp_path):
    src = copy_project("hpy_spam", tmp_path)
    out = build_ext(src, f"--hpy-abi={abi}",
                    env={"PYTHONPATH": other_provider, "HANDLEPY_BUILD_HPY_EXT_MODULES": "1"})
    check_spam(out, abi)


TWO_ADD = r"""
HPyDef_METH(two_add, "two_add", HPyFunc_VARARGS)
static HPy two_add_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    HPy a, b;
    if (!HPyArg_Parse(ctx, NULL, args, nargs, "OO:two_add", &a, &b))
        return HPy_NULL;
    return HPy_Add(ctx, a, b);
}

"""

CALL_TWO_ADD = """
import sys
sys.path.insert(0, sys.argv[1])
import spam
try:
    spam.two_add(1)
except TypeError as e:
    print(e)
"""


@pytest.mark.parametrize("abi", ABIS)
def test_hpy_projects_get_hpys_messages(abi, tmp_path):
    """hpy_ext_modules are compiled with HANDLEPY_HPY_MESSAGES: HPy 0.9's words, which
    the project's own tests expect (docs/building.md)."""
    src = copy_project("hpy_spam", tmp_path)
    source = (src / "spam.c").read_text()
    source = source.replace("static HPyDef *spam_defines[] = {&pair,",
                            TWO_ADD + "static HPyDef *spam_defines[] = {&two_add, &pair,")
    (src / "spam.c").write_text(source)
    out = build_ext(src, f"--hpy-abi={abi}")
    proc = run([sys.executable, "-c", CALL_TWO_ADD, out], cwd=tmp_path)
    assert proc.stdout.strip() == "two_add() required positional argument missing"
