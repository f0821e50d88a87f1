"""The api/*.api declarations, parsed: one Entry per line (api/README.md, "Syntax")."""
import re
from dataclasses import dataclass, field
from pathlib import Path

API_DIR = Path(__file__).resolve().parent.parent
# The order of the reference's sections, and of new context entries until a release
# numbers them (abi.py).
FILES = [
    "handles.api",
    "object.api",
    "call.api",
    "number.api",
    "long.api",
    "scalar.api",
    "unicode.api",
    "bytes.api",
    "containers.api",
    "errors.api",
    "misc.api",
    "module.api",
    "type.api",
    "hpyfunc.api",
    "helpers.api",
    "hybrid.api",
    "capsule.api",
    "contextvar.api",
    "structseq.api",
    "callfunction.api",
    "structs.api",
    "context.api",
]


@dataclass
class Param:
    ctype: str
    name: str
    # For a handle pointer declared `HPy name[LENGTH]` (an array of LENGTH handles the
    # function reads) or `HPy name[out]` (one handle it writes); see api/README.md.
    length: str = ""
    out: bool = False

    def decl(self):
        return f"{self.ctype}{'' if self.ctype.endswith('*') else ' '}{self.name}"


@dataclass
class Entry:
    kind: str  # handle, func, field, helper, macro, sig, slot, struct, enum, type; member, value
    name: str
    source: str
    doc: list = field(default_factory=list)
    section: str = ""
    ret: str = ""
    params: list = field(default_factory=list)
    variadic: bool = False
    mapping: str = ""
    cpy_ret: str = ""
    cpy_params: list = field(default_factory=list)
    flags: set = field(default_factory=set)
    # A struct's members or an enum's values: entries of kind member or value, in order.
    members: list = field(default_factory=list)

    def c_params(self):
        """The C parameter list: the context first (but for `noctx` signatures)."""
        ctx = [] if "noctx" in self.flags else ["HPyContext *ctx"]
        return ", ".join(ctx + [p.decl() for p in self.params])

    @property
    def in_context(self):
        return self.kind in ("handle", "func", "field")

    def signature(self):
        if self.kind == "handle":
            return "HPy"
        if self.kind == "field":
            return self.ret
        params = ", ".join(p.decl() for p in self.params)
        return f"{self.ret} ({params})"


class ApiError(Exception):
    pass


# custom: the trampoline is hand-written (include/handlepy/hpyfunc_custom.h);
# noctx: the implementation takes no context.
SIG_FLAGS = ("custom", "noctx")
DECL_RE = re.compile(r"^(?P<ret>.+?)\s*\b(?P<name>\w+)\s*\((?P<params>.*)\)$")


def parse_params(text, where):
    text = text.strip()
    if text in ("", "void"):
        return [], False
    params, variadic = [], False
    for raw in text.split(","):
        raw = raw.strip()
        if raw == "...":
            variadic = True
            continue
        m = re.match(r"^(?P<type>.*?)\s*\b(?P<name>\w+)\s*(?:\[(?P<arr>\s*\w*\s*)\])?$", raw)
        if not m or not m.group("type"):
            raise ApiError(f"{where}: cannot parse parameter {raw!r}")
        ctype = m.group("type").strip()
        bound = (m.group("arr") or "").strip()
        if m.group("arr") is not None:
            ctype += " *"
        params.append(Param(normalize_type(ctype), m.group("name"),
                            length="" if bound == "out" else bound, out=bound == "out"))
    check_bounds(params, where)
    return params, variadic


INTEGER_TYPES = re.compile(
    r"^(HPy_ssize_t|size_t|int|long|unsigned|unsigned int|unsigned long|int\d+_t|uint\d+_t)$")


def check_bounds(params, where):
    """`[out]` and `[LENGTH]` say what a handle pointer is; LENGTH names an integer."""
    by_name = {p.name: p for p in params}
    for p in params:
        if not (p.out or p.length):
            continue
        if p.out and p.ctype != "HPy *":
            raise ApiError(f"{where}: {p.name}[out] marks one handle the function writes: "
                           f"declare it HPy {p.name}[out]")
        if p.length and p.ctype not in ("HPy *", "const HPy *"):
            raise ApiError(f"{where}: {p.name}[{p.length}] marks an array of handles, but "
                           f"{p.name} is {p.ctype[:-2]} (only HPy arrays have a length)")
        length = by_name.get(p.length)
        if p.length and (length is None or not INTEGER_TYPES.match(length.ctype)):
            what = "no parameter" if length is None else f"{length.ctype}, not an integer"
            raise ApiError(f"{where}: the length of {p.name}[{p.length}] must be an integer "
                           f"parameter; {p.length} is {what}")


def normalize_type(ctype):
    return re.sub(r"\s*\*", " *", ctype).replace("* *", "**").strip()


def parse_decl(text, where):
    m = DECL_RE.match(text.strip())
    if not m:
        raise ApiError(f"{where}: cannot parse declaration {text!r}")
    params, variadic = parse_params(m.group("params"), where)
    return normalize_type(m.group("ret")), m.group("name"), params, variadic


