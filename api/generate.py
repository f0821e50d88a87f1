#!/usr/bin/env python3
"""Generate handlepy's context, call stubs, backend mappings, signatures, debug and trace
contexts and API reference from the api/*.api declarations.

The parsed model is the apimodel package beside this file; each generate_<family>.py
emitter writes one family of files from it (api/README.md). Standard library only: this
runs at development time on whatever Python builds the project.
"""
import argparse
import sys
from pathlib import Path

# The model and the emitters live beside this file, also when it is loaded by path.
sys.path.insert(0, str(Path(__file__).resolve().parent))
import apimodel  # noqa: E402
import generate_context  # noqa: E402
import generate_debug  # noqa: E402
import generate_reference  # noqa: E402
import generate_signatures  # noqa: E402
import generate_trace  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EMITTERS = [generate_context, generate_signatures, generate_reference, generate_debug,
            generate_trace]


def outputs(api_dir=apimodel.API_DIR):
    """{path: text} for every generated file, from the declarations in api_dir."""
    api = apimodel.load(api_dir)
    files = {}
    for emitter in EMITTERS:
        files.update(emitter.outputs(api, ROOT))
    return files


def main(argv=None, api_dir=apimodel.API_DIR):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--check", action="store_true", help="fail if an output is stale")
    ap.add_argument("--lock", action="store_true",
                    help="record the new context entries in abi.lock (at a release)")
    args = ap.parse_args(argv)
    try:
        if args.lock:
            entries = apimodel.load_entries(api_dir)
            apimodel.write_lock([e for e in entries if e.in_context], api_dir)
        stale = []
        for path, text in outputs(api_dir).items():
            current = path.read_text() if path.exists() else None
            if current == text:
                continue
            if args.check:
                stale.append(str(path.relative_to(ROOT)))
            else:
                path.write_text(text)
    except apimodel.ApiError as exc:
        print(f"api/generate.py: {exc}", file=sys.stderr)
        return 2
    if stale:
        print("stale generated files (run python3 api/generate.py): " + ", ".join(stale),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
