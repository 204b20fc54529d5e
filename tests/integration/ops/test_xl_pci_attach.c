/*
 * test_xl_pci_attach.c: Debian's own xl, unchanged, giving PCI devices to
 * a PV guest and taking them back (pci-attach, pci-detach, pci-list) on
 * Debian's libxenlight and on lightcore. Each library gets a simulated
 * host of its own (an IOMMU, pciback, a guest "vm" whose pcifront follows
 * it), the guest's stored configuration in its private /var/lib/xen
 * (xlboth_init's private directories), and a fake /sys/bus/pci
 * (tests/sim/fakesysfs, xlboth_wrapper) where 02.0 and 04.0 were set
 * aside for guests and 05.0 is a host nic's. Every step's exit status,
 * output, error output (libxl's FILE:LINE:FUNC masked) and the fake
 * sysfs after it (with the sysfs writes it made) must be the same, and
 * the hypervisor's owner of each device after the scenario.
 *
 * Needs root (mount namespaces, FUSE); otherwise each test says it
 * skipped.
 */
#include <check.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dropin.h"
#include "pcienv.h"
#include "simhost.h"
#include "subproc.h"
#include "testmain.h"
#include "xensim.h"
#include "xlboth.h"

#define PROBE_DEBIAN "tests/dropin-pci-attach-debian"

static const char spec_text[] =
    "driver e1000e\n"
    "driver pciback\n"
    "device 0000:00:02.0 0x8086 0x10d3 0x020000 pciback\n"
    "device 0000:00:04.0 0x1af4 0x1000 0x020000 pciback\n"
    "device 0000:00:05.0 0x8086 0x10d3 0x020000 e1000e\n"
    "irq 0000:00:02.0 11\n"
    "bar 0000:00:02.0 0 febc0000 febdffff 40200\n"
    "bar 0000:00:04.0 1 c040 c07f 40101\n"
    "slot 0000:00:02.0\n"
    "slot 0000:00:04.0\n";

static void setup(void)
{
    pcienv_setup("xl-pci-attach", "pv");
}

static void teardown(void)
{
    pcienv_teardown();
}

TEST_FIXTURE(setup, teardown);

#define NSTEPS 11

static const char *const steps[NSTEPS][6] = {
    { "pci-list", "vm", NULL },
    { "pci-attach", "vm", "00:05.0", NULL },                 /* not aside */
    { "pci-attach", "vm", "00:02.0,permissive=1", NULL },
    { "pci-attach", "vm", "00:04.0", "7", NULL },            /* a vslot */
    { "pci-list", "vm", NULL },
    { "pci-detach", "vm", "00:05.0", NULL },                 /* not there */
    { "pci-detach", "vm", "00:02.0", NULL },
    { "pci-list", "vm", NULL },
    { "pci-detach", "-f", "vm", "00:04.0", NULL },
    { "pci-list", "vm", NULL },
    { "pci-attach", "novm", "00:02.0", NULL },
};

/* The scenario on one library, on a host of its own: each step's text,
 * then the owners of the devices. */
static void scenario(bool on_lightcore, char *out[NSTEPS + 1])
{
    simhost *host = simhost_start();
    char dir[PATH_MAX + 16];

    ck_assert_ptr_nonnull(host);
    ck_assert_int_eq(simhost_create_domain("vm", 64, 1, "obey"), 1);
    for (unsigned dev = 2; dev <= 5; dev++) {
        ck_assert_int_eq(xensim_pci_set(0, 0, (uint8_t)(dev << 3), -1), 0);
        ck_assert_int_eq(xensim_pci_set_owner(0, 0, (uint8_t)(dev << 3),
                                              dev < 5 ? 0x7ff1 : 0), 0);
    }
    xlboth_init(simhost_preload_env(), pcienv_base);
    setenv("ASAN_OPTIONS", "detect_leaks=0:verify_asan_link_order=0", 1);
    xlboth_wrapper = pcienv_wrapper;
    snprintf(dir, sizeof(dir), "%s/%s", pcienv_base,
             on_lightcore ? "lightcore" : "debian");
    pcienv_store_config(PROBE_DEBIAN, simhost_preload_env(), false, dir);
    pcienv_write_file(pcienv_spec, spec_text);
    for (int i = 0; i < NSTEPS; i++) {
        xl_run r = xlboth_run(on_lightcore, steps[i]);
        char *o = xlboth_mask_sources(r.out), *e = xlboth_mask_sources(r.err);
        char *sys = pcienv_read_file(pcienv_spec);
        ck_assert_int_gt(asprintf(&out[i], "status %d\n-- out\n%s-- err\n%s"
                                  "-- sysfs\n%s", r.status, o, e, sys), 0);
        free(o);
        free(e);
        free(sys);
        xl_run_free(&r);
    }
    ck_assert_int_gt(asprintf(&out[NSTEPS], "owners %d %d %d",
                              xensim_pci_owner(0, 0, 2 << 3),
                              xensim_pci_owner(0, 0, 4 << 3),
                              xensim_pci_owner(0, 0, 5 << 3)), 0);
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST(xl_pci_attach_detach_same_on_both, 240)
{
    if (pcienv_skip())
        return;
    char *theirs[NSTEPS + 1], *ours[NSTEPS + 1];

    scenario(false, theirs);
    scenario(true, ours);
    for (int i = 0; i <= NSTEPS; i++)
        ck_assert_msg(!strcmp(theirs[i], ours[i]), "step %d (xl %s): "
                      "differs\n--- Debian's libxenlight\n%s--- lightcore\n%s",
                      i, i < NSTEPS ? steps[i][0] : "-", theirs[i], ours[i]);
    /* what Debian's run did (so the comparison is not vacuous) */
    ck_assert_msg(strstr(theirs[2], "status 0\n"), "%s", theirs[2]);
    ck_assert_msg(strstr(theirs[4], "0000:00:02.0"), "%s", theirs[4]);
    ck_assert_msg(strstr(theirs[4], "0000:00:04.0"), "%s", theirs[4]);
    ck_assert_msg(strstr(theirs[1], "is not assignable"), "%s", theirs[1]);
    ck_assert_msg(strstr(theirs[6], "status 0\n"), "%s", theirs[6]);
    ck_assert_msg(strstr(theirs[7], "-- out\nVdev Device\n00.0 0000:00:04.0\n"
                                    "-- err\n"), "%s", theirs[7]);
    ck_assert_str_eq(theirs[NSTEPS], "owners 32753 32753 0");
    for (int i = 0; i <= NSTEPS; i++) {
        free(theirs[i]);
        free(ours[i]);
    }
}
