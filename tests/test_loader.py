"""The universal loader: plain import, ABI refusal, and binaries free of Python symbols."""
import re
import shutil
import subprocess
import sys
import textwrap
import types

import pytest

import handlepy
from handlepy import build
from handlepy.conformance.compiler import CFLAGS, ExtensionCompiler

ROOT = build.PACKAGE_DIR


def compile_universal(c_source, out, abi="universal"):
    src = out.parent / (out.name.split(".")[0] + ".c")
    src.write_text(textwrap.dedent(c_source))
    shutil.copyfile(build.build_cached(src.stem, [src], abi, flags=CFLAGS), out)
    return out


def undefined_symbols(path):
    out = subprocess.run(["nm", "-D", "--undefined-only", str(path)], check=True,
                         capture_output=True, text=True).stdout
    return [line.split()[-1] for line in out.splitlines() if line.strip()]


HELLO = """
    #include "hpy.h"
    HPyDef_METH(hello, "hello", HPyFunc_NOARGS)
    static HPy hello_impl(HPyContext *ctx, HPy self)
    {
        return HPyUnicode_FromString(ctx, "hello from " HPY_ABI);
    }
    static HPyDef *defines[] = {&hello, NULL};
    static HPyModuleDef def = {.defines = defines};
    HPy_MODINIT(NAME, def)
"""


def run_python(code, cwd):
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd,
                          capture_output=True, text=True)


