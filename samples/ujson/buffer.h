/* A growable byte buffer: the encoder writes its whole output here and then makes one
 * string of it. Small outputs stay in the inline storage and never reach malloc. */
#ifndef UJSON_HPY_BUFFER_H
#define UJSON_HPY_BUFFER_H

#include "hpy.h"

#include <string.h>

#define UJSON_BUFFER_INLINE 512

/* Must not move once initialised: data may point into inline_data. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
    char inline_data[UJSON_BUFFER_INLINE];
} ujson_buffer;

void ujson_buffer_init(ujson_buffer *b);
void ujson_buffer_free(ujson_buffer *b);
/* Gives a large buffer's unused end back to the allocator (no error: on failure the
 * buffer stays as it was). */
void ujson_buffer_trim(ujson_buffer *b);
/* Before a str of n UTF-8 bytes is made: 0 when twice n could be allocated, else -1
 * with MemoryError. PyPy's cpyext copies a new str twice (its own string, then the C
 * object it hands back), and a failure of the second copy is a fatal error there (a
 * segfault), not a MemoryError; checking first turns most of those into the
 * exception. Strings under UJSON_ROOM_CHECK_FROM bytes are not checked. */
#define UJSON_ROOM_CHECK_FROM ((size_t)16 << 20)
int ujson_check_room(HPyContext *ctx, size_t n);
/* Makes room for n more bytes; -1 with MemoryError. */
int ujson_buffer_grow(HPyContext *ctx, ujson_buffer *b, size_t n);

static inline int ujson_buffer_reserve(HPyContext *ctx, ujson_buffer *b, size_t n)
{
    return b->cap - b->len >= n ? 0 : ujson_buffer_grow(ctx, b, n);
}

static inline int ujson_buffer_write(HPyContext *ctx, ujson_buffer *b, const char *s, size_t n)
{
    if (ujson_buffer_reserve(ctx, b, n) < 0)
        return -1;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    return 0;
}

#endif
