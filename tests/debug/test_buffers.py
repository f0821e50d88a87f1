"""Pointers valid only while a handle is open (HPyUnicode_AsUTF8AndSize,
HPyBytes_AsString, HPyBytes_AS_STRING): in debug mode they point into pages that become
unreadable when the handle closes, so a late read faults at once, with a report."""
import signal

import pytest

from debugtools import line_of, load, run_child, source_file

SOURCE = """
    static const char *kept;

    HPyDef_METH(utf8, "utf8", HPyFunc_O)
    static HPy utf8_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        HPy_ssize_t size;
        const char *s = HPyUnicode_AsUTF8AndSize(ctx, arg, &size);
        if (s == NULL)
            return HPy_NULL;
        return HPyBytes_FromStringAndSize(ctx, s, size + 1);   /* with the NUL */
    }

    HPyDef_METH(bytes_copy, "bytes_copy", HPyFunc_O)
    static HPy bytes_copy_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        const char *s = HPyBytes_AsString(ctx, arg);
        const char *t = HPyBytes_AS_STRING(ctx, arg);
        if (s == NULL)
            return HPy_NULL;
        return HPyBytes_FromStringAndSize(ctx, t, HPyBytes_GET_SIZE(ctx, arg));
    }

    HPyDef_METH(read_after_close, "read_after_close", HPyFunc_NOARGS)
    static HPy read_after_close_impl(HPyContext *ctx, HPy self)
    {
        HPy s = HPyUnicode_FromString(ctx, "gone soon");
        const char *p = HPyUnicode_AsUTF8AndSize(ctx, s, NULL);
        HPy_Close(ctx, s);
        return HPyLong_FromLong(ctx, p[0]);   /* read after close */
    }

    HPyDef_METH(bytes_after_close, "bytes_after_close", HPyFunc_NOARGS)
    static HPy bytes_after_close_impl(HPyContext *ctx, HPy self)
    {
        HPy b = HPyBytes_FromString(ctx, "gone soon");
        const char *p = HPyBytes_AsString(ctx, b);
        HPy_Close(ctx, b);
        return HPyLong_FromLong(ctx, p[0]);
    }

    HPyDef_METH(keep_arg_buffer, "keep_arg_buffer", HPyFunc_O)
    static HPy keep_arg_buffer_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        kept = HPyUnicode_AsUTF8AndSize(ctx, arg, NULL);
        return HPy_Dup(ctx, ctx->h_None);
    }

    HPyDef_METH(read_kept, "read_kept", HPyFunc_NOARGS)
    static HPy read_kept_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromLong(ctx, kept[0]);
    }

    HPyDef_METH(write_buffer, "write_buffer", HPyFunc_O)
    static HPy write_buffer_impl(HPyContext *ctx, HPy self, HPy arg)
    {
        char *p = (char *)HPyUnicode_AsUTF8AndSize(ctx, arg, NULL);
        p[0] = 'X';
        return HPy_Dup(ctx, ctx->h_None);
    }

    @EXPORT(utf8)
    @EXPORT(bytes_copy)
    @EXPORT(read_after_close)
    @EXPORT(bytes_after_close)
    @EXPORT(keep_arg_buffer)
    @EXPORT(read_kept)
    @EXPORT(write_buffer)
    @INIT
"""


def test_the_buffers_hold_the_data_while_the_handle_is_open():
    m = load(SOURCE)
    assert m.utf8("h\u00e9llo") == "h\u00e9llo".encode() + b"\0"
    assert m.utf8("") == b"\0"
    assert m.utf8("x" * 10000) == b"x" * 10000 + b"\0"
    assert m.bytes_copy(b"a\0b") == b"a\0b"
    with pytest.raises(TypeError):
        m.utf8(1)


def assert_faulted(proc, *fragments):
    assert proc.returncode == -signal.SIGSEGV, (proc.returncode, proc.stderr)
    for fragment in fragments:
        assert fragment in proc.stderr, proc.stderr


@pytest.mark.parametrize("code, fn", [
    ("m.read_after_close()", "HPyUnicode_AsUTF8AndSize"),
    ("m.bytes_after_close()", "HPyBytes_AsString"),
    ("m.keep_arg_buffer('an argument'); m.read_kept()", "HPyUnicode_AsUTF8AndSize"),
])
def test_reading_after_the_handle_closed_faults_at_once(code, fn):
    proc = run_child(SOURCE, code + "\nprint('not reached')")
    assert "not reached" not in proc.stdout
    assert_faulted(proc, f"handlepy debug mode: read through the pointer that {fn} returned, "
                   "after its handle was closed: the buffer is valid only while the handle "
                   "is open", "the pointer was obtained during the call to", "fault address: 0x")


def test_the_report_names_the_line_that_read():
    proc = run_child(SOURCE, "m.read_after_close()")
    assert_faulted(proc, "  where it happened:\n      read_after_close_impl at ",
                   f"{source_file(SOURCE)}:{line_of(SOURCE, '/* read after close */')}\n")
    assert "libffi" not in proc.stderr.split("where it happened:")[1].split("Fatal")[0]


def test_writing_into_the_buffer_faults():
    proc = run_child(SOURCE, "m.write_buffer('const')")
    assert_faulted(proc, "handlepy debug mode: wrote into the read-only buffer that "
                   "HPyUnicode_AsUTF8AndSize returned")
