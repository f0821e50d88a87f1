/* The last step of HPyType_FromSpec: the host type from a PyType_Spec, with the
 * metaclass the spec's parameters name.
 *
 * CPython 3.12 added PyType_FromMetaclass. CPython 3.11 and PyPy's cpyext can only make
 * instances of `type` from a spec, so there the spec becomes a hidden type of `type` and
 * the metaclass makes the public type as its subclass, with no namespace of its own: the
 * instances keep the spec type's layout and slots, the class gets the metaclass's. The
 * checks are 3.12's, with its messages, so that every interpreter accepts the same specs. */
#include "internal.h"

#if PY_VERSION_HEX >= 0x030C0000 && !defined(PYPY_VERSION)

PyObject *handlepy_type_from_cpy_spec(PyType_Spec *spec, PyObject *bases, PyTypeObject *meta,
                                      PyObject **spec_type)
{
    PyObject *result = meta == NULL ? PyType_FromSpecWithBases(spec, bases)
                                    : PyType_FromMetaclass(meta, NULL, spec, bases);
    *spec_type = result;
    return result;
}

#else

/* The most derived of `meta` and the bases' metaclasses, as a class statement picks. */
static PyTypeObject *winner(PyTypeObject *meta, PyObject *bases)
{
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(bases); i++) {
        PyTypeObject *other = Py_TYPE(PyTuple_GET_ITEM(bases, i));
        if (PyType_IsSubtype(meta, other))
            continue;
        if (PyType_IsSubtype(other, meta)) {
            meta = other;
            continue;
        }
        PyErr_SetString(PyExc_TypeError,
                        "metaclass conflict: the metaclass of a derived class must be a "
                        "(non-strict) subclass of the metaclasses of all its bases");
        return NULL;
    }
    return meta;
}

/* `__new__` looked up as Python does, since cpyext gives a class defined in Python a
 * tp_new of its own even when it inherits type's. */
static int has_custom_new(PyTypeObject *meta)
{
    PyObject *mine = PyObject_GetAttrString((PyObject *)meta, "__new__");
    if (mine == NULL)
        return -1;
    PyObject *types = PyObject_GetAttrString((PyObject *)&PyType_Type, "__new__");
    if (types == NULL) {
        Py_DECREF(mine);
        return -1;
    }
    int custom = mine != types;
    Py_DECREF(mine);
    Py_DECREF(types);
    return custom;
}

/* type.__new__(meta, name, (spec_type,), namespace): a class statement without the
 * metaclass's own __new__/__init__, like PyType_FromMetaclass. */
static PyObject *subclass_through(PyTypeObject *meta, PyObject *spec_type)
{
    PyObject *ns = PyDict_New();
    PyObject *slots = PyTuple_New(0);
    PyObject *name = PyObject_GetAttrString(spec_type, "__name__");
    PyObject *bases = PyTuple_Pack(1, spec_type);
    PyObject *new = PyObject_GetAttrString((PyObject *)&PyType_Type, "__new__");
    PyObject *result = NULL;
    if (ns == NULL || slots == NULL || name == NULL || bases == NULL || new == NULL)
        goto done;
    /* No __slots__ entry would give the class a __dict__ and __weakref__ the spec did not
     * ask for; the others keep what the spec type has. */
    if (PyDict_SetItemString(ns, "__slots__", slots) < 0)
        goto done;
    static const char *const copied[] = {"__module__", "__qualname__", "__doc__"};
    for (size_t i = 0; i < sizeof copied / sizeof copied[0]; i++) {
        PyObject *value = PyObject_GetAttrString(spec_type, copied[i]);
        if (value == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_AttributeError))
                goto done;
            PyErr_Clear();
            continue;
        }
        int res = PyDict_SetItemString(ns, copied[i], value);
        Py_DECREF(value);
        if (res < 0)
            goto done;
    }
    result = PyObject_CallFunctionObjArgs(new, (PyObject *)meta, name, bases, ns, NULL);

done:
    Py_XDECREF(ns);
    Py_XDECREF(slots);
    Py_XDECREF(name);
    Py_XDECREF(bases);
    Py_XDECREF(new);
    return result;
}

PyObject *handlepy_type_from_cpy_spec(PyType_Spec *spec, PyObject *bases, PyTypeObject *meta,
                                      PyObject **spec_type)
{
    *spec_type = NULL;
    if (meta != NULL) {
        /* There is always a base, and its metaclass derives from type: a metaclass that
         * does not conflicts with it, which is also what 3.12 reports. */
        meta = winner(meta, bases);
        if (meta == NULL)
            return NULL;
        int custom = has_custom_new(meta);
        if (custom < 0)
            return NULL;
        if (custom) {
            PyErr_SetString(PyExc_TypeError, "Metaclasses with custom tp_new are not supported.");
            return NULL;
        }
    }
    if (meta == NULL || meta == &PyType_Type) {
        *spec_type = PyType_FromSpecWithBases(spec, bases);
        return *spec_type;
    }
    /* The public class is the spec type's subclass, so the spec type must allow one; the
     * public class gets the spec's own answer. */
    unsigned int flags = spec->flags;
    spec->flags |= Py_TPFLAGS_BASETYPE;
    PyObject *inner = PyType_FromSpecWithBases(spec, bases);
    spec->flags = flags;
    if (inner == NULL)
        return NULL;
    PyObject *result = subclass_through(meta, inner);
    if (result != NULL && !(flags & Py_TPFLAGS_BASETYPE)) {
        ((PyTypeObject *)result)->tp_flags &= ~Py_TPFLAGS_BASETYPE;
        PyType_Modified((PyTypeObject *)result);
    }
    /* The public class holds the spec type as its base. */
    Py_DECREF(inner);
    *spec_type = result == NULL ? NULL : inner;
    return result;
}

#endif
