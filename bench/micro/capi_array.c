/* capi_array: samples/array/harray.c written by hand on the CPython C API, with the same
 * Python-level behaviour, as the baseline its benchmarks compare against. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <string.h>

/* Py_NewRef is newer than PyPy 3.9's headers. */
static PyObject *new_ref(PyObject *obj)
{
    Py_INCREF(obj);
    return obj;
}

static PyTypeObject Array_Type;
static PyTypeObject ArrayIter_Type;
static PyTypeObject Bag_Type;

/* Every exported buffer's strides point here. */
static Py_ssize_t double_stride = sizeof(double);

/* The position `key` names in a sequence of length n, counting negative keys from the
 * end; -1 with IndexError or TypeError when it names none. */
static int resolve_index(PyObject *key, Py_ssize_t n, const char *not_an_index,
                         const char *out_of_range, Py_ssize_t *out)
{
    if (!PyIndex_Check(key)) {
        PyErr_Format(PyExc_TypeError, not_an_index, Py_TYPE(key)->tp_name);
        return -1;
    }
    Py_ssize_t i = PyNumber_AsSsize_t(key, PyExc_IndexError);
    if (i == -1 && PyErr_Occurred())
        return -1;
    if (i < 0)
        i += n;
    if (i < 0 || i >= n) {
        PyErr_SetString(PyExc_IndexError, out_of_range);
        return -1;
    }
    *out = i;
    return 0;
}

/* ---- Array ------------------------------------------------------------------------ */

typedef struct {
    PyObject_HEAD
    Py_ssize_t n;
    double *data;
} ArrayObject;

#define ARRAY_NOT_AN_INDEX "array indices must be integers or slices, not %s"

static ArrayObject *new_array(Py_ssize_t n)
{
    ArrayObject *a = PyObject_New(ArrayObject, &Array_Type);
    if (a == NULL)
        return NULL;
    a->n = n;
    a->data = calloc(n > 0 ? (size_t)n : 1, sizeof(double));
    if (a->data == NULL) {
        Py_DECREF(a);
        return (ArrayObject *)PyErr_NoMemory();
    }
    return a;
}

static int read_doubles(PyObject *list, double *out, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        out[i] = PyFloat_AsDouble(PyList_GET_ITEM(list, i));
        if (out[i] == -1.0 && PyErr_Occurred())
            return -1;
    }
    return 0;
}

static PyObject *Array_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    (void)type;
    if (kw != NULL && PyDict_GET_SIZE(kw) > 0) {
        PyErr_SetString(PyExc_TypeError, "Array() takes no keyword arguments");
        return NULL;
    }
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    if (nargs > 1) {
        PyErr_Format(PyExc_TypeError, "Array() takes at most 1 argument (%zd given)", nargs);
        return NULL;
    }
    if (nargs == 0)
        return (PyObject *)new_array(0);
    PyObject *list = PySequence_List(PyTuple_GET_ITEM(args, 0));
    if (list == NULL)
        return NULL;
    ArrayObject *a = new_array(PyList_GET_SIZE(list));
    if (a != NULL && read_doubles(list, a->data, a->n) < 0)
        Py_CLEAR(a);
    Py_DECREF(list);
    return (PyObject *)a;
}

static void Array_dealloc(ArrayObject *a)
{
    free(a->data);
    PyObject_Free(a);
}

static Py_ssize_t Array_len(ArrayObject *a)
{
    return a->n;
}

static PyObject *Array_getitem(ArrayObject *a, PyObject *key)
{
    if (PySlice_Check(key)) {
        Py_ssize_t start, stop, step;
        if (PySlice_Unpack(key, &start, &stop, &step) < 0)
            return NULL;
        Py_ssize_t n = PySlice_AdjustIndices(a->n, &start, &stop, step);
        ArrayObject *r = new_array(n);
        if (r == NULL)
            return NULL;
        for (Py_ssize_t k = 0; k < n; k++)
            r->data[k] = a->data[start + k * step];
        return (PyObject *)r;
    }
    Py_ssize_t i;
    if (resolve_index(key, a->n, ARRAY_NOT_AN_INDEX, "array index out of range", &i) < 0)
        return NULL;
    return PyFloat_FromDouble(a->data[i]);
}

