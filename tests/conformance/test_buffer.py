"""Types exporting buffers through HPy_bf_getbuffer and HPy_bf_releasebuffer."""
import contextlib
import gc
import platform
import struct

import pytest

IS_PYPY = platform.python_implementation() == "PyPy"

SOURCE = """
    /* The host's PyBUF_WRITABLE: HPy 0.9 names no buffer flags. */
    #define WRITABLE 0x0001

    typedef struct {
        int32_t items[2][3];
        HPy_ssize_t shape[2];
        HPy_ssize_t strides[2];
        int readonly;
        int exports;
        int releases;
        /* Releases that got back the `internal` pointer the export set. */
        int intact;
    } GridObject;
    HPyType_HELPERS(GridObject)

    static long destroyed;

    HPyDef_SLOT(Grid_new, HPy_tp_new)
    static HPy Grid_new_impl(HPyContext *ctx, HPy type, const HPy *args, HPy_ssize_t nargs,
                             HPy kw)
    {
        GridObject *g;
        HPy h = HPy_New(ctx, type, &g);
        if (HPy_IsNull(h))
            return HPy_NULL;
        for (int i = 0; i < 6; i++)
            g->items[i / 3][i % 3] = i * 10;
        g->shape[0] = 2;
        g->shape[1] = 3;
        g->strides[0] = sizeof g->items[0];
        g->strides[1] = sizeof g->items[0][0];
        g->readonly = nargs > 0 && HPy_IsTrue(ctx, args[0]);
        return h;
    }

    HPyDef_SLOT(Grid_getbuffer, HPy_bf_getbuffer)
    static int Grid_getbuffer_impl(HPyContext *ctx, HPy self, HPy_buffer *view, int flags)
    {
        GridObject *g = GridObject_AsStruct(ctx, self);
        if ((flags & WRITABLE) && g->readonly) {
            HPyErr_SetString(ctx, ctx->h_BufferError, "Object is not writable.");
            return -1;
        }
        view->buf = g->items;
        view->obj = HPy_Dup(ctx, self);
        view->len = sizeof g->items;
        view->itemsize = sizeof g->items[0][0];
        view->readonly = g->readonly;
        view->ndim = 2;
        view->format = "i";
        view->shape = g->shape;
        view->strides = g->strides;
        view->suboffsets = NULL;
        view->internal = g;
        g->exports++;
        return 0;
    }

    HPyDef_SLOT(Grid_releasebuffer, HPy_bf_releasebuffer)
    static void Grid_releasebuffer_impl(HPyContext *ctx, HPy self, HPy_buffer *view)
    {
        GridObject *g = GridObject_AsStruct(ctx, self);
        g->releases++;
        if (view->internal == g && view->buf == g->items)
            g->intact++;
    }

    HPyDef_SLOT(Grid_destroy, HPy_tp_destroy)
    static void Grid_destroy_impl(void *obj)
    {
        destroyed++;
    }

    HPyDef_GET(Grid_counts, "counts")
    static HPy Grid_counts_get(HPyContext *ctx, HPy self, void *closure)
    {
        GridObject *g = GridObject_AsStruct(ctx, self);
        return HPy_BuildValue(ctx, "(ii)", g->exports, g->releases);
    }

    HPyDef_GET(Grid_intact, "intact")
    static HPy Grid_intact_get(HPyContext *ctx, HPy self, void *closure)
    {
        return HPyLong_FromLong(ctx, GridObject_AsStruct(ctx, self)->intact);
    }

    HPyDef_GET(Grid_first, "first")
    static HPy Grid_first_get(HPyContext *ctx, HPy self, void *closure)
    {
        return HPyLong_FromLong(ctx, GridObject_AsStruct(ctx, self)->items[0][0]);
    }

    static HPyDef *Grid_defines[] = {
        &Grid_new, &Grid_getbuffer, &Grid_releasebuffer, &Grid_destroy, &Grid_counts,
        &Grid_intact, &Grid_first, NULL
    };
    static HPyType_Spec Grid_spec = {
        .name = "mytest.Grid",
        .basicsize = sizeof(GridObject),
        .flags = HPy_TPFLAGS_DEFAULT,
        .defines = Grid_defines,
    };

    /* A type whose export always fails. */
    HPyDef_SLOT(Broken_getbuffer, HPy_bf_getbuffer)
    static int Broken_getbuffer_impl(HPyContext *ctx, HPy self, HPy_buffer *view, int flags)
    {
        view->obj = HPy_NULL;
        HPyErr_SetString(ctx, ctx->h_BufferError, "no buffer today");
        return -1;
    }

    static HPyDef *Broken_defines[] = {&Broken_getbuffer, NULL};
    static HPyType_Spec Broken_spec = {
        .name = "mytest.Broken",
        .flags = HPy_TPFLAGS_DEFAULT,
        .defines = Broken_defines,
    };

    HPyDef_METH(destroyed_count, "destroyed", HPyFunc_NOARGS)
    static HPy destroyed_count_impl(HPyContext *ctx, HPy self)
    {
        return HPyLong_FromLong(ctx, destroyed);
    }

    HPyDef_SLOT(add_types, HPy_mod_exec)
    static int add_types_impl(HPyContext *ctx, HPy m)
    {
        if (!HPyHelpers_AddType(ctx, m, "Grid", &Grid_spec, NULL) ||
            !HPyHelpers_AddType(ctx, m, "Broken", &Broken_spec, NULL))
            return -1;
        return 0;
    }

    @EXPORT(add_types)
    @EXPORT(destroyed_count)
    @INIT
"""


