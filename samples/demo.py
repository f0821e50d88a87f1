"""Build the samples once as universal binaries, then run that same file on every
interpreter given, one line per interpreter."""
import argparse
import os
import subprocess
import sys
from pathlib import Path

from handlepy import build

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "demo"
SAMPLES = {
    "stats": [ROOT / "samples" / "stats" / "stats.c"],
    "ujson_hpy": sorted((ROOT / "samples" / "ujson").glob("*.c")),
    "harray": [ROOT / "samples" / "array" / "harray.c"],
}

RUN = """
import platform, stats, ujson_hpy
r = stats.describe([2.5, 3.5, 4.0, 10.0])
doc = ujson_hpy.loads(ujson_hpy.dumps({"pi": 3.14159, "ok": [True, None]}))
print(f"{platform.python_implementation()} {platform.python_version()}: "
      f"stats.describe -> mean={r['mean']:.3f} stdev={r['stdev']:.3f}; "
      f"ujson_hpy round trip -> {doc} "
      f"({stats.abi} binaries {stats.__file__.rsplit('/', 1)[1]}, "
      f"{ujson_hpy.__file__.rsplit('/', 1)[1]})")
import harray; a = harray.Array([1, 2, 3]); print(f"    harray: {a!r} * 2 - 1 = {a * 2 - 1!r}")
"""


def build_universal(name, sources, out_dir=OUT):
    """Build sample `name` as a universal binary (handlepy.build.build_cached, which finds
    it again while nothing it depends on changes) and put it into out_dir."""
    binary = build.build_cached(name, sources, "universal", ROOT / "build" / "demo-cache",
                                libraries=["m"], depends=_headers(sources))
    return build.copy_into_place(binary, Path(out_dir) / binary.name)


def _headers(sources):
    return sorted({h for src in sources for h in Path(src).parent.glob("*.h")})


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--interpreter", action="append", required=True)
    args = ap.parse_args()
    for name, sources in SAMPLES.items():
        print(f"built {build_universal(name, sources).relative_to(ROOT)} once")
    failures = 0
    for interp in map(os.path.abspath, args.interpreter):
        if not Path(interp).exists():
            print(f"{interp}: not found, skipped")
            continue
        proc = subprocess.run([interp, "-c", RUN], cwd=OUT, capture_output=True, text=True)
        print(proc.stdout.strip() or f"{interp}: FAILED\n{proc.stderr}")
        failures += proc.returncode != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