def parse_file(path):
    entries, doc, section = [], [], ""
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        lineno, line = i + 1, lines[i].rstrip()
        i += 1
        while line.endswith("\\") and i < len(lines):
            line = line[:-1].rstrip() + " " + lines[i].strip()
            i += 1
        where = f"{path.name}:{lineno}"
        stripped = line.strip()
        if stripped.startswith("##"):
            doc.append(stripped[2:].strip())
            continue
        if not stripped or stripped.startswith("#"):
            continue
        kind, _, rest = stripped.partition(" ")
        if kind == "section":
            section = rest.strip()
            continue
        entry = parse_entry(kind, rest.strip(), where)
        entry.doc, entry.section, doc = doc, section, []
        if kind in MEMBER_OF:
            owner = entries[-1] if entries else None
            if owner is None or owner.kind != MEMBER_OF[kind]:
                raise ApiError(f"{where}: a {kind} line follows its {MEMBER_OF[kind]} line "
                               "or another of its lines")
            owner.members.append(entry)
            continue
        entries.append(entry)
    return entries


# The lines that belong to the entry above them rather than standing alone.
MEMBER_OF = {"member": "struct", "value": "enum"}


def parse_entry(kind, rest, where):
    if kind == "handle":
        name, arrow, expr = rest.partition("=>")
        if not arrow:
            raise ApiError(f"{where}: handle needs '=> EXPR'")
        return Entry("handle", name.strip(), where, mapping=expr.strip())
    if kind == "field":
        decl, arrow, expr = rest.partition("=>")
        words = decl.split()
        if not arrow or len(words) < 2:
            raise ApiError(f"{where}: field needs 'TYPE NAME => EXPR'")
        return Entry("field", words[-1], where, ret=" ".join(words[:-1]),
                     mapping=expr.strip())
    if kind in ("func", "hybridfunc"):
        decl, arrow, expr = rest.partition("=>")
        if not arrow:
            raise ApiError(f"{where}: {kind} needs '=> EXPR'")
        flags = {"hybrid"} if kind == "hybridfunc" else set()
        if decl.startswith("noreturn "):
            flags.add("noreturn")
            decl = decl[len("noreturn "):]
        ret, name, params, variadic = parse_decl(decl, where)
        if variadic:
            raise ApiError(f"{where}: no varargs in the context; declare {name} as a helper")
        if "noreturn" in flags and ret != "void":
            raise ApiError(f"{where}: a noreturn function returns void")
        return Entry("func", name, where, ret=ret, params=params, mapping=expr.strip(),
                     flags=flags)
    if kind == "helper":
        ret, name, params, variadic = parse_decl(rest, where)
        return Entry("helper", name, where, ret=ret, params=params, variadic=variadic)
    if kind == "slot":
        name, value, sig = rest.split()
        return Entry("slot", name, where, mapping=value, ret=sig)
    if kind == "macro":
        # The name is the last word before any parameters, less a pointer return's `*`.
        return Entry("macro", rest.split("(")[0].split()[-1].lstrip("*"), where, mapping=rest)
    if kind == "sig":
        flags = set()
        while rest.split()[-1] in SIG_FLAGS:
            flags.add(rest.split()[-1])
            rest = rest.rsplit(None, 1)[0]
        m = re.match(r"^(\w+)\s+(.+?)\s*\((.*)\)\s*\|\s*(.+?)\s*\((.*)\)$", rest)
        if not m:
            raise ApiError(f"{where}: cannot parse sig {rest!r}")
        params, _ = parse_params(m.group(3), where)
        cpy_params, _ = parse_params(m.group(5), where)
        return Entry("sig", m.group(1), where, ret=normalize_type(m.group(2)),
                     params=params, cpy_ret=normalize_type(m.group(4)), cpy_params=cpy_params,
                     flags=flags)
    if kind in ("struct", "enum", "type"):
        if not re.fullmatch(r"\w+", rest):
            raise ApiError(f"{where}: {kind} takes a name, not {rest!r}")
        return Entry(kind, rest, where)
    if kind == "member":
        params, variadic = parse_params(rest, where)
        if variadic or len(params) != 1:
            raise ApiError(f"{where}: member takes one declaration, as in a struct")
        return Entry("member", params[0].name, where, ret=params[0].ctype)
    if kind == "value":
        name, _, value = rest.partition("=")
        return Entry("value", name.strip(), where, mapping=value.strip())
    raise ApiError(f"{where}: unknown entry kind {kind!r}")


def load_entries(api_dir=API_DIR):
    """Every entry of the api/*.api files, in declaration order."""
    entries = []
    for name in FILES:
        entries.extend(parse_file(Path(api_dir) / name))
    seen = {}
    for e in entries:
        if e.name in seen:
            raise ApiError(f"{e.source}: {e.name} already declared at {seen[e.name]}")
        seen[e.name] = e.source
    return entries
