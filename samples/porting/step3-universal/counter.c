/* counter, step 3 of docs/porting.md: all handles, no C API: a universal binary. */
#include <stddef.h>

#include "hpy.h"

/* No PyObject_HEAD: the struct holds the instance's own data only. */
typedef struct {
    long count;
} CounterObject;

HPyType_HELPERS(CounterObject)

HPyDef_SLOT(Counter_new, HPy_tp_new)
static HPy Counter_new_impl(HPyContext *ctx, HPy type, const HPy *args, HPy_ssize_t nargs,
                            HPy kw)
{
    static const char *keywords[] = {"start", NULL};
    long start = 0;
    if (!HPyArg_ParseKeywordsDict(ctx, NULL, args, nargs, kw, "|l:Counter", keywords, &start))
        return HPy_NULL;
    CounterObject *self;
    HPy h = HPy_New(ctx, type, &self);
    if (!HPy_IsNull(h))
        self->count = start;
    return h;
}

HPyDef_METH(Counter_incr, "incr", HPyFunc_KEYWORDS, .doc = "incr(n=1) -> the new count")
static HPy Counter_incr_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs,
                             HPy kwnames)
{
    static const char *keywords[] = {"n", NULL};
    long n = 1;
    if (!HPyArg_ParseKeywords(ctx, NULL, args, nargs, kwnames, "|l:incr", keywords, &n))
        return HPy_NULL;
    CounterObject *counter = CounterObject_AsStruct(ctx, self);
    counter->count += n;
    return HPyLong_FromLong(ctx, counter->count);
}

HPyDef_MEMBER(Counter_count, "count", HPyMember_LONG, offsetof(CounterObject, count),
              .doc = "the count")

static HPyDef *Counter_defines[] = {&Counter_new, &Counter_incr, &Counter_count, NULL};

static HPyType_Spec Counter_spec = {
    .name = "counter.Counter",
    .basicsize = sizeof(CounterObject),
    .flags = HPy_TPFLAGS_DEFAULT,
    .builtin_shape = SHAPE(CounterObject),
    .defines = Counter_defines,
    .doc = "Counter(start=0)",
};

HPyDef_METH(total, "total", HPyFunc_O, .doc = "total(sequence) -> the sum of its ints")
static HPy total_impl(HPyContext *ctx, HPy self, HPy sequence)
{
    HPy_ssize_t n = HPy_Length(ctx, sequence);
    if (n < 0)
        return HPy_NULL;
    long sum = 0;
    for (HPy_ssize_t i = 0; i < n; i++) {
        HPy item = HPy_GetItem_i(ctx, sequence, i);
        if (HPy_IsNull(item))
            return HPy_NULL;
        long value = HPyLong_AsLong(ctx, item);
        HPy_Close(ctx, item);
        if (value == -1 && HPyErr_Occurred(ctx))
            return HPy_NULL;
        sum += value;
    }
    return HPyLong_FromLong(ctx, sum);
}

HPyDef_SLOT(counter_exec, HPy_mod_exec)
static int counter_exec_impl(HPyContext *ctx, HPy module)
{
    HPy type = HPyType_FromSpec(ctx, &Counter_spec, NULL);
    if (HPy_IsNull(type))
        return -1;
    int result = HPy_SetAttr_s(ctx, module, "Counter", type);
    HPy_Close(ctx, type);
    return result;
}

static HPyDef *counter_defines[] = {&total, &counter_exec, NULL};

static HPyModuleDef counter_def = {
    .doc = "Counting with handles.",
    .defines = counter_defines,
};

HPy_MODINIT(counter, counter_def)
