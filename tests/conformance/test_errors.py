"""Raising, inspecting and clearing exceptions; exception classes; warnings."""
import errno
import os
import sys
import warnings

import pytest

# Python None stands for HPy_NULL (or a NULL C string). Functions that must return
# HPy_NULL check that they did, and say so in a str result if they did not.
SOURCE = r"""
    #include <errno.h>

    #define METH(NAME, ...)                                                        \
        HPyDef_METH(NAME, #NAME, HPyFunc_VARARGS)                                  \
        static HPy NAME##_impl(HPyContext *ctx, HPy self, const HPy *args,         \
                               size_t nargs) { __VA_ARGS__ }
    #define IS_NONE(h) HPy_Is(ctx, (h), ctx->h_None)
    #define HANDLE(h) (IS_NONE(h) ? HPy_NULL : (h))
    #define UTF8(h) (IS_NONE(h) ? NULL : HPyUnicode_AsUTF8AndSize(ctx, (h), NULL))
    #define FSNAME(h) (IS_NONE(h) ? NULL : HPyBytes_AsString(ctx, (h)))

    static HPy raised(HPyContext *ctx, HPy returned)
    {
        if (!HPy_IsNull(returned))
            return HPyUnicode_FromString(ctx, "did not return HPy_NULL");
        if (!HPyErr_Occurred(ctx))
            return HPyUnicode_FromString(ctx, "did not raise");
        return HPy_NULL;
    }

    METH(set_string, return raised(ctx, HPyErr_SetString(ctx, args[0], UTF8(args[1])));)
    METH(set_object, return raised(ctx, HPyErr_SetObject(ctx, args[0], HANDLE(args[1])));)
    METH(set_errno,
        errno = (int)HPyLong_AsLong(ctx, args[1]);
        return raised(ctx, HPyErr_SetFromErrnoWithFilename(ctx, args[0], FSNAME(args[2])));)
    METH(set_errno_objects,
        errno = (int)HPyLong_AsLong(ctx, args[1]);
        return raised(ctx, HPyErr_SetFromErrnoWithFilenameObjects(ctx, args[0],
                                                                  HANDLE(args[2]),
                                                                  HANDLE(args[3])));)
    METH(no_memory, return raised(ctx, HPyErr_NoMemory(ctx));)

    METH(occurred_and_clear,
        int before = HPyErr_Occurred(ctx);
        HPyErr_SetString(ctx, ctx->h_ValueError, "pending");
        int during = HPyErr_Occurred(ctx);
        HPyErr_Clear(ctx);
        int after = HPyErr_Occurred(ctx);
        return HPyLong_FromLong(ctx, before * 100 + during * 10 + after);)
    METH(matches,
        if (!IS_NONE(args[0]))
            HPyErr_SetString(ctx, args[0], "pending");
        int result = HPyErr_ExceptionMatches(ctx, args[1]);
        HPyErr_Clear(ctx);
        return HPyLong_FromLong(ctx, result);)

    METH(new_exception,
        return HPyErr_NewException(ctx, UTF8(args[0]), HANDLE(args[1]), HANDLE(args[2]));)
    METH(new_exception_with_doc,
        return HPyErr_NewExceptionWithDoc(ctx, UTF8(args[0]), UTF8(args[1]), HANDLE(args[2]),
                                          HANDLE(args[3]));)

    METH(warn,
        int result = HPyErr_WarnEx(ctx, HANDLE(args[0]), UTF8(args[1]),
                                   HPyLong_AsSsize_t(ctx, args[2]));
        if (result == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPyLong_FromLong(ctx, result);)

    METH(write_unraisable,
        HPyErr_SetString(ctx, ctx->h_ValueError, "nobody catches this");
        HPyErr_WriteUnraisable(ctx, HANDLE(args[0]));
        return HPyLong_FromLong(ctx, HPyErr_Occurred(ctx));)

    @EXPORT(set_string)
    @EXPORT(set_object)
    @EXPORT(set_errno)
    @EXPORT(set_errno_objects)
    @EXPORT(no_memory)
    @EXPORT(occurred_and_clear)
    @EXPORT(matches)
    @EXPORT(new_exception)
    @EXPORT(new_exception_with_doc)
    @EXPORT(warn)
    @EXPORT(write_unraisable)
    @INIT
"""


@pytest.fixture
def mod(hpy):
    return hpy.make_module(SOURCE)


def warn_here(mod, stack_level):
    return mod.warn(UserWarning, f"level {stack_level}", stack_level)


def test_set_string(mod):
    with pytest.raises(ValueError) as info:
        mod.set_string(ValueError, "héllo")
    assert info.value.args == ("héllo",)
    with pytest.raises(KeyError) as info:
        mod.set_string(KeyError, "k")
    assert info.value.args == ("k",)


def test_set_object(mod):
    with pytest.raises(KeyError) as info:
        mod.set_object(KeyError, ("a", 1))
    assert info.value.args == ("a", 1)  # a tuple value is the argument list
    with pytest.raises(ValueError) as info:
        mod.set_object(ValueError, None)
    assert info.value.args == ()
    error = LookupError("ready-made")
    with pytest.raises(LookupError) as info:
        mod.set_object(LookupError, error)
    assert info.value is error
    with pytest.raises(Exception) as info:
        mod.set_object(ArithmeticError, 42)
    assert type(info.value) is ArithmeticError and info.value.args == (42,)


