/* harray: a numeric array of C doubles and a garbage-collected bag of Python objects,
 * written once against hpy.h. It builds as a universal binary (harray.handlepy.so) or
 * as a CPython-backend extension; bench/micro/capi_array.c is the same module written
 * on the C API. */
#include "hpy.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Types are made when the module is executed; operations that return a new Array or
 * iterator find them here. */
static HPyGlobal Array_type;
static HPyGlobal ArrayIter_type;

/* Buffer request flags (PEP 3118): hpy.h does not name them, the values are fixed. */
enum { BUF_FORMAT = 0x4, BUF_ND = 0x8, BUF_STRIDES = 0x10 | BUF_ND };

/* Every exported buffer's strides point here. */
static HPy_ssize_t double_stride = sizeof(double);

/* Sets TypeError with a message that names the type of `obj` through its %s. */
static void type_error_naming(HPyContext *ctx, const char *fmt, HPy obj)
{
    HPy type = HPy_Type(ctx, obj);
    const char *name = HPyType_GetName(ctx, type);
    char msg[256];
    snprintf(msg, sizeof msg, fmt, name ? name : "?");
    HPy_Close(ctx, type);
    HPyErr_SetString(ctx, ctx->h_TypeError, msg);
}

/* The position `key` names in a sequence of length n, counting negative keys from the
 * end; -1 with IndexError (worded `out_of_range`) or TypeError (worded `not_an_index`,
 * whose %s gets the key's type) when it names none. */
static int resolve_index(HPyContext *ctx, HPy key, HPy_ssize_t n, const char *not_an_index,
                         const char *out_of_range, HPy_ssize_t *out)
{
    HPy index = HPy_Index(ctx, key);
    if (HPy_IsNull(index)) {
        if (HPyErr_ExceptionMatches(ctx, ctx->h_TypeError)) {
            HPyErr_Clear(ctx);
            type_error_naming(ctx, not_an_index, key);
        }
        return -1;
    }
    HPy_ssize_t i = HPyLong_AsSsize_t(ctx, index);
    HPy_Close(ctx, index);
    if (i == -1 && HPyErr_Occurred(ctx)) {
        /* Like CPython's sequences: an index too big for a C integer is out of range. */
        if (HPyErr_ExceptionMatches(ctx, ctx->h_OverflowError)) {
            HPyErr_Clear(ctx);
            HPyErr_SetString(ctx, ctx->h_IndexError,
                             "cannot fit 'int' into an index-sized integer");
        }
        return -1;
    }
    if (i < 0)
        i += n;
    if (i < 0 || i >= n) {
        HPyErr_SetString(ctx, ctx->h_IndexError, out_of_range);
        return -1;
    }
    *out = i;
    return 0;
}

/* ---- Array ------------------------------------------------------------------------ */

typedef struct {
    HPy_ssize_t n;
    /* Never reallocated: the length is fixed, so exported buffers stay valid. */
    double *data;
} ArrayObject;
HPyType_HELPERS(ArrayObject)

#define ARRAY_NOT_AN_INDEX "array indices must be integers or slices, not %s"

static HPy new_array(HPyContext *ctx, HPy_ssize_t n, ArrayObject **out)
{
    HPy type = HPyGlobal_Load(ctx, Array_type);
    ArrayObject *a;
    HPy h = HPy_New(ctx, type, &a);
    HPy_Close(ctx, type);
    if (HPy_IsNull(h))
        return h;
    /* One element at least, so that an empty array still has a buffer address. */
    a->data = calloc(n > 0 ? (size_t)n : 1, sizeof(double));
    if (a->data == NULL) {
        HPy_Close(ctx, h);
        return HPyErr_NoMemory(ctx);
    }
    a->n = n;
    *out = a;
    return h;
}

static int is_array(HPyContext *ctx, HPy h)
{
    HPy type = HPyGlobal_Load(ctx, Array_type);
    int res = HPy_TypeCheck(ctx, h, type);
    HPy_Close(ctx, type);
    return res;
}

