"""python -m handlepy: what a build system needs to compile handlepy extensions."""
import argparse
import sys

from . import __version__, build

EPILOG = """\
The build systems' recipes are in docs/building.md of handlepy's sources. Examples:
  python -m handlepy --abi universal --cflags
  PKG_CONFIG_PATH=$(python -m handlepy --pkg-config-path) pkg-config --cflags handlepy
"""


def main(argv=None):
    ap = argparse.ArgumentParser(
        prog="python -m handlepy", epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Print what a build system needs to compile a handlepy extension "
                    "for this interpreter, in the ABI given by --abi.")
    ap.add_argument("--abi", choices=build.ABIS, default="universal",
                    help="universal: NAME.handlepy.so for every interpreter; cpython: an "
                         "extension of this CPython; hybrid: universal, but also calls the "
                         "C API (default: universal)")
    what = ap.add_mutually_exclusive_group(required=True)
    what.add_argument("--cflags", action="store_true", help="defines and include flags")
    what.add_argument("--includes", action="store_true", help="include folders, one a line")
    what.add_argument("--sources", action="store_true",
                      help="runtime C files to compile into every extension, one a line")
    what.add_argument("--ext-suffix", action="store_true",
                      help="the ending of the built module's file name")
    what.add_argument("--stub", metavar="NAME",
                      help="the loader stub NAME.py to install beside NAME.handlepy.so")
    what.add_argument("--pkg-config-path", nargs="?", const="", metavar="DIR",
                      help="write handlepy.pc (universal) and handlepy-ABI.pc for every "
                           "ABI into DIR (default: a folder of the user's cache) and "
                           "print the folder, for PKG_CONFIG_PATH")
    what.add_argument("--version", action="store_true", help="handlepy's version")
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
    elif args.pkg_config_path is not None:
        from . import pkgconfig
        print(pkgconfig.write(args.pkg_config_path or None))
    else:
        print(__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
