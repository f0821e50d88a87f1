"""``python -m handlepy``: what a build system needs to compile handlepy extensions."""
import argparse
import sys

from . import __version__, build


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python -m handlepy", description=__doc__)
    ap.add_argument("--abi", choices=build.ABIS, default="universal")
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--cflags", action="store_true", help="defines and include flags")
    what.add_argument("--includes", action="store_true", help="include folders, one a line")
    what.add_argument("--sources", action="store_true", help="runtime C files, one a line")
    what.add_argument("--ext-suffix", action="store_true", help="the built module's ending")
    what.add_argument("--stub", metavar="NAME",
                      help="the loader stub NAME.py to install beside NAME.handlepy.so")
    what.add_argument("--version", action="store_true")
    args = ap.parse_args(argv)
    if args.cflags:
        print(" ".join(build.cflags(args.abi)))
    elif args.includes:
        print("\n".join(str(d) for d in build.include_dirs(args.abi)))
    elif args.sources:
        print("\n".join(str(s) for s in build.sources(args.abi)))
    elif args.ext_suffix:
        print(build.ext_suffix(args.abi))
    elif args.stub:
        sys.stdout.write(build.stub_source(args.stub))
    else:
        print(__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
