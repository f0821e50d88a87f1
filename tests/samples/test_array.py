"""samples/array: harray in each ABI this interpreter loads, and its C-API twin
bench/micro/capi_array.c, held to the same tests so the benchmarks compare like with like."""
import contextlib
import gc
import itertools
import platform
import struct
import subprocess
import sys
import weakref

import pytest

import array_build

IS_PYPY = platform.python_implementation() == "PyPy"


@pytest.fixture(params=array_build.kinds(), scope="module")
def mod(request):
    return array_build.load(request.param)


def collect():
    """PyPy frees C-level objects one collection after their last reference goes."""
    for _ in range(3):
        gc.collect()


def test_each_build_reports_its_abi(mod):
    assert mod.abi == mod.__name__.split(".")[0]


def test_the_universal_binary_links_no_python_symbol():
    path = array_build.binary("universal")
    out = subprocess.run(["nm", "-D", "--undefined-only", str(path)], check=True,
                         capture_output=True, text=True).stdout
    assert [s for s in out.split() if s.startswith(("Py", "_Py"))] == []
    assert "Python.h" not in array_build.SAMPLE.read_text()


# ---- construction --------------------------------------------------------------------

def test_construct_from_any_iterable_of_numbers(mod):
    assert mod.Array([1, 2.5, True]).tolist() == [1.0, 2.5, 1.0]
    assert mod.Array(range(4)).tolist() == [0.0, 1.0, 2.0, 3.0]
    assert mod.Array(x / 2 for x in range(3)).tolist() == [0.0, 0.5, 1.0]
    assert mod.Array(mod.Array([7, 8])).tolist() == [7.0, 8.0]
    assert mod.Array().tolist() == [] and len(mod.Array([])) == 0


def test_construct_rejects_bad_arguments(mod):
    with pytest.raises(TypeError, match="'int' object is not iterable"):
        mod.Array(5)
    with pytest.raises(TypeError, match="must be real number, not str"):
        mod.Array([1, "x"])
    with pytest.raises(OverflowError):
        mod.Array([10 ** 400])
    with pytest.raises(TypeError, match=r"Array\(\) takes at most 1 argument \(2 given\)"):
        mod.Array([1], [2])
    with pytest.raises(TypeError, match=r"Array\(\) takes no keyword arguments"):
        mod.Array(iterable=[1])


def test_zeros(mod):
    assert mod.zeros(3).tolist() == [0.0, 0.0, 0.0]
    assert len(mod.zeros(0)) == 0
    assert type(mod.zeros(1)) is mod.Array
    with pytest.raises(ValueError, match="count >= 0"):
        mod.zeros(-1)
    with pytest.raises(TypeError, match="'float' object cannot be interpreted as an integer"):
        mod.zeros(1.5)
    with pytest.raises(OverflowError):
        mod.zeros(10 ** 30)


# ---- items and slices ----------------------------------------------------------------

def test_item_access_counts_negative_indices_from_the_end(mod):
    a = mod.Array([1, 2, 3])
    assert (a[0], a[2], a[-1], a[-3]) == (1.0, 3.0, 3.0, 1.0)
    assert type(a[0]) is float
    assert a[True] == 2.0


@pytest.mark.parametrize("index", [3, -4, 10 ** 30, -(10 ** 30)])
def test_item_access_out_of_range(mod, index):
    with pytest.raises(IndexError, match="index out of range|cannot fit 'int'"):
        mod.Array([1, 2, 3])[index]


def test_item_access_needs_an_integer(mod):
    with pytest.raises(TypeError, match="array indices must be integers or slices, not str"):
        mod.Array([1])["0"]
    with pytest.raises(TypeError, match="not float"):
        mod.Array([1])[0.0]


def test_len(mod):
    assert len(mod.Array(range(17))) == 17


SLICE_BOUNDS = [None, -12, -7, -1, 0, 1, 3, 7, 12]
SLICE_STEPS = [None, 1, 2, 3, -1, -2, -5]


def test_slices_match_list_slices(mod):
    data = [float(x * x) for x in range(7)]
    a = mod.Array(data)
    for start, stop, step in itertools.product(SLICE_BOUNDS, SLICE_BOUNDS, SLICE_STEPS):
        s = slice(start, stop, step)
        got = a[s]
        assert type(got) is mod.Array and got is not a
        assert got.tolist() == data[s], s
    assert a.tolist() == data


def test_slice_step_cannot_be_zero(mod):
    with pytest.raises(ValueError, match="slice step cannot be zero"):
        mod.Array([1, 2])[::0]


