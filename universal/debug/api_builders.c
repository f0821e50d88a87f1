/* Tuple and list builders in debug mode: a builder is a debug handle of its own kind,
 * closed by Build or Cancel, so that any later use is caught. What the universal builder
 * defines (an out-of-range or HPy_NULL item, an item never set: Build fails) stays its
 * business. */
#include "debug.h"

typedef struct {
    hdbg_kind kind;
    const char *new_, *set, *build, *cancel;
    intptr_t (*inner_new)(HPyContext *, HPy_ssize_t);
    void (*inner_set)(HPyContext *, intptr_t, HPy_ssize_t, HPy);
    HPy (*inner_build)(HPyContext *, intptr_t);
    void (*inner_cancel)(HPyContext *, intptr_t);
} builder_ops;

static intptr_t tuple_new(HPyContext *c, HPy_ssize_t n)
{
    return c->HPyTupleBuilder_New(c, n)._i;
}

static void tuple_set(HPyContext *c, intptr_t b, HPy_ssize_t i, HPy h)
{
    c->HPyTupleBuilder_Set(c, (HPyTupleBuilder){b}, i, h);
}

static HPy tuple_build(HPyContext *c, intptr_t b)
{
    return c->HPyTupleBuilder_Build(c, (HPyTupleBuilder){b});
}

static void tuple_cancel(HPyContext *c, intptr_t b)
{
    c->HPyTupleBuilder_Cancel(c, (HPyTupleBuilder){b});
}

static intptr_t list_new(HPyContext *c, HPy_ssize_t n)
{
    return c->HPyListBuilder_New(c, n)._i;
}

static void list_set(HPyContext *c, intptr_t b, HPy_ssize_t i, HPy h)
{
    c->HPyListBuilder_Set(c, (HPyListBuilder){b}, i, h);
}

static HPy list_build(HPyContext *c, intptr_t b)
{
    return c->HPyListBuilder_Build(c, (HPyListBuilder){b});
}

static void list_cancel(HPyContext *c, intptr_t b)
{
    c->HPyListBuilder_Cancel(c, (HPyListBuilder){b});
}

static const builder_ops tuple_ops = {
    HDBG_TUPLE_BUILDER, "HPyTupleBuilder_New", "HPyTupleBuilder_Set",
    "HPyTupleBuilder_Build", "HPyTupleBuilder_Cancel",
    tuple_new, tuple_set, tuple_build, tuple_cancel};
static const builder_ops list_ops = {
    HDBG_LIST_BUILDER, "HPyListBuilder_New", "HPyListBuilder_Set",
    "HPyListBuilder_Build", "HPyListBuilder_Cancel",
    list_new, list_set, list_build, list_cancel};

/* 0 for a failed New, as in universal mode; Set, Build and Cancel take it too. */
static intptr_t builder_new(HPyContext *ctx, HPy_ssize_t size, const builder_ops *ops)
{
    hdbg_call *call = hdbg_enter(ctx, ops->new_);
    if (call == NULL)
        return 0;
    intptr_t inner = ops->inner_new(call->inner, size);
    if (inner == 0)
        return 0;
    intptr_t value = hdbg_new(ops->kind, inner, ops->new_, call->binding->name);
    if (value == 0) {
        ops->inner_cancel(call->inner, inner);
        PyErr_NoMemory();
    }
    return value;
}

/* The inner builder of `b`, after reporting a misuse. A builder already closed by
 * Build or Cancel then stands for a builder whose New failed (inner 0: Set and Cancel
 * do nothing, Build raises MemoryError), which is safe to carry on with in the modes
 * that carry on, as HPy's debug mode does; -1 when the call must fail. */
