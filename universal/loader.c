/* handlepy._loader: loads universal binaries into the running interpreter. */
#include "loader.h"
#include "ffi_bind.h"
#include "internal.h"
#include "modes.h"

#include <dlfcn.h>
#include <pythread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static HPyContext universal_ctx = {
    .name = "HPy Universal ABI (handlepy)",
    .abi_major = HPY_ABI_VERSION,
    .abi_minor = HPY_ABI_VERSION_MINOR,
    .size = sizeof(HPyContext),
};

/* Lives as long as the process, like the binaries it keys:
 * (path, module name without its package, mode) -> capsule(PyModuleDef). */
static PyObject *defs_by_path;

typedef uint32_t (*abi_fn)(void);
typedef HPyModuleDef *(*init_fn)(HPyContext *);

static void *find_symbol(void *lib, const char *prefix, const char *shortname,
                         PyObject *path)
{
    char symbol[512];
    snprintf(symbol, sizeof symbol, "%s%s", prefix, shortname);
    void *sym = dlsym(lib, symbol);
    if (sym == NULL)
        PyErr_Format(PyExc_ImportError, "%U is not a handlepy universal binary: no %s",
                     path, symbol);
    return sym;
}

/* What to do about a binary built for another ABI depends on which side is older: a
 * newer binary needs a newer handlepy (the binary names the first one that would do),
 * an older binary needs rebuilding with this one. */
static int check_abi(void *lib, const char *shortname, abi_fn abi, PyObject *name)
{
    uint32_t version = abi();
    unsigned major = version >> 16, minor = version & 0xffff;
    if (major == HPY_ABI_VERSION && minor <= HPY_ABI_VERSION_MINOR)
        return 0;
    if (major < HPY_ABI_VERSION) {
        PyErr_Format(PyExc_ImportError,
                     "module %U was built for handlepy ABI %u.%u, which this handlepy "
                     "(%s, ABI %d.%d) no longer loads: rebuild it with handlepy %s",
                     name, major, minor, HANDLEPY_VERSION, HPY_ABI_VERSION,
                     HPY_ABI_VERSION_MINOR, HANDLEPY_VERSION);
        return -1;
    }
    char symbol[512];
    snprintf(symbol, sizeof symbol, "handlepy_release_%s", shortname);
    const char *release = dlsym(lib, symbol);
    if (release != NULL)
        PyErr_Format(PyExc_ImportError,
                     "module %U was built for handlepy ABI %u.%u, newer than this handlepy "
                     "(%s, ABI %d.%d): upgrade handlepy to %s or later",
                     name, major, minor, HANDLEPY_VERSION, HPY_ABI_VERSION,
                     HPY_ABI_VERSION_MINOR, release);
    else
        PyErr_Format(PyExc_ImportError,
                     "module %U was built for handlepy ABI %u.%u, newer than this handlepy "
                     "(%s, ABI %d.%d): upgrade handlepy to a release that provides ABI %u.%u",
                     name, major, minor, HANDLEPY_VERSION, HPY_ABI_VERSION,
                     HPY_ABI_VERSION_MINOR, major, minor);
    return -1;
}

/* Debug and trace modes, chosen per load: both carry their own contexts, so both bind
 * libffi closures (the binary's hidden context global stays the universal context). */
enum { MODE_DEBUG = 1, MODE_TRACE = 2 };

/* HANDLEPY_TRAMPOLINES picks how methods find the context outside those modes:
 * "generated" (the default) installs the extension's own trampolines, which read its
 * hidden context global; "ffi" installs libffi closures that carry the context. Read at
 * each binary's first load: the host keeps what was bound then. */
