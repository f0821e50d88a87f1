/* Buffers that are valid only while a handle is open (HPyUnicode_AsUTF8AndSize,
 * HPyBytes_AsString): debug mode hands out a read-only copy in pages of its own and
 * makes them unreadable when the handle closes, so that a read through a kept pointer
 * faults at once instead of reading memory that happens to still be there. A SIGSEGV
 * handler recognises such faults, says what happened, and lets the fault proceed. */
#define _GNU_SOURCE 1
#include "debug.h"

#include <execinfo.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct hdbg_buffer {
    struct hdbg_buffer *next;
    char *region;
    size_t region_size;
    const char *fn;
    const char *call;
    int closed;
    /* Its place in `live` while its handle is open. */
    size_t index;
};

/* Closed buffers stay unreadable until they add up to this many bytes; the oldest are
 * then unmapped or reused (a read through those may no longer fault). */
#define CLOSED_BUDGET (16u << 20)

/* The buffers whose pages are mapped, for the fault handler: those of open handles, in
 * any order, and the closed ones, oldest first. */
static struct hdbg_buffer **live, **closed;
static size_t n_live, live_capacity;
static size_t closed_head, n_closed, closed_capacity, closed_bytes;
static struct sigaction previous;
static int handler_installed;

/* Single pages unmapped from `closed`, kept for reuse: cheaper than mapping anew. */
#define SPARE_MAX 256
static char *spare[SPARE_MAX];
static size_t n_spare;

static void put(const char *s)
{
    ssize_t ignored = write(STDERR_FILENO, s, strlen(s));
    (void)ignored;
}

static void put_hex(uintptr_t value)
{
    char buf[2 + 2 * sizeof value + 1];
    int n = (int)sizeof buf - 1;
    buf[n] = '\0';
    do {
        buf[--n] = "0123456789abcdef"[value & 15];
        value >>= 4;
    } while (value != 0);
    buf[--n] = 'x';
    buf[--n] = '0';
    put(buf + n);
}

/* The extension's frames from the faulting one on (past this handler and the kernel's
 * return trampoline). The process is about to die of the fault, so this goes beyond what a
 * signal handler may do and runs addr2line; the bare addresses, which are safe to print,
 * if that fails. */
static void print_frames(void)
{
    void *frames[16];
    int n = hdbg_extension_frames(frames + 2, backtrace(frames, 16) - 2);
    /* The faulting frame's address is the faulting instruction itself, not a return
     * address, which symbolizing looks up the byte before. */
    if (n > 0)
        frames[2] = (char *)frames[2] + 1;
    char **lines = n > 0 ? hdbg_symbolize(frames + 2, n) : NULL;
    if (lines == NULL) {
        backtrace_symbols_fd(frames, n + 2, STDERR_FILENO);
        return;
    }
    for (int i = 0; i < n; i++) {
        for (const char *line = lines[i]; *line != '\0';) {
            size_t len = strcspn(line, "\n");
            put("      ");
            ssize_t ignored = write(STDERR_FILENO, line, len);
            (void)ignored;
            put("\n");
            line += len + (line[len] == '\n');
        }
    }
}

static void on_fault(int sig, siginfo_t *info, void *context)
{
    (void)sig;
    (void)context;
    uintptr_t addr = (uintptr_t)info->si_addr;
    for (size_t i = 0; i < n_live + n_closed; i++) {
        struct hdbg_buffer *b = i < n_live ? live[i]
                                           : closed[(closed_head + i - n_live) % closed_capacity];
        if (addr < (uintptr_t)b->region || addr >= (uintptr_t)b->region + b->region_size)
            continue;
        put("handlepy debug mode: ");
        if (b->closed) {
            put("read through the pointer that ");
            put(b->fn);
            put(" returned, after its handle was closed: the buffer is valid only while "
                "the handle is open\n");
        } else {
            put("wrote into the read-only buffer that ");
            put(b->fn);
            put(" returned\n");
        }
        put("  the pointer was obtained during the call to ");
        put(b->call);
        put("\n  fault address: ");
        put_hex(addr);
        put("\n  where it happened:\n");
        print_frames();
        break;
    }
    /* Returning retries the access, which now meets the previous handler. */
    sigaction(SIGSEGV, &previous, NULL);
}