static int inner_of(hdbg_call *call, intptr_t b, const builder_ops *ops, const char *fn,
                    hdbg_slot **slot, intptr_t *inner)
{
    *slot = NULL;
    *inner = 0;
    if (b == 0)
        return 0;
    hdbg_slot *s;
    hdbg_status status = hdbg_lookup(b, &s);
    if (status == HDBG_OK && s->kind == ops->kind) {
        *slot = s;
        *inner = s->inner;
        return 0;
    }
    if (status == HDBG_CLOSED)
        return hdbg_bad_handle_as(call, b, fn, "the builder", hdbg_kind_name(ops->kind),
                                  HDBG_RECOVERABLE);
    return hdbg_bad_handle(call, b, fn, "the builder", hdbg_kind_name(ops->kind));
}

static void builder_set(HPyContext *ctx, intptr_t b, HPy_ssize_t index, HPy item,
                        const builder_ops *ops)
{
    hdbg_call *call = hdbg_enter(ctx, ops->set);
    hdbg_slot *slot;
    intptr_t inner;
    if (call == NULL || inner_of(call, b, ops, ops->set, &slot, &inner) < 0 || inner == 0)
        return;
    HPy u;
    if (hdbg_unwrap(call, item, &u, ops->set, "h_item") == 0)
        ops->inner_set(call->inner, inner, index, u);
}

static intptr_t finish(hdbg_slot *slot, const char *fn)
{
    intptr_t inner = slot->inner;
    hdbg_retire(slot, fn, 1);
    return inner;
}

static HPy builder_build(HPyContext *ctx, intptr_t b, const builder_ops *ops)
{
    hdbg_call *call = hdbg_enter(ctx, ops->build);
    hdbg_slot *slot;
    intptr_t inner;
    if (call == NULL || inner_of(call, b, ops, ops->build, &slot, &inner) < 0)
        return HPy_NULL;
    if (slot == NULL && b != 0) {
        /* A closed builder: Build fails as after a New that ran out of memory. */
        PyErr_NoMemory();
        return HPy_NULL;
    }
    if (slot != NULL)
        inner = finish(slot, ops->build);
    return hdbg_open(call, ops->inner_build(call->inner, inner), ops->build);
}

static void builder_cancel(HPyContext *ctx, intptr_t b, const builder_ops *ops)
{
    hdbg_call *call = hdbg_enter(ctx, ops->cancel);
    hdbg_slot *slot;
    intptr_t inner;
    if (call == NULL || inner_of(call, b, ops, ops->cancel, &slot, &inner) < 0)
        return;
    ops->inner_cancel(call->inner, slot != NULL ? finish(slot, ops->cancel) : inner);
}

HPyTupleBuilder hdbg_HPyTupleBuilder_New(HPyContext *ctx, HPy_ssize_t size)
{
    return (HPyTupleBuilder){builder_new(ctx, size, &tuple_ops)};
}

void hdbg_HPyTupleBuilder_Set(HPyContext *ctx, HPyTupleBuilder builder, HPy_ssize_t index,
                              HPy h_item)
{
    builder_set(ctx, builder._i, index, h_item, &tuple_ops);
}

HPy hdbg_HPyTupleBuilder_Build(HPyContext *ctx, HPyTupleBuilder builder)
{
    return builder_build(ctx, builder._i, &tuple_ops);
}

void hdbg_HPyTupleBuilder_Cancel(HPyContext *ctx, HPyTupleBuilder builder)
{
    builder_cancel(ctx, builder._i, &tuple_ops);
}

HPyListBuilder hdbg_HPyListBuilder_New(HPyContext *ctx, HPy_ssize_t size)
{
    return (HPyListBuilder){builder_new(ctx, size, &list_ops)};
}

void hdbg_HPyListBuilder_Set(HPyContext *ctx, HPyListBuilder builder, HPy_ssize_t index,
                             HPy h_item)
{
    builder_set(ctx, builder._i, index, h_item, &list_ops);
}

HPy hdbg_HPyListBuilder_Build(HPyContext *ctx, HPyListBuilder builder)
{
    return builder_build(ctx, builder._i, &list_ops);
}

void hdbg_HPyListBuilder_Cancel(HPyContext *ctx, HPyListBuilder builder)
{
    builder_cancel(ctx, builder._i, &list_ops);
}