static PyModuleDef *new_def(const char *fullname, const char *shortname, HPyModuleDef *hdef,
                            int mode, handlepy_ffi_bindings **bindings_out)
{
    *bindings_out = NULL;
    const char *trampolines = getenv("HANDLEPY_TRAMPOLINES");
    if (mode == 0 && (trampolines == NULL || trampolines[0] == '\0' ||
                      strcmp(trampolines, "generated") == 0))
        return handlepy_moduledef_new(shortname, hdef, NULL, NULL);
    if (mode == 0 && strcmp(trampolines, "ffi") != 0) {
        PyErr_Format(PyExc_ImportError,
                     "HANDLEPY_TRAMPOLINES must be 'generated' or 'ffi', not '%s'",
                     trampolines);
        return NULL;
    }
    HPyContext *inner = &universal_ctx;
    if ((mode & MODE_TRACE) && (inner = handlepy_trace_context(fullname, inner)) == NULL)
        return NULL;
    handlepy_ffi_bindings *bindings =
        mode & MODE_DEBUG
            ? handlepy_debug_bindings(hdef, inner, &universal_ctx, fullname)
            : handlepy_ffi_prepare(hdef->defines, handlepy_plain_handlers, inner, fullname);
    if (bindings == NULL)
        return NULL;
    PyModuleDef *def = handlepy_moduledef_new(shortname, hdef, handlepy_ffi_bind, bindings);
    if (def == NULL) {
        handlepy_ffi_release(bindings);
        return NULL;
    }
    *bindings_out = bindings;
#ifdef Py_GIL_DISABLED
    /* Debug and trace modes keep process-wide tables and counters that rely on the GIL
     * (docs/design.md, "Without the GIL"): a module loaded in either says that it uses
     * the GIL, and so the interpreter turns it on when it imports one. */
    if (mode != 0)
        for (PyModuleDef_Slot *slot = def->m_slots; slot->slot != 0; slot++)
            if (slot->slot == Py_mod_gil)
                slot->value = Py_MOD_GIL_USED;
#endif
    return def;
}

/* Hybrid binaries (HPY_ABI_HYBRID) may use the C API and legacy definitions. */
static int is_hybrid(void *lib, const char *shortname)
{
    char symbol[512];
    snprintf(symbol, sizeof symbol, "handlepy_hybrid_%s", shortname);
    return dlsym(lib, symbol) != NULL;
}

/* Every binary loaded, by the address it is mapped at: int -> whether it is hybrid.
 * HPyType_FromSpec finds the binary a spec comes from through it. */
static PyObject *binaries;

static PyObject *binary_key(const void *address)
{
    Dl_info info;
    if (address == NULL || dladdr(address, &info) == 0 || info.dli_fbase == NULL)
        return NULL;
    return PyLong_FromVoidPtr(info.dli_fbase);
}

static int record_binary(HPyModuleDef *hdef, int hybrid)
{
    PyObject *key = binary_key(hdef);
    if (key == NULL)
        return PyErr_Occurred() ? -1 : 0;
    int res = PyDict_SetItem(binaries, key, hybrid ? Py_True : Py_False);
    Py_DECREF(key);
    return res;
}

/* 1 for a hybrid binary, 0 for a universal one, -1 when `address` is in none of them
 * (or on error, with an exception). */
static int hybrid_at(const void *address)
{
    PyObject *key = binary_key(address);
    if (key == NULL)
        return -1;
    /* Borrowed, but only compared: the values are Py_True and Py_False. */
    PyObject *hybrid = PyDict_GetItemWithError(binaries, key);
    Py_DECREF(key);
    return hybrid == NULL ? -1 : hybrid == Py_True;
}

int handlepy_refuse_legacy_slots(HPyType_Spec *spec)
{
    if (spec->legacy_slots == NULL)
        return 0;
    /* The spec is usually static data of the binary; one built at run time still
     * names the binary's own slot table or function. */
    PyType_Slot *slots = spec->legacy_slots;
    const void *places[] = {spec, slots, slots[0].slot != 0 ? slots[0].pfunc : NULL};
    int hybrid = -1;
    for (size_t i = 0; hybrid < 0 && i < sizeof places / sizeof places[0]; i++) {
        hybrid = hybrid_at(places[i]);
        if (PyErr_Occurred())
            return -1;
    }
    if (hybrid != 0)
        return 0;
    PyErr_Format(PyExc_TypeError,
                 "type %s sets legacy_slots, which need the C API: build its module with "
                 "HPY_ABI_HYBRID or HPY_ABI_CPYTHON, not HPY_ABI_UNIVERSAL", spec->name);
    return -1;
}

static HPy universal_type_from_spec(HPyContext *ctx, HPyType_Spec *spec,
                                    HPyType_SpecParam *params)
{
    (void)ctx;
    if (handlepy_refuse_legacy_slots(spec) < 0)
        return HPy_NULL;
    return _py2h(handlepy_type_from_spec(spec, params));
}

/* Whether the n characters at name name the module: its full name or its last part. */
static int names_module(const char *name, size_t n, const char *fullname,
                        const char *shortname)
{
    return (n == strlen(fullname) && strncmp(name, fullname, n) == 0) ||
           (n == strlen(shortname) && strncmp(name, shortname, n) == 0);
}

