/* The CPython backend's module initialisation, compiled into each CPython-mode
 * extension so that it imports with no handlepy installed. */
#include "internal.h"

HPyContext _handlepy_cpython_ctx = {
    .name = "HPy CPython ABI",
    .abi_major = HPY_ABI_VERSION,
    .abi_minor = HPY_ABI_VERSION_MINOR,
    .size = sizeof(HPyContext),
};

#ifdef Py_GIL_DISABLED
/* With the GIL, PyInit_<name> runs one at a time; without it, two modules of one binary
 * (HPY_EMBEDDED_MODULES), or one in two sub-interpreters, may initialise at once. */
static PyMutex init_lock;
#endif

static PyObject *module_init(HPyModuleDef *hdef, const char *name, PyModuleDef **made);

PyObject *_handlepy_cpy_module_init(HPyModuleDef *hdef, const char *name, PyModuleDef **made)
{
#ifdef Py_GIL_DISABLED
    PyMutex_Lock(&init_lock);
    PyObject *def = module_init(hdef, name, made);
    PyMutex_Unlock(&init_lock);
    return def;
#else
    return module_init(hdef, name, made);
#endif
}

static PyObject *module_init(HPyModuleDef *hdef, const char *name, PyModuleDef **made)
{
    if (HPy_IsNull(_handlepy_cpython_ctx.h_None))
        _hpy_cpy_fill_constants(&_handlepy_cpython_ctx);
    /* CPython calls PyInit_<name> again on every import that does not find the module
     * in sys.modules (after a failed exec slot, in a sub-interpreter): one definition
     * per module, as in the universal loader, so that none is leaked. */
    if (*made == NULL)
        *made = handlepy_moduledef_new(name, hdef, NULL, NULL);
    if (*made == NULL)
        return NULL;
    return PyModuleDef_Init(*made);
}
