"""What every step of docs/porting.md's counter module does, from Python: run as
``python check.py FOLDER`` with the built module in FOLDER; prints the module's file."""
import sys

sys.path.insert(0, sys.argv[1])
import counter  # noqa: E402

c = counter.Counter()
assert c.count == 0
assert c.incr() == 1 and c.incr(n=5) == 6 and c.incr(-2) == 4
assert c.count == 4
c.count = 10
assert counter.Counter(start=3).count == 3 and counter.Counter(7).incr() == 8
# The messages differ between Python versions and interpreters; the type does not.
for call in [lambda: counter.Counter("x"), lambda: c.incr(m=1), lambda: counter.total([1, "a"]),
             lambda: counter.total(5)]:
    try:
        call()
    except TypeError:
        pass
    else:
        raise AssertionError("no TypeError")
assert counter.total([1, 2, 3]) == 6 and counter.total(range(100)) == 4950
assert counter.total(()) == 0
assert counter.Counter.__doc__.startswith("Counter(start=0)")
print(counter.__file__)
