/*
 * test_device_faults.c: a device add or remove that goes wrong at each
 * step, on lightcore, on the simulated host: the hotplug script failing
 * or hanging past its deadline, a backend that never reaches InitWait or
 * never closes, an abort while the script runs or while the backend is
 * awaited, xenstored dying in the middle, and a guest rewriting its own
 * frontend to point at another domain's device. Every failed add returns
 * libxl's error and leaves no node, no configuration entry, no child and
 * no fd behind (lightcore's rollback; libxl leaves them). The deadlines
 * are lightcore's test tunables (LIGHTCORE_DEVICE_*_TIMEOUT_MS), short;
 * Debian's library waits its compiled-in 10 s / 40 s (compared in the
 * slower suite).
 *
 * Each test runs in its own process, inside a private mount namespace
 * with private Xen directories (privdirs.h); without root it is skipped.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenstore.h>

#include "privdirs.h"
#include "simhost.h"
#include "testlog.h"
#include "testmain.h"

static simhost *host;
static libxl_ctx *ctx;
static xentoollog_logger *lg;
static struct xs_handle *xsh;
static char base[] = "/tmp/device-faults.XXXXXX";
static char image[PATH_MAX], runs[PATH_MAX];
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

/* A script at base/NAME: it notes "$1" in `runs`, then does body. */
static const char *script(const char *name, const char *body)
{
    static char path[PATH_MAX];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", base, name);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "#!/usr/bin/env -S -u LD_PRELOAD /bin/sh\necho \"$1\" >> %s\n%s\n", runs, body);
    ck_assert_int_eq(fclose(f), 0);
    ck_assert_int_eq(chmod(path, 0755), 0);
    return path;
}

#define GOOD_BODY \
    "[ \"$1\" = add ] && xenstore-write \"$XENBUS_PATH/physical-device\" " \
    "7:0 \"$XENBUS_PATH/hotplug-status\" connected\nexit 0"

/* Test scripts run with no LD_PRELOAD (env -u): neither the shell nor
 * xenstore-write needs the simulator's preload, and under the sanitizer
 * builds the inherited runtime crashes them. */
static void setup(void)
{
    FILE *f;

    ck_assert_ptr_nonnull(mkdtemp(base));
    if (!privdirs_enter(base)) {
        skipped = true;
        return;
    }
    snprintf(image, sizeof(image), "%s/image", base);
    snprintf(runs, sizeof(runs), "%s/runs", base);
    f = fopen(image, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fclose(f), 0);
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    domid = simhost_create_domain("vm", 64, 1, "obey");
    ck_assert_int_gt(domid, 0);
    lg = testlog_new();
    ck_assert_int_eq(libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg), 0);
    ck_assert_int_eq(libxl_userdata_store(ctx, domid, "libxl-json",
                                          (const uint8_t *)config_json,
                                          sizeof(config_json)), 0);
    xsh = xs_open(0);
    ck_assert_ptr_nonnull(xsh);
    setenv("LIGHTCORE_DEVICE_INIT_TIMEOUT_MS", "400", 1);
    setenv("LIGHTCORE_DEVICE_HOTPLUG_TIMEOUT_MS", "400", 1);
    setenv("LIGHTCORE_DEVICE_DESTROY_TIMEOUT_MS", "400", 1);
}

