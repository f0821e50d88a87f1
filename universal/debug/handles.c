/* The debug handle table. A handle's value is (generation << 32) | (index << 1) | 1:
 * the low bit sets it apart from any object pointer, and a slot's generation moves on
 * when its handle closes, so a closed handle is told from an open one forever, even
 * after its slot is reused. Slots live in fixed chunks and never move. */
#include "debug.h"

#include <string.h>

#define CHUNK_BITS 12
#define CHUNK_SIZE (1 << CHUNK_BITS)
#define MAX_INDEX 0x7fffffff
/* Closed slots wait in a queue of this many before reuse, so that a report on a
 * recently closed handle can still say where it was closed. HPy's debug API calls it
 * the closed-handles queue, and lets it be resized. */
static size_t queue_max = 1024;

static hdbg_slot **chunks;
static Py_ssize_t n_chunks;
static uint32_t n_slots;
static uint64_t last_serial;

/* A ring of closed slot indices, oldest first. */
static uint32_t *ring;
static size_t ring_capacity, ring_head, ring_len;
/* Slots that left the queue when it was full: free for reuse at once. */
static uint32_t *spare;
static size_t spare_len, spare_capacity;

static hdbg_slot *slot_at(uint32_t index)
{
    return &chunks[index >> CHUNK_BITS][index & (CHUNK_SIZE - 1)];
}

static intptr_t encode(uint32_t index, uint32_t gen)
{
    return (intptr_t)(((uint64_t)gen << 32) | ((uint64_t)index << 1) | 1);
}

hdbg_status hdbg_lookup(intptr_t value, hdbg_slot **slot)
{
    *slot = NULL;
    if (value == 0)
        return HDBG_NULL;
    uint64_t bits = (uint64_t)value;
    uint32_t index = (uint32_t)((bits & 0xffffffffu) >> 1), gen = (uint32_t)(bits >> 32);
    if (!(bits & 1) || gen == 0)
        return HDBG_NOT_DEBUG;
    if (index >= n_slots)
        return HDBG_NEVER;
    hdbg_slot *s = slot_at(index);
    if (gen > s->gen || (gen == s->gen && !s->open))
        return HDBG_NEVER;
    *slot = s;
    return gen == s->gen ? HDBG_OK : HDBG_CLOSED;
}

static int ring_push(uint32_t index)
{
    if (ring_len == ring_capacity) {
        size_t capacity = ring_capacity ? ring_capacity * 2 : 4096;
        uint32_t *grown = malloc(capacity * sizeof(uint32_t));
        if (grown == NULL)
            return -1;
        for (size_t i = 0; i < ring_len; i++)
            grown[i] = ring[(ring_head + i) % ring_capacity];
        free(ring);
        ring = grown, ring_capacity = capacity, ring_head = 0;
    }
    ring[(ring_head + ring_len++) % ring_capacity] = index;
    return 0;
}

static uint32_t ring_pop(void)
{
    uint32_t index = ring[ring_head];
    ring_head = (ring_head + 1) % ring_capacity;
    ring_len--;
    return index;
}

/* A full queue gives up its oldest slot rather than the table growing; the order
 * (queue, then spare slots, then new ones) is the one HPy's debug mode has, which its
 * tests observe. */
static int fresh_index(uint32_t *index)
{
    if (ring_len > 0 && ring_len >= queue_max) {
        *index = ring_pop();
        return 0;
    }
    if (spare_len > 0) {
        *index = spare[--spare_len];
        return 0;
    }
    if (n_slots == MAX_INDEX)
        return -1;
    if ((n_slots >> CHUNK_BITS) == (uint32_t)n_chunks) {
        hdbg_slot **grown = realloc(chunks, sizeof(hdbg_slot *) * (size_t)(n_chunks + 1));
        if (grown == NULL)
            return -1;
        chunks = grown;
        chunks[n_chunks] = calloc(CHUNK_SIZE, sizeof(hdbg_slot));
        if (chunks[n_chunks] == NULL)
            return -1;
        n_chunks++;
    }
    *index = n_slots++;
    return 0;
}

intptr_t hdbg_new(hdbg_kind kind, intptr_t inner, const char *opened_by, const char *call)
{
    uint32_t index;
    if (fresh_index(&index) < 0)
        return 0;
    hdbg_slot *s = slot_at(index);
    s->index = index;
    if (s->gen == 0)
        s->gen = 1;
    s->inner = inner;
    s->open = 1;
    s->kind = (uint8_t)kind;
    s->reported = 0;
    s->serial = ++last_serial;
    s->opened_by = opened_by;
    s->call = call;
    s->closed_by = NULL;
    s->closed_at.n = 0;
    s->aux = NULL;
    s->buffers = NULL;
    s->constant_name = NULL;
    if (kind == HDBG_ARG || kind == HDBG_CONSTANT)
        s->opened_at.n = 0;
    else
        hdbg_capture(&s->opened_at);
    return encode(index, s->gen);
}

void hdbg_retire(hdbg_slot *slot, const char *closed_by, int backtrace)
{
    slot->open = 0;
    slot->closed_by = closed_by;
    slot->closed_at.n = 0;
    if (backtrace)
        hdbg_capture(&slot->closed_at);
    /* A slot whose generation would wrap is never reused, so no stale handle can ever
     * match a new one. */
    if (++slot->gen == 0 || ring_push(slot->index) < 0)
        return;
    if (ring_len > queue_max) {
        uint32_t oldest = ring_pop();
        if (spare_len == spare_capacity) {
            size_t capacity = spare_capacity ? spare_capacity * 2 : 256;
            uint32_t *grown = realloc(spare, capacity * sizeof(uint32_t));
            if (grown == NULL)
                return;
            spare = grown, spare_capacity = capacity;
        }
        spare[spare_len++] = oldest;
    }
}

size_t hdbg_queue_max(void)
{
    return queue_max;
}

void hdbg_set_queue_max(size_t size)
{
    queue_max = size;
}

void hdbg_each_queued(void (*fn)(hdbg_slot *, void *), void *arg)
{
    for (size_t i = 0; i < ring_len; i++)
        fn(slot_at(ring[(ring_head + i) % ring_capacity]), arg);
}

hdbg_slot *hdbg_slot_at(uint32_t index)
{
    return index < n_slots ? slot_at(index) : NULL;
}

uint64_t hdbg_serial(void)
{
    return last_serial;
}

void hdbg_each_open(uint64_t since, void (*fn)(hdbg_slot *, void *), void *arg)
{
    for (uint32_t i = 0; i < n_slots; i++) {
        hdbg_slot *s = slot_at(i);
        if (s->open && s->serial > since)
            fn(s, arg);
    }
}

const char *hdbg_kind_name(hdbg_kind kind)
{
    switch (kind) {
    case HDBG_HANDLE:
        return "handle";
    case HDBG_ARG:
        return "argument handle";
    case HDBG_CONSTANT:
        return "context constant";
    case HDBG_TUPLE_BUILDER:
        return "HPyTupleBuilder";
    case HDBG_LIST_BUILDER:
        return "HPyListBuilder";
    case HDBG_TRACKER:
        return "HPyTracker";
    }
    return "handle";
}

int hdbg_still_describes(hdbg_slot *slot, intptr_t closed_value)
{
    return !slot->open && slot->gen == (uint32_t)((uint64_t)closed_value >> 32) + 1;
}
