/* Free-threaded code of handlepy run without a free-threaded interpreter (make
 * check-freethreading). Built against a free-threaded CPython's headers
 * (-DPy_GIL_DISABLED=1), linked with cpython-backend/type.c, moduledef.c and
 * module_init.c built the same way and with that version's libpython (a GIL build, for
 * the symbols nothing here calls), it supplies what that code reaches of the runtime
 * (shared reference counts, PyMutex's slow paths, PyMem, the few calls of module
 * initialisation) and checks, on real threads:
 *
 * - fields: threads store fresh objects into one field and one global and load them
 *   back with handlepy_field_load_at (HPyField_LoadAt, HPyGlobal_LoadAt) while others
 *   store; each object must be released exactly once, after its last reference, and no
 *   load may take a reference to a released object;
 * - module definitions: every PyModuleDef handlepy_moduledef_new makes (methods, exec
 *   slot, create slot) carries Py_mod_gil = Py_MOD_GIL_NOT_USED before its terminator;
 * - module initialisation (module_init.c's lazy constants and definition): threads
 *   initialising one module at once all get the one definition made;
 * - per-object call functions: one thread switches an object's call function while the
 *   others read it; every read is one of the two.
 *
 * Then it measures what the by-value HPyField_Load cannot avoid: the same threads,
 * reading the word where HPyField_Load would then take its reference, count how often
 * the object was released by then (reported, not checked: it depends on scheduling). */
#include "hpy.h"
#include "internal.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>

#if !defined(Py_GIL_DISABLED)
#error "build with -DPy_GIL_DISABLED=1"
#endif

/* ---- the runtime pieces the code under test calls --------------------------------- */

/* An object of the test: the header the headers define, and whether it was released.
 * Objects are never freed or reused, so that a late reference shows as such. */
typedef struct {
    PyObject ob;
    int released;
    int late_refs;
} TestObject;

void _Py_DecRefShared(PyObject *op)
{
    Py_ssize_t old = __atomic_fetch_sub(&op->ob_ref_shared, (Py_ssize_t)1 << _Py_REF_SHARED_SHIFT,
                                        __ATOMIC_ACQ_REL);
    Py_ssize_t count = old >> _Py_REF_SHARED_SHIFT;
    if (count == 1) {
        if (__atomic_fetch_add(&((TestObject *)op)->released, 1, __ATOMIC_ACQ_REL) != 0) {
            fprintf(stderr, "harness: an object was released twice\n");
            abort();
        }
    } else if (count < 1) {
        fprintf(stderr, "harness: a reference count went below zero\n");
        abort();
    }
}

void _Py_DecRefSharedDebug(PyObject *op, const char *file, int line)
{
    (void)file;
    (void)line;
    _Py_DecRefShared(op);
}

void _Py_MergeZeroLocalRefcount(PyObject *op)
{
    (void)op;
    fprintf(stderr, "harness: no test object is owned by a thread\n");
    abort();
}

/* The fast paths are the headers' inline functions, which keep these names behind macros;
 * a contended lock spins here. */
#undef PyMutex_Lock
#undef PyMutex_Unlock

void PyMutex_Lock(PyMutex *m)
{
    uint8_t expected = 0;
    while (!__atomic_compare_exchange_n(&m->_bits, &expected, 1, 0, __ATOMIC_ACQUIRE,
                                        __ATOMIC_RELAXED)) {
        expected = 0;
        sched_yield();
    }
}

void PyMutex_Unlock(PyMutex *m)
{
    __atomic_store_n(&m->_bits, 0, __ATOMIC_RELEASE);
}

/* Type creation, which type.c refers to and the harness never reaches. */
PyObject *handlepy_type_from_cpy_spec(PyType_Spec *spec, PyObject *bases, PyTypeObject *meta,
                                      PyObject **spec_type)
{
    (void)spec;
    (void)bases;
    (void)meta;
    (void)spec_type;
    abort();
}

/* What module_init.c calls: the builtins' namespace for the context's constants, and the
 * definition handed back as PyInit_<name>'s result. */
static PyObject fake_builtins;

PyObject *PyImport_AddModule(const char *name)
{
    (void)name;
    return &fake_builtins;
}

PyObject *PyModule_GetDict(PyObject *module)
{
    return module;
}

