/* CPython-backend mappings of api/misc.api: compiling and evaluating code, fatal
 * errors, dumping an object, leaving Python, and trackers. */
#ifndef HANDLEPY_CPYTHON_IMPL_MISC_H
#define HANDLEPY_CPYTHON_IMPL_MISC_H

#include "handlepy/cpython/common.h"
#include <stdio.h>

HPyAPI_FUNC PyObject *_hpy_cpy_compile_s(const char *source, const char *filename,
                                         HPy_SourceKind kind)
{
    int start;
    switch (kind) {
    case HPy_SourceKind_Expr:
        start = Py_eval_input;
        break;
    case HPy_SourceKind_File:
        start = Py_file_input;
        break;
    case HPy_SourceKind_Single:
        start = Py_single_input;
        break;
    default:
        PyErr_Format(PyExc_SystemError, "HPy_Compile_s: invalid source kind %d", (int)kind);
        return NULL;
    }
    return Py_CompileString(source, filename, start);
}

/* PyEval_EvalCode trusts its arguments (a non-dict globals or a non-code object crash
 * it), so they are checked first, as exec() checks its own. */
HPyAPI_FUNC PyObject *_hpy_cpy_eval_code(PyObject *code, PyObject *globals, PyObject *locals)
{
    if (code == NULL || !PyCode_Check(code)) {
        PyErr_Format(PyExc_TypeError, "HPy_EvalCode() arg 1 must be a code object, not %.100s",
                     code == NULL ? "NULL" : Py_TYPE(code)->tp_name);
        return NULL;
    }
    if (globals == NULL || !PyDict_Check(globals)) {
        PyErr_Format(PyExc_TypeError, "HPy_EvalCode() globals must be a dict, not %.100s",
                     globals == NULL ? "NULL" : Py_TYPE(globals)->tp_name);
        return NULL;
    }
    if (locals != NULL && !PyMapping_Check(locals)) {
        PyErr_Format(PyExc_TypeError, "HPy_EvalCode() locals must be a mapping or NULL, not %.100s",
                     Py_TYPE(locals)->tp_name);
        return NULL;
    }
    return PyEval_EvalCode(code, globals, locals != NULL ? locals : globals);
}

/* Written for a debugger: reads nothing that could run Python code except the repr, and
 * leaves the interpreter's error state as it was. */
HPyAPI_FUNC void _hpy_cpy_dump(PyObject *obj)
{
    fprintf(stderr, "object address  : %p\n", (void *)obj);
    if (obj == NULL) {
        fprintf(stderr, "(a null handle)\n");
        return;
    }
    fprintf(stderr, "object refcount : %ld\n", (long)Py_REFCNT(obj));
    fprintf(stderr, "object type     : %p\n", (void *)Py_TYPE(obj));
    fprintf(stderr, "object type name: %s\n", Py_TYPE(obj)->tp_name);
    PyObject *type, *value, *traceback;
    PyErr_Fetch(&type, &value, &traceback);
    PyObject *repr = PyObject_Repr(obj);
    const char *text = repr != NULL ? PyUnicode_AsUTF8(repr) : NULL;
    fprintf(stderr, "object repr     : %s\n", text != NULL ? text : "(repr() failed)");
    Py_XDECREF(repr);
    PyErr_Clear();
    PyErr_Restore(type, value, traceback);
    fflush(stderr);
}

HPyAPI_FUNC HPyThreadState _hpy_cpy_leave_python(void)
{
    return (HPyThreadState){(intptr_t)PyEval_SaveThread()};
}

/* HPyTracker: a growable array of owned references.
 * As in HPy, the array always keeps one free slot, so that Add can store its handle
 * before it grows: when growing fails, the handle is still tracked and Close still
 * closes it, and New(n) guarantees n Adds that cannot fail. */
typedef struct {
    Py_ssize_t length;
    Py_ssize_t capacity;
    PyObject **items;
} _hpy_cpy_tracker;

HPyAPI_FUNC int _hpy_cpy_tracker_resize(_hpy_cpy_tracker *t, Py_ssize_t capacity)
{
    PyObject **items = NULL;
    if (capacity > 0 && (size_t)capacity <= (size_t)PY_SSIZE_T_MAX / sizeof(PyObject *))
        items = (PyObject **)PyMem_Realloc(t->items, sizeof(PyObject *) * (size_t)capacity);
    if (items == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    t->items = items;
    t->capacity = capacity;
    return 0;
}

HPyAPI_FUNC HPyTracker _hpy_cpy_tracker_new(Py_ssize_t size)
{
    _hpy_cpy_tracker *t = (_hpy_cpy_tracker *)PyMem_Malloc(sizeof(_hpy_cpy_tracker));
    if (t == NULL) {
        PyErr_NoMemory();
        return (HPyTracker){0};
    }
    t->length = 0;
    t->capacity = 0;
    t->items = NULL;
    /* size is only a hint: 0 or less asks for a small default. */
    Py_ssize_t hint = size > 0 ? size : 4;
    if (hint == PY_SSIZE_T_MAX || _hpy_cpy_tracker_resize(t, hint + 1) < 0) {
        if (!PyErr_Occurred())
            PyErr_NoMemory();
        PyMem_Free(t);
        return (HPyTracker){0};
    }
    return (HPyTracker){(intptr_t)t};
}

HPyAPI_FUNC int _hpy_cpy_tracker_add(HPyTracker ht, PyObject *h)
{
    _hpy_cpy_tracker *t = (_hpy_cpy_tracker *)ht._i;
    if (t == NULL) {
        if (!PyErr_Occurred())
            PyErr_SetString(PyExc_SystemError, "HPyTracker_Add on a tracker New failed to create");
        return -1;
    }
    /* Full only after a failed grow; HPy allows only Close then, but stay safe. */
    if (t->length == t->capacity && _hpy_cpy_tracker_resize(t, t->capacity * 2) < 0)
        return -1;
    t->items[t->length++] = h;
    if (t->length == t->capacity)
        return _hpy_cpy_tracker_resize(t, t->capacity * 2);
    return 0;
}

HPyAPI_FUNC void _hpy_cpy_tracker_forget_all(HPyTracker ht)
{
    _hpy_cpy_tracker *t = (_hpy_cpy_tracker *)ht._i;
    if (t != NULL)
        t->length = 0;
}

HPyAPI_FUNC void _hpy_cpy_tracker_close(HPyTracker ht)
{
    _hpy_cpy_tracker *t = (_hpy_cpy_tracker *)ht._i;
    if (t == NULL)
        return;
    for (Py_ssize_t i = 0; i < t->length; i++)
        Py_XDECREF(t->items[i]);
    PyMem_Free(t->items);
    PyMem_Free(t);
}

#endif
