/* Types from HPyType_Spec on the CPython C API (PyType_FromSpecWithBases).
 *
 * No per-type data is kept beyond the host's own type fields: where an instance's C
 * struct starts follows from its first static (non-heap) base, which is the builtin its
 * shape names (and, for int and tuple, from the instance's item count), unless a legacy
 * type on the way says the struct is the object itself; the functions that need the
 * type's own slots (traverse, destroy) are reached through its trampolines; where
 * instances keep their own call function is the host's tp_vectorcall_offset; the tables
 * its descriptors point into, and what the type says of its struct, hang off the host's
 * tp_cache. */
#include "internal.h"
#include "structmember.h"

#include <stdatomic.h>
#include <string.h>

static PyTypeObject *static_base(PyTypeObject *type)
{
    while (type->tp_flags & Py_TPFLAGS_HEAPTYPE)
        type = type->tp_base;
    return type;
}

/* The capsule in tp_cache of every type made here (see give_tables). Its name tells it
 * from anything else; its context says where the type's instances keep their struct, so
 * that the runtime of another extension, which has its own copy of this file, reads it
 * too. */
static const char type_capsule_name[] = "handlepy.type";

typedef enum {
    /* Not a type made by handlepy. */
    LAYOUT_FOREIGN = 0,
    /* No struct of its own (basicsize 0): its base's, if any. */
    LAYOUT_INHERITED = 1,
    /* A struct after the fixed part of the builtin its shape names. */
    LAYOUT_SHAPED = 2,
    /* The struct starts with PyObject_HEAD: it is the object. */
    LAYOUT_LEGACY = 3,
} struct_layout;

static struct_layout own_layout(PyTypeObject *type)
{
    PyObject *cache = type->tp_cache;
    if (cache == NULL || !PyCapsule_CheckExact(cache))
        return LAYOUT_FOREIGN;
    /* The name is this runtime's own string unless another extension's made the type. */
    const char *name = PyCapsule_GetName(cache);
    if (name != type_capsule_name && (name == NULL || strcmp(name, type_capsule_name) != 0))
        return LAYOUT_FOREIGN;
    return (struct_layout)(intptr_t)PyCapsule_GetContext(cache);
}

/* The nearest type along tp_base that placed a struct decides where it is; Python
 * subclasses and types without a struct of their own keep their base's. */
static struct_layout layout_of(PyTypeObject *type)
{
    for (; type->tp_flags & Py_TPFLAGS_HEAPTYPE; type = type->tp_base) {
        struct_layout layout = own_layout(type);
        if (layout == LAYOUT_SHAPED || layout == LAYOUT_LEGACY)
            return layout;
    }
    return LAYOUT_SHAPED;
}

/* The nearest type made by handlepy along tp_base, or NULL. */
static PyTypeObject *nearest_handlepy_type(PyTypeObject *type)
{
    for (; type->tp_flags & Py_TPFLAGS_HEAPTYPE; type = type->tp_base)
        if (own_layout(type) != LAYOUT_FOREIGN)
            return type;
    return NULL;
}

static void *struct_of(PyObject *self)
{
    if (layout_of(Py_TYPE(self)) == LAYOUT_LEGACY)
        return self;
    PyTypeObject *builtin = static_base(Py_TYPE(self));
    if (builtin == &PyLong_Type)
        return handlepy_long_struct(self);
    if (builtin == &PyTuple_Type)
        return handlepy_tuple_struct(self);
    return handlepy_struct_at(self, builtin);
}

static const struct {
    HPyType_BuiltinShape shape;
    PyTypeObject *type;
    /* The items are inside the object, before the struct (see impl_type.h). */
    int items_inside;
} shapes[] = {
    {HPyType_BuiltinShape_Object, &PyBaseObject_Type, 0},
    {HPyType_BuiltinShape_Type, &PyType_Type, 0},
    {HPyType_BuiltinShape_Long, &PyLong_Type, 1},
    {HPyType_BuiltinShape_Float, &PyFloat_Type, 0},
    {HPyType_BuiltinShape_Unicode, &PyUnicode_Type, 0},
    {HPyType_BuiltinShape_Tuple, &PyTuple_Type, 1},
    {HPyType_BuiltinShape_List, &PyList_Type, 0},
    {HPyType_BuiltinShape_Dict, &PyDict_Type, 0},
};

static int find_shape(HPyType_BuiltinShape shape)
{
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        if (shapes[i].shape == shape)
            return (int)i;
    return -1;
}

/* Whether instances of `base` have the fixed part of the shape's builtin. */
static int shape_fits(PyTypeObject *base, int shape)
{
    PyTypeObject *want = shapes[shape].type;
    return PyType_IsSubtype(base, want) && static_base(base) == want;
}

HPyType_BuiltinShape handlepy_builtin_shape(PyObject *type)
{
    if (!PyType_Check(type)) {
        PyErr_SetString(PyExc_TypeError, "_HPyType_GetBuiltinShape: expected a type");
        return HPyType_BuiltinShape_Legacy;
    }
    if (layout_of((PyTypeObject *)type) == LAYOUT_LEGACY)
        return HPyType_BuiltinShape_Legacy;
    PyTypeObject *builtin = static_base((PyTypeObject *)type);
    for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        if (shapes[i].type == builtin)
            return shapes[i].shape;
    return HPyType_BuiltinShape_Legacy;
}

/* ---- instances ------------------------------------------------------------------ */

PyObject *handlepy_generic_new(PyObject *type)
{
    PyTypeObject *tp = (PyTypeObject *)type;
#ifdef PYPY_VERSION
    /* cpyext keeps an int's value outside the C object, so it cannot make an int from a
     * C allocation: int.__new__ makes the zero instead, its struct zeroed all the same. */
    if (static_base(tp) == &PyLong_Type)
        return PyObject_CallMethod((PyObject *)&PyLong_Type, "__new__", "O", type);
#endif
    PyObject *obj = tp->tp_alloc(tp, 0);
#if PY_VERSION_HEX >= 0x030C0000 && !defined(PYPY_VERSION)
    /* A zeroed tag reads as a positive int without digits; zero has sign 1 (see
     * cpython/longintrepr.h), which the int functions test for. */
    if (obj != NULL && static_base(tp) == &PyLong_Type)
        ((PyLongObject *)obj)->long_value.lv_tag = 1;
#endif
    return obj;
}

PyObject *handlepy_new(PyObject *type, void **data)
{
    if (!PyType_Check(type)) {
        PyErr_SetString(PyExc_TypeError, "HPy_New: expected a type");
        return NULL;
    }
    PyObject *obj = handlepy_generic_new(type);
    if (obj != NULL)
        *data = struct_of(obj);
    return obj;
}

/* The type's __name__: a heap type keeps it as a str (which assigning __name__ replaces,
 * so that a name with dots stays whole); a static type's is tp_name after its last dot. */
