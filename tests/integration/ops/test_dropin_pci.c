/*
 * test_dropin_pci.c: PCI passthrough's host side (assignable add, remove,
 * list) as a drop-in for Debian's libxenlight 4.17, on a fake
 * /sys/bus/pci. tests/abi/dropin_pci.c is built against Debian's headers
 * and library and against ours; each run goes through tests/sim/fakesysfs
 * (a FUSE file system over /sys/bus/pci in a private mount namespace,
 * which binds and unbinds as the kernel would), on one simulated host
 * whose hypervisor knows the fake devices. Before each of the three runs
 * (Debian's, Debian's binary on lightcore, ours) the same starting state
 * is laid: the fake sysfs from one SPEC, /libxl/pci emptied, the devices
 * back with dom0 in the hypervisor. The probe's output (rc, log lines and
 * the state after every call) and fakesysfs's final state with the list
 * of every sysfs write must be the same.
 *
 * A remembered driver path that is not a PCI driver's directory: Debian's
 * library writes the device's address into whatever PATH/bind it names
 * (and succeeds if it could), lightcore refuses, with libxl's rc for a
 * failed bind (-1).
 *
 * Needs root (mount namespace, FUSE); otherwise each test says it skipped.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xenstore.h>

#include "dropin.h"
#include "pcienv.h"
#include "simhost.h"
#include "subproc.h"
#include "testmain.h"
#include "xensim.h"

#define PROBE_DEBIAN "tests/dropin-pci-debian"
#define PROBE_OURS   "tests/dropin-pci-ours"

static simhost *host;
static char preload_env[PATH_MAX * 2 + 32];
static char dir[] = "/tmp/dropin-pci.XXXXXX";
static char fakesysfs[PATH_MAX], state[PATH_MAX];

/* e1000e has 02.0 and 05.0; 03.0 has no driver; 04.0 is pciback's, with
 * a slot, set aside by hand (no /libxl/pci node, not quarantined). */
static const char spec_basic[] =
    "driver e1000e\n"
    "driver pciback\n"
    "device 0000:00:02.0 0x8086 0x10d3 0x020000 e1000e\n"
    "device 0000:00:03.0 0x8086 0x10d3 0x020000 -\n"
    "device 0000:00:04.0 0x1af4 0x1000 0x020000 pciback\n"
    "device 0000:00:05.0 0x8086 0x10d3 0x020000 e1000e\n"
    "slot 0000:00:04.0\n";

/* 02.0 is pciback's and a guest has it */
static const char spec_guest[] =
    "driver e1000e\n"
    "driver pciback\n"
    "device 0000:00:02.0 0x8086 0x10d3 0x020000 pciback\n"
    "device 0000:00:03.0 0x8086 0x10d3 0x020000 e1000e\n"
    "slot 0000:00:02.0\n";

/* no pciback module */
static const char spec_nopciback[] =
    "driver e1000e\n"
    "device 0000:00:02.0 0x8086 0x10d3 0x020000 e1000e\n";

