/* Return addresses to "function at file:line" lines: dladdr finds the object and its load
 * address, addr2line (binutils) reads the object's debug information, one process per
 * object and report. Without debug information, or without addr2line, a frame is shown
 * as symbol+offset in its object. */
#define _GNU_SOURCE 1
#include "debug.h"

#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static char *dup_text(const char *s, size_t n)
{
    char *copy = malloc(n + 1);
    if (copy != NULL) {
        memcpy(copy, s, n);
        copy[n] = '\0';
    }
    return copy;
}

static char *fallback(void *pc, const Dl_info *info, int found)
{
    char buf[512];
    if (!found)
        snprintf(buf, sizeof buf, "%p", pc);
    else if (info->dli_sname != NULL)
        snprintf(buf, sizeof buf, "%s+0x%lx in %s", info->dli_sname,
                 (unsigned long)((char *)pc - (char *)info->dli_saddr), info->dli_fname);
    else
        snprintf(buf, sizeof buf, "%p in %s", pc, info->dli_fname);
    return dup_text(buf, strlen(buf));
}

static char *read_all(int fd)
{
    char *out = NULL;
    size_t len = 0, capacity = 0;
    for (;;) {
        if (len + 1024 > capacity) {
            capacity = capacity * 2 + 4096;
            char *grown = realloc(out, capacity);
            if (grown == NULL)
                break;
            out = grown;
        }
        ssize_t got = read(fd, out + len, capacity - len - 1);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    if (out != NULL)
        out[len] = '\0';
    return out;
}

/* addr2line's output for the addresses of `file`, NUL-terminated; NULL on failure. */
static char *run_addr2line(const char *file, char **addresses, int n)
{
    static const char *const options[] = {"addr2line", "-e", NULL, "-a", "-f", "-p", "-i",
                                          "-C"};
    const int n_options = (int)(sizeof options / sizeof options[0]);
    const char **argv = malloc(sizeof(char *) * (size_t)(n_options + n + 1));
    int fds[2];
    if (argv == NULL || pipe(fds) < 0) {
        free(argv);
        return NULL;
    }
    for (int i = 0; i < n_options; i++)
        argv[i] = options[i] ? options[i] : file;
    for (int i = 0; i < n; i++)
        argv[n_options + i] = addresses[i];
    argv[n_options + n] = NULL;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    pid_t pid;
    int spawned = posix_spawnp(&pid, "addr2line", &actions, NULL, (char *const *)argv,
                               environ) == 0;
    posix_spawn_file_actions_destroy(&actions);
    free(argv);
    close(fds[1]);
    char *out = spawned ? read_all(fds[0]) : NULL;
    close(fds[0]);
    if (spawned) {
        int status;
        waitpid(pid, &status, 0);
    }
    return out;
}

/* One address's addr2line output as "function at file:line" lines, innermost first, one
 * per function inlined there, but for handlepy's own inline headers (an API call inlined
 * into the extension shows as the extension's line). NULL when addr2line knew nothing. */
static char *format_group(const char *group, const char *end)
{
    hdbg_text kept = {0};
    const char *first = NULL;
    size_t first_len = 0;
    for (const char *line = group; line < end;) {
        const char *nl = memchr(line, '\n', (size_t)(end - line));
        const char *stop = nl ? nl : end, *text = line;
        if (line == group) {
            const char *colon = memmem(line, (size_t)(stop - line), ": ", 2);
            text = colon ? colon + 2 : line;
        }
        const char *inlined = " (inlined by) ";
        if ((size_t)(stop - text) > strlen(inlined) &&
            strncmp(text, inlined, strlen(inlined)) == 0)
            text += strlen(inlined);
        const char *disc = memmem(text, (size_t)(stop - text), " (discriminator", 15);
        int n = (int)((disc ? disc : stop) - text);
        if (memmem(text, (size_t)n, "??", 2) == NULL) {
            if (first == NULL)
                first = text, first_len = (size_t)n;
            if (memmem(text, (size_t)n, "/include/handlepy/", 18) == NULL)
                hdbg_printf(&kept, "%s%.*s", kept.len ? "\n" : "", n, text);
        }
        line = nl ? nl + 1 : end;
    }
    if (kept.len == 0 && first != NULL)
        hdbg_printf(&kept, "%.*s", (int)first_len, first);
    return kept.text;
}

/* Fills lines[] for the frames of one object, marked in `todo`. */
static void symbolize_object(void *const *frames, const Dl_info *infos, char *todo, int n,
                             const char *file, char **lines)
{
    char **addresses = calloc((size_t)n, sizeof(char *));
    int *which = calloc((size_t)n, sizeof(int));
    int count = 0;
    if (addresses == NULL || which == NULL)
        goto done;
    for (int i = 0; i < n; i++) {
        if (!todo[i] || strcmp(infos[i].dli_fname, file) != 0)
            continue;
        todo[i] = 0;
        /* A return address is just past the call: look up the call itself. Shared
         * objects are looked up by offset, a fixed-address executable by address. */
        uintptr_t pc = (uintptr_t)frames[i] - 1;
        const ElfW(Ehdr) *elf = infos[i].dli_fbase;
        if (elf->e_type != ET_EXEC)
            pc -= (uintptr_t)infos[i].dli_fbase;
        char buf[32];
        snprintf(buf, sizeof buf, "0x%lx", (unsigned long)pc);
        addresses[count] = dup_text(buf, strlen(buf));
        which[count++] = i;
    }
    char *out = run_addr2line(file, addresses, count);
    if (out != NULL) {
        /* Each address's lines start with the address itself ("0x...: "). */
        const char *group = strstr(out, "0x");
        for (int k = 0; k < count && group != NULL; k++) {
            const char *next = strstr(group + 2, "\n0x");
            const char *end = next ? next + 1 : group + strlen(group);
            lines[which[k]] = format_group(group, end);
            group = next ? next + 1 : NULL;
        }
        free(out);
    }
done:
    for (int k = 0; k < count; k++)
        free(addresses[k]);
    free(addresses);
    free(which);
}

char **hdbg_symbolize(void *const *frames, int n)
{
    if (n <= 0)
        return NULL;
    char **lines = calloc((size_t)n, sizeof(char *));
    Dl_info *infos = calloc((size_t)n, sizeof(Dl_info));
    char *todo = calloc((size_t)n, 1);
    if (lines == NULL || infos == NULL || todo == NULL) {
        free(lines);
        lines = NULL;
        goto done;
    }
    for (int i = 0; i < n; i++)
        todo[i] = dladdr(frames[i], &infos[i]) != 0 && infos[i].dli_fname != NULL &&
                  infos[i].dli_fname[0] != '\0';
    for (int i = 0; i < n; i++) {
        if (todo[i])
            symbolize_object(frames, infos, todo, n, infos[i].dli_fname, lines);
    }
    for (int i = 0; i < n; i++) {
        if (lines[i] == NULL)
            lines[i] = fallback(frames[i], &infos[i], infos[i].dli_fname != NULL);
    }
done:
    free(infos);
    free(todo);
    return lines;
}

void hdbg_free_lines(char **lines, int n)
{
    if (lines == NULL)
        return;
    for (int i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
}