const char *handlepy_type_name(PyObject *type)
{
    if (!PyType_Check(type)) {
        PyErr_SetString(PyExc_TypeError, "HPyType_GetName: expected a type");
        return NULL;
    }
    PyTypeObject *tp = (PyTypeObject *)type;
    if (tp->tp_flags & Py_TPFLAGS_HEAPTYPE)
        return PyUnicode_AsUTF8(((PyHeapTypeObject *)tp)->ht_name);
    const char *dot = strrchr(tp->tp_name, '.');
    return dot == NULL ? tp->tp_name : dot + 1;
}

/* ---- fields and globals without the GIL ----------------------------------------- */

#ifdef Py_GIL_DISABLED
/* impl_type.h says why stores and address loads lock. One lock per word would grow
 * every struct; one for all would make unrelated fields wait on each other: a few dozen,
 * chosen by address, keep waits rare. A lock is held only over a read or exchange and
 * an incref, which cannot block or run Python code, so no thread ever holds two. */
#define FIELD_LOCKS 64
static PyMutex field_locks[FIELD_LOCKS];

static PyMutex *field_lock(const intptr_t *slot)
{
    uintptr_t a = (uintptr_t)slot;
    return &field_locks[((a >> 3) ^ (a >> 9)) % FIELD_LOCKS];
}

void handlepy_field_store(intptr_t *slot, PyObject *value)
{
    Py_XINCREF(value);
    PyMutex *lock = field_lock(slot);
    PyMutex_Lock(lock);
    PyObject *old = (PyObject *)__atomic_exchange_n(slot, (intptr_t)value, __ATOMIC_ACQ_REL);
    PyMutex_Unlock(lock);
    Py_XDECREF(old);
}

PyObject *handlepy_field_load_at(const intptr_t *slot)
{
    PyMutex *lock = field_lock(slot);
    PyMutex_Lock(lock);
    PyObject *value = (PyObject *)__atomic_load_n(slot, __ATOMIC_ACQUIRE);
    Py_XINCREF(value);
    PyMutex_Unlock(lock);
    return value;
}
#endif

/* ---- tp_call and call functions ------------------------------------------------ */

/* An object's own call function lives at the host's tp_vectorcall_offset, so that
 * CPython calls it directly. The offset is looked up along the bases, since not every
 * host copies it into a Python subclass. Only heap types count, so that a builtin's own
 * vectorcall slot (a function's) is never written. */
static Py_ssize_t call_function_offset(PyTypeObject *type)
{
    for (; type != NULL && (type->tp_flags & Py_TPFLAGS_HEAPTYPE); type = type->tp_base)
        if (type->tp_vectorcall_offset > 0)
            return type->tp_vectorcall_offset;
    return 0;
}

cpy_vectorcallfunc handlepy_own_call_function(PyObject *self)
{
    Py_ssize_t offset = call_function_offset(Py_TYPE(self));
    cpy_vectorcallfunc func = NULL;
    if (offset > 0) {
        /* One untorn load: without the GIL, HPy_SetCallFunction may be writing the word
         * while another thread calls through it (a word-sized store and load are each
         * atomic; a memcpy is not promised to be). */
        uintptr_t word = __atomic_load_n((uintptr_t *)((char *)self + offset), __ATOMIC_ACQUIRE);
        memcpy(&func, &word, sizeof func);
    }
    return func;
}

int handlepy_set_call_function(PyObject *obj, HPyCallFunction *func)
{
    Py_ssize_t offset = call_function_offset(Py_TYPE(obj));
    if (offset == 0) {
        PyErr_Format(PyExc_TypeError, "type '%.50s' does not implement the HPy call protocol",
                     Py_TYPE(obj)->tp_name);
        return -1;
    }
    if (func == NULL || func->cpy_trampoline == NULL) {
        PyErr_SetString(PyExc_SystemError, "HPy_SetCallFunction: no call function given");
        return -1;
    }
    uintptr_t word;
    _Static_assert(sizeof word == sizeof func->cpy_trampoline, "a call function is a word");
    memcpy(&word, &func->cpy_trampoline, sizeof word);
    __atomic_store_n((uintptr_t *)((char *)obj + offset), word, __ATOMIC_RELEASE);
    return 0;
}

/* The vectorcall layout of a tuple-and-dict call: the positional items read in place
 * when there are no keywords, else copied with the keyword values after them. */
typedef struct {
    PyObject *const *items;
    PyObject **copy;
    Py_ssize_t nargs;
    PyObject *kwnames;
} vector_args;

static int vector_from_tuple_dict(PyObject *args, PyObject *kw, vector_args *v)
{
    v->nargs = PyTuple_GET_SIZE(args);
    v->items = &PyTuple_GET_ITEM(args, 0);
    v->copy = NULL;
    v->kwnames = NULL;
    Py_ssize_t nkw = kw == NULL ? 0 : PyDict_GET_SIZE(kw);
    if (nkw == 0)
        return 0;
    v->copy = PyMem_Malloc(sizeof(PyObject *) * (size_t)(v->nargs + nkw));
    v->kwnames = PyTuple_New(nkw);
    if (v->copy == NULL || v->kwnames == NULL) {
        PyMem_Free(v->copy);
        Py_XDECREF(v->kwnames);
        PyErr_NoMemory();
        return -1;
    }
    memcpy(v->copy, v->items, sizeof(PyObject *) * (size_t)v->nargs);
    Py_ssize_t pos = 0, i = 0;
    PyObject *key, *value;
    while (PyDict_Next(kw, &pos, &key, &value)) {
        Py_INCREF(key);
        PyTuple_SET_ITEM(v->kwnames, i, key);
        v->copy[v->nargs + i++] = value;
    }
    v->items = v->copy;
    return 0;
}

static void vector_release(vector_args *v)
{
    PyMem_Free(v->copy);
    Py_XDECREF(v->kwnames);
}

PyObject *handlepy_call_function_with_tuple_dict(cpy_vectorcallfunc func, PyObject *self,
                                                 PyObject *args, PyObject *kw)
{
    vector_args v;
    if (vector_from_tuple_dict(args, kw, &v) < 0)
        return NULL;
    PyObject *result = func(self, v.items, (size_t)v.nargs, v.kwnames);
    vector_release(&v);
    return result;
}

/* tp_call of a type with an HPy_tp_call slot: the instance's own call function when it
 * was given one, else the slot's implementation. Callers that skip vectorcall come this
 * way, as do Python subclasses on CPython 3.11 (which do not inherit
 * Py_TPFLAGS_HAVE_VECTORCALL) and hosts that do not read the vectorcall slot. */
PyObject *handlepy_call_with_tuple_dict(HPyContext *ctx, HPyCFunction impl, PyObject *self,
                                        PyObject *args, PyObject *kw)
{
    cpy_vectorcallfunc own = handlepy_own_call_function(self);
    if (own != NULL)
        return handlepy_call_function_with_tuple_dict(own, self, args, kw);
    vector_args v;
    if (vector_from_tuple_dict(args, kw, &v) < 0)
        return NULL;
    PyObject *result = _h2py(((HPyFunc_CALL_impl)impl)(
        ctx, _py2h(self), (const HPy *)v.items, (size_t)v.nargs,
        v.kwnames == NULL ? HPy_NULL : _py2h(v.kwnames)));
    vector_release(&v);
    return result;
}