/* The setting of HANDLEPY_DEBUG or HANDLEPY_TRACE for a module: "1", "all" or "*" for
 * every module, else a comma-separated list of module names (full or last part). */
static int env_selects(const char *variable, const char *fullname, const char *shortname)
{
    const char *value = getenv(variable);
    if (value == NULL || value[0] == '\0' || strcmp(value, "0") == 0)
        return 0;
    if (strcmp(value, "1") == 0 || strcmp(value, "all") == 0 || strcmp(value, "*") == 0)
        return 1;
    for (const char *p = value; *p != '\0';) {
        size_t n = strcspn(p, ",");
        if (names_module(p, n, fullname, shortname))
            return 1;
        p += n + (p[n] == ',');
    }
    return 0;
}

static int hpy_mode_named(const char *word, size_t n)
{
    if (n == 9 && strncmp(word, "universal", n) == 0)
        return 0;
    if (n == 5 && strncmp(word, "debug", n) == 0)
        return MODE_DEBUG;
    if (n == 5 && strncmp(word, "trace", n) == 0)
        return MODE_TRACE;
    return -1;
}

/* HPy's own variable, so that what HPy users type works here too: HPY=MODE for every
 * module, or HPY=name:MODE,name:MODE (a full name or its last part), MODE being
 * universal, debug or trace. -1 with HPy's ValueError for anything else. */
static int hpy_env_mode(const char *fullname, const char *shortname)
{
    const char *value = getenv("HPY");
    if (value == NULL || value[0] == '\0')
        return 0;
    int mode = -1;
    if (strchr(value, ':') == NULL) {
        mode = hpy_mode_named(value, strlen(value));
    } else {
        mode = 0;
        for (const char *p = value; *p != '\0' && mode >= 0;) {
            size_t n = strcspn(p, ",");
            const char *colon = memchr(p, ':', n);
            if (colon == NULL) {
                mode = -1;
                break;
            }
            size_t name = (size_t)(colon - p);
            int this = hpy_mode_named(colon + 1, n - name - 1);
            if (this < 0)
                mode = -1;
            else if (names_module(p, name, fullname, shortname))
                mode = this;
            p += n + (p[n] == ',');
        }
    }
    if (mode < 0)
        PyErr_Format(PyExc_ValueError, "invalid HPy mode: %.50s", value);
    return mode;
}

/* debug and trace: True, False, or None for what the environment says. */
static int choose_mode(PyObject *debug, PyObject *trace, const char *fullname,
                       const char *shortname)
{
    int from_hpy = debug == Py_None || trace == Py_None ? hpy_env_mode(fullname, shortname)
                                                        : 0;
    if (from_hpy < 0)
        return -1;
    int on_debug = debug == Py_None ? (from_hpy & MODE_DEBUG) ||
                                      env_selects("HANDLEPY_DEBUG", fullname, shortname)
                                    : PyObject_IsTrue(debug);
    int on_trace = trace == Py_None ? (from_hpy & MODE_TRACE) ||
                                      env_selects("HANDLEPY_TRACE", fullname, shortname)
                                    : PyObject_IsTrue(trace);
    if (on_debug < 0 || on_trace < 0)
        return -1;
    return (on_debug ? MODE_DEBUG : 0) | (on_trace ? MODE_TRACE : 0);
}

/* The cache's check, dlopen, initialisation and store make one step under defs_lock,
 * in every build. A binary's init is extension code: HPy_MODINIT's only returns its
 * definition, but a hand-made one may leave Python, and without the GIL nothing at all
 * keeps another thread out. Either way two threads loading one binary could both
 * initialise it and both store an entry. The lock is re-entrant, since an init may import
 * another universal module; a thread waiting for it lets others run (it releases the GIL,
 * or detaches without one). */
static PyThread_type_lock defs_lock;
static _Atomic unsigned long defs_owner;
static int defs_depth;

static void defs_lock_acquire(void)
{
    unsigned long me = (unsigned long)PyThread_get_thread_ident();
    if (atomic_load_explicit(&defs_owner, memory_order_relaxed) == me) {
        defs_depth++;
        return;
    }
    if (!PyThread_acquire_lock(defs_lock, NOWAIT_LOCK)) {
        Py_BEGIN_ALLOW_THREADS
        PyThread_acquire_lock(defs_lock, WAIT_LOCK);
        Py_END_ALLOW_THREADS
    }
    atomic_store_explicit(&defs_owner, me, memory_order_relaxed);
    defs_depth = 1;
}