/* list(iterable), so that any iterable is read the same way with its length known. */
static HPy as_list(HPyContext *ctx, HPy iterable)
{
    return HPy_Call(ctx, ctx->h_ListType, &iterable, 1, HPy_NULL);
}

/* Items read from a list per HPySequence_GetItems call: each read and each close is then
 * one call per CHUNK items, not one per item. */
#define CHUNK 64

/* Converts the n items of `list` into `out`; -1 with an exception. */
static int read_doubles(HPyContext *ctx, HPy list, double *out, HPy_ssize_t n)
{
    HPy items[CHUNK];
    for (HPy_ssize_t i = 0; i < n; i += CHUNK) {
        HPy_ssize_t count = n - i < CHUNK ? n - i : CHUNK;
        if (HPySequence_GetItems(ctx, list, i, count, items) < 0)
            return -1;
        HPy_ssize_t k = 0;
        for (; k < count; k++) {
            out[i + k] = HPyFloat_AsDouble(ctx, items[k]);
            if (out[i + k] == -1.0 && HPyErr_Occurred(ctx))
                break;
        }
        HPy_CloseMany(ctx, items, count);
        if (k < count)
            return -1;
    }
    return 0;
}

HPyDef_SLOT(Array_new, HPy_tp_new)
static HPy Array_new_impl(HPyContext *ctx, HPy type, const HPy *args, HPy_ssize_t nargs,
                          HPy kw)
{
    (void)type;
    if (!HPy_IsNull(kw) && HPy_Length(ctx, kw) > 0)
        return HPyErr_SetString(ctx, ctx->h_TypeError, "Array() takes no keyword arguments");
    if (nargs > 1) {
        char msg[80];
        snprintf(msg, sizeof msg, "Array() takes at most 1 argument (%ld given)", (long)nargs);
        return HPyErr_SetString(ctx, ctx->h_TypeError, msg);
    }
    if (nargs == 0) {
        ArrayObject *a;
        return new_array(ctx, 0, &a);
    }
    HPy list = as_list(ctx, args[0]);
    if (HPy_IsNull(list))
        return HPy_NULL;
    HPy_ssize_t n = HPy_Length(ctx, list);
    ArrayObject *a = NULL;
    HPy result = n < 0 ? HPy_NULL : new_array(ctx, n, &a);
    if (!HPy_IsNull(result) && read_doubles(ctx, list, a->data, n) < 0) {
        HPy_Close(ctx, result);
        result = HPy_NULL;
    }
    HPy_Close(ctx, list);
    return result;
}

HPyDef_SLOT(Array_destroy, HPy_tp_destroy)
static void Array_destroy_impl(void *obj)
{
    free(((ArrayObject *)obj)->data);
}

HPyDef_SLOT(Array_len, HPy_mp_length)
static HPy_ssize_t Array_len_impl(HPyContext *ctx, HPy self)
{
    return ArrayObject_AsStruct(ctx, self)->n;
}

static HPy array_slice(HPyContext *ctx, ArrayObject *a, HPy slice)
{
    HPy_ssize_t start, stop, step;
    if (HPySlice_Unpack(ctx, slice, &start, &stop, &step) < 0)
        return HPy_NULL;
    HPy_ssize_t n = HPySlice_AdjustIndices(ctx, a->n, &start, &stop, step);
    ArrayObject *r;
    HPy result = new_array(ctx, n, &r);
    if (HPy_IsNull(result))
        return result;
    for (HPy_ssize_t k = 0; k < n; k++)
        r->data[k] = a->data[start + k * step];
    return result;
}

