"""Capsules: HPyCapsule_New/Get/Set/IsValid, the per-key shorthands and destructors."""
import gc

import pytest

SOURCE = """
    #include <stdio.h>
    #include <string.h>

    static int value_a = 11, value_b = 22, context_c = 33;
    static char last_destroyed[64];

    HPyCapsule_DESTRUCTOR(record)
    static void record_impl(const char *name, void *pointer, void *context)
    {
        snprintf(last_destroyed, sizeof last_destroyed, "%s %d %d", name ? name : "(null)",
                 *(int *)pointer, context ? *(int *)context : 0);
    }

    static HPyCapsule_Destructor half_made = {NULL, NULL};

    static int *pick(HPyContext *ctx, HPy which)
    {
        const char *s = HPyUnicode_AsUTF8AndSize(ctx, which, NULL);
        if (s == NULL)
            return NULL;
        return strcmp(s, "a") == 0 ? &value_a : strcmp(s, "b") == 0 ? &value_b : NULL;
    }

    /* The name must outlive the capsule, and the string's buffer lives only as long as
     * its handle: a copy, kept for the life of the process. */
    static const char *kept_name(HPyContext *ctx, HPy h)
    {
        HPy_ssize_t size;
        if (HPy_Is(ctx, h, ctx->h_None))
            return NULL;
        const char *s = HPyUnicode_AsUTF8AndSize(ctx, h, &size);
        char *copy = s == NULL ? NULL : malloc((size_t)size + 1);
        if (copy != NULL)
            memcpy(copy, s, (size_t)size + 1);
        return copy;
    }

    /* new(name or None, value "a"/"b"/None, destructor: 0 none, 1 record, 2 half-made) */
    HPyDef_METH(new, "new", HPyFunc_VARARGS)
    static HPy new_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *name = kept_name(ctx, args[0]);
        int *pointer = pick(ctx, args[1]);
        long which = HPyLong_AsLong(ctx, args[2]);
        HPyCapsule_Destructor *d = which == 1 ? &record : which == 2 ? &half_made : NULL;
        return HPyCapsule_New(ctx, pointer, name, d);
    }

    static HPy value_or_none(HPyContext *ctx, int *p)
    {
        if (p == NULL)
            return HPyErr_Occurred(ctx) ? HPy_NULL : HPy_Dup(ctx, ctx->h_None);
        return HPyLong_FromLong(ctx, *p);
    }

    static const char *name_arg(HPyContext *ctx, HPy h)
    {
        return HPy_Is(ctx, h, ctx->h_None) ? NULL : HPyUnicode_AsUTF8AndSize(ctx, h, NULL);
    }

    HPyDef_METH(get_pointer, "get_pointer", HPyFunc_VARARGS)
    static HPy get_pointer_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return value_or_none(ctx, HPyCapsule_GetPointer(ctx, args[0], name_arg(ctx, args[1])));
    }

    HPyDef_METH(get_name, "get_name", HPyFunc_O)
    static HPy get_name_impl(HPyContext *ctx, HPy self, HPy cap)
    {
        const char *name = HPyCapsule_GetName(ctx, cap);
        if (name == NULL)
            return HPyErr_Occurred(ctx) ? HPy_NULL : HPy_Dup(ctx, ctx->h_None);
        return HPyUnicode_FromString(ctx, name);
    }

    HPyDef_METH(get_context, "get_context", HPyFunc_O)
    static HPy get_context_impl(HPyContext *ctx, HPy self, HPy cap)
    {
        return value_or_none(ctx, HPyCapsule_GetContext(ctx, cap));
    }

    HPyDef_METH(get_key, "get_key", HPyFunc_VARARGS)
    static HPy get_key_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        _HPyCapsule_key key = (_HPyCapsule_key)HPyLong_AsLong(ctx, args[1]);
        void *p = HPyCapsule_Get(ctx, args[0], key, NULL);
        if (p == NULL && HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPyBool_FromLong(ctx, p != NULL);
    }

    HPyDef_METH(is_valid, "is_valid", HPyFunc_VARARGS)
    static HPy is_valid_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        int valid = HPyCapsule_IsValid(ctx, args[0], name_arg(ctx, args[1]));
        if (HPyErr_Occurred(ctx))
            return HPy_NULL;
        return HPyLong_FromLong(ctx, valid);
    }

    static HPy status(HPyContext *ctx, int res)
    {
        return res < 0 ? HPy_NULL : HPyLong_FromLong(ctx, res);
    }

    HPyDef_METH(set_pointer, "set_pointer", HPyFunc_VARARGS)
    static HPy set_pointer_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        return status(ctx, HPyCapsule_SetPointer(ctx, args[0], pick(ctx, args[1])));
    }

    /* The name must outlive the capsule: only these literals are used. */
    HPyDef_METH(set_name, "set_name", HPyFunc_VARARGS)
    static HPy set_name_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        const char *name = HPy_Is(ctx, args[1], ctx->h_None) ? NULL : "mytest.renamed";
        return status(ctx, HPyCapsule_SetName(ctx, args[0], name));
    }

    HPyDef_METH(set_context, "set_context", HPyFunc_VARARGS)
    static HPy set_context_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        void *context = HPy_IsTrue(ctx, args[1]) ? &context_c : NULL;
        return status(ctx, HPyCapsule_SetContext(ctx, args[0], context));
    }

    HPyDef_METH(set_destructor, "set_destructor", HPyFunc_VARARGS)
    static HPy set_destructor_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        long which = HPyLong_AsLong(ctx, args[1]);
        HPyCapsule_Destructor *d = which == 1 ? &record : which == 2 ? &half_made : NULL;
        return status(ctx, HPyCapsule_SetDestructor(ctx, args[0], d));
    }

    HPyDef_METH(set_key, "set_key", HPyFunc_VARARGS)
    static HPy set_key_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
    {
        _HPyCapsule_key key = (_HPyCapsule_key)HPyLong_AsLong(ctx, args[1]);
        void *value = key == HPyCapsule_key_Destructor ? (void *)&record : (void *)&value_a;
        return status(ctx, HPyCapsule_Set(ctx, args[0], key, value));
    }

    HPyDef_METH(last_destroyed_by, "last_destroyed", HPyFunc_NOARGS)
    static HPy last_destroyed_by_impl(HPyContext *ctx, HPy self)
    {
        HPy res = HPyUnicode_FromString(ctx, last_destroyed);
        last_destroyed[0] = '\\0';
        return res;
    }

    @EXPORT(new)
    @EXPORT(get_pointer)
    @EXPORT(get_name)
    @EXPORT(get_context)
    @EXPORT(get_key)
    @EXPORT(is_valid)
    @EXPORT(set_pointer)
    @EXPORT(set_name)
    @EXPORT(set_context)
    @EXPORT(set_destructor)
    @EXPORT(set_key)
    @EXPORT(last_destroyed_by)
    @INIT
"""