static void defs_lock_release(void)
{
    if (--defs_depth > 0)
        return;
    atomic_store_explicit(&defs_owner, 0, memory_order_relaxed);
    PyThread_release_lock(defs_lock);
}

static PyModuleDef *load_new_def(PyObject *name, PyObject *path, const char *c_name,
                                 const char *c_path, const char *shortname, int mode,
                                 PyObject *key);

static PyModuleDef *load_def(PyObject *name, PyObject *path, PyObject *debug,
                             PyObject *trace)
{
    const char *c_name = PyUnicode_AsUTF8(name), *c_path = PyUnicode_AsUTF8(path);
    if (c_name == NULL || c_path == NULL)
        return NULL;
    const char *dot = strrchr(c_name, '.');
    const char *shortname = dot ? dot + 1 : c_name;
    /* Outside the lock: debug and trace are the caller's objects, whose truth may run
     * Python code. */
    int mode = choose_mode(debug, trace, c_name, shortname);
    if (mode < 0)
        return NULL;
    /* One definition per module and mode: a binary may hold several modules
     * (HPY_EMBEDDED_MODULES). */
    PyObject *key = Py_BuildValue("(Osi)", path, shortname, mode);
    if (key == NULL)
        return NULL;
    PyModuleDef *def = NULL;
    defs_lock_acquire();
    /* Borrowed, but only the lock's holder writes the cache, and its entries are never
     * replaced or removed. */
    PyObject *cached = PyDict_GetItemWithError(defs_by_path, key);
    if (cached != NULL)
        def = PyCapsule_GetPointer(cached, NULL);
    else if (!PyErr_Occurred())
        def = load_new_def(name, path, c_name, c_path, shortname, mode, key);
    defs_lock_release();
    Py_DECREF(key);
    return def;
}

static PyModuleDef *load_new_def(PyObject *name, PyObject *path, const char *c_name,
                                 const char *c_path, const char *shortname, int mode,
                                 PyObject *key)
{
    void *lib = dlopen(c_path, RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        PyErr_Format(PyExc_ImportError, "cannot load %U: %s", path, dlerror());
        return NULL;
    }
    abi_fn abi = (abi_fn)find_symbol(lib, "handlepy_abi_", shortname, path);
    if (abi == NULL || check_abi(lib, shortname, abi, name) < 0)
        goto fail;
    init_fn init = (init_fn)find_symbol(lib, "handlepy_init_", shortname, path);
    if (init == NULL)
        goto fail;
    /* HPy_MODINIT's init never fails; a hand-made binary's may, raising through the
     * context or not. */
    HPyModuleDef *hdef = init(&universal_ctx);
    if (hdef == NULL) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_SystemError,
                         "initialization of %U failed without raising an exception", name);
        goto fail;
    }
    int hybrid = is_hybrid(lib, shortname);
    if (hdef->legacy_methods != NULL && !hybrid) {
        PyErr_Format(PyExc_ImportError,
                     "module %U sets HPyModuleDef.legacy_methods, which need the C API: "
                     "build it with HPY_ABI_HYBRID or HPY_ABI_CPYTHON, not HPY_ABI_UNIVERSAL",
                     name);
        goto fail;
    }
    /* Recorded before anything needs releasing: a stale record of a binary that then
     * fails to load names an address range no spec can come from. */
    if (record_binary(hdef, hybrid) < 0)
        goto fail;
    handlepy_ffi_bindings *bindings;
    PyModuleDef *def = new_def(c_name, shortname, hdef, mode, &bindings);
    if (def == NULL)
        goto fail;
    /* Until it is cached, nothing else holds the definition or the binary: a failed
     * store releases both, so that a retry starts afresh. */
    PyObject *capsule = PyCapsule_New(def, NULL, NULL);
    if (capsule == NULL || PyDict_SetItem(defs_by_path, key, capsule) < 0) {
        Py_XDECREF(capsule);
        handlepy_moduledef_free(def);
        if (bindings != NULL)
            handlepy_ffi_release(bindings);
        goto fail;
    }
    Py_DECREF(capsule);
    return def;

fail:
    dlclose(lib);
    return NULL;
}

#ifdef PYPY_VERSION
/* PyPy has no PyModule_FromDefAndSpec, and its PyModule_Create2 refuses no slots but
 * runs none either: create from a slotless twin, which leads back to the real def. */
typedef struct {
    PyModuleDef slotless;
    PyModuleDef *def;
} twin_def;

