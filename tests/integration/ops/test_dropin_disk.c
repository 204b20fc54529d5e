/*
 * test_dropin_disk.c: disks as a drop-in for Debian's libxenlight 4.17.
 * tests/abi/dropin_disk.c is built against Debian's headers and library
 * and against ours; each run gets a simulated host of its own (with its
 * device drivers: tests/sim/README.md "Devices"), a guest that runs its
 * frontends, its stored configuration, private /var/lib/xen directories,
 * and a hotplug script that does what `block` does for a block device
 * (physical-device, hotplug-status). Debian's run, Debian's binary on
 * lightcore (ABI) and ours (API) must print the same: every result, the
 * disks read back, the error lines and the xenstore directories with their
 * permissions.
 *
 * Where lightcore differs on purpose (README "Deliberate differences"):
 *  - a failed add is undone: a script that fails leaves the frontend,
 *    backend and /libxl nodes and the JSON entry behind in libxl (and the
 *    next add of the same disk is refused with ERROR_DEVICE_EXISTS);
 *    lightcore runs the script's "remove" and leaves nothing;
 *  - a disk whose vdev is NULL makes libxl crash; lightcore refuses it
 *    with ERROR_INVAL (not in the probe).
 */
#include <check.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dropin.h"
#include "simhost.h"
#include "subproc.h"
#include "testmain.h"

#define PROBE_DEBIAN "tests/dropin-disk-debian"
#define PROBE_OURS   "tests/dropin-disk-ours"

static char base[] = "/tmp/dropin-disk.XXXXXX";
static char image[PATH_MAX], script[PATH_MAX], failing[PATH_MAX],
            config[PATH_MAX];

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, mode), 0);
}

/* Test scripts run with no LD_PRELOAD (env -u): neither the shell nor
 * xenstore-write needs the simulator's preload, and under the sanitizer
 * builds the inherited runtime crashes them. */
static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(base));
    snprintf(image, sizeof(image), "%s/image", base);
    snprintf(script, sizeof(script), "%s/block-test", base);
    snprintf(failing, sizeof(failing), "%s/block-fails", base);
    snprintf(config, sizeof(config), "%s/config.json", base);
    write_file(image, "", 0600);
    ck_assert_int_eq(truncate(image, 1 << 20), 0);
    /* what `block` does for a device it need not set up */
    write_file(script,
               "#!/usr/bin/env -S -u LD_PRELOAD /bin/sh\n"
               "if [ \"$1\" = add ]; then\n"
               "  xenstore-write \"$XENBUS_PATH/physical-device\" 7:0 \\\n"
               "    \"$XENBUS_PATH/hotplug-status\" connected\n"
               "fi\n", 0755);
    write_file(failing,
               "#!/usr/bin/env -S -u LD_PRELOAD /bin/sh\n"
               "xenstore-write \"$XENBUS_PATH/hotplug-error\" \"no luck\"\n"
               "exit 1\n", 0755);
    write_file(config,
               "{\"c_info\":{\"type\":\"pv\",\"name\":\"vm\"},"
               "\"b_info\":{\"max_vcpus\":1,\"max_memkb\":65536,"
               "\"target_memkb\":65536,\"type.pv\":{}}}", 0644);
}

