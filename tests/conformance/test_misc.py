"""Imports, handles in void pointers, trackers and module state."""
import gc
import sys
import types
import weakref

import pytest

SOURCE = r"""
typedef struct {
    long calls;
    char zeroed[64];
} state_t;

HPyDef_METH(import_module, "import_module", HPyFunc_O)
static HPy import_module_impl(HPyContext *ctx, HPy self, HPy name)
{
    const char *utf8 = HPyUnicode_AsUTF8AndSize(ctx, name, NULL);
    return utf8 ? HPyImport_ImportModule(ctx, utf8) : HPy_NULL;
}

/* A handle survives a trip through void *, as C callbacks' user data. */
typedef struct {
    void *user_data;
} callback_t;

HPyDef_METH(voidp_roundtrip, "voidp_roundtrip", HPyFunc_O)
static HPy voidp_roundtrip_impl(HPyContext *ctx, HPy self, HPy obj)
{
    callback_t cb = {HPy_AsVoidP(obj)};
    HPy back = HPy_FromVoidP(cb.user_data);
    if (!HPy_Is(ctx, back, obj) || HPy_AsVoidP(HPy_NULL) != NULL ||
        !HPy_IsNull(HPy_FromVoidP(NULL)))
        return HPyErr_SetString(ctx, ctx->h_AssertionError, "void * round trip changed the handle");
    return HPy_Dup(ctx, back);
}

/* track(objs, hint): track a new handle to each object, then close the tracker; the
 * number of Adds that returned 0. */
HPyDef_METH(track, "track", HPyFunc_VARARGS)
static HPy track_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    HPyTracker ht = HPyTracker_New(ctx, HPyLong_AsSsize_t(ctx, args[1]));
    if (HPy_IsNull(ht))
        return HPy_NULL;
    HPy_ssize_t n = HPy_Length(ctx, args[0]), added = 0;
    for (HPy_ssize_t i = 0; i < n; i++)
        added += HPyTracker_Add(ctx, ht, HPy_GetItem_i(ctx, args[0], i)) == 0;
    HPyTracker_Close(ctx, ht);
    return HPyLong_FromSsize_t(ctx, added);
}

/* hold_and_forget(objs, extra): track a handle to each of objs and keep a copy of it,
 * forget them all, track a handle to `extra`, close the tracker. Only `extra`'s handle
 * is closed; release_held() closes the kept ones. */
static HPy held[64];
static HPy_ssize_t nheld;

HPyDef_METH(hold_and_forget, "hold_and_forget", HPyFunc_VARARGS)
static HPy hold_and_forget_impl(HPyContext *ctx, HPy self, const HPy *args, size_t nargs)
{
    HPyTracker ht = HPyTracker_New(ctx, 0);
    if (HPy_IsNull(ht))
        return HPy_NULL;
    nheld = HPy_Length(ctx, args[0]);
    for (HPy_ssize_t i = 0; i < nheld; i++) {
        held[i] = HPy_GetItem_i(ctx, args[0], i);
        HPyTracker_Add(ctx, ht, held[i]);
    }
    HPyTracker_ForgetAll(ctx, ht);
    HPyTracker_Add(ctx, ht, HPy_Dup(ctx, args[1]));
    HPyTracker_Close(ctx, ht);
    return HPy_Dup(ctx, ctx->h_None);
}

HPyDef_METH(release_held, "release_held", HPyFunc_NOARGS)
static HPy release_held_impl(HPyContext *ctx, HPy self)
{
    for (HPy_ssize_t i = 0; i < nheld; i++)
        HPy_Close(ctx, held[i]);
    nheld = 0;
    return HPy_Dup(ctx, ctx->h_None);
}

/* Tracking HPy_NULL is allowed, and closing it does nothing. */
HPyDef_METH(track_null, "track_null", HPyFunc_NOARGS)
static HPy track_null_impl(HPyContext *ctx, HPy self)
{
    HPyTracker ht = HPyTracker_New(ctx, 1);
    if (HPy_IsNull(ht))
        return HPy_NULL;
    int res = HPyTracker_Add(ctx, ht, HPy_NULL);
    HPyTracker_Close(ctx, ht);
    return HPyLong_FromLong(ctx, res);
}

HPyDef_METH(tracker_new, "tracker_new", HPyFunc_O)
static HPy tracker_new_impl(HPyContext *ctx, HPy self, HPy size)
{
    HPyTracker ht = HPyTracker_New(ctx, HPyLong_AsSsize_t(ctx, size));
    if (HPy_IsNull(ht))
        return HPy_NULL;
    HPyTracker_Close(ctx, ht);
    return HPy_Dup(ctx, ctx->h_None);
}

/* state_of(obj): None for no state, else the address, as an int. */
HPyDef_METH(state_of, "state_of", HPyFunc_O)
static HPy state_of_impl(HPyContext *ctx, HPy self, HPy obj)
{
    void *state = HPyModule_GetState(ctx, obj);
    if (state == NULL)
        return HPyErr_Occurred(ctx) ? HPy_NULL : HPy_Dup(ctx, ctx->h_None);
    return HPyLong_FromSize_t(ctx, (size_t)state);
}

HPyDef_METH(count_call, "count_call", HPyFunc_NOARGS)
static HPy count_call_impl(HPyContext *ctx, HPy self)
{
    state_t *st = HPyModule_STATE(ctx, self, state_t);
    for (size_t i = 0; i < sizeof st->zeroed; i++)
        if (st->zeroed[i] != 0)
            return HPyErr_SetString(ctx, ctx->h_AssertionError, "state not zeroed");
    return HPyLong_FromLong(ctx, ++st->calls);
}

@EXPORT(import_module)
@EXPORT(voidp_roundtrip)
@EXPORT(track)
@EXPORT(hold_and_forget)
@EXPORT(release_held)
@EXPORT(track_null)
@EXPORT(tracker_new)
@EXPORT(state_of)
@EXPORT(count_call)
@INIT(state_t)
"""

