/* counter, step 0: the module as it was, written against the C API (docs/porting.md). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

typedef struct {
    PyObject_HEAD
    long count;
} CounterObject;

static PyObject *Counter_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    static char *keywords[] = {"start", NULL};
    long start = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|l:Counter", keywords, &start))
        return NULL;
    CounterObject *self = (CounterObject *)type->tp_alloc(type, 0);
    if (self != NULL)
        self->count = start;
    return (PyObject *)self;
}

static PyObject *Counter_incr(CounterObject *self, PyObject *args, PyObject *kw)
{
    static char *keywords[] = {"n", NULL};
    long n = 1;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "|l:incr", keywords, &n))
        return NULL;
    self->count += n;
    return PyLong_FromLong(self->count);
}

static PyMethodDef Counter_methods[] = {
    {"incr", (PyCFunction)(void (*)(void))Counter_incr, METH_VARARGS | METH_KEYWORDS,
     "incr(n=1) -> the new count"},
    {NULL, NULL, 0, NULL},
};

static PyMemberDef Counter_members[] = {
    {"count", T_LONG, offsetof(CounterObject, count), 0, "the count"},
    {NULL, 0, 0, 0, NULL},
};

static PyType_Slot Counter_slots[] = {
    {Py_tp_new, (void *)Counter_new},
    {Py_tp_methods, Counter_methods},
    {Py_tp_members, Counter_members},
    {Py_tp_doc, "Counter(start=0)"},
    {0, NULL},
};

static PyType_Spec Counter_spec = {
    .name = "counter.Counter",
    .basicsize = sizeof(CounterObject),
    .flags = Py_TPFLAGS_DEFAULT,
    .slots = Counter_slots,
};

static PyObject *total(PyObject *module, PyObject *sequence)
{
    Py_ssize_t n = PySequence_Size(sequence);
    if (n < 0)
        return NULL;
    long sum = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *item = PySequence_GetItem(sequence, i);
        if (item == NULL)
            return NULL;
        long value = PyLong_AsLong(item);
        Py_DECREF(item);
        if (value == -1 && PyErr_Occurred())
            return NULL;
        sum += value;
    }
    return PyLong_FromLong(sum);
}

static PyMethodDef counter_methods[] = {
    {"total", total, METH_O, "total(sequence) -> the sum of its ints"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef counter_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "counter",
    .m_doc = "Counting, the C-API way.",
    .m_size = 0,
    .m_methods = counter_methods,
};

PyMODINIT_FUNC PyInit_counter(void)
{
    PyObject *module = PyModule_Create(&counter_module);
    if (module == NULL)
        return NULL;
    PyObject *type = PyType_FromSpec(&Counter_spec);
    if (type == NULL || PyModule_AddObject(module, "Counter", type) < 0) {
        Py_XDECREF(type);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