HPyDef_SLOT(Array_getitem, HPy_mp_subscript)
static HPy Array_getitem_impl(HPyContext *ctx, HPy self, HPy key)
{
    ArrayObject *a = ArrayObject_AsStruct(ctx, self);
    if (HPy_TypeCheck(ctx, key, ctx->h_SliceType))
        return array_slice(ctx, a, key);
    HPy_ssize_t i;
    if (resolve_index(ctx, key, a->n, ARRAY_NOT_AN_INDEX, "array index out of range", &i) < 0)
        return HPy_NULL;
    return HPyFloat_FromDouble(ctx, a->data[i]);
}

static int array_assign_slice(HPyContext *ctx, ArrayObject *a, HPy slice, HPy value)
{
    HPy_ssize_t start, stop, step;
    if (HPySlice_Unpack(ctx, slice, &start, &stop, &step) < 0)
        return -1;
    HPy_ssize_t n = HPySlice_AdjustIndices(ctx, a->n, &start, &stop, step);
    /* Read everything before writing anything: a bad item leaves the array as it was. */
    HPy list = as_list(ctx, value);
    if (HPy_IsNull(list))
        return -1;
    HPy_ssize_t given = HPy_Length(ctx, list);
    int res = -1;
    double *values = NULL;
    if (given >= 0 && given != n) {
        char msg[128];
        snprintf(msg, sizeof msg, "attempt to assign sequence of size %ld to slice of size %ld",
                 (long)given, (long)n);
        HPyErr_SetString(ctx, ctx->h_ValueError, msg);
    } else if (given >= 0) {
        values = malloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
        if (values == NULL)
            HPyErr_NoMemory(ctx);
        else if (read_doubles(ctx, list, values, n) == 0)
            res = 0;
    }
    HPy_Close(ctx, list);
    for (HPy_ssize_t k = 0; res == 0 && k < n; k++)
        a->data[start + k * step] = values[k];
    free(values);
    return res;
}

HPyDef_SLOT(Array_setitem, HPy_mp_ass_subscript)
static int Array_setitem_impl(HPyContext *ctx, HPy self, HPy key, HPy value)
{
    if (HPy_IsNull(value)) {
        type_error_naming(ctx, "'%s' object doesn't support item deletion", self);
        return -1;
    }
    ArrayObject *a = ArrayObject_AsStruct(ctx, self);
    if (HPy_TypeCheck(ctx, key, ctx->h_SliceType))
        return array_assign_slice(ctx, a, key, value);
    HPy_ssize_t i;
    if (resolve_index(ctx, key, a->n, ARRAY_NOT_AN_INDEX,
                      "array assignment index out of range", &i) < 0)
        return -1;
    double v = HPyFloat_AsDouble(ctx, value);
    if (v == -1.0 && HPyErr_Occurred(ctx))
        return -1;
    a->data[i] = v;
    return 0;
}

/* ---- arithmetic ------------------------------------------------------------------- */

typedef double (*binary_op)(double, double);

static double add(double x, double y) { return x + y; }
static double subtract(double x, double y) { return x - y; }
static double multiply(double x, double y) { return x * y; }

/* One operand of a binary operation: an Array, or a scalar repeated along it. */
typedef struct {
    const double *data;
    HPy_ssize_t n;
    double scalar;
} operand;

/* 1 when `h` is an Array or a real number, 0 when it is neither, -1 with an exception. */
static int read_operand(HPyContext *ctx, HPy h, operand *op)
{
    if (is_array(ctx, h)) {
        ArrayObject *a = ArrayObject_AsStruct(ctx, h);
        *op = (operand){a->data, a->n, 0.0};
        return 1;
    }
    /* One call answers for the exact types; only their subclasses need the checks. */
    HPyKind kind = HPy_BuiltinKind(ctx, h);
    if (kind != HPyKind_Float && kind != HPyKind_Long && kind != HPyKind_Bool &&
        !HPyFloat_Check(ctx, h) && !HPyLong_Check(ctx, h))
        return 0;
    *op = (operand){NULL, -1, HPyFloat_AsDouble(ctx, h)};
    return op->scalar == -1.0 && HPyErr_Occurred(ctx) ? -1 : 1;
}

