#include "buffer.h"

void ujson_buffer_init(ujson_buffer *b)
{
    b->data = b->inline_data;
    b->len = 0;
    b->cap = UJSON_BUFFER_INLINE;
}

void ujson_buffer_free(ujson_buffer *b)
{
    if (b->data != b->inline_data)
        free(b->data);
    b->data = b->inline_data;
    b->len = 0;
    b->cap = UJSON_BUFFER_INLINE;
}

int ujson_buffer_grow(HPyContext *ctx, ujson_buffer *b, size_t n)
{
    size_t cap = b->cap;
    while (cap - b->len < n) {
        /* Doubling keeps appends amortised O(1); past 64 MiB so does growing by a
         * quarter (realloc moves blocks that large by remapping their pages, without
         * copying), which wastes less address space, the thing ulimit -v limits. */
        size_t step = cap >= ((size_t)64 << 20) ? cap / 4 : cap;
        if (cap > SIZE_MAX - step) {
            HPyErr_NoMemory(ctx);
            return -1;
        }
        cap += step;
    }
    char *data;
    if (b->data == b->inline_data) {
        data = malloc(cap);
        if (data != NULL)
            memcpy(data, b->data, b->len);
    } else {
        data = realloc(b->data, cap);
    }
    if (data == NULL) {
        HPyErr_NoMemory(ctx);
        return -1;
    }
    b->data = data;
    b->cap = cap;
    return 0;
}

void ujson_buffer_trim(ujson_buffer *b)
{
    if (b->data == b->inline_data || b->len == 0 || b->cap - b->len < ((size_t)1 << 20))
        return;
    char *data = realloc(b->data, b->len);
    if (data != NULL) {
        b->data = data;
        b->cap = b->len;
    }
}

int ujson_check_room(HPyContext *ctx, size_t n)
{
    if (n < UJSON_ROOM_CHECK_FROM)
        return 0;
    void *probe = n <= SIZE_MAX / 2 ? malloc(2 * n) : NULL;
    if (probe == NULL) {
        HPyErr_NoMemory(ctx);
        return -1;
    }
    free(probe);
    return 0;
}
