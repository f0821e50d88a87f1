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

static void builder_set(HPyContext *ctx, intptr_t b, HPy_ssize_t index, HPy item,
                        const builder_ops *ops)
{
    hdbg_call *call = hdbg_enter(ctx, ops->set);
    if (call == NULL || b == 0)
        return;
    hdbg_slot *slot = hdbg_expect(call, b, ops->kind, ops->set, "the builder");
    HPy u;
    if (slot != NULL && hdbg_unwrap(call, item, &u, ops->set, "h_item") == 0)
        ops->inner_set(call->inner, slot->inner, index, u);
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
    if (call == NULL)
        return HPy_NULL;
    if (b == 0)
        return hdbg_open(call, ops->inner_build(call->inner, 0), ops->build);
    hdbg_slot *slot = hdbg_expect(call, b, ops->kind, ops->build, "the builder");
    if (slot == NULL)
        return HPy_NULL;
    return hdbg_open(call, ops->inner_build(call->inner, finish(slot, ops->build)), ops->build);
}

static void builder_cancel(HPyContext *ctx, intptr_t b, const builder_ops *ops)
{
    hdbg_call *call = hdbg_enter(ctx, ops->cancel);
    if (call == NULL)
        return;
    if (b == 0) {
        ops->inner_cancel(call->inner, 0);
        return;
    }
    hdbg_slot *slot = hdbg_expect(call, b, ops->kind, ops->cancel, "the builder");
    if (slot != NULL)
        ops->inner_cancel(call->inner, finish(slot, ops->cancel));
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
