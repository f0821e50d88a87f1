/* The micro benchmarks, written once against the HPy 0.9 API. The same file builds with
 * handlepy (both ABIs) and with HPy 0.9 (both ABIs), so it uses nothing either lacks.
 * Each function does the least work its case needs; capi_micro.c is its C-API twin. */
#include "hpy.h"

#include <stddef.h>

HPyDef_METH(noargs, "noargs", HPyFunc_NOARGS)
static HPy noargs_impl(HPyContext *ctx, HPy self)
{
    (void)self;
    return HPy_Dup(ctx, ctx->h_None);
}

HPyDef_METH(onearg, "onearg", HPyFunc_O)
static HPy onearg_impl(HPyContext *ctx, HPy self, HPy arg)
{
    (void)self;
    return HPy_Dup(ctx, arg);
}

HPyDef_METH(varargs, "varargs", HPyFunc_VARARGS)
static HPy varargs_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    (void)self;
    (void)args;
    (void)nargs;
    return HPy_Dup(ctx, ctx->h_None);
}

HPyDef_METH(keywords, "keywords", HPyFunc_KEYWORDS)
static HPy keywords_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                         HPy kwnames)
{
    (void)self;
    (void)args;
    (void)nargs;
    (void)kwnames;
    return HPy_Dup(ctx, ctx->h_None);
}

/* Above the small-int cache, so every call allocates. */
HPyDef_METH(allocate_int, "allocate_int", HPyFunc_NOARGS)
static HPy allocate_int_impl(HPyContext *ctx, HPy self)
{
    (void)self;
    return HPyLong_FromLong(ctx, 2048);
}

HPyDef_METH(allocate_tuple, "allocate_tuple", HPyFunc_NOARGS)
static HPy allocate_tuple_impl(HPyContext *ctx, HPy self)
{
    (void)self;
    HPy items[2] = {ctx->h_None, ctx->h_None};
    return HPyTuple_FromArray(ctx, items, 2);
}

/* Attribute and item cases take their name or key as an argument: a caller's interned
 * constant, as real code keeps them, instead of a string built per call. */
HPyDef_METH(getattr, "getattr", HPyFunc_VARARGS)
static HPy getattr_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    (void)self;
    (void)nargs;
    return HPy_GetAttr(ctx, args[0], args[1]);
}

HPyDef_METH(setattr, "setattr", HPyFunc_VARARGS)
static HPy setattr_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    (void)self;
    (void)nargs;
    if (HPy_SetAttr(ctx, args[0], args[1], args[2]) < 0)
        return HPy_NULL;
    return HPy_Dup(ctx, ctx->h_None);
}

HPyDef_METH(getitem, "getitem", HPyFunc_VARARGS)
static HPy getitem_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    (void)self;
    (void)nargs;
    return HPy_GetItem(ctx, args[0], args[1]);
}

HPyDef_METH(len, "len", HPyFunc_O)
static HPy len_impl(HPyContext *ctx, HPy self, HPy arg)
{
    (void)self;
    HPy_ssize_t n = HPy_Length(ctx, arg);
    if (n < 0)
        return HPy_NULL;
    return HPyLong_FromSsize_t(ctx, n);
}

/* The bulk cases: handlepy's bulk calls, one context call each whatever the length; HPy
 * 0.9 has none, so its build does the same work one call per item (as ujson_hpy did). */
HPyDef_METH(builtin_kind, "builtin_kind", HPyFunc_O)
static HPy builtin_kind_impl(HPyContext *ctx, HPy self, HPy arg)
{
    (void)self;
#ifdef HANDLEPY_VERSION
    int is_int = HPy_BuiltinKind(ctx, arg) == HPyKind_Long;
#else
    /* HPy 0.9 has no HPyLong_Check or HPyFloat_Check: type checks are the chain a JSON
     * encoder written for it makes. */
    int is_int = !HPyUnicode_Check(ctx, arg) && !HPy_TypeCheck(ctx, arg, ctx->h_FloatType) &&
                 HPy_TypeCheck(ctx, arg, ctx->h_LongType) && !HPy_Is(ctx, arg, ctx->h_True) &&
                 !HPy_Is(ctx, arg, ctx->h_False);
#endif
    return HPy_Dup(ctx, is_int ? arg : ctx->h_None);
}