POINTER, NAME, CONTEXT, DESTRUCTOR = range(4)


@pytest.fixture
def mod(hpy):
    return hpy.make_module(SOURCE)


def collect():
    for _ in range(3):
        gc.collect()


def test_new_and_get(mod):
    cap = mod.new("mytest.cap", "a", 0)
    assert type(cap).__name__ == "PyCapsule"
    assert "mytest.cap" in repr(cap)
    assert mod.get_pointer(cap, "mytest.cap") == 11
    assert mod.get_name(cap) == "mytest.cap"
    assert mod.get_context(cap) is None
    assert mod.get_key(cap, NAME) is True
    assert mod.get_key(cap, CONTEXT) is False
    anonymous = mod.new(None, "b", 0)
    assert mod.get_pointer(anonymous, None) == 22
    assert mod.get_name(anonymous) is None


def test_get_errors(mod):
    cap = mod.new("mytest.cap", "a", 0)
    with pytest.raises(ValueError, match="PyCapsule_GetPointer called with incorrect name"):
        mod.get_pointer(cap, "mytest.other")
    with pytest.raises(ValueError, match="PyCapsule_GetPointer called with incorrect name"):
        mod.get_pointer(cap, None)
    with pytest.raises(ValueError,
                       match="PyCapsule_GetPointer called with invalid PyCapsule object"):
        mod.get_pointer(42, None)
    with pytest.raises(ValueError, match="PyCapsule_GetName called with invalid PyCapsule"):
        mod.get_name("not a capsule")
    with pytest.raises(ValueError, match="PyCapsule_GetContext called with invalid PyCapsule"):
        mod.get_context(object())
    with pytest.raises(ValueError, match="destructor cannot be read"):
        mod.get_key(cap, DESTRUCTOR)
    with pytest.raises(ValueError, match="invalid key 7"):
        mod.get_key(cap, 7)