static int Array_assign_slice(ArrayObject *a, PyObject *slice, PyObject *value)
{
    Py_ssize_t start, stop, step;
    if (PySlice_Unpack(slice, &start, &stop, &step) < 0)
        return -1;
    Py_ssize_t n = PySlice_AdjustIndices(a->n, &start, &stop, step);
    PyObject *list = PySequence_List(value);
    if (list == NULL)
        return -1;
    int res = -1;
    double *values = NULL;
    if (PyList_GET_SIZE(list) != n) {
        PyErr_Format(PyExc_ValueError,
                     "attempt to assign sequence of size %zd to slice of size %zd",
                     PyList_GET_SIZE(list), n);
    } else {
        values = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
        if (values == NULL)
            PyErr_NoMemory();
        else if (read_doubles(list, values, n) == 0)
            res = 0;
    }
    Py_DECREF(list);
    for (Py_ssize_t k = 0; res == 0 && k < n; k++)
        a->data[start + k * step] = values[k];
    free(values);
    return res;
}

static int Array_setitem(ArrayObject *a, PyObject *key, PyObject *value)
{
    if (value == NULL) {
        PyErr_Format(PyExc_TypeError, "'%s' object doesn't support item deletion",
                     Py_TYPE(a)->tp_name);
        return -1;
    }
    if (PySlice_Check(key))
        return Array_assign_slice(a, key, value);
    Py_ssize_t i;
    if (resolve_index(key, a->n, ARRAY_NOT_AN_INDEX, "array assignment index out of range",
                      &i) < 0)
        return -1;
    double v = PyFloat_AsDouble(value);
    if (v == -1.0 && PyErr_Occurred())
        return -1;
    a->data[i] = v;
    return 0;
}

typedef double (*binary_op)(double, double);

static double add(double x, double y) { return x + y; }
static double subtract(double x, double y) { return x - y; }
static double multiply(double x, double y) { return x * y; }

typedef struct {
    const double *data;
    Py_ssize_t n;
    double scalar;
} operand;

static int read_operand(PyObject *h, operand *op)
{
    if (PyObject_TypeCheck(h, &Array_Type)) {
        ArrayObject *a = (ArrayObject *)h;
        *op = (operand){a->data, a->n, 0.0};
        return 1;
    }
    if (!PyFloat_Check(h) && !PyLong_Check(h))
        return 0;
    *op = (operand){NULL, -1, PyFloat_AsDouble(h)};
    return op->scalar == -1.0 && PyErr_Occurred() ? -1 : 1;
}

static PyObject *binary(PyObject *left, PyObject *right, binary_op f)
{
    operand l = {0}, r = {0};
    int ok = read_operand(left, &l);
    if (ok > 0)
        ok = read_operand(right, &r);
    if (ok < 0)
        return NULL;
    if (ok == 0)
        Py_RETURN_NOTIMPLEMENTED;
    if (l.data != NULL && r.data != NULL && l.n != r.n) {
        PyErr_Format(PyExc_ValueError, "operands have different lengths (%zd and %zd)",
                     l.n, r.n);
        return NULL;
    }
    ArrayObject *res = new_array(l.data != NULL ? l.n : r.n);
    if (res == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < res->n; i++)
        res->data[i] = f(l.data != NULL ? l.data[i] : l.scalar,
                         r.data != NULL ? r.data[i] : r.scalar);
    return (PyObject *)res;
}

static PyObject *Array_add(PyObject *l, PyObject *r) { return binary(l, r, add); }
static PyObject *Array_subtract(PyObject *l, PyObject *r) { return binary(l, r, subtract); }
static PyObject *Array_multiply(PyObject *l, PyObject *r) { return binary(l, r, multiply); }

static PyObject *unary(ArrayObject *a, double (*f)(double))
{
    ArrayObject *r = new_array(a->n);
    if (r == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < a->n; i++)
        r->data[i] = f(a->data[i]);
    return (PyObject *)r;
}

