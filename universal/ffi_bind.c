#include "ffi_bind.h"

#include <stdio.h>
#include <string.h>

struct handlepy_ffi_bindings {
    Py_ssize_t n;
    handlepy_binding items[];
};

/* One call description per signature, prepared on first use: by the loader, and by
 * HPyType_FromSpec in debug and trace modes. With the GIL that needs no lock; without
 * it, cifs_lock makes the preparation one step (a thread may bind a type while another
 * imports a module). */
static ffi_cif *cifs;
static char *cif_ready;

#ifdef Py_GIL_DISABLED
static PyMutex cifs_lock;
#endif

static ffi_cif *cif_for_locked(HPyFunc_Signature signature);

static ffi_cif *cif_for(HPyFunc_Signature signature)
{
#ifdef Py_GIL_DISABLED
    PyMutex_Lock(&cifs_lock);
    ffi_cif *cif = cif_for_locked(signature);
    PyMutex_Unlock(&cifs_lock);
    return cif;
#else
    return cif_for_locked(signature);
#endif
}

static ffi_cif *cif_for_locked(HPyFunc_Signature signature)
{
    if ((int)signature <= 0 || (int)signature >= handlepy_ffi_signature_count) {
        PyErr_Format(PyExc_ValueError, "unsupported HPyMeth signature %d", (int)signature);
        return NULL;
    }
    if (cifs == NULL) {
        cifs = PyMem_Calloc((size_t)handlepy_ffi_signature_count, sizeof(ffi_cif));
        cif_ready = PyMem_Calloc((size_t)handlepy_ffi_signature_count, 1);
        if (cifs == NULL || cif_ready == NULL) {
            PyMem_Free(cifs);
            PyMem_Free(cif_ready);
            cifs = NULL;
            PyErr_NoMemory();
            return NULL;
        }
    }
    if (!cif_ready[signature]) {
        const handlepy_ffi_signature *s = &handlepy_ffi_signatures[signature];
        if (ffi_prep_cif(&cifs[signature], FFI_DEFAULT_ABI, s->nargs, s->result, s->args) !=
            FFI_OK) {
            PyErr_Format(PyExc_SystemError, "libffi cannot describe signature %d",
                         (int)signature);
            return NULL;
        }
        cif_ready[signature] = 1;
    }
    return &cifs[signature];
}

/* Each function a definition gives the host: up to two (a getset's getter and setter). */
static int functions_of(HPyDef *def, HPyCFunction impls[2], HPyFunc_Signature sigs[2],
                        const char *suffixes[2])
{
    switch (def->kind) {
    case HPyDef_Kind_Meth:
        impls[0] = def->meth.impl, sigs[0] = def->meth.signature, suffixes[0] = def->meth.name;
        return 1;
    case HPyDef_Kind_Slot:
        impls[0] = def->slot.impl, sigs[0] = handlepy_slot_signature(def->slot.slot);
        suffixes[0] = handlepy_slot_name(def->slot.slot);
        return 1;
    case HPyDef_Kind_GetSet: {
        int n = 0;
        if (def->getset.getter_impl != NULL)
            impls[n] = def->getset.getter_impl, sigs[n] = HPyFunc_GETTER,
            suffixes[n++] = "getter";
        if (def->getset.setter_impl != NULL)
            impls[n] = def->getset.setter_impl, sigs[n] = HPyFunc_SETTER,
            suffixes[n++] = "setter";
        return n;
    }
    case HPyDef_Kind_Member:
        return 0;
    }
    return 0;
}

static char *binding_name(const char *prefix, HPyDef *def, const char *suffix)
{
    const char *attr = def->kind == HPyDef_Kind_GetSet ? def->getset.name : NULL;
    size_t size = strlen(prefix) + strlen(suffix) + (attr ? strlen(attr) + 4 : 0) + 2;
    char *name = PyMem_Malloc(size);
    if (name == NULL)
        return NULL;
    if (attr != NULL)
        snprintf(name, size, "%s.%s (%s)", prefix, attr, suffix);
    else
        snprintf(name, size, "%s.%s", prefix, suffix);
    return name;
}

static int make_closure(handlepy_binding *b, const handlepy_ffi_handler *handlers,
                        const char *prefix, const char *suffix)
{
    ffi_cif *cif = cif_for(b->signature);
    if (cif == NULL)
        return -1;
    if (handlers[b->signature] == NULL) {
        PyErr_Format(PyExc_SystemError, "%s: signature %d cannot be bound", prefix,
                     (int)b->signature);
        return -1;
    }
    b->name = binding_name(prefix, b->def, suffix);
    b->closure = ffi_closure_alloc(sizeof(ffi_closure), &b->code);
    if (b->name == NULL || b->closure == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    if (ffi_prep_closure_loc(b->closure, cif, handlers[b->signature], b, b->code) != FFI_OK) {
        PyErr_SetString(PyExc_SystemError, "libffi cannot make a closure");
        return -1;
    }
    return 0;
}

void handlepy_ffi_release(void *data)
{
    handlepy_ffi_bindings *bindings = data;
    for (Py_ssize_t i = 0; i < bindings->n; i++) {
        if (bindings->items[i].closure != NULL)
            ffi_closure_free(bindings->items[i].closure);
        PyMem_Free((char *)bindings->items[i].name);
    }
    PyMem_Free(bindings);
}

handlepy_ffi_bindings *handlepy_ffi_prepare(HPyDef **defines,
                                            const handlepy_ffi_handler *handlers,
                                            HPyContext *ctx, const char *prefix)
{
    HPyCFunction impls[2];
    HPyFunc_Signature sigs[2];
    const char *suffixes[2];
    Py_ssize_t n = 0;
    for (HPyDef **d = defines; d != NULL && *d != NULL; d++)
        n += functions_of(*d, impls, sigs, suffixes);
    handlepy_ffi_bindings *bindings = PyMem_Calloc(
        1, sizeof(handlepy_ffi_bindings) + sizeof(handlepy_binding) * (size_t)n);
    if (bindings == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (HPyDef **d = defines; d != NULL && *d != NULL; d++) {
        int count = functions_of(*d, impls, sigs, suffixes);
        for (int k = 0; k < count; k++) {
            /* An unknown slot or method signature gets no closure: module and type
             * creation refuse it with their own message (the same as without
             * closures) before asking for its host function. */
            if ((int)sigs[k] <= 0 || (int)sigs[k] >= handlepy_ffi_signature_count)
                continue;
            handlepy_binding *b = &bindings->items[bindings->n++];
            *b = (handlepy_binding){*d, impls[k], sigs[k], ctx, NULL, NULL, NULL};
            if (make_closure(b, handlers, prefix, suffixes[k]) < 0) {
                handlepy_ffi_release(bindings);
                return NULL;
            }
        }
    }
    return bindings;
}

PyCFunction handlepy_ffi_bind(HPyDef *def, HPyCFunction impl, void *data)
{
    handlepy_ffi_bindings *bindings = data;
    for (Py_ssize_t i = 0; i < bindings->n; i++) {
        if (bindings->items[i].def == def && bindings->items[i].impl == impl)
            return (PyCFunction)bindings->items[i].code;
    }
    /* Unreachable: handlepy_ffi_prepare made a closure for every function it was given. */
    return NULL;
}
