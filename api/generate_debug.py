"""Emitters for the host functions made at run time and for the debug context.

Called by generate.py, which passes the parsed declarations; see api/README.md ("Debug
mode and libffi bindings") for the rules the emitters follow. Standard library only.
"""
import re

# Context functions whose debug wrapper is hand-written under universal/debug/, because
# their meaning is more than "check the handles, call the host, open the result".
DEBUG_HAND_WRITTEN = {
    "HPy_Close",
    "HPyUnicode_AsUTF8AndSize", "HPyBytes_AsString", "HPyBytes_AS_STRING",
    "HPyTupleBuilder_New", "HPyTupleBuilder_Set", "HPyTupleBuilder_Build",
    "HPyTupleBuilder_Cancel",
    "HPyListBuilder_New", "HPyListBuilder_Set", "HPyListBuilder_Build",
    "HPyListBuilder_Cancel",
    "HPyTracker_New", "HPyTracker_Add", "HPyTracker_ForgetAll", "HPyTracker_Close",
    "HPyField_Store", "HPyField_Load", "HPyGlobal_Store", "HPyGlobal_Load",
    "HPy_LeavePythonExecution", "HPy_ReenterPythonExecution",
    "HPyType_FromSpec",
    "_HPy_TupleItems", "_HPy_CallWithTupleDict", "_HPy_CallTraverse", "_HPy_Dealloc",
    "HPy_SetCallFunction",
}

# Signatures whose debug handler is hand-written (universal/debug/api_types.c): custom
# ones that take a context, and those whose HPy_buffer carries a handle.
DEBUG_CUSTOM_SIGS = {"HPyFunc_GETBUFFERPROC", "HPyFunc_RELEASEBUFFERPROC"}

# Signatures no definition binds: a capsule's destructor is the extension's own
# trampoline, handed to the host by HPyCapsule_New, and takes no handle; a call function
# (HPyDef_CALL_FUNCTION) is the extension's trampoline too, installed by
# HPy_SetCallFunction; the others are HPy 0.9's, for slots neither HPy nor handlepy has.
UNBOUND_SIGS = {"HPyFunc_CAPSULE_DESTRUCTOR", "HPyFunc_VECTORCALLFUNC",
                "HPyFunc_SSIZESSIZEARGFUNC", "HPyFunc_SSIZESSIZEOBJARGPROC",
                "HPyFunc_FREEFUNC", "HPyFunc_GETATTRFUNC", "HPyFunc_SETATTRFUNC"}

# Types that carry handles in a way no generic rule covers: a function using one must be
# hand-written.
HANDLE_BEARING = {
    "HPyTupleBuilder", "HPyListBuilder", "HPyTracker", "HPyField", "HPyField *",
    "HPyGlobal", "HPyGlobal *", "HPyThreadState", "HPy_buffer *", "HPyType_SpecParam *",
    "HPyCFunction", "cpy_visitproc", "HPyCallFunction *",
}

INTEGER_TYPES = re.compile(r"^(HPy_ssize_t|size_t|int|long|unsigned|int\d+_t|uint\d+_t)\b")


class DebugGenError(Exception):
    pass


def c_file(note, includes, body):
    inc = "".join(f'#include "{i}"\n' for i in includes)
    return f"/* {note} */\n{inc}\n{body.rstrip()}\n"


def c_header(note, guard, body):
    return (f"/* {note} */\n#ifndef {guard}\n#define {guard}\n\n{body.rstrip()}\n\n"
            f"#endif /* {guard} */\n")


def decl(ctype, name):
    return f"{ctype}{'' if ctype.endswith('*') else ' '}{name}"


def pointer_to(ctype):
    return f"{ctype}{'*' if ctype.endswith('*') else ' *'}"


def ctx_params(e):
    return ", ".join(["HPyContext *ctx"] + [p.decl() for p in e.params])


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


# ---- handle arrays -------------------------------------------------------------------

def array_length(e, index, where):
    """An `HPy *` parameter next to an integer (the one after it, else the one before) is
    an array of that many handles, plus one per name in `kwnames` when the function has
    that parameter; None otherwise."""
    neighbours = [i for i in (index + 1, index - 1)
                  if 0 <= i < len(e.params) and INTEGER_TYPES.match(e.params[i].ctype)]
    if not neighbours:
        return None
    length = f"(HPy_ssize_t){e.params[neighbours[0]].name}"
    if any(p.name == "kwnames" and p.ctype == "HPy" for p in e.params):
        length += f" + hdbg_kwcount({where}kwnames)"
    return length


# ---- the debug context: generic wrappers ---------------------------------------------