static double negate(double x) { return -x; }

static PyObject *Array_negative(ArrayObject *a) { return unary(a, negate); }
static PyObject *Array_absolute(ArrayObject *a) { return unary(a, fabs); }

static PyObject *Array_richcompare(ArrayObject *a, PyObject *other, int op)
{
    if ((op != Py_EQ && op != Py_NE) || !PyObject_TypeCheck(other, &Array_Type))
        Py_RETURN_NOTIMPLEMENTED;
    ArrayObject *b = (ArrayObject *)other;
    int equal = a->n == b->n;
    for (Py_ssize_t i = 0; equal && i < a->n; i++)
        equal = a->data[i] == b->data[i];
    return PyBool_FromLong(op == Py_EQ ? equal : !equal);
}

static PyObject *Array_sum(ArrayObject *a, PyObject *unused)
{
    (void)unused;
    double total = 0.0;
    for (Py_ssize_t i = 0; i < a->n; i++)
        total += a->data[i];
    return PyFloat_FromDouble(total);
}

static PyObject *Array_tolist(ArrayObject *a, PyObject *unused)
{
    (void)unused;
    PyObject *list = PyList_New(a->n);
    if (list == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < a->n; i++) {
        PyObject *item = PyFloat_FromDouble(a->data[i]);
        if (item == NULL) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, i, item);
    }
    return list;
}

static PyObject *Array_repr(ArrayObject *a)
{
    PyObject *list = Array_tolist(a, NULL);
    if (list == NULL)
        return NULL;
    PyObject *result = PyUnicode_FromFormat("Array(%R)", list);
    Py_DECREF(list);
    return result;
}

static int Array_getbuffer(ArrayObject *a, Py_buffer *view, int flags)
{
    view->buf = a->data;
    view->obj = new_ref((PyObject *)a);
    view->len = a->n * (Py_ssize_t)sizeof(double);
    view->itemsize = sizeof(double);
    view->readonly = 0;
    view->ndim = 1;
    view->format = (flags & PyBUF_FORMAT) ? "d" : NULL;
    view->shape = (flags & PyBUF_ND) ? &a->n : NULL;
    view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? &double_stride : NULL;
    view->suboffsets = NULL;
    view->internal = NULL;
    return 0;
}

/* ---- iteration -------------------------------------------------------------------- */

typedef struct {
    PyObject_HEAD
    ArrayObject *array;
    Py_ssize_t index;
} ArrayIterObject;

static PyObject *Array_iter(ArrayObject *a)
{
    ArrayIterObject *it = PyObject_GC_New(ArrayIterObject, &ArrayIter_Type);
    if (it == NULL)
        return NULL;
    it->array = (ArrayObject *)new_ref((PyObject *)a);
    it->index = 0;
    PyObject_GC_Track(it);
    return (PyObject *)it;
}

static PyObject *ArrayIter_next(ArrayIterObject *it)
{
    ArrayObject *a = it->array;
    if (a == NULL)
        return NULL;
    if (it->index < a->n)
        return PyFloat_FromDouble(a->data[it->index++]);
    Py_CLEAR(it->array);
    return NULL;
}

static int ArrayIter_traverse(ArrayIterObject *it, visitproc visit, void *arg)
{
    Py_VISIT(it->array);
    return 0;
}

static void ArrayIter_dealloc(ArrayIterObject *it)
{
    PyObject_GC_UnTrack(it);
    Py_XDECREF(it->array);
    PyObject_GC_Del(it);
}

/* ---- Bag -------------------------------------------------------------------------- */

#define BAG_CAPACITY 8

typedef struct {
    PyObject_HEAD
    Py_ssize_t len;
    PyObject *items[BAG_CAPACITY];
} BagObject;

static int bag_add(BagObject *b, PyObject *item)
{
    if (b->len == BAG_CAPACITY) {
        PyErr_Format(PyExc_ValueError, "Bag is full: it holds at most %d items", BAG_CAPACITY);
        return -1;
    }
    b->items[b->len++] = new_ref(item);
    return 0;
}

