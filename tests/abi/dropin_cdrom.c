/*
 * dropin_cdrom.c: the drop-in probe of libxl_cdrom_insert. Built against
 * Debian's headers and library (dropin-cdrom-debian) and against
 * lightcore's (dropin-cdrom-ours); tests/integration/ops/test_dropin_cdrom.c
 * runs it on a simulated host, in private /var/lib/xen and /var/run/xen
 * (where each guest's QMP socket is a real QEMU or a scripted server), and
 * compares what each run prints: the results, the caller's disk after the
 * call (as JSON), the error log lines, the xenstore directories of the
 * guest's disks (with their permissions) and its stored configuration.
 *
 * Commands (one per run):
 *   setup DOMID IMAGE       store an HVM configuration for DOMID and add
 *                           its disks: hda (IMAGE, qdisk) and hdc (an
 *                           empty cdrom)
 *   insert DOMID VDEV PATH [FORMAT]
 *                           libxl_cdrom_insert of a cdrom VDEV with PATH
 *                           ("-": none given, "" an empty drive) in FORMAT
 *                           (libxl's name, default raw; "" when PATH is "")
 *   state DOMID             the trees and the stored configuration
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenstore.h>

#include "probe_logger.h"

static void probe_log_line(xentoollog_level level, int errnoval,
                           const char *context, const char *msg)
{
    if (level < XTL_ERROR) return;       /* debug and info lines differ */
    probe_log_print(level, errnoval, context, msg);
}

static libxl_ctx *ctx;
static struct xs_handle *xsh;

/* path and what is below it, with values and permissions. */
static void dump(const char *path, int depth)
{
    unsigned n = 0, np = 0;
    char *value = xs_read(xsh, XBT_NULL, path, NULL);
    struct xs_permissions *perms = xs_get_permissions(xsh, XBT_NULL, path,
                                                      &np);
    const char *name = strrchr(path, '/');
    char **children;

    if (!value && !perms) {
        printf("%s: none\n", path);
        return;
    }
    printf("%*s%s = \"%s\" (", depth, "", depth ? name + 1 : path,
           value ? value : "?");
    for (unsigned i = 0; perms && i < np; i++)
        printf("%s%u:%u", i ? "," : "", perms[i].id, perms[i].perms);
    printf(")\n");
    free(value);
    free(perms);
    children = xs_directory(xsh, XBT_NULL, path, &n);
    for (unsigned i = 0; children && i < n; i++) {
        char *child;
        if (asprintf(&child, "%s/%s", path, children[i]) < 0) abort();
        dump(child, depth + 1);
        free(child);
    }
    free(children);
}

static void state(uint32_t domid)
{
    char path[128];
    uint8_t *data = NULL;
    int len = 0, rc;

    snprintf(path, sizeof(path), "/local/domain/%u/device", domid);
    dump(path, 0);
    snprintf(path, sizeof(path), "/local/domain/0/backend/qdisk/%u", domid);
    dump(path, 0);
    snprintf(path, sizeof(path), "/libxl/%u/device", domid);
    dump(path, 0);
    rc = libxl_userdata_retrieve(ctx, domid, "libxl-json", &data, &len);
    printf("stored rc=%d len=%d\n%s\n", rc, len, data ? (char *)data : "");
    free(data);
}

static const char config[] =
    "{\"c_info\": {\"type\": \"hvm\", \"name\": \"cd\"},"
    " \"b_info\": {\"max_vcpus\": 1, \"max_memkb\": 65536,"
    " \"target_memkb\": 65536, \"type.hvm\": {}},"
    " \"disks\": []}";

static int add(uint32_t domid, const char *vdev, const char *image,
               bool cdrom)
{
    libxl_device_disk d;
    int rc;

    libxl_device_disk_init(&d);
    d.vdev = strdup(vdev);
    d.pdev_path = strdup(image);
    d.format = *image ? LIBXL_DISK_FORMAT_RAW : LIBXL_DISK_FORMAT_EMPTY;
    d.backend = LIBXL_DISK_BACKEND_QDISK;
    d.is_cdrom = cdrom;
    d.removable = cdrom;
    d.readwrite = !cdrom;
    rc = libxl_device_disk_add(ctx, domid, &d, NULL);
    libxl_device_disk_dispose(&d);
    return rc;
}

static int insert(uint32_t domid, const char *vdev, const char *path,
                  const char *format)
{
    libxl_device_disk d;
    char *json;
    int rc;

    libxl_device_disk_init(&d);
    d.vdev = strdup(vdev);
    d.is_cdrom = 1;
    if (strcmp(path, "-")) d.pdev_path = strdup(path);
    if (!*path) d.format = LIBXL_DISK_FORMAT_EMPTY;
    else if (!format) d.format = LIBXL_DISK_FORMAT_RAW;
    else if (libxl_disk_format_from_string(format, &d.format)) return 99;
    rc = libxl_cdrom_insert(ctx, domid, &d, NULL);
    json = libxl_device_disk_to_json(ctx, &d);
    printf("insert %s %s rc=%d\n%s\n", vdev, path, rc, json ? json : "?");
    free(json);
    libxl_device_disk_dispose(&d);
    return rc;
}

int main(int argc, char **argv)
{
    uint32_t domid;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 3) return 2;
    domid = (uint32_t)strtoul(argv[2], NULL, 10);
    if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, &probe_logger)) return 1;
    xsh = xs_open(0);
    if (!xsh) return 1;

    if (!strcmp(argv[1], "setup") && argc == 4) {
        int rc = libxl_userdata_store(ctx, domid, "libxl-json",
                                      (const uint8_t *)config,
                                      sizeof(config));
        printf("store rc=%d\n", rc);
        printf("add hda rc=%d\n", add(domid, "hda", argv[3], false));
        printf("add hdc rc=%d\n", add(domid, "hdc", "", true));
    } else if (!strcmp(argv[1], "insert") && (argc == 5 || argc == 6)) {
        insert(domid, argv[3], argv[4], argc == 6 ? argv[5] : NULL);
    } else if (!strcmp(argv[1], "state")) {
        state(domid);
    } else {
        return 2;
    }
    xs_close(xsh);
    libxl_ctx_free(ctx);
    return 0;
}