PyObject *PyModuleDef_Init(PyModuleDef *def)
{
    return (PyObject *)def;
}

void *PyMem_Calloc(size_t n, size_t size)
{
    return calloc(n ? n : 1, size ? size : 1);
}

void PyMem_Free(void *p)
{
    free(p);
}

/* ---- fields ------------------------------------------------------------------------ */

#define THREADS 4
#define ROUNDS 20000

static TestObject *objects;
static intptr_t field_word, global_word;
static int by_value;

static TestObject *fresh(int thread, int round)
{
    TestObject *o = &objects[(size_t)thread * ROUNDS + (size_t)round];
    /* Unowned and merged, as an object shared between threads is: every reference count
     * change goes through ob_ref_shared. One reference: the creating thread's. */
    o->ob.ob_tid = _Py_UNOWNED_TID;
    o->ob.ob_ref_local = 0;
    o->ob.ob_ref_shared = _Py_REF_SHARED(1, _Py_REF_MERGED);
    return o;
}

static PyObject *load(intptr_t *word)
{
    if (!by_value)
        return handlepy_field_load_at(word);
    /* What HPyField_Load is given: the word the extension read. Its reference would be
     * taken here, where the object may be gone already; counted, not taken (taking it
     * would resurrect a released object). */
    PyObject *value = (PyObject *)__atomic_load_n(word, __ATOMIC_ACQUIRE);
    sched_yield();
    if (value != NULL && __atomic_load_n(&((TestObject *)value)->released, __ATOMIC_ACQUIRE))
        __atomic_fetch_add(&((TestObject *)value)->late_refs, 1, __ATOMIC_RELAXED);
    return NULL;
}

static void *worker(void *arg)
{
    int thread = (int)(intptr_t)arg;
    for (int round = 0; round < ROUNDS; round++) {
        TestObject *o = fresh(thread, round);
        intptr_t *word = round % 2 ? &field_word : &global_word;
        handlepy_field_store(word, &o->ob);
        Py_DECREF(&o->ob);
        PyObject *got = load(word);
        if (got != NULL) {
            if (__atomic_load_n(&((TestObject *)got)->released, __ATOMIC_ACQUIRE)) {
                fprintf(stderr, "harness: a load took a reference to a released object\n");
                abort();
            }
            Py_DECREF(got);
        }
    }
    return NULL;
}

static long run(int mode)
{
    by_value = mode;
    objects = calloc((size_t)THREADS * ROUNDS, sizeof(TestObject));
    if (objects == NULL)
        abort();
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++)
        if (pthread_create(&threads[i], NULL, worker, (void *)(intptr_t)i) != 0)
            abort();
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    handlepy_field_store(&field_word, NULL);
    handlepy_field_store(&global_word, NULL);
    long late = 0;
    for (size_t i = 0; i < (size_t)THREADS * ROUNDS; i++) {
        late += objects[i].late_refs;
        if (!mode && objects[i].released != 1) {
            fprintf(stderr, "harness: object %zu released %d times\n", i, objects[i].released);
            exit(1);
        }
    }
    free(objects);
    return late;
}

/* ---- Py_mod_gil ----------------------------------------------------------------- */

static int gil_not_used(PyModuleDef *def)
{
    for (PyModuleDef_Slot *s = def->m_slots; s->slot != 0; s++)
        if (s->slot == Py_mod_gil)
            return s->value == Py_MOD_GIL_NOT_USED;
    return 0;
}

HPyDef_METH(meth, "meth", HPyFunc_NOARGS)
static HPy meth_impl(HPyContext *ctx, HPy self)
{
    (void)self;
    return HPy_Dup(ctx, ctx->h_None);
}

HPyDef_SLOT(exec_slot, HPy_mod_exec)
static int exec_slot_impl(HPyContext *ctx, HPy module)
{
    (void)ctx;
    (void)module;
    return 0;
}

HPyDef_SLOT(create_slot, HPy_mod_create)
static HPy create_slot_impl(HPyContext *ctx, HPy spec)
{
    (void)spec;
    return HPy_Dup(ctx, ctx->h_None);
}