static PyObject *Bag_new(PyTypeObject *type, PyObject *args, PyObject *kw)
{
    if (kw != NULL && PyDict_GET_SIZE(kw) > 0) {
        PyErr_SetString(PyExc_TypeError, "Bag() takes no keyword arguments");
        return NULL;
    }
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    if (nargs > 1) {
        PyErr_Format(PyExc_TypeError, "Bag() takes at most 1 argument (%zd given)", nargs);
        return NULL;
    }
    BagObject *b = (BagObject *)type->tp_alloc(type, 0);
    if (b == NULL || nargs == 0)
        return (PyObject *)b;
    PyObject *list = PySequence_List(PyTuple_GET_ITEM(args, 0));
    int failed = list == NULL;
    for (Py_ssize_t i = 0; !failed && i < PyList_GET_SIZE(list); i++)
        failed = bag_add(b, PyList_GET_ITEM(list, i)) < 0;
    Py_XDECREF(list);
    if (failed)
        Py_CLEAR(b);
    return (PyObject *)b;
}

static PyObject *Bag_add(BagObject *b, PyObject *item)
{
    if (bag_add(b, item) < 0)
        return NULL;
    Py_RETURN_NONE;
}

static int Bag_clear(BagObject *b)
{
    for (Py_ssize_t i = 0; i < BAG_CAPACITY; i++)
        Py_CLEAR(b->items[i]);
    return 0;
}

static PyObject *Bag_clear_method(BagObject *b, PyObject *unused)
{
    (void)unused;
    Bag_clear(b);
    b->len = 0;
    Py_RETURN_NONE;
}

static Py_ssize_t Bag_len(BagObject *b)
{
    return b->len;
}

static PyObject *load_item(BagObject *b, Py_ssize_t i)
{
    return new_ref(b->items[i] != NULL ? b->items[i] : Py_None);
}

static PyObject *Bag_getitem(BagObject *b, PyObject *key)
{
    Py_ssize_t i;
    if (resolve_index(key, b->len, "Bag indices must be integers, not %s",
                      "Bag index out of range", &i) < 0)
        return NULL;
    return load_item(b, i);
}

static PyObject *Bag_iter(BagObject *b)
{
    PyObject *snapshot = PyTuple_New(b->len);
    if (snapshot == NULL)
        return NULL;
    for (Py_ssize_t i = 0; i < b->len; i++)
        PyTuple_SET_ITEM(snapshot, i, load_item(b, i));
    PyObject *it = PyObject_GetIter(snapshot);
    Py_DECREF(snapshot);
    return it;
}

static int Bag_contains(BagObject *b, PyObject *value)
{
    for (Py_ssize_t i = 0; i < b->len; i++) {
        if (b->items[i] == NULL)
            continue;
        int res = PyObject_RichCompareBool(b->items[i], value, Py_EQ);
        if (res != 0)
            return res;
    }
    return 0;
}

static int Bag_traverse(BagObject *b, visitproc visit, void *arg)
{
    for (Py_ssize_t i = 0; i < BAG_CAPACITY; i++)
        Py_VISIT(b->items[i]);
    return 0;
}

static void Bag_dealloc(BagObject *b)
{
    PyObject_GC_UnTrack(b);
    Bag_clear(b);
    Py_TYPE(b)->tp_free(b);
}

/* ---- the module ------------------------------------------------------------------- */

static PyObject *zeros(PyObject *module, PyObject *count)
{
    (void)module;
    PyObject *index = PyNumber_Index(count);
    if (index == NULL)
        return NULL;
    Py_ssize_t n = PyLong_AsSsize_t(index);
    Py_DECREF(index);
    if (n == -1 && PyErr_Occurred())
        return NULL;
    if (n < 0) {
        PyErr_SetString(PyExc_ValueError, "zeros() needs a count >= 0");
        return NULL;
    }
    return (PyObject *)new_array(n);
}

static PyMappingMethods Array_as_mapping = {
    .mp_length = (lenfunc)Array_len,
    .mp_subscript = (binaryfunc)Array_getitem,
    .mp_ass_subscript = (objobjargproc)Array_setitem,
};