def test_plain_import_needs_no_stub(tmp_path):
    compile_universal(HELLO.replace("NAME", "plainmod"), tmp_path / "plainmod.handlepy.so")
    proc = run_python("""
        import plainmod
        print(plainmod.hello(), plainmod.__name__, plainmod.__file__)
    """, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[:4] == ["hello", "from", "universal", "plainmod"]
    assert not [p for p in tmp_path.iterdir() if p.suffix in (".py", ".pyc")]


def test_plain_import_of_a_submodule(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    compile_universal(HELLO.replace("NAME", "sub"), pkg / "sub.handlepy.so")
    proc = run_python("""
        import pkg.sub
        from pkg import sub
        print(sub.__name__, sub.__spec__.name, sub.hello())
    """, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split()[:2] == ["pkg.sub", "pkg.sub"]


def test_the_standard_finders_win_over_a_universal_binary(tmp_path):
    """Side by side, a CPython extension and a .py module are imported before a universal
    binary of the same name (the finder is last on sys.meta_path), also when the
    universal binary is in an earlier sys.path folder."""
    compile_universal(HELLO.replace("NAME", "both"), tmp_path / "both.handlepy.so")
    (tmp_path / "cpy").mkdir()
    shutil.move(compile_universal(HELLO.replace("NAME", "both"),
                                  tmp_path / "cpy" / f"both{build.ext_suffix('cpython')}",
                                  abi="cpython"), tmp_path)
    later = tmp_path / "later"
    later.mkdir()
    (later / "other.py").write_text("where = 'py'\n")
    compile_universal(HELLO.replace("NAME", "other"), tmp_path / "other.handlepy.so")
    proc = run_python("""
        import sys
        sys.path.append("later")
        import both, other
        print(both.hello(), other.where)
    """, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["hello", "from", "cpython", "py"]


def test_the_finder_is_registered_at_startup():
    proc = run_python("import sys; print([repr(f) for f in sys.meta_path])", ".")
    assert "<handlepy.UniversalFinder>" in proc.stdout


def test_a_missing_module_is_still_an_import_error(tmp_path):
    proc = run_python("import no_such_module_anywhere", tmp_path)
    assert "ModuleNotFoundError: No module named 'no_such_module_anywhere'" in proc.stderr




def doctored(name, major, minor, release=None):
    """HELLO for module ``name`` with the ABI version (and the release it names) changed."""
    lines = ["#undef HPY_ABI_VERSION", f"#define HPY_ABI_VERSION {major}",
             "#undef HPY_ABI_VERSION_MINOR", f"#define HPY_ABI_VERSION_MINOR {minor}"]
    if release is not None:
        lines += ["#undef HANDLEPY_ABI_RELEASE", f'#define HANDLEPY_ABI_RELEASE "{release}"']
    return HELLO.replace("NAME", name).replace(
        "static HPyDef *defines", "\n".join(lines) + "\n    static HPyDef *defines")


@pytest.mark.parametrize("bump", ["major", "minor"])
def test_a_newer_binary_says_which_handlepy_to_upgrade_to(tmp_path, bump):
    major, minor = handlepy.abi_version()
    want = (major + 1, 0) if bump == "major" else (major, minor + 1)
    name = f"future_{bump}"
    so = compile_universal(doctored(name, *want, release="9.8.7"),
                           tmp_path / f"{name}.handlepy.so")
    with pytest.raises(ImportError) as info:
        handlepy.load(name, so)
    assert str(info.value) == (
        f"module {name} was built for handlepy ABI {want[0]}.{want[1]}, newer than this "
        f"handlepy ({handlepy.__version__}, ABI {major}.{minor}): upgrade handlepy to 9.8.7 "
        "or later")


def test_every_binary_names_the_first_release_of_its_abi(tmp_path):
    so = compile_universal(HELLO.replace("NAME", "named"), tmp_path / "named.handlepy.so")
    out = subprocess.run(["nm", "-D", "--defined-only", str(so)], check=True,
                         capture_output=True, text=True).stdout
    assert "handlepy_release_named" in out


FAKE_ABI = """
    #include <stdint.h>
    __attribute__((visibility("default"))) uint32_t handlepy_abi_NAME(void)
    {
        return (MAJOR << 16) | MINOR;
    }
    __attribute__((visibility("default"))) void *handlepy_init_NAME(void *ctx)
    {
        (void)ctx;
        return 0;
    }
"""


def test_a_newer_binary_without_a_release_name_still_says_upgrade(tmp_path):
    major, minor = handlepy.abi_version()
    src = tmp_path / "norelease.c"
    src.write_text(FAKE_ABI.replace("NAME", "norelease").replace("MAJOR", str(major))
                   .replace("MINOR", str(minor + 3)))
    so = tmp_path / "norelease.handlepy.so"
    subprocess.run(["cc", "-shared", "-fPIC", str(src), "-o", str(so)], check=True)
    with pytest.raises(ImportError, match=(
            rf"built for handlepy ABI {major}\.{minor + 3}, newer than this handlepy .*: "
            rf"upgrade handlepy to a release that provides ABI {major}\.{minor + 3}$")):
        handlepy.load("norelease", so)


def test_an_older_binary_says_rebuild_with_this_handlepy(tmp_path):
    major, minor = handlepy.abi_version()
    so = compile_universal(doctored("past", major - 1, 4), tmp_path / "past.handlepy.so")
    with pytest.raises(ImportError) as info:
        handlepy.load("past", so)
    version = handlepy.__version__
    assert str(info.value) == (
        f"module past was built for handlepy ABI {major - 1}.4, which this handlepy "
        f"({version}, ABI {major}.{minor}) no longer loads: rebuild it with handlepy {version}")


def test_a_renamed_binary_says_it_was_renamed(tmp_path):
    compile_universal(HELLO.replace("NAME", "geom"), tmp_path / "geom.handlepy.so")
    renamed = tmp_path / "geometry.handlepy.so"
    (tmp_path / "geom.handlepy.so").rename(renamed)
    with pytest.raises(ImportError) as info:
        handlepy.load("geometry", renamed)
    assert str(info.value) == (
        f"{renamed} is the universal binary of module 'geom', renamed: a binary keeps the "
        "module name it was built with, so rename it back to geom.handlepy.so, or rebuild "
        "it as 'geometry'")
    # The same through a plain import, and in a package.
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    renamed.rename(pkg / "shapes.handlepy.so")
    proc = run_python("import pkg.shapes", tmp_path)
    assert "ImportError: " in proc.stderr
    assert "universal binary of module 'geom', renamed" in proc.stderr
    assert "rebuild it as 'shapes'" in proc.stderr


# A binary made by hand rather than by HPy_MODINIT: it claims the ABI version it is told
# to, its init returns what it is told to, and it counts how often its init ran.
HAND_MADE = """
    #include "hpy.h"
    static long inits;
    HPyDef_METH(init_count, "init_count", HPyFunc_NOARGS)
    static HPy init_count_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromLong(ctx, inits);
    }
    static HPyDef *defines[] = {&init_count, NULL};
    static HPyModuleDef def = {.defines = defines};
    _HPy_HIDDEN HPyContext *_handlepy_ctx;
    HPy_EXPORTED_SYMBOL uint32_t handlepy_abi_NAME(void)
    {
        return ((uint32_t)MAJOR << 16) | MINOR;
    }
    HPy_EXPORTED_SYMBOL HPyModuleDef *handlepy_init_NAME(HPyContext *ctx)
    {
        _handlepy_ctx = ctx;
        inits++;
        INIT
        return &def;
    }
"""


def hand_made(tmp_path, name, version=None, init=""):
    major, minor = version or handlepy.abi_version()
    source = (HAND_MADE.replace("NAME", name).replace("MAJOR", str(major))
              .replace("MINOR", str(minor)).replace("INIT", init))
    return compile_universal(source, tmp_path / f"{name}.handlepy.so")


def test_a_binary_built_for_this_minor_version_loads(tmp_path):
    so = hand_made(tmp_path, "this_minor")
    assert handlepy.load("this_minor", so).init_count() == 1


@pytest.mark.skipif(handlepy.abi_version()[1] == 0,
                    reason="the loader provides ABI x.0: there is no older minor version")
def test_a_binary_built_for_an_older_minor_version_loads(tmp_path):
    """Its context is a prefix of this one (api/abi.lock): every slot it knows holds the
    function it was built against."""
    major, minor = handlepy.abi_version()
    so = hand_made(tmp_path, "older_minor", (major, minor - 1))
    assert handlepy.load("older_minor", so).init_count() == 1


def test_an_init_that_fails_silently_is_a_system_error(tmp_path):
    so = hand_made(tmp_path, "silent_init", init="return NULL;")
    for _ in range(2):
        with pytest.raises(SystemError, match="^initialization of silent_init failed "
                           "without raising an exception$"):
            handlepy.load("silent_init", so)


def test_an_init_that_raises_passes_its_exception_on(tmp_path):
    so = hand_made(tmp_path, "raising_init", init=(
        'HPyErr_SetString(ctx, ctx->h_ImportError, "not today"); return NULL;'))
    with pytest.raises(ImportError, match="^not today$"):
        handlepy.load("raising_init", so)


class HashesOnce(str):
    """A path whose second hash fails: the loader's cache lookup passes, its store fails."""

    def __init__(self, value):
        self.hashes = 0

    def __hash__(self):
        self.hashes += 1
        if self.hashes > 1:
            raise RuntimeError("no second hash")
        return str.__hash__(self)


def is_mapped(path):
    with open("/proc/self/maps") as maps:
        return str(path) in maps.read()


@pytest.mark.parametrize("mode", ["generated", "ffi", "debug", "trace"])
def test_a_failed_cache_store_releases_the_binary(tmp_path, monkeypatch, mode):
    """In every mode: the libffi closures of the last three are released too."""
    from handlepy import _loader

    monkeypatch.setenv("HANDLEPY_TRAMPOLINES", "ffi" if mode == "ffi" else "generated")
    debug, trace = mode == "debug", mode == "trace"
    so = hand_made(tmp_path, "store_fails")
    origin = HashesOnce(str(so))
    with pytest.raises(RuntimeError, match="no second hash"):
        _loader.create(types.SimpleNamespace(name="store_fails", origin=origin), debug, trace)
    assert origin.hashes == 2
    assert not is_mapped(so)
    # Loaded afresh: its init runs once in this copy of the binary, not twice in one
    # that stayed open.
    spec = types.SimpleNamespace(name="store_fails", origin=str(so))
    assert _loader.create(spec, debug, trace).init_count() == 1


# An init that leaves Python for a while: the GIL is free while the loader is between
# its cache check and its store (docs/design.md, "Without the GIL").
SLOW_INIT = """
    HPyThreadState state = HPy_LeavePythonExecution(ctx);
    thrd_sleep(&(struct timespec){.tv_nsec = 20000000}, NULL);
    HPy_ReenterPythonExecution(ctx, state);
"""


@pytest.mark.parametrize("mode", ["generated", "debug"])
def test_threads_loading_one_binary_run_its_init_once(tmp_path, mode):
    """Threads create the module of one binary at once, its init leaving Python in the
    middle: the cache's check, init and store are one step under the loader's lock, so
    the init runs once and every module shares the definition it made. Without the lock
    every thread would find the cache empty while the first one sleeps."""
    import threading

    from handlepy import _loader

    source = (HAND_MADE.replace('#include "hpy.h"', '#include "hpy.h"\n#include <threads.h>')
              .replace("NAME", "slow_init").replace("INIT", SLOW_INIT))
    major, minor = handlepy.abi_version()
    source = source.replace("MAJOR", str(major)).replace("MINOR", str(minor))
    so = compile_universal(source, tmp_path / "slow_init.handlepy.so")
    spec = types.SimpleNamespace(name="slow_init", origin=str(so))
    threads_count = 6
    barrier = threading.Barrier(threads_count)
    modules, errors = [], []

    def load():
        try:
            barrier.wait()
            modules.append(_loader.create(spec, mode == "debug", False))
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=load) for _ in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    assert len(modules) == threads_count
    assert [m.init_count() for m in modules] == [1] * threads_count


NO_MEMORY = """
    import os, shutil, sys, types
    import _testcapi
    from handlepy import _loader

    binary, base = sys.argv[1:]
    outcomes = []
    for n in range(400):
        path = os.path.join(base, str(n), "nomem.handlepy.so")
        os.mkdir(os.path.dirname(path))
        shutil.copy(binary, path)
        spec = types.SimpleNamespace(name="nomem", origin=path)
        _testcapi.set_nomemory(n, n + 1)
        try:
            _loader.create(spec, False, False)
            failed = False
        except MemoryError:
            failed = True
        finally:
            _testcapi.remove_mem_hooks()
        if not failed:
            break
        with open("/proc/self/maps") as maps:
            mapped = path in maps.read()
        outcomes.append((mapped, _loader.create(spec, False, False).init_count()))
    print(outcomes)
"""


@pytest.mark.skipif(sys.implementation.name != "cpython",
                    reason="memory failures are injected with CPython's _testcapi")
def test_each_failed_allocation_of_a_load_releases_the_binary_or_caches_it(tmp_path):
    """Every allocation of a load fails once, in turn (the cache's capsule among them).
    After each failure the binary is either closed, or cached with its definition: a
    retry loads it without running its init a second time. A failure that kept the
    binary open without caching it shows as an init that ran twice."""
    pytest.importorskip("_testcapi")
    so = hand_made(tmp_path, "nomem")
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(NO_MEMORY), str(so),
                           str(tmp_path)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    outcomes = eval(proc.stdout)
    assert len(outcomes) > 3
    assert all(count == 1 for _, count in outcomes), outcomes
    # Some failures came before the cache store (the binary closed), some after it.
    assert {mapped for mapped, _ in outcomes} == {False, True}, outcomes


def test_a_non_handlepy_library_is_refused(tmp_path):
    src = tmp_path / "plain.c"
    src.write_text("int plain_function(void) { return 1; }\n")
    so = tmp_path / "plain.handlepy.so"
    subprocess.run(["cc", "-shared", "-fPIC", str(src), "-o", str(so)], check=True)
    with pytest.raises(ImportError,
                       match="is not a handlepy universal binary: no handlepy_abi_plain"):
        handlepy.load("plain", so)


def all_context_functions():
    """Every function a universal build can call (hybrid-only ones it cannot)."""
    header = (ROOT / "include" / "handlepy" / "universal" / "autogen_calls.h").read_text()
    hybrid_only = set(re.findall(r'_HPy_UNAVAILABLE\("[^"]*?(\w+) needs the C API', header))
    return [f for f in re.findall(r"^HPyAPI_FUNC .*?\b(\w+)\(HPyContext \*ctx", header, re.M)
            if f not in hybrid_only]


def test_universal_binary_using_every_function_links_no_python_symbol(tmp_path):
    functions = all_context_functions()
    assert len(functions) > 150
    refs = ",\n".join(f"    (void (*)(void))&{f}" for f in functions)
    source = HELLO.replace("NAME", "everything") + (
        "\n__attribute__((visibility(\"default\"))) void (*every_function[])(void) = {\n"
        f"{refs}\n}};\n")
    so = compile_universal(source, tmp_path / "everything.handlepy.so")
    python_symbols = [s for s in undefined_symbols(so) if re.match(r"_?Py", s)]
    assert python_symbols == []
    assert handlepy.load("everything", so).hello() == "hello from universal"


def test_conformance_binaries_link_no_python_symbol():
    compiler = ExtensionCompiler("universal")
    compiler.build("@INIT\n")
    binaries = list(compiler.cache_dir.rglob("*.handlepy.so"))
    assert binaries
    offenders = {b.name: s for b in binaries
                 for s in undefined_symbols(b) if re.match(r"_?Py", s)}
    assert offenders == {}