def test_new_errors(mod):
    with pytest.raises(ValueError, match="PyCapsule_New called with null pointer"):
        mod.new("mytest.cap", None, 0)
    with pytest.raises(ValueError, match="invalid HPyCapsule_Destructor"):
        mod.new("mytest.cap", "a", 2)


def test_is_valid(mod):
    cap = mod.new("mytest.cap", "a", 0)
    assert mod.is_valid(cap, "mytest.cap") == 1
    assert mod.is_valid(cap, "mytest.other") == 0
    assert mod.is_valid(cap, None) == 0
    assert mod.is_valid(3, None) == 0
    assert mod.is_valid(mod.new(None, "a", 0), None) == 1


def test_set(mod):
    cap = mod.new("mytest.cap", "a", 0)
    assert mod.set_pointer(cap, "b") == 0
    assert mod.get_pointer(cap, "mytest.cap") == 22
    assert mod.set_name(cap, "renamed") == 0
    assert mod.get_name(cap) == "mytest.renamed"
    assert mod.get_pointer(cap, "mytest.renamed") == 22
    assert mod.set_name(cap, None) == 0
    assert mod.get_name(cap) is None
    assert mod.set_context(cap, True) == 0
    assert mod.get_context(cap) == 33
    assert mod.set_context(cap, False) == 0
    assert mod.get_context(cap) is None
    assert mod.set_key(cap, POINTER) == 0
    assert mod.get_pointer(cap, None) == 11
    assert mod.set_key(cap, DESTRUCTOR) == 0


def test_set_errors(mod):
    cap = mod.new("mytest.cap", "a", 0)
    with pytest.raises(ValueError, match="PyCapsule_SetPointer called with null pointer"):
        mod.set_pointer(cap, None)
    with pytest.raises(ValueError,
                       match="PyCapsule_SetPointer called with invalid PyCapsule object"):
        mod.set_pointer("nope", "a")
    with pytest.raises(ValueError, match="PyCapsule_SetName called with invalid PyCapsule"):
        mod.set_name(1.5, "x")
    with pytest.raises(ValueError, match="PyCapsule_SetContext called with invalid PyCapsule"):
        mod.set_context([], True)
    with pytest.raises(ValueError,
                       match="PyCapsule_SetDestructor called with invalid PyCapsule"):
        mod.set_destructor((), 1)
    with pytest.raises(ValueError, match="invalid HPyCapsule_Destructor"):
        mod.set_destructor(cap, 2)
    with pytest.raises(ValueError, match="invalid key 9"):
        mod.set_key(cap, 9)
    assert mod.get_pointer(cap, "mytest.cap") == 11


def test_destructor_runs_once_with_the_fields(mod):
    mod.last_destroyed()
    cap = mod.new("mytest.cap", "a", 1)
    mod.set_context(cap, True)
    del cap
    collect()
    assert mod.last_destroyed() == "mytest.cap 11 33"
    collect()
    assert mod.last_destroyed() == ""


def test_destructor_can_be_set_and_removed(mod):
    mod.last_destroyed()
    cap = mod.new(None, "b", 0)
    assert mod.set_destructor(cap, 1) == 0
    del cap
    collect()
    assert mod.last_destroyed() == "(null) 22 0"
    cap = mod.new("mytest.cap", "a", 1)
    assert mod.set_destructor(cap, 0) == 0
    del cap
    collect()
    assert mod.last_destroyed() == ""
