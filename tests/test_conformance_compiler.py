"""The conformance harness's compiler: its line directives name the test file's lines,
and a failed build keeps the expanded source and names it."""
import re
from pathlib import Path

import pytest

from handlepy.conformance.compiler import CompileError, ExtensionCompiler, expand_source

BROKEN = """
    HPyDef_METH(f, "f", HPyFunc_NOARGS)
    static HPy f_impl(HPyContext *ctx, HPy self)
    {
        return not_declared_anywhere;
    }
    @EXPORT(f)
    @INIT
"""


def line_in_this_file(text):
    lines = Path(__file__).read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line and "lines" not in line)


def test_a_compiler_error_names_the_test_file_line_and_the_kept_source():
    with pytest.raises(CompileError) as failure:
        ExtensionCompiler("universal", require_cached=False).make_module(BROKEN)
    message = str(failure.value)
    assert f"test_conformance_compiler.py:{line_in_this_file('not_declared_anywhere;')}:" \
        in message
    kept = re.search(r"the expanded source is kept in (\S+)$", message).group(1)
    assert "return not_declared_anywhere;" in Path(kept).read_text()


def test_the_generated_module_definition_is_numbered_as_the_expanded_file():
    text = expand_source(BROKEN, "mod", ("test_x.py", 10))
    lines = text.splitlines()
    assert lines[:2] == ['#include "hpy.h"', '#line 10 "test_x.py"']
    # The @INIT line (the source's 8th) becomes the module definition, in lines of
    # mod.c that carry their own numbers; the lines after it are the test file's again.
    directive = lines.index(next(line for line in lines if line.endswith('"mod.c"')))
    assert lines[directive] == f'#line {directive + 2} "mod.c"'
    assert lines[directive + 1].startswith("static HPyDef *_test_defines[]")
    end = next(i for i, line in enumerate(lines) if line.startswith("HPy_MODINIT"))
    assert lines[end + 1] == '#line 18 "test_x.py"'


def test_a_source_no_caller_holds_gets_no_line_directives():
    assert "#line" not in expand_source("@INIT\n", "mod")