@pytest.mark.parametrize("call", ["set_string", "set_object"])
def test_raising_a_non_exception(mod, call):
    with pytest.raises(SystemError, match="^_PyErr_SetObject: exception 5 is not a "
                                          "BaseException subclass$"):
        getattr(mod, call)(5, "text")


def test_set_from_errno(mod):
    with pytest.raises(FileNotFoundError) as info:
        mod.set_errno(OSError, errno.ENOENT, "/no/such/fïle".encode())
    assert info.value.errno == errno.ENOENT
    assert info.value.strerror == os.strerror(errno.ENOENT)
    assert info.value.filename == "/no/such/fïle"
    with pytest.raises(PermissionError) as info:
        mod.set_errno(OSError, errno.EACCES, None)
    assert info.value.filename is None
    assert info.value.args == (errno.EACCES, os.strerror(errno.EACCES))
    with pytest.raises(IsADirectoryError):
        mod.set_errno(OSError, errno.EISDIR, b"x")


def test_set_from_errno_with_filename_objects(mod):
    with pytest.raises(FileExistsError) as info:
        mod.set_errno_objects(OSError, errno.EEXIST, "a", "b")
    assert (info.value.errno, info.value.filename, info.value.filename2) == \
        (errno.EEXIST, "a", "b")
    with pytest.raises(NotADirectoryError) as info:
        mod.set_errno_objects(OSError, errno.ENOTDIR, "only", None)
    assert info.value.args == (errno.ENOTDIR, os.strerror(errno.ENOTDIR))
    assert (info.value.filename, info.value.filename2) == ("only", None)
    with pytest.raises(OSError) as info:
        mod.set_errno_objects(OSError, errno.EIO, None, None)
    assert info.value.args == (errno.EIO, os.strerror(errno.EIO))
    assert info.value.filename is None and info.value.filename2 is None


def test_no_memory(mod):
    with pytest.raises(MemoryError):
        mod.no_memory()


def test_occurred_and_clear(mod):
    assert mod.occurred_and_clear() == 10


def test_exception_matches(mod):
    assert mod.matches(KeyError, KeyError) == 1
    assert mod.matches(KeyError, LookupError) == 1
    assert mod.matches(KeyError, Exception) == 1
    assert mod.matches(KeyError, (ValueError, KeyError)) == 1
    assert mod.matches(KeyError, ValueError) == 0
    assert mod.matches(LookupError, KeyError) == 0
    assert mod.matches(None, KeyError) == 0


def test_new_exception(mod):
    Err = mod.new_exception("pkg.mod.Err", None, None)
    assert issubclass(Err, Exception) and Err.__bases__ == (Exception,)
    assert (Err.__module__, Err.__name__, Err.__qualname__) == ("pkg.mod", "Err", "Err")
    Sub = mod.new_exception("m.Sub", Err, {"answer": 42})
    assert Sub.__bases__ == (Err,) and Sub.answer == 42
    Both = mod.new_exception("m.Both", (KeyError, ValueError), None)
    assert Both.__bases__ == (KeyError, ValueError)
    with pytest.raises(SystemError, match="^PyErr_NewException: name must be module.class$"):
        mod.new_exception("nodot", None, None)


def test_new_exception_with_doc(mod):
    Err = mod.new_exception_with_doc("m.Err", "It went wrong.", ValueError, None)
    assert Err.__doc__ == "It went wrong." and Err.__bases__ == (ValueError,)
    assert mod.new_exception_with_doc("m.NoDoc", None, None, None).__doc__ is None
    with pytest.raises(SystemError, match="^PyErr_NewException: name must be module.class$"):
        mod.new_exception_with_doc("nodot", "doc", None, None)


def test_warn(mod):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert mod.warn(DeprecationWarning, "careful", 1) == 0
        assert mod.warn(None, "default category", 1) == 0
        assert warn_here(mod, 1) == 0
        result, line = warn_here(mod, 2), sys._getframe().f_lineno
        assert result == 0
    assert [(w.category, str(w.message)) for w in caught] == [
        (DeprecationWarning, "careful"), (RuntimeWarning, "default category"),
        (UserWarning, "level 1"), (UserWarning, "level 2")]
    assert {w.filename for w in caught} == {__file__}
    assert caught[2].lineno == warn_here.__code__.co_firstlineno + 1
    assert caught[3].lineno == line


def test_warn_as_error(mod):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UserWarning, match="^now an error$"):
            mod.warn(UserWarning, "now an error", 1)


def test_warn_with_a_bad_category(mod):
    for category in [5, int]:
        with pytest.raises(TypeError) as expected:
            warnings.warn("text", category, stacklevel=1)
        with pytest.raises(TypeError) as got:
            mod.warn(category, "text", 1)
        assert str(got.value) == str(expected.value)


@pytest.mark.refleaks_skip("CPython 3.11 leaks references when sys.unraisablehook keeps "
                           "its argument (as _testcapi.write_unraisable_exc shows)")
def test_write_unraisable(mod, monkeypatch):
    seen = []
    monkeypatch.setattr(sys, "unraisablehook", seen.append)
    marker = object()
    assert mod.write_unraisable(marker) == 0
    assert len(seen) == 1
    assert type(seen[0].exc_value) is ValueError
    assert str(seen[0].exc_value) == "nobody catches this"
    # PyPy names the object in err_msg and leaves the hook's object None.
    assert seen[0].object is marker or repr(marker) in seen[0].err_msg