static void install_handler(void)
{
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fault;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGSEGV, &action, &previous) == 0)
        handler_installed = 1;
}

static int remember(struct hdbg_buffer *b)
{
    if (n_live == live_capacity) {
        size_t capacity = live_capacity ? live_capacity * 2 : 64;
        struct hdbg_buffer **grown = realloc(live, capacity * sizeof *live);
        if (grown == NULL)
            return -1;
        live = grown, live_capacity = capacity;
    }
    b->index = n_live;
    live[n_live++] = b;
    return 0;
}

const char *hdbg_protected_copy(hdbg_slot *slot, const char *data, size_t size,
                                const char *fn)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t region_size = (size + page - 1) / page * page;
    struct hdbg_buffer *b = malloc(sizeof *b);
    char *region;
    if (region_size <= page && n_spare > 0 &&
        mprotect(spare[n_spare - 1], page, PROT_READ | PROT_WRITE) == 0)
        region = spare[--n_spare];
    else
        region = mmap(NULL, region_size ? region_size : page, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (b == NULL || region == MAP_FAILED || remember(b) < 0) {
        free(b);
        if (region != MAP_FAILED)
            munmap(region, region_size ? region_size : page);
        PyErr_NoMemory();
        return NULL;
    }
    if (!handler_installed)
        install_handler();
    *b = (struct hdbg_buffer){slot->buffers, region, region_size ? region_size : page, fn,
                              slot->call, 0, b->index};
    /* At the end of its pages, so that reading past the end faults as well. */
    char *copy = region + b->region_size - size;
    memcpy(copy, data, size);
    mprotect(region, b->region_size, PROT_READ);
    slot->buffers = b;
    return copy;
}

/* Moves a buffer from `live` to the end of `closed`; unmaps the oldest closed ones over
 * the budget. */
static void retire(struct hdbg_buffer *b)
{
    live[b->index] = live[--n_live];
    live[b->index]->index = b->index;
    if (n_closed == closed_capacity) {
        /* Unroll the ring so that doubling it keeps the order. */
        struct hdbg_buffer **ordered = malloc((closed_capacity ? closed_capacity * 2 : 64) *
                                              sizeof *ordered);
        if (ordered == NULL) {
            munmap(b->region, b->region_size);
            free(b);
            return;
        }
        for (size_t i = 0; i < n_closed; i++)
            ordered[i] = closed[(closed_head + i) % closed_capacity];
        free(closed);
        closed = ordered, closed_head = 0;
        closed_capacity = closed_capacity ? closed_capacity * 2 : 64;
    }
    closed[(closed_head + n_closed++) % closed_capacity] = b;
    closed_bytes += b->region_size;
    while (closed_bytes > CLOSED_BUDGET) {
        struct hdbg_buffer *oldest = closed[closed_head];
        closed_head = (closed_head + 1) % closed_capacity;
        n_closed--;
        closed_bytes -= oldest->region_size;
        if (oldest->region_size == (size_t)sysconf(_SC_PAGESIZE) && n_spare < SPARE_MAX)
            spare[n_spare++] = oldest->region;
        else
            munmap(oldest->region, oldest->region_size);
        free(oldest);
    }
}

void hdbg_protect_buffers(hdbg_slot *slot)
{
    struct hdbg_buffer *b = slot->buffers, *next;
    for (; b != NULL; b = next) {
        next = b->next;
        mprotect(b->region, b->region_size, PROT_NONE);
        b->closed = 1;
        retire(b);
    }
    slot->buffers = NULL;
}