static void teardown(void)
{
    if (!skipped) {
        xs_close(xsh);
        libxl_ctx_free(ctx);
        xtl_logger_destroy(lg);
        ck_assert_int_eq(simhost_stop(host), 0);
    }
    nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

TEST_FIXTURE(setup, teardown);

#define SKIP_UNLESS_ROOT()                                                  \
    do {                                                                    \
        if (skipped) {                                                      \
            fprintf(stderr, "%s: skipped: needs root (a private mount"      \
                    " namespace)\n", __func__);                             \
            return;                                                         \
        }                                                                   \
    } while (0)

static void disk_of(libxl_device_disk *d, const char *vdev, const char *sc)
{
    libxl_device_disk_init(d);
    d->vdev = strdup(vdev);
    d->pdev_path = strdup(image);
    d->script = sc ? strdup(sc) : NULL;
    d->format = LIBXL_DISK_FORMAT_RAW;
    d->backend = LIBXL_DISK_BACKEND_PHY;
    d->readwrite = 1;
}

static bool exists(const char *fmt, int id)
{
    char path[128];
    char *v;

    snprintf(path, sizeof(path), fmt, id);
    v = xs_read(xsh, XBT_NULL, path, NULL);
    free(v);
    return v != NULL;
}

/* Nothing of the domain's xvdb anywhere: nodes, configuration, child. */
static void assert_nothing_left(void)
{
    libxl_domain_config c;
    DIR *d;
    struct dirent *e;
    char self[32];
    const char *host_pid;
    int children = 0;

    ck_assert(!exists("/local/domain/%d/device/vbd", domid));
    ck_assert(!exists("/libxl/%d/device", domid));
    ck_assert(!exists("/local/domain/0/backend/vbd/%d", domid));
    libxl_domain_config_init(&c);
    ck_assert_int_eq(libxl_userdata_retrieve(ctx, domid, "libxl-json",
                                             NULL, NULL), 0);
    ck_assert_int_eq(libxl_retrieve_domain_configuration(ctx, domid, &c,
                                                         NULL), 0);
    ck_assert_int_eq(c.num_disks, 0);
    libxl_domain_config_dispose(&c);
    /* no child of this process is left but the host (the script is
     * reaped) */
    host_pid = getenv("XENSIM_HOST_PID");
    snprintf(self, sizeof(self), "/proc/%d/task", (int)getpid());
    d = opendir(self);
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d))) {
        char path[PATH_MAX], buf[256] = "", *tok, *save;
        FILE *f;

        if (e->d_name[0] == '.') continue;
        snprintf(path, sizeof(path), "%s/%s/children", self, e->d_name);
        f = fopen(path, "r");
        if (!f) continue;
        if (!fgets(buf, sizeof(buf), f)) buf[0] = '\0';
        fclose(f);
        for (tok = strtok_r(buf, " \n", &save); tok;
             tok = strtok_r(NULL, " \n", &save))
            if (!host_pid || strcmp(tok, host_pid)) children++;
    }
    closedir(d);
    ck_assert_int_eq(children, 0);
}

static char *read_runs(void)
{
    static char buf[256];
    FILE *f = fopen(runs, "r");
    size_t n = 0;

    if (f) {
        n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
    }
    buf[n] = '\0';
    return buf;
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;

    ck_assert_ptr_nonnull(d);
    while (readdir(d)) n++;
    closedir(d);
    return n;
}

TEST(add_undone_when_the_script_fails, 60)
{
    libxl_device_disk d;
    int fds;

    SKIP_UNLESS_ROOT();
    disk_of(&d, "xvdb", script("fails", "exit 1"));
    ck_assert_int_eq(libxl_device_disk_add(ctx, domid, &d, NULL),
                     ERROR_FAIL);
    /* the script's own work undone by its "remove" */
    ck_assert_str_eq(read_runs(), "add\nremove\n");
    assert_nothing_left();
    /* again: the ctx's own connections are open now, nothing more is */
    fds = open_fds();
    ck_assert_int_eq(libxl_device_disk_add(ctx, domid, &d, NULL),
                     ERROR_FAIL);
    assert_nothing_left();
    ck_assert_int_eq(open_fds(), fds);
    /* and the same disk can be added at once */
    libxl_device_disk_dispose(&d);
    disk_of(&d, "xvdb", script("good", GOOD_BODY));
    ck_assert_int_eq(libxl_device_disk_add(ctx, domid, &d, NULL), 0);
    libxl_device_disk_dispose(&d);
}