STATELESS = """
HPyDef_METH(nothing, "nothing", HPyFunc_NOARGS)
static HPy nothing_impl(HPyContext *ctx, HPy self)
{
    return HPy_Dup(ctx, ctx->h_None);
}
@EXPORT(nothing)
@INIT
"""


@pytest.fixture
def mod(hpy):
    return hpy.make_module(SOURCE)


class Item:
    """Weak-referenceable, so that a test can see whether a tracker released it."""


def released(refs):
    """Whether every referent is gone; PyPy's collector may need several passes."""
    for _ in range(10):
        if all(r() is None for r in refs):
            return True
        gc.collect()
    return False


# ---- imports -------------------------------------------------------------------

def test_import_module(mod):
    import math
    import os.path
    assert mod.import_module("math") is math
    assert mod.import_module("os.path") is os.path  # a dotted name gives the submodule


def test_import_missing_module(mod):
    with pytest.raises(ModuleNotFoundError, match="^No module named 'no_such_module_hpy'$"):
        mod.import_module("no_such_module_hpy")
    with pytest.raises(ModuleNotFoundError, match="^No module named 'os.no_such'"):
        mod.import_module("os.no_such")


def test_import_error_in_module_propagates(mod, tmp_path, monkeypatch):
    (tmp_path / "hpy_boom_at_import.py").write_text("raise LookupError('boom at import')\n")
    with monkeypatch.context() as patch, pytest.raises(LookupError, match="boom at import"):
        patch.syspath_prepend(str(tmp_path))
        mod.import_module("hpy_boom_at_import")
    assert "hpy_boom_at_import" not in sys.modules


def test_import_empty_name(mod):
    with pytest.raises(ValueError, match="Empty module name"):
        mod.import_module("")


# ---- void pointers -------------------------------------------------------------

def test_void_pointer_round_trip(mod):
    obj = object()
    assert mod.voidp_roundtrip(obj) is obj
    assert mod.voidp_roundtrip(None) is None


# ---- trackers ------------------------------------------------------------------

@pytest.mark.parametrize("hint", [0, 1, 2, -5])
def test_tracker_grows_past_its_hint_and_closes_everything(mod, hint):
    items = [Item() for _ in range(100)]
    refs = [weakref.ref(i) for i in items]
    assert mod.track(items, hint) == 100
    del items
    assert released(refs)


def test_tracker_empty(mod):
    assert mod.track([], 0) == 0
    assert mod.track([], 10) == 0


def test_tracker_forget_all(mod):
    kept = [Item() for _ in range(10)]
    extra = Item()
    refs = [weakref.ref(i) for i in kept]
    extra_ref = weakref.ref(extra)
    mod.hold_and_forget(kept, extra)
    del kept, extra
    # The one added after ForgetAll was closed; the forgotten ones were not.
    assert released([extra_ref])
    assert all(r() is not None for r in refs)
    mod.release_held()
    assert released(refs)


def test_tracker_tracks_null(mod):
    assert mod.track_null() == 0


def test_tracker_new_huge_hint(mod):
    with pytest.raises(MemoryError):
        mod.tracker_new(sys.maxsize)
    with pytest.raises(MemoryError):
        mod.tracker_new(sys.maxsize // 4)
    assert mod.tracker_new(1000) is None


# ---- module state --------------------------------------------------------------

def test_module_state_is_zeroed_and_kept(mod):
    first = mod.count_call()
    assert mod.count_call() == first + 1
    assert mod.state_of(mod) is not None


def test_module_state_of_other_modules(mod, hpy):
    assert mod.state_of(hpy.make_module(STATELESS)) is None
    assert mod.state_of(sys) is None
    assert mod.state_of(types.ModuleType("plain")) is None


def test_module_state_of_non_module(mod):
    with pytest.raises(TypeError, match="HPyModule_GetState: expected a module"):
        mod.state_of(42)
    with pytest.raises(TypeError, match="HPyModule_GetState: expected a module"):
        mod.state_of(types.ModuleType)


def test_context_abi_version(hpy):
    """HPy 0.9's ctx->abi_version: the major version, as HPY_ABI_VERSION says it and the
    loader reports it; the minor one is ctx->abi_minor."""
    from handlepy import _loader

    m = hpy.make_module("""
        HPyDef_METH(versions, "versions", HPyFunc_NOARGS)
        static HPy versions_impl(HPyContext *ctx, HPy self)
        {
            return HPy_BuildValue(ctx, "(iii)", ctx->abi_version, HPY_ABI_VERSION,
                                  (int)ctx->abi_minor);
        }
        @EXPORT(versions)
        @INIT
    """)
    major, minor = _loader.abi_version()
    assert m.versions() == (major, major, minor)
