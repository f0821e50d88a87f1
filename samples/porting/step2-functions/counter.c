/* counter, step 2 of docs/porting.md: total() is ported to handles; the type is still
 * the C API's (hybrid ABI). */
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

HPyDef_METH(total, "total", HPyFunc_O, .doc = "total(sequence) -> the sum of its ints")
static HPy total_impl(HPyContext *ctx, HPy self, HPy sequence)
{
    HPy_ssize_t n = HPy_Length(ctx, sequence);
    if (n < 0)
        return HPy_NULL;
    long sum = 0;
    for (HPy_ssize_t i = 0; i < n; i++) {
        HPy item = HPy_GetItem_i(ctx, sequence, i);
        if (HPy_IsNull(item))
            return HPy_NULL;
        long value = HPyLong_AsLong(ctx, item);
        HPy_Close(ctx, item);
        if (value == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        sum += value;
    }
    return HPyLong_FromLong(ctx, sum);
}

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

static HPyDef *counter_defines[] = {&total, &counter_exec, NULL};

static HPyModuleDef counter_def = {
    .doc = "Counting, on the way to handlepy.",
    .defines = counter_defines,
};

HPy_MODINIT(counter, counter_def)