static void setup(void)
{
    if (geteuid() != 0)
        return;
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    snprintf(preload_env, sizeof(preload_env), "%s", simhost_preload_env());
    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(state, sizeof(state), "%s/state", dir);
    ck_assert_ptr_nonnull(realpath(subproc_build_path("sim/fakesysfs"),
                                   fakesysfs));
    /* the hypervisor knows the fake devices (no NUMA node) */
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

/* The starting state every run of a scenario gets. */
static void lay_state(const char *spec, int guest_domid, bool iommu)
{
    struct xs_handle *xs = xs_open(0);

    ck_assert_ptr_nonnull(xs);
    xs_rm(xs, XBT_NULL, "/libxl/pci");
    for (unsigned dev = 2; dev <= 5; dev++)
        ck_assert_int_eq(xensim_pci_set_owner(0, 0, (uint8_t)(dev << 3), 0), 0);
    if (guest_domid > 0) {
        char id[16];
        snprintf(id, sizeof(id), "%d", guest_domid);
        ck_assert(xs_write(xs, XBT_NULL, "/libxl/pci/0000-00-02-0/domid", id,
                           strlen(id)));
        ck_assert_int_eq(xensim_pci_set_owner(0, 0, 2 << 3,
                                              (uint32_t)guest_domid), 0);
    }
    ck_assert_int_eq(xensim_iommu_set(iommu), 0);
    xs_close(xs);
    pcienv_write_file(state, spec);
}

/* One run of the probe (way 0 Debian's, 1 Debian's on lightcore, 2
 * ours) from the laid state: its output, then fakesysfs's final state. */
static char *run(int way, const char *scenario, const char *spec,
                 int guest_domid, bool iommu)
{
    const char *const args[] = { scenario, NULL };
    const char *const wrap[] = { fakesysfs, state, state, NULL };

    lay_state(spec, guest_domid, iommu);
    char *out = dropin_run_wrapped(way == 2 ? PROBE_OURS : PROBE_DEBIAN,
                                   args, preload_env, way != 0, NULL, wrap);
    char *sys = pcienv_read_file(state);
    char *all = NULL;
    ck_assert_int_gt(asprintf(&all, "%s--- fake sysfs at the end\n%s", out,
                              sys), 0);
    free(out);
    free(sys);
    return all;
}

/* The three runs must print the same; Debian's output is returned. */
static char *same_three_ways(const char *scenario, const char *spec,
                             int guest_domid, bool iommu)
{
    char *out[3];
    for (int w = 0; w < 3; w++)
        out[w] = run(w, scenario, spec, guest_domid, iommu);
    dropin_assert_same(out[0], out[1], out[2]);
    free(out[1]);
    free(out[2]);
    ck_assert_ptr_nonnull(strstr(out[0], "\ndone\n"));
    return out[0];
}

TEST(assignable_add_remove_list, 120)
{
    if (pcienv_skip())
        return;
    char *out = same_three_ways("basic", spec_basic, 0, true);

    /* the run did what it says (so the comparison is not vacuous) */
    ck_assert_ptr_nonnull(strstr(out, "# write drivers/e1000e/unbind "
                                      "0000:00:02.0 -> ok\n"
                                      "# write drivers/pciback/new_slot "
                                      "0000:00:02.0 -> ok\n"
                                      "# write drivers/pciback/bind "
                                      "0000:00:02.0 -> ok\n"));
    ck_assert_ptr_nonnull(strstr(out, "# write drivers/e1000e/bind "
                                      "0000:00:02.0 -> ok\n"));
    ck_assert_ptr_nonnull(strstr(out, "xs /libxl/pci/0000-00-02-0/driver_path"
                                      " = \"/sys/bus/pci/drivers/e1000e\""));
    ck_assert_ptr_nonnull(strstr(out, "  list num 3\n"
                                      "  pci 0000:00:02.0 name (null)\n"
                                      "  pci 0000:00:03.0 name nic3\n"));
    ck_assert_ptr_nonnull(strstr(out, "'nic3' -> 0000:00:03.0"));
    ck_assert_ptr_nonnull(strstr(out, "Name too long"));
    ck_assert_ptr_nonnull(strstr(out, "rc -23\n"));      /* no such name */
    ck_assert_ptr_nonnull(strstr(out, "failed to de-quarantine"));
    ck_assert_ptr_nonnull(strstr(out, "device 0000:00:02.0 0x8086 0x10d3 "
                                      "0x020000 e1000e\n"));
    free(out);
}

TEST(assignable_guest_has_it, 60)
{
    if (pcienv_skip())
        return;
    int domid = simhost_create_domain("vm", 64, 1, NULL);
    ck_assert_int_gt(domid, 0);
    char *out = same_three_ways("guest", spec_guest, domid, true);

    /* not listed (an empty list, not NULL, as libxl); set aside already,
     * but the hypervisor refuses both ways */
    ck_assert_ptr_nonnull(strstr(out, "== list\n  list num 0\n"));
    ck_assert_ptr_nonnull(strstr(out, "failed to quarantine 0000:00:02.0"));
    ck_assert_ptr_nonnull(strstr(out, "failed to de-quarantine 0000:00:02.0"));
    ck_assert_int_eq(xensim_pci_owner(0, 0, 2 << 3), domid);
    free(out);
}

TEST(assignable_without_pciback, 60)
{
    if (pcienv_skip())
        return;
    char *out = same_three_ways("nopciback", spec_nopciback, 0, true);

    ck_assert_ptr_nonnull(strstr(out, "Looks like pciback driver not loaded"));
    ck_assert_ptr_nonnull(strstr(out, "Looks like pciback driver is not "
                                      "loaded"));
    free(out);
}

TEST(assignable_without_iommu, 60)
{
    if (pcienv_skip())
        return;
    char *out = same_three_ways("noiommu", spec_basic, 0, false);

    /* the sysfs part is done before the hypervisor says no */
    ck_assert_ptr_nonnull(strstr(out, "failed to quarantine 0000:00:02.0"));
    ck_assert_ptr_nonnull(strstr(out, "# write drivers/pciback/bind "
                                      "0000:00:02.0 -> ok\n"));
    free(out);
}

/* 02.0 set aside by hand with /libxl/pci/0000-00-02-0/driver_path naming
 * a plain directory that has a "bind" file */
TEST(assignable_remove_rebinds_only_to_a_driver, 60)
{
    if (pcienv_skip())
        return;
    static const char spec_aside[] =
        "driver e1000e\n"
        "driver pciback\n"
        "device 0000:00:02.0 0x8086 0x10d3 0x020000 pciback\n"
        "slot 0000:00:02.0\n";
    char evil[PATH_MAX], bind[PATH_MAX + 8];
    const char *const args[] = { "rebind", NULL };
    const char *const wrap[] = { fakesysfs, state, state, NULL };

    snprintf(evil, sizeof(evil), "%s/evil", dir);
    snprintf(bind, sizeof(bind), "%s/bind", evil);
    ck_assert_int_eq(mkdir(evil, 0755), 0);
    for (int way = 0; way < 3; way += 2) {
        struct xs_handle *xs;
        lay_state(spec_aside, 0, true);
        pcienv_write_file(bind, "");
        ck_assert_int_eq(xensim_pci_set_owner(0, 0, 2 << 3, 0x7ff1), 0);
        xs = xs_open(0);
        ck_assert_ptr_nonnull(xs);
        ck_assert(xs_write(xs, XBT_NULL, "/libxl/pci/0000-00-02-0/driver_path",
                           evil, strlen(evil)));
        xs_close(xs);
        char *out = dropin_run_wrapped(way ? PROBE_OURS : PROBE_DEBIAN, args,
                                       preload_env, way != 0, NULL, wrap);
        char *written = pcienv_read_file(bind);
        if (way == 0) {
            ck_assert_msg(strstr(out, "  rc 0\n"), "%s", out);
            ck_assert_str_eq(written, "0000:00:02.0");
        } else {
            ck_assert_msg(strstr(out, "  rc -1\n"), "%s", out);
            ck_assert_str_eq(written, "");
            ck_assert_msg(strstr(out, "is not a PCI driver's directory"), "%s",
                          out);
        }
        free(out);
        free(written);
    }
    unlink(bind);
    rmdir(evil);
}
