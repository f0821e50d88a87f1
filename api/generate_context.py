"""Emitter for the context: its struct, the universal stubs that call through it, the
CPython backend's inline mappings, and the loader's filling of the universal context.
Called by generate.py."""
import re

import apimodel
from apimodel import banner, c_file, c_header

BANNER = banner(__file__)


def emit_ctx(api):
    lines = [f"#define HPY_ABI_VERSION {api.major}",
             f"#define HPY_ABI_VERSION_MINOR {api.minor}",
             "/* The version of handlepy these headers come from, and the first release that",
             " * provides this ABI version (what a binary built with them needs). */",
             f'#define HANDLEPY_VERSION "{apimodel.project_version(api.api_dir)}"',
             '#define HANDLEPY_ABI_RELEASE '
             f'"{apimodel.abi_release(api.major, api.minor, api.api_dir)}"',
             f"#define HANDLEPY_CONTEXT_ENTRIES {len(api.context)}", "",
             "struct _HPyContext_s {",
             "    const char *name;",
             "    uint32_t abi_major;",
             "    uint32_t abi_minor;",
             "    size_t size;",
             "    void *_private;"]
    for e in api.context:
        if e.kind == "handle":
            lines.append(f"    HPy {e.name};")
        elif e.kind == "field":
            lines.append(f"    {e.ret} {e.name};")
        else:
            lines.append(f"    {e.ret} (*{e.name})({e.c_params()});")
    lines.append("};")
    return c_header(BANNER, "HANDLEPY_AUTOGEN_CTX_H", "\n".join(lines))


def emit_universal_calls(api):
    out = []
    for e in api.funcs:
        args = ", ".join(["ctx"] + [p.name for p in e.params])
        ret = "" if e.ret == "void" else "return "
        # The context's pointer cannot say that it never returns; abort() tells the
        # compiler, which would otherwise warn that a noreturn function returns.
        after = "\n    abort();" if "noreturn" in e.flags else ""
        stub = (f"HPyAPI_FUNC {noreturn(e)}{e.ret} {e.name}({e.c_params()})\n"
                f"{{\n    {ret}ctx->{e.name}({args});{after}\n}}\n")
        if "hybrid" in e.flags:
            # Calling it from a pure universal build is a compile-time error naming it.
            stub = (f"#ifdef HPY_ABI_HYBRID\n{stub}#else\n"
                    f"_HPy_UNAVAILABLE(\"Cannot use legacy functions when targeting the HPy "
                    f"Universal ABI: {e.name} needs the C API; build with HPY_ABI_HYBRID "
                    f"or HPY_ABI_CPYTHON\")\n{e.ret} {e.name}({e.c_params()});\n#endif\n")
        out.append(stub)
    return c_header(BANNER, "HANDLEPY_UNIVERSAL_AUTOGEN_CALLS_H", "\n".join(out))


def noreturn(e):
    return "_HPy_NO_RETURN " if "noreturn" in e.flags else ""


def host_expr(e):
    expr = e.mapping
    for p in e.params:
        if p.ctype == "HPy":
            expr = re.sub(rf"(?<![\w.>]){p.name}\b", f"_h2py({p.name})", expr)
    return expr


def emit_cpython_calls(api):
    consts = [f"    ctx->{e.name} = _py2h({e.mapping});" for e in api.handles]
    consts += [f"    ctx->{e.name} = {e.mapping};" for e in api.fields]
    out = ["HPyAPI_FUNC void _hpy_cpy_fill_constants(HPyContext *ctx)\n{\n"
           + "\n".join(consts) + "\n}\n"]
    for e in api.funcs:
        expr = host_expr(e)
        if e.ret == "HPy":
            body = f"return _py2h({expr});"
        elif e.ret == "void":
            body = f"{expr};"
        else:
            body = f"return {expr};"
        unused = "".join(f"    (void){p.name};\n" for p in e.params
                         if not re.search(rf"\b{p.name}\b", e.mapping))
        out.append(f"HPyAPI_FUNC {noreturn(e)}{e.ret} {e.name}({e.c_params()})\n"
                   f"{{\n    (void)ctx;\n{unused}    {body}\n}}\n")
    return c_header(BANNER, "HANDLEPY_CPYTHON_AUTOGEN_CALLS_H", "\n".join(out))


def emit_ctx_fill(api):
    lines = ["void handlepy_fill_context(HPyContext *ctx)", "{",
             "    _hpy_cpy_fill_constants(ctx);"]
    lines += [f"    ctx->{e.name} = {e.name};" for e in api.funcs]
    lines.append("}")
    return c_file(BANNER, ["loader.h"], "\n".join(lines))


def outputs(api, root):
    return {
        root / "include/handlepy/autogen_ctx.h": emit_ctx(api),
        root / "include/handlepy/universal/autogen_calls.h": emit_universal_calls(api),
        root / "include/handlepy/cpython/autogen_calls.h": emit_cpython_calls(api),
        root / "universal/autogen_ctx_fill.c": emit_ctx_fill(api),
    }