/* tp_call of a type that declares __vectorcalloffset__ without an HPy_tp_call slot. */
static PyObject *call_own_function(PyObject *self, PyObject *args, PyObject *kw)
{
    cpy_vectorcallfunc own = handlepy_own_call_function(self);
    if (own == NULL) {
        /* What CPython's PyVectorcall_Call says of an empty vectorcall slot. */
        PyErr_Format(PyExc_TypeError, "'%.200s' object does not support vectorcall",
                     Py_TYPE(self)->tp_name);
        return NULL;
    }
    return handlepy_call_function_with_tuple_dict(own, self, args, kw);
}

/* ---- the garbage collector ------------------------------------------------------ */

typedef struct {
    cpy_visitproc visit;
    void *arg;
} visit_closure;

/* A marker passed as the visit function to mean "release every field". It is also
 * what CPython's own traverse of a Python subclass calls for its non-field references,
 * where doing nothing is right. */
static int clear_visit(PyObject *obj, void *arg)
{
    (void)obj;
    (void)arg;
    return 0;
}

static int visit_field(HPyField *field, void *closure)
{
    visit_closure *c = closure;
    if ((cpy_visitproc)c->visit == (cpy_visitproc)clear_visit) {
        PyObject *old = (PyObject *)field->_i;
        field->_i = 0;
        Py_XDECREF(old);
        return 0;
    }
    return c->visit((cpy_PyObject *)field->_i, c->arg);
}

/* A list's, dict's or tuple's items, which the builtin's traverse and clear would handle
 * had the type's own not taken their slots. Those builtins' functions touch only the
 * items (never the type, which the runtime visits). cpyext's collector calls neither. */
static PyTypeObject *items_owner(PyObject *self)
{
#ifdef PYPY_VERSION
    (void)self;
    return NULL;
#else
    PyTypeObject *builtin = static_base(Py_TYPE(self));
    if (builtin == &PyList_Type || builtin == &PyDict_Type || builtin == &PyTuple_Type)
        return builtin;
    return NULL;
#endif
}

static int visit_items(PyObject *self, visitproc visit, void *arg)
{
    PyTypeObject *builtin = items_owner(self);
    return builtin == NULL ? 0 : builtin->tp_traverse(self, visit, arg);
}

/* An instance of a heap type owns a reference to its type, which the collector must see:
 * otherwise a cycle through the type (a class attribute holding an instance) is never
 * collected. HPy 0.9's traverse does not report the type, so there gc.get_referents(obj)
 * lists exactly the fields the type's traverse visits, and extensions' tests say so.
 * Both hold here: the type is reported to every visit function but gc.get_referents's,
 * which a probe finds once per runtime (find_referents_visit). */
static _Atomic(uintptr_t) referents_visit;
static atomic_int referents_visit_probed;

static int record_visit(PyObject *self, visitproc visit, void *arg)
{
    (void)self;
    (void)arg;
    atomic_store(&referents_visit, (uintptr_t)visit);
    return 0;
}

/* gc.get_referents on an object of a GC type whose traverse records its visit function.
 * The object is untracked, so that no collection traverses it meanwhile; the function
 * reads the type's flag and traverse, not whether the object is tracked. An interpreter
 * whose gc.get_referents calls no traverse (PyPy's cpyext) leaves it unknown. */
static int find_referents_visit(void)
{
    if (atomic_load(&referents_visit_probed))
        return 0;
    PyType_Slot slots[] = {{Py_tp_traverse, (void *)record_visit}, {0, NULL}};
    PyType_Spec spec = {"handlepy.ReferentsProbe", (int)sizeof(PyObject), 0,
                        Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC, slots};
    PyObject *type = PyType_FromSpec(&spec);
    if (type == NULL)
        return -1;
    PyObject *probe = ((PyTypeObject *)type)->tp_alloc((PyTypeObject *)type, 0);
    if (probe != NULL)
        PyObject_GC_UnTrack(probe);
    PyObject *gc = probe == NULL ? NULL : PyImport_ImportModule("gc");
    PyObject *referents = NULL;
    if (gc != NULL)
        referents = PyObject_CallMethod(gc, "get_referents", "O", probe);
    Py_XDECREF(referents);
    Py_XDECREF(gc);
    Py_XDECREF(probe);
    Py_DECREF(type);
    if (referents == NULL)
        return -1;
    atomic_store(&referents_visit_probed, 1);
    return 0;
}

int handlepy_call_traverse(HPyCFunction impl, PyObject *self, cpy_visitproc visit, void *arg)
{
    visit_closure c = {visit, arg};
    if ((cpy_visitproc)visit == (cpy_visitproc)clear_visit)
        return ((HPyFunc_TRAVERSEPROC_impl)impl)(struct_of(self), visit_field, &c);
    int res = 0;
    if ((uintptr_t)visit != atomic_load_explicit(&referents_visit, memory_order_relaxed))
        res = visit((cpy_PyObject *)Py_TYPE(self), arg);
    if (res == 0)
        res = ((HPyFunc_TRAVERSEPROC_impl)impl)(struct_of(self), visit_field, &c);
    if (res == 0)
        res = visit_items(self, (visitproc)visit, arg);
    return res;
}

static void release_fields(PyObject *self)
{
    traverseproc traverse = Py_TYPE(self)->tp_traverse;
    if (traverse != NULL)
        traverse(self, (visitproc)clear_visit, NULL);
}

static int clear_fields(PyObject *self)
{
    release_fields(self);
    PyTypeObject *builtin = items_owner(self);
    if (builtin != NULL && builtin->tp_clear != NULL)
        return builtin->tp_clear(self);
    return 0;
}

#ifdef PYPY_VERSION
/* PyPy 3.9's cpyext aborts when it calls a C tp_finalize (its __del__ wrapper is not
 * implemented), so types there are created without one and their finalizer, kept in
 * the C struct only, runs here; it cannot resurrect the object. */
static void finalize(PyObject *self)
{
    for (PyTypeObject *t = Py_TYPE(self); t != NULL; t = t->tp_base) {
        if (t->tp_finalize != NULL) {
            PyObject *type, *value, *traceback;
            PyErr_Fetch(&type, &value, &traceback);
            t->tp_finalize(self);
            if (PyErr_Occurred())
                PyErr_WriteUnraisable(self);
            PyErr_Restore(type, value, traceback);
            return;
        }
    }
}
#endif

void handlepy_dealloc(PyObject *self, HPyCFunction destroy)
{
    PyTypeObject *type = Py_TYPE(self);
#ifdef PYPY_VERSION
    finalize(self);
#else
    if (type->tp_finalize != NULL && PyObject_CallFinalizerFromDealloc(self) < 0)
        return;
#endif
    if (PyType_IS_GC(type))
        PyObject_GC_UnTrack(self);
    release_fields(self);
    if (destroy != NULL)
        ((HPyFunc_DESTROYFUNC_impl)destroy)(struct_of(self));
#ifdef PYPY_VERSION
    /* cpyext's tuple keeps references in its C items, which its own dealloc would drop. */
    if (static_base(type) == &PyTuple_Type)
        for (Py_ssize_t i = 0; i < Py_SIZE(self); i++)
            Py_CLEAR(PyTuple_GET_ITEM(self, i));
    type->tp_free(self);
#else
    /* The builtin's own dealloc releases what the builtin owns (list items, dict entries,
     * a str's UTF-8 copy, a type's slots) and frees the object, as in CPython's
     * subtype_dealloc; the GC ones untrack the object themselves, so it must be tracked. */
    PyTypeObject *builtin = static_base(type);
    if (PyType_IS_GC(builtin))
        PyObject_GC_Track(self);
    builtin->tp_dealloc(self);
#endif
    Py_DECREF(type);
}

