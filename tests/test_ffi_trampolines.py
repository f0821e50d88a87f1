"""HANDLEPY_TRAMPOLINES=ffi: the universal loader binds the context into libffi closures
instead of installing the extension's generated trampolines.

Each mode runs in a fresh interpreter, since the loader reads the variable when it first
loads a binary. The module can point its hidden context global at a renamed copy of the
context: generated trampolines then pass the copy, closures still pass the loader's own,
which tells the two bindings apart without crashing either.
"""
import json
import os
import subprocess
import sys

import pytest

from handlepy.conformance import ExtensionCompiler

SOURCE = """
    static HPy ctx_name(HPyContext *ctx)
    {
        return HPyUnicode_FromString(ctx, ctx->name);
    }

    static HPy pair(HPyContext *ctx, HPy second)
    {
        HPy name = ctx_name(ctx);
        HPy result = HPyTuple_Pack(ctx, 2, name, second);
        HPy_Close(ctx, name);
        return result;
    }

    HPyDef_METH(noargs, "noargs", HPyFunc_NOARGS)
    static HPy noargs_impl(HPyContext *ctx, HPy self)
    {
        return ctx_name(ctx);
    }

    HPyDef_METH(onearg, "onearg", HPyFunc_O)
    static HPy onearg_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        return pair(ctx, arg);
    }

    HPyDef_METH(varargs, "varargs", HPyFunc_VARARGS)
    static HPy varargs_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        HPy items = HPyTuple_FromArray(ctx, (HPy *)args, (HPy_ssize_t)nargs);
        HPy result = pair(ctx, items);
        HPy_Close(ctx, items);
        return result;
    }

    HPyDef_METH(keywords, "keywords", HPyFunc_KEYWORDS)
    static HPy keywords_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                             HPy kwnames)
    {
        HPy_ssize_t nkw = HPy_IsNull(kwnames) ? 0 : HPy_Length(ctx, kwnames);
        HPy pos = HPyTuple_FromArray(ctx, (HPy *)args, (HPy_ssize_t)nargs);
        HPy kw = HPyDict_New(ctx);
        for (HPy_ssize_t i = 0; i < nkw; i++) {
            HPy key = HPy_GetItem_i(ctx, kwnames, i);
            HPy_SetItem(ctx, kw, key, args[nargs + (size_t)i]);
            HPy_Close(ctx, key);
        }
        HPy both = HPyTuple_Pack(ctx, 2, pos, kw);
        HPy result = pair(ctx, both);
        HPy_Close(ctx, pos);
        HPy_Close(ctx, kw);
        HPy_Close(ctx, both);
        return result;
    }

    HPyDef_METH(fail, "fail", HPyFunc_O)
    static HPy fail_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPyErr_SetString(ctx, ctx->h_ValueError, "failed on purpose");
        return HPy_NULL;
    }

    HPyDef_SLOT(exec_record, HPy_mod_exec)
    static int exec_record_impl(HPyContext *ctx, HPy m)
    {
        HPy name = ctx_name(ctx);
        int res = HPy_SetAttr_s(ctx, m, "exec_context", name);
        HPy_Close(ctx, name);
        return res;
    }

    static HPyContext renamed;

    HPyDef_METH(redirect, "redirect", HPyFunc_NOARGS)
    static HPy redirect_impl(HPyContext *ctx, HPy self)
    {
        renamed = *ctx;
        renamed.name = "renamed copy";
        _handlepy_ctx = &renamed;
        return HPy_Dup(ctx, ctx->h_None);
    }

    @EXPORT(noargs)
    @EXPORT(onearg)
    @EXPORT(varargs)
    @EXPORT(keywords)
    @EXPORT(fail)
    @EXPORT(exec_record)
    @EXPORT(redirect)
    @INIT
"""

# Runs in the child: loads the binary, calls every convention before and after the
# module redirects its context global, prints what the calls saw as JSON.
CHILD = r"""
import json, sys
import handlepy

mod = handlepy.load(sys.argv[1], sys.argv[2])

def calls():
    return {
        "noargs": mod.noargs(),
        "onearg": list(mod.onearg(42)),
        "varargs": [mod.varargs(1, "two", None)[0], list(mod.varargs(1, "two", None)[1])],
        "keywords": [mod.keywords(1, b=2)[0], list(mod.keywords(1, b=2)[1][0]),
                     mod.keywords(1, b=2)[1][1]],
    }

def error(fn, *args, **kw):
    try:
        fn(*args, **kw)
    except Exception as e:
        return [type(e).__name__, str(e)]
    return None

out = {"exec": mod.exec_context, "before": calls(),
       "errors": [error(mod.fail, 1), error(mod.noargs, 1), error(mod.onearg),
                  error(mod.onearg, x=1)]}
mod.redirect()
out["after"] = calls()
print(json.dumps(out))
"""

LOADER_CONTEXT = "HPy Universal ABI (handlepy)"


@pytest.fixture(scope="module")
def binary():
    return ExtensionCompiler("universal").build(SOURCE)


def run_child(binary, mode):
    name, path = binary
    env = dict(os.environ)
    env.pop("HANDLEPY_TRAMPOLINES", None)
    if mode is not None:
        env["HANDLEPY_TRAMPOLINES"] = mode
    # Not from the checkout's root: its handlepy/ (no _loader) would shadow the installed one.
    return subprocess.run([sys.executable, "-c", CHILD, name, str(path)],
                          capture_output=True, text=True, env=env, cwd=os.path.dirname(path),
                          timeout=120)


def calls_seeing(context):
    return {
        "noargs": context,
        "onearg": [context, 42],
        "varargs": [context, [1, "two", None]],
        "keywords": [context, [1], {"b": 2}],
    }


def assert_host_errors(errors):
    # CPython 3.10+ qualifies the function name with the module's; older hosts do not.
    expected = [("ValueError", "failed on purpose"),
                ("TypeError", "noargs() takes no arguments (1 given)"),
                ("TypeError", "onearg() takes exactly one argument (0 given)"),
                ("TypeError", "onearg() takes no keyword arguments")]
    assert len(errors) == len(expected)
    for (kind, message), (want_kind, want_end) in zip(errors, expected):
        assert kind == want_kind and message.endswith(want_end), (kind, message)


def test_ffi_closures_carry_the_loader_context(binary):
    proc = run_child(binary, "ffi")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["exec"] == LOADER_CONTEXT
    assert out["before"] == calls_seeing(LOADER_CONTEXT)
    assert_host_errors(out["errors"])
    # Closures never read the global, so redirecting it changes nothing.
    assert out["after"] == calls_seeing(LOADER_CONTEXT)


@pytest.mark.parametrize("mode", [None, "", "generated"])
def test_generated_trampolines_are_the_default(binary, mode):
    proc = run_child(binary, mode)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["exec"] == LOADER_CONTEXT
    assert out["before"] == calls_seeing(LOADER_CONTEXT)
    assert_host_errors(out["errors"])
    assert out["after"] == calls_seeing("renamed copy")


def test_unknown_mode_refuses_the_import(binary):
    proc = run_child(binary, "assembly")
    assert proc.returncode != 0
    assert ("ImportError: HANDLEPY_TRAMPOLINES must be 'generated' or 'ffi', not 'assembly'"
            in proc.stderr)
