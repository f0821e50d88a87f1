"""CPython's own argument parser, called through ctypes, as the reference that
test_argparse.py and the fuzz target (fuzz/argparse_target.py) hold handlepy's to.

Both sides of a comparison come out as ("returned", values) or ("raised", exception
name, message), with the values made comparable (objects by identity, floats by repr)."""
import ctypes
import re

UNITS = "bBhHiIlkLKnfdOps"

_SLOT_TYPES = {"b": ctypes.c_ubyte, "B": ctypes.c_ubyte, "h": ctypes.c_short,
               "H": ctypes.c_ushort, "i": ctypes.c_int, "I": ctypes.c_uint, "l": ctypes.c_long,
               "k": ctypes.c_ulong, "L": ctypes.c_longlong, "K": ctypes.c_ulonglong,
               "n": ctypes.c_ssize_t, "f": ctypes.c_float, "d": ctypes.c_double,
               "O": ctypes.py_object, "p": ctypes.c_int, "s": ctypes.c_char_p}


def available():
    """Whether this interpreter exposes its C API to ctypes (CPython does, PyPy not)."""
    return getattr(ctypes, "pythonapi", None) is not None


def comparable(values):
    """Objects by identity, floats by repr (NaN equals itself)."""
    return tuple(repr(v) if isinstance(v, float) else
                 v if isinstance(v, (int, str, type(...))) else ("id", id(v)) for v in values)


def parse_outcome(func, *args, **kwargs):
    """What a harness parser (parse, parse_kw, parse_dict) did with these arguments."""
    try:
        values = func(*args, **kwargs)
    except Exception as e:  # the exception is the outcome under test
        return "raised", type(e).__name__, str(e)
    return "returned", comparable(values)


def _slot_value(unit, slot):
    if unit == "O":
        try:
            return slot.value
        except ValueError:  # a NULL object: the argument was not given
            return ...
    if unit == "s":
        return ... if slot.value is None else slot.value.decode()
    return slot.value


def reference(fmt, keywords, args, kwargs):
    """CPython's PyArg_ParseTuple (keywords None) or PyArg_ParseTupleAndKeywords, for a
    format and keyword names given as str or bytes."""
    fmt = fmt if isinstance(fmt, bytes) else fmt.encode()
    units = [chr(c) for c in re.split(rb"[:;]", fmt)[0] if chr(c) in UNITS]
    slots = [_SLOT_TYPES[u]() for u in units]
    ptrs = [ctypes.byref(s) for s in slots]
    api = ctypes.pythonapi
    try:
        if keywords is None:
            api.PyArg_ParseTuple(ctypes.py_object(tuple(args)), fmt, *ptrs)
        else:
            names = [k if isinstance(k, bytes) else k.encode() for k in keywords]
            array = (ctypes.c_char_p * (len(names) + 1))(*names, None)
            api.PyArg_ParseTupleAndKeywords(ctypes.py_object(tuple(args)),
                                            ctypes.py_object(dict(kwargs)), fmt, array, *ptrs)
    except Exception as e:  # the exception is the outcome under test
        return "raised", type(e).__name__, str(e)
    return "returned", comparable(_slot_value(u, s) for u, s in zip(units, slots))
