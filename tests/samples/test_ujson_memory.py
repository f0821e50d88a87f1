"""ujson_hpy's memory use on large strings (issue 15, cause C). The encoder used to
reserve six bytes of output per byte of a string before escaping it and doubled its
buffer: 1 GiB of address space for dumps("\\x01" * 10**8). Under ulimit -v that pushed
PyPy, whose cpyext copies a returned str into the object it hands back and treats a
failure there as fatal, into a segfault. Strings are now escaped in pieces, large
buffers grow by a quarter and are trimmed before the str is made, and room for the
copies is checked first (a MemoryError instead). The 100 MB cases run in make stress
(tests/stress/workloads.py, the "big" and "oom" loops); here the escaping across the
pieces' boundaries is checked."""
import json
from pathlib import Path

import pytest

from handlepy.conformance.plugin import supported_abis

ROOT = Path(__file__).resolve().parents[2]
CHUNK = 65536


@pytest.fixture(scope="module", params=supported_abis())
def uj(request):
    import importlib.util
    spec = importlib.util.spec_from_file_location("ujson_hpy_build",
                                                  ROOT / "samples" / "ujson" / "build.py")
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    return build.load(request.param)


# Each piece is placed so that it straddles a multiple of the chunk size, in the UTF-8.
PIECES = ["\x01", "\n", '"', "\\", "/", "\u00e9", "\u4e2d", "\U0001f600", "a" * 9]


@pytest.mark.parametrize("piece", PIECES)
@pytest.mark.parametrize("ensure_ascii", [True, False])
def test_escaping_across_piece_boundaries(uj, piece, ensure_ascii):
    width = len(piece.encode("utf-8"))
    for shift in range(1, width + 8):
        text = "x" * (CHUNK - shift) + piece * 3 + "y" * (CHUNK + 5) + piece
        out = uj.dumps(text, ensure_ascii=ensure_ascii, escape_forward_slashes=False)
        assert out == json.dumps(text, ensure_ascii=ensure_ascii)
        assert uj.loads(out) == text


def test_long_strings_of_escapes(uj):
    for text in ("\x01" * (3 * CHUNK + 7), "\U0001f600" * (CHUNK + 3), "\u00e9\x1f" * CHUNK):
        assert uj.dumps(text) == json.dumps(text)
        assert uj.dumps(text, ensure_ascii=False) == json.dumps(text, ensure_ascii=False)
        assert uj.loads(uj.dumps(text)) == text
    assert uj.dumps(["", "a", "\x01"]) == '["","a","\\u0001"]'
