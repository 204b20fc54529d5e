/*
 * test_dropin_pci_list.c: libxl_device_pci_list as a drop-in for Debian's
 * libxenlight 4.17. The domains' pci backends are written into the
 * simulated host's xenstore as libxl lays them out
 * (/local/domain/0/backend/pci/DOMID/0: num_devs, dev-N, vdevfn-N,
 * name-N, opts-N, and the key-N / state-N libxl does not read back), and
 * tests/abi/dropin_pci.c ("pcilist") prints each domain's list as JSON,
 * with its log lines, three ways (Debian's, Debian's binary on lightcore,
 * ours): the same.
 *
 * Debian's `xl pci-list` gives the same on both libraries.
 *
 * Backends on which Debian's library crashes (a dev-N missing, options
 * without a value, a count it cannot allocate) are read by lightcore only:
 * no crash, no list, a log line.
 */
#include <check.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

#include "dropin.h"
#include "simhost.h"
#include "testmain.h"
#include "xlboth.h"

#define PROBE_DEBIAN "tests/dropin-pci-debian"
#define PROBE_OURS   "tests/dropin-pci-ours"

static simhost *host;
static char preload_env[PATH_MAX * 2 + 32];
static struct xs_handle *xs;

static void setup(void)
{
    host = simhost_start();
    ck_assert_ptr_nonnull(host);
    snprintf(preload_env, sizeof(preload_env), "%s", simhost_preload_env());
    xs = xs_open(0);
    ck_assert_ptr_nonnull(xs);
}

static void teardown(void)
{
    xs_close(xs);
    ck_assert_int_eq(simhost_stop(host), 0);
}

TEST_FIXTURE(setup, teardown);

/* Writes KEY=VALUE pairs (NULL-terminated) under domid's pci backend. */
static void backend(unsigned domid, const char *const kv[])
{
    for (int i = 0; kv[i]; i += 2) {
        char path[128];
        snprintf(path, sizeof(path), "/local/domain/0/backend/pci/%u/0/%s",
                 domid, kv[i]);
        ck_assert(xs_write(xs, XBT_NULL, path, kv[i + 1],
                           strlen(kv[i + 1])));
    }
}

static char *probe(int way, const char *const args[])
{
    return dropin_run(way == 2 ? PROBE_OURS : PROBE_DEBIAN, args, preload_env,
                      way != 0);
}

TEST(pci_list_same_three_ways, 60)
{
    /* 11: two devices, as libxl writes them (and the nodes it does not
     * read back); 12: options in another order, an unknown one first,
     * vdevfn with 0x; 13: no backend; 14: a count of 0; 15: a backend
     * without a count */
    static const char *const d11[] = {
        "frontend", "/local/domain/11/device/pci/0", "frontend-id", "11",
        "online", "1", "state", "4", "domain", "vm11",
        "num_devs", "2",
        "key-0", "0000:00:02.0", "dev-0", "0000:00:02.0", "vdevfn-0", "10",
        "opts-0", "msitranslate=1,power_mgmt=0,permissive=1,rdm_policy=strict",
        "state-0", "4",
        "key-1", "0000:03:1f.7", "dev-1", "0000:03:1f.7", "name-1", "nic",
        "opts-1", "msitranslate=0,power_mgmt=1,permissive=0,rdm_policy=relaxed",
        "state-1", "4", NULL,
    };
    static const char *const d12[] = {
        "num_devs", "1", "dev-0", "0001:ff:00.1", "vdevfn-0", "0x1f",
        "opts-0", "foo=bar,permissive=1,msitranslate=7", NULL,
    };
    static const char *const d14[] = { "num_devs", "0", NULL };
    static const char *const d15[] = { "dev-0", "0000:00:02.0", NULL };
    backend(11, d11);
    backend(12, d12);
    backend(14, d14);
    backend(15, d15);

    const char *const args[] = { "pcilist", "11", "12", "13", "14", "15",
                                 NULL };
    char *out[3];
    for (int w = 0; w < 3; w++)
        out[w] = probe(w, args);
    dropin_assert_same(out[0], out[1], out[2]);
    /* what Debian's library gave (so the comparison is not vacuous) */
    ck_assert_ptr_nonnull(strstr(out[0], "== pci_list 11\n  list num 2\n"));
    ck_assert_ptr_nonnull(strstr(out[0], "\"name\": \"nic\""));
    ck_assert_ptr_nonnull(strstr(out[0], "\"vdevfn\": 31"));
    ck_assert_ptr_nonnull(strstr(out[0], "== pci_list 13\n  NULL num 0\n"));
    for (int w = 0; w < 3; w++)
        free(out[w]);
}

