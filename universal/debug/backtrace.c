/* C backtraces of where handles are opened and closed: the extension's frames only. A
 * backtrace starts after the frames of the binding machinery (the loader's wrappers and
 * handlers, libffi's closures) and ends where it meets them again, in the handler of
 * the host call. When the extension made the API call as a tail call, its own frame is
 * gone and the backtrace is empty (reports then name the function instead). */
#define _GNU_SOURCE 1
#include "debug.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>

int hdbg_depth = 4;

/* The executable segments of the loader (kind 1) and of libffi (kind 2). */
static uintptr_t own_start[16], own_end[16];
static int own_kind[16], own_segments;

typedef struct {
    void *base;
    int kind;
} object_of;

static int find_own_segments(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size;
    object_of *wanted = data;
    if ((void *)info->dlpi_addr != wanted->base)
        return 0;
    for (int i = 0; i < info->dlpi_phnum && own_segments < 16; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
            own_start[own_segments] = info->dlpi_addr + ph->p_vaddr;
            own_end[own_segments] = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
            own_kind[own_segments++] = wanted->kind;
        }
    }
    return 1;
}

void hdbg_backtrace_init(void)
{
    Dl_info info;
    if (dladdr((void *)hdbg_backtrace_init, &info) != 0)
        dl_iterate_phdr(find_own_segments, &(object_of){info.dli_fbase, 1});
    if (dladdr((void *)ffi_call, &info) != 0)
        dl_iterate_phdr(find_own_segments, &(object_of){info.dli_fbase, 2});
    /* The first backtrace() loads the unwinder; better here than in a signal handler. */
    void *frame;
    backtrace(&frame, 1);
}

/* 1 in the loader, 2 in libffi, 0 elsewhere. */
static int is_own(void *pc)
{
    for (int i = 0; i < own_segments; i++)
        if ((uintptr_t)pc >= own_start[i] && (uintptr_t)pc < own_end[i])
            return own_kind[i];
    return 0;
}

/* Frames of the loader above the extension's: hdbg_capture, what opens or closes the
 * slot, the API wrapper, and one to spare. Unwinding costs per frame, so no more. */
#define SKIP_MAX 6

void hdbg_capture(hdbg_stack *stack)
{
    stack->n = 0;
    if (hdbg_depth <= 0)
        return;
    if (stack->capacity < hdbg_depth) {
        void **frames = realloc(stack->frames, sizeof(void *) * (size_t)hdbg_depth);
        if (frames == NULL)
            return;
        stack->frames = frames, stack->capacity = hdbg_depth;
    }
    void *all[SKIP_MAX + 256];
    int depth = hdbg_depth < 256 ? hdbg_depth : 256;
    int n = backtrace(all, depth + SKIP_MAX), first = 0;
    while (first < n && is_own(all[first])) {
        /* Through a closure already: the extension's frame was left by a tail call. */
        if (is_own(all[first]) == 2)
            return;
        first++;
    }
    for (int i = first; i < n && stack->n < depth && !is_own(all[i]); i++)
        stack->frames[stack->n++] = all[i];
}

int hdbg_extension_frames(void *const *frames, int n)
{
    int i = 0;
    while (i < n && !is_own(frames[i]))
        i++;
    return i;
}

void hdbg_stack_free(hdbg_stack *stack)
{
    free(stack->frames);
    stack->frames = NULL;
    stack->n = stack->capacity = 0;
}