/* Reads every item of a list of at most 256 and closes them; returns the last. */
HPyDef_METH(get_items, "get_items", HPyFunc_O)
static HPy get_items_impl(HPyContext *ctx, HPy self, HPy arg)
{
    (void)self;
    HPy items[256];
    HPy_ssize_t n = HPy_Length(ctx, arg);
    if (n < 1 || n > 256)
        return HPyErr_SetString(ctx, ctx->h_ValueError, "1 to 256 items");
#ifdef HANDLEPY_VERSION
    if (HPySequence_GetItems(ctx, arg, 0, n, items) < 0)
        return HPy_NULL;
    HPy last = HPy_Dup(ctx, items[n - 1]);
    HPy_CloseMany(ctx, items, n);
#else
    for (HPy_ssize_t i = 0; i < n; i++) {
        items[i] = HPy_GetItem_i(ctx, arg, i);
        if (HPy_IsNull(items[i])) {
            while (i > 0)
                HPy_Close(ctx, items[--i]);
            return HPy_NULL;
        }
    }
    HPy last = HPy_Dup(ctx, items[n - 1]);
    for (HPy_ssize_t i = 0; i < n; i++)
        HPy_Close(ctx, items[i]);
#endif
    return last;
}

/* A custom type: the method, member and allocation cases. */
typedef struct {
    long x;
} CustomObject;
HPyType_HELPERS(CustomObject)

/* allocate_custom finds the type here; the module's exec slot stores it. */
static HPyGlobal Custom_type;

HPyDef_METH(Custom_method, "method", HPyFunc_NOARGS)
static HPy Custom_method_impl(HPyContext *ctx, HPy self)
{
    (void)self;
    return HPy_Dup(ctx, ctx->h_None);
}

HPyDef_MEMBER(Custom_x, "x", HPyMember_LONG, offsetof(CustomObject, x), .readonly = 1)

static HPyDef *Custom_defines[] = {&Custom_method, &Custom_x, NULL};

static HPyType_Spec Custom_spec = {
    .name = "hpy_micro.Custom",
    .basicsize = sizeof(CustomObject),
    .flags = HPy_TPFLAGS_DEFAULT,
    .builtin_shape = SHAPE(CustomObject),
    .defines = Custom_defines,
};

HPyDef_METH(allocate_custom, "allocate_custom", HPyFunc_NOARGS)
static HPy allocate_custom_impl(HPyContext *ctx, HPy self)
{
    (void)self;
    HPy type = HPyGlobal_Load(ctx, Custom_type);
    CustomObject *data;
    HPy obj = HPy_New(ctx, type, &data);
    HPy_Close(ctx, type);
    if (!HPy_IsNull(obj))
        data->x = 7;
    return obj;
}

HPyDef_SLOT(micro_exec, HPy_mod_exec)
static int micro_exec_impl(HPyContext *ctx, HPy module)
{
    HPy type = HPyType_FromSpec(ctx, &Custom_spec, NULL);
    if (HPy_IsNull(type))
        return -1;
    HPyGlobal_Store(ctx, &Custom_type, type);
    int res = HPy_SetAttr_s(ctx, module, "Custom", type);
    HPy_Close(ctx, type);
    return res;
}

static HPyDef *micro_defines[] = {
    &noargs, &onearg, &varargs, &keywords, &allocate_int, &allocate_tuple,
    &getattr, &setattr, &getitem, &len, &allocate_custom, &builtin_kind, &get_items,
    &micro_exec, NULL,
};

/* HPy 0.9 needs the module's globals listed; handlepy accepts the list too. */
static HPyGlobal *micro_globals[] = {&Custom_type, NULL};

static HPyModuleDef micro_def = {
    .doc = "Micro benchmarks on the HPy API.",
    .defines = micro_defines,
    .globals = micro_globals,
};

HPy_MODINIT(hpy_micro, micro_def)
