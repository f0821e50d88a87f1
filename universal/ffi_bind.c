#include "ffi_bind.h"

#include <ffi.h>

typedef struct {
    HPyDef *def;
    HPyContext *ctx;
    HPyCFunction impl;
    ffi_closure *closure;
    void *code;
} binding;

struct handlepy_ffi_bindings {
    Py_ssize_t n;
    binding items[];
};

/* Handlers: libffi hands each argument by address and wants the result written to ret. */

static void call_noargs(ffi_cif *cif, void *ret, void **args, void *data)
{
    (void)cif;
    binding *b = data;
    HPy self = _hpy_from_cpy(*(PyObject **)args[0]);
    *(PyObject **)ret = _hpy_to_cpy(((HPyFunc_NOARGS_impl)b->impl)(b->ctx, self));
}

static void call_o(ffi_cif *cif, void *ret, void **args, void *data)
{
    (void)cif;
    binding *b = data;
    HPy self = _hpy_from_cpy(*(PyObject **)args[0]);
    HPy arg = _hpy_from_cpy(*(PyObject **)args[1]);
    *(PyObject **)ret = _hpy_to_cpy(((HPyFunc_O_impl)b->impl)(b->ctx, self, arg));
}

static void call_varargs(ffi_cif *cif, void *ret, void **args, void *data)
{
    (void)cif;
    binding *b = data;
    HPy self = _hpy_from_cpy(*(PyObject **)args[0]);
    const HPy *items = *(const HPy **)args[1];
    size_t nargs = (size_t)*(Py_ssize_t *)args[2];
    *(PyObject **)ret =
        _hpy_to_cpy(((HPyFunc_VARARGS_impl)b->impl)(b->ctx, self, items, nargs));
}

static void call_keywords(ffi_cif *cif, void *ret, void **args, void *data)
{
    (void)cif;
    binding *b = data;
    HPy self = _hpy_from_cpy(*(PyObject **)args[0]);
    const HPy *items = *(const HPy **)args[1];
    size_t nargs = (size_t)*(Py_ssize_t *)args[2];
    HPy kwnames = _hpy_from_cpy(*(PyObject **)args[3]);
    *(PyObject **)ret = _hpy_to_cpy(
        ((HPyFunc_KEYWORDS_impl)b->impl)(b->ctx, self, items, nargs, kwnames));
}

static void call_inquiry(ffi_cif *cif, void *ret, void **args, void *data)
{
    (void)cif;
    binding *b = data;
    HPy arg = _hpy_from_cpy(*(PyObject **)args[0]);
    /* libffi returns integers narrower than a register widened to ffi_arg. */
    *(ffi_sarg *)ret = ((HPyFunc_INQUIRY_impl)b->impl)(b->ctx, arg);
}

typedef void (*handler_fn)(ffi_cif *, void *, void **, void *);

typedef struct {
    HPyFunc_Signature signature;
    handler_fn handler;
    ffi_type *result;
    unsigned nargs;
    ffi_type *args[4];
    ffi_cif cif;
    int prepared;
} convention;

#define OBJ &ffi_type_pointer
#define SSIZE (sizeof(Py_ssize_t) == 8 ? &ffi_type_sint64 : &ffi_type_sint32)

static convention conventions[] = {
    {HPyFunc_NOARGS, call_noargs, OBJ, 2, {OBJ, OBJ}, {0}, 0},
    {HPyFunc_O, call_o, OBJ, 2, {OBJ, OBJ}, {0}, 0},
    {HPyFunc_VARARGS, call_varargs, OBJ, 3, {OBJ, OBJ, SSIZE}, {0}, 0},
    {HPyFunc_KEYWORDS, call_keywords, OBJ, 4, {OBJ, OBJ, SSIZE, OBJ}, {0}, 0},
    {HPyFunc_INQUIRY, call_inquiry, &ffi_type_sint, 1, {OBJ}, {0}, 0},
};

static convention *convention_for(HPyFunc_Signature signature)
{
    for (size_t i = 0; i < sizeof conventions / sizeof conventions[0]; i++) {
        if (conventions[i].signature == signature)
            return &conventions[i];
    }
    return NULL;
}

/* NULL for a definition that a module cannot hold: handlepy_moduledef_new refuses it
 * with its own message before asking for its host function. */
static convention *convention_of(HPyDef *def)
{
    if (def->kind == HPyDef_Kind_Meth)
        return convention_for(def->meth.signature);
    if (def->kind == HPyDef_Kind_Slot && def->slot.slot == HPy_mod_exec)
        return convention_for(HPyFunc_INQUIRY);
    return NULL;
}

static int make_closure(binding *b)
{
    convention *c = convention_of(b->def);
    if (c == NULL)
        return 0;
    b->impl = b->def->kind == HPyDef_Kind_Meth ? b->def->meth.impl : b->def->slot.impl;
    /* The loader runs with the GIL held, so preparing each description once needs no
     * lock. */
    if (!c->prepared) {
        if (ffi_prep_cif(&c->cif, FFI_DEFAULT_ABI, c->nargs, c->result, c->args) != FFI_OK) {
            PyErr_Format(PyExc_SystemError, "libffi cannot describe signature %d",
                         (int)c->signature);
            return -1;
        }
        c->prepared = 1;
    }
    b->closure = ffi_closure_alloc(sizeof(ffi_closure), &b->code);
    if (b->closure == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (ffi_prep_closure_loc(b->closure, &c->cif, c->handler, b, b->code) != FFI_OK) {
        PyErr_SetString(PyExc_SystemError, "libffi cannot make a closure");
        return -1;
    }
    return 0;
}

void handlepy_ffi_release(handlepy_ffi_bindings *bindings)
{
    for (Py_ssize_t i = 0; i < bindings->n; i++) {
        if (bindings->items[i].closure != NULL)
            ffi_closure_free(bindings->items[i].closure);
    }
    PyMem_Free(bindings);
}

handlepy_ffi_bindings *handlepy_ffi_prepare(HPyModuleDef *hdef, HPyContext *ctx)
{
    Py_ssize_t n = 0;
    for (HPyDef **d = hdef->defines; d != NULL && *d != NULL; d++)
        n++;
    handlepy_ffi_bindings *bindings =
        PyMem_Calloc(1, sizeof(handlepy_ffi_bindings) + sizeof(binding) * (size_t)n);
    if (bindings == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    bindings->n = n;
    for (Py_ssize_t i = 0; i < n; i++) {
        HPyDef *def = hdef->defines[i];
        binding *b = &bindings->items[i];
        b->def = def;
        b->ctx = ctx;
        if (make_closure(b) < 0) {
            handlepy_ffi_release(bindings);
            return NULL;
        }
    }
    return bindings;
}

PyCFunction handlepy_ffi_bind(HPyDef *def, void *data)
{
    handlepy_ffi_bindings *bindings = data;
    for (Py_ssize_t i = 0; i < bindings->n; i++) {
        if (bindings->items[i].def == def)
            return (PyCFunction)bindings->items[i].code;
    }
    /* Unreachable: handlepy_ffi_prepare made one closure per definition of the module. */
    return NULL;
}