/* Either operand may be the Array: `2 * a` reaches the same slot as `a * 2`. */
static HPy binary(HPyContext *ctx, HPy left, HPy right, binary_op f)
{
    operand l = {0}, r = {0};
    int ok = read_operand(ctx, left, &l);
    if (ok > 0)
        ok = read_operand(ctx, right, &r);
    if (ok < 0)
        return HPy_NULL;
    if (ok == 0)
        return HPy_Dup(ctx, ctx->h_NotImplemented);
    if (l.data != NULL && r.data != NULL && l.n != r.n) {
        char msg[96];
        snprintf(msg, sizeof msg, "operands have different lengths (%ld and %ld)",
                 (long)l.n, (long)r.n);
        return HPyErr_SetString(ctx, ctx->h_ValueError, msg);
    }
    ArrayObject *res;
    HPy result = new_array(ctx, l.data != NULL ? l.n : r.n, &res);
    if (HPy_IsNull(result))
        return result;
    for (HPy_ssize_t i = 0; i < res->n; i++)
        res->data[i] = f(l.data != NULL ? l.data[i] : l.scalar,
                         r.data != NULL ? r.data[i] : r.scalar);
    return result;
}

HPyDef_SLOT(Array_add, HPy_nb_add)
static HPy Array_add_impl(HPyContext *ctx, HPy left, HPy right)
{
    return binary(ctx, left, right, add);
}

HPyDef_SLOT(Array_subtract, HPy_nb_subtract)
static HPy Array_subtract_impl(HPyContext *ctx, HPy left, HPy right)
{
    return binary(ctx, left, right, subtract);
}

HPyDef_SLOT(Array_multiply, HPy_nb_multiply)
static HPy Array_multiply_impl(HPyContext *ctx, HPy left, HPy right)
{
    return binary(ctx, left, right, multiply);
}

static HPy unary(HPyContext *ctx, HPy self, double (*f)(double))
{
    ArrayObject *a = ArrayObject_AsStruct(ctx, self), *r;
    HPy result = new_array(ctx, a->n, &r);
    if (HPy_IsNull(result))
        return result;
    for (HPy_ssize_t i = 0; i < a->n; i++)
        r->data[i] = f(a->data[i]);
    return result;
}

static double negate(double x) { return -x; }

HPyDef_SLOT(Array_negative, HPy_nb_negative)
static HPy Array_negative_impl(HPyContext *ctx, HPy self)
{
    return unary(ctx, self, negate);
}

HPyDef_SLOT(Array_absolute, HPy_nb_absolute)
static HPy Array_absolute_impl(HPyContext *ctx, HPy self)
{
    return unary(ctx, self, fabs);
}

HPyDef_SLOT(Array_richcompare, HPy_tp_richcompare)
static HPy Array_richcompare_impl(HPyContext *ctx, HPy self, HPy other, HPy_RichCmpOp op)
{
    if ((op != HPy_EQ && op != HPy_NE) || !is_array(ctx, other))
        return HPy_Dup(ctx, ctx->h_NotImplemented);
    ArrayObject *a = ArrayObject_AsStruct(ctx, self), *b = ArrayObject_AsStruct(ctx, other);
    int equal = a->n == b->n;
    for (HPy_ssize_t i = 0; equal && i < a->n; i++)
        equal = a->data[i] == b->data[i];
    return HPyBool_FromBool(ctx, op == HPy_EQ ? equal : !equal);
}

/* ---- methods, repr, buffer -------------------------------------------------------- */

HPyDef_METH(Array_sum, "sum", HPyFunc_NOARGS, .doc = "sum() -> float: the sum of the items")
static HPy Array_sum_impl(HPyContext *ctx, HPy self)
{
    ArrayObject *a = ArrayObject_AsStruct(ctx, self);
    double total = 0.0;
    for (HPy_ssize_t i = 0; i < a->n; i++)
        total += a->data[i];
    return HPyFloat_FromDouble(ctx, total);
}

