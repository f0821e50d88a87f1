#include "moduledef.h"

#include <string.h>

int handlepy_method_flags(HPyFunc_Signature sig)
{
    switch (sig) {
    case HPyFunc_NOARGS:
        return METH_NOARGS;
    case HPyFunc_O:
        return METH_O;
    case HPyFunc_VARARGS:
        return METH_FASTCALL;
    case HPyFunc_KEYWORDS:
        return METH_FASTCALL | METH_KEYWORDS;
    default:
        return -1;
    }
}

PyCFunction handlepy_host_function(HPyDef *def, HPyCFunction impl,
                                   cpy_PyCFunction trampoline, handlepy_bind_fn bind,
                                   void *data)
{
    return bind != NULL ? bind(def, impl, data) : (PyCFunction)trampoline;
}

static Py_ssize_t count_legacy(PyMethodDef *legacy)
{
    Py_ssize_t n = 0;
    while (legacy != NULL && legacy[n].ml_name != NULL)
        n++;
    return n;
}

static int fill_methods(PyMethodDef *methods, HPyModuleDef *hdef, handlepy_bind_fn bind,
                        void *data)
{
    Py_ssize_t n = 0;
    for (HPyDef **d = hdef->defines; d != NULL && *d != NULL; d++) {
        if ((*d)->kind != HPyDef_Kind_Meth)
            continue;
        int flags = handlepy_method_flags((*d)->meth.signature);
        if (flags < 0) {
            /* HPy 0.9's exception. */
            PyErr_Format(PyExc_ValueError, "method '%s' has an unsupported HPyMeth signature %d",
                         (*d)->meth.name, (int)(*d)->meth.signature);
            return -1;
        }
        if ((*d)->meth.binding != HPyMeth_Instance) {
            PyErr_SetString(PyExc_ValueError,
                            "module functions cannot set METH_CLASS or METH_STATIC");
            return -1;
        }
        methods[n].ml_name = (*d)->meth.name;
        methods[n].ml_meth = handlepy_host_function(*d, (*d)->meth.impl,
                                                    (*d)->meth.cpy_trampoline, bind, data);
        methods[n].ml_flags = flags;
        methods[n].ml_doc = (*d)->meth.doc;
        n++;
    }
    Py_ssize_t legacy = count_legacy(hdef->legacy_methods);
    if (legacy > 0)
        memcpy(&methods[n], hdef->legacy_methods, sizeof(PyMethodDef) * (size_t)legacy);
    return 0;
}

static int fill_slots(PyModuleDef_Slot *slots, HPyModuleDef *hdef, handlepy_bind_fn bind,
                      void *data)
{
    Py_ssize_t n = 0;
    for (HPyDef **d = hdef->defines; d != NULL && *d != NULL; d++) {
        if ((*d)->kind != HPyDef_Kind_Slot)
            continue;
        if ((*d)->slot.slot != HPy_mod_exec) {
            PyErr_Format(PyExc_SystemError, "slot %d is not a module slot",
                         (int)(*d)->slot.slot);
            return -1;
        }
        slots[n].slot = Py_mod_exec;
        slots[n].value = (void *)handlepy_host_function(*d, (*d)->slot.impl,
                                                        (*d)->slot.cpy_trampoline, bind, data);
        n++;
    }
    return 0;
}

PyModuleDef *handlepy_moduledef_new(const char *name, HPyModuleDef *hdef,
                                    handlepy_bind_fn bind, void *data)
{
    if (hdef->size < 0) {
        PyErr_Format(PyExc_SystemError,
                     "module '%s': HPy does not permit HPyModuleDef.size < 0 (it is %zd)", name,
                     (Py_ssize_t)hdef->size);
        return NULL;
    }
    Py_ssize_t n_methods = count_legacy(hdef->legacy_methods), n_slots = 0;
    for (HPyDef **d = hdef->defines; d != NULL && *d != NULL; d++) {
        if ((*d)->kind == HPyDef_Kind_Meth)
            n_methods++;
        else if ((*d)->kind == HPyDef_Kind_Slot)
            n_slots++;
    }
    /* One block, terminators included, zeroed: nothing here is ever freed. */
    size_t name_len = strlen(name) + 1;
    size_t size = sizeof(PyModuleDef) + sizeof(PyMethodDef) * (size_t)(n_methods + 1) +
                  sizeof(PyModuleDef_Slot) * (size_t)(n_slots + 1) + name_len;
    char *block = PyMem_Calloc(1, size);
    if (block == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    PyModuleDef *def = (PyModuleDef *)block;
    PyMethodDef *methods = (PyMethodDef *)(def + 1);
    PyModuleDef_Slot *slots = (PyModuleDef_Slot *)(methods + n_methods + 1);
    char *name_copy = (char *)(slots + n_slots + 1);
    memcpy(name_copy, name, name_len);
    if (fill_methods(methods, hdef, bind, data) < 0 ||
        fill_slots(slots, hdef, bind, data) < 0) {
        PyMem_Free(block);
        return NULL;
    }
    *def = (PyModuleDef){
        PyModuleDef_HEAD_INIT,
        .m_name = name_copy,
        .m_doc = hdef->doc,
        .m_size = hdef->size,
        .m_methods = methods,
        .m_slots = slots,
    };
    return def;
}