def debug_wrapper(e):
    name, err = e.name, error_value(e.ret)
    for p in e.params:
        if p.ctype in HANDLE_BEARING:
            raise DebugGenError(
                f"{e.source}: {name} takes {p.ctype}; write its debug wrapper by hand and "
                f"list it in DEBUG_HAND_WRITTEN (api/generate_debug.py)")
    if e.ret in HANDLE_BEARING:
        raise DebugGenError(f"{e.source}: {name} returns {e.ret}; write its debug wrapper "
                            "by hand and list it in DEBUG_HAND_WRITTEN")
    reserved = [p.name for p in e.params if p.name.startswith(("d_", "u_"))]
    if reserved:
        raise DebugGenError(f"{e.source}: {name}: parameter names starting with d_ or u_ "
                            f"are the debug wrapper's own: {', '.join(reserved)}")
    fail = f"        {ret_stmt(err)}"
    body = [f"    hdbg_call *d_call = hdbg_enter(ctx, \"{name}\");",
            "    if (d_call == NULL)", fail]
    handles = [p for p in e.params if p.ctype == "HPy"]
    arrays, outputs = [], []
    for i, p in enumerate(e.params):
        if p.ctype in ("HPy *", "const HPy *"):
            length = array_length(e, i, "u_")
            if length is not None:
                arrays.append((p, length))
            elif p.ctype == "HPy *":
                outputs.append(p)
            else:
                raise DebugGenError(f"{e.source}: {name}: cannot tell the length of {p.name}")
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
    return f"static {e.ret} hdbg_{name}({ctx_params(e)})\n{{\n" + "\n".join(body) + "\n}\n"


def emit_debug_ctx(note, context):
    funcs = [e for e in context if e.kind == "func"]
    names = {e.name for e in funcs}
    stale = sorted(DEBUG_HAND_WRITTEN - names)
    if stale:
        raise DebugGenError(f"DEBUG_HAND_WRITTEN lists unknown functions: {', '.join(stale)}")
    out = [debug_wrapper(e) for e in funcs if e.name not in DEBUG_HAND_WRITTEN]
    fill = ["void hdbg_fill_context(HPyContext *ctx, const HPyContext *universal)", "{"]
    fill += [f"    ctx->{e.name} = hdbg_constant(universal->{e.name}, \"ctx->{e.name}\");"
             for e in context if e.kind == "handle"]
    fill += [f"    ctx->{e.name} = hdbg_{e.name};" for e in funcs]
    fill.append("}")
    out.append("\n".join(fill))
    return c_file(note, ["debug.h"], "\n".join(out))


def emit_debug_header(note, context, sigs):
    funcs = [e for e in context if e.kind == "func" and e.name in DEBUG_HAND_WRITTEN]
    lines = ["/* The hand-written debug wrappers (api/generate_debug.py lists them). */"]
    lines += [f"{decl(e.ret, 'hdbg_' + e.name)}({ctx_params(e)});" for e in funcs]
    lines += ["", "/* The hand-written debug handlers of signatures. */"]
    lines += [f"void hdbg_handle_{s.name}(ffi_cif *cif, void *ret, void **in, void *binding);"
              for s in sigs if debug_custom(s) and s.name not in UNBOUND_SIGS]
    lines += ["", "void hdbg_fill_context(HPyContext *ctx, const HPyContext *universal);",
              "extern const handlepy_ffi_handler hdbg_handlers[];"]
    return c_header(note, "HANDLEPY_DEBUG_AUTOGEN_DEBUG_H", "\n".join(lines))


# ---- host functions made at run time (libffi closures) -------------------------------

def ffi_type(ctype, where):
    if ctype == "void":
        return "&ffi_type_void"
    if ctype == "int":
        return "&ffi_type_sint"
    if ctype in ("HPy_ssize_t", "HPy_hash_t"):
        return "HANDLEPY_FFI_SSIZE"
    if ctype == "size_t":
        return "HANDLEPY_FFI_SIZE"
    if ctype.endswith("*") or ctype == "cpy_visitproc":
        return "&ffi_type_pointer"
    raise DebugGenError(f"{where}: no libffi type for host type {ctype!r}")


def store_result(ctype, value):
    """libffi wants integers narrower than a register widened to ffi_sarg."""
    if ctype == "void":
        return f"{value};"
    if ctype == "int":
        return f"*(ffi_sarg *)ret = {value};"
    return f"*({pointer_to(ctype)})ret = {value};"


def host_reads(s):
    return [f"    {decl(p.ctype, 'h_' + p.name)} = *({pointer_to(p.ctype)})in[{i}];"
            for i, p in enumerate(s.cpy_params)
            if any(q.name == p.name for q in s.params)]


