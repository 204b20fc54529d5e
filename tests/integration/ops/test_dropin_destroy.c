/*
 * test_dropin_destroy.c: libxl_domain_destroy of a guest with devices, as
 * a drop-in for Debian's libxenlight 4.17. tests/abi/dropin_destroy.c,
 * built against Debian's headers and library and against ours, gives a
 * guest (domid 1, on a simulated host of its own with device drivers, in
 * private /var/lib/xen and /var/run/xen directories) a disk and a nic
 * whose hotplug script logs each run, a vkb, its stored configuration and
 * another userdata file, the device model's save file and a device model
 * (a `sleep` whose pid it records), then destroys it. Debian's run,
 * Debian's binary on lightcore (ABI) and ours (API) must print the same:
 * the results, the error lines, the scripts' runs (each device's "remove"
 * or "offline"), nothing left in xenstore, only the userdata lock's
 * absence in /var/lib/xen; and the device model must have been sent
 * SIGHUP.
 */
#include <check.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dropin.h"
#include "simhost.h"
#include "testmain.h"

#define PROBE_DEBIAN "tests/dropin-destroy-debian"
#define PROBE_OURS   "tests/dropin-destroy-ours"

static char base[] = "/tmp/dropin-destroy.XXXXXX";
static char image[PATH_MAX], config[PATH_MAX];

static void write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs(text, f), 0);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, mode), 0);
}

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(base));
    snprintf(image, sizeof(image), "%s/image", base);
    snprintf(config, sizeof(config), "%s/config.json", base);
    write_file(image, "", 0600);
    ck_assert_int_eq(truncate(image, 1 << 20), 0);
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

/* The stand-in device model: a process that SIGHUP ends. */
static pid_t start_dm(void)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        unsetenv("LD_PRELOAD");
        signal(SIGHUP, SIG_DFL);
        execl("/bin/sleep", "sleep", "600", (char *)NULL);
        _exit(127);
    }
    return pid;
}

static const char *const way_names[] = { "debian", "abi", "api" };

/* One way's run: its own host, guest, script and device model. */
static char *run_way(int way)
{
    char dir[PATH_MAX / 2], script[PATH_MAX], log[PATH_MAX];
    char body[PATH_MAX * 2];
    char preload[PATH_MAX * 2 + 32], pid_text[16], *out[3], *all;
    const char *prog = way == 2 ? PROBE_OURS : PROBE_DEBIAN;
    simhost *host = simhost_start();
    pid_t dm;
    int status;

    ck_assert_ptr_nonnull(host);
    snprintf(preload, sizeof(preload), "%s", simhost_preload_env());
    ck_assert_int_eq(simhost_create_domain("vm", 64, 1, "obey"), 1);
    snprintf(dir, sizeof(dir), "%s/%s", base, way_names[way]);
    ck_assert_int_eq(mkdir(dir, 0700), 0);
    snprintf(script, sizeof(script), "%s/hotplug", dir);
    snprintf(log, sizeof(log), "%s/script.log", dir);
    /* as block and vif-bridge, as far as the backends need */
    snprintf(body, sizeof(body),
             "#!/usr/bin/env -S -u LD_PRELOAD /bin/sh\n"
             "echo \"$1 $XENBUS_PATH\" >> %s\n"
             "case $1 in add|online)\n"
             "  xenstore-write \"$XENBUS_PATH/physical-device\" 7:0 \\\n"
             "    \"$XENBUS_PATH/hotplug-status\" connected ;;\n"
             "esac\n", log);
    write_file(script, body, 0755);
    dm = start_dm();
    snprintf(pid_text, sizeof(pid_text), "%d", (int)dm);

    const char *store_args[] = { "store", "1", config, NULL };
    const char *setup_args[] = { "setup", "1", image, script, pid_text, NULL };
    const char *destroy_args[] = { "destroy", "1", log, pid_text, NULL };
    out[0] = dropin_run_private(prog, store_args, preload, way != 0, dir);
    out[1] = dropin_run_private(prog, setup_args, preload, way != 0, dir);
    ck_assert_int_eq(unlink(log), 0);        /* the adds' runs: not compared */
    out[2] = dropin_run_private(prog, destroy_args, preload, way != 0, dir);

    /* the device model was told to go */
    if (waitpid(dm, &status, WNOHANG) == 0) {
        kill(dm, SIGKILL);
        waitpid(dm, &status, 0);
        ck_abort_msg("%s: the device model is still running",
                     way_names[way]);
    }
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGHUP,
                  "%s: device model status %#x", way_names[way], status);
    ck_assert_int_eq(simhost_stop(host), 0);
    ck_assert_int_ge(asprintf(&all, "%s%s%s", out[0], out[1], out[2]), 0);
    for (int i = 0; i < 3; i++) free(out[i]);
    return all;
}

TEST(destroy_with_devices_same_on_debian_and_lightcore, 180)
{
    char *out[3];

    for (int w = 0; w < 3; w++) out[w] = run_way(w);
    dropin_assert_same(out[0], out[1], out[2]);
    /* what Debian's library did */
    ck_assert_ptr_nonnull(strstr(out[0], "add disk rc=0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "add nic rc=0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "add vkb rc=0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "destroy rc=0\n"
                                         "device model gone\n"));
    ck_assert_ptr_nonnull(strstr(out[0],
        "script log:\n"
        "  offline backend/vif/1/0\n"
        "  remove backend/vbd/1/51728\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "/local/domain/1 gone\n"
                                         "/local/domain/1/device: none\n"
                                         "/libxl/1/device: none\n"
                                         "/local/domain/0/backend"));
    /* the userdata (and its lock) and the save file gone */
    ck_assert_ptr_nonnull(strstr(out[0], "/var/lib/xen:\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "Unable to destroy guest\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "destroy absent rc=-21\n"));
    for (int w = 0; w < 3; w++) free(out[w]);
}