static void default_dealloc(PyObject *self)
{
    handlepy_dealloc(self, NULL);
}

/* ---- building the type ---------------------------------------------------------- */

static int binding_flags(HPyMeth_Binding binding)
{
    switch (binding) {
    case HPyMeth_Instance:
        return 0;
    case HPyMeth_Class:
        return METH_CLASS;
    case HPyMeth_Static:
        return METH_STATIC;
    }
    return -1;
}

/* What a made type keeps until it goes: its descriptors point into the tables, and its
 * functions were bound to bind_data, which goes with it when `release` is set. */
typedef struct {
    PyMethodDef *methods;
    PyMemberDef *members;
    PyGetSetDef *getsets;
    /* Members of a struct that follows the items: the closures of their getsets. */
    PyMemberDef *moving;
    void *bind_data;
    void (*release)(void *bind_data);
#ifdef PYPY_VERSION
    /* The type's own sq_item and sq_ass_item, which its slots reach through
     * pypy_sq_item and pypy_sq_ass_item, and its tp_hash, which its __hash__ calls. */
    ssizeargfunc sq_item;
    ssizeobjargproc sq_ass_item;
    hashfunc tp_hash;
#endif
} type_tables;

typedef struct {
    PyType_Slot *slots;
    type_tables kept;
    Py_ssize_t n_slots, n_methods, n_members, n_getsets, n_moving;
    /* Chooses the host functions (see handlepy_bind_fn). */
    handlepy_bind_fn bind;
} type_parts;

static int add_slot(type_parts *p, int slot, void *pfunc)
{
    p->slots[p->n_slots].slot = slot;
    p->slots[p->n_slots].pfunc = pfunc;
    p->n_slots++;
    return 0;
}

#ifdef PYPY_VERSION
/* CPython's __getitem__, __setitem__ and __delitem__ of a type with sq_item or
 * sq_ass_item add the length to a negative index before calling the slot (as does
 * PySequence_GetItem, which calls the slot itself); cpyext's pass it unchanged
 * (pypy/pypy#5526), and its PySequence_GetItem goes through __getitem__. So on PyPy the
 * slots are these, which add the length and call the type's own function. PyPy 8.0's
 * cpyext adds the length as CPython does (7.3.11 does not; the matrix runs both). */
#if PYPY_VERSION_NUM < 0x08000000
#  define HANDLEPY_PYPY_RAW_SEQUENCE_INDEX 1
#endif

static type_tables *tables_of(PyTypeObject *type)
{
    if (own_layout(type) == LAYOUT_FOREIGN)
        return NULL;
    return PyCapsule_GetPointer(type->tp_cache, PyCapsule_GetName(type->tp_cache));
}

enum { OWN_SQ_ITEM, OWN_SQ_ASS_ITEM, OWN_TP_HASH };

/* The nearest along tp_base of the functions handlepy made for a slot. */
static void *own_function(PyObject *self, int which)
{
    for (PyTypeObject *type = Py_TYPE(self); type != NULL; type = type->tp_base) {
        type_tables *kept = tables_of(type);
        void *fn = kept == NULL ? NULL
                   : which == OWN_SQ_ITEM ? (void *)kept->sq_item
                   : which == OWN_SQ_ASS_ITEM ? (void *)kept->sq_ass_item
                                              : (void *)kept->tp_hash;
        if (fn != NULL)
            return fn;
    }
    PyErr_SetString(PyExc_SystemError, "handlepy: slot without its function");
    return NULL;
}

#ifdef HANDLEPY_PYPY_RAW_SEQUENCE_INDEX
static int add_length(PyObject *self, Py_ssize_t *index)
{
    PySequenceMethods *sq = Py_TYPE(self)->tp_as_sequence;
    if (*index >= 0 || sq == NULL || sq->sq_length == NULL)
        return 0;
    Py_ssize_t length = sq->sq_length(self);
    if (length < 0)
        return -1;
    *index += length;
    return 0;
}

static PyObject *pypy_sq_item(PyObject *self, Py_ssize_t index)
{
    ssizeargfunc fn = (ssizeargfunc)own_function(self, OWN_SQ_ITEM);
    if (fn == NULL || add_length(self, &index) < 0)
        return NULL;
    return fn(self, index);
}

static int pypy_sq_ass_item(PyObject *self, Py_ssize_t index, PyObject *value)
{
    ssizeobjargproc fn = (ssizeobjargproc)own_function(self, OWN_SQ_ASS_ITEM);
    if (fn == NULL || add_length(self, &index) < 0)
        return -1;
    return fn(self, index, value);
}
#endif

/* CPython's __hash__ of a type with tp_hash returns what the slot gives, -1 included
 * when no exception is set; cpyext's takes that -1 for an error. So on PyPy such a type
 * also gets this __hash__, which takes the slot's result as CPython's does. */
static PyObject *pypy_hash_method(PyObject *self, PyObject *unused)
{
    (void)unused;
    hashfunc fn = (hashfunc)own_function(self, OWN_TP_HASH);
    if (fn == NULL)
        return NULL;
    Py_hash_t hash = fn(self);
    if (hash == -1 && PyErr_Occurred())
        return NULL;
    return PyLong_FromSsize_t(hash);
}
#endif

#ifdef PYPY_VERSION
/* PyPy 3.9's cpyext calls a getset's getter without checking that there is one: a
 * write-only attribute gets this one, which raises CPython's error (less the attribute's
 * name, which a getter is not given). */
static PyObject *unreadable(PyObject *self, void *closure)
{
    (void)closure;
    PyErr_Format(PyExc_AttributeError, "attribute of '%.100s' objects is not readable",
                 Py_TYPE(self)->tp_name);
    return NULL;
}
#  define UNREADABLE unreadable
#else
#  define UNREADABLE NULL
#endif

/* A member of a struct that follows its builtin's items (int, tuple): the closure is the
 * member with its offset in the struct, which moves to the instance's struct. */
static PyMemberDef member_in(PyObject *self, void *closure)
{
    PyMemberDef m = *(PyMemberDef *)closure;
    m.offset += (Py_ssize_t)((char *)struct_of(self) - (char *)self);
    return m;
}

static PyObject *moving_member_get(PyObject *self, void *closure)
{
    PyMemberDef m = member_in(self, closure);
    return PyMember_GetOne((const char *)self, &m);
}