def test_a_slice_is_a_copy(mod):
    a = mod.Array([1, 2, 3])
    b = a[:]
    b[0] = 9
    assert a.tolist() == [1.0, 2.0, 3.0]


def test_item_assignment(mod):
    a = mod.Array([1, 2, 3])
    a[0] = 5
    a[-1] = 2.5
    a[1] = True
    assert a.tolist() == [5.0, 1.0, 2.5]
    with pytest.raises(IndexError, match="array assignment index out of range"):
        a[3] = 1
    with pytest.raises(IndexError, match="array assignment index out of range"):
        a[-4] = 1
    with pytest.raises(TypeError, match="must be real number, not str"):
        a[0] = "x"
    with pytest.raises(TypeError, match="array indices must be integers or slices, not str"):
        a["0"] = 1
    with pytest.raises(TypeError, match="Array' object doesn't support item deletion"):
        del a[0]
    assert a.tolist() == [5.0, 1.0, 2.5]


def test_slice_assignment_matches_list_for_equal_sizes(mod):
    data = [float(x) for x in range(7)]
    for start, stop, step in itertools.product(SLICE_BOUNDS, SLICE_BOUNDS, SLICE_STEPS):
        s = slice(start, stop, step)
        expected = list(data)
        new = [100.0 + k for k in range(len(expected[s]))]
        expected[s] = new
        a = mod.Array(data)
        a[s] = new
        assert a.tolist() == expected, s


def test_slice_assignment_of_another_size_or_bad_items_changes_nothing(mod):
    a = mod.Array([1, 2, 3, 4])
    with pytest.raises(ValueError, match="sequence of size 3 to slice of size 2"):
        a[::2] = [7, 8, 9]
    with pytest.raises(TypeError, match="must be real number"):
        a[:2] = [7, "x"]
    a[1:3] = a[2:0:-1]
    assert a.tolist() == [1.0, 3.0, 2.0, 4.0]
    a[:] = a
    assert a.tolist() == [1.0, 3.0, 2.0, 4.0]


# ---- numbers and comparison ----------------------------------------------------------

def test_elementwise_arithmetic_with_arrays_and_scalars(mod):
    a, b = mod.Array([1, 2, 3]), mod.Array([10, 20, 30])
    assert (a + b).tolist() == [11.0, 22.0, 33.0]
    assert (b - a).tolist() == [9.0, 18.0, 27.0]
    assert (a * b).tolist() == [10.0, 40.0, 90.0]
    assert (a + 1).tolist() == (1 + a).tolist() == [2.0, 3.0, 4.0]
    assert (a - 0.5).tolist() == [0.5, 1.5, 2.5]
    assert (10 - a).tolist() == [9.0, 8.0, 7.0]
    assert (a * 2).tolist() == (2 * a).tolist() == [2.0, 4.0, 6.0]
    assert (-a).tolist() == [-1.0, -2.0, -3.0]
    assert abs(mod.Array([-1.5, 0, 2])).tolist() == [1.5, 0.0, 2.0]
    assert a.tolist() == [1.0, 2.0, 3.0] and b.tolist() == [10.0, 20.0, 30.0]
    assert type(a + b) is mod.Array
    c = a
    c += 1
    assert c is not a and a.tolist() == [1.0, 2.0, 3.0]


def test_arithmetic_needs_equal_lengths(mod):
    with pytest.raises(ValueError, match=r"different lengths \(2 and 3\)"):
        mod.Array([1, 2]) + mod.Array([1, 2, 3])
    with pytest.raises(ValueError, match="different lengths"):
        mod.Array([1, 2]) * mod.Array([])


@pytest.mark.parametrize("other", ["x", [1.0], None, 1j])
def test_arithmetic_with_other_types_is_unsupported(mod, other):
    a = mod.Array([1.0])
    with pytest.raises(TypeError, match="unsupported operand"):
        a + other
    with pytest.raises(TypeError, match="unsupported operand"):
        other - a


def test_arithmetic_with_a_huge_int_overflows(mod):
    with pytest.raises(OverflowError):
        mod.Array([1]) * 10 ** 400


def test_equality(mod):
    a = mod.Array([1, 2])
    assert a == mod.Array([1.0, 2.0]) and not (a != mod.Array([1, 2]))
    assert a != mod.Array([1, 3]) and a != mod.Array([1, 2, 3]) and a != mod.Array()
    assert mod.Array() == mod.Array()
    assert a != [1.0, 2.0] and not (a == (1.0, 2.0))
    nan = mod.Array([float("nan")])
    assert nan != nan
    with pytest.raises(TypeError, match="'<' not supported"):
        a < a
    with pytest.raises(TypeError, match="unhashable type"):
        hash(a)


