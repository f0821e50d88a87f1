"""Emitter for the HPyFunc_* signatures and the slots: their C types, declarations and
trampolines (include/handlepy/autogen_hpyfunc.h), and for the host functions libffi
closures make at run time (universal/autogen_ffi*). Called by generate.py; see
api/README.md ("Debug mode, trace mode and libffi bindings")."""
from apimodel import (UNBOUND_SIGS, ApiError, banner, c_file, c_header, convert,
                      host_reads, store_result)

BANNER = banner(__file__)


# Signatures HPy 0.9 names no lower-case function type after: handlepy's own, and
# CAPSULE_DESTRUCTOR, whose type is HPyFunc_Capsule_Destructor (include/handlepy/types.h).
NO_LOWER_TYPEDEF = {"HPyFunc_CALL", "HPyFunc_CAPSULE_DESTRUCTOR", "HPyFunc_VECTORCALLFUNC"}


def emit_hpyfunc(sigs, slots):
    enum = ["typedef enum {"]
    enum += [f"    {e.name} = {i + 1}," for i, e in enumerate(sigs)]
    enum.append("} HPyFunc_Signature;\n")
    enum.append("typedef enum {")
    enum += [f"    {e.name} = {e.mapping}," for e in slots]
    enum.append("} HPySlot_Slot;\n")
    enum += [f"#define _HPySlot_SIG__{e.name} {e.ret}" for e in slots]
    out = ["\n".join(enum)]
    for e in sigs:
        out.append(f"typedef {e.ret} (*{e.name}_impl)({e.c_params()});")
        if e.name not in NO_LOWER_TYPEDEF:
            # HPy 0.9's name for the same type: HPyFunc_NOARGS -> HPyFunc_noargs.
            lower = "HPyFunc_" + e.name[len("HPyFunc_"):].lower()
            out.append(f"typedef {e.name}_impl {lower};")
        out.append(f"#define _HPyFunc_DECLARE_{e.name}(SYM) static {e.ret} SYM({e.c_params()})")
    out.append("")
    for e in sigs:
        if "custom" in e.flags:
            continue
        by_name = {p.name: p for p in e.cpy_params}
        cpy_params = ", ".join(p.decl() for p in e.cpy_params)
        call_args = ["_HPyGetContext()"]
        for p in e.params:
            host = by_name.get(p.name)
            if host is None:
                raise ApiError(f"{e.source}: {p.name} has no host-side parameter")
            call_args.append(convert(p.name, host.ctype, p.ctype))
        used = {p.name for p in e.params}
        unused = "".join(f" (void){p.name};" for p in e.cpy_params if p.name not in used)
        call = f"IMPL({', '.join(call_args)})"
        if e.cpy_ret == "void":
            body = f"{call};"
        else:
            body = f"return {convert(call, e.ret, e.cpy_ret)};"
        out.append(f"#define _HPyFunc_TRAMPOLINE_{e.name}(SYM, IMPL) \\\n"
                   f"    static {e.cpy_ret} SYM({cpy_params}) \\\n"
                   f"    {{{unused} {body} }}")
    return c_header(BANNER, "HANDLEPY_AUTOGEN_HPYFUNC_H", "\n".join(out) + "\n")


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
    raise ApiError(f"{where}: no libffi type for host type {ctype!r}")


def plain_handler(s):
    host = {p.name: p for p in s.cpy_params}
    args = ["b->ctx"] + [convert("h_" + p.name, host[p.name].ctype, p.ctype) for p in s.params]
    call = f"(({s.name}_impl)b->impl)({', '.join(args)})"
    return (f"static void plain_{s.name}(ffi_cif *cif, void *ret, void **in, void *binding)\n"
            f"{{\n    (void)cif;\n" + ("" if s.cpy_ret != "void" else "    (void)ret;\n") +
            "    handlepy_binding *b = binding;\n" + "\n".join(host_reads(s)) + "\n"
            f"    {store_result(s.cpy_ret, convert(call, s.ret, s.cpy_ret))}\n}}\n")


def emit_ffi_header(sigs):
    lines = ["/* Plain handlers of the signatures whose trampolines are hand-written "
             "(universal/ffi_custom.c). */"]
    lines += [f"void handlepy_plain_{s.name}(ffi_cif *cif, void *ret, void **in, void *binding);"
              for s in sigs if "custom" in s.flags and s.name not in UNBOUND_SIGS]
    return c_header(BANNER, "HANDLEPY_AUTOGEN_FFI_H", "\n".join(lines))


def emit_ffi_handlers(sigs, slots):
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
    return c_file(BANNER, ["ffi_bind.h"], "\n".join(out))


def outputs(api, root):
    return {
        root / "include/handlepy/autogen_hpyfunc.h": emit_hpyfunc(api.sigs, api.slots),
        root / "universal/autogen_ffi.h": emit_ffi_header(api.sigs),
        root / "universal/autogen_ffi_handlers.c": emit_ffi_handlers(api.sigs, api.slots),
    }
