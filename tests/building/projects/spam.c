/* The example extension of docs/building.md: one source, built in either ABI. */
#include "hpy.h"

HPyDef_METH(pair, "pair", HPyFunc_VARARGS, .doc = "pair(a, b) -> (a, b)")
static HPy pair_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    if (nargs != 2)
        return HPyErr_SetString(ctx, ctx->h_TypeError, "pair() takes exactly 2 arguments");
    /* HPyTuple_Pack lives in handlepy's runtime sources, which the build compiles in. */
    return HPyTuple_Pack(ctx, 2, args[0], args[1]);
}

HPyDef_METH(twice, "twice", HPyFunc_O, .doc = "twice(x) -> x + x")
static HPy twice_impl(HPyContext *ctx, HPy self, HPy x)
{
    return HPy_Add(ctx, x, x);
}

HPyDef_SLOT(spam_exec, HPy_mod_exec)
static int spam_exec_impl(HPyContext *ctx, HPy module)
{
    HPy abi = HPyUnicode_FromString(ctx, HPY_ABI);
    if (HPy_IsNull(abi))
        return -1;
    int res = HPy_SetAttr_s(ctx, module, "abi", abi);
    HPy_Close(ctx, abi);
    return res;
}

static HPyDef *spam_defines[] = {&pair, &twice, &spam_exec, NULL};

static HPyModuleDef spam_def = {
    .doc = "A handlepy example module.",
    .defines = spam_defines,
};

HPy_MODINIT(spam, spam_def)
