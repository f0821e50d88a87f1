/* CPython-backend mappings of api/call.api: the checks CPython's call functions leave
 * to their caller. */
#ifndef HANDLEPY_CPYTHON_IMPL_CALL_H
#define HANDLEPY_CPYTHON_IMPL_CALL_H

#include "handlepy/cpython/common.h"

#ifdef PYPY_VERSION
/* cpyext dereferences a NULL object; CPython answers "not callable". */
HPyAPI_FUNC int _hpy_cpy_callable_check(PyObject *obj)
{
    return obj != NULL && PyCallable_Check(obj);
}
#else
#define _hpy_cpy_callable_check PyCallable_Check
#endif

HPyAPI_FUNC PyObject *_hpy_cpy_call_tuple_dict(PyObject *callable, PyObject *args, PyObject *kw)
{
    if (args != NULL && !PyTuple_Check(args)) {
        PyErr_SetString(PyExc_TypeError,
                        "HPy_CallTupleDict requires args to be a tuple or null handle");
        return NULL;
    }
    if (kw != NULL && !PyDict_Check(kw)) {
        PyErr_SetString(PyExc_TypeError,
                        "HPy_CallTupleDict requires kw to be a dict or null handle");
        return NULL;
    }
    if (args == NULL)
        return PyObject_VectorcallDict(callable, NULL, 0, kw);
    return PyObject_Call(callable, args, kw);
}

HPyAPI_FUNC PyObject *_hpy_cpy_vectorcall(PyObject *callable, PyObject *const *args,
                                         size_t nargs, PyObject *kwnames)
{
    if (kwnames != NULL && !PyTuple_Check(kwnames)) {
        PyErr_SetString(PyExc_TypeError, "HPy_Call requires kwnames to be a tuple or null handle");
        return NULL;
    }
    return PyObject_Vectorcall(callable, args, nargs, kwnames);
}

HPyAPI_FUNC PyObject *_hpy_cpy_vectorcall_method(PyObject *name, PyObject *const *args,
                                                size_t nargs, PyObject *kwnames)
{
    if (nargs == 0) {
        PyErr_SetString(PyExc_TypeError, "HPy_CallMethod requires the receiver in args[0]");
        return NULL;
    }
    if (kwnames != NULL && !PyTuple_Check(kwnames)) {
        PyErr_SetString(PyExc_TypeError,
                        "HPy_CallMethod requires kwnames to be a tuple or null handle");
        return NULL;
    }
    if (_hpy_cpy_bad_attr_name(name))
        return NULL;
    return PyObject_VectorcallMethod(name, args, nargs, kwnames);
}

#endif
