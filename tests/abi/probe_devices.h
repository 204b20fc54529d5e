/*
 * probe_devices.h: what the device probes (tests/abi/dropin_disk.c,
 * dropin_nic.c, ...) share, so that each says only what its kind needs.
 * Included once by a probe, after probe_logger.h and after any
 * `#define printf` of its own (the output goes through printf):
 *
 *  - probe_log_errors_once: the body of a probe_log_line that prints the
 *    error lines only (debug and info lines differ between the libraries),
 *    a hotplug script's "[1234]" shown as "[PID]", a line repeated at once
 *    printed once (libxl and lightcore retry some reads a different number
 *    of times). probe_log_forget_last() makes the next line print even if
 *    it repeats the last.
 *  - probe_xs_dump: a xenstore directory, recursively, one node a line,
 *    `NAME = "VALUE" (PERMS)` indented by depth, the permissions as
 *    n/r/w/b and a domid each (n0,r1).
 *  - probe_device_trees: the three directories of a domain's devices
 *    (its frontends, the toolstack's records, dom0's backends) dumped, or
 *    "PATH: none".
 *  - probe_xs_settle: waits, watching the paths given, until the probe's
 *    own settled() says the drivers rest, at most a deadline; says so when
 *    they do not.
 */
#ifndef PROBE_DEVICES_H
#define PROBE_DEVICES_H

#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <xenstore.h>

static char probe_last_line[4096];

static inline void probe_log_forget_last(void)
{
    probe_last_line[0] = '\0';
}

static inline void probe_log_errors_once(xentoollog_level level,
                                         int errnoval, const char *context,
                                         const char *msg)
{
    char masked[4096];
    size_t n = 0;

    if (level < XTL_ERROR) return;
    for (const char *p = msg; *p && n + 8 < sizeof(masked); p++) {
        if (*p == '[' && p[1] >= '0' && p[1] <= '9') {
            const char *q = p + 1;
            while (*q >= '0' && *q <= '9') q++;
            if (*q == ']') {
                memcpy(masked + n, "[PID]", 5);
                n += 5;
                p = q;
                continue;
            }
        }
        masked[n++] = *p;
    }
    masked[n] = '\0';
    if (!strcmp(masked, probe_last_line)) return;
    snprintf(probe_last_line, sizeof(probe_last_line), "%s", masked);
    probe_log_print(level, errnoval, context, masked);
}

/* "store DOMID CONFIG": stores the text of file as the domain's
 * configuration ("libxl-json", with its NUL) and prints the result; 1 if
 * file cannot be read. */
static inline int probe_store_config(libxl_ctx *ctx, uint32_t domid,
                                     const char *file)
{
    static char text[1 << 16];
    FILE *f = fopen(file, "r");
    size_t n;

    if (!f) return 1;
    n = fread(text, 1, sizeof(text) - 1, f);
    fclose(f);
    text[n] = '\0';
    printf("store rc=%d\n", libxl_userdata_store(ctx, domid, "libxl-json",
                                                 (const uint8_t *)text,
                                                 (int)n + 1));
    return 0;
}

static inline void probe_xs_dump(struct xs_handle *xsh, const char *path,
                                 int depth)
{
    unsigned n = 0, len = 0, np = 0;
    char *value = xs_read(xsh, XBT_NULL, path, &len);
    struct xs_permissions *perms = xs_get_permissions(xsh, XBT_NULL, path,
                                                      &np);
    const char *name = strrchr(path, '/');
    char line[4096], **children;
    size_t at;

    at = (size_t)snprintf(line, sizeof(line), "%*s%s = \"%s\" (", depth, "",
                          depth && name ? name + 1 : path,
                          value ? value : "?");
    for (unsigned i = 0; perms && i < np && at < sizeof(line) - 16; i++) {
        unsigned pm = perms[i].perms & (XS_PERM_READ | XS_PERM_WRITE);
        at += (size_t)snprintf(line + at, sizeof(line) - at, "%s%c%u",
                               i ? "," : "",
                               pm == (XS_PERM_READ | XS_PERM_WRITE) ? 'b'
                               : pm == XS_PERM_READ ? 'r'
                               : pm == XS_PERM_WRITE ? 'w' : 'n',
                               perms[i].id);
    }
    printf("%s)\n", line);
    free(value);
    free(perms);
    children = xs_directory(xsh, XBT_NULL, path, &n);
    for (unsigned i = 0; children && i < n; i++) {
        char *child;

        if (asprintf(&child, "%s/%s", path, children[i]) < 0) abort();
        probe_xs_dump(xsh, child, depth + 1);
        free(child);
    }
    free(children);
}

static inline void probe_device_trees(struct xs_handle *xsh,
                                      unsigned domid)
{
    static const char *const dirs[] = { "/local/domain/%u/device",
                                        "/libxl/%u/device",
                                        "/local/domain/0/backend" };

    for (unsigned i = 0; i < 3; i++) {
        char path[64], *v;

        snprintf(path, sizeof(path), dirs[i], domid);
        v = xs_read(xsh, XBT_NULL, path, NULL);
        if (!v) {
            printf("%s: none\n", path);
            continue;
        }
        free(v);
        probe_xs_dump(xsh, path, 0);
    }
}

/* Watches each of the npaths paths, then waits until settled(arg) or
 * deadline_ms have passed ("devices still connecting after N s" then);
 * the watches go again before it returns. */
static inline void probe_xs_settle(struct xs_handle *xsh,
                                   const char *const *paths, int npaths,
                                   bool (*settled)(void *arg), void *arg,
                                   int deadline_ms)
{
    struct timespec start, now;
    int fd = xs_fileno(xsh), watched = 0;

    for (; watched < npaths; watched++)
        if (!xs_watch(xsh, paths[watched], "probe-settle")) break;
    if (fd < 0 || watched < npaths) {
        printf("cannot watch\n");
        goto out;
    }
    clock_gettime(CLOCK_MONOTONIC, &start);
    while (!settled(arg)) {
        struct pollfd p = { .fd = fd, .events = POLLIN };
        unsigned n;
        long ms;

        clock_gettime(CLOCK_MONOTONIC, &now);
        ms = deadline_ms - (now.tv_sec - start.tv_sec) * 1000 -
             (now.tv_nsec - start.tv_nsec) / 1000000;
        if (ms <= 0 || poll(&p, 1, (int)ms) <= 0) {
            printf("devices still connecting after %d s\n",
                   deadline_ms / 1000);
            break;
        }
        free(xs_read_watch(xsh, &n));
    }
out:
    while (watched-- > 0) xs_unwatch(xsh, paths[watched], "probe-settle");
}

#endif /* PROBE_DEVICES_H */
