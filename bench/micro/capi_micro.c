/* The baseline: hpy_micro.c's functions written by hand on the C API, the way an
 * extension author would, with the same calling conventions (METH_FASTCALL where the
 * HPy source has VARARGS or KEYWORDS). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
/* T_LONG and READONLY: Python 3.11 and PyPy 3.9 have no Py_T_LONG yet. */
#include <structmember.h>

static PyObject *noargs(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    Py_RETURN_NONE;
}

static PyObject *onearg(PyObject *self, PyObject *arg)
{
    (void)self;
    Py_INCREF(arg);
    return arg;
}

static PyObject *varargs(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    (void)args;
    (void)nargs;
    Py_RETURN_NONE;
}

static PyObject *keywords(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                          PyObject *kwnames)
{
    (void)self;
    (void)args;
    (void)nargs;
    (void)kwnames;
    Py_RETURN_NONE;
}

static PyObject *allocate_int(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    return PyLong_FromLong(2048);
}

static PyObject *allocate_tuple(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    PyObject *tuple = PyTuple_New(2);
    if (tuple == NULL)
        return NULL;
    Py_INCREF(Py_None);
    PyTuple_SET_ITEM(tuple, 0, Py_None);
    Py_INCREF(Py_None);
    PyTuple_SET_ITEM(tuple, 1, Py_None);
    return tuple;
}

static PyObject *getattr(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    (void)nargs;
    return PyObject_GetAttr(args[0], args[1]);
}

static PyObject *setattr(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    (void)nargs;
    if (PyObject_SetAttr(args[0], args[1], args[2]) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *getitem(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    (void)self;
    (void)nargs;
    return PyObject_GetItem(args[0], args[1]);
}

static PyObject *len(PyObject *self, PyObject *arg)
{
    (void)self;
    Py_ssize_t n = PyObject_Length(arg);
    if (n < 0)
        return NULL;
    return PyLong_FromSsize_t(n);
}

typedef struct {
    PyObject_HEAD
    long x;
} CustomObject;

static PyObject *Custom_method(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    Py_RETURN_NONE;
}

static PyMethodDef Custom_methods[] = {
    {"method", Custom_method, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef Custom_members[] = {
    {"x", T_LONG, offsetof(CustomObject, x), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

#ifdef MICRO_HEAP_TYPE
/* The second baseline (build capi-heap): the same type as a C-API extension written
 * today makes it, a heap type from a spec, whose instances hold a reference to their
 * type as HPy's do. The exec slot stores it, under the GIL, before any call can read it. */
static PyType_Slot Custom_slots[] = {
    {Py_tp_methods, Custom_methods},
    {Py_tp_members, Custom_members},
    {0, NULL},
};

static PyType_Spec Custom_spec = {
    .name = "capi_micro.Custom",
    .basicsize = sizeof(CustomObject),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = Custom_slots,
};

static PyTypeObject *custom_type;
#else
static PyTypeObject Custom_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "capi_micro.Custom",
    .tp_basicsize = sizeof(CustomObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_methods = Custom_methods,
    .tp_members = Custom_members,
};

static PyTypeObject *custom_type = &Custom_Type;
#endif

/* tp_alloc, as CPython's tutorial allocates: zeroed, like HPy_New. */
static PyObject *allocate_custom(PyObject *self, PyObject *unused)
{
    (void)self;
    (void)unused;
    CustomObject *obj = (CustomObject *)custom_type->tp_alloc(custom_type, 0);
    if (obj != NULL)
        obj->x = 7;
    return (PyObject *)obj;
}

static int micro_exec(PyObject *module)
{
#ifdef MICRO_HEAP_TYPE
    custom_type = (PyTypeObject *)PyType_FromSpec(&Custom_spec);
    if (custom_type == NULL)
        return -1;
#else
    if (PyType_Ready(custom_type) < 0)
        return -1;
#endif
    Py_INCREF(custom_type);
    if (PyModule_AddObject(module, "Custom", (PyObject *)custom_type) < 0) {
        Py_DECREF(custom_type);
        return -1;
    }
    return 0;
}

/* The bulk cases, as C-API code writes them: a type compare, and the list's storage. */
static PyObject *builtin_kind(PyObject *self, PyObject *arg)
{
    (void)self;
    PyObject *result = Py_TYPE(arg) == &PyLong_Type ? arg : Py_None;
    Py_INCREF(result);
    return result;
}

static PyObject *get_items(PyObject *self, PyObject *arg)
{
    (void)self;
    PyObject *items[256];
    Py_ssize_t n = PyList_Check(arg) ? PyList_GET_SIZE(arg) : -1;
    if (n < 1 || n > 256) {
        PyErr_SetString(PyExc_ValueError, "1 to 256 items");
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        items[i] = PyList_GET_ITEM(arg, i);
        Py_INCREF(items[i]);
    }
    PyObject *last = items[n - 1];
    Py_INCREF(last);
    for (Py_ssize_t i = 0; i < n; i++)
        Py_DECREF(items[i]);
    return last;
}

static PyModuleDef_Slot micro_slots[] = {
    {Py_mod_exec, micro_exec},
    {0, NULL},
};

static PyMethodDef micro_methods[] = {
    {"noargs", noargs, METH_NOARGS, NULL},
    {"onearg", onearg, METH_O, NULL},
    {"varargs", (PyCFunction)(void (*)(void))varargs, METH_FASTCALL, NULL},
    {"keywords", (PyCFunction)(void (*)(void))keywords, METH_FASTCALL | METH_KEYWORDS, NULL},
    {"allocate_int", allocate_int, METH_NOARGS, NULL},
    {"allocate_tuple", allocate_tuple, METH_NOARGS, NULL},
    {"getattr", (PyCFunction)(void (*)(void))getattr, METH_FASTCALL, NULL},
    {"setattr", (PyCFunction)(void (*)(void))setattr, METH_FASTCALL, NULL},
    {"getitem", (PyCFunction)(void (*)(void))getitem, METH_FASTCALL, NULL},
    {"len", len, METH_O, NULL},
    {"allocate_custom", allocate_custom, METH_NOARGS, NULL},
    {"builtin_kind", builtin_kind, METH_O, NULL},
    {"get_items", get_items, METH_O, NULL},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef micro_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "capi_micro",
    .m_doc = "Micro benchmarks on the C API: the baseline.",
    .m_size = 0,
    .m_methods = micro_methods,
    .m_slots = micro_slots,
};

PyMODINIT_FUNC PyInit_capi_micro(void)
{
    return PyModuleDef_Init(&micro_module);
}