static int moving_member_set(PyObject *self, PyObject *value, void *closure)
{
    PyMemberDef m = member_in(self, closure);
    return PyMember_SetOne((char *)self, &m, value);
}

#ifdef PYPY_VERSION
/* cpyext has no T_NONE member (its headers do not name it, reading one raises
 * SystemError): a getset does what CPython's member does, with its errors. */
static PyObject *none_member_get(PyObject *self, void *closure)
{
    (void)self;
    (void)closure;
    Py_RETURN_NONE;
}

static int none_member_set(PyObject *self, PyObject *value, void *closure)
{
    (void)self;
    PyMemberDef *m = closure;
    if (m->flags & READONLY)
        PyErr_SetString(PyExc_AttributeError, "readonly attribute");
    else if (value == NULL)
        PyErr_SetString(PyExc_TypeError, "can't delete numeric/char attribute");
    else
        PyErr_Format(PyExc_SystemError, "bad memberdescr type for %s", m->name);
    return -1;
}
#endif

/* Where the struct starts in every instance, for types that have none at a fixed place:
 * it follows the items (int, tuple), or there is none (basicsize 0 and a first base
 * that is not of the spec's shape). */
#define STRUCT_AFTER_ITEMS ((Py_ssize_t)-1)
#define STRUCT_NONE ((Py_ssize_t)-2)

static int add_def(type_parts *p, HPyDef *def, const char *type_name, Py_ssize_t offset)
{
    switch (def->kind) {
    case HPyDef_Kind_Slot: {
        HPySlot_Slot slot = def->slot.slot;
        if (slot == HPy_mod_exec || slot == HPy_mod_create) {
            PyErr_Format(PyExc_TypeError, "type %s: %s is a module slot", type_name,
                         slot == HPy_mod_exec ? "HPy_mod_exec" : "HPy_mod_create");
            return -1;
        }
        void *fn = (void *)handlepy_host_function(def, def->slot.impl, def->slot.cpy_trampoline,
                                                  p->bind, p->kept.bind_data);
        if (slot == HPy_tp_destroy)
            return add_slot(p, Py_tp_dealloc, fn);
#ifdef HANDLEPY_PYPY_RAW_SEQUENCE_INDEX
        if (slot == HPy_sq_item) {
            p->kept.sq_item = (ssizeargfunc)fn;
            return add_slot(p, Py_sq_item, (void *)pypy_sq_item);
        }
        if (slot == HPy_sq_ass_item) {
            p->kept.sq_ass_item = (ssizeobjargproc)fn;
            return add_slot(p, Py_sq_ass_item, (void *)pypy_sq_ass_item);
        }
#endif
#ifdef PYPY_VERSION
        if (slot == HPy_tp_hash) {
            /* In the room of this definition in the methods table. */
            p->kept.tp_hash = (hashfunc)fn;
            p->kept.methods[p->n_methods++] = (PyMethodDef){
                "__hash__", pypy_hash_method, METH_NOARGS | METH_COEXIST,
                "Return hash(self)."};
        }
#endif
        return add_slot(p, (int)slot, fn);
    }
    case HPyDef_Kind_Meth: {
        int flags = handlepy_method_flags(def->meth.signature);
        if (flags < 0) {
            PyErr_Format(PyExc_ValueError,
                         "type %s: method '%s' has an unsupported HPyMeth signature %d",
                         type_name, def->meth.name, (int)def->meth.signature);
            return -1;
        }
        int binding = binding_flags(def->meth.binding);
        if (binding < 0) {
            PyErr_Format(PyExc_TypeError, "type %s: method '%s' has an unknown binding %d",
                         type_name, def->meth.name, (int)def->meth.binding);
            return -1;
        }
        flags |= binding;
        p->kept.methods[p->n_methods++] = (PyMethodDef){
            def->meth.name,
            handlepy_host_function(def, def->meth.impl, def->meth.cpy_trampoline, p->bind,
                                   p->kept.bind_data),
            flags, def->meth.doc};
        return 0;
    }
    case HPyDef_Kind_Member:
        if (offset == STRUCT_AFTER_ITEMS &&
            strcmp(def->member.name, "__vectorcalloffset__") == 0) {
            PyErr_Format(PyExc_TypeError,
                         "type %s: __vectorcalloffset__ needs a struct at a fixed place, but "
                         "the struct follows the items of its builtin", type_name);
            return -1;
        }
#ifdef PYPY_VERSION
        if (def->member.type == HPyMember_NONE) {
            PyMemberDef *m = &p->kept.moving[p->n_moving++];
            *m = (PyMemberDef){(char *)def->member.name, HPyMember_NONE, 0,
                               def->member.readonly ? READONLY : 0, (char *)def->member.doc};
            p->kept.getsets[p->n_getsets++] = (PyGetSetDef){
                m->name, none_member_get, none_member_set, m->doc, m};
            return 0;
        }
#endif
        if (offset == STRUCT_AFTER_ITEMS) {
            /* The host's members are at a fixed offset: a getset finds the struct. */
            PyMemberDef *m = &p->kept.moving[p->n_moving++];
            *m = (PyMemberDef){(char *)def->member.name, (int)def->member.type,
                               def->member.offset, def->member.readonly ? READONLY : 0,
                               (char *)def->member.doc};
            p->kept.getsets[p->n_getsets++] = (PyGetSetDef){
                m->name, moving_member_get, moving_member_set, m->doc, m};
            return 0;
        }
        if (offset == STRUCT_NONE) {
            PyErr_Format(PyExc_TypeError, "type %s: member '%s' needs a struct, but the "
                         "type has none", type_name, def->member.name);
            return -1;
        }
        p->kept.members[p->n_members++] = (PyMemberDef){
            (char *)def->member.name, (int)def->member.type, offset + def->member.offset,
            def->member.readonly ? READONLY : 0, (char *)def->member.doc};
        return 0;
    case HPyDef_Kind_GetSet: {
        HPyGetSet *gs = &def->getset;
        getter get = gs->getter_impl == NULL ? UNREADABLE : (getter)(void (*)(void))
            handlepy_host_function(def, gs->getter_impl, gs->getter_cpy_trampoline, p->bind,
                                   p->kept.bind_data);
        setter set = gs->setter_impl == NULL ? NULL : (setter)(void (*)(void))
            handlepy_host_function(def, gs->setter_impl, gs->setter_cpy_trampoline, p->bind,
                                   p->kept.bind_data);
        p->kept.getsets[p->n_getsets++] = (PyGetSetDef){
            (char *)gs->name, get, set, (char *)gs->doc, gs->closure};
        return 0;
    }
    }
    PyErr_Format(PyExc_TypeError, "type %s: unknown definition kind %d", type_name,
                 (int)def->kind);
    return -1;
}

static int has_slot(HPyType_Spec *spec, HPySlot_Slot slot)
{
    for (HPyDef **d = spec->defines; d != NULL && *d != NULL; d++)
        if ((*d)->kind == HPyDef_Kind_Slot && (*d)->slot.slot == slot)
            return 1;
    return 0;
}

/* The bases from params, as a new tuple; the shape's builtin when none is given. `*meta`
 * is the metaclass given (borrowed), or NULL. */
