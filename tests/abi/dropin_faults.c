/*
 * dropin_faults.c: the drop-in probe of a disk add or remove that goes
 * wrong, for the slower suite (tests/slow/test_slow_device_faults.c): one
 * call, how long it took, its result, and what it left behind (the
 * device's three directories and the disks of the stored
 * configuration). Built against Debian's headers and library
 * (dropin-faults-debian), run there and on lightcore (ABI), each library
 * with its compiled-in deadlines.
 *
 * Commands (one per run):
 *   store DOMID CONFIG      store CONFIG's text as the domain's
 *                           configuration ("libxl-json", with its NUL)
 *   add DOMID IMAGE SCRIPT  add xvdb of IMAGE with the hotplug script
 *   remove DOMID IMAGE SCRIPT
 *                           remove it (unforced: libxl forces it at the
 *                           removal deadline)
 *   abort DOMID IMAGE SCRIPT RUNS
 *                           add it asynchronously, abort the operation once
 *                           the script has written to the file RUNS, and
 *                           wait for the result
 *
 * Prints "CMD rc=N", the state ("backend 0|1", "frontend 0|1", "record
 * 0|1", "stored disks N") and, last, "ms=N" (the call's wall time, which
 * the caller reads and does not compare).
 */
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenstore.h>

#include "probe_logger.h"

static void probe_log_line(xentoollog_level level, int errnoval,
                           const char *context, const char *msg)
{
    (void)level; (void)errnoval; (void)context; (void)msg;
}

static libxl_ctx *ctx;
static uint32_t domid;

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void disk_of(libxl_device_disk *d, const char *image,
                    const char *script)
{
    libxl_device_disk_init(d);
    d->vdev = strdup("xvdb");
    d->pdev_path = strdup(image);
    d->script = strdup(script);
    d->format = LIBXL_DISK_FORMAT_RAW;
    d->backend = LIBXL_DISK_BACKEND_PHY;
    d->readwrite = 1;
}

static int exists(struct xs_handle *xsh, const char *fmt, unsigned id)
{
    char path[128];
    char *v;

    snprintf(path, sizeof(path), fmt, id);
    v = xs_read(xsh, XBT_NULL, path, NULL);
    free(v);
    return v != NULL;
}

static void print_state(void)
{
    struct xs_handle *xsh = xs_open(0);
    uint8_t *data = NULL;
    int len = 0;

    if (!xsh) {
        printf("xs_open failed\n");
        exit(1);
    }
    printf("backend %d\n", exists(xsh, "/local/domain/0/backend/vbd/%u",
                                  domid));
    printf("frontend %d\n", exists(xsh, "/local/domain/%u/device/vbd",
                                   domid));
    printf("record %d\n", exists(xsh, "/libxl/%u/device/vbd", domid));
    xs_close(xsh);
    if (!libxl_userdata_retrieve(ctx, domid, "libxl-json", &data, &len) &&
        len > 0) {
        libxl_domain_config c;

        libxl_domain_config_init(&c);
        if (!libxl_domain_config_from_json(ctx, &c, (const char *)data))
            printf("stored disks %d\n", c.num_disks);
        else
            printf("stored configuration unreadable\n");
        libxl_domain_config_dispose(&c);
    } else {
        printf("stored configuration missing\n");
    }
    free(data);
}

static int completed_rc = 1;
static void completed(libxl_ctx *c, int rc, void *user)
{
    (void)c; (void)user;
    completed_rc = rc;
}

/* The event loop for up to ms, or until the callback has come. */
static void run_loop(int ms, const char *runs)
{
    for (double until = now_ms() + ms; completed_rc == 1 && now_ms() < until;) {
        struct pollfd fds[32];
        struct timeval tv;
        int nfds = 32, timeout = 10;
        struct stat st;

        gettimeofday(&tv, NULL);
        if (libxl_osevent_beforepoll(ctx, &nfds, fds, &timeout, tv)) {
            printf("beforepoll failed\n");
            exit(1);
        }
        poll(fds, (nfds_t)nfds, timeout >= 0 && timeout < 10 ? timeout : 10);
        gettimeofday(&tv, NULL);
        libxl_osevent_afterpoll(ctx, nfds, fds, tv);
        if (runs && !stat(runs, &st) && st.st_size > 0) return;
    }
}

int main(int argc, char **argv)
{
    const char *cmd = argc > 2 ? argv[1] : "";
    libxl_device_disk d;
    double start;
    int rc;

    if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &probe_logger)) {
        printf("ctx_alloc failed\n");
        return 1;
    }
    domid = (uint32_t)atoi(argv[2]);
    if (!strcmp(cmd, "store") && argc == 4) {
        char *text = NULL;
        int len = 0;

        if (libxl_read_file_contents(ctx, argv[3], (void **)&text, &len))
            return 1;
        text = realloc(text, (size_t)len + 1);
        text[len] = '\0';
        printf("store rc=%d\n", libxl_userdata_store(ctx, domid, "libxl-json",
               (const uint8_t *)text, len + 1));
        free(text);
        libxl_ctx_free(ctx);
        return 0;
    }
    if (argc < 5) {
        fprintf(stderr, "usage: see the file's header\n");
        return 2;
    }
    disk_of(&d, argv[3], argv[4]);
    start = now_ms();
    if (!strcmp(cmd, "add")) {
        rc = libxl_device_disk_add(ctx, domid, &d, NULL);
    } else if (!strcmp(cmd, "remove")) {
        rc = libxl_device_disk_remove(ctx, domid, &d, NULL);
    } else if (!strcmp(cmd, "abort") && argc == 6) {
        libxl_asyncop_how how = { .callback = completed };

        rc = libxl_device_disk_add(ctx, domid, &d, &how);
        if (!rc) {
            run_loop(30000, argv[5]);             /* the script started */
            if (completed_rc == 1) rc = libxl_ao_abort(ctx, &how);
            if (!rc) {
                run_loop(60000, NULL);
                rc = completed_rc;
            }
        }
    } else {
        fprintf(stderr, "unknown command %s\n", cmd);
        return 2;
    }
    printf("%s rc=%d\n", cmd, rc);
    {
        double took = now_ms() - start;

        print_state();
        printf("ms=%.0f\n", took);
    }
    libxl_device_disk_dispose(&d);
    libxl_ctx_free(ctx);
    return 0;
}
