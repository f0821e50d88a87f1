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
        if (cap > SIZE_MAX / 2) {
            HPyErr_NoMemory(ctx);
            return -1;
        }
        cap *= 2;
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
