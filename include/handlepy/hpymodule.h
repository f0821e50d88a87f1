#ifndef HANDLEPY_HPYMODULE_H
#define HANDLEPY_HPYMODULE_H

typedef struct {
    const char *doc;
    /* Bytes of zeroed module state (see HPyModule_GetState); 0 for none. */
    HPy_ssize_t size;
    /* NULL-terminated C-API methods: hybrid and CPython ABIs only (a universal binary
     * that sets them is refused when it is imported). */
    cpy_PyMethodDef *legacy_methods;
    /* NULL-terminated. */
    HPyDef **defines;
    HPyGlobal **globals;
} HPyModuleDef;

#define HPyModule_STATE(ctx, module, T) ((T *)HPyModule_GetState((ctx), (module)))

#ifdef HANDLEPY_HPY_MESSAGES
/* An HPy project (built with HANDLEPY_HPY_MESSAGES, see helpers.h) is refused a module
 * method of unknown signature in HPy 0.9's words, by its own init, before the host's
 * check, which names the method, would run. */
#  define _HPy_UNSUPPORTED_SIGNATURE "Unsupported HPyMeth signature"
static inline int _HPy_HasUnsupportedSignature(const HPyModuleDef *def)
{
    for (HPyDef **d = def->defines; d != NULL && *d != NULL; d++) {
        if ((*d)->kind != HPyDef_Kind_Meth)
            continue;
        switch ((*d)->meth.signature) {
        case HPyFunc_NOARGS:
        case HPyFunc_O:
        case HPyFunc_VARARGS:
        case HPyFunc_KEYWORDS:
            break;
        default:
            return 1;
        }
    }
    return 0;
}
#endif

#if defined(HPY_ABI_CPYTHON)

PyObject *_handlepy_cpy_module_init(HPyModuleDef *def, const char *name,
                                    PyModuleDef **made) _HPy_HIDDEN;

/* `made` keeps the module's PyModuleDef, one per module of the binary. */
#define HPy_MODINIT(ext_name, mod_def)                                      \
    PyMODINIT_FUNC PyInit_##ext_name(void)                                  \
    {                                                                       \
        static PyModuleDef *made;                                           \
        _HPy_CHECK_SIGNATURES_CPY(mod_def)                                  \
        return _handlepy_cpy_module_init(&mod_def, #ext_name, &made);       \
    }

#ifdef HANDLEPY_HPY_MESSAGES
#  define _HPy_CHECK_SIGNATURES_CPY(mod_def)                                \
    if (_HPy_HasUnsupportedSignature(&mod_def)) {                           \
        PyErr_SetString(PyExc_ValueError, _HPy_UNSUPPORTED_SIGNATURE);      \
        return NULL;                                                        \
    }
#else
#  define _HPy_CHECK_SIGNATURES_CPY(mod_def)
#endif

#else

#if defined(HPY_ABI_HYBRID)
/* Tells the loader that this binary may use legacy definitions. */
#  define _HPy_HYBRID_MARKER(ext_name) \
    HPy_EXPORTED_SYMBOL const int handlepy_hybrid_##ext_name = 1;
#else
#  define _HPy_HYBRID_MARKER(ext_name)
#endif

/* The loader reads the ABI version before anything else, so that a binary built for
 * another ABI is refused before its context layout matters. A loader older than the
 * binary cannot know which release it lacks: handlepy_release_<name> tells it (the
 * first handlepy that provides the binary's ABI), so that it can say what to install. */
#define HPy_MODINIT(ext_name, mod_def)                                      \
    _HPy_HYBRID_MARKER(ext_name)                                            \
    _HPy_CTX_STORAGE HPyContext *_handlepy_ctx;                             \
    HPy_EXPORTED_SYMBOL const char handlepy_release_##ext_name[] =          \
        HANDLEPY_ABI_RELEASE;                                               \
    HPy_EXPORTED_SYMBOL uint32_t handlepy_abi_##ext_name(void)              \
    {                                                                       \
        return ((uint32_t)HPY_ABI_VERSION << 16) | HPY_ABI_VERSION_MINOR;   \
    }                                                                       \
    HPy_EXPORTED_SYMBOL HPyModuleDef *handlepy_init_##ext_name(HPyContext *ctx) \
    {                                                                       \
        _handlepy_ctx = ctx;                                                \
        _HPy_CHECK_SIGNATURES(ctx, mod_def)                                 \
        return &mod_def;                                                    \
    }

#ifdef HANDLEPY_HPY_MESSAGES
#  define _HPy_CHECK_SIGNATURES(ctx, mod_def)                               \
    if (_HPy_HasUnsupportedSignature(&mod_def)) {                           \
        HPyErr_SetString(ctx, ctx->h_ValueError, _HPy_UNSUPPORTED_SIGNATURE); \
        return NULL;                                                        \
    }
#else
#  define _HPy_CHECK_SIGNATURES(ctx, mod_def)
#endif

#endif

#endif
