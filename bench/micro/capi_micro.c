/* The baseline: hpy_micro.c's functions written by hand on the C API, the way an
 * extension author would, with the same calling conventions (METH_FASTCALL where the
 * HPy source has VARARGS or KEYWORDS). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

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
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef micro_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "capi_micro",
    .m_doc = "Micro benchmarks on the C API: the baseline.",
    .m_size = 0,
    .m_methods = micro_methods,
};

PyMODINIT_FUNC PyInit_capi_micro(void)
{
    return PyModuleDef_Init(&micro_module);
}
