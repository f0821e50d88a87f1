"""Emitter for debug mode: the debug context's wrappers of the context functions and the
debug handlers of the signatures (universal/debug/autogen_debug*). Called by generate.py;
see api/README.md ("Debug mode, trace mode and libffi bindings") for the rules it
follows."""
import re

from apimodel import (UNBOUND_SIGS, ApiError, banner, c_file, c_header, convert, decl,
                      host_reads, store_result)

BANNER = banner(__file__)

# Context functions whose debug wrapper is hand-written under universal/debug/, because
# their meaning is more than "check the handles, call the host, open the result".
DEBUG_HAND_WRITTEN = {
    "HPy_Close", "HPy_CloseMany", "HPySequence_GetItems",
    "HPyUnicode_AsUTF8AndSize", "HPyBytes_AsString", "HPyBytes_AS_STRING",
    "HPyTupleBuilder_New", "HPyTupleBuilder_Set", "HPyTupleBuilder_Build",
    "HPyTupleBuilder_Cancel",
    "HPyListBuilder_New", "HPyListBuilder_Set", "HPyListBuilder_Build",
    "HPyListBuilder_Cancel",
    "HPyTracker_New", "HPyTracker_Add", "HPyTracker_ForgetAll", "HPyTracker_Close",
    "HPyField_Store", "HPyField_Load", "HPyGlobal_Store", "HPyGlobal_Load",
    "HPyField_LoadAt", "HPyGlobal_LoadAt",
    "HPy_LeavePythonExecution", "HPy_ReenterPythonExecution",
    "HPyType_FromSpec",
    "_HPy_TupleItems", "_HPy_CallWithTupleDict", "_HPy_CallTraverse", "_HPy_Dealloc",
    "HPy_SetCallFunction",
    "HPy_TypeCheck", "HPyType_IsSubtype", "HPyType_GetName", "HPyUnicode_Substring",
}

# Signatures whose debug handler is hand-written (universal/debug/api_types.c): custom
# ones that take a context, and those whose HPy_buffer carries a handle.
DEBUG_CUSTOM_SIGS = {"HPyFunc_GETBUFFERPROC", "HPyFunc_RELEASEBUFFERPROC"}

# Types that carry handles in a way no generic rule covers: a function using one must be
# hand-written.
HANDLE_BEARING = {
    "HPyTupleBuilder", "HPyListBuilder", "HPyTracker", "HPyField", "HPyField *",
    "HPyGlobal", "HPyGlobal *", "HPyThreadState", "HPy_buffer *", "HPyType_SpecParam *",
    "HPyCFunction", "cpy_visitproc", "HPyCallFunction *",
}

HANDLE_POINTERS = ("HPy *", "const HPy *")


class DebugGenError(ApiError):
    """A function or signature no rule of the debug emitter covers."""


def error_value(ctype):
    """What a failed call returns, by the API's conventions."""
    if ctype == "void":
        return None
    if ctype == "HPy":
        return "HPy_NULL"
    if ctype.endswith("*"):
        return "NULL"
    if ctype == "double":
        return "-1.0"
    if ctype == "int":
        return "-1"
    return f"({ctype})-1"


def ret_stmt(value):
    return "return;" if value is None else f"return {value};"


# ---- handle pointers -----------------------------------------------------------------

def handle_pointer(e, p, by_hand):
    """What a handle pointer parameter is, from its declaration only: "array" (declared
    `name[LENGTH]`), "out" (declared `name[out]`); anything else is refused, since an
    `HPy *` may be one handle or many, read or written. `by_hand` says where the
    hand-written alternative is listed."""
    if p.length:
        return "array"
    if p.out:
        return "out"
    raise DebugGenError(
        f"{e.source}: {e.name}: parameter {p.name} is {p.ctype}, which may be one handle "
        f"or an array, read or written: declare it {p.ctype[:-2]} {p.name}[LENGTH] "
        f"(LENGTH handles the function reads, LENGTH an integer parameter) or "
        f"HPy {p.name}[out] (one handle it writes); for anything else, such as an array "
        f"it writes, write the debug code by hand and list it in {by_hand} "
        "(api/generate_debug.py)")


def points_to_handles(ctype):
    """`HPy *`, `const HPy *`, `HPy **`, ...; not `HPy_ssize_t *`, which carries no
    handle and passes through."""
    return re.match(r"^(const )?HPy \*", ctype) is not None


def array_length(e, p):
    """The length of an array parameter: its LENGTH, plus one per name in `kwnames` when
    the function has that parameter (the vectorcall convention)."""
    length = f"(HPy_ssize_t){p.length}"
    if any(q.name == "kwnames" and q.ctype == "HPy" for q in e.params):
        length += " + hdbg_kwcount(u_kwnames)"
    return length


# ---- the debug context: generic wrappers ---------------------------------------------

