/*
 * test_dropin_pci_attach.c: PCI passthrough to a PV guest (add, remove,
 * destroy) as a drop-in for Debian's libxenlight 4.17.
 * tests/abi/dropin_pci_attach.c is built against Debian's headers and
 * library and against ours; each run gets a simulated host of its own
 * (an IOMMU, pciback and a guest whose pcifront follows it: tests/sim
 * README "Devices"), the guest's stored configuration in private
 * /var/lib/xen directories, and a fake /sys/bus/pci (tests/sim/fakesysfs)
 * where 02.0, 03.0 and 04.0 were set aside for guests (bound to pciback,
 * quarantined) and 05.0 is a host nic's. Debian's run, Debian's binary on
 * lightcore (ABI) and ours (API) must print the same: every rc and error
 * line, the backend and frontend directories with their permissions, the
 * stored configuration's devices, the hypervisor's owner of each device
 * and the guest's I/O memory, port and interrupt grants, and the fake
 * sysfs at the end with every write made to it.
 *
 * Needs root (mount namespaces, FUSE); otherwise each test says it
 * skipped.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xenstore.h>

#include "dropin.h"
#include "pcienv.h"
#include "simhost.h"
#include "subproc.h"
#include "testmain.h"
#include "xensim.h"

#define PROBE_DEBIAN "tests/dropin-pci-attach-debian"
#define PROBE_OURS   "tests/dropin-pci-attach-ours"

/* 02.0: memory and I/O BARs, a ROM and an interrupt, a reset file;
 * 03.0: one BAR, no interrupt; 04.0: a BAR past 4 GiB, an interrupt. */
static const char spec_text[] =
    "driver e1000e\n"
    "driver pciback\n"
    "device 0000:00:02.0 0x8086 0x10d3 0x020000 pciback\n"
    "device 0000:00:03.0 0x8086 0x10d3 0x020000 pciback\n"
    "device 0000:00:04.0 0x1af4 0x1000 0x020000 pciback\n"
    "device 0000:00:05.0 0x8086 0x10d3 0x020000 e1000e\n"
    "irq 0000:00:02.0 11\n"
    "bar 0000:00:02.0 0 febc0000 febdffff 40200\n"
    "bar 0000:00:02.0 2 c000 c01f 40101\n"
    "bar 0000:00:02.0 6 feb80000 febbffff 46200\n"
    "reset 0000:00:02.0\n"
    "bar 0000:00:03.0 0 fea00000 fea00fff 40200\n"
    "irq 0000:00:04.0 10\n"
    "bar 0000:00:04.0 4 800000000 800003fff 14220c\n"
    "slot 0000:00:02.0\n"
    "slot 0000:00:03.0\n"
    "slot 0000:00:04.0\n"
    /* 06.0-06.2: three functions of one device, all set aside */
    "device 0000:00:06.0 0x8086 0x10c9 0x020000 pciback\n"
    "device 0000:00:06.1 0x8086 0x10c9 0x020000 pciback\n"
    "device 0000:00:06.2 0x8086 0x10c9 0x020000 pciback\n"
    "irq 0000:00:06.0 5\n"
    "bar 0000:00:06.0 0 fe000000 fe01ffff 40200\n"
    "bar 0000:00:06.1 0 fe020000 fe03ffff 40200\n"
    "bar 0000:00:06.2 0 fe040000 fe05ffff 40200\n"
    "slot 0000:00:06.0\n"
    "slot 0000:00:06.1\n"
    "slot 0000:00:06.2\n";

static void setup(void)
{
    pcienv_setup("dropin-pci-attach", "pv");
}

static void teardown(void)
{
    pcienv_teardown();
}

TEST_FIXTURE(setup, teardown);

static const char *const way_names[] = { "debian", "abi", "api" };

/*
 * On a host of its own with one guest (domid 1), its configuration and
 * the fake sysfs, the probe run with args, one of the three ways: what it
 * printed, then the fake sysfs at the end.
 */
static char *run_way(int way, const char *const args[])
{
    simhost *host = simhost_start();
    char dir[PATH_MAX], preload[PATH_MAX * 2 + 32], *out, *sys, *all;
    const char *prog = way == 2 ? PROBE_OURS : PROBE_DEBIAN;
    struct xs_handle *xs;

    ck_assert_ptr_nonnull(host);
    snprintf(preload, sizeof(preload), "%s", simhost_preload_env());
    ck_assert_int_eq(simhost_create_domain("vm", 64, 1, "obey"), 1);
    /* the hypervisor knows the devices; three are set aside as
     * libxl_device_pci_assignable_add leaves them */
    for (unsigned dev = 2; dev <= 5; dev++) {
        ck_assert_int_eq(xensim_pci_set(0, 0, (uint8_t)(dev << 3), -1), 0);
        ck_assert_int_eq(xensim_pci_set_owner(0, 0, (uint8_t)(dev << 3),
                                              dev < 5 ? 0x7ff1 : 0), 0);
    }
    for (uint8_t fn = 0; fn < 3; fn++) {
        ck_assert_int_eq(xensim_pci_set(0, 0, (uint8_t)(6 << 3 | fn), -1), 0);
        ck_assert_int_eq(xensim_pci_set_owner(0, 0, (uint8_t)(6 << 3 | fn),
                                              0x7ff1), 0);
    }
    xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
    ck_assert(xs_write(xs, XBT_NULL, "/libxl/pci/0000-00-03-0/name", "nic3",
                       4));
    xs_close(xs);
    pcienv_write_file(pcienv_spec, spec_text);
    snprintf(dir, sizeof(dir), "%s/%s", pcienv_base, way_names[way]);
    pcienv_store_config(prog, preload, way != 0, dir);
    out = dropin_run_wrapped(prog, args, preload, way != 0, dir,
                             pcienv_wrapper);
    sys = pcienv_read_file(pcienv_spec);
    ck_assert_int_gt(asprintf(&all, "%s--- fake sysfs at the end\n%s", out,
                              sys), 0);
    free(out);
    free(sys);
    ck_assert_int_eq(simhost_stop(host), 0);
    return all;
}