TEST(add_undone_when_the_script_hangs, 60)
{
    libxl_device_disk d;

    SKIP_UNLESS_ROOT();
    disk_of(&d, "xvdb", script("hangs",
                               "[ \"$1\" = add ] && exec sleep 1000\n"
                               "exit 0"));
    testlog_clear(lg);
    ck_assert_int_eq(libxl_device_disk_add(ctx, domid, &d, NULL),
                     ERROR_TIMEDOUT);
    ck_assert(testlog_contains(lg, XTL_ERROR, "timed out after 400 ms"));
    ck_assert_str_eq(read_runs(), "add\nremove\n");
    assert_nothing_left();
    libxl_device_disk_dispose(&d);
}

TEST(add_undone_when_the_backend_never_probes, 60)
{
    libxl_device_disk d;
    char id[16];

    SKIP_UNLESS_ROOT();
    snprintf(id, sizeof(id), "%d", domid);
    ck_assert_int_eq(simhost_cli(NULL, "backend-policy", id, "vbd",
                                 "no-initwait", NULL), 0);
    disk_of(&d, "xvdb", script("good", GOOD_BODY));
    ck_assert_int_eq(libxl_device_disk_add(ctx, domid, &d, NULL),
                     ERROR_TIMEDOUT);
    ck_assert_str_eq(read_runs(), "");       /* the script never ran */
    assert_nothing_left();
    libxl_device_disk_dispose(&d);
}

/* ------------------------------------------------------------ aborts */

static int completed_rc = 1;
static void completed(libxl_ctx *c, int rc, void *user)
{
    (void)c; (void)user;
    completed_rc = rc;
}

/* Runs the event loop until the callback has come, at most ms. */
static void wait_completion(int ms)
{
    for (int waited = 0; completed_rc == 1 && waited < ms; waited += 10) {
        struct timeval now;
        int nfds = 16, timeout = 10;
        struct pollfd fds[16];

        gettimeofday(&now, NULL);
        ck_assert_int_eq(libxl_osevent_beforepoll(ctx, &nfds, fds, &timeout,
                                                  now), 0);
        poll(fds, (nfds_t)nfds, timeout < 10 && timeout >= 0 ? timeout : 10);
        gettimeofday(&now, NULL);
        libxl_osevent_afterpoll(ctx, nfds, fds, now);
    }
}

TEST(abort_while_the_script_runs_undoes_the_add, 60)
{
    libxl_asyncop_how how = { .callback = completed };
    libxl_device_disk d;
    char fifo[PATH_MAX], body[PATH_MAX + 64];
    int fd;

    SKIP_UNLESS_ROOT();
    snprintf(fifo, sizeof(fifo), "%s/started", base);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    /* add: says it started (the open blocks until the test listens),
     * then waits forever; remove: exits at once */
    snprintf(body, sizeof(body), "[ \"$1\" = add ] && { echo > %s;"
             " exec sleep 1000; }\nexit 0", fifo);
    disk_of(&d, "xvdb", script("blocks", body));
    ck_assert_int_eq(libxl_device_disk_add(ctx, domid, &d, &how), 0);
    /* run the loop until the script is running: it opens the fifo */
    fd = open(fifo, O_RDONLY | O_NONBLOCK);
    ck_assert_int_ge(fd, 0);
    for (int i = 0; i < 500; i++) {
        char c;
        wait_completion(10);
        if (read(fd, &c, 1) == 1) break;
    }
    close(fd);
    ck_assert_int_eq(completed_rc, 1);
    ck_assert_int_eq(libxl_ao_abort(ctx, &how), 0);
    wait_completion(5000);
    ck_assert_int_eq(completed_rc, ERROR_ABORTED);
    ck_assert_str_eq(read_runs(), "add\nremove\n");
    assert_nothing_left();
    libxl_device_disk_dispose(&d);
}