def debug_wrapper(e):
    name, err = e.name, error_value(e.ret)
    for p in e.params:
        if p.ctype in HANDLE_BEARING:
            raise DebugGenError(
                f"{e.source}: {name} takes {p.ctype}; write its debug wrapper by hand and "
                f"list it in DEBUG_HAND_WRITTEN (api/generate_debug.py)")
    for p in e.params:
        if points_to_handles(p.ctype) and p.ctype not in HANDLE_POINTERS:
            raise DebugGenError(f"{e.source}: {name}: parameter {p.name} is {p.ctype}; write "
                                "its debug wrapper by hand and list it in DEBUG_HAND_WRITTEN")
    if e.ret in HANDLE_BEARING or points_to_handles(e.ret):
        raise DebugGenError(f"{e.source}: {name} returns {e.ret}; write its debug wrapper "
                            "by hand and list it in DEBUG_HAND_WRITTEN")
    reserved = [p.name for p in e.params if p.name.startswith(("d_", "u_"))]
    if reserved:
        raise DebugGenError(f"{e.source}: {name}: parameter names starting with d_ or u_ "
                            f"are the debug wrapper's own: {', '.join(reserved)}")
    fail = f"        {ret_stmt(err)}"
    handles = [p for p in e.params if p.ctype == "HPy"]
    arrays, outputs = [], []
    for p in e.params:
        if p.ctype in HANDLE_POINTERS:
            if handle_pointer(e, p, "DEBUG_HAND_WRITTEN") == "array":
                arrays.append((p, array_length(e, p)))
            else:
                outputs.append(p)
    # An output is HPy_NULL on every path that opens no handle for it, also when the
    # wrapper refuses the call before the inner function could write it.
    body = []
    for p in outputs:
        body += [f"    if ({p.name} != NULL)", f"        *{p.name} = HPy_NULL;"]
    body += [f"    hdbg_call *d_call = hdbg_enter(ctx, \"{name}\");",
             "    if (d_call == NULL)", fail]
    if handles:
        body.append("    HPy " + ", ".join(f"u_{p.name}" for p in handles) + ";")
        checks = [f"hdbg_unwrap(d_call, {p.name}, &u_{p.name}, \"{name}\", \"{p.name}\") < 0"
                  for p in handles]
        body.append("    if (" + " ||\n        ".join(checks) + ")")
        body.append(fail)
    for p, length in arrays:
        body += [f"    hdbg_array u_{p.name};",
                 f"    if (hdbg_unwrap_array(d_call, {p.name}, {length}, &u_{p.name}, "
                 f"\"{name}\", \"{p.name}\") < 0)", fail]
    for p in outputs:
        body.append(f"    HPy u_{p.name} = HPy_NULL;")
    args = []
    for p in e.params:
        if p in handles:
            args.append(f"u_{p.name}")
        elif any(p is a for a, _ in arrays):
            args.append(f"u_{p.name}.items")
        elif p in outputs:
            args.append(f"{p.name} == NULL ? NULL : &u_{p.name}")
        else:
            args.append(p.name)
    body.append("    HPyContext *d_inner = hdbg_inner(d_call);")
    call = f"d_inner->{name}({', '.join(['d_inner'] + args)})"
    if e.ret == "void":
        body.append(f"    {call};")
    else:
        body.append(f"    {decl(e.ret, 'd_result')} = {call};")
    for p, _ in arrays:
        body.append(f"    hdbg_array_free(&u_{p.name});")
    for p in outputs:
        body += [f"    if ({p.name} != NULL)",
                 f"        *{p.name} = hdbg_open(d_call, u_{p.name}, \"{name}\");"]
    if e.ret == "HPy":
        body.append(f"    return hdbg_open(d_call, d_result, \"{name}\");")
    elif e.ret != "void":
        body.append("    return d_result;")
    return f"static {e.ret} hdbg_{name}({e.c_params()})\n{{\n" + "\n".join(body) + "\n}\n"


def emit_debug_ctx(api):
    funcs = api.funcs
    names = {e.name for e in funcs}
    stale = sorted(DEBUG_HAND_WRITTEN - names)
    if stale:
        raise DebugGenError(f"DEBUG_HAND_WRITTEN lists unknown functions: {', '.join(stale)}")
    out = [debug_wrapper(e) for e in funcs if e.name not in DEBUG_HAND_WRITTEN]
    fill = ["void hdbg_fill_context(HPyContext *ctx, const HPyContext *universal)", "{"]
    fill += [f"    ctx->{e.name} = hdbg_constant(universal->{e.name}, \"ctx->{e.name}\");"
             for e in api.handles]
    fill += [f"    ctx->{e.name} = universal->{e.name};" for e in api.fields]
    fill += [f"    ctx->{e.name} = hdbg_{e.name};" for e in funcs]
    fill.append("}")
    out.append("\n".join(fill))
    return c_file(BANNER, ["debug.h"], "\n".join(out))