TEST(pci_attach_same_on_debian_and_lightcore, 240)
{
    if (pcienv_skip())
        return;
    const char *const args[] = { "attach", "1", NULL };
    char *out[3];

    for (int w = 0; w < 3; w++)
        out[w] = run_way(w, args);
    dropin_assert_same(out[0], out[1], out[2]);
    /* what the run went through (so the comparison is not vacuous) */
    ck_assert_ptr_nonnull(strstr(out[0], "== add 1 02.0 permissive\n"
                                         "  rc 0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "is not assignable"));
    ck_assert_ptr_nonnull(strstr(out[0], "PCI device not attached to this "
                                         "domain"));
    ck_assert_ptr_nonnull(strstr(out[0], "    num_devs = \"3\" (n0,r1)\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "  owner 00:04.0 1\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "iomem 0xfebc0+0x20\n"
                                         "ioport 0xc000+0x20\n"
                                         "iomem 0xfeb80+0x40\n"
                                         "pirq 11 -> gsi 11\n"
                                         "irq 0xb+0x1\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "retrieved rc 0 pcidevs 2: 03.0 "
                                         "04.0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "# write drivers/pciback/permissive "
                                         "0000:00:02.0 -> ok\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "== remove 1 04.0\n  log 8 libxl "
                                         "[errno -1] The kernel doesn't "
                                         "support reset from sysfs for PCI "
                                         "device 0000:00:04.0\n  rc 0\n"));
    free(out[1]);
    free(out[2]);
    free(out[0]);
}

/* A device the guest has, added again: refused alike; libxl then removes
 * the device's /libxl/pci/BDF/domid node (so it is listed assignable while
 * the guest has it), lightcore leaves it (README "Deliberate
 * differences"). */
TEST(pci_attach_refused_twice_keeps_the_guest_mark, 120)
{
    if (pcienv_skip())
        return;
    const char *const args[] = { "refuse", "1", NULL };
    char *out[3];
    static const char mark[] = " 0000-00-02-0 = \"\" (n0)\n"
                               "  domid = \"1\" (n0)\n";

    for (int w = 0; w < 3; w++)
        out[w] = run_way(w, args);
    ck_assert_str_eq(out[1], out[2]);
    ck_assert_msg(strstr(out[0], "is not assignable\n"), "%s", out[0]);
    ck_assert_msg(strstr(out[1], "is not assignable\n"), "%s", out[1]);
    ck_assert_msg(!strstr(out[0], mark), "%s", out[0]);
    ck_assert_msg(strstr(out[1], mark), "%s", out[1]);
    for (int w = 0; w < 3; w++)
        free(out[w]);
}

/* A multi-function device (00:06, three functions set aside) added and
 * removed as one (vfunc_mask all, at virtual slot 7): the same rc,
 * entries, owners and grants on both libraries, whose pciback publishes
 * the virtual slot (vdev-N). */
TEST(pci_attach_multi_function_same, 240)
{
    if (pcienv_skip())
        return;
    const char *const args[] = { "multi", "1", NULL };
    char *out[3];

    for (int w = 0; w < 3; w++)
        out[w] = run_way(w, args);
    dropin_assert_same(out[0], out[1], out[2]);
    /* what libxl 4.17 does with it: it gives the highest function only
     * (at its function of the virtual slot), which pciback puts on its
     * own virtual slot; the remove takes that one back, then fails on
     * the next function, which the guest does not have */
    ck_assert_ptr_nonnull(strstr(out[0], "== add 1 06.* at slot 7\n"
                                         "  log 8 libxl [errno -1] The kernel"
                                         " doesn't support reset from sysfs "
                                         "for PCI device 0000:00:06.0\n"
                                         "  rc 0\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "    vdevfn-0 = \"3a\" (n0,r1)\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "    vdev-0 = \"0000:00:00.02\" "
                                         "(n0,r1)\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "  owner 00:06.1 32753\n"
                                         "  owner 00:06.2 1\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "== remove 1 06.* at slot 7\n"
                                         "  log 8 libxl [errno -1] unable to "
                                         "remove device\n  rc -3\n"));
    for (int w = 0; w < 3; w++)
        free(out[w]);
}
