/* counter, step 1 of docs/porting.md: the module is handlepy's, built in the hybrid ABI;
 * its function and its type are still the C API's. */
#include "hpy.h"  /* in the hybrid ABI, hpy.h includes Python.h */
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

/* The type is still made by the C API, in the module's exec slot; HPy_FromPyObject
 * gives the module a handle to it. */
HPyDef_SLOT(counter_exec, HPy_mod_exec)
static int counter_exec_impl(HPyContext *ctx, HPy module)
{
    PyObject *type = PyType_FromSpec(&Counter_spec);
    if (type == NULL)
        return -1;
    HPy h_type = HPy_FromPyObject(ctx, type);
    Py_DECREF(type);
    int result = HPy_SetAttr_s(ctx, module, "Counter", h_type);
    HPy_Close(ctx, h_type);
    return result;
}

static HPyDef *counter_defines[] = {&counter_exec, NULL};

static HPyModuleDef counter_def = {
    .doc = "Counting, on the way to handlepy.",
    .legacy_methods = counter_methods,
    .defines = counter_defines,
};

HPy_MODINIT(counter, counter_def)