def emit_debug_header(api):
    funcs = [e for e in api.funcs if e.name in DEBUG_HAND_WRITTEN]
    lines = ["/* The hand-written debug wrappers (api/generate_debug.py lists them). */"]
    lines += [f"{decl(e.ret, 'hdbg_' + e.name)}({e.c_params()});" for e in funcs]
    lines += ["", "/* The hand-written debug handlers of signatures. */"]
    lines += [f"void hdbg_handle_{s.name}(ffi_cif *cif, void *ret, void **in, void *binding);"
              for s in api.sigs if debug_custom(s) and s.name not in UNBOUND_SIGS]
    lines += ["", "void hdbg_fill_context(HPyContext *ctx, const HPyContext *universal);",
              "extern const handlepy_ffi_handler hdbg_handlers[];"]
    return c_header(BANNER, "HANDLEPY_DEBUG_AUTOGEN_DEBUG_H", "\n".join(lines))


# ---- debug handlers: host arguments become debug handles -----------------------------

def debug_custom(s):
    return ("custom" in s.flags and "noctx" not in s.flags) or s.name in DEBUG_CUSTOM_SIGS


def debug_handler(s):
    host = {p.name: p for p in s.cpy_params}
    lines = host_reads(s)
    kwcount = " + hdbg_host_kwcount(h_kwnames)" if "kwnames" in host else ""
    args = ["ctx"]
    for p in s.params:
        h = host[p.name]
        if p.ctype == "HPy":
            lines.append(f"    HPy p_{p.name} = hdbg_call_arg(&call, h_{p.name});")
            args.append(f"p_{p.name}")
        elif p.ctype == "const HPy *" and handle_pointer(s, p, "DEBUG_CUSTOM_SIGS") == "array":
            lines.append(f"    const HPy *p_{p.name} = hdbg_call_args(&call, h_{p.name}, "
                         f"h_{p.length}{kwcount});")
            args.append(f"p_{p.name}")
        elif points_to_handles(p.ctype):
            raise DebugGenError(f"{s.source}: {s.name} passes {p.ctype} {p.name}; only an "
                                "array the implementation reads (const HPy name[LENGTH]) has "
                                "a rule: write its debug handler by hand and list it in "
                                "DEBUG_CUSTOM_SIGS")
        elif p.ctype in HANDLE_BEARING:
            raise DebugGenError(f"{s.source}: {s.name} passes {p.ctype}; write its debug "
                                "handler by hand and list it in DEBUG_CUSTOM_SIGS")
        else:
            args.append(convert(f"h_{p.name}", h.ctype, p.ctype))
    call = f"(({s.name}_impl)call.impl)({', '.join(args)})"
    if s.ret == "HPy":
        lines += [f"    cpy_PyObject *result = hdbg_call_result(&call, {call});",
                  "    if (hdbg_call_leave(&call))",
                  "        result = hdbg_discard(result);",
                  "    *(cpy_PyObject **)ret = result;"]
    elif s.ret == "void":
        lines += [f"    {call};", "    hdbg_call_leave_void(&call);"]
    else:
        lines += [f"    {decl(s.cpy_ret, 'result')} = {convert(call, s.ret, s.cpy_ret)};",
                  "    if (hdbg_call_leave(&call))",
                  "        result = -1;",
                  f"    {store_result(s.cpy_ret, 'result')}"]
    return (f"static void hdbg_handle_{s.name}(ffi_cif *cif, void *ret, void **in, "
            f"void *binding)\n{{\n    (void)cif;\n"
            + ("    (void)ret;\n" if s.ret == "void" else "") +
            "    hdbg_call call;\n"
            "    HPyContext *ctx = hdbg_call_enter(&call, binding);\n"
            + "\n".join(lines) + "\n}\n")


def emit_debug_handlers(sigs):
    out = [debug_handler(s) for s in sigs
           if "custom" not in s.flags and not debug_custom(s) and s.name not in UNBOUND_SIGS]
    out.append(f"const handlepy_ffi_handler hdbg_handlers[{len(sigs) + 1}] = {{")
    for s in sigs:
        if s.name in UNBOUND_SIGS:
            continue
        if "noctx" in s.flags:
            # No context, no handles: debug mode runs them as the plain binding does.
            target = f"handlepy_plain_{s.name}"
        else:
            target = f"hdbg_handle_{s.name}"
        out.append(f"    [{s.name}] = {target},")
    out.append("};")
    return c_file(BANNER, ["debug.h"], "\n".join(out))


def outputs(api, root):
    return {
        root / "universal/debug/autogen_debug.h": emit_debug_header(api),
        root / "universal/debug/autogen_debug_ctx.c": emit_debug_ctx(api),
        root / "universal/debug/autogen_debug_handlers.c": emit_debug_handlers(api.sigs),
    }
