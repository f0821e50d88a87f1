"""Pure Python, no extension loaded: lists that survived collections get fresh objects
and each other's objects copied in by slice assignment, extend then a deleted front,
insert then pop, over and over, and every object in a few of them is checked. PyPy
before 7.3.16 frees objects that such a list still holds when the copy meets its
collector's incremental marking (pypy/pypy#3959, fixed by the array-copy changes of
pypy/pypy#4928): under make stress's PYPY_GC settings 7.3.11 dies of SIGSEGV within
seconds, which tells its own crashes from handlepy's.

    python tests/stress/pypy_gc_probe.py SECONDS [SEED]
"""
import random
import sys
import time


class Item:
    __slots__ = ("value", "text")

    def __init__(self, value):
        self.value = value
        self.text = str(value)


def main(seconds, seed):
    rng = random.Random(seed)
    lists = [[Item(i) for i in range(2000)] for _ in range(200)]
    deadline = time.monotonic() + seconds
    rounds = 0
    while time.monotonic() < deadline:
        for _ in range(200):
            target = lists[rng.randrange(len(lists))]
            fresh = [Item(rng.randrange(10**6)) for _ in range(rng.randrange(1, 300))]
            at = rng.randrange(len(target) - len(fresh))
            step = rng.randrange(4)
            if step == 0:
                target[at:at + len(fresh)] = fresh
            elif step == 1:
                source = lists[rng.randrange(len(lists))]
                target[at:at + 100] = source[at:at + 100]
            elif step == 2:
                target.extend(fresh)
                del target[:len(fresh)]
            else:
                target.insert(at, fresh[0])
                target.pop()
        for checked in lists[rng.randrange(len(lists)):][:5]:
            for item in checked:
                if item.text != str(item.value):
                    print(f"corrupt item: {item.value!r} holds {item.text!r}", flush=True)
                    return 3
        rounds += 1
    print(f"rounds {rounds}")
    return 0


if __name__ == "__main__":
    sys.exit(main(float(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 0))