static void check_module_defs(void)
{
    static HPyDef *with_methods[] = {&meth, NULL};
    static HPyDef *with_exec[] = {&meth, &exec_slot, NULL};
    static HPyDef *with_create[] = {&create_slot, NULL};
    HPyDef **cases[] = {with_methods, with_exec, with_create};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        HPyModuleDef hdef = {.defines = cases[i]};
        PyModuleDef *def = handlepy_moduledef_new("m", &hdef, NULL, NULL);
        if (def == NULL || !gil_not_used(def)) {
            fprintf(stderr, "harness: module definition %zu lacks Py_mod_gil = "
                    "Py_MOD_GIL_NOT_USED\n", i);
            exit(1);
        }
        handlepy_moduledef_free(def);
    }
}

/* Threads run PyInit_<name>'s part at once, as two modules of one binary may without
 * the GIL: one definition must be made, and every thread must get it. */
static HPyModuleDef init_hdef = {.defines = NULL};
static PyModuleDef *init_made;
static pthread_barrier_t init_barrier;

static void *init_worker(void *arg)
{
    pthread_barrier_wait(&init_barrier);
    *(PyObject **)arg = _handlepy_cpy_module_init(&init_hdef, "m", &init_made);
    return NULL;
}

static void check_module_init(void)
{
    pthread_t threads[THREADS];
    PyObject *got[THREADS];
    pthread_barrier_init(&init_barrier, NULL, THREADS);
    for (int i = 0; i < THREADS; i++)
        if (pthread_create(&threads[i], NULL, init_worker, &got[i]) != 0)
            abort();
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < THREADS; i++)
        if (got[i] == NULL || got[i] != (PyObject *)init_made) {
            fprintf(stderr, "harness: module initialisation made more than one definition\n");
            exit(1);
        }
    pthread_barrier_destroy(&init_barrier);
}

/* ---- per-object call functions ---------------------------------------------------- */

/* One thread switches an object's call function (HPy_SetCallFunction) while the others
 * read it as a call would: every read must be one of the two, and TSan must see no
 * unsynchronised access (as a memcpy of the word would be). */
typedef struct {
    PyObject ob;
    cpy_vectorcallfunc call;
} CallObject;

static PyObject *call_one(PyObject *callable, PyObject *const *args, size_t nargsf,
                          PyObject *kwnames)
{
    (void)args;
    (void)nargsf;
    (void)kwnames;
    return callable;
}

static PyObject *call_two(PyObject *callable, PyObject *const *args, size_t nargsf,
                          PyObject *kwnames)
{
    (void)args;
    (void)nargsf;
    (void)kwnames;
    return callable;
}

static PyTypeObject call_type;
static CallObject call_obj;
static int switching_done;

static void *call_switcher(void *arg)
{
    (void)arg;
    HPyCallFunction one = {.cpy_trampoline = call_one}, two = {.cpy_trampoline = call_two};
    for (int i = 0; i < ROUNDS; i++)
        if (handlepy_set_call_function(&call_obj.ob, i % 2 ? &one : &two) < 0)
            abort();
    __atomic_store_n(&switching_done, 1, __ATOMIC_RELEASE);
    return NULL;
}

static void *call_reader(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&switching_done, __ATOMIC_ACQUIRE)) {
        cpy_vectorcallfunc f = handlepy_own_call_function(&call_obj.ob);
        if (f != call_one && f != call_two) {
            fprintf(stderr, "harness: a call function read was neither one written\n");
            exit(1);
        }
    }
    return NULL;
}

static void check_call_functions(void)
{
    call_type.tp_flags = Py_TPFLAGS_HEAPTYPE;
    call_type.tp_vectorcall_offset = (Py_ssize_t)offsetof(CallObject, call);
    call_obj.ob.ob_type = &call_type;
    call_obj.call = call_one;
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++)
        if (pthread_create(&threads[i], NULL, i == 0 ? call_switcher : call_reader, NULL) != 0)
            abort();
    for (int i = 0; i < THREADS; i++)
        pthread_join(threads[i], NULL);
}

int main(void)
{
    check_module_defs();
    check_module_init();
    check_call_functions();
    run(0);
    long late = run(1);
    printf("free-threaded harness: module definitions, module initialisation and call "
           "functions right; %d threads x %d field stores and address loads, every object "
           "released once; by value, %ld loads came after the release\n",
           THREADS, ROUNDS, late);
    return 0;
}
