/* CPython-backend mappings of api/capsule.api. */
#ifndef HANDLEPY_CPYTHON_IMPL_CAPSULE_H
#define HANDLEPY_CPYTHON_IMPL_CAPSULE_H

#include "handlepy/cpython/common.h"

/* The host only stores the trampoline, so a half-filled destructor would be called
 * without its implementation: refuse it up front. */
HPyAPI_FUNC int _hpy_cpy_capsule_destructor(HPyCapsule_Destructor *d,
                                            PyCapsule_Destructor *out)
{
    if (d == NULL) {
        *out = NULL;
        return 0;
    }
    if (d->cpy_trampoline == NULL || d->impl == NULL) {
        PyErr_SetString(PyExc_ValueError,
                        "invalid HPyCapsule_Destructor: define it with HPyCapsule_DESTRUCTOR");
        return -1;
    }
    *out = (PyCapsule_Destructor)d->cpy_trampoline;
    return 0;
}

HPyAPI_FUNC PyObject *_hpy_cpy_capsule_new(void *pointer, const char *name,
                                           HPyCapsule_Destructor *destructor)
{
    PyCapsule_Destructor cpy_destructor;
    if (_hpy_cpy_capsule_destructor(destructor, &cpy_destructor) < 0)
        return NULL;
    return PyCapsule_New(pointer, name, cpy_destructor);
}

HPyAPI_FUNC void *_hpy_cpy_capsule_get(PyObject *capsule, _HPyCapsule_key key,
                                       const char *name)
{
    switch (key) {
    case HPyCapsule_key_Pointer:
        return PyCapsule_GetPointer(capsule, name);
    case HPyCapsule_key_Name:
        return (void *)PyCapsule_GetName(capsule);
    case HPyCapsule_key_Context:
        return PyCapsule_GetContext(capsule);
    case HPyCapsule_key_Destructor:
        PyErr_SetString(PyExc_ValueError,
                        "HPyCapsule_Get: a capsule's destructor cannot be read");
        return NULL;
    }
    PyErr_Format(PyExc_ValueError, "HPyCapsule_Get: invalid key %d", (int)key);
    return NULL;
}

/* The setter's name for CPython's messages, or NULL for an unknown key. */
HPyAPI_FUNC const char *_hpy_cpy_capsule_setter(_HPyCapsule_key key)
{
    switch (key) {
    case HPyCapsule_key_Pointer:
        return "PyCapsule_SetPointer";
    case HPyCapsule_key_Name:
        return "PyCapsule_SetName";
    case HPyCapsule_key_Context:
        return "PyCapsule_SetContext";
    case HPyCapsule_key_Destructor:
        return "PyCapsule_SetDestructor";
    }
    return NULL;
}

HPyAPI_FUNC int _hpy_cpy_capsule_set(PyObject *capsule, _HPyCapsule_key key, void *value)
{
    const char *setter = _hpy_cpy_capsule_setter(key);
    /* PyPy 3.11's cpyext aborts on a setter given anything but a capsule; CPython raises
     * this (after the NULL pointer check below, which it makes first). */
    if (setter != NULL && !PyCapsule_CheckExact(capsule)
            && !(key == HPyCapsule_key_Pointer && value == NULL)) {
        PyErr_Format(PyExc_ValueError, "%s called with invalid PyCapsule object", setter);
        return -1;
    }
    switch (key) {
    case HPyCapsule_key_Pointer:
        /* PyPy 3.11's cpyext raises this but returns 0; CPython checks it first too. */
        if (value == NULL) {
            PyErr_SetString(PyExc_ValueError, "PyCapsule_SetPointer called with null pointer");
            return -1;
        }
        return PyCapsule_SetPointer(capsule, value);
    case HPyCapsule_key_Name:
        return PyCapsule_SetName(capsule, (const char *)value);
    case HPyCapsule_key_Context:
        return PyCapsule_SetContext(capsule, value);
    case HPyCapsule_key_Destructor: {
        PyCapsule_Destructor cpy_destructor;
        if (_hpy_cpy_capsule_destructor((HPyCapsule_Destructor *)value, &cpy_destructor) < 0)
            return -1;
        return PyCapsule_SetDestructor(capsule, cpy_destructor);
    }
    }
    PyErr_Format(PyExc_ValueError, "HPyCapsule_Set: invalid key %d", (int)key);
    return -1;
}

#endif