static PyObject *read_params(HPyType_Spec *spec, HPyType_SpecParam *params,
                             PyTypeObject *shape_type, PyTypeObject **meta)
{
    *meta = NULL;
    PyObject *bases = PyList_New(0);
    if (bases == NULL)
        return NULL;
    for (HPyType_SpecParam *p = params; p != NULL && p->kind != 0; p++) {
        PyObject *obj = _h2py(p->object);
        switch (p->kind) {
        case HPyType_SpecParam_Base:
            if (!PyType_Check(obj)) {
                PyErr_Format(PyExc_TypeError, "type %s: a base must be a type", spec->name);
                goto fail;
            }
            if (PyList_Append(bases, obj) < 0)
                goto fail;
            break;
        case HPyType_SpecParam_BasesTuple:
            if (!PyTuple_Check(obj)) {
                PyErr_Format(PyExc_TypeError, "type %s: BasesTuple must be a tuple", spec->name);
                goto fail;
            }
            if (PyList_SetSlice(bases, 0, PyList_GET_SIZE(bases), obj) < 0)
                goto fail;
            break;
        case HPyType_SpecParam_Metaclass:
            if (*meta != NULL) {
                PyErr_Format(PyExc_ValueError, "type %s: the metaclass is given twice",
                             spec->name);
                goto fail;
            }
            if (!PyType_Check(obj)) {
                PyErr_Format(PyExc_TypeError, "Metaclass '%R' is not a subclass of 'type'.",
                             obj);
                goto fail;
            }
            *meta = (PyTypeObject *)obj;
            break;
        default:
            PyErr_Format(PyExc_TypeError, "type %s: unknown spec parameter kind %d",
                         spec->name, (int)p->kind);
            goto fail;
        }
    }
    if (PyList_GET_SIZE(bases) == 0 && PyList_Append(bases, (PyObject *)shape_type) < 0)
        goto fail;
    PyObject *tuple = PyList_AsTuple(bases);
    Py_DECREF(bases);
    return tuple;

fail:
    Py_DECREF(bases);
    return NULL;
}

static int check_shape(HPyType_Spec *spec, PyObject *bases, int shape)
{
    PyTypeObject *want = shapes[shape].type;
    PyTypeObject *base = (PyTypeObject *)PyTuple_GET_ITEM(bases, 0);
    if (!shape_fits(base, shape)) {
        PyErr_Format(PyExc_TypeError,
                     "type %s: its builtin_shape needs the first base to extend '%s', "
                     "but it is '%s'", spec->name, want->tp_name, base->tp_name);
        return -1;
    }
    if (layout_of(base) == LAYOUT_LEGACY) {
        PyErr_Format(PyExc_TypeError,
                     "type %s: its struct would overlap the struct of its legacy base '%s'; "
                     "give it basicsize 0 or make it a legacy type too",
                     spec->name, base->tp_name);
        return -1;
    }
    return 0;
}

/* The slots a legacy type gives, and the entries of the tables among them, which join
 * the spec's own definitions. */
typedef struct {
    Py_ssize_t n_slots;
    PyMethodDef *methods;
    PyMemberDef *members;
    PyGetSetDef *getsets;
    Py_ssize_t n_methods, n_members, n_getsets;
} legacy_parts;

static void read_legacy_slots(HPyType_Spec *spec, legacy_parts *l)
{
    *l = (legacy_parts){0};
    PyType_Slot *slots = spec->legacy_slots;
    for (; slots != NULL && slots[l->n_slots].slot != 0; l->n_slots++) {
        void *table = slots[l->n_slots].pfunc;
        switch (slots[l->n_slots].slot) {
        case Py_tp_methods:
            l->methods = table;
            break;
        case Py_tp_members:
            l->members = table;
            break;
        case Py_tp_getset:
            l->getsets = table;
            break;
        }
    }
    while (l->methods != NULL && l->methods[l->n_methods].ml_name != NULL)
        l->n_methods++;
    while (l->members != NULL && l->members[l->n_members].name != NULL)
        l->n_members++;
    while (l->getsets != NULL && l->getsets[l->n_getsets].name != NULL)
        l->n_getsets++;
}

static int has_legacy_slot(HPyType_Spec *spec, int slot)
{
    PyType_Slot *slots = spec->legacy_slots;
    for (Py_ssize_t i = 0; slots != NULL && slots[i].slot != 0; i++)
        if (slots[i].slot == slot)
            return 1;
    return 0;
}

/* The checks every spec passes, whatever its shape. */
static int check_spec(HPyType_Spec *spec)
{
    /* A GC type without a traverse would hide its fields from the collector. */
    if ((spec->flags & HPy_TPFLAGS_HAVE_GC) && !has_slot(spec, HPy_tp_traverse) &&
        !has_legacy_slot(spec, Py_tp_traverse)) {
        PyErr_Format(PyExc_ValueError,
                     "type %s: HPy_TPFLAGS_HAVE_GC needs an HPy_tp_traverse slot that "
                     "visits the type's fields", spec->name);
        return -1;
    }
    /* The runtime's dealloc releases the fields and calls HPy_tp_destroy; a legacy one
     * would take its place. */
    if (has_legacy_slot(spec, Py_tp_dealloc) &&
        (has_slot(spec, HPy_tp_traverse) || has_slot(spec, HPy_tp_destroy))) {
        PyErr_Format(PyExc_TypeError,
                     "type %s: a legacy tp_dealloc cannot be combined with HPy_tp_traverse "
                     "or HPy_tp_destroy", spec->name);
        return -1;
    }
    if (has_slot(spec, HPy_tp_call)) {
        /* The call function's word goes after the struct, where a var-sized type's
         * items are. */
        if (spec->itemsize != 0) {
            PyErr_Format(PyExc_TypeError, "type %s: HPy_tp_call cannot be used with a "
                         "non-zero itemsize", spec->name);
            return -1;
        }
        for (HPyDef **d = spec->defines; d != NULL && *d != NULL; d++) {
            if ((*d)->kind == HPyDef_Kind_Member &&
                strcmp((*d)->member.name, "__vectorcalloffset__") == 0) {
                PyErr_Format(PyExc_TypeError, "type %s: give either HPy_tp_call or a "
                             "__vectorcalloffset__ member, not both", spec->name);
                return -1;
            }
        }
    }
    return 0;
}

/* Where instances of the new type keep their own call function, 0 for nowhere new. A
 * __vectorcalloffset__ member names a field of the struct (`*named` is then set). An HPy_tp_call slot, or a base
 * whose instances have a call function, reserves a hidden word after the struct, which
 * `*basicsize` then covers, unless the base's word is still outside the struct (a subtype
 * with no struct of its own keeps it). Objects with their items inline (a str or tuple
 * shape) have no fixed end to put it after. */