HPyDef_METH(Array_tolist, "tolist", HPyFunc_NOARGS, .doc = "tolist() -> list of floats")
static HPy Array_tolist_impl(HPyContext *ctx, HPy self)
{
    ArrayObject *a = ArrayObject_AsStruct(ctx, self);
    HPyListBuilder builder = HPyListBuilder_New(ctx, a->n);
    if (HPyErr_Occurred(ctx))
        return HPy_NULL;
    for (HPy_ssize_t i = 0; i < a->n; i++) {
        HPy item = HPyFloat_FromDouble(ctx, a->data[i]);
        if (HPy_IsNull(item)) {
            HPyListBuilder_Cancel(ctx, builder);
            return HPy_NULL;
        }
        HPyListBuilder_Set(ctx, builder, i, item);
        HPy_Close(ctx, item);
    }
    return HPyListBuilder_Build(ctx, builder);
}

HPyDef_SLOT(Array_repr, HPy_tp_repr)
static HPy Array_repr_impl(HPyContext *ctx, HPy self)
{
    HPy list = Array_tolist_impl(ctx, self);
    if (HPy_IsNull(list))
        return list;
    HPy items = HPy_Repr(ctx, list);
    HPy_Close(ctx, list);
    if (HPy_IsNull(items))
        return items;
    HPy_ssize_t size;
    const char *utf8 = HPyUnicode_AsUTF8AndSize(ctx, items, &size);
    HPy result = HPy_NULL;
    char *text = utf8 == NULL ? NULL : malloc((size_t)size + sizeof "Array()");
    if (utf8 != NULL && text == NULL)
        HPyErr_NoMemory(ctx);
    if (text != NULL) {
        memcpy(text, "Array(", 6);
        memcpy(text + 6, utf8, (size_t)size);
        text[6 + size] = ')';
        result = HPyUnicode_FromStringAndSize(ctx, text, size + 7);
        free(text);
    }
    HPy_Close(ctx, items);
    return result;
}

HPyDef_SLOT(Array_getbuffer, HPy_bf_getbuffer)
static int Array_getbuffer_impl(HPyContext *ctx, HPy self, HPy_buffer *view, int flags)
{
    ArrayObject *a = ArrayObject_AsStruct(ctx, self);
    view->buf = a->data;
    view->obj = HPy_Dup(ctx, self);
    view->len = a->n * (HPy_ssize_t)sizeof(double);
    view->itemsize = sizeof(double);
    view->readonly = 0;
    view->ndim = 1;
    view->format = (flags & BUF_FORMAT) ? "d" : NULL;
    view->shape = (flags & BUF_ND) ? &a->n : NULL;
    view->strides = (flags & BUF_STRIDES) == BUF_STRIDES ? &double_stride : NULL;
    view->suboffsets = NULL;
    view->internal = NULL;
    return 0;
}

/* ---- iteration -------------------------------------------------------------------- */

typedef struct {
    /* Emptied when the iteration ends, like CPython's own iterators do. */
    HPyField array;
    HPy_ssize_t index;
} ArrayIterObject;
HPyType_HELPERS(ArrayIterObject)

HPyDef_SLOT(Array_iter, HPy_tp_iter)
static HPy Array_iter_impl(HPyContext *ctx, HPy self)
{
    HPy type = HPyGlobal_Load(ctx, ArrayIter_type);
    ArrayIterObject *it;
    HPy h = HPy_New(ctx, type, &it);
    HPy_Close(ctx, type);
    if (!HPy_IsNull(h))
        HPyField_Store(ctx, h, &it->array, self);
    return h;
}

HPyDef_SLOT(ArrayIter_iter, HPy_tp_iter)
static HPy ArrayIter_iter_impl(HPyContext *ctx, HPy self)
{
    return HPy_Dup(ctx, self);
}