def test_sum_and_tolist(mod):
    a = mod.Array([0.5, 1.5, -4])
    assert a.sum() == -2.0 and type(a.sum()) is float
    assert mod.Array().sum() == 0.0
    lst = a.tolist()
    assert lst == [0.5, 1.5, -4.0] and type(lst) is list
    lst[0] = 99
    assert a[0] == 0.5


def test_repr(mod):
    assert repr(mod.Array([1, 2.5, -0.125])) == "Array([1.0, 2.5, -0.125])"
    assert repr(mod.Array()) == "Array([])"
    assert repr(mod.Array([float("inf")])) == "Array([inf])"


# ---- iteration -----------------------------------------------------------------------

def test_iteration_uses_an_iterator_type_of_its_own(mod):
    a = mod.Array([1, 2, 3])
    it = iter(a)
    assert type(it).__name__ == "ArrayIterator" and type(it) is not mod.Array
    assert iter(it) is it
    assert next(it) == 1.0
    assert list(it) == [2.0, 3.0]
    with pytest.raises(StopIteration):
        next(it)
    with pytest.raises(StopIteration):
        next(it)
    assert list(a) == [1.0, 2.0, 3.0] and list(mod.Array()) == []
    assert 2.0 in a and 5 not in a
    assert sorted(mod.Array([3, 1, 2])) == [1.0, 2.0, 3.0]


def test_an_iterator_keeps_its_array_alive_and_sees_assignments(mod):
    a = mod.Array([1, 2])
    it = iter(a)
    a[1] = 7
    del a
    collect()
    assert list(it) == [1.0, 7.0]


# ---- the buffer protocol -------------------------------------------------------------

def test_memoryview_of_an_array(mod):
    a = mod.Array([1, 2.5, 3])
    with memoryview(a) as m:
        assert (m.format, m.shape, m.readonly) == ("d", (3,), False)
        assert (m.itemsize, m.ndim, m.nbytes, m.strides) == (8, 1, 24, (8,))
        assert m.c_contiguous and m.tolist() == [1.0, 2.5, 3.0]
        assert m.obj is a
        m[1] = -1.0
        m[2:] = memoryview(mod.Array([9]))
    assert a.tolist() == [1.0, -1.0, 9.0]


def test_bytes_of_an_array(mod):
    assert bytes(mod.Array([1, 2.5])) == struct.pack("=dd", 1.0, 2.5)
    assert bytes(mod.Array()) == b""
    assert bytearray(mod.Array([-1])) == struct.pack("=d", -1.0)
    with memoryview(mod.Array([0.5, 2])) as m:
        assert m.cast("B").tobytes() == struct.pack("=dd", 0.5, 2.0)
    # PyPy 3.11's struct takes only its built-in buffer types (not even a ctypes array).
    source = mod.Array([0, 4])
    with (memoryview(source) if IS_PYPY else contextlib.nullcontext(source)) as buffer:
        assert struct.unpack_from("=d", buffer, 8) == (4.0,)


def test_a_buffer_keeps_its_array_alive(mod):
    m = memoryview(mod.Array([6, 7]))
    collect()
    assert m.tolist() == [6.0, 7.0]
    m.release()


# ---- Bag -----------------------------------------------------------------------------

class Target:
    """Weakly referenceable, so tests can see when it is freed."""


def test_bag_holds_python_objects(mod):
    marker = object()
    b = mod.Bag([1, "two", marker])
    assert len(b) == 3
    assert (b[0], b[1], b[2], b[-1], b[-3]) == (1, "two", marker, marker, 1)
    assert list(b) == [1, "two", marker]
    assert "two" in b and marker in b and 2 not in b
    b.add(None)
    assert len(b) == 4 and b[3] is None
    assert len(mod.Bag()) == 0 and list(mod.Bag()) == []


def test_bag_errors(mod):
    b = mod.Bag([1])
    with pytest.raises(IndexError, match="Bag index out of range"):
        b[1]
    with pytest.raises(IndexError, match="Bag index out of range"):
        b[-2]
    with pytest.raises(TypeError, match="Bag indices must be integers, not str"):
        b["0"]
    with pytest.raises(TypeError, match="'int' object is not iterable"):
        mod.Bag(3)
    with pytest.raises(TypeError, match=r"Bag\(\) takes no keyword arguments"):
        mod.Bag(items=[])
    with pytest.raises(ValueError, match="Bag is full: it holds at most 8 items"):
        mod.Bag(range(9))
    full = mod.Bag(range(8))
    with pytest.raises(ValueError, match="Bag is full"):
        full.add(8)
    assert list(full) == list(range(8))