def convert(value, from_type, to_type):
    """A C expression for `value`, of from_type, as to_type (the HPy/host conversions the
    generated handlers and trampolines share)."""
    if from_type == to_type:
        return value
    if to_type == "HPy":
        return f"_hpy_from_cpy({value})"
    if from_type == "HPy":
        return f"_hpy_to_cpy({value})"
    return f"({to_type}){value}"


def plain_handler(s):
    host = {p.name: p for p in s.cpy_params}
    args = ["b->ctx"] + [convert("h_" + p.name, host[p.name].ctype, p.ctype) for p in s.params]
    call = f"(({s.name}_impl)b->impl)({', '.join(args)})"
    return (f"static void plain_{s.name}(ffi_cif *cif, void *ret, void **in, void *binding)\n"
            f"{{\n    (void)cif;\n" + ("" if s.cpy_ret != "void" else "    (void)ret;\n") +
            "    handlepy_binding *b = binding;\n" + "\n".join(host_reads(s)) + "\n"
            f"    {store_result(s.cpy_ret, convert(call, s.ret, s.cpy_ret))}\n}}\n")


def emit_ffi_header(note, sigs):
    lines = ["/* Plain handlers of the signatures whose trampolines are hand-written "
             "(universal/ffi_custom.c). */"]
    lines += [f"void handlepy_plain_{s.name}(ffi_cif *cif, void *ret, void **in, void *binding);"
              for s in sigs if "custom" in s.flags and s.name not in UNBOUND_SIGS]
    return c_header(note, "HANDLEPY_AUTOGEN_FFI_H", "\n".join(lines))


def emit_ffi_handlers(note, sigs, slots):
    out = []
    for s in sigs:
        args = ", ".join(ffi_type(p.ctype, s.source) for p in s.cpy_params)
        out.append(f"static ffi_type *args_{s.name}[] = {{{args}}};")
    out.append("")
    out.append("const handlepy_ffi_signature handlepy_ffi_signatures[] = {")
    out += [f"    [{s.name}] = {{{ffi_type(s.cpy_ret, s.source)}, {len(s.cpy_params)}, "
            f"args_{s.name}}}," for s in sigs]
    out.append("};")
    out.append("const int handlepy_ffi_signature_count = "
               "sizeof handlepy_ffi_signatures / sizeof handlepy_ffi_signatures[0];\n")
    out += [plain_handler(s) for s in sigs
            if "custom" not in s.flags and s.name not in UNBOUND_SIGS]
    out.append(f"const handlepy_ffi_handler handlepy_plain_handlers[{len(sigs) + 1}] = {{")
    out += [f"    [{s.name}] = {'handlepy_' if 'custom' in s.flags else ''}plain_{s.name},"
            for s in sigs if s.name not in UNBOUND_SIGS]
    out.append("};\n")
    out.append("HPyFunc_Signature handlepy_slot_signature(HPySlot_Slot slot)\n{\n"
               "    switch (slot) {")
    out += [f"    case {s.name}:\n        return {s.ret};" for s in slots]
    out.append("    }\n    return (HPyFunc_Signature)0;\n}\n")
    out.append("const char *handlepy_slot_name(HPySlot_Slot slot)\n{\n    switch (slot) {")
    out += [f"    case {s.name}:\n        return \"{s.name}\";" for s in slots]
    out.append("    }\n    return \"unknown slot\";\n}")
    return c_file(note, ["ffi_bind.h"], "\n".join(out))


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
        elif p.ctype == "const HPy *":
            lines.append(f"    const HPy *p_{p.name} = hdbg_call_args(&call, h_{p.name}, "
                         f"h_nargs{kwcount});")
            args.append(f"p_{p.name}")
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


def emit_debug_handlers(note, sigs):
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
    return c_file(note, ["debug.h"], "\n".join(out))


def debug_outputs(entries, root, note):
    context = [e for e in entries if e.kind in ("handle", "func")]
    sigs = [e for e in entries if e.kind == "sig"]
    slots = [e for e in entries if e.kind == "slot"]
    return {
        root / "universal/autogen_ffi.h": emit_ffi_header(note, sigs),
        root / "universal/autogen_ffi_handlers.c": emit_ffi_handlers(note, sigs, slots),
        root / "universal/debug/autogen_debug.h": emit_debug_header(note, context, sigs),
        root / "universal/debug/autogen_debug_ctx.c": emit_debug_ctx(note, context),
        root / "universal/debug/autogen_debug_handlers.c": emit_debug_handlers(note, sigs),
    }