HPyDef_SLOT(ArrayIter_next, HPy_tp_iternext)
static HPy ArrayIter_next_impl(HPyContext *ctx, HPy self)
{
    ArrayIterObject *it = ArrayIterObject_AsStruct(ctx, self);
    HPy array = HPyField_Load(ctx, self, it->array);
    if (HPy_IsNull(array))
        return HPy_NULL;
    ArrayObject *a = ArrayObject_AsStruct(ctx, array);
    HPy result = HPy_NULL;
    if (it->index < a->n)
        result = HPyFloat_FromDouble(ctx, a->data[it->index++]);
    else
        HPyField_Store(ctx, self, &it->array, HPy_NULL);
    HPy_Close(ctx, array);
    return result;
}

HPyDef_SLOT(ArrayIter_traverse, HPy_tp_traverse)
static int ArrayIter_traverse_impl(void *obj, HPyFunc_visitproc visit, void *arg)
{
    HPy_VISIT(&((ArrayIterObject *)obj)->array);
    return 0;
}

/* ---- Bag -------------------------------------------------------------------------- */

#define BAG_CAPACITY 8

/* The items live in fields inside the object; tp_traverse reports them to the garbage
 * collector, so a Bag that holds itself is freed once nothing else refers to it. */
typedef struct {
    HPy_ssize_t len;
    HPyField items[BAG_CAPACITY];
} BagObject;
HPyType_HELPERS(BagObject)

static int bag_add(HPyContext *ctx, HPy self, HPy item)
{
    BagObject *b = BagObject_AsStruct(ctx, self);
    if (b->len == BAG_CAPACITY) {
        char msg[64];
        snprintf(msg, sizeof msg, "Bag is full: it holds at most %d items", BAG_CAPACITY);
        HPyErr_SetString(ctx, ctx->h_ValueError, msg);
        return -1;
    }
    HPyField_Store(ctx, self, &b->items[b->len++], item);
    return 0;
}

HPyDef_SLOT(Bag_new, HPy_tp_new)
static HPy Bag_new_impl(HPyContext *ctx, HPy type, const HPy *args, HPy_ssize_t nargs, HPy kw)
{
    if (!HPy_IsNull(kw) && HPy_Length(ctx, kw) > 0)
        return HPyErr_SetString(ctx, ctx->h_TypeError, "Bag() takes no keyword arguments");
    if (nargs > 1) {
        char msg[80];
        snprintf(msg, sizeof msg, "Bag() takes at most 1 argument (%ld given)", (long)nargs);
        return HPyErr_SetString(ctx, ctx->h_TypeError, msg);
    }
    BagObject *b;
    HPy self = HPy_New(ctx, type, &b);
    if (HPy_IsNull(self) || nargs == 0)
        return self;
    HPy list = as_list(ctx, args[0]);
    HPy_ssize_t n = HPy_IsNull(list) ? -1 : HPy_Length(ctx, list);
    int failed = n < 0;
    HPy items[CHUNK];
    for (HPy_ssize_t i = 0; !failed && i < n; i += CHUNK) {
        HPy_ssize_t count = n - i < CHUNK ? n - i : CHUNK;
        if (HPySequence_GetItems(ctx, list, i, count, items) < 0) {
            failed = 1;
            break;
        }
        for (HPy_ssize_t k = 0; !failed && k < count; k++)
            failed = bag_add(ctx, self, items[k]) < 0;
        HPy_CloseMany(ctx, items, count);
    }
    HPy_Close(ctx, list);
    if (failed) {
        HPy_Close(ctx, self);
        return HPy_NULL;
    }
    return self;
}

HPyDef_METH(Bag_add, "add", HPyFunc_O, .doc = "add(obj): put obj in the bag")
static HPy Bag_add_impl(HPyContext *ctx, HPy self, HPy item)
{
    if (bag_add(ctx, self, item) < 0)
        return HPy_NULL;
    return HPy_Dup(ctx, ctx->h_None);
}

