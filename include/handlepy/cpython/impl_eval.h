/* CPython-backend mappings of compiling and evaluating code, fatal errors and dumping
 * an object. */
#ifndef HANDLEPY_CPYTHON_IMPL_EVAL_H
#define HANDLEPY_CPYTHON_IMPL_EVAL_H

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

/* Not every host declares Py_FatalError noreturn (PyPy does not). */
HPyAPI_FUNC _HPy_NO_RETURN void _hpy_cpy_fatal_error(const char *message)
{
    Py_FatalError(message);
    abort();
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

#endif