static PyNumberMethods Array_as_number = {
    .nb_add = Array_add,
    .nb_subtract = Array_subtract,
    .nb_multiply = Array_multiply,
    .nb_negative = (unaryfunc)Array_negative,
    .nb_absolute = (unaryfunc)Array_absolute,
};

static PyBufferProcs Array_as_buffer = {
    .bf_getbuffer = (getbufferproc)Array_getbuffer,
};

static PyMethodDef Array_methods[] = {
    {"sum", (PyCFunction)Array_sum, METH_NOARGS, "sum() -> float: the sum of the items"},
    {"tolist", (PyCFunction)Array_tolist, METH_NOARGS, "tolist() -> list of floats"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject Array_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "capi_array.Array",
    .tp_basicsize = sizeof(ArrayObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Array(iterable=()): a fixed-length array of C doubles.",
    .tp_new = Array_new,
    .tp_dealloc = (destructor)Array_dealloc,
    .tp_repr = (reprfunc)Array_repr,
    .tp_richcompare = (richcmpfunc)Array_richcompare,
    .tp_hash = PyObject_HashNotImplemented,
    .tp_iter = (getiterfunc)Array_iter,
    .tp_as_mapping = &Array_as_mapping,
    .tp_as_number = &Array_as_number,
    .tp_as_buffer = &Array_as_buffer,
    .tp_methods = Array_methods,
};

static PyTypeObject ArrayIter_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "capi_array.ArrayIterator",
    .tp_basicsize = sizeof(ArrayIterObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_dealloc = (destructor)ArrayIter_dealloc,
    .tp_traverse = (traverseproc)ArrayIter_traverse,
    .tp_iter = PyObject_SelfIter,
    .tp_iternext = (iternextfunc)ArrayIter_next,
};

static PyMappingMethods Bag_as_mapping = {
    .mp_length = (lenfunc)Bag_len,
    .mp_subscript = (binaryfunc)Bag_getitem,
};

static PySequenceMethods Bag_as_sequence = {
    .sq_contains = (objobjproc)Bag_contains,
};

static PyMethodDef Bag_methods[] = {
    {"add", (PyCFunction)Bag_add, METH_O, "add(obj): put obj in the bag"},
    {"clear", (PyCFunction)Bag_clear_method, METH_NOARGS, "clear(): empty the bag"},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject Bag_Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "capi_array.Bag",
    .tp_basicsize = sizeof(BagObject),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_doc = "Bag(iterable=()): up to 8 Python objects, in fields the collector sees.",
    .tp_new = Bag_new,
    .tp_dealloc = (destructor)Bag_dealloc,
    .tp_traverse = (traverseproc)Bag_traverse,
    .tp_clear = (inquiry)Bag_clear,
    .tp_iter = (getiterfunc)Bag_iter,
    .tp_as_mapping = &Bag_as_mapping,
    .tp_as_sequence = &Bag_as_sequence,
    .tp_methods = Bag_methods,
};

static PyMethodDef module_methods[] = {
    {"zeros", zeros, METH_O, "zeros(n) -> Array of n zeros"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef capi_array_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = "capi_array",
    .m_doc = "harray's twin, written on the CPython C API.",
    .m_size = -1,
    .m_methods = module_methods,
};

PyMODINIT_FUNC PyInit_capi_array(void)
{
    if (PyType_Ready(&Array_Type) < 0 || PyType_Ready(&ArrayIter_Type) < 0 ||
        PyType_Ready(&Bag_Type) < 0)
        return NULL;
    PyObject *m = PyModule_Create(&capi_array_def);
    if (m == NULL)
        return NULL;
    if (PyModule_AddObject(m, "Array", new_ref((PyObject *)&Array_Type)) < 0) {
        Py_DECREF(&Array_Type);
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddObject(m, "Bag", new_ref((PyObject *)&Bag_Type)) < 0) {
        Py_DECREF(&Bag_Type);
        Py_DECREF(m);
        return NULL;
    }
    if (PyModule_AddStringConstant(m, "abi", "capi") < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