@pytest.fixture
def mod(hpy):
    return hpy.make_module(SOURCE)


def collect():
    for _ in range(3):
        gc.collect()


def settle():
    """PyPy's cpyext calls releasebuffer when its view is collected, not at release()."""
    if IS_PYPY:
        collect()


def test_memoryview_reads_the_layout(mod):
    grid = mod.Grid()
    m = memoryview(grid)
    assert (m.ndim, m.shape, m.strides) == (2, (2, 3), (12, 4))
    assert (m.format, m.itemsize, m.nbytes, m.readonly) == ("i", 4, 24, False)
    assert m.obj is grid
    assert m.tolist() == [[0, 10, 20], [30, 40, 50]]
    assert m[1, 2] == 50
    assert bytes(m) == struct.pack("6i", 0, 10, 20, 30, 40, 50)
    assert m.cast("B").cast("i").tolist() == [0, 10, 20, 30, 40, 50]
    m.release()


def test_release_is_called_once_per_export(mod):
    grid = mod.Grid()
    assert grid.counts == (0, 0)
    m = memoryview(grid)
    assert grid.counts == (1, 0)
    m.release()
    settle()
    assert grid.counts == (1, 1)
    m.release()
    del m
    settle()
    assert grid.counts == (1, 1)
    with memoryview(grid) as m:
        assert grid.counts == (2, 1)
    del m
    settle()
    assert grid.counts == (2, 2)


@pytest.mark.skipif(IS_PYPY, reason="PyPy's cpyext hands releasebuffer a copy of the view "
                                    "without its internal pointer")
def test_release_gets_the_view_that_was_filled(mod):
    grid = mod.Grid()
    memoryview(grid).release()
    bytes(grid)
    assert grid.counts == (2, 2)
    assert grid.intact == 2


def test_derived_views_share_one_export(mod):
    grid = mod.Grid()
    m = memoryview(grid)
    row = m[1:]
    assert row.tolist() == [[30, 40, 50]]
    m.release()
    del m
    settle()
    assert grid.counts == (1, 0)
    row.release()
    del row
    settle()
    assert grid.counts == (1, 1)


def struct_target(obj):
    """What struct is given to reach obj's buffer, as a context manager. PyPy 3.11's struct
    takes only its built-in buffer types (not even a ctypes array): there, a memoryview."""
    if platform.python_implementation() == "PyPy":
        return memoryview(obj)
    return contextlib.nullcontext(obj)


def test_writes_go_to_the_object(mod):
    grid = mod.Grid()
    with memoryview(grid) as m:
        m[0, 0] = -7
    assert grid.first == -7
    with struct_target(grid) as target:
        struct.pack_into("i", target, 0, 99)
    assert grid.first == 99
    del m
    settle()
    assert grid.counts == (2, 2)


def test_readonly(mod):
    grid = mod.Grid(True)
    with memoryview(grid) as m:
        assert m.readonly
        with pytest.raises(TypeError, match="cannot modify read-only memory"):
            m[0, 0] = 1
    # The host turns the exporter's BufferError into its own TypeError.
    with pytest.raises(TypeError, match="read-write bytes-like object"):
        struct.pack_into("i", grid, 0, 1)
    assert bytes(grid)[:4] == b"\0\0\0\0"
    del m
    settle()
    assert grid.counts[0] == grid.counts[1]


def test_failing_export(mod):
    with pytest.raises(BufferError, match="no buffer today"):
        memoryview(mod.Broken())
    with pytest.raises(BufferError, match="no buffer today"):
        bytes(mod.Broken())


def test_view_keeps_the_exporter_alive(mod):
    collect()
    before = mod.destroyed()
    m = memoryview(mod.Grid())
    collect()
    assert mod.destroyed() == before
    assert m[0, 1] == 10
    m.release()
    del m
    collect()
    assert mod.destroyed() == before + 1

