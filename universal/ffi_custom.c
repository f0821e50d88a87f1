/* Plain handlers of the signatures whose trampolines are hand-written
 * (include/handlepy/hpyfunc_custom.h): the same host work, with the binding's context. The
 * loader is compiled in CPython mode, so they call the host-side helpers directly. */
#include "ffi_bind.h"

void handlepy_plain_HPyFunc_NEWFUNC(ffi_cif *cif, void *ret, void **in, void *binding)
{
    (void)cif;
    handlepy_binding *b = binding;
    PyObject *type = *(PyObject **)in[0], *args = *(PyObject **)in[1];
    PyObject *kw = *(PyObject **)in[2];
    HPy_ssize_t nargs;
    const HPy *items = handlepy_tuple_items(args, &nargs);
    *(PyObject **)ret = _h2py(((HPyFunc_NEWFUNC_impl)b->impl)(b->ctx, _py2h(type), items,
                                                                nargs, _py2h(kw)));
}

void handlepy_plain_HPyFunc_INITPROC(ffi_cif *cif, void *ret, void **in, void *binding)
{
    (void)cif;
    handlepy_binding *b = binding;
    PyObject *self = *(PyObject **)in[0], *args = *(PyObject **)in[1];
    PyObject *kw = *(PyObject **)in[2];
    HPy_ssize_t nargs;
    const HPy *items = handlepy_tuple_items(args, &nargs);
    *(ffi_sarg *)ret = ((HPyFunc_INITPROC_impl)b->impl)(b->ctx, _py2h(self), items, nargs,
                                                         _py2h(kw));
}

void handlepy_plain_HPyFunc_CALL(ffi_cif *cif, void *ret, void **in, void *binding)
{
    (void)cif;
    handlepy_binding *b = binding;
    *(PyObject **)ret = handlepy_call_with_tuple_dict(
        b->ctx, b->impl, *(PyObject **)in[0], *(PyObject **)in[1], *(PyObject **)in[2]);
}

void handlepy_plain_HPyFunc_TRAVERSEPROC(ffi_cif *cif, void *ret, void **in, void *binding)
{
    (void)cif;
    handlepy_binding *b = binding;
    *(ffi_sarg *)ret = handlepy_call_traverse(b->impl, *(PyObject **)in[0],
                                              *(cpy_visitproc *)in[1], *(void **)in[2]);
}

void handlepy_plain_HPyFunc_DESTROYFUNC(ffi_cif *cif, void *ret, void **in, void *binding)
{
    (void)cif;
    (void)ret;
    handlepy_binding *b = binding;
    handlepy_dealloc(*(PyObject **)in[0], b->impl);
}