static PyObject *module_from_def(PyModuleDef *def, PyObject *spec, PyObject *name)
{
    if (handlepy_moduledef_creates(def))
        return handlepy_moduledef_create(spec, def);
    twin_def *twin = PyMem_Calloc(1, sizeof(twin_def));
    if (twin == NULL)
        return PyErr_NoMemory();
    twin->slotless = *def;
    twin->slotless.m_slots = NULL;
    twin->def = def;
    PyObject *module = PyModule_Create2(&twin->slotless, PYTHON_API_VERSION);
    (void)spec;
    if (module != NULL && PyObject_SetAttrString(module, "__name__", name) < 0)
        Py_CLEAR(module);
    return module;
}

static PyModuleDef *def_of(PyObject *module)
{
    PyModuleDef *slotless = PyModule_GetDef(module);
    return slotless ? ((twin_def *)slotless)->def : NULL;
}
#else
static PyObject *module_from_def(PyModuleDef *def, PyObject *spec, PyObject *name)
{
    (void)name;
    return PyModule_FromDefAndSpec(def, spec);
}

static PyModuleDef *def_of(PyObject *module)
{
    return PyModule_GetDef(module);
}
#endif

static PyObject *loader_create(PyObject *self, PyObject *args, PyObject *kwargs)
{
    (void)self;
    static char *keywords[] = {"spec", "debug", "trace", NULL};
    PyObject *spec, *debug = Py_None, *trace = Py_None;
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "O|OO:create", keywords, &spec, &debug,
                                     &trace))
        return NULL;
    PyObject *name = PyObject_GetAttrString(spec, "name");
    PyObject *origin = name ? PyObject_GetAttrString(spec, "origin") : NULL;
    PyObject *module = NULL;
    if (origin != NULL) {
        if (!PyUnicode_Check(name) || !PyUnicode_Check(origin)) {
            PyErr_SetString(PyExc_TypeError, "spec.name and spec.origin must be str");
        } else {
            PyModuleDef *def = load_def(name, origin, debug, trace);
            if (def != NULL)
                module = module_from_def(def, spec, name);
        }
    }
    Py_XDECREF(name);
    Py_XDECREF(origin);
    return module;
}

static PyObject *loader_exec(PyObject *self, PyObject *module)
{
    (void)self;
    /* What an HPy_mod_create slot made: such a module has nothing to execute. */
    if (!PyModule_Check(module))
        Py_RETURN_NONE;
    PyModuleDef *def = def_of(module);
    if (def == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_TypeError, "not a module created by handlepy");
        return NULL;
    }
    if (PyModule_ExecDef(module, def) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *loader_abi_version(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return Py_BuildValue("(ii)", HPY_ABI_VERSION, HPY_ABI_VERSION_MINOR);
}

static PyMethodDef loader_methods[] = {
    {"create", (PyCFunction)(void (*)(void))loader_create, METH_VARARGS | METH_KEYWORDS,
     "create(spec, debug=None, trace=None): create the module a universal binary defines, "
     "in debug and trace mode as asked (None: as HANDLEPY_DEBUG and HANDLEPY_TRACE say)."},
    {"exec", loader_exec, METH_O, "Run the module's exec slots."},
    {"abi_version", loader_abi_version, METH_NOARGS,
     "The (major, minor) universal ABI version this loader provides."},
    HANDLEPY_MODES_METHODS
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef loader_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "handlepy._loader",
    .m_doc = "Loads handlepy universal binaries.",
    .m_size = -1,
    .m_methods = loader_methods,
};

PyMODINIT_FUNC PyInit__loader(void)
{
    handlepy_fill_context(&universal_ctx);
    universal_ctx.HPyType_FromSpec = universal_type_from_spec;
    defs_by_path = PyDict_New();
    binaries = PyDict_New();
    if (defs_by_path == NULL || binaries == NULL)
        return NULL;
    if (defs_lock == NULL && (defs_lock = PyThread_allocate_lock()) == NULL)
        return PyErr_NoMemory();
    PyObject *module = PyModule_Create(&loader_module);
    if (module != NULL && handlepy_debug_add_to_module(module) < 0)
        Py_CLEAR(module);
#ifdef Py_GIL_DISABLED
    /* Single-phase, so no Py_mod_gil slot: without this, importing the loader would
     * turn the GIL back on. */
    if (module != NULL && PyUnstable_Module_SetGIL(module, Py_MOD_GIL_NOT_USED) < 0)
        Py_CLEAR(module);
#endif
    return module;
}