TEST(abort_while_the_backend_is_awaited_undoes_the_add, 60)
{
    libxl_asyncop_how how = { .callback = completed };
    libxl_device_disk d;
    char id[16];

    SKIP_UNLESS_ROOT();
    setenv("LIGHTCORE_DEVICE_INIT_TIMEOUT_MS", "30000", 1);
    snprintf(id, sizeof(id), "%d", domid);
    ck_assert_int_eq(simhost_cli(NULL, "backend-policy", id, "vbd",
                                 "no-initwait", NULL), 0);
    disk_of(&d, "xvdb", script("good", GOOD_BODY));
    ck_assert_int_eq(libxl_device_disk_add(ctx, domid, &d, &how), 0);
    ck_assert(exists("/local/domain/0/backend/vbd/%d", domid));
    ck_assert_int_eq(libxl_ao_abort(ctx, &how), 0);
    wait_completion(5000);
    ck_assert_int_eq(completed_rc, ERROR_ABORTED);
    ck_assert_str_eq(read_runs(), "");
    assert_nothing_left();
    libxl_device_disk_dispose(&d);
}

/* ------------------------------------------------------------ removal */

TEST(remove_of_a_backend_that_never_closes_is_forced, 60)
{
    libxl_device_disk d;
    char id[16];

    SKIP_UNLESS_ROOT();
    disk_of(&d, "xvdb", script("good", GOOD_BODY));
    ck_assert_int_eq(libxl_device_disk_add(ctx, domid, &d, NULL), 0);
    snprintf(id, sizeof(id), "%d", domid);
    ck_assert_int_eq(simhost_cli(NULL, "backend-policy", id, "vbd",
                                 "no-close", NULL), 0);
    /* unforced, then forced: both time out; the nodes go anyway */
    ck_assert_int_eq(libxl_device_disk_remove(ctx, domid, &d, NULL),
                     ERROR_TIMEDOUT);
    ck_assert(!exists("/local/domain/0/backend/vbd/%d", domid));
    ck_assert(!exists("/libxl/%d/device", domid));
    /* safe_remove never forces: it fails and leaves the device */
    ck_assert_int_eq(libxl_device_disk_add(ctx, domid, &d, NULL), 0);
    ck_assert_int_eq(libxl_device_disk_safe_remove(ctx, domid, &d, NULL),
                     ERROR_TIMEDOUT);
    ck_assert(exists("/local/domain/0/backend/vbd/%d", domid));
    libxl_device_disk_dispose(&d);
}

/* ------------------------------------------------------------ hostile */

TEST(a_guest_pointing_its_frontend_elsewhere_changes_nothing_else, 60)
{
    libxl_device_disk d;
    int other;
    char path[128];

    SKIP_UNLESS_ROOT();
    other = simhost_create_domain("other", 64, 1, "obey");
    ck_assert_int_gt(other, 0);
    ck_assert_int_eq(libxl_userdata_store(ctx, other, "libxl-json",
                                          (const uint8_t *)config_json,
                                          sizeof(config_json)), 0);
    disk_of(&d, "xvdb", script("good", GOOD_BODY));
    ck_assert_int_eq(libxl_device_disk_add(ctx, domid, &d, NULL), 0);
    ck_assert_int_eq(libxl_device_disk_add(ctx, other, &d, NULL), 0);
    /* the guest rewrites what it owns: its frontend's backend pointer and
     * state, and plants a bogus device */
    snprintf(path, sizeof(path), "device/vbd/51728/backend");
    ck_assert_int_eq(simhost_guest_write(domid, path,
                     "/local/domain/0/backend/vbd/2/51728"), 0);
    ck_assert_int_eq(simhost_guest_write(domid, "device/vbd/51728/state",
                                         "6; rm -rf /"), 0);
    /* (it cannot plant a device: device/vbd is dom0's) */
    ck_assert_int_ne(simhost_guest_write(domid, "device/vbd/51744/backend",
                                         "/libxl/2"), 0);
    ck_assert_int_eq(libxl_device_disk_remove(ctx, domid, &d, NULL), 0);
    /* the other domain's disk is untouched */
    ck_assert(exists("/local/domain/0/backend/vbd/%d/51728", other));
    ck_assert(exists("/libxl/%d/device/vbd/51728", other));
    ck_assert(exists("/local/domain/%d/device/vbd/51728", other));
    ck_assert(!exists("/local/domain/0/backend/vbd/%d", domid));
    libxl_device_disk_dispose(&d);
}
