/*
 * test_xl_pci.c: Debian's own xl, unchanged, for PCI passthrough's host
 * side (pci-assignable-add, -remove, -list) on Debian's libxenlight and on
 * lightcore, each run inside tests/sim/fakesysfs (a fake /sys/bus/pci in
 * a private mount namespace; xlboth_wrapper) on a simulated host whose
 * hypervisor knows the fake devices.
 *
 * The same scenario runs on each library from the same starting state
 * (fake sysfs, empty /libxl/pci, devices with dom0): every step's exit
 * status, output, error output (libxl's FILE:LINE:FUNC masked) and the
 * fake sysfs after it (with the sysfs writes it made) must be the same.
 * Then the libraries take turns on one state: what one sets aside the
 * other lists and gives back to the driver the first one remembered.
 *
 * Needs root (mount namespace, FUSE); otherwise each test says it skipped.
 */
#include <check.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "pcienv.h"
#include "simhost.h"
#include "subproc.h"
#include "testmain.h"
#include "xensim.h"
#include "xlboth.h"

static simhost *host;
static char dir[] = "/tmp/xl-pci.XXXXXX";
static char fakesysfs[PATH_MAX], state[PATH_MAX];
static const char *wrapper[4];

static const char spec[] =
    "driver e1000e\n"
    "driver pciback\n"
    "device 0000:00:02.0 0x8086 0x10d3 0x020000 e1000e\n"
    "device 0000:00:03.0 0x8086 0x10d3 0x020000 -\n"
    "device 0000:00:05.0 0x8086 0x10d3 0x020000 e1000e\n";

/* The starting state: the fake sysfs, no /libxl/pci, devices with dom0. */
static void lay_state(void)
{
    struct xs_handle *xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
    xs_rm(xs, XBT_NULL, "/libxl/pci");
    xs_close(xs);
    for (unsigned dev = 2; dev <= 5; dev++)
        ck_assert_int_eq(xensim_pci_set_owner(0, 0, (uint8_t)(dev << 3), 0), 0);
    pcienv_write_file(state, spec);
}

static void setup(void)
{
    if (geteuid() != 0)
        return;
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    xlboth_init(simhost_preload_env(), NULL);
    setenv("ASAN_OPTIONS", "detect_leaks=0:verify_asan_link_order=0", 1);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(state, sizeof(state), "%s/state", dir);
    ck_assert_ptr_nonnull(realpath(subproc_build_path("sim/fakesysfs"),
                                   fakesysfs));
    wrapper[0] = fakesysfs;
    wrapper[1] = state;
    wrapper[2] = state;
    wrapper[3] = NULL;
    xlboth_wrapper = wrapper;
    for (unsigned dev = 2; dev <= 5; dev++)
        ck_assert_int_eq(xensim_pci_set(0, 0, (uint8_t)(dev << 3), -1), 0);
}

static void teardown(void)
{
    if (!host)
        return;
    unlink(state);
    rmdir(dir);
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* One xl run on one library, from the current state: everything it
 * showed, as one text. */
static char *xl_step(bool on_lightcore, const char *const args[])
{
    xl_run r = xlboth_run(on_lightcore, args);
    char *out = xlboth_mask_sources(r.out), *err = xlboth_mask_sources(r.err);
    char *sys = pcienv_read_file(state), *all = NULL;

    ck_assert_int_gt(asprintf(&all, "status %d\n-- out\n%s-- err\n%s"
                              "-- sysfs\n%s", r.status, out, err, sys), 0);
    free(out);
    free(err);
    free(sys);
    xl_run_free(&r);
    return all;
}

#define MAX_STEPS 16

TEST(xl_pci_assignable_same_on_both, 180)
{
    if (pcienv_skip())
        return;
    static const char *const steps[][5] = {
        { "pci-assignable-list", NULL },
        { "pci-assignable-add", "00:02.0", NULL },
        { "pci-assignable-add", "-n", "nic5", "0000:00:05.0", NULL },
        { "pci-assignable-add", "00:03.0", NULL },
        { "pci-assignable-add", "00:09.0", NULL },
        { "pci-assignable-list", NULL },
        { "pci-assignable-list", "-n", NULL },
        { "pci-assignable-remove", "nic5", NULL },
        { "pci-assignable-remove", "-r", "00:02.0", NULL },
        { "pci-assignable-remove", "-r", "00:02.0", NULL },
        { "pci-assignable-remove", "-r", "00:03.0", NULL },
        { "pci-assignable-list", NULL },
    };
    size_t n = sizeof(steps) / sizeof(steps[0]);
    char *theirs[MAX_STEPS];

    lay_state();
    for (size_t i = 0; i < n; i++)
        theirs[i] = xl_step(false, steps[i]);
    lay_state();
    for (size_t i = 0; i < n; i++) {
        char *ours = xl_step(true, steps[i]);
        ck_assert_msg(!strcmp(theirs[i], ours), "xl %s %s: differs\n"
                      "--- Debian's libxenlight\n%s--- lightcore\n%s",
                      steps[i][0], steps[i][1] ? steps[i][1] : "", theirs[i],
                      ours);
        free(ours);
    }
    /* what Debian's run did (so the comparison is not vacuous) */
    ck_assert_ptr_nonnull(strstr(theirs[1], "status 0\n"));
    ck_assert_ptr_nonnull(strstr(theirs[1], "device 0000:00:02.0 0x8086 "
                                            "0x10d3 0x020000 pciback\n"));
    ck_assert_ptr_nonnull(strstr(theirs[6], "0000:00:05.0 nic5\n"));
    ck_assert_ptr_nonnull(strstr(theirs[4], "Couldn't lstat"));
    ck_assert_ptr_nonnull(strstr(theirs[8], "# write drivers/e1000e/bind "
                                            "0000:00:02.0 -> ok\n"));
    ck_assert_ptr_nonnull(strstr(theirs[9], "status 1\n"));
    for (size_t i = 0; i < n; i++)
        free(theirs[i]);
}

/* One library sets aside, the other lists and gives back, and the
 * other way round; the device ends up with its driver again. */
TEST(xl_pci_assignable_libraries_take_turns, 120)
{
    if (pcienv_skip())
        return;
    for (int first = 0; first < 2; first++) {
        bool a = first == 1, b = !a;
        const char *add[] = { "pci-assignable-add", "-n", "eth", "00:02.0",
                              NULL };
        const char *list[] = { "pci-assignable-list", "-n", NULL };
        const char *remove[] = { "pci-assignable-remove", "-r", "eth", NULL };
        char *out;

        lay_state();
        out = xl_step(a, add);
        ck_assert_msg(strstr(out, "status 0\n"), "%s", out);
        free(out);
        out = xl_step(b, list);
        ck_assert_msg(strstr(out, "-- out\n0000:00:02.0 eth\n-- err"), "%s",
                      out);
        free(out);
        out = xl_step(b, remove);
        ck_assert_msg(strstr(out, "status 0\n"), "%s", out);
        ck_assert_msg(strstr(out, "Rebinding to driver at "
                                  "/sys/bus/pci/drivers/e1000e"), "%s", out);
        ck_assert_msg(strstr(out, "device 0000:00:02.0 0x8086 0x10d3 "
                                  "0x020000 e1000e\n"), "%s", out);
        free(out);
        ck_assert_int_eq(xensim_pci_owner(0, 0, 2 << 3), 0);
    }
}
