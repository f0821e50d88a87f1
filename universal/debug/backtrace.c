/* C backtraces of where handles are opened and closed. The frames of the loader itself
 * (the debug wrappers) are left out, so that a backtrace starts in the extension. */
#define _GNU_SOURCE 1
#include "debug.h"

#include <dlfcn.h>
#include <execinfo.h>
#include <link.h>

int hdbg_depth = 4;

/* The loader's executable segments. */
static uintptr_t own_start[8], own_end[8];
static int own_segments;

static int find_own_segments(struct dl_phdr_info *info, size_t size, void *base)
{
    (void)size;
    if ((void *)info->dlpi_addr != base)
        return 0;
    for (int i = 0; i < info->dlpi_phnum && own_segments < 8; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) {
            own_start[own_segments] = info->dlpi_addr + ph->p_vaddr;
            own_end[own_segments++] = info->dlpi_addr + ph->p_vaddr + ph->p_memsz;
        }
    }
    return 1;
}

void hdbg_backtrace_init(void)
{
    Dl_info info;
    if (dladdr((void *)hdbg_backtrace_init, &info) != 0)
        dl_iterate_phdr(find_own_segments, info.dli_fbase);
    /* The first backtrace() loads the unwinder; better here than in a signal handler. */
    void *frame;
    backtrace(&frame, 1);
}

static int is_own(void *pc)
{
    for (int i = 0; i < own_segments; i++)
        if ((uintptr_t)pc >= own_start[i] && (uintptr_t)pc < own_end[i])
            return 1;
    return 0;
}

#define SKIP_MAX 16

void hdbg_capture(hdbg_stack *stack)
{
    stack->n = 0;
    if (hdbg_depth <= 0)
        return;
    if (stack->capacity < hdbg_depth) {
        void **frames = PyMem_RawRealloc(stack->frames, sizeof(void *) * (size_t)hdbg_depth);
        if (frames == NULL)
            return;
        stack->frames = frames, stack->capacity = hdbg_depth;
    }
    void *all[SKIP_MAX + 256];
    int depth = hdbg_depth < 256 ? hdbg_depth : 256;
    int n = backtrace(all, depth + SKIP_MAX), first = 0;
    while (first < n && is_own(all[first]))
        first++;
    for (int i = first; i < n && stack->n < depth; i++)
        stack->frames[stack->n++] = all[i];
}

void hdbg_stack_free(hdbg_stack *stack)
{
    PyMem_RawFree(stack->frames);
    stack->frames = NULL;
    stack->n = stack->capacity = 0;
}