TEST(pci_list_hostile_backends_on_lightcore, 60)
{
    /* 21: a count too large; 22: negative; 23: dev-1 missing; 24: dev-0
     * not an address; 25: options without values and a bad vdevfn (the
     * device is listed, the bad parts left out); 26: empty options */
    static const char *const d21[] = { "num_devs", "99999", NULL };
    static const char *const d22[] = { "num_devs", "-1", NULL };
    static const char *const d23[] = {
        "num_devs", "2", "dev-0", "0000:00:02.0", NULL,
    };
    static const char *const d24[] = {
        "num_devs", "1", "dev-0", "0000:00:02.0; rm -rf /", NULL,
    };
    static const char *const d25[] = {
        "num_devs", "1", "dev-0", "0000:00:02.0", "vdevfn-0", "xyz",
        "opts-0", "msitranslate,permissive=,power_mgmt=1", NULL,
    };
    static const char *const d26[] = {
        "num_devs", "1", "dev-0", "0000:00:03.0", "opts-0", "", NULL,
    };
    backend(21, d21);
    backend(22, d22);
    backend(23, d23);
    backend(24, d24);
    backend(25, d25);
    backend(26, d26);

    const char *const args[] = { "pcilist", "21", "22", "23", "24", "25",
                                 "26", NULL };
    char *out = probe(2, args);
    ck_assert_ptr_nonnull(strstr(out, "== pci_list 21\n"
                                      "  log 8 libxl [errno -1] "
                                      "/local/domain/0/backend/pci/21/0/"
                                      "num_devs: not a device count: 99999\n"
                                      "  NULL num 0\n"));
    ck_assert_ptr_nonnull(strstr(out, "not a device count: -1\n"
                                      "  NULL num 0\n"));
    ck_assert_ptr_nonnull(strstr(out, "pci/23/0/dev-1: missing\n"
                                      "  NULL num 0\n"));
    ck_assert_ptr_nonnull(strstr(out, "pci/24/0/dev-0: not a PCI address\n"
                                      "  NULL num 0\n"));
    ck_assert_ptr_nonnull(strstr(out, "vdevfn-0: not a hex number, ignored"));
    ck_assert_ptr_nonnull(strstr(out, "option permissive has a bad value"));
    ck_assert_ptr_nonnull(strstr(out, "\"power_mgmt\": true"));
    ck_assert_ptr_nonnull(strstr(out, "== pci_list 26\n  list num 1\n"));
    ck_assert_ptr_nonnull(strstr(out, "\ndone\n"));
    free(out);
}

TEST(xl_pci_list_same_on_both, 60)
{
    int d = simhost_create_domain("vm", 64, 1, NULL);
    char id[16], be[96];

    ck_assert_int_gt(d, 0);
    snprintf(id, sizeof(id), "%d", d);
    static const char *const devs[] = {
        "num_devs", "2", "dev-0", "0000:00:02.0", "vdevfn-0", "28",
        "opts-0", "msitranslate=0,power_mgmt=0,permissive=0,rdm_policy=strict",
        "dev-1", "0000:04:00.3", "name-1", "hba", NULL,
    };
    backend((unsigned)d, devs);
    xlboth_init(preload_env, NULL);
    setenv("ASAN_OPTIONS", "detect_leaks=0:verify_asan_link_order=0", 1);

    const char *const args[] = { "pci-list", id, NULL };
    xl_run r = xlboth_same(args, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "Vdev Device\n05.0 0000:00:02.0\n"
                            "00.0 0000:04:00.3\n");
    xl_run_free(&r);

    /* no backend, or no such domain (xl takes the number as it is):
     * nothing listed */
    snprintf(be, sizeof(be), "/local/domain/0/backend/pci/%d", d);
    ck_assert(xs_rm(xs, XBT_NULL, be));
    r = xlboth_same(args, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "");
    xl_run_free(&r);
    const char *const none[] = { "pci-list", "77", NULL };
    r = xlboth_same(none, NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "");
    xl_run_free(&r);
}
