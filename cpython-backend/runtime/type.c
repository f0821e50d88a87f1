/* Types from HPyType_Spec on the CPython C API (PyType_FromSpecWithBases).
 *
 * No per-type data is kept beyond the host's own type fields: where an instance's C
 * struct starts follows from its first static (non-heap) base, which is the builtin its
 * shape names (and, for int and tuple, from the instance's item count); the functions
 * that need the type's own slots (traverse, destroy) are reached through its trampolines;
 * where instances keep their own call function is the host's tp_vectorcall_offset; the
 * tables its descriptors point into hang off the host's tp_cache. */
#include "moduledef.h"
#include "structmember.h"

#include <string.h>

static PyTypeObject *static_base(PyTypeObject *type)
{
    while (type->tp_flags & Py_TPFLAGS_HEAPTYPE)
        type = type->tp_base;
    return type;
}

static void *struct_of(PyObject *self)
{
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

HPyType_BuiltinShape handlepy_builtin_shape(PyObject *type)
{
    if (!PyType_Check(type)) {
        PyErr_SetString(PyExc_TypeError, "_HPyType_GetBuiltinShape: expected a type");
        return HPyType_BuiltinShape_Legacy;
    }
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

const char *handlepy_type_name(PyObject *type)
{
    if (!PyType_Check(type)) {
        PyErr_SetString(PyExc_TypeError, "HPyType_GetName: expected a type");
        return NULL;
    }
    return ((PyTypeObject *)type)->tp_name;
}

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

int handlepy_call_traverse(HPyCFunction impl, PyObject *self, cpy_visitproc visit, void *arg)
{
    visit_closure c = {visit, arg};
    if ((cpy_visitproc)visit == (cpy_visitproc)clear_visit)
        return ((HPyFunc_TRAVERSEPROC_impl)impl)(struct_of(self), visit_field, &c);
    /* An instance of a heap type owns a reference to its type. */
    int res = visit((cpy_PyObject *)Py_TYPE(self), arg);
    if (res == 0)
        res = ((HPyFunc_TRAVERSEPROC_impl)impl)(struct_of(self), visit_field, &c);
    if (res == 0)
        res = visit_items(self, (visitproc)visit, arg);
    return res;
}

static int default_traverse(PyObject *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    return visit_items(self, visit, arg);
}

static void release_fields(PyObject *self)
{
    traverseproc traverse = Py_TYPE(self)->tp_traverse;
    if (traverse != NULL && traverse != default_traverse)
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
    void *bind_data;
    void (*release)(void *bind_data);
} type_tables;

typedef struct {
    PyType_Slot *slots;
    type_tables kept;
    Py_ssize_t n_slots, n_methods, n_members, n_getsets;
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
        return add_slot(p, (int)slot, fn);
    }
    case HPyDef_Kind_Meth: {
        int flags = handlepy_method_flags(def->meth.signature);
        if (flags < 0) {
            PyErr_Format(PyExc_TypeError, "type %s: method '%s' has an unsupported signature",
                         type_name, def->meth.name);
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
        if (offset < 0) {
            PyErr_Format(PyExc_TypeError,
                         "type %s: member '%s' needs a struct at a fixed place, but the "
                         "struct follows the items of its builtin; use HPyDef_GETSET",
                         type_name, def->member.name);
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
    if (!PyType_IsSubtype(base, want) || static_base(base) != want) {
        PyErr_Format(PyExc_TypeError,
                     "type %s: its builtin_shape needs the first base to extend '%s', "
                     "but it is '%s'", spec->name, want->tp_name, base->tp_name);
        return -1;
    }
    return 0;
}

static Py_ssize_t count_legacy_slots(HPyType_Spec *spec)
{
    PyType_Slot *slots = spec->legacy_slots;
    Py_ssize_t n = 0;
    while (slots != NULL && slots[n].slot != 0)
        n++;
    return n;
}

/* A legacy type's struct starts with PyObject_HEAD, so the runtime cannot find the
 * struct of its instances; such types bring their own C-API traverse and dealloc. */
static int check_legacy(HPyType_Spec *spec)
{
    if (has_slot(spec, HPy_tp_traverse) || has_slot(spec, HPy_tp_destroy)) {
        PyErr_Format(PyExc_TypeError,
                     "type %s: a legacy-shaped type cannot use HPy_tp_traverse or "
                     "HPy_tp_destroy; give Py_tp_traverse and Py_tp_dealloc in legacy_slots",
                     spec->name);
        return -1;
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
    type_tables *kept = PyCapsule_GetPointer(capsule, NULL);
    PyMem_Free(kept->methods);
    PyMem_Free(kept->members);
    PyMem_Free(kept->getsets);
    if (kept->release != NULL)
        kept->release(kept->bind_data);
    PyMem_Free(kept);
}

/* Hands the tables of `p`, and its bindings, to `type`; on failure they stay the
 * caller's. */
static int give_tables(PyTypeObject *type, type_parts *p)
{
    type_tables *kept = PyMem_Malloc(sizeof *kept);
    if (kept == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    *kept = p->kept;
    PyObject *capsule = PyCapsule_New(kept, NULL, free_tables);
    if (capsule == NULL) {
        PyMem_Free(kept);
        return -1;
    }
    type->tp_cache = capsule;
    p->kept.methods = NULL;
    p->kept.members = NULL;
    p->kept.getsets = NULL;
    return 0;
}

/* Creates the type; `room` is the size of an instance before its struct's end, less the
 * spec's basicsize. `offset` is where the struct starts in every instance, or -1 when it
 * follows the items (int, tuple). Consumes nothing: `bases` stays ours. */
static PyObject *create_type(HPyType_Spec *spec, PyObject *bases, PyTypeObject *meta,
                             Py_ssize_t room, Py_ssize_t offset, handlepy_bind_fn bind,
                             void *data, void (*release)(void *))
{
    Py_ssize_t n_defs = 0, n_legacy = count_legacy_slots(spec);
    for (HPyDef **d = spec->defines; d != NULL && *d != NULL; d++)
        n_defs++;
    /* Every array gets its terminator; slots also get up to seven of our own. */
    type_parts p = {0};
    p.bind = bind;
    p.kept.bind_data = data;
    p.kept.release = release;
    p.slots = PyMem_Calloc((size_t)(n_defs + n_legacy) + 8, sizeof(PyType_Slot));
    p.kept.methods = PyMem_Calloc((size_t)n_defs + 1, sizeof(PyMethodDef));
    p.kept.members = PyMem_Calloc((size_t)n_defs + 1, sizeof(PyMemberDef));
    p.kept.getsets = PyMem_Calloc((size_t)n_defs + 1, sizeof(PyGetSetDef));
    PyObject *result = NULL;
    if (p.slots == NULL || p.kept.methods == NULL || p.kept.members == NULL ||
        p.kept.getsets == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    for (HPyDef **d = spec->defines; d != NULL && *d != NULL; d++)
        if (add_def(&p, *d, spec->name, offset) < 0)
            goto done;

    int gc = (spec->flags & HPy_TPFLAGS_HAVE_GC) != 0;
    if (!has_slot(spec, HPy_tp_destroy))
        add_slot(&p, Py_tp_dealloc, (void *)default_dealloc);
    if (gc && !has_slot(spec, HPy_tp_traverse))
        add_slot(&p, Py_tp_traverse, (void *)default_traverse);
    if (gc)
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
    for (Py_ssize_t i = 0; i < n_legacy; i++) {
        PyType_Slot *legacy = &((PyType_Slot *)spec->legacy_slots)[i];
        add_slot(&p, legacy->slot, legacy->pfunc);
    }

    PyTypeObject *first_base = (PyTypeObject *)PyTuple_GET_ITEM(bases, 0);
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
        .flags = (unsigned int)(spec->flags & ~HPy_TPFLAGS_HAVE_VECTORCALL),
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
    if (result != NULL && give_tables((PyTypeObject *)spec_type, &p) < 0)
        Py_CLEAR(result);

done:
    /* The type copies the slots; the tables are its own unless it was not made. */
    PyMem_Free(p.slots);
    PyMem_Free(p.kept.methods);
    PyMem_Free(p.kept.members);
    PyMem_Free(p.kept.getsets);
    return result;
}

static PyObject *legacy_type_from_spec(HPyType_Spec *spec, HPyType_SpecParam *params,
                                       handlepy_bind_fn bind, void *data,
                                       void (*release)(void *))
{
    if (check_legacy(spec) < 0)
        return NULL;
    PyTypeObject *meta;
    PyObject *bases = read_params(spec, params, &PyBaseObject_Type, &meta);
    if (bases == NULL)
        return NULL;
    PyObject *result = create_type(spec, bases, meta, 0, 0, bind, data, release);
    Py_DECREF(bases);
    return result;
}

PyObject *handlepy_type_from_spec(HPyType_Spec *spec, HPyType_SpecParam *params,
                                  handlepy_bind_fn bind, void *data,
                                  void (*release)(void *))
{
    if (spec->builtin_shape == HPyType_BuiltinShape_Legacy)
        return legacy_type_from_spec(spec, params, bind, data, release);
    if (spec->legacy_slots != NULL) {
        PyErr_Format(PyExc_TypeError,
                     "type %s: legacy_slots need builtin_shape HPyType_BuiltinShape_Legacy",
                     spec->name);
        return NULL;
    }
    int shape = find_shape(spec->builtin_shape);
    if (shape < 0) {
        PyErr_Format(PyExc_TypeError, "type %s: unsupported builtin_shape %d", spec->name,
                     (int)spec->builtin_shape);
        return NULL;
    }
    PyTypeObject *meta;
    PyObject *bases = read_params(spec, params, shapes[shape].type, &meta);
    if (bases == NULL)
        return NULL;
    PyObject *result = NULL;
    if (check_shape(spec, bases, shape) == 0) {
        PyTypeObject *builtin = shapes[shape].type;
        if (shapes[shape].items_inside)
            result = create_type(spec, bases, meta, handlepy_var_struct_reserve(builtin), -1,
                                 bind, data, release);
        else
            result = create_type(spec, bases, meta, handlepy_struct_offset(builtin),
                                 handlepy_struct_offset(builtin), bind, data, release);
    }
    Py_DECREF(bases);
    return result;
}