static int remove_one(const char *path, const struct stat *st, int flag,
                      struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

static void teardown(void)
{
    nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

TEST_FIXTURE(setup, teardown);

static const char *const way_names[] = { "debian", "abi", "api" };

/*
 * On a host of its own with one guest (domid 1) and its configuration,
 * the probe run with each of cmds (NULL-terminated) in turn, one of the
 * three ways; what they printed, one after the other.
 */
static char *run_way(int way, const char *const *const cmds[])
{
    simhost *host = simhost_start();
    char dir[PATH_MAX], preload[PATH_MAX * 2 + 32], *all, *store;
    const char *prog = way == 2 ? PROBE_OURS : PROBE_DEBIAN;
    const char *store_args[] = { "store", "1", config, NULL };
    size_t len = 0;

    ck_assert_ptr_nonnull(host);
    snprintf(preload, sizeof(preload), "%s", simhost_preload_env());
    ck_assert_int_eq(simhost_create_domain("vm", 64, 1, "obey"), 1);
    snprintf(dir, sizeof(dir), "%s/%s-%s", base, cmds[0][0], way_names[way]);
    store = dropin_run_private(prog, store_args, preload, way != 0, dir);
    ck_assert_str_eq(store, "store rc=0\n");
    free(store);
    all = calloc(1, 1);
    ck_assert_ptr_nonnull(all);
    for (int i = 0; cmds[i]; i++) {
        char *out = dropin_run_private(prog, cmds[i], preload, way != 0,
                                       dir);
        all = realloc(all, len + strlen(out) + 1);
        ck_assert_ptr_nonnull(all);
        memcpy(all + len, out, strlen(out) + 1);
        len += strlen(out);
        free(out);
    }
    ck_assert_int_eq(simhost_stop(host), 0);
    return all;
}

TEST(disk_calls_same_on_debian_and_lightcore, 120)
{
    const char *args[] = { "scenario", "1", image, script, NULL };
    const char *const *const cmds[] = { args, NULL };
    char *out[3];

    for (int w = 0; w < 3; w++) out[w] = run_way(w, cmds);
    dropin_assert_same(out[0], out[1], out[2]);
    /* what the run went through, as Debian's library did it */
    ck_assert_ptr_nonnull(strstr(out[0], "add xvdb rc=0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "add xvdb rc=-17\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "add bogus rc=-6\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "list n=2\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "retrieve rc=0 num_disks=2\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "remove xvdb rc=0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "destroy xvdc rc=0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "list n=0\n"));
    /* the backend connected: the frontend ran and the script was heard */
    ck_assert_ptr_nonnull(strstr(out[0], "hotplug-status = \"connected\""));
    ck_assert_ptr_nonnull(strstr(out[0], "ring-ref = "));
    /* and at the end nothing is left */
    ck_assert_ptr_nonnull(strstr(out[0], "/libxl/1/device: none\n"
                                         "/local/domain/0/backend: none\n"));
    for (int w = 0; w < 3; w++) free(out[w]);
}

TEST(failed_add_is_undone_on_lightcore, 120)
{
    const char *bad[] = { "add", "1", "xvdb", image, failing, NULL };
    const char *good[] = { "add", "1", "xvdb", image, script, NULL };
    const char *tree[] = { "tree", "1", NULL };
    const char *const *const cmds[] = { bad, tree, good, NULL };
    char *out[3];

    for (int w = 0; w < 3; w++) out[w] = run_way(w, cmds);
    /* libxl: the script's error, its nodes left behind, the disk refused
     * next time */
    ck_assert_ptr_nonnull(strstr(out[0], "script: no luck\n"
                                         "  log 8 libxl [errno -1] Domain 1:"
                                         "Unable to add vbd with id 51728\n"
                                         "add xvdb rc=-3\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "  51728 = \"\" (n1,r0)\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "add xvdb rc=-17\n"));
    /* lightcore: the same error, nothing left, the next add works */
    dropin_assert_same(out[1], out[1], out[2]);
    ck_assert_ptr_nonnull(strstr(out[1], "script: no luck\n"));
    ck_assert_ptr_nonnull(strstr(out[1], "block-fails remove [PID] exited"
                                         " with error status 1\n"
                                         "  log 8 libxl [errno -1] Domain 1:"
                                         "Unable to add vbd with id 51728\n"
                                         "add xvdb rc=-3\n"));
    ck_assert_ptr_nonnull(strstr(out[1], "/libxl/1/device: none\n"
                                         "/local/domain/0/backend: none\n"));
    ck_assert_ptr_nonnull(strstr(out[1], "add xvdb rc=0\n"));
    for (int w = 0; w < 3; w++) free(out[w]);
}