HPyDef_METH(Bag_clear, "clear", HPyFunc_NOARGS, .doc = "clear(): empty the bag")
static HPy Bag_clear_impl(HPyContext *ctx, HPy self)
{
    BagObject *b = BagObject_AsStruct(ctx, self);
    for (HPy_ssize_t i = 0; i < b->len; i++)
        HPyField_Store(ctx, self, &b->items[i], HPy_NULL);
    b->len = 0;
    return HPy_Dup(ctx, ctx->h_None);
}

HPyDef_SLOT(Bag_len, HPy_mp_length)
static HPy_ssize_t Bag_len_impl(HPyContext *ctx, HPy self)
{
    return BagObject_AsStruct(ctx, self)->len;
}

/* An empty field is one the collector emptied just before freeing the Bag. */
static HPy load_item(HPyContext *ctx, HPy self, HPyField field)
{
    HPy item = HPyField_Load(ctx, self, field);
    return HPy_IsNull(item) ? HPy_Dup(ctx, ctx->h_None) : item;
}

/* mp_subscript rather than sq_item: PyPy's cpyext hands sq_item negative indices
 * without counting them from the end (pypy/pypy#5526). */
HPyDef_SLOT(Bag_getitem, HPy_mp_subscript)
static HPy Bag_getitem_impl(HPyContext *ctx, HPy self, HPy key)
{
    BagObject *b = BagObject_AsStruct(ctx, self);
    HPy_ssize_t i;
    if (resolve_index(ctx, key, b->len, "Bag indices must be integers, not %s",
                      "Bag index out of range", &i) < 0)
        return HPy_NULL;
    return load_item(ctx, self, b->items[i]);
}

/* Iterates over a snapshot, so adding to the Bag meanwhile changes nothing. */
HPyDef_SLOT(Bag_iter, HPy_tp_iter)
static HPy Bag_iter_impl(HPyContext *ctx, HPy self)
{
    BagObject *b = BagObject_AsStruct(ctx, self);
    HPyTupleBuilder builder = HPyTupleBuilder_New(ctx, b->len);
    if (HPyErr_Occurred(ctx))
        return HPy_NULL;
    for (HPy_ssize_t i = 0; i < b->len; i++) {
        HPy item = load_item(ctx, self, b->items[i]);
        HPyTupleBuilder_Set(ctx, builder, i, item);
        HPy_Close(ctx, item);
    }
    HPy snapshot = HPyTupleBuilder_Build(ctx, builder);
    HPy name = HPyUnicode_FromString(ctx, "__iter__");
    HPy result = HPy_IsNull(snapshot) || HPy_IsNull(name)
                     ? HPy_NULL : HPy_CallMethod(ctx, name, &snapshot, 1, HPy_NULL);
    HPy_Close(ctx, name);
    HPy_Close(ctx, snapshot);
    return result;
}

HPyDef_SLOT(Bag_contains, HPy_sq_contains)
static int Bag_contains_impl(HPyContext *ctx, HPy self, HPy value)
{
    BagObject *b = BagObject_AsStruct(ctx, self);
    for (HPy_ssize_t i = 0; i < b->len; i++) {
        HPy item = HPyField_Load(ctx, self, b->items[i]);
        if (HPy_IsNull(item))
            continue;
        int res = HPy_RichCompareBool(ctx, item, value, HPy_EQ);
        HPy_Close(ctx, item);
        if (res != 0)
            return res;
    }
    return 0;
}

HPyDef_SLOT(Bag_traverse, HPy_tp_traverse)
static int Bag_traverse_impl(void *obj, HPyFunc_visitproc visit, void *arg)
{
    BagObject *b = obj;
    for (int i = 0; i < BAG_CAPACITY; i++)
        HPy_VISIT(&b->items[i]);
    return 0;
}

/* ---- the module ------------------------------------------------------------------- */

