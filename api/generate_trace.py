"""Emitter for trace mode: the trace context, in which every context function is counted
and timed (universal/trace/autogen_trace*). Called by generate.py; see api/README.md
("Debug mode, trace mode and libffi bindings")."""
from apimodel import ApiError, banner, c_file, c_header, decl

BANNER = banner(__file__)

# Trace wrappers written by hand in universal/trace/trace.c: type creation must bind the
# new type's functions to the trace context.
TRACE_HAND_WRITTEN = {"HPyType_FromSpec"}


def trace_wrapper(e):
    reserved = [p.name for p in e.params if p.name.startswith("t_")]
    if reserved:
        raise ApiError(f"{e.source}: {e.name}: parameter names starting with t_ are "
                            f"the trace wrapper's own: {', '.join(reserved)}")
    args = ", ".join(["t_ctx->inner"] + [p.name for p in e.params])
    call = f"t_ctx->inner->{e.name}({args})"
    body = ["    htrace_context *t_ctx = htrace_of(ctx);",
            f"    uint64_t t_start = htrace_enter(HTRACE_{e.name});"]
    if e.ret == "void":
        body += [f"    {call};", f"    htrace_leave(t_ctx, HTRACE_{e.name}, t_start);"]
    else:
        body += [f"    {decl(e.ret, 't_result')} = {call};",
                 f"    htrace_leave(t_ctx, HTRACE_{e.name}, t_start);",
                 "    return t_result;"]
    return f"static {e.ret} htrace_{e.name}({e.c_params()})\n{{\n" + "\n".join(body) + "\n}\n"


def emit_trace_header(funcs):
    lines = ["/* One counter per context function, in context order. */", "enum {"]
    lines += [f"    HTRACE_{e.name}," for e in funcs]
    lines += ["    HTRACE_ENTRIES", "};", "",
              "extern const char *const htrace_names[HTRACE_ENTRIES];", ""]
    lines += [f"{decl(e.ret, 'htrace_' + e.name)}({e.c_params()});"
              for e in funcs if e.name in TRACE_HAND_WRITTEN]
    lines.append("void htrace_fill_context(HPyContext *ctx, const HPyContext *inner);")
    return c_header(BANNER, "HANDLEPY_DEBUG_AUTOGEN_TRACE_H", "\n".join(lines))


def emit_trace_ctx(api):
    funcs = api.funcs
    out = [trace_wrapper(e) for e in funcs if e.name not in TRACE_HAND_WRITTEN]
    out.append("const char *const htrace_names[HTRACE_ENTRIES] = {")
    out += [f"    \"{e.name}\"," for e in funcs]
    out.append("};\n")
    fill = ["void htrace_fill_context(HPyContext *ctx, const HPyContext *inner)", "{"]
    fill += [f"    ctx->{e.name} = inner->{e.name};" for e in api.handles + api.fields]
    fill += [f"    ctx->{e.name} = htrace_{e.name};" for e in funcs]
    fill.append("}")
    out.append("\n".join(fill))
    return c_file(BANNER, ["trace.h"], "\n".join(out))


def outputs(api, root):
    stale = sorted(TRACE_HAND_WRITTEN - {e.name for e in api.funcs})
    if stale:
        raise ApiError(f"TRACE_HAND_WRITTEN lists unknown functions: {', '.join(stale)}")
    return {
        root / "universal/trace/autogen_trace.h": emit_trace_header(api.funcs),
        root / "universal/trace/autogen_trace_ctx.c": emit_trace_ctx(api),
    }
