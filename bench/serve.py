"""What a benchmark worker does once its loops are made: count callgrind segments or
serve timing requests (the protocol is in worker.py's docstring)."""
import json
import os
import sys


def run_segments(loops, counts, segments):
    """For each case of `counts` (JSON: case name to N), in order, run count * N calls for
    each count of `segments`, each run after a call to os.getppid: callgrind's
    --dump-before=getppid then counts every run on its own."""
    for name, n in json.loads(counts).items():
        for count in segments:
            os.getppid()
            loops[name](count * n)
    os.getppid()


def serve(loops):
    """Print ``ready``, then answer each ``CASE LOOPS`` line with the elapsed seconds."""
    print("ready", flush=True)
    for line in sys.stdin:
        name, _, count = line.rstrip("\n").rpartition(" ")
        print(repr(loops[name](int(count))), flush=True)


def main(loops, argv, segments):
    """The worker's command line after its own two arguments: --segments JSON, or none."""
    if argv[:1] == ["--segments"]:
        run_segments(loops, argv[1], segments)
    else:
        serve(loops)
    return 0
