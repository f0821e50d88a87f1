/* ujson_hpy: ujson 6.1's Python API (dumps, loads, dump, load and their aliases) written
 * once against hpy.h; the same sources build a universal binary or a CPython extension. */
#include "hpy.h"

#include "args.h"
#include "decoder.h"
#include "encoder.h"

/* The ujson release whose behaviour this module follows. */
#define UJSON_HPY_VERSION "6.1.0"

static const char *const dumps_names[] = {
    "obj", "ensure_ascii", "encode_html_chars", "escape_forward_slashes", "sort_keys",
    "indent", "allow_nan", "reject_bytes", "default", "separators",
};
static const char *const loads_names[] = {"obj"};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const ujson_signature dumps_sig = {dumps_names, COUNT(dumps_names), COUNT(dumps_names), 1};
static const ujson_signature loads_sig = {loads_names, 1, 1, 1};

#define DUMPS_DOC                                                                         \
    "dumps(obj, ensure_ascii=True, encode_html_chars=False, escape_forward_slashes=True, " \
    "sort_keys=False, indent=0, allow_nan=True, reject_bytes=True, default=None, "         \
    "separators=None)\n--\n\nConverts arbitrary object recursively into JSON."

HPyDef_METH(dumps, "dumps", HPyFunc_KEYWORDS, .doc = DUMPS_DOC)
static HPy dumps_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
{
    (void)self;
    HPy parsed[COUNT(dumps_names)];
    if (ujson_parse_args(ctx, &dumps_sig, args, nargs, kwnames, args + nargs, parsed) < 0)
        return HPy_NULL;
    return ujson_encode(ctx, parsed[0], parsed + 1);
}

HPyDef_METH_IMPL(encode, "encode", dumps_impl, HPyFunc_KEYWORDS, .doc = DUMPS_DOC)

/* fp's method `name`, which ujson requires to exist and be callable: TypeError("expected
 * file") otherwise, whatever getting it raised. */
static HPy file_method(HPyContext *ctx, HPy fp, const char *name)
{
    HPy method = HPy_GetAttr_s(ctx, fp, name);
    if (!HPy_IsNull(method) && HPyCallable_Check(ctx, method))
        return method;
    HPy_Close(ctx, method);
    HPyErr_Clear(ctx);
    return HPyErr_SetString(ctx, ctx->h_TypeError, "expected file");
}

/* As in ujson, obj and fp are positional and the options keywords, checked (as dumps
 * checks them) once fp.write is known to be there. */
HPyDef_METH(dump, "dump", HPyFunc_KEYWORDS,
            .doc = "dump(obj, fp, **options)\n--\n\n"
                   "Writes dumps(obj, **options) to the file object fp.")
static HPy dump_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
{
    (void)self;
    if (ujson_check_exact_args(ctx, nargs, 2) < 0)
        return HPy_NULL;
    HPy write = file_method(ctx, args[1], "write");
    if (HPy_IsNull(write))
        return HPy_NULL;
    HPy parsed[COUNT(dumps_names)];
    HPy text = HPy_NULL;
    if (ujson_parse_args(ctx, &dumps_sig, args, 1, kwnames, args + 2, parsed) == 0)
        text = ujson_encode(ctx, parsed[0], parsed + 1);
    HPy written = HPy_IsNull(text) ? HPy_NULL : HPy_Call(ctx, write, &text, 1, HPy_NULL);
    HPy_Close(ctx, text);
    HPy_Close(ctx, write);
    if (HPy_IsNull(written))
        return HPy_NULL;
    HPy_Close(ctx, written);
    return HPy_Dup(ctx, ctx->h_None);
}

#define LOADS_DOC                                                                     \
    "loads(obj)\n--\n\nConverts JSON in a str, bytes or bytearray into Python objects."

HPyDef_METH(loads, "loads", HPyFunc_KEYWORDS, .doc = LOADS_DOC)
static HPy loads_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
{
    HPy obj;
    if (ujson_parse_args(ctx, &loads_sig, args, nargs, kwnames, args + nargs, &obj) < 0)
        return HPy_NULL;
    return ujson_decode(ctx, self, obj);
}

HPyDef_METH_IMPL(decode, "decode", loads_impl, HPyFunc_KEYWORDS, .doc = LOADS_DOC)

/* As in ujson, fp is positional; keywords go to loads with what fp.read() returned. */
HPyDef_METH(load, "load", HPyFunc_KEYWORDS,
            .doc = "load(fp)\n--\n\nConverts the JSON that fp.read() returns into Python objects.")
static HPy load_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs, HPy kwnames)
{
    if (ujson_check_exact_args(ctx, nargs, 1) < 0)
        return HPy_NULL;
    HPy read = file_method(ctx, args[0], "read");
    if (HPy_IsNull(read))
        return HPy_NULL;
    HPy text = HPy_Call(ctx, read, NULL, 0, HPy_NULL);
    HPy_Close(ctx, read);
    if (HPy_IsNull(text))
        return text;
    HPy obj, result = HPy_NULL;
    if (ujson_parse_args(ctx, &loads_sig, &text, 1, kwnames, args + 1, &obj) == 0)
        result = ujson_decode(ctx, self, obj);
    HPy_Close(ctx, text);
    return result;
}

static int set_new_attr(HPyContext *ctx, HPy module, const char *name, HPy value)
{
    if (HPy_IsNull(value))
        return -1;
    int res = HPy_SetAttr_s(ctx, module, name, value);
    HPy_Close(ctx, value);
    return res;
}

HPyDef_SLOT(ujson_exec, HPy_mod_exec)
static int ujson_exec_impl(HPyContext *ctx, HPy module)
{
    HPy error = HPyErr_NewExceptionWithDoc(
        ctx, "ujson_hpy.JSONDecodeError",
        "Invalid JSON. The message is ujson's; msg, doc, pos, lineno and colno tell what "
        "and where.",
        ctx->h_ValueError, HPy_NULL);
    if (set_new_attr(ctx, module, "JSONDecodeError", error) < 0)
        return -1;
    HPy sort = HPyUnicode_FromString(ctx, "sort");
    if (HPy_IsNull(sort))
        return -1;
    HPyGlobal_Store(ctx, &ujson_sort_name, sort);
    HPy_Close(ctx, sort);
    /* As ujson does, Decimal support is given up when decimal cannot be imported. */
    HPy decimal = HPyImport_ImportModule(ctx, "decimal");
    HPy decimal_type = HPy_IsNull(decimal) ? HPy_NULL : HPy_GetAttr_s(ctx, decimal, "Decimal");
    HPy_Close(ctx, decimal);
    if (HPy_IsNull(decimal_type)) {
        HPyErr_Clear(ctx);
        decimal_type = HPy_Dup(ctx, ctx->h_None);
    }
    HPyGlobal_Store(ctx, &ujson_decimal_type, decimal_type);
    HPy_Close(ctx, decimal_type);
    if (set_new_attr(ctx, module, "__version__", HPyUnicode_FromString(ctx, UJSON_HPY_VERSION)) < 0)
        return -1;
    return set_new_attr(ctx, module, "abi", HPyUnicode_FromString(ctx, HPY_ABI));
}

static HPyDef *ujson_defines[] = {&dumps, &encode, &dump, &loads, &decode, &load, &ujson_exec,
                                  NULL};

static HPyModuleDef ujson_def = {
    .doc = "Fast JSON encoding and decoding with ujson 6.1's API, on the handle API.",
    .defines = ujson_defines,
};

HPy_MODINIT(ujson_hpy, ujson_def)
