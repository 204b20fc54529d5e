/*
 * test_device_churn.c: a disk added and removed at once, again and again,
 * on lightcore, on the simulated host whose guest's blkfront answers: each
 * removal must see the backend reach Closed by itself, never wait out its
 * deadline and take the forced path. The deadline is short (lightcore's
 * LIGHTCORE_DEVICE_DESTROY_TIMEOUT_MS), far longer than a healthy close,
 * so a close that never comes shows within the loop.
 *
 * Runs in a private mount namespace with private Xen directories
 * (privdirs.h); without root it is skipped.
 */
#include <check.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxl.h>

#include "privdirs.h"
#include "simhost.h"
#include "testlog.h"
#include "testmain.h"

#define CYCLES 150

static simhost *host;
static libxl_ctx *ctx;
static xentoollog_logger *lg;
static char base[] = "/tmp/device-churn.XXXXXX";
static char image[PATH_MAX], hotplug[PATH_MAX];
static bool skipped;
static int domid;

static const char config_json[] =
    "{\"c_info\":{\"type\":\"pv\",\"name\":\"vm\"},"
    "\"b_info\":{\"max_vcpus\":1,\"max_memkb\":65536,"
    "\"target_memkb\":65536,\"type.pv\":{}}}";

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static void setup(void)
{
    FILE *f;

    ck_assert_ptr_nonnull(mkdtemp(base));
    if (!privdirs_enter(base)) {
        skipped = true;
        return;
    }
    snprintf(image, sizeof(image), "%s/image", base);
    f = fopen(image, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fclose(f), 0);
    /* the bench's trivial script: the backend learns its device */
    snprintf(hotplug, sizeof(hotplug), "%s/hotplug", base);
    f = fopen(hotplug, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "#!/usr/bin/env -S -u LD_PRELOAD /bin/sh\n"
            "[ \"$1\" = add ] && xenstore-write \"$XENBUS_PATH/physical-device\""
            " 7:0 \"$XENBUS_PATH/hotplug-status\" connected\nexit 0\n");
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(hotplug, 0755), 0);
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    domid = simhost_create_domain("vm", 64, 1, "obey");
    ck_assert_int_gt(domid, 0);
    lg = testlog_new();
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg), 0);
    ck_assert_int_eq(libxl_userdata_store(ctx, domid, "libxl-json",
                                          (const uint8_t *)config_json,
                                          sizeof(config_json)), 0);
    setenv("LIGHTCORE_DEVICE_DESTROY_TIMEOUT_MS", "3000", 1);
}

static void teardown(void)
{
    if (!skipped) {
        libxl_ctx_free(ctx);
        xtl_logger_destroy(lg);
        ck_assert_int_eq(simhost_stop(host), 0);
    }
    nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

TEST_FIXTURE(setup, teardown);

/* The simulated drivers' log, for a failure's message. */
static void show_backend_log(void)
{
    char path[PATH_MAX], cmd[PATH_MAX + 32];
    const char *dir = getenv("XENSIM_HOST_DIR");

    if (!dir) return;
    snprintf(path, sizeof(path), "%s/backend.log", dir);
    snprintf(cmd, sizeof(cmd), "tail -n 20 %s >&2", path);
    if (system(cmd)) {}
}

TEST(add_then_remove_at_once_never_forces, 240)
{
    if (skipped) {
        fprintf(stderr, "%s: skipped: needs root (a private mount"
                " namespace)\n", __func__);
        return;
    }
    for (int i = 0; i < CYCLES; i++) {
        libxl_device_disk d;
        int rc;

        libxl_device_disk_init(&d);
        d.vdev = strdup("xvdb");
        d.pdev_path = strdup(image);
        d.script = strdup(hotplug);
        d.format = LIBXL_DISK_FORMAT_RAW;
        d.backend = LIBXL_DISK_BACKEND_PHY;
        d.readwrite = 1;
        ck_assert_int_eq(libxl_device_disk_add(ctx, domid, &d, NULL), 0);
        rc = libxl_device_disk_remove(ctx, domid, &d, NULL);
        libxl_device_disk_dispose(&d);
        if (rc || testlog_contains(lg, XTL_DEBUG, "forced remove")) {
            char *log = testlog_dump(lg);
            fprintf(stderr, "cycle %d: rc %d\n%s\n", i, rc, log);
            free(log);
            show_backend_log();
        }
        ck_assert_int_eq(rc, 0);
        ck_assert_msg(!testlog_contains(lg, XTL_DEBUG, "forced remove"),
                      "cycle %d: the removal waited out its deadline", i);
        testlog_clear(lg);
    }
}
