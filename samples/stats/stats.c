/* A small statistics module written once against hpy.h. It builds as a universal
 * binary (stats.handlepy.so) or as a CPython-backend extension. */
#include "hpy.h"

#include <math.h>

typedef struct {
    long calls;
} stats_state;

/* Reads every item of a sequence as a double; -1 with an exception on failure. */
static int read_values(HPyContext *ctx, HPy seq, double **out, HPy_ssize_t *n)
{
    *n = HPy_Length(ctx, seq);
    if (*n < 0)
        return -1;
    if (*n == 0) {
        HPyErr_SetString(ctx, ctx->h_ValueError, "need at least one value");
        return -1;
    }
    double *values = malloc(sizeof(double) * (size_t)*n);
    if (values == NULL) {
        HPyErr_NoMemory(ctx);
        return -1;
    }
    for (HPy_ssize_t i = 0; i < *n; i++) {
        HPy item = HPy_GetItem_i(ctx, seq, i);
        if (HPy_IsNull(item)) {
            free(values);
            return -1;
        }
        values[i] = HPyFloat_AsDouble(ctx, item);
        HPy_Close(ctx, item);
        if (values[i] == -1.0 && HPyErr_Occurred(ctx)) {
            free(values);
            return -1;
        }
    }
    *out = values;
    return 0;
}

static int put_float(HPyContext *ctx, HPy dict, const char *key, double value)
{
    HPy h = HPyFloat_FromDouble(ctx, value);
    if (HPy_IsNull(h))
        return -1;
    int res = HPy_SetItem_s(ctx, dict, key, h);
    HPy_Close(ctx, h);
    return res;
}

HPyDef_METH(describe, "describe", HPyFunc_O,
            .doc = "describe(seq) -> dict with n, mean, stdev, min and max")
static HPy describe_impl(HPyContext *ctx, HPy self, HPy seq)
{
    double *v;
    HPy_ssize_t n;
    if (read_values(ctx, seq, &v, &n) < 0)
        return HPy_NULL;
    double sum = 0, lo = v[0], hi = v[0];
    for (HPy_ssize_t i = 0; i < n; i++) {
        sum += v[i];
        lo = v[i] < lo ? v[i] : lo;
        hi = v[i] > hi ? v[i] : hi;
    }
    double mean = sum / (double)n, squares = 0;
    for (HPy_ssize_t i = 0; i < n; i++)
        squares += (v[i] - mean) * (v[i] - mean);
    free(v);
    double stdev = n > 1 ? sqrt(squares / (double)(n - 1)) : 0.0;

    HPyModule_STATE(ctx, self, stats_state)->calls++;
    HPy result = HPyDict_New(ctx);
    HPy count = HPyLong_FromSsize_t(ctx, n);
    if (HPy_IsNull(result) || HPy_IsNull(count) ||
        HPy_SetItem_s(ctx, result, "n", count) < 0 ||
        put_float(ctx, result, "mean", mean) < 0 || put_float(ctx, result, "stdev", stdev) < 0 ||
        put_float(ctx, result, "min", lo) < 0 || put_float(ctx, result, "max", hi) < 0) {
        HPy_Close(ctx, count);
        HPy_Close(ctx, result);
        return HPy_NULL;
    }
    HPy_Close(ctx, count);
    return result;
}

HPyDef_METH(calls, "calls", HPyFunc_NOARGS, .doc = "How often describe() succeeded.")
static HPy calls_impl(HPyContext *ctx, HPy self)
{
    return HPyLong_FromLong(ctx, HPyModule_STATE(ctx, self, stats_state)->calls);
}

HPyDef_SLOT(stats_exec, HPy_mod_exec)
static int stats_exec_impl(HPyContext *ctx, HPy module)
{
    HPy abi = HPyUnicode_FromString(ctx, HPY_ABI);
    if (HPy_IsNull(abi))
        return -1;
    int res = HPy_SetAttr_s(ctx, module, "abi", abi);
    HPy_Close(ctx, abi);
    return res;
}

static HPyDef *stats_defines[] = {&describe, &calls, &stats_exec, NULL};

static HPyModuleDef stats_def = {
    .doc = "Summary statistics of a sequence of numbers.",
    .size = sizeof(stats_state),
    .defines = stats_defines,
};

HPy_MODINIT(stats, stats_def)
