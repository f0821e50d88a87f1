/* Functions whose argument must be of a kind the universal context only checks to
 * raise: HPy leaves other arguments undefined, so a portable extension must not rely on
 * the exception, and debug mode reports the call as a misuse. HPyType_GetName's name
 * is also handed out as a protected copy, like HPyUnicode_AsUTF8AndSize's buffer. */
#include "debug.h"

/* 0 when `u` (argument number `position` of `fn`, called `param`) passes `check`, or
 * when the report lets the call go on to give the universal context's answer (an
 * exception); -1 when the call must fail at once. */
static int expect_kind(hdbg_call *call, HPy u, int (*check)(PyObject *), const char *fn,
                       int position, const char *param, const char *kind)
{
    PyObject *obj = (PyObject *)u._i;
    if (obj == NULL || check(obj))
        return 0;
    hdbg_text t = {0};
    hdbg_printf(&t, "handlepy debug mode: %s got a '%.100s' as argument '%s', which must be "
                "%s: the result is undefined in HPy, so do not rely on the exception\n", fn,
                Py_TYPE(obj)->tp_name, param, kind);
    char words[160];
    if (position > 0)
        snprintf(words, sizeof words, "%s arg %d must be %s", fn, position, kind);
    else
        snprintf(words, sizeof words, "%s arg must be %s", fn, kind);
    hdbg_hpy_words(&t, words);
    hdbg_describe_here(&t, call);
    return hdbg_report(call, &t, HDBG_RECOVERABLE);
}

static int is_type(PyObject *obj)
{
    return PyType_Check(obj);
}

static int is_str(PyObject *obj)
{
    return PyUnicode_Check(obj);
}

int hdbg_HPy_TypeCheck(HPyContext *ctx, HPy obj, HPy type)
{
    const char *fn = "HPy_TypeCheck";
    hdbg_call *call = hdbg_enter(ctx, fn);
    HPy u_obj, u_type;
    if (call == NULL || hdbg_unwrap(call, obj, &u_obj, fn, "obj") < 0 ||
        hdbg_unwrap(call, type, &u_type, fn, "type") < 0 ||
        expect_kind(call, u_type, is_type, fn, 2, "type", "a type") < 0)
        return -1;
    HPyContext *inner = hdbg_inner(call);
    return inner->HPy_TypeCheck(inner, u_obj, u_type);
}

int hdbg_HPyType_IsSubtype(HPyContext *ctx, HPy sub, HPy type)
{
    const char *fn = "HPyType_IsSubtype";
    hdbg_call *call = hdbg_enter(ctx, fn);
    HPy u_sub, u_type;
    if (call == NULL || hdbg_unwrap(call, sub, &u_sub, fn, "sub") < 0 ||
        hdbg_unwrap(call, type, &u_type, fn, "type") < 0 ||
        expect_kind(call, u_sub, is_type, fn, 1, "sub", "a type") < 0 ||
        expect_kind(call, u_type, is_type, fn, 2, "type", "a type") < 0)
        return -1;
    HPyContext *inner = hdbg_inner(call);
    return inner->HPyType_IsSubtype(inner, u_sub, u_type);
}

HPy hdbg_HPyUnicode_Substring(HPyContext *ctx, HPy str, HPy_ssize_t start, HPy_ssize_t end)
{
    const char *fn = "HPyUnicode_Substring";
    hdbg_call *call = hdbg_enter(ctx, fn);
    HPy u_str;
    if (call == NULL || hdbg_unwrap(call, str, &u_str, fn, "str") < 0 ||
        expect_kind(call, u_str, is_str, fn, 1, "str", "a Unicode object") < 0)
        return HPy_NULL;
    HPyContext *inner = hdbg_inner(call);
    return hdbg_open(call, inner->HPyUnicode_Substring(inner, u_str, start, end), fn);
}

const char *hdbg_HPyType_GetName(HPyContext *ctx, HPy type)
{
    const char *fn = "HPyType_GetName";
    hdbg_call *call = hdbg_enter(ctx, fn);
    HPy u_type;
    if (call == NULL || hdbg_unwrap(call, type, &u_type, fn, "type") < 0 ||
        expect_kind(call, u_type, is_type, fn, 0, "type", "a type") < 0)
        return NULL;
    HPyContext *inner = hdbg_inner(call);
    const char *name = inner->HPyType_GetName(inner, u_type);
    hdbg_slot *slot;
    if (name == NULL || hdbg_lookup(type._i, &slot) != HDBG_OK)
        return name;
    return hdbg_protected_copy(slot, name, strlen(name) + 1, fn);
}
