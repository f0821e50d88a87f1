"""ujson_hpy at its nesting limits on a thread with a 128 KiB stack (musl's default), in
every ABI this interpreter runs (issue 15, cause D). The decoder recursed once per level
with frames large enough that 1024 nested arrays overflowed such a stack, as did the
encoder: both now keep their open containers on a heap stack. A crash kills the process,
so each check runs in a child interpreter."""
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from handlepy.conformance.plugin import supported_abis

ROOT = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import importlib.util, sys, threading
    spec = importlib.util.spec_from_file_location("ujson_hpy_build", sys.argv[1])
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    uj = build.load(sys.argv[2])

    def nest_lists(n):
        value = []
        for _ in range(n - 1):
            value = [value]
        return value

    def nest_dicts(n):
        value = {}
        for _ in range(n - 1):
            value = {"k": value}
        return value

    class Opaque:
        pass

    def checks():
        out = []
        out.append(uj.loads("[" * 1024 + "]" * 1024) is not None)
        out.append(uj.loads('{"a":' * 1023 + "{}" + "}" * 1023) is not None)
        out.append(uj.loads(b"[" * 1024 + b"]" * 1024) is not None)
        for text in ("[" * 1025 + "]" * 1025, "[" * 1000000, '{"a":' * 1025 + "1"):
            try:
                uj.loads(text)
                out.append("no error")
            except ValueError as e:
                out.append(e.msg)
        out.append(len(uj.dumps(nest_lists(1025))))
        out.append(len(uj.dumps(nest_dicts(1025), indent=1, sort_keys=True)))
        out.append(len(uj.dumps(tuple(nest_lists(1025)))))
        for value, kw in ((nest_lists(1026), {}), (nest_dicts(1026), {}),
                          (Opaque(), {"default": lambda o: o})):
            try:
                uj.dumps(value, **kw)
                out.append("no error")
            except (OverflowError, TypeError, RecursionError) as e:
                out.append(type(e).__name__)
        return out

    threading.stack_size(128 * 1024)
    result = []
    thread = threading.Thread(target=lambda: result.append(checks()))
    thread.start()
    thread.join()
    print(result[0])
""")


@pytest.mark.parametrize("abi", supported_abis())
def test_nesting_limits_on_a_128k_thread_stack(abi):
    proc = subprocess.run([sys.executable, "-X", "faulthandler", "-c", CHILD,
                           str(ROOT / "samples" / "ujson" / "build.py"), abi],
                          capture_output=True, text=True, timeout=600,
                          # Not from the checkout's root, whose handlepy/ would shadow the
                          # installed package.
                          cwd=tempfile.gettempdir())
    assert proc.returncode == 0, proc.stderr[-3000:]
    limit = "Reached object decoding depth limit"
    out = eval(proc.stdout)
    assert out[:6] == [True, True, True, limit, limit, limit]
    assert out[6] == 2 * 1025
    assert out[7] > 2 * 1025 and out[8] == 2 * 1025
    assert "no error" not in out[9:] and len(out) == 12
