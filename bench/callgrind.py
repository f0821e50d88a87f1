"""Reading callgrind output files: the total and the self cost of each function."""
import re
from collections import defaultdict
from pathlib import Path

# Name compression: "(12) name" defines id 12, a later "(12)" refers to it. Files,
# functions and objects are three separate id spaces.
_COMPRESSED = re.compile(r"^\((\d+)\)(?: (.*))?$")
_SPACES = {"ob": "ob", "cob": "ob", "fl": "fl", "fi": "fl", "fe": "fl", "cfi": "fl",
           "cfl": "fl", "fn": "fn", "cfn": "fn"}
# Callgrind splits recursion levels into name'2, name'3...: one function for us.
_RECURSION = re.compile(r"'\d+$")


def part(path):
    """The number of the dump (1, 2, ...) that a file of a --dump-before run holds."""
    with open(path) as f:
        for line in f:
            if line.startswith("part:"):
                return int(line.split()[1])
    raise ValueError(f"{path}: no part line")


def total(path):
    for line in Path(path).read_text().splitlines():
        if line.startswith("summary:") or line.startswith("totals:"):
            return int(line.split()[1])
    raise ValueError(f"{path}: no totals line")


def self_costs(path):
    """{(object basename, function): self instructions}."""
    names = {"ob": {}, "fl": {}, "fn": {}}
    costs = defaultdict(int)
    obj = fn = None
    skip_next = False
    for line in Path(path).read_text().splitlines():
        if not line:
            continue
        head = line[0]
        if head.isdigit() or head in "+-*":
            if skip_next:
                # The line after calls= holds the call's inclusive cost, not self cost.
                skip_next = False
            elif fn is not None:
                fields = line.split()
                if len(fields) > 1:
                    costs[(obj, fn)] += int(fields[1])
            continue
        key, sep, value = line.partition("=")
        if not sep:
            continue
        if key == "calls":
            skip_next = True
            continue
        space = _SPACES.get(key)
        if space is None:
            continue
        name = _resolve(names[space], value)
        if key == "ob":
            obj = Path(name).name
        elif key == "fn":
            fn = _RECURSION.sub("", name)
    return dict(costs)


def _resolve(table, value):
    m = _COMPRESSED.match(value)
    if m is None:
        return value
    ident, name = m.groups()
    if name is not None:
        table[ident] = name
    return table[ident]
