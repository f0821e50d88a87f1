"""``json_worker.py DATA_DIR``: the JSON sample (samples/ujson) in the modes the
environment selects, timing requests from bench/modes.py.

Imports ujson_hpy's universal binary (built by samples/ujson/build.py), reads the data
files, prints ``ready``, then serves ``FILE OP LOOPS`` lines (OP: loads or dumps) with the
elapsed seconds, until end of input.
"""
import importlib.util
import sys
import time
from pathlib import Path

import handlepy

ROOT = Path(__file__).resolve().parent.parent


def main(argv):
    spec = importlib.util.spec_from_file_location("ujson_build", ROOT / "samples/ujson/build.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    uj = handlepy.load("ujson_hpy", str(builder.build_module("universal")))
    texts = {path.name: path.read_text() for path in sorted(Path(argv[0]).glob("*.json"))}
    docs = {name: uj.loads(text) for name, text in texts.items()}
    ops = {"loads": lambda name: uj.loads(texts[name]), "dumps": lambda name: uj.dumps(docs[name])}
    print("ready", flush=True)
    for line in sys.stdin:
        name, op, loops = line.split()
        fn = ops[op]
        t0 = time.perf_counter()
        for _ in range(int(loops)):
            fn(name)
        print(repr(time.perf_counter() - t0), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
