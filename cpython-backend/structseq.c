/* Struct sequences on the host's PyStructSequence, the same type in both modes (HPy 0.9
 * falls back on collections.namedtuple in universal mode, which differs in behaviour). */
#include "hpy.h"

#include <string.h>

PyObject *handlepy_structseq_new_type(HPyStructSequence_Desc *desc)
{
    if (desc == NULL || desc->name == NULL || desc->fields == NULL) {
        PyErr_SetString(PyExc_SystemError,
                        "HPyStructSequence_NewType: the descriptor needs a name and fields");
        return NULL;
    }
    Py_ssize_t n = 0;
    while (desc->fields[n].name != NULL)
        n++;
    /* The host keeps the names and docs but not this array. */
    PyStructSequence_Field *fields = PyMem_Calloc((size_t)n + 1, sizeof *fields);
    if (fields == NULL)
        return PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < n; i++) {
        const char *name = desc->fields[i].name;
        fields[i].name = strcmp(name, _HPyStructSequence_UNNAMED_TEXT) == 0
                             ? PyStructSequence_UnnamedField
                             : name;
        fields[i].doc = desc->fields[i].doc;
    }
    PyStructSequence_Desc cpy_desc = {desc->name, desc->doc, fields, (int)n};
    PyTypeObject *type = PyStructSequence_NewType(&cpy_desc);
    PyMem_Free(fields);
    return (PyObject *)type;
}

/* Every struct sequence type shares the host's dealloc; PyStructSequence_New on any
 * other type writes past the object (or crashes on PyPy), so it is checked first.
 * PyPy lets Python subclass them, and the subclass inherits that dealloc. */
static destructor structseq_dealloc(void)
{
    static destructor known;
    if (known != NULL)
        return known;
    HPyStructSequence_Field fields[] = {{"x", NULL}, {NULL, NULL}};
    HPyStructSequence_Desc desc = {"handlepy.structseq_probe", NULL, fields};
    PyObject *probe = handlepy_structseq_new_type(&desc);
    if (probe == NULL)
        return NULL;
    known = ((PyTypeObject *)probe)->tp_dealloc;
    Py_DECREF(probe);
    return known;
}

PyObject *handlepy_structseq_new(PyObject *type, HPy_ssize_t nargs, const HPy *args)
{
    if (!PyType_Check(type)) {
        PyErr_Format(PyExc_TypeError, "HPyStructSequence_New: expected a type, not '%s'",
                     Py_TYPE(type)->tp_name);
        return NULL;
    }
    PyTypeObject *tp = (PyTypeObject *)type;
    destructor dealloc = structseq_dealloc();
    if (dealloc == NULL)
        return NULL;
    if (tp->tp_dealloc != dealloc || tp->tp_base != &PyTuple_Type) {
        PyErr_Format(PyExc_TypeError,
                     "HPyStructSequence_New: '%s' is not a struct sequence type",
                     tp->tp_name);
        return NULL;
    }
    PyObject *n_fields = PyObject_GetAttrString(type, "n_fields");
    if (n_fields == NULL)
        return NULL;
    Py_ssize_t size = PyLong_AsSsize_t(n_fields);
    Py_DECREF(n_fields);
    if (size == -1 && PyErr_Occurred())
        return NULL;
    /* What calling the type with a tuple of the wrong length says. */
    if (nargs != size) {
        PyErr_Format(PyExc_TypeError, "%s() takes a %zd-sequence (%zd-sequence given)",
                     tp->tp_name, size, (Py_ssize_t)nargs);
        return NULL;
    }
    PyObject *seq = PyStructSequence_New(tp);
    if (seq == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < size; i++) {
        PyObject *item = _h2py(args[i]);
        Py_INCREF(item);
        PyStructSequence_SetItem(seq, i, item);
    }
    return seq;
}