static Py_ssize_t own_call_offset(HPyType_Spec *spec, PyTypeObject *first_base,
                                  Py_ssize_t offset, Py_ssize_t *basicsize, int *named)
{
    for (HPyDef **d = spec->defines; d != NULL && *d != NULL; d++) {
        if ((*d)->kind == HPyDef_Kind_Member &&
            strcmp((*d)->member.name, "__vectorcalloffset__") == 0) {
            *named = 1;
            return offset + (*d)->member.offset;
        }
    }
    Py_ssize_t inherited = call_function_offset(first_base);
    if (!has_slot(spec, HPy_tp_call) && inherited == 0)
        return 0;
    if (spec->itemsize != 0 || first_base->tp_itemsize != 0)
        return 0;
    if (inherited > 0 && *basicsize == first_base->tp_basicsize)
        return 0;
    Py_ssize_t word = (Py_ssize_t)sizeof(cpy_vectorcallfunc);
    Py_ssize_t at = (*basicsize + word - 1) / word * word;
    *basicsize = at + word;
    return at;
}

/* A metaclass's public class on hosts without PyType_FromMetaclass is a subclass made
 * after the spec type, so it does not inherit the offset set here: both get it. */
static void set_call_offset(PyTypeObject *type, Py_ssize_t call_offset)
{
    type->tp_vectorcall_offset = call_offset;
    type->tp_flags |= Py_TPFLAGS_HAVE_VECTORCALL;
}

/* The host releases a heap type's tp_cache when the type is deallocated, after its dict
 * and so every descriptor, and once no instance is left to call its slots, and uses the
 * field for nothing else (CPython and cpyext alike): a capsule there frees the tables
 * with the type, so that making types again and again costs nothing. */
static void free_tables(PyObject *capsule)
{
    type_tables *kept = PyCapsule_GetPointer(capsule, type_capsule_name);
    PyMem_Free(kept->methods);
    PyMem_Free(kept->members);
    PyMem_Free(kept->getsets);
    PyMem_Free(kept->moving);
    if (kept->release != NULL)
        kept->release(kept->bind_data);
    PyMem_Free(kept);
}

/* Hands the tables of `p`, and its bindings, to `type`; on failure they stay the
 * caller's. */
