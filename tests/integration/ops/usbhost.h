/*
 * usbhost.h: the host the PVUSB tests (test_dropin_usb.c, test_xl_usb.c)
 * need, which these machines are not: a private mount namespace (tmpfs
 * /var/lib/xen, /var/log/xen and /run) in which /sys/bus/usb is the fake
 * sysfs of tests/abi/fakeusb.c (its emulator a child of the test, killed
 * with it), a simulated Xen host, and guests whose simulated backends are
 * held in InitWait. The test and the programs it runs share one cpu with
 * the emulator, which runs at a real-time priority there (writes to the
 * fake sysfs applied as synchronously as the kernel's). Included by one
 * test file each (static functions:
 * the common objects link into programs without the simulated host).
 */
#ifndef USBHOST_H
#define USBHOST_H

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <xenstore.h>

#include "../../abi/fakeusb.h"
#include "simhost.h"
#include "subproc.h"
#include "testmain.h"

static simhost *usbhost_host;
static pid_t usbhost_emulator = -1;

/* The fake sysfs's emulator, a child that dies with the test, at a
 * real-time priority on cpu (see tests/abi/fakeusb.c). */
static inline void usbhost_start_emulator(int cpu)
{
    int p[2];
    char line[16] = "";
    FILE *f;

    ck_assert_int_eq(pipe(p), 0);
    usbhost_emulator = fork();
    ck_assert_int_ge(usbhost_emulator, 0);
    if (!usbhost_emulator) {
        char cpu_env[32];
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        snprintf(cpu_env, sizeof(cpu_env), "%d", cpu);
        setenv("FAKEUSB_CPU", cpu_env, 1);
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execl(subproc_build_path("tests/fakeusb"), "fakeusb", (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    f = fdopen(p[0], "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(line, sizeof(line), f));
    ck_assert_str_eq(line, "ready\n");
    fclose(f);
}

/* In a test's checked fixture: all of the above, true; or false (with a
 * note on stderr) when not root, and the test does nothing. */
static inline bool usbhost_setup(void)
{
    static const char *const dirs[] = { "/var/lib/xen", "/var/log/xen",
                                        "/run" };

    if (geteuid() != 0) {
        fprintf(stderr, "skipped: needs root for private namespaces\n");
        return false;
    }
    if (unshare(CLONE_NEWNS) < 0) {
        fprintf(stderr, "skipped: unshare: %s\n", strerror(errno));
        return false;
    }
    ck_assert_int_eq(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        mkdir(dirs[i], 0755);
        ck_assert_msg(mount("tmpfs", dirs[i], "tmpfs", 0,
                            "size=64m,mode=0755") == 0,
                      "mount tmpfs on %s: %s", dirs[i], strerror(errno));
    }
    ck_assert_int_eq(mkdir("/run/xen", 0755), 0);
    /* the emulator and, once the simulated host runs, this process and
     * the probes and xl it starts share one cpu: their writes to the
     * fake sysfs are applied before they go on */
    int cpu = sched_getcpu();
    cpu_set_t set;
    ck_assert_int_ge(cpu, 0);
    usbhost_start_emulator(cpu);
    usbhost_host = simhost_start();
    ck_assert_ptr_nonnull(usbhost_host);
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    ck_assert_int_eq(sched_setaffinity(0, sizeof(set), &set), 0);
    return true;
}

/* The emulator told to quit and the simulated host stopped. */
static inline void usbhost_teardown(void)
{
    ck_assert_int_eq(fakeusb_command("quit"), 0);
    ck_assert_int_eq(waitpid(usbhost_emulator, NULL, 0), usbhost_emulator);
    ck_assert_int_eq(simhost_stop(usbhost_host), 0);
}

/*
 * A guest whose frontends answer, its backends never Connected: held in
 * InitWait, as a backend that connects at once races libxl's wait for
 * InitWait (which then reads Connected and waits on until its deadline,
 * in both libraries). HVM if hvm. Its domid, as text (static).
 */
static inline const char *usbhost_guest(bool hvm)
{
    static char id[16];
    char *out = NULL;
    int rc = hvm ? simhost_cli(&out, "create", "usbguest", "--mem-mb", "64",
                               "--guest", "obey", "--frontends", "on",
                               "--hvm", (char *)NULL)
                 : simhost_cli(&out, "create", "usbguest", "--mem-mb", "64",
                               "--guest", "obey", "--frontends", "on",
                               (char *)NULL);

    ck_assert_int_eq(rc, 0);
    snprintf(id, sizeof(id), "%d", atoi(out));
    free(out);
    ck_assert_int_gt(atoi(id), 0);
    ck_assert_int_eq(simhost_cli(NULL, "backend-policy", id, "*",
                                 "no-connect", (char *)NULL), 0);
    return id;
}

/* The fake sysfs as it was at start (usbback loaded), and no memory of
 * drivers in xenstore: a fresh host for the next run. */
static inline void usbhost_reset(void)
{
    struct xs_handle *xs = xs_open(0);

    ck_assert_ptr_nonnull(xs);
    xs_rm(xs, XBT_NULL, "/libxl/usbback");
    xs_close(xs);
    ck_assert_int_eq(fakeusb_command("reset"), 0);
}

/* Whether every PVUSB device of domid has settled (backend InitWait,
 * frontend Initialised). */
static inline bool usbhost_settled(struct xs_handle *xs, const char *domid)
{
    static const char *const kinds[] = { "vusb", "qusb" };
    bool ok = true;

    for (int k = 0; k < 2 && ok; k++) {
        char dir[128], path[256];
        unsigned n = 0, len;
        char **devs;

        snprintf(dir, sizeof(dir), "/local/domain/0/backend/%s/%s", kinds[k],
                 domid);
        devs = xs_directory(xs, XBT_NULL, dir, &n);
        for (unsigned i = 0; devs && i < n && ok; i++) {
            char *be, *fe;
            snprintf(path, sizeof(path), "%s/%s/state", dir, devs[i]);
            be = xs_read(xs, XBT_NULL, path, &len);
            snprintf(path, sizeof(path),
                     "/local/domain/%s/device/vusb/%s/state", domid, devs[i]);
            fe = xs_read(xs, XBT_NULL, path, &len);
            ok = be && fe && !strcmp(be, "2") && !strcmp(fe, "3");
            free(be);
            free(fe);
        }
        free(devs);
    }
    return ok;
}

/* Waits (at most 10 s, else the test fails) until every PVUSB device of
 * domid has settled, so what is printed next does not depend on timing. */
static inline void usbhost_settle(const char *domid)
{
    struct xs_handle *xs = xs_open(0);
    uint64_t end = test_now_ms() + 10000;

    ck_assert_ptr_nonnull(xs);
    ck_assert(xs_watch(xs, "/local/domain/0/backend", "settle"));
    while (!usbhost_settled(xs, domid)) {
        struct pollfd p = { .fd = xs_fileno(xs), .events = POLLIN };
        unsigned n;

        ck_assert_msg(test_now_ms() < end, "the USB devices of domain %s did"
                      " not settle", domid);
        if (poll(&p, 1, 200) > 0) free(xs_read_watch(xs, &n));
    }
    xs_close(xs);
}

#endif
