/* HPyField and HPyGlobal in debug mode. They keep the host object, as in universal
 * mode, so that the collector and tp_dealloc read them alike; debug mode checks that a
 * field is stored into the object that holds it, and that neither holds a handle written
 * into it by hand. */
#include "debug.h"

static int holds_handle(hdbg_call *call, intptr_t value, const char *fn, const char *what)
{
    if (!(value & 1))
        return 0;
    hdbg_text t = {0};
    hdbg_printf(&t, "handlepy debug mode: %s: the %s holds 0x%llx, which is a handle, not a "
                "reference: write %ss only with %s\n", fn, what, (unsigned long long)value,
                what, what[0] == 'f' ? "HPyField_Store" : "HPyGlobal_Store");
    hdbg_describe_here(&t, call);
    hdbg_report(call, &t, HDBG_FATAL_TO_CALL);
    return 1;
}

static int outside(PyObject *obj, const HPyField *field)
{
    const char *start = (const char *)obj, *end = start + Py_TYPE(obj)->tp_basicsize;
    return (const char *)field < start || (const char *)(field + 1) > end;
}

void hdbg_HPyField_Store(HPyContext *ctx, HPy target_object, HPyField *target_field, HPy h)
{
    const char *fn = "HPyField_Store";
    hdbg_call *call = hdbg_enter(ctx, fn);
    HPy u_target, u_h;
    if (call == NULL || hdbg_unwrap(call, target_object, &u_target, fn, "target_object") < 0 ||
        hdbg_unwrap(call, h, &u_h, fn, "h") < 0)
        return;
    PyObject *obj = (PyObject *)u_target._i;
    if (obj == NULL || outside(obj, target_field)) {
        hdbg_text t = {0};
        hdbg_printf(&t, "handlepy debug mode: %s: the field at %p is not inside the C struct "
                    "of target_object", fn, (void *)target_field);
        if (obj != NULL)
            hdbg_printf(&t, " (a '%s' of %zd bytes at %p)", Py_TYPE(obj)->tp_name,
                        (Py_ssize_t)Py_TYPE(obj)->tp_basicsize, (void *)obj);
        hdbg_printf(&t, ": store a field only through the object that holds it\n");
        hdbg_describe_here(&t, call);
        hdbg_report(call, &t, HDBG_FATAL_TO_CALL);
        return;
    }
    if (holds_handle(call, target_field->_i, fn, "field"))
        return;
    call->inner->HPyField_Store(call->inner, u_target, target_field, u_h);
}

HPy hdbg_HPyField_Load(HPyContext *ctx, HPy source_object, HPyField source_field)
{
    const char *fn = "HPyField_Load";
    hdbg_call *call = hdbg_enter(ctx, fn);
    HPy u_source;
    if (call == NULL || hdbg_unwrap(call, source_object, &u_source, fn, "source_object") < 0 ||
        holds_handle(call, source_field._i, fn, "field"))
        return HPy_NULL;
    return hdbg_open(call, call->inner->HPyField_Load(call->inner, u_source, source_field), fn);
}

HPy hdbg_HPyField_LoadAt(HPyContext *ctx, HPy source_object, const HPyField *source_field)
{
    const char *fn = "HPyField_LoadAt";
    hdbg_call *call = hdbg_enter(ctx, fn);
    HPy u_source;
    if (call == NULL || hdbg_unwrap(call, source_object, &u_source, fn, "source_object") < 0)
        return HPy_NULL;
    PyObject *obj = (PyObject *)u_source._i;
    if (obj == NULL || outside(obj, source_field)) {
        hdbg_text t = {0};
        hdbg_printf(&t, "handlepy debug mode: %s: the field at %p is not inside the C struct "
                    "of source_object: load a field only through the object that holds it\n",
                    fn, (const void *)source_field);
        hdbg_describe_here(&t, call);
        hdbg_report(call, &t, HDBG_FATAL_TO_CALL);
        return HPy_NULL;
    }
    if (holds_handle(call, source_field->_i, fn, "field"))
        return HPy_NULL;
    return hdbg_open(call, call->inner->HPyField_LoadAt(call->inner, u_source, source_field),
                     fn);
}

void hdbg_HPyGlobal_Store(HPyContext *ctx, HPyGlobal *global, HPy h)
{
    const char *fn = "HPyGlobal_Store";
    hdbg_call *call = hdbg_enter(ctx, fn);
    HPy u_h;
    if (call == NULL || hdbg_unwrap(call, h, &u_h, fn, "h") < 0 ||
        holds_handle(call, global->_i, fn, "global"))
        return;
    call->inner->HPyGlobal_Store(call->inner, global, u_h);
}

HPy hdbg_HPyGlobal_Load(HPyContext *ctx, HPyGlobal global)
{
    const char *fn = "HPyGlobal_Load";
    hdbg_call *call = hdbg_enter(ctx, fn);
    if (call == NULL || holds_handle(call, global._i, fn, "global"))
        return HPy_NULL;
    return hdbg_open(call, call->inner->HPyGlobal_Load(call->inner, global), fn);
}

HPy hdbg_HPyGlobal_LoadAt(HPyContext *ctx, const HPyGlobal *global)
{
    const char *fn = "HPyGlobal_LoadAt";
    hdbg_call *call = hdbg_enter(ctx, fn);
    if (call == NULL || holds_handle(call, global->_i, fn, "global"))
        return HPy_NULL;
    return hdbg_open(call, call->inner->HPyGlobal_LoadAt(call->inner, global), fn);
}