def test_bag_iterates_over_a_snapshot(mod):
    b = mod.Bag([1, 2])
    it = iter(b)
    b.add(3)
    assert list(it) == [1, 2]


def test_bag_keeps_its_items_alive_until_cleared(mod):
    t = Target()
    ref = weakref.ref(t)
    b = mod.Bag([t])
    del t
    collect()
    assert ref() is b[0]
    b.clear()
    assert len(b) == 0 and list(b) == []
    collect()
    assert ref() is None
    b.add(5)
    assert list(b) == [5]


def test_a_freed_bag_releases_its_items(mod):
    t = Target()
    ref = weakref.ref(t)
    b = mod.Bag([t, t])
    del t, b
    collect()
    assert ref() is None


@pytest.mark.skipif(IS_PYPY, reason="PyPy's cpyext never collects a cycle that passes "
                    "through references a C type reports in tp_traverse")
def test_a_bag_containing_itself_is_collected(mod):
    t = Target()
    ref = weakref.ref(t)
    b = mod.Bag([t])
    b.add(b)
    assert b[1] is b and b in b
    gc.disable()
    try:
        del t, b
        assert ref() is not None, "the cycle keeps the bag alive until the collector runs"
        gc.collect()
    finally:
        gc.enable()
    assert ref() is None


# ---- references --------------------------------------------------------------------

def exercise(mod, item):
    """Every operation once, error paths included."""
    a = mod.Array([1, 2, 3])
    a[1:] = [5, 6]
    a[-1] = 2
    repr(a), a.tolist(), a.sum(), list(a), bytes(a), a == a, -a, abs(a), 2 - a, a * a, a[::2]
    b = mod.Bag([item, 1])
    b.add(item)
    item in b, 5 in b, b[-1], list(b)
    b.clear()
    failing = [lambda: a.__setitem__(slice(None, None, 2), [1, 2, 3]),
               lambda: a.__setitem__(0, "x"), lambda: a["x"], lambda: a[10 ** 30],
               lambda: a + "x", lambda: mod.Array([1, "x"]), lambda: mod.Bag(range(9)),
               lambda: b[0], lambda: mod.zeros(-1)]
    for operation in failing:
        try:
            operation()
        except (TypeError, ValueError, IndexError):
            pass
        else:
            raise AssertionError("no exception")


@pytest.mark.skipif(IS_PYPY, reason="PyPy has no reference counts to watch")
def test_no_reference_leaks(mod):
    import tracemalloc  # PyPy has no tracemalloc

    item = Target()
    exercise(mod, item)
    watched = [mod.Array, mod.Bag, type(iter(mod.Array())), item]
    counts = [sys.getrefcount(obj) for obj in watched]
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(3000):
            exercise(mod, item)
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    # Every instance holds its type: a leaked Array, iterator or Bag shows here.
    assert [sys.getrefcount(obj) for obj in watched] == counts
    # One leaked float per round would be 72000 bytes.
    assert grown < 32000


# ---- the twin ------------------------------------------------------------------------

OPERATIONS = [
    "Array([3, -1.5])",
    "Array([3, -1.5])[::-1] * 2 - Array([1, 1])",
    "abs(-Array(range(4)))[1:3]",
    "Array([1, 2]) == Array([1.0, 2.0])",
    "Array([1, 2]).sum()",
    "list(iter(Array([5, 6])))",
    "bytes(Array([1]))",
    "memoryview(Array([1, 2])).tolist()",
    "zeros(2) + 1",
    "list(Bag(['a', None]))",
    "Array([1])[1]",
    "Array([1]) + Array([])",
    "Array(['x'])",
    "Bag(range(9))",
    "Array([1]) < Array([2])",
]


def outcome(module, expression):
    namespace = {"Array": module.Array, "Bag": module.Bag, "zeros": module.zeros}
    try:
        return repr(eval(expression, namespace))
    except Exception as e:
        return f"{type(e).__name__}: {e}".replace(module.__name__.split(".")[-1] + ".", "")


def test_the_c_api_twin_behaves_like_the_sample():
    sample = array_build.load("universal")
    twin = array_build.load("capi")
    for expression in OPERATIONS:
        assert outcome(twin, expression) == outcome(sample, expression), expression
