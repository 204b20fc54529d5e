/*
 * test_pci_faults.c: PCI passthrough adds that fail part-way, on
 * lightcore only: the hypervisor refusing to map the device's interrupt
 * (after its memory was granted), refusing to assign it through the IOMMU
 * (after its memory and interrupt were granted), a running pci backend
 * that never gets back to Connected (the device init deadline passes),
 * and an add, then a remove, aborted while they wait for that backend. Each failed add
 * returns libxl's error and leaves the host as it found it: no grant, no
 * pirq, the device quarantined as before, no /libxl/pci node, no backend
 * entry, nothing added to the stored configuration (README "Deliberate
 * differences": libxl leaves what it did, and waits without an abort).
 *
 * The probe is tests/abi/dropin_pci_attach.c (ours), run inside the fake
 * sysfs on a simulated host whose guest's pci backend is held at
 * Initialised; it prints the state ("-- before") a failed add must leave
 * unchanged ("-- after"). The deadline is the test tunable
 * LIGHTCORE_DEVICE_INIT_TIMEOUT_MS. Needs root; otherwise each test says
 * it skipped.
 */
#include <check.h>
#include <limits.h>
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

#define PROBE_OURS "tests/dropin-pci-attach-ours"

/* 02.0 and 05.0 sound; 03.0's interrupt is no GSI dom0 has (Xen refuses
 * to map it: EINVAL); 04.0 sound in sysfs but another domain's in the
 * hypervisor (assigning it: EBUSY). */
static const char spec_text[] =
    "driver pciback\n"
    "device 0000:00:02.0 0x8086 0x10d3 0x020000 pciback\n"
    "device 0000:00:03.0 0x8086 0x10d3 0x020000 pciback\n"
    "device 0000:00:04.0 0x1af4 0x1000 0x020000 pciback\n"
    "device 0000:00:05.0 0x8086 0x10d3 0x020000 pciback\n"
    "irq 0000:00:02.0 11\n"
    "bar 0000:00:02.0 0 febc0000 febdffff 40200\n"
    "bar 0000:00:02.0 2 c000 c01f 40101\n"
    "irq 0000:00:03.0 300\n"
    "bar 0000:00:03.0 0 fea00000 fea00fff 40200\n"
    "bar 0000:00:03.0 2 c100 c11f 40101\n"
    "irq 0000:00:04.0 10\n"
    "bar 0000:00:04.0 0 fe900000 fe903fff 40200\n"
    "irq 0000:00:05.0 10\n"
    "bar 0000:00:05.0 0 fe800000 fe800fff 40200\n"
    "slot 0000:00:02.0\n"
    "slot 0000:00:03.0\n"
    "slot 0000:00:04.0\n"
    "slot 0000:00:05.0\n";

static void setup(void)
{
    pcienv_setup("pci-faults", "pv");
    if (geteuid() == 0)
        ck_assert_int_eq(setenv("LIGHTCORE_DEVICE_INIT_TIMEOUT_MS", "400",
                                1), 0);
}

static void teardown(void)
{
    pcienv_teardown();
}

TEST_FIXTURE(setup, teardown);

/* The probe's output is long for Check's message: shown on stderr. */
#define EXPECT(out, cond) \
    do {                                                                  \
        if (!(cond))                                                      \
            fprintf(stderr, "probe output:\n%s\n", (out));              \
        ck_assert(cond);                                                  \
    } while (0)

/* The probe (ours, on lightcore) with args on a host of its own whose
 * guest (domid 1) has a pci backend that never connects. */
static char *run(const char *const args[])
{
    simhost *host = simhost_start();
    char dir[PATH_MAX], preload[PATH_MAX * 2 + 32], *out;

    ck_assert_ptr_nonnull(host);
    snprintf(preload, sizeof(preload), "%s", simhost_preload_env());
    ck_assert_int_eq(simhost_create_domain("vm", 64, 1, "obey"), 1);
    ck_assert_int_eq(simhost_backend_policy(1, "pci", "no-connect"), 0);
    for (unsigned dev = 2; dev <= 5; dev++) {
        ck_assert_int_eq(xensim_pci_set(0, 0, (uint8_t)(dev << 3), -1), 0);
        ck_assert_int_eq(xensim_pci_set_owner(0, 0, (uint8_t)(dev << 3),
                                              dev == 4 ? 5 : 0x7ff1), 0);
    }
    pcienv_write_file(pcienv_spec, spec_text);
    snprintf(dir, sizeof(dir), "%s/ours", pcienv_base);
    pcienv_store_config(PROBE_OURS, preload, true, dir);
    out = dropin_run_wrapped(PROBE_OURS, args, preload, true, dir,
                             pcienv_wrapper);
    ck_assert_int_eq(simhost_stop(host), 0);
    return out;
}

/* The text of the section that starts after marker at p, up to the next
 * call ("== "), marker ("-- ") or the end ("done"): malloc'ed. */
static char *section(const char *p)
{
    const char *end = p;

    while (*end && strncmp(end, "== ", 3) && strncmp(end, "-- ", 3) &&
           strncmp(end, "done\n", 5)) {
        const char *nl = strchr(end, '\n');
        end = nl ? nl + 1 : end + strlen(end);
    }
    return strndup(p, (size_t)(end - p));
}

