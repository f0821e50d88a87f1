"""Emitter for docs/api-reference.md: every entry, by section, in declaration order.
Called by generate.py."""
from apimodel import banner

BANNER = banner(__file__)


def emit_reference(api):
    out = ["# API reference", "",
           f"<!-- {BANNER} -->", "",
           f"ABI version {api.major}.{api.minor}. Every function takes `HPyContext *ctx` "
           "first; it is left out of the signatures below. *Context* entries are called "
           "through the context in universal mode and map inline onto the C API in CPython "
           "mode; *helper* entries are compiled into the extension in both modes. The types, "
           "structs and definition macros an extension writes against follow the functions "
           "(" + ", ".join(f"[{s}](#{anchor(s)})" for s in sections(api, STRUCT_KINDS)) + ").",
           ""]
    section = None
    for e in api.entries:
        if e.section != section:
            section = e.section
            out += [f"## {section}", ""]
        doc = f": {' '.join(e.doc)}" if e.doc else ""
        if e.kind == "handle":
            out.append(f"- `ctx->{e.name}`: `{e.mapping}`")
        elif e.kind == "field":
            out.append(f"- `{e.ret} ctx->{e.name}` (context field){doc}")
        elif e.kind == "slot":
            out.append(f"- `{e.name}` ({e.ret}){doc}")
        elif e.kind == "macro":
            out.append(f"- `{e.mapping}` (macro){doc}")
        elif e.kind in ("struct", "enum", "type"):
            out.append(f"- `{e.name}` ({e.kind}){doc}")
            for m in e.members:
                mdoc = f": {' '.join(m.doc)}" if m.doc else ""
                shown = m.name
                if m.kind == "member":
                    shown = f"{m.ret}{'' if m.ret.endswith('*') else ' '}{m.name}"
                out.append(f"  - `{shown}`{mdoc}")
        elif e.kind == "sig":
            out.append(f"- `{e.name}`: `{e.ret} impl({e.c_params()})`{doc}")
        else:
            params = ", ".join([p.decl() for p in e.params] + (["..."] if e.variadic else []))
            where = "context" if e.kind == "func" else "helper"
            if "hybrid" in e.flags:
                where = "context; hybrid and CPython ABIs only"
            if "noreturn" in e.flags:
                where += "; does not return"
            out.append(f"- `{e.ret} {e.name}({params})` ({where}){doc}")
    return "\n".join(out) + "\n"


STRUCT_KINDS = ("struct", "enum", "type")


def sections(api, kinds):
    """The sections, in order, that hold an entry of one of ``kinds``."""
    return list(dict.fromkeys(e.section for e in api.entries if e.kind in kinds))


def anchor(title):
    """The anchor GitHub's Markdown gives a heading."""
    return "".join(c for c in title.lower().replace(" ", "-") if c.isalnum() or c in "-_")


def outputs(api, root):
    return {root / "docs/api-reference.md": emit_reference(api)}
