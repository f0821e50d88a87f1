"""Debug mode binds every kind of function a module or type can have: the conformance
suite passes with its modules in debug and trace mode, and the buffer slots, which it
does not cover, work too."""
import os
import platform
import subprocess
import sys
import tempfile

import pytest

from debugtools import load

BUFFER_SOURCE = """
    #include <string.h>
    static char data[] = "buffer contents";
    static long released;

    HPyDef_SLOT(Buf_getbuffer, HPy_bf_getbuffer)
    static int Buf_getbuffer_impl(HPyContext *ctx, HPy self, HPy_buffer *view, int flags)
    {
        memset(view, 0, sizeof *view);
        view->buf = data;
        view->obj = HPy_Dup(ctx, self);
        view->len = (HPy_ssize_t)strlen(data);
        view->itemsize = 1;
        view->readonly = 1;
        view->ndim = 1;
        return 0;
    }

    HPyDef_SLOT(Buf_releasebuffer, HPy_bf_releasebuffer)
    static void Buf_releasebuffer_impl(HPyContext *ctx, HPy self, HPy_buffer *view)
    {
        /* The exporter arrives as a handle like any argument. */
        if (HPy_Is(ctx, self, view->obj))
            released++;
    }

    HPyDef_METH(released_count, "released", HPyFunc_NOARGS)
    static HPy released_count_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromLong(ctx, released);
    }

    static HPyDef *buf_defines[] = { &Buf_getbuffer, &Buf_releasebuffer, NULL };
    static HPyType_Spec buf_spec = {
        .name = "debugbuf.Buf",
        .flags = HPy_TPFLAGS_DEFAULT,
        .defines = buf_defines,
    };
    @EXPORT(released_count)
    @EXPORT_TYPE("Buf", buf_spec)
    @INIT
"""


PYPY = platform.python_implementation() == "PyPy"


@pytest.mark.parametrize("debug", [False, True], ids=["universal", "debug"])
def test_buffer_slots(debug):
    m = load(BUFFER_SOURCE, debug=debug)
    # One binary in both modes: its static counter is shared.
    before = m.released()
    obj = m.Buf()
    with memoryview(obj) as view:
        assert view.obj is obj
        assert bytes(view) == b"buffer contents"
    if PYPY:
        pytest.skip("PyPy 3.9's cpyext never calls bf_releasebuffer (nor in universal mode)")
    assert m.released() == before + 1


def test_the_conformance_suite_passes_in_debug_and_trace_mode():
    env = dict(os.environ, HANDLEPY_DEBUG="1", HANDLEPY_TRACE="1", HANDLEPY_ABIS="universal")
    # Not from the checkout's root: its handlepy/ (no _loader) would shadow the installed one.
    proc = subprocess.run([sys.executable, "-m", "handlepy.conformance", "-q"],
                          capture_output=True, text=True, env=env, cwd=tempfile.gettempdir(),
                          timeout=900)
    assert proc.returncode == 0, proc.stdout[-5000:] + proc.stderr[-5000:]
    assert " passed" in proc.stdout and " failed" not in proc.stdout