HPyDef_METH(zeros, "zeros", HPyFunc_O, .doc = "zeros(n) -> Array of n zeros")
static HPy zeros_impl(HPyContext *ctx, HPy module, HPy count)
{
    (void)module;
    HPy index = HPy_Index(ctx, count);
    if (HPy_IsNull(index))
        return index;
    HPy_ssize_t n = HPyLong_AsSsize_t(ctx, index);
    HPy_Close(ctx, index);
    if (n == -1 && HPyErr_Occurred(ctx))
        return HPy_NULL;
    if (n < 0)
        return HPyErr_SetString(ctx, ctx->h_ValueError, "zeros() needs a count >= 0");
    ArrayObject *a;
    return new_array(ctx, n, &a);
}

static HPyDef *Array_defines[] = {
    &Array_new, &Array_destroy, &Array_len, &Array_getitem, &Array_setitem, &Array_add,
    &Array_subtract, &Array_multiply, &Array_negative, &Array_absolute, &Array_richcompare,
    &Array_sum, &Array_tolist, &Array_repr, &Array_getbuffer, &Array_iter, NULL
};
static HPyType_Spec Array_spec = {
    .name = "harray.Array",
    .basicsize = sizeof(ArrayObject),
    .flags = HPy_TPFLAGS_DEFAULT,
    .builtin_shape = SHAPE(ArrayObject),
    .defines = Array_defines,
    .doc = "Array(iterable=()): a fixed-length array of C doubles.",
};

static HPyDef *ArrayIter_defines[] = {
    &ArrayIter_iter, &ArrayIter_next, &ArrayIter_traverse, NULL
};
static HPyType_Spec ArrayIter_spec = {
    .name = "harray.ArrayIterator",
    .basicsize = sizeof(ArrayIterObject),
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC,
    .builtin_shape = SHAPE(ArrayIterObject),
    .defines = ArrayIter_defines,
};

static HPyDef *Bag_defines[] = {
    &Bag_new, &Bag_add, &Bag_clear, &Bag_len, &Bag_getitem, &Bag_iter, &Bag_contains,
    &Bag_traverse, NULL
};
static HPyType_Spec Bag_spec = {
    .name = "harray.Bag",
    .basicsize = sizeof(BagObject),
    .flags = HPy_TPFLAGS_DEFAULT | HPy_TPFLAGS_HAVE_GC,
    .builtin_shape = SHAPE(BagObject),
    .defines = Bag_defines,
    .doc = "Bag(iterable=()): up to 8 Python objects, in fields the collector sees.",
};

/* Makes the type; stores it in `global` (when given) and as the module's attribute
 * `name` (when given). */
static int add_type(HPyContext *ctx, HPy module, HPyType_Spec *spec, HPyGlobal *global,
                    const char *name)
{
    HPy type = HPyType_FromSpec(ctx, spec, NULL);
    if (HPy_IsNull(type))
        return -1;
    if (global != NULL)
        HPyGlobal_Store(ctx, global, type);
    int res = name == NULL ? 0 : HPy_SetAttr_s(ctx, module, name, type);
    HPy_Close(ctx, type);
    return res;
}

HPyDef_SLOT(harray_exec, HPy_mod_exec)
static int harray_exec_impl(HPyContext *ctx, HPy module)
{
    if (add_type(ctx, module, &Array_spec, &Array_type, "Array") < 0 ||
        add_type(ctx, module, &ArrayIter_spec, &ArrayIter_type, NULL) < 0 ||
        add_type(ctx, module, &Bag_spec, NULL, "Bag") < 0)
        return -1;
    HPy abi = HPyUnicode_FromString(ctx, HPY_ABI);
    if (HPy_IsNull(abi))
        return -1;
    int res = HPy_SetAttr_s(ctx, module, "abi", abi);
    HPy_Close(ctx, abi);
    return res;
}

static HPyDef *harray_defines[] = {&zeros, &harray_exec, NULL};

static HPyModuleDef harray_def = {
    .doc = "A numeric array and a garbage-collected bag, written once against hpy.h.",
    .defines = harray_defines,
};

HPy_MODINIT(harray, harray_def)
