#include "internal.h"

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

typedef PyObject *(*create_fn)(PyObject *spec, PyModuleDef *def);

/* What handlepy_moduledef_new allocates: the host's definition first, so that the
 * definition the host hands Py_mod_create leads back to the module's own create
 * function; then the method and slot tables and the name. */
typedef struct {
    PyModuleDef def;
    create_fn create;
} def_block;

/* The Py_mod_create of every module with an HPy_mod_create slot: HPy 0.9 lets that slot
 * make any object but a module, which HPy has no API to build. */
PyObject *handlepy_moduledef_create(PyObject *spec, PyModuleDef *def)
{
    PyObject *result = ((def_block *)def)->create(spec, def);
    if (result != NULL && PyModule_Check(result)) {
        Py_DECREF(result);
        PyErr_SetString(PyExc_SystemError,
                        "HPy_mod_create slot returned a builtin module object. This is "
                        "currently not supported: the slot may make any object but a module");
        return NULL;
    }
    return result;
}

int handlepy_moduledef_creates(PyModuleDef *def)
{
    return ((def_block *)def)->create != NULL;
}

static int fill_slots(PyModuleDef_Slot *slots, def_block *block, HPyModuleDef *hdef,
                      handlepy_bind_fn bind, void *data)
{
    Py_ssize_t n = 0;
    for (HPyDef **d = hdef->defines; d != NULL && *d != NULL; d++) {
        if ((*d)->kind != HPyDef_Kind_Slot)
            continue;
        HPySlot_Slot slot = (*d)->slot.slot;
        if (slot != HPy_mod_exec && slot != HPy_mod_create) {
            PyErr_Format(PyExc_SystemError, "slot %d is not a module slot", (int)slot);
            return -1;
        }
        PyCFunction fn = handlepy_host_function(*d, (*d)->slot.impl, (*d)->slot.cpy_trampoline,
                                                bind, data);
        if (slot == HPy_mod_create) {
            block->create = (create_fn)(void (*)(void))fn;
            slots[n].slot = Py_mod_create;
            slots[n].value = (void *)handlepy_moduledef_create;
        } else {
            slots[n].slot = Py_mod_exec;
            slots[n].value = (void *)fn;
        }
        n++;
    }
    return 0;
}

/* HPy 0.9's rule: the object an HPy_mod_create slot makes is not a module, so a
 * definition with one can give it nothing else. */
static int check_create(const char *name, HPyModuleDef *hdef)
{
    int creates = 0, others = 0;
    for (HPyDef **d = hdef->defines; d != NULL && *d != NULL; d++) {
        if ((*d)->kind == HPyDef_Kind_Slot && (*d)->slot.slot == HPy_mod_create)
            creates++;
        else
            others++;
    }
    if (creates == 0)
        return 0;
    if (creates > 1) {
        PyErr_Format(PyExc_SystemError,
                     "module '%s': HPyModuleDef defines more than one HPy_mod_create slot",
                     name);
        return -1;
    }
    if (others > 0) {
        PyErr_Format(PyExc_SystemError,
                     "HPyModuleDef defines a HPy_mod_create slot and other definitions "
                     "(module '%s'): the object that slot makes is not a module, so it "
                     "cannot get methods or run exec slots; define only the create slot",
                     name);
        return -1;
    }
    if (hdef->doc != NULL || hdef->size != 0 || hdef->legacy_methods != NULL ||
        hdef->globals != NULL) {
        PyErr_Format(PyExc_SystemError,
                     "HPyModuleDef defines a HPy_mod_create slot and sets doc, size, "
                     "legacy_methods or globals (module '%s'): the object that slot makes "
                     "is not a module and takes none of them; leave them zero",
                     name);
        return -1;
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
    if (check_create(name, hdef) < 0)
        return NULL;
    Py_ssize_t n_methods = count_legacy(hdef->legacy_methods), n_slots = 0;
    for (HPyDef **d = hdef->defines; d != NULL && *d != NULL; d++) {
        if ((*d)->kind == HPyDef_Kind_Meth)
            n_methods++;
        else if ((*d)->kind == HPyDef_Kind_Slot)
            n_slots++;
    }
    /* A free-threaded CPython re-enables the GIL for a module that does not declare
     * Py_mod_gil. The context functions do not need it (docs/design.md, "Without the
     * GIL"), so the slot goes after the HPy slots that fill_slots writes. */
#ifdef Py_GIL_DISABLED
    Py_ssize_t gil_slot = n_slots++;
#endif
    /* One block, terminators included, zeroed: freed only when no module was made
     * from it (handlepy_moduledef_free). */
    size_t name_len = strlen(name) + 1;
    size_t size = sizeof(def_block) + sizeof(PyMethodDef) * (size_t)(n_methods + 1) +
                  sizeof(PyModuleDef_Slot) * (size_t)(n_slots + 1) + name_len;
    def_block *block = PyMem_Calloc(1, size);
    if (block == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    PyModuleDef *def = &block->def;
    PyMethodDef *methods = (PyMethodDef *)(block + 1);
    PyModuleDef_Slot *slots = (PyModuleDef_Slot *)(methods + n_methods + 1);
    char *name_copy = (char *)(slots + n_slots + 1);
    memcpy(name_copy, name, name_len);
    if (fill_methods(methods, hdef, bind, data) < 0 ||
        fill_slots(slots, block, hdef, bind, data) < 0) {
        PyMem_Free(block);
        return NULL;
    }
#ifdef Py_GIL_DISABLED
    slots[gil_slot] = (PyModuleDef_Slot){Py_mod_gil, Py_MOD_GIL_NOT_USED};
#endif
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

void handlepy_moduledef_free(PyModuleDef *def)
{
    /* handlepy_moduledef_new made it one block, starting with the PyModuleDef. */
    PyMem_Free(def);
}