static int give_tables(PyTypeObject *type, type_parts *p, struct_layout layout)
{
    type_tables *kept = PyMem_Malloc(sizeof *kept);
    if (kept == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *kept = p->kept;
    PyObject *capsule = PyCapsule_New(kept, type_capsule_name, free_tables);
    if (capsule == NULL || PyCapsule_SetContext(capsule, (void *)(intptr_t)layout) < 0) {
        if (capsule != NULL)
            PyCapsule_SetDestructor(capsule, NULL);
        Py_XDECREF(capsule);
        PyMem_Free(kept);
        return -1;
    }
    type->tp_cache = capsule;
    p->kept.methods = NULL;
    p->kept.members = NULL;
    p->kept.getsets = NULL;
    p->kept.moving = NULL;
    return 0;
}

/* Creates the type; `room` is the size of an instance before its struct's end, less the
 * spec's basicsize. `offset` is where the struct starts in every instance, or
 * STRUCT_AFTER_ITEMS or STRUCT_NONE. Consumes nothing: `bases` stays ours. */
static PyObject *create_type(HPyType_Spec *spec, PyObject *bases, PyTypeObject *meta,
                             Py_ssize_t room, Py_ssize_t offset, struct_layout layout,
                             handlepy_bind_fn bind, void *data, void (*release)(void *))
{
    legacy_parts legacy;
    read_legacy_slots(spec, &legacy);
    Py_ssize_t n_defs = 0;
    for (HPyDef **d = spec->defines; d != NULL && *d != NULL; d++)
        n_defs++;
    /* Every array gets its terminator; slots also get up to seven of our own. */
    type_parts p = {0};
    p.bind = bind;
    p.kept.bind_data = data;
    p.kept.release = release;
    p.slots = PyMem_Calloc((size_t)(n_defs + legacy.n_slots) + 8, sizeof(PyType_Slot));
    p.kept.methods = PyMem_Calloc((size_t)(n_defs + legacy.n_methods) + 1, sizeof(PyMethodDef));
    p.kept.members = PyMem_Calloc((size_t)(n_defs + legacy.n_members) + 1, sizeof(PyMemberDef));
    p.kept.getsets = PyMem_Calloc((size_t)(n_defs + legacy.n_getsets) + 1, sizeof(PyGetSetDef));
    p.kept.moving = PyMem_Calloc((size_t)n_defs + 1, sizeof(PyMemberDef));
    PyObject *result = NULL;
    if (p.slots == NULL || p.kept.methods == NULL || p.kept.members == NULL ||
        p.kept.getsets == NULL || p.kept.moving == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (HPyDef **d = spec->defines; d != NULL && *d != NULL; d++)
        if (add_def(&p, *d, spec->name, offset) < 0)
            goto done;
    /* A legacy type's own tables join the definitions, after them. */
    for (Py_ssize_t i = 0; i < legacy.n_methods; i++)
        p.kept.methods[p.n_methods++] = legacy.methods[i];
    for (Py_ssize_t i = 0; i < legacy.n_members; i++)
        p.kept.members[p.n_members++] = legacy.members[i];
    for (Py_ssize_t i = 0; i < legacy.n_getsets; i++)
        p.kept.getsets[p.n_getsets++] = legacy.getsets[i];

    PyTypeObject *first_base = (PyTypeObject *)PyTuple_GET_ITEM(bases, 0);
    unsigned long flags = spec->flags;
    /* The builtin's dealloc untracks the object, which therefore must have the GC
     * header. CPython makes a subtype of a GC builtin a GC type only when it brings no
     * traverse of its own; one that does gets the flag here. */
    if (PyType_IS_GC(static_base(first_base)) && has_slot(spec, HPy_tp_traverse))
        flags |= Py_TPFLAGS_HAVE_GC;
    if (!has_slot(spec, HPy_tp_destroy))
        add_slot(&p, Py_tp_dealloc, (void *)default_dealloc);
    if (flags & Py_TPFLAGS_HAVE_GC)
        add_slot(&p, Py_tp_clear, (void *)clear_fields);
    if (spec->doc != NULL)
        add_slot(&p, Py_tp_doc, (void *)spec->doc);
    if (p.n_methods)
        add_slot(&p, Py_tp_methods, p.kept.methods);
    if (p.n_members)
        add_slot(&p, Py_tp_members, p.kept.members);
    if (p.n_getsets)
        add_slot(&p, Py_tp_getset, p.kept.getsets);
    /* Last, so that a legacy type's own C-API slots win over the defaults above. */
    for (Py_ssize_t i = 0; i < legacy.n_slots; i++) {
        PyType_Slot *slot = &((PyType_Slot *)spec->legacy_slots)[i];
        if (slot->slot != Py_tp_methods && slot->slot != Py_tp_members &&
            slot->slot != Py_tp_getset)
            add_slot(&p, slot->slot, slot->pfunc);
    }

    Py_ssize_t basicsize = spec->basicsize > 0 ? room + spec->basicsize
                                               : first_base->tp_basicsize;
    int named = 0;
    Py_ssize_t call_offset = own_call_offset(spec, first_base, offset, &basicsize, &named);
    /* Otherwise tp_call is the slot's, or the base's, which read the same word. */
    if (named && !has_slot(spec, HPy_tp_call))
        add_slot(&p, Py_tp_call, (void *)call_own_function);
    /* The host would read a call function at offset 0, the reference count, of a type
     * that has the flag and no word for it. With a word, the flag is set below. */
    if ((spec->flags & HPy_TPFLAGS_HAVE_VECTORCALL) && call_offset == 0 &&
        call_function_offset(first_base) == 0) {
        PyErr_Format(PyExc_TypeError,
                     "type %s: HPy_TPFLAGS_HAVE_VECTORCALL needs an HPy_tp_call slot or a "
                     "__vectorcalloffset__ member",
                     spec->name);
        goto done;
    }
    PyType_Spec cpy_spec = {
        .name = spec->name,
        .basicsize = (int)basicsize,
        .itemsize = spec->itemsize,
        .flags = (unsigned int)(flags & ~HPy_TPFLAGS_HAVE_VECTORCALL),
        .slots = p.slots,
    };
#ifdef PYPY_VERSION
    destructor finalizer = NULL;
    for (Py_ssize_t i = 0; i < p.n_slots; i++) {
        if (p.slots[i].slot == Py_tp_finalize) {
            finalizer = (destructor)p.slots[i].pfunc;
            p.slots[i] = p.slots[--p.n_slots];
            p.slots[p.n_slots] = (PyType_Slot){0, NULL};
        }
    }
#endif
    PyObject *spec_type;
    result = handlepy_type_from_cpy_spec(&cpy_spec, bases, meta, &spec_type);
    if (result != NULL && call_offset > 0) {
        set_call_offset((PyTypeObject *)spec_type, call_offset);
        set_call_offset((PyTypeObject *)result, call_offset);
    }
#ifdef PYPY_VERSION
    if (result != NULL)
        ((PyTypeObject *)spec_type)->tp_finalize = finalizer;
#endif
    if (result != NULL && give_tables((PyTypeObject *)spec_type, &p, layout) < 0)
        Py_CLEAR(result);

done:
    /* The type copies the slots; the tables are its own unless it was not made. */
    PyMem_Free(p.slots);
    PyMem_Free(p.kept.methods);
    PyMem_Free(p.kept.members);
    PyMem_Free(p.kept.getsets);
    PyMem_Free(p.kept.moving);
    return result;
}

/* A legacy type's struct starts with PyObject_HEAD: it is the object, so its basicsize is
 * the instance's. */
static PyObject *legacy_type_from_spec(HPyType_Spec *spec, PyObject *bases,
                                       PyTypeObject *meta, handlepy_bind_fn bind,
                                       void *data, void (*release)(void *))
{
    PyTypeObject *first_base = (PyTypeObject *)PyTuple_GET_ITEM(bases, 0);
    PyTypeObject *nearest = nearest_handlepy_type(first_base);
    if (nearest != NULL && own_layout(nearest) != LAYOUT_LEGACY) {
        /* HPy 0.9's words, which its users' tests compare. */
        PyErr_SetString(PyExc_TypeError,
                        "A legacy type should not inherit its memory layout from a pure type");
        return NULL;
    }
    return create_type(spec, bases, meta, 0, 0, LAYOUT_LEGACY, bind, data, release);
}

/* A type without a struct of its own (basicsize 0) has its base's: at the place its
 * shape says when the base is of that shape, none otherwise (a str subtype of the
 * default object shape, as HPy 0.9's documentation makes one). */
static PyObject *inheriting_type_from_spec(HPyType_Spec *spec, PyObject *bases,
                                           PyTypeObject *meta, int shape,
                                           handlepy_bind_fn bind, void *data,
                                           void (*release)(void *))
{
    PyTypeObject *first_base = (PyTypeObject *)PyTuple_GET_ITEM(bases, 0);
    PyTypeObject *builtin = shapes[shape].type;
    Py_ssize_t offset;
    if (layout_of(first_base) == LAYOUT_LEGACY)
        offset = 0;
    else if (!shape_fits(first_base, shape))
        offset = STRUCT_NONE;
    else if (shapes[shape].items_inside)
        offset = STRUCT_AFTER_ITEMS;
    else
        offset = handlepy_struct_offset(builtin);
    if (offset == STRUCT_NONE &&
        (has_slot(spec, HPy_tp_traverse) || has_slot(spec, HPy_tp_destroy))) {
        PyErr_Format(PyExc_TypeError,
                     "type %s: HPy_tp_traverse and HPy_tp_destroy need a struct, but the "
                     "type has none: basicsize is 0 and its first base '%s' does not "
                     "extend '%s', its builtin_shape", spec->name, first_base->tp_name,
                     builtin->tp_name);
        return NULL;
    }
    return create_type(spec, bases, meta, 0, offset, LAYOUT_INHERITED, bind, data, release);
}

PyObject *handlepy_type_from_spec(HPyType_Spec *spec, HPyType_SpecParam *params)
{
    return handlepy_type_from_spec_bound(spec, params, NULL, NULL, NULL);
}

PyObject *handlepy_type_from_spec_bound(HPyType_Spec *spec, HPyType_SpecParam *params,
                                        handlepy_bind_fn bind, void *data,
                                        void (*release)(void *))
{
    int legacy = spec->builtin_shape == HPyType_BuiltinShape_Legacy;
    if (!legacy && spec->legacy_slots != NULL) {
        /* HPy 0.9's words, which its users' tests compare. */
        PyErr_SetString(PyExc_TypeError, "cannot specify .legacy_slots without setting "
                        ".builtin_shape=HPyType_BuiltinShape_Legacy");
        return NULL;
    }
    int shape = legacy ? find_shape(HPyType_BuiltinShape_Object)
                       : find_shape(spec->builtin_shape);
    if (shape < 0) {
        PyErr_Format(PyExc_ValueError, "type %s: invalid builtin_shape %d", spec->name,
                     (int)spec->builtin_shape);
        return NULL;
    }
    if (check_spec(spec) < 0)
        return NULL;
    if (has_slot(spec, HPy_tp_traverse) && find_referents_visit() < 0)
        return NULL;
    PyTypeObject *meta;
    PyObject *bases = read_params(spec, params, shapes[shape].type, &meta);
    if (bases == NULL)
        return NULL;
    PyObject *result = NULL;
    PyTypeObject *builtin = shapes[shape].type;
    if (legacy)
        result = legacy_type_from_spec(spec, bases, meta, bind, data, release);
    else if (spec->basicsize == 0)
        result = inheriting_type_from_spec(spec, bases, meta, shape, bind, data, release);
    else if (check_shape(spec, bases, shape) < 0)
        result = NULL;
    else if (shapes[shape].items_inside)
        result = create_type(spec, bases, meta, handlepy_var_struct_reserve(builtin),
                             STRUCT_AFTER_ITEMS, LAYOUT_SHAPED, bind, data, release);
    else
        result = create_type(spec, bases, meta, handlepy_struct_offset(builtin),
                             handlepy_struct_offset(builtin), LAYOUT_SHAPED, bind, data,
                             release);
    Py_DECREF(bases);
    return result;
}