/* A state without the empty /libxl/pci directories a failed add leaves
 * (libxl leaves them too; lightcore's trees are libxl's): a directory
 * line " SSSS-BB-DD-F = "" (n0)" with no child, and "/libxl/pci" itself
 * when nothing is left below it. */
static char *without_empty_dirs(const char *s)
{
    char *out = calloc(1, strlen(s) + 32), *o = out;
    const char *p = s;

    ck_assert_ptr_nonnull(out);
    while (*p) {
        const char *nl = strchr(p, '\n');
        const char *next = nl ? nl + 1 : p + strlen(p);
        const char *nnl = strchr(next, '\n');
        size_t nlen = nnl ? (size_t)(nnl - next) : strlen(next);
        bool child = !strncmp(next, "  ", 2) && next[2] != ' ' &&
                     memmem(next, nlen, " = \"", 4);
        bool empty_bdf = strlen(p) > 12 && p[0] == ' ' && p[1] != ' ' &&
                         !strncmp(p + 13, " = \"\" (n0)\n", 10) && !child;
        if (!empty_bdf) {
            memcpy(o, p, (size_t)(next - p));
            o += next - p;
        }
        p = next;
    }
    *o = '\0';
    /* "/libxl/pci" with nothing left below it */
    char *top = strstr(out, "/libxl/pci = \"\" (n0)\n");
    if (top && (top[21] != ' ' || top[22] == ' ')) {
        memmove(top + 17, top + 21, strlen(top + 21) + 1);
        memcpy(top, "/libxl/pci: none\n", 17);
    }
    return out;
}

/* Every "-- after" state equals the "-- before" state preceding it;
 * returns how many were compared. */
static int assert_undone(const char *out)
{
    char *before = NULL;
    int n = 0;

    for (const char *p = out; (p = strstr(p, "-- ")); ) {
        bool is_before = !strncmp(p, "-- before\n", 10);
        EXPECT(out, is_before || !strncmp(p, "-- after\n", 9));
        p = strchr(p, '\n') + 1;
        char *raw = section(p);
        ck_assert_ptr_nonnull(raw);
        char *s = without_empty_dirs(raw);
        free(raw);
        if (is_before) {
            free(before);
            before = s;
        } else {
            ck_assert_ptr_nonnull(before);
            if (strcmp(before, s))
                fprintf(stderr, "before:\n%s\nafter:\n%s\n", before, s);
            EXPECT(out, !strcmp(before, s));
            free(s);
            n++;
        }
    }
    free(before);
    return n;
}

TEST(pci_faults_failed_adds_leave_nothing, 120)
{
    if (pcienv_skip())
        return;
    const char *const args[] = { "faults", "1", NULL };
    char *out = run(args);

    ck_assert_int_eq(assert_undone(out), 3);
    /* each failed where it should, with libxl's error */
    EXPECT(out, strstr(out, "[errno 22] Domain 1:xc_physdev_map_pirq "
                            "irq=300 (error=-1)\n"));
    EXPECT(out, strstr(out, "xc_assign_device failed\n"));
    EXPECT(out, strstr(out, "] Backend /local/domain/0/backend/pci/1/"
                            "0 not ready\n"));
    EXPECT(out, strstr(out, "  rc -3\n"));
    /* the states compared are not vacuous: the sound add is there */
    EXPECT(out, strstr(out, "pirq 11 -> gsi 11\n"));
    EXPECT(out, strstr(out, "  owner 00:02.0 1\n"));
    EXPECT(out, strstr(out, "  owner 00:04.0 5\n"));
    EXPECT(out, strstr(out, "  stored pcidevs 1\n"));
    free(out);
}

TEST(pci_faults_abort_while_waiting_for_the_backend, 120)
{
    if (pcienv_skip())
        return;
    const char *const args[] = { "abort", "1", NULL };
    char *out = run(args);

    ck_assert_int_eq(assert_undone(out), 1);
    EXPECT(out, strstr(out, "== add 1 05.0 asynchronously\n"));
    EXPECT(out, strstr(out, "reset from sysfs for PCI device 0000:00:05.0\n"
                            "  rc 0\n"));
    EXPECT(out, strstr(out, "  abort rc 0\n"));
    EXPECT(out, strstr(out, "Domain 1:libxl__device_pci_add failed for PCI "
                            "device 0:0:5.0 (rc -22)\n"));
    EXPECT(out, strstr(out, "for_user 42 rc -22\n"));
    EXPECT(out, strstr(out, "  owner 00:02.0 1\n"));
    /* the remove aborted in its wait: the device is the guest's no more
     * (quarantined, no grant), its backend entries stay as when the
     * backend does not answer, the remove's result is the abort's */
    const char *rm = strstr(out, "== remove 1 02.0 asynchronously\n");
    EXPECT(out, rm);
    EXPECT(out, strstr(rm, "  abort rc 0\n"));
    EXPECT(out, strstr(rm, "for_user 42 rc -22\n"));
    EXPECT(out, strstr(rm, "    dev-0 = \"0000:00:02.0\""));
    EXPECT(out, strstr(rm, "  owner 00:02.0 32753\n"));
    EXPECT(out, strstr(rm, "  granted:\ndone\n"));
    free(out);
}
